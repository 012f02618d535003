//! `qcode suggest`: every respondent segment's best codes of each dimension, ranked by the
//! codebook's own words and its pattern hits, with the evidence for each score; `--save` stores
//! them as the coder `suggested`'s proposals for review.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};

use qcode::coding::Evidence;
use qcode::codings::read_rows;
use qcode::export::{Cell, CsvFlavour, Export, ExportMeta, Table};
use qcode::index::{Load, SearchIndex};
use qcode::suggest::cache::model_for;
use qcode::suggest::{proposals, suggest, withdrawn, Params, RankOptions, Ranker, Suggestion};
use qcode::transcript::Segment;

use super::flags::{FilterArgs, PrivacyArgs};
use super::index::open_fresh_index;
use super::output::{print_redacted, write_atomically, write_export, Format};
use super::record::{coder_file, record};
use super::Context;

/// The columns of every format, in order.
const COLUMNS: [&str; 8] = [
    "segment_id",
    "code",
    "code_label",
    "dimension",
    "rank",
    "score",
    "suggested",
    "evidence",
];

/// Suggest codes for respondent segments: each dimension's best codes by the codebook's own
/// words (label, definition, use_when, examples; dont_use_when and counterexamples against)
/// and its pattern hits, with the evidence for each score.
///
/// --code and --dimension choose which codes are suggested (not which segments); the other
/// filters choose segments, as in search.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  qcode suggest --interview northmoor-01
  qcode suggest --dimension component --top 1 --format csv -o suggestions.csv
  qcode suggest --dimension component --min-score 0.2 --save")]
pub struct Args {
    /// Only segments matching this search query (words, \"phrases\", prefix*, OR, NOT).
    #[arg(long, value_name = "QUERY")]
    query: Option<String>,
    #[command(flatten)]
    filter: FilterArgs,
    /// Codes kept per dimension (rank counts within the dimension).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    top: u32,
    /// A kept code is `suggested` when its score is at least this (0: every kept code).
    #[arg(long, default_value_t = 0.0, value_name = "S")]
    min_score: f64,
    /// table (default), csv or json (by -o FILE's extension when not given).
    #[arg(long, value_parser = Format::parser(Format::PRINTED))]
    format: Option<Format>,
    /// Write here (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also store the suggested codes as proposals of the coder `suggested`
    /// (codings/suggested.csv, status proposed), replacing its earlier proposals on these
    /// segments, for `qcode review --of suggested`.
    #[arg(long)]
    save: bool,
    #[command(flatten)]
    privacy: PrivacyArgs,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    if !args.min_score.is_finite() {
        bail!("--min-score must be a number, e.g. --min-score 0.2");
    }
    let format = output_format(&args);
    let privacy = args.privacy.privacy()?;
    let filter = args
        .filter
        .filter(args.query.clone().unwrap_or_default(), false)?;
    let index = open_fresh_index(ctx)?;
    // A typo in a filter is an error with a hint, not an empty list.
    filter.check(&index)?;
    let codebook = index.codebook();
    let (model, cached) = model_for(&ctx.project.data_dir(), codebook, Params::default());
    ctx.detail(if cached {
        "suggest: the code-text model was read from .qcode/"
    } else {
        "suggest: the code-text model was built from the codebook"
    });
    let ranker = Ranker {
        model: &model,
        codebook,
        opts: RankOptions {
            top: args.top as usize,
            min_score: args.min_score,
            dimensions: filter.dimensions.clone(),
            codes: filter.codes.clone(),
        },
    };
    let segments = read_segments(&index, &filter)?;
    let suggestions = suggest(&ranker, &segments);
    let export = export(&index, &suggestions, &segments);
    let mut bytes = Vec::new();
    write_export(&mut bytes, &export, format, CsvFlavour::Plain, 90)?;
    // The evidence quotes the segment's words: masked like every output of participants' text.
    let redactor = privacy.redactor_for_index(&index)?;
    match &args.output {
        Some(path) => {
            let text = redactor.apply(&String::from_utf8_lossy(&bytes));
            write_atomically(path, text.as_bytes())?
        }
        None => print_redacted(&bytes, &redactor)?,
    }
    if args.save {
        save(ctx, &suggestions, &segments)?;
    }
    Ok(if segments.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn output_format(args: &Args) -> Format {
    let ext = args
        .output
        .as_deref()
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_lowercase);
    args.format.unwrap_or(match ext.as_deref() {
        Some("csv") => Format::Csv,
        Some("json") => Format::Json,
        _ => Format::Table,
    })
}

/// The respondent segments the filters keep, with the machine's codings, in transcript order.
/// --code and --dimension choose codes here, not segments: without, suggestions would only go
/// to segments coded already.
fn read_segments(
    index: &SearchIndex,
    filter: &qcode::index::Filter,
) -> Result<Vec<(Segment, Vec<Evidence>)>> {
    let segments = qcode::index::Filter {
        codes: Vec::new(),
        dimensions: Vec::new(),
        ..filter.clone()
    };
    let keep = match segments.narrows() {
        true => Some(index.matching_ids(&segments.request(1, 0))?),
        false => None,
    };
    let load = Load {
        respondents_only: true,
        text: true,
        evidence: true,
    };
    let all = index.segments(load, keep.as_ref())?;
    Ok(all.into_iter().filter(|(s, _)| !s.interviewer).collect())
}

fn export(
    index: &SearchIndex,
    suggestions: &[Suggestion],
    segments: &[(Segment, Vec<Evidence>)],
) -> Export {
    let interviews: HashSet<&str> = segments.iter().map(|(s, _)| s.interview.as_str()).collect();
    let n = segments.len();
    let rows = suggestions
        .iter()
        .map(|s| {
            vec![
                Cell::text(&s.segment_id),
                Cell::text(&s.code),
                Cell::text(&s.code_label),
                Cell::text(&s.dimension),
                Cell::Int(s.rank as i64),
                Cell::Num(s.score, 3),
                Cell::text(if s.suggested { "true" } else { "false" }),
                Cell::text(s.why.describe()),
            ]
        })
        .collect();
    Export {
        meta: ExportMeta::new(index.codebook(), "suggest", n, interviews.len()),
        tables: vec![Table {
            name: "suggestions".into(),
            title: format!("Suggested codes for {n} respondent segment(s)"),
            header: COLUMNS.iter().map(|c| c.to_string()).collect(),
            rows,
            group: None,
        }],
    }
}

/// Store the suggested codes as `suggested`'s proposals, withdrawing its earlier ones on these
/// segments that are no longer suggested.
fn save(
    ctx: &Context,
    suggestions: &[Suggestion],
    segments: &[(Segment, Vec<Evidence>)],
) -> Result<()> {
    let coder = qcode::suggest::SUGGESTED;
    let segs: Vec<&Segment> = segments.iter().map(|(s, _)| s).collect();
    let rows = proposals(suggestions, &segs);
    let path = coder_file(ctx, coder);
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => read_rows(std::path::Path::new(&ctx.project.relative(&path)), &text)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let covered: HashSet<&str> = segs.iter().map(|s| s.id.as_str()).collect();
    let gone = withdrawn(&existing, &covered, &rows);
    let done = record(ctx, coder, &rows, &gone)?;
    ctx.note(format!(
        "{} proposal(s) saved to {} ({} already there, {} withdrawn); review them with `qcode review --of {coder}`",
        done.added,
        ctx.project.relative(&path),
        done.already,
        done.removed
    ));
    Ok(())
}
