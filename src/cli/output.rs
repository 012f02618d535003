//! Shared output helpers: the --format choice, how highlighted text is rendered, printing
//! with participants' names masked, and writing files atomically.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::ValueEnum;

use qcode::export::{write_csv, write_json, write_table, write_xlsx, CsvFlavour, Export};
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

/// The message for XLSX asked for where it would go to a terminal.
pub const XLSX_NEEDS_FILE: &str = "XLSX is a binary file: give -o FILE.xlsx";

/// Write `export` as `format` (CSV in `flavour`; a terminal table at most `width` characters a
/// column).
pub fn write_export(
    out: &mut dyn Write,
    export: &Export,
    format: Format,
    flavour: CsvFlavour,
    width: usize,
) -> Result<()> {
    let mut out = out;
    match format {
        Format::Csv => write_csv(&mut out, export, flavour)?,
        Format::Json => write_json(&mut out, export)?,
        Format::Table => write_table(&mut out, export, width)?,
        Format::Xlsx => out.write_all(&write_xlsx(export)?)?,
    }
    Ok(())
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
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if std::io::stdout().is_terminal() && !no_color {
            Marks::BOLD
        } else {
            Marks::BRACKETS
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

/// `msg` as stderr may show it.
pub fn for_stderr(msg: &str) -> String {
    match STDERR_MASK.read().ok().as_deref() {
        Some(Some(r)) => r.apply(msg),
        _ => msg.to_string(),
    }
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
    out.write_all(r.apply(&text).as_bytes())?;
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

/// A temporary file in `path`'s folder, to be [`persist`]ed over `path` once complete (dropped
/// unpersisted, it disappears).
pub fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::NamedTempFile::new_in(&dir).with_context(|| {
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
