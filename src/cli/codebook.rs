//! `qcode codebook`: check, test and diff print what the library finds (`project::check_codebook`,
//! `coding::test_examples`, `coding::diff::diff_codebooks`); import and export convert dictionaries.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use std::path::PathBuf;

use qcode::codebook::{load, load_path, Codebook};
use qcode::coding::diff::diff_codebooks;
use qcode::coding::test_examples;
use qcode::export::{taguette_codebook, Cell, CsvFlavour, Export, ExportMeta, Table};
use qcode::project::{check_codebook, CheckError, CodebookCheck};
use qcode::transcript::Segment;

use super::flags::default_mask;
use super::index::open_fresh_index;
use super::output::write_atomically;
use super::output::{csv_flavour, print_redacted, write_export, Format, EXCEL_HELP};
use super::Context;

/// Check, test, compare, import or export the codebook.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  qcode codebook check\n  qcode codebook test\n  qcode codebook diff /tmp/old.toml codebook/components.toml"
)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Report every problem (file:line:col, with a caret and a hint), and warn about codes
    /// without examples and patterns that match nothing in the corpus. Exit 1 on errors.
    #[command(after_help = "Example:\n  qcode codebook check")]
    Check,
    /// Check that each code's examples are coded with it and its counterexamples are not.
    /// Exit 1 if any fails.
    #[command(after_help = "Example:\n  qcode codebook test")]
    Test,
    /// Convert a dictionary (WordStat .cat, LIWC .dic, Lexicoder .lc3, quanteda YAML, JSON) into
    /// a codebook file: categories become codes (hierarchy kept), entries become patterns. The
    /// file is written only if it loads with the codebook it joins; else every problem is named
    /// at its line in the dictionary.
    #[command(after_help = "Examples:
  qcode codebook import liwc2015.dic --dimension liwc
  qcode codebook import policy.yml -o codebook/policy.toml")]
    Import {
        file: PathBuf,
        /// The dictionary's kind (default: from the extension: .cat .dic .lc3 .yml/.yaml .json).
        #[arg(long, value_enum)]
        from: Option<DictArg>,
        /// The dimension the imported codes get.
        #[arg(long, default_value = "imported")]
        dimension: String,
        /// Where to write (default: codebook/NAME.toml; an existing file is never overwritten).
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
    /// Write the codebook in another tool's format: quanteda YAML, or Taguette's codebook CSV
    /// (tag, description; `qcode export taguette` writes codings with the same tags).
    #[command(
        after_help = "Examples:\n  qcode codebook export --format yaml -o dictionary.yml\n  qcode codebook export --format taguette -o tags.csv"
    )]
    Export {
        #[arg(long, value_enum, default_value_t = ExportFormat::Yaml)]
        format: ExportFormat,
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
    /// Which segments gain and lose which codes going from OLD to NEW (default: the project's
    /// codebook/): run it before committing a codebook edit.
    #[command(after_help = "Examples:
  git show HEAD:codebook/components.toml > /tmp/old.toml && qcode codebook diff /tmp/old.toml codebook/components.toml
  qcode codebook diff ../codebook-v1/ --list --format csv > changes.csv")]
    Diff {
        /// The old codebook: a folder of .toml files, or one file.
        old: PathBuf,
        /// The new codebook (default: the project's codebook folder).
        new: Option<PathBuf>,
        /// List every segment that gains or loses a code, with its text.
        #[arg(long)]
        list: bool,
        #[arg(long, value_parser = Format::parser(Format::PRINTED), default_value = "table")]
        format: Format,
        #[arg(long, help = EXCEL_HELP)]
        excel: bool,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DictArg {
    Wordstat,
    Liwc,
    Lexicoder,
    Yaml,
    Json,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    /// quanteda's YAML dictionary.
    Yaml,
    /// Taguette's codebook CSV (tag, description), for its "Import codebook".
    Taguette,
}

fn import(
    ctx: &Context,
    file: &std::path::Path,
    from: Option<DictArg>,
    dimension: &str,
    output: Option<&std::path::Path>,
) -> Result<ExitCode> {
    use qcode::codebook::dictionary::{import_dictionary, DictFormat, ImportRequest};
    let format = from.map(|f| match f {
        DictArg::Wordstat => DictFormat::WordStat,
        DictArg::Liwc => DictFormat::Liwc,
        DictArg::Lexicoder => DictFormat::Lexicoder,
        DictArg::Yaml => DictFormat::Yaml,
        DictArg::Json => DictFormat::Json,
    });
    let imported = import_dictionary(&ImportRequest {
        dictionary: file,
        format,
        dimension,
        codebook_dir: &ctx.project.codebook_dir,
        output,
    })?;
    let out = &imported.path;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    write_atomically(out, imported.converted.toml.as_bytes())?;
    ctx.note(format!(
        "{} categories, {} entries → {}; check it with `qcode codebook check`",
        imported.converted.categories,
        imported.converted.entries,
        out.display()
    ));
    Ok(ExitCode::SUCCESS)
}

fn export_dictionary(
    ctx: &Context,
    format: ExportFormat,
    output: Option<&std::path::Path>,
) -> Result<ExitCode> {
    if let Some(path) = output {
        super::output::check_target(&ctx.project, path, false)?;
    }
    let codebook = load_or_report(&ctx.project.codebook_dir)?;
    let bytes = match format {
        ExportFormat::Yaml => qcode::codebook::dictionary::to_yaml(&codebook)?.into_bytes(),
        ExportFormat::Taguette => {
            // Plain CSV, as Taguette writes its own codebooks.
            let export = Export {
                meta: ExportMeta::new(&codebook, "codebook taguette", 0, 0),
                tables: vec![taguette_codebook(&codebook)],
            };
            let mut out = Vec::new();
            write_export(&mut out, &export, Format::Csv, CsvFlavour::Plain, 0)?;
            out
        }
    };
    match output {
        Some(o) => write_atomically(o, &bytes)?,
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    match args.command {
        Command::Import {
            file,
            from,
            dimension,
            output,
        } => import(ctx, &file, from, &dimension, output.as_deref()),
        Command::Export { format, mut output } => {
            super::output::stdout_if_dash(&mut output);
            export_dictionary(ctx, format, output.as_deref())
        }
        Command::Check => check(ctx),
        Command::Test => test(ctx),
        Command::Diff {
            old,
            new,
            list,
            format,
            excel,
        } => diff(
            ctx,
            &old,
            new.as_deref(),
            list,
            csv_flavour(excel, format)?,
            format,
        ),
    }
}

fn load_or_report(path: &std::path::Path) -> Result<Codebook> {
    match load_path(path) {
        Ok((cb, _)) => Ok(cb),
        Err(errors) => {
            for e in &errors {
                eprintln!("{}", super::output::for_stderr(&format!("error: {e}")));
            }
            anyhow::bail!(
                "{} has errors; fix them first (`qcode codebook check`)",
                path.display()
            )
        }
    }
}

fn diff(
    ctx: &Context,
    old: &std::path::Path,
    new: Option<&std::path::Path>,
    list: bool,
    flavour: CsvFlavour,
    format: Format,
) -> Result<ExitCode> {
    let old_cb = load_or_report(old)?;
    let new_cb = load_or_report(new.unwrap_or(&ctx.project.codebook_dir))?;
    let index = open_fresh_index(ctx)?;
    let segments: Vec<Segment> = index.all_segments()?.into_iter().map(|(s, _)| s).collect();
    let d = diff_codebooks(&old_cb, &new_cb, &segments)?;
    // The listing is masked before a cell is cut to width: a name cut short is found no more.
    let mask = default_mask(ctx, &index)?;
    let table = if list {
        // Shown masked, whole, before any cut (participants' names, ids by pseudonym).
        let mask = super::flags::PrivacyArgs::default().mask(
            ctx,
            &qcode::privacy::Privacy::default(),
            &index,
        )?;
        let shown: Vec<Segment> = segments
            .iter()
            .map(|s| {
                let mut m = s.clone();
                mask.segment(&mut m, &mut []);
                m
            })
            .collect();
        let by_id: HashMap<&str, &Segment> = segments
            .iter()
            .zip(&shown)
            .map(|(s, m)| (s.id.as_str(), m))
            .collect();
        Table {
            name: "changes".into(),
            title: format!(
                "Codes gained (+) and lost (−) going from {} to {}",
                old.display(),
                new.map(|n| n.display().to_string())
                    .unwrap_or_else(|| "codebook/".into())
            ),
            header: ["segment_id", "code", "change", "attribution", "text"]
                .map(str::to_string)
                .to_vec(),
            rows: d
                .changes
                .iter()
                .map(|c| {
                    let mut s = by_id[c.segment.as_str()].clone();
                    mask.segment(&mut s, &mut []);
                    vec![
                        Cell::text(&s.id),
                        Cell::text(&c.code),
                        Cell::text(if c.gained { "+" } else { "-" }),
                        Cell::text(s.attribution()),
                        Cell::text(&s.text),
                    ]
                })
                .collect(),
            group: None,
        }
    } else {
        Table {
            name: "diff".into(),
            title: format!(
                "Segments per code, old → new codebook ({} respondent segments)",
                d.segments
            ),
            header: ["code", "old", "new", "gained", "lost"]
                .map(str::to_string)
                .to_vec(),
            rows: d
                .codes
                .iter()
                .map(|c| {
                    vec![
                        Cell::text(&c.code),
                        Cell::Int(c.old as i64),
                        Cell::Int(c.new as i64),
                        Cell::Int(c.gained as i64),
                        Cell::Int(c.lost as i64),
                    ]
                })
                .collect(),
            group: None,
        }
    };
    // Named after the new codebook; its version and hash say where it came from.
    let mut meta = ExportMeta::new(&new_cb, "codebook diff", d.segments, 0);
    meta.codebook_version = format!("{} → {}", old_cb.version, new_cb.version);
    meta.codebook_hash = format!("{} → {}", old_cb.hash, new_cb.hash);
    let export = Export {
        meta,
        tables: vec![table],
    };
    let mut out: Vec<u8> = Vec::new();
    write_export(&mut out, &export, format, flavour, 70)?;
    print_redacted(&out, &mask.redactor)?;
    Ok(ExitCode::SUCCESS)
}

fn check(ctx: &Context) -> Result<ExitCode> {
    let CodebookCheck {
        codebook,
        findings,
        unpatterned,
    } = match check_codebook(&ctx.project) {
        Ok(check) => check,
        Err(CheckError::Codebook(errors)) => {
            for e in &errors {
                eprintln!("{}", super::output::for_stderr(&format!("error: {e}")));
            }
            eprintln!("{} error(s) in the codebook", errors.len());
            return Ok(ExitCode::from(1));
        }
        // Too large to compile: an error of the codebook as a whole (exit 2), naming the code.
        Err(e @ CheckError::Compile(_)) => return Err(e.into()),
    };
    for f in &findings {
        ctx.note(format!("warning: {f}"));
    }
    if unpatterned > 0 {
        ctx.note(format!(
            "note: {unpatterned} code(s) have no patterns: only people apply them"
        ));
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "codebook {} {}: {} file(s), {} codes, {} patterns, {} roles; no errors, {} warning(s)",
        codebook.name,
        codebook.version,
        codebook.files.len(),
        codebook.codes.len(),
        codebook
            .codes
            .iter()
            .map(|c| c.patterns.len())
            .sum::<usize>(),
        codebook.roles.iter().count(),
        findings.len()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn test(ctx: &Context) -> Result<ExitCode> {
    let codebook = match load(&ctx.project.codebook_dir) {
        Ok((cb, _)) => cb,
        Err(errors) => {
            for e in &errors {
                eprintln!("{}", super::output::for_stderr(&format!("error: {e}")));
            }
            eprintln!("the codebook has errors; fix them first (`qcode codebook check`)");
            return Ok(ExitCode::from(2));
        }
    };
    let checks = test_examples(&codebook)?;
    let mut out = std::io::stdout().lock();
    let failed: Vec<_> = checks.iter().filter(|c| !c.passed).collect();
    for f in &failed {
        let kind = if f.example {
            "example"
        } else {
            "counterexample"
        };
        let got = if f.coded.is_empty() {
            "no code".to_string()
        } else {
            f.coded.join(", ")
        };
        let want = if f.example {
            format!("should be coded `{}`", f.code)
        } else {
            format!("should not be coded `{}`", f.code)
        };
        writeln!(
            out,
            "FAIL {} {kind} {}: {want}, but got {got}\n     {:?}",
            f.code, f.number, f.text
        )?;
    }
    writeln!(
        out,
        "{} passed, {} failed ({} codes, {} examples, {} counterexamples)",
        checks.len() - failed.len(),
        failed.len(),
        codebook.codes.len(),
        checks.iter().filter(|c| c.example).count(),
        checks.iter().filter(|c| !c.example).count()
    )?;
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
