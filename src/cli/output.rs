//! Shared output helpers: the --format choice, how highlighted text is rendered, printing
//! with participants' names masked, and writing files atomically.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::ValueEnum;

use qcode::export::{
    cut_warning, write_csv, write_json, write_table, write_xlsx, CsvFlavour, Export,
};
use qcode::privacy::{Privacy, Redactor};

/// Every format qcode writes. Each command's `--format` accepts the ones it can write (see
/// [`Format::parser`]), so its help and the error for any other value say which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable text for a terminal or a pager.
    Table,
    Csv,
    Json,
    /// A spreadsheet: a binary file, written with -o FILE.
    Xlsx,
}

impl Format {
    /// What the commands that print to the terminal write.
    pub const PRINTED: &'static [Format] = &[Format::Table, Format::Csv, Format::Json];
    /// What exports write, in the order their help gives.
    pub const EXPORTED: &'static [Format] =
        &[Format::Csv, Format::Json, Format::Xlsx, Format::Table];

    /// A `--format` parser that takes only `accepted`: clap lists exactly those in the help and
    /// completions, and refuses any other value naming them.
    pub fn parser(accepted: &'static [Format]) -> impl TypedValueParser<Value = Format> {
        PossibleValuesParser::new(accepted.iter().filter_map(ValueEnum::to_possible_value))
            .map(|s| <Format as ValueEnum>::from_str(&s, false).expect("one of the accepted"))
    }
}

/// The help of every `--excel` flag.
pub const EXCEL_HELP: &str = "CSV for spreadsheets (Excel, LibreOffice): UTF-8 BOM, CRLF, and cells a spreadsheet would run as a formula (starting with = + - @, also after spaces) made inert with a leading '. Without it, CSV is for R and pandas";

/// The CSV flavour `--excel` asks for, refused with any format but CSV.
pub fn csv_flavour(excel: bool, format: Format) -> Result<CsvFlavour> {
    match (excel, format) {
        (false, _) => Ok(CsvFlavour::Plain),
        (true, Format::Csv) => Ok(CsvFlavour::Excel),
        (true, _) => anyhow::bail!(
            "--excel applies to --format csv only (XLSX never runs a cell; JSON and tables are not for spreadsheets)"
        ),
    }
}

/// The message for XLSX asked for where it would go to a terminal.
pub const XLSX_NEEDS_FILE: &str = "XLSX is a binary file: give -o FILE.xlsx";

/// Write `export` as `format` (CSV in `flavour`; a terminal table at most `width` characters a
/// column). Returns the warnings to show (XLSX cells cut to Excel's limit). A failure names its
/// cause: a workbook that cannot be made is not a full disk.
pub fn write_export(
    out: &mut dyn Write,
    export: &Export,
    format: Format,
    flavour: CsvFlavour,
    width: usize,
) -> Result<Vec<String>> {
    let mut out = out;
    match format {
        Format::Csv => write_csv(&mut out, export, flavour)?,
        Format::Json => write_json(&mut out, export)?,
        Format::Table => write_table(&mut out, export, width)?,
        Format::Xlsx => {
            let book = write_xlsx(export)
                .map_err(|e| anyhow::anyhow!("cannot make the XLSX workbook: {e}"))?;
            out.write_all(&book.bytes)?;
            return Ok(cut_warning(&book.cut).into_iter().collect());
        }
    }
    Ok(Vec::new())
}

/// How to mark matching words: bold on a terminal (unless NO_COLOR is set), «brackets» otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Marks {
    pub open: &'static str,
    pub close: &'static str,
}

impl Marks {
    pub const BRACKETS: Marks = Marks {
        open: "«",
        close: "»",
    };
    pub const BOLD: Marks = Marks {
        open: "\x1b[1m",
        close: "\x1b[0m",
    };

    pub fn for_stdout() -> Marks {
        Marks::for_screen(Screen::of_stdout())
    }

    /// Bold on a terminal that takes colour, brackets elsewhere.
    pub fn for_screen(screen: Screen) -> Marks {
        match screen.terminal && !screen.no_color {
            true => Marks::BOLD,
            false => Marks::BRACKETS,
        }
    }
}

/// What a command's output goes to, as far as its look depends on it: a terminal or not, and
/// whether NO_COLOR asks for plain text. Plain values, so that `qcode serve` can print for the
/// terminal of the process that asked it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Screen {
    pub terminal: bool,
    pub no_color: bool,
}

impl Screen {
    pub fn of_stdout() -> Screen {
        Screen {
            terminal: std::io::stdout().is_terminal(),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        }
    }
}

/// What stderr masks once a command has read the index's names: warnings and errors quote ids,
/// labels and text too. Set once, by [`set_stderr_mask`].
static STDERR_MASK: std::sync::RwLock<Option<Redactor>> = std::sync::RwLock::new(None);

/// Mask what `r` masks in every message from now on.
pub fn set_stderr_mask(r: Redactor) {
    if let Ok(mut m) = STDERR_MASK.write() {
        *m = Some(r);
    }
}

/// An error as `qcode` prints it: its causes after it, masked as stderr is.
pub fn error_message(err: &anyhow::Error) -> String {
    for_stderr(&format!("{err:#}"))
}

/// `msg` as stderr may show it: masked, and without control characters (a file name or id
/// holding an escape sequence must not drive the terminal).
pub fn for_stderr(msg: &str) -> String {
    let masked = match STDERR_MASK.read().ok().as_deref() {
        Some(Some(r)) => r.apply(msg),
        _ => msg.to_string(),
    };
    terminal_safe(&masked)
}

/// `text` without the control characters a terminal would act on (C0 but tab, line feed and
/// carriage return; DEL; C1), each shown as `�`.
pub fn terminal_safe(text: &str) -> String {
    let unsafe_char = |c: char| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || ('\u{80}'..='\u{9f}').contains(&c)
    };
    if !text.chars().any(unsafe_char) {
        return text.to_string();
    }
    text.chars()
        .map(|c| if unsafe_char(c) { '\u{fffd}' } else { c })
        .collect()
}

/// Write `bytes` to stdout with participants' names masked (for commands without the privacy
/// flags: names are always masked there).
pub fn print_masked(bytes: &[u8], names: &[String]) -> Result<()> {
    print_redacted(bytes, &Privacy::default().redactor(names)?)
}

/// Write `bytes` to stdout with everything `r` masks masked: the whole output, ids and headers
/// included, as the inspection commands (segments, codes, agree) have always masked it.
pub fn print_redacted(bytes: &[u8], r: &Redactor) -> Result<()> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = std::io::stdout().lock();
    let masked = r.apply(&text);
    // A terminal is driven by control characters in the data; a file or pipe gets the data.
    let shown = match std::io::stdout().is_terminal() {
        true => terminal_safe(&masked),
        false => masked,
    };
    out.write_all(shown.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Write to a temporary file beside `path`, then rename it into place: a reader never sees a
/// half-written file, and a failed export leaves none behind.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = temp_beside(path)?;
    tmp.write_all(bytes)
        .with_context(|| format!("cannot write {} (disk full?)", path.display()))?;
    persist(tmp, path)
}

/// The prefix of qcode's temporary files: recognisable, and cleaned up by the next run when a
/// killed run left one behind.
pub const TMP_PREFIX: &str = ".qcode-tmp-";

/// Leftover temporaries older than this are removed (younger ones may be another run's).
const TMP_STALE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Remove `dir`'s temporary files that a killed run left behind.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let stale = e.file_name().to_string_lossy().starts_with(TMP_PREFIX)
            && e.metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .is_some_and(|t| t.elapsed().is_ok_and(|age| age > TMP_STALE));
        if stale {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// `-o -` is standard output, as leaving `-o` out is (and as `count -o -` is), never a file
/// named `-` in the project folder.
pub fn stdout_if_dash(path: &mut Option<PathBuf>) {
    if path.as_deref() == Some(Path::new("-")) {
        *path = None;
    }
}

/// Refuse to write `path` when it would replace something that is not an export: a corpus,
/// codebook or codings file, qcode.toml or the pseudonyms table, a device, a pipe, a folder, or
/// a symbolic link (which a rename would replace, not write through). `--force` allows the
/// project's files and links; never devices or folders.
pub fn check_target(project: &qcode::project::Project, path: &Path, force: bool) -> Result<()> {
    // Where `-` could mean standard output it was taken as that before this ([`stdout_if_dash`]):
    // here the command writes a file, so `-` is a mistake, not a name.
    if path == Path::new("-") {
        anyhow::bail!(
            "`-o -` would write a file named `-`: this output is a file, not standard output\n  help: give the name of the file to write (e.g. -o report.html, -o project.qdpx)"
        );
    }
    let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if link && !force {
        anyhow::bail!(
            "{} is a symbolic link, which writing would replace\n  help: write to the file it points to, or add --force",
            path.display()
        );
    }
    refuse_special(path)?;
    if force {
        return Ok(());
    }
    let canon = |p: &Path| -> Option<PathBuf> {
        let parent = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Some(parent.canonicalize().ok()?.join(p.file_name()?))
    };
    let Some(target) = canon(path) else {
        return Ok(());
    };
    let inside = |dir: &Path| dir.canonicalize().is_ok_and(|d| target.starts_with(d));
    let own = [
        qcode::project::CONFIG_FILE,
        qcode::privacy::pseudonyms::PSEUDONYMS_FILE,
    ]
    .iter()
    .any(|f| canon(&project.root.join(f)).is_some_and(|p| p == target));
    if inside(&project.corpus_dir)
        || inside(&project.codebook_dir)
        || inside(&project.codings_dir())
        || own
    {
        anyhow::bail!(
            "{} is one of the project's own files (corpus, codebook, codings or settings): an export never replaces them\n  help: write elsewhere, or add --force if that is really meant",
            path.display()
        );
    }
    Ok(())
}

/// Refuse a `path` that is (or links to) a folder, device or pipe: the rename that ends every
/// write would replace it by a file (`-o /dev/null` would leave the machine without its
/// /dev/null), whatever --force says.
fn refuse_special(path: &Path) -> Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        anyhow::bail!(
            "{} is not a regular file (a folder, device or pipe); give a file name to write",
            path.display()
        );
    }
    Ok(())
}

/// A temporary file in `path`'s folder, to be [`persist`]ed over `path` once complete (dropped
/// unpersisted, it disappears; a killed run's is removed by the next).
pub fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    refuse_special(path)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    remove_stale_temporaries(&dir);
    let tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .tempfile_in(&dir)
        .with_context(|| {
            format!(
                "cannot write to {}: check the folder exists and is writable",
                dir.display()
            )
        })?;
    // A temporary file is private (0600); the export is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .ok();
    }
    Ok(tmp)
}

/// Move a complete temporary file into place.
pub fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    tmp.as_file().sync_all().ok();
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// `text` with each byte range in `spans` (sorted, non-overlapping) wrapped in marks.
pub fn mark(text: &str, spans: &[(usize, usize)], marks: Marks) -> String {
    let mut out = String::with_capacity(text.len() + spans.len() * 4);
    let mut at = 0;
    for &(s, e) in spans {
        if s < at || e > text.len() {
            continue;
        }
        out.push_str(&text[at..s]);
        out.push_str(marks.open);
        out.push_str(&text[s..e]);
        out.push_str(marks.close);
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_output_loses_control_characters_only() {
        assert_eq!(
            terminal_safe("a\u{1b}[31mb\tc\nd\u{9b}e"),
            "a\u{fffd}[31mb\tc\nd\u{fffd}e"
        );
        assert_eq!(terminal_safe("plain é 王"), "plain é 王");
    }

    #[test]
    fn marks_wrap_spans() {
        assert_eq!(
            mark("we trust them", &[(3, 8)], Marks::BRACKETS),
            "we «trust» them"
        );
        assert_eq!(mark("ab", &[], Marks::BRACKETS), "ab");
    }

    #[test]
    fn a_format_parser_takes_only_what_the_command_writes() {
        let cmd = clap::Command::new("t").arg(
            clap::Arg::new("format")
                .long("format")
                .value_parser(Format::parser(Format::PRINTED)),
        );
        let got = |v: &str| {
            cmd.clone()
                .try_get_matches_from(["t", "--format", v])
                .map(|m| *m.get_one::<Format>("format").unwrap())
        };
        assert_eq!(got("json").unwrap(), Format::Json);
        assert_eq!(got("table").unwrap(), Format::Table);
        let err = got("xlsx").unwrap_err().to_string();
        assert!(err.contains("[possible values: table, csv, json]"), "{err}");
    }
}
