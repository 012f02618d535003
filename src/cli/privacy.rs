//! `qcode privacy check [FILE…]`: the audit before sharing. Where the project holds a
//! participant's name outside the text qcode masks, which labels look like names nobody
//! declared, and where a declared name or a `--redact` word is in the files given
//! (`qcode::privacy::audit`). The report itself names no one unless `--with-names`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;

use qcode::privacy::audit::files::audit_file;
use qcode::privacy::audit::{audit_project, Auditor, Finding};

use super::flags::PrivacyArgs;
use super::index::open_fresh_index;
use super::output::{print_redacted, Format};
use super::Context;

/// Check the project, and files about to be shared, for participants' names.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  qcode privacy check quotes.csv report.html project.qdpx")]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Find participants' names where they would leave with shared files: in file names,
    /// interview ids, speaker and role labels and metadata of the project; labels that look like
    /// names but are not declared (`Name Surname`, `Name (she/her)`, an e-mail address,
    /// `Name | Org`); and, in each FILE (CSV, TSV, JSON, XLSX, HTML, .qdpx, text), every
    /// declared name and --redact word, with its line, column, cell or path.
    ///
    /// The report says what was found and where, never the name (unless --with-names).
    /// Exit code: 0 when nothing is found, 1 when something is, 2 on error.
    #[command(after_help = "Examples:
  qcode privacy check
  qcode privacy check out/quotes.csv out/report.html out/project.qdpx
  qcode privacy check shared/*.xlsx --redact places.txt --format csv > findings.csv")]
    Check {
        /// Files to check (exports, reports, anything about to be shared).
        files: Vec<PathBuf>,
        #[command(flatten)]
        privacy: PrivacyArgs,
        #[arg(long, value_parser = Format::parser(Format::PRINTED), default_value = "table")]
        format: Format,
    },
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let Command::Check {
        files,
        privacy,
        format,
    } = args.command;
    let choice = privacy.privacy()?;
    // Read unmasked: the audit looks for the names; the report is masked on the way out.
    let index = open_fresh_index(ctx)?;
    let mask = privacy.mask(ctx, &choice, &index)?;
    let auditor = Auditor::for_index(&index, &choice.redact_list)?;
    let mut findings = audit_project(&index, &auditor)?;
    for f in &files {
        findings.extend(audit_file(f, &auditor)?);
    }
    if !mask.with_names {
        findings = findings.iter().map(|f| f.masked(&mask)).collect();
    }
    let mut out: Vec<u8> = Vec::new();
    write_findings(&mut out, &findings, format)?;
    print_redacted(&out, &mask.redactor)?;
    let checked = match files.len() {
        0 => "the project".to_string(),
        n => format!("the project and {n} file(s)"),
    };
    if findings.is_empty() {
        ctx.note(format!(
            "no participant's name, --redact word or undeclared name found in {checked}"
        ));
        return Ok(ExitCode::SUCCESS);
    }
    ctx.note(format!(
        "{} finding(s) in {checked}: declare names under `speakers:` (or a CSV `name` column), rename files, ids and labels that hold one, list private metadata keys under qcode.toml's [privacy] private, and export again",
        findings.len()
    ));
    Ok(ExitCode::from(1))
}

/// The findings as `format`: a line each (table), or kind, what, file, place and words.
fn write_findings(out: &mut Vec<u8>, findings: &[Finding], format: Format) -> Result<()> {
    match format {
        Format::Table => {
            for f in findings {
                writeln!(out, "{}", f.line())?;
            }
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(["kind", "found", "file", "place", "words"])?;
            for f in findings {
                w.write_record([
                    f.found.kind(),
                    &f.found.describe(),
                    &f.file,
                    &f.place.describe(),
                    &f.words,
                ])?;
            }
            out.write_all(&w.into_inner()?)?;
        }
        Format::Json => {
            let rows: Vec<_> = findings
                .iter()
                .map(|f| {
                    json!({
                        "kind": f.found.kind(),
                        "found": f.found.describe(),
                        "file": f.file,
                        "place": f.place.describe(),
                        "words": f.words,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &json!({ "findings": rows }))?;
            writeln!(out)?;
        }
        Format::Xlsx => unreachable!("--format takes only what privacy check prints"),
    }
    Ok(())
}
