//! `qcode segments`: show how files are split into segments, straight from the corpus (no index):
//! the way to check a new transcript or a speaker pattern before indexing.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use qcode::export::{write_csv_header, write_csv_rows, Cell};
use qcode::project::Corpus;
use qcode::transcript::parse_file;

use super::flags::PrivacyArgs;
use super::index::role_warnings;
use super::output::{csv_flavour, for_stderr, print_redacted, set_stderr_mask, Format, EXCEL_HELP};
use super::search::segment_json;
use super::Context;

/// Parse corpus files and print their segments (ids, roles, offsets, text) without indexing.
///
/// Output: CSV (default), JSON, or a readable table.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  qcode segments corpus/northmoor-01.txt
  qcode segments --format json > segments.json")]
pub struct Args {
    /// Files to parse (default: every file in the corpus).
    files: Vec<PathBuf>,
    /// Include interviewer turns.
    #[arg(long)]
    include_interviewer: bool,
    #[command(flatten)]
    privacy: PrivacyArgs,
    #[arg(long, value_parser = Format::parser(Format::PRINTED), default_value = "csv")]
    format: Format,
    #[arg(long, help = EXCEL_HELP)]
    excel: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let flavour = csv_flavour(args.excel, args.format)?;
    let privacy = args.privacy.privacy()?;
    let codebook = ctx.project.codebook()?;
    // Files named on the command line are called what the index calls them, when the corpus can
    // be listed; those outside it by their names.
    let corpus = match args.files.is_empty() {
        true => Some(Corpus::open(&ctx.project)?),
        false => Corpus::open(&ctx.project).ok(),
    };
    let files: Vec<(String, PathBuf)> = if args.files.is_empty() {
        corpus.as_ref().map(|c| c.files.clone()).unwrap_or_default()
    } else {
        args.files
            .iter()
            .map(|p| (p.display().to_string(), p.clone()))
            .collect()
    };
    let mut out: Vec<u8> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut csv = Vec::new();
    if args.format == Format::Csv {
        write_csv_header(
            &mut csv,
            &[
                "segment_id",
                "interview",
                "turn",
                "paragraph",
                "speaker",
                "role",
                "role_label",
                "interviewer",
                "timestamp",
                "start",
                "end",
                "text",
            ]
            .map(str::to_string),
            flavour,
        )?;
    }
    let mut json = Vec::new();
    let mut failed = 0;
    // Errors and warnings quote labels and lines: said once every file's names are known.
    let mut errors: Vec<String> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    for (rel, path) in files {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                errors.push(format!("error: {}: cannot read: {e}", path.display()));
                failed += 1;
                continue;
            }
        };
        let given = corpus
            .as_ref()
            .map(|c| c.context(&path))
            .unwrap_or_default();
        let parsed = match parse_file(
            &ctx.project.transcript,
            &codebook.roles,
            &rel,
            &path,
            &bytes,
            &given,
        ) {
            Ok(p) => p,
            Err(e) => {
                errors.push(format!("error: {e}"));
                failed += 1;
                continue;
            }
        };
        for iv in &parsed.interviews {
            names.extend(iv.speakers.values().filter_map(|s| s.name.clone()));
            names.extend(iv.segments.iter().filter_map(|s| s.speaker_name.clone()));
        }
        warnings.extend(parsed.warnings.iter().map(|w| format!("warning: {w}")));
        let unknown: std::collections::BTreeSet<&String> = parsed
            .interviews
            .iter()
            .flat_map(|iv| &iv.unknown_roles)
            .collect();
        for w in role_warnings(Some(&codebook.roles), unknown) {
            warnings.push(format!("warning: {rel}: {w}"));
        }
        for s in parsed.interviews.iter().flat_map(|iv| &iv.segments) {
            if s.interviewer && !args.include_interviewer {
                continue;
            }
            if args.format == Format::Json {
                json.push(segment_json(s));
            } else if args.format == Format::Table {
                let ts = s
                    .timestamp
                    .as_deref()
                    .map(|t| format!(" [{t}]"))
                    .unwrap_or_default();
                // A document's segments have no speaker to show.
                let speaker = match s.speaker.as_str() {
                    "" => String::new(),
                    label => format!(" ({label})"),
                };
                writeln!(
                    out,
                    "{}  {}{speaker}{ts}  chars {}..{}",
                    s.id, s.role_label, s.start, s.end
                )?;
                writeln!(out, "   {}\n", s.text.replace('\n', "\n   "))?;
            } else {
                let row = [
                    Cell::text(&s.id),
                    Cell::text(&s.interview),
                    Cell::Int(s.turn as i64),
                    Cell::Int(s.paragraph as i64),
                    Cell::text(&s.speaker),
                    Cell::text(&s.role),
                    Cell::text(&s.role_label),
                    Cell::Int(s.interviewer as i64),
                    Cell::text(s.timestamp.as_deref().unwrap_or("")),
                    Cell::Int(s.start as i64),
                    Cell::Int(s.end as i64),
                    Cell::text(&s.text),
                ];
                write_csv_rows(&mut csv, [(None, &row[..])], flavour)?;
            }
        }
    }
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &json)?;
            writeln!(out)?;
        }
        Format::Csv => out.write_all(&csv)?,
        Format::Table => {}
        Format::Xlsx => unreachable!("--format takes only what segments prints"),
    }
    // The names the parsed files declare: no index is read.
    let redactor = privacy.redactor(&qcode::privacy::person_names(names, &codebook.roles))?;
    set_stderr_mask(redactor.clone());
    for w in &warnings {
        ctx.note(w);
    }
    for e in &errors {
        eprintln!("{}", for_stderr(e));
    }
    print_redacted(&out, &redactor)?;
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
