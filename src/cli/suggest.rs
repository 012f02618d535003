//! `qcode suggest`: every respondent segment's best codes of each dimension, ranked by the
//! codebook's own words and its pattern hits, with the evidence for each score; `--save` stores
//! them as the coder `suggested`'s proposals for review.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};

use qcode::coding::Evidence;
use qcode::codings::read_rows;
use qcode::export::{
    write_csv_header, write_csv_rows, Cell, CsvFlavour, Export, ExportMeta, Table,
};
use qcode::index::{Load, SearchIndex};
use qcode::privacy::Redactor;
use qcode::suggest::cache::model_for;
use qcode::suggest::{proposals, suggest, withdrawn, Params, RankOptions, Ranker, Suggestion};
use qcode::transcript::Segment;

use super::flags::{FilterArgs, PrivacyArgs};
use super::index::open_fresh_index;
use super::output::{persist, temp_beside, write_export, Format};
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
#[command(mut_arg("code", |a| a.help("Only suggest this code or its descendants (repeatable); segments are not filtered by it")))]
#[command(mut_arg("dimension", |a| a.help("Only suggest codes of this dimension: component, stakeholder, … (repeatable); segments are not filtered by it")))]
pub struct Args {
    /// Only segments matching this search query (words, "phrases", prefix*, OR, NOT).
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
    let redactor = privacy.redactor_for_index(&index)?;
    let mut sink = Sink::new(format, args.output.as_deref(), &redactor)?;
    let mut saved = Saved::default();
    let mut read = Read::default();
    for segments in windows(&index, &filter)? {
        let segments = segments?;
        let suggestions = suggest(&ranker, &segments);
        read.add(&segments);
        if args.save {
            saved.add(&suggestions, &segments);
        }
        sink.rows(&suggestions)?;
    }
    let meta = ExportMeta::new(codebook, "suggest", read.segments, read.interviews.len());
    sink.finish(meta)?;
    if args.save {
        save(ctx, saved)?;
    }
    Ok(if read.segments == 0 {
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

/// Segments read per window: memory stays flat whatever the corpus size.
/// `QCODE_EXPORT_WINDOW` overrides it, as for the exports (the tests use tiny windows to show
/// the output does not depend on it).
fn window() -> usize {
    std::env::var("QCODE_EXPORT_WINDOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(16_384)
}

type Segments = Vec<(Segment, Vec<Evidence>)>;

/// The respondent segments the filters keep, with the machine's codings, in transcript order,
/// a window at a time. --code and --dimension choose codes here, not segments: without, only
/// segments coded already would get suggestions.
fn windows<'a>(
    index: &'a SearchIndex,
    filter: &qcode::index::Filter,
) -> Result<impl Iterator<Item = Result<Segments>> + 'a> {
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
    let addrs = index.ordered_addresses()?;
    let chunks: Vec<Vec<_>> = addrs.chunks(window()).map(<[_]>::to_vec).collect();
    Ok(chunks.into_iter().map(move |chunk| {
        let all = index.segments_at(&chunk, load, keep.as_ref())?;
        Ok(all.into_iter().filter(|(s, _)| !s.interviewer).collect())
    }))
}

/// How many segments and interviews were read: what the JSON's `meta` records.
#[derive(Default)]
struct Read {
    segments: usize,
    interviews: HashSet<String>,
}

impl Read {
    fn add(&mut self, segments: &Segments) {
        self.segments += segments.len();
        for (s, _) in segments {
            if !self.interviews.contains(&s.interview) {
                self.interviews.insert(s.interview.clone());
            }
        }
    }
}

/// The row of one suggestion, in [`COLUMNS`] order.
fn row(s: &Suggestion) -> Vec<Cell> {
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
}

/// Where the rows go: CSV is written a window at a time; a table or JSON, whole at the end.
/// Everything passes the redactor (the evidence quotes the segments' words).
struct Sink<'a> {
    format: Format,
    out: Out,
    redactor: &'a Redactor,
    /// Rows kept for a table or JSON.
    rows: Vec<Vec<Cell>>,
}

/// stdout, or a temporary file renamed over the output when complete.
enum Out {
    Stdout(std::io::Stdout),
    File(tempfile::NamedTempFile, PathBuf),
}

impl<'a> Sink<'a> {
    fn new(format: Format, output: Option<&Path>, redactor: &'a Redactor) -> Result<Sink<'a>> {
        let out = match output {
            Some(path) => Out::File(temp_beside(path)?, path.to_path_buf()),
            None => Out::Stdout(std::io::stdout()),
        };
        let mut sink = Sink {
            format,
            out,
            redactor,
            rows: Vec::new(),
        };
        if format == Format::Csv {
            let header: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
            let mut buf = Vec::new();
            write_csv_header(&mut buf, &header, CsvFlavour::Plain)?;
            sink.write(&buf)?;
        }
        Ok(sink)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let text = self.redactor.apply(&String::from_utf8_lossy(bytes));
        match &mut self.out {
            Out::Stdout(s) => s.lock().write_all(text.as_bytes())?,
            Out::File(f, _) => f.write_all(text.as_bytes())?,
        }
        Ok(())
    }

    fn rows(&mut self, suggestions: &[Suggestion]) -> Result<()> {
        let rows: Vec<Vec<Cell>> = suggestions.iter().map(row).collect();
        if self.format != Format::Csv {
            self.rows.extend(rows);
            return Ok(());
        }
        let mut buf = Vec::new();
        let each = rows.iter().map(|r| (None, r.as_slice()));
        write_csv_rows(&mut buf, each, CsvFlavour::Plain)?;
        self.write(&buf)
    }

    fn finish(mut self, meta: ExportMeta) -> Result<()> {
        if self.format != Format::Csv {
            let n = meta.segments;
            let export = Export {
                meta,
                tables: vec![Table {
                    name: "suggestions".into(),
                    title: format!("Suggested codes for {n} respondent segment(s)"),
                    header: COLUMNS.iter().map(|c| c.to_string()).collect(),
                    rows: std::mem::take(&mut self.rows),
                    group: None,
                }],
            };
            let mut buf = Vec::new();
            write_export(&mut buf, &export, self.format, CsvFlavour::Plain, 90)?;
            self.write(&buf)?;
        }
        match self.out {
            Out::Stdout(s) => s.lock().flush()?,
            Out::File(tmp, path) => persist(tmp, &path)?,
        }
        Ok(())
    }
}

/// The proposals to save, and the segments they cover.
#[derive(Default)]
struct Saved {
    rows: Vec<qcode::codings::CodingRow>,
    covered: HashSet<String>,
}

impl Saved {
    fn add(&mut self, suggestions: &[Suggestion], segments: &Segments) {
        let segs: Vec<&Segment> = segments.iter().map(|(s, _)| s).collect();
        self.rows.extend(proposals(suggestions, &segs));
        self.covered.extend(segs.iter().map(|s| s.id.clone()));
    }
}

/// Store the suggested codes as `suggested`'s proposals, withdrawing its earlier ones on these
/// segments that are no longer suggested.
fn save(ctx: &Context, saved: Saved) -> Result<()> {
    let coder = qcode::suggest::SUGGESTED;
    let path = coder_file(ctx, coder);
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => read_rows(Path::new(&ctx.project.relative(&path)), &text)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let covered: HashSet<&str> = saved.covered.iter().map(String::as_str).collect();
    let gone = withdrawn(&existing, &covered, &saved.rows);
    let done = record(ctx, coder, &saved.rows, &gone)?;
    ctx.note(format!(
        "{} proposal(s) saved to {} ({} already there, {} withdrawn); review them with `qcode review --of {coder}`",
        done.added,
        ctx.project.relative(&path),
        done.already,
        done.removed
    ));
    Ok(())
}
