//! `qcode suggest`: every respondent segment's best codes of each dimension, ranked by the
//! codebook's own words and its pattern hits, with the evidence for each score; `--save` stores
//! them as the coder `suggested`'s proposals for review. `--learn-from CODER` suggests by models
//! learned from that coder's codings instead; `--evaluate` says how good those are.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};

use qcode::coding::Evidence;
use qcode::codings::read_rows;
use qcode::codings::UnknownCoder;
use qcode::export::{
    write_csv_header, write_csv_rows, Cell, CsvFlavour, Export, ExportMeta, Table,
};
use qcode::index::{Load, SearchIndex};
use qcode::privacy::Redactor;
use qcode::suggest::cache::model_for;
use qcode::suggest::learn::cache::learned_for;
use qcode::suggest::learn::{
    self, evaluate, suggest_learned, Evaluation, LearnParams, LearnedRanker,
};
use qcode::suggest::{proposals_for, suggest, withdrawn, Params, RankOptions, Ranker, Suggestion};
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
  qcode suggest --dimension component --min-score 0.2 --save
  qcode suggest --learn-from ann --interview p5 --save
  qcode suggest --learn-from ann --evaluate")]
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
    /// Suggest by what this coder's codings teach: a model per code, trained on the interviews
    /// they coded, each with its own threshold (--min-score does not apply).
    #[arg(long, value_name = "CODER")]
    learn_from: Option<String>,
    /// With --learn-from: how good its suggestions are, by leaving out one of the coder's
    /// interviews at a time (precision, recall and F1 per code); suggests nothing.
    #[arg(long, requires = "learn_from", conflicts_with = "save")]
    evaluate: bool,
    #[command(flatten)]
    privacy: PrivacyArgs,
}

pub fn run(ctx: &Context, mut args: Args) -> Result<ExitCode> {
    super::output::stdout_if_dash(&mut args.output);
    if !args.min_score.is_finite() {
        bail!("--min-score must be a number, e.g. --min-score 0.2");
    }
    if let Some(path) = &args.output {
        // Suggestions are an export: never over the project's own files, a device or a link.
        super::output::check_target(&ctx.project, path, false)?;
    }
    let format = output_format(&args);
    let privacy = args.privacy.privacy()?;
    let filter = args
        .filter
        .filter(args.query.clone().unwrap_or_default(), false)?;
    let index = open_fresh_index(ctx)?;
    // A typo in a filter is an error with a hint, not an empty list.
    filter.check(&index)?;
    if let Some(coder) = &args.learn_from {
        return run_learned(ctx, &args, coder, &index, &filter, format);
    }
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
    let mut sink = Sink::new(format, args.output.as_deref(), &redactor, Some(&COLUMNS))?;
    let mut saved = Saved::default();
    let mut read = Read::default();
    for segments in windows(&index, &filter)? {
        let segments = segments?;
        let suggestions = suggest(&ranker, &segments);
        read.add(&segments);
        if args.save {
            let suggested = suggestions.iter().filter(|s| s.suggested);
            saved.add(
                suggested.map(|s| (s.segment_id.as_str(), s.code.as_str())),
                &segments,
            );
        }
        sink.rows(
            suggestions
                .iter()
                .map(|s| row(s, s.why.describe()))
                .collect(),
        )?;
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
    let load = Load {
        respondents_only: true,
        text: true,
        evidence: true,
    };
    // Filtered by document address, as the exports are, and handed out a window at a time
    // (the addresses are not copied into windows first).
    let mut addrs = qcode::export::kept_addresses(index, &segments)?.into_iter();
    let window = window();
    Ok(std::iter::from_fn(move || {
        let chunk: Vec<_> = addrs.by_ref().take(window).collect();
        (!chunk.is_empty()).then(|| {
            let all = index.segments_at(&chunk, load, None)?;
            Ok(all.into_iter().filter(|(s, _)| !s.interviewer).collect())
        })
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

/// The row of one suggestion, zero-shot or learned, in [`COLUMNS`] order.
fn row<W>(s: &Suggestion<W>, why: String) -> Vec<Cell> {
    vec![
        Cell::text(&s.segment_id),
        Cell::text(&s.code),
        Cell::text(&s.code_label),
        Cell::text(&s.dimension),
        Cell::Int(s.rank as i64),
        Cell::Num(s.score, 3),
        Cell::text(if s.suggested { "true" } else { "false" }),
        Cell::text(why),
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
    /// A sink writing to `output` (stdout: none); a CSV's `header` is written at once, so rows
    /// can stream (none: the CSV is written whole, by [`Sink::export`]).
    fn new(
        format: Format,
        output: Option<&Path>,
        redactor: &'a Redactor,
        header: Option<&[&str]>,
    ) -> Result<Sink<'a>> {
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
        if let (Format::Csv, Some(header)) = (format, header) {
            let header: Vec<String> = header.iter().map(|c| c.to_string()).collect();
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

    fn rows(&mut self, rows: Vec<Vec<Cell>>) -> Result<()> {
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
            self.export(&export)?;
        }
        self.close()
    }

    /// Write a whole export (table or JSON).
    fn export(&mut self, export: &Export) -> Result<()> {
        let mut buf = Vec::new();
        write_export(&mut buf, export, self.format, CsvFlavour::Plain, 90)?;
        self.write(&buf)
    }

    fn close(self) -> Result<()> {
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
    /// Add the suggested (segment id, code) pairs of a window of segments.
    fn add<'a>(
        &mut self,
        suggested: impl Iterator<Item = (&'a str, &'a str)>,
        segments: &Segments,
    ) {
        let segs: Vec<&Segment> = segments.iter().map(|(s, _)| s).collect();
        self.rows.extend(proposals_for(suggested, &segs));
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

/// The choices learned models are trained with: the defaults, or for the dev sweep
/// (bench/learn_eval.sh) a JSON object in `QCODE_LEARN_PARAMS` naming every field of
/// `LearnParams`.
fn learn_params() -> Result<LearnParams> {
    match std::env::var("QCODE_LEARN_PARAMS") {
        Ok(json) if !json.trim().is_empty() => serde_json::from_str(&json).with_context(|| {
            format!("QCODE_LEARN_PARAMS is not a set of learning choices: {json}")
        }),
        _ => Ok(LearnParams::default()),
    }
}

/// `--learn-from CODER`: suggestions by models learned from the coder's codings, or with
/// `--evaluate` how good they are.
fn run_learned(
    ctx: &Context,
    args: &Args,
    coder: &str,
    index: &SearchIndex,
    filter: &qcode::index::Filter,
    format: Format,
) -> Result<ExitCode> {
    let codebook = index.codebook();
    let people = index.store().coders();
    if !people.iter().any(|p| p == coder) {
        return Err(UnknownCoder {
            name: coder.into(),
            known: people,
        }
        .into());
    }
    let load = Load {
        respondents_only: false,
        text: true,
        evidence: false,
    };
    let segments: Vec<Segment> = index
        .segments(load, None)?
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let examples = learn::examples(index.store(), coder, &segments);
    let questions = questions_by_id(&segments);
    drop(segments);
    let params = learn_params()?;
    let privacy = args.privacy.privacy()?;
    let redactor = privacy.redactor_for_index(index)?;
    if args.evaluate {
        learn::check(&examples, codebook, coder, learn::MIN_INTERVIEWS + 1)?;
        let ev = evaluate(&examples, codebook, &params);
        let mut sink = Sink::new(format, args.output.as_deref(), &redactor, None)?;
        let meta = ExportMeta::new(
            codebook,
            "suggest --evaluate",
            examples.len(),
            ev.interviews,
        );
        sink.export(&evaluation_export(meta, codebook, coder, &ev))?;
        sink.close()?;
        return Ok(ExitCode::SUCCESS);
    }
    learn::check(&examples, codebook, coder, learn::MIN_INTERVIEWS)?;
    let (learned, cached) =
        learned_for(&ctx.project.data_dir(), &examples, codebook, coder, &params);
    ctx.detail(if cached {
        format!("suggest: the model learned from {coder} was read from .qcode/")
    } else {
        format!(
            "suggest: learned {} code(s) from {coder}'s codings of {} interview(s)",
            learned.codes.len(),
            learned.interviews
        )
    });
    let ranker = LearnedRanker::new(
        &learned,
        codebook,
        RankOptions {
            top: args.top as usize,
            min_score: 0.0,
            dimensions: filter.dimensions.clone(),
            codes: filter.codes.clone(),
        },
    );
    let mut sink = Sink::new(format, args.output.as_deref(), &redactor, Some(&COLUMNS))?;
    let mut saved = Saved::default();
    let mut read = Read::default();
    for segments in windows(index, filter)? {
        let segments = segments?;
        let suggestions = suggest_learned(&ranker, &segments, &questions);
        read.add(&segments);
        if args.save {
            let suggested = suggestions.iter().filter(|s| s.suggested);
            saved.add(
                suggested.map(|s| (s.segment_id.as_str(), s.code.as_str())),
                &segments,
            );
        }
        sink.rows(
            suggestions
                .iter()
                .map(|s| row(s, s.why.describe()))
                .collect(),
        )?;
    }
    let meta = ExportMeta::new(
        codebook,
        "suggest --learn-from",
        read.segments,
        read.interviews.len(),
    );
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

/// The question each respondent segment answers, by id: one shared text per question.
fn questions_by_id(segments: &[Segment]) -> std::collections::HashMap<String, std::sync::Arc<str>> {
    let mut out = std::collections::HashMap::new();
    let mut last: Option<std::sync::Arc<str>> = None;
    for (s, q) in segments.iter().zip(learn::questions(segments)) {
        if s.interviewer || q.is_empty() {
            continue;
        }
        let q = match last.take() {
            Some(l) if *l == *q => l,
            _ => std::sync::Arc::from(q),
        };
        last = Some(q.clone());
        out.insert(s.id.clone(), q);
    }
    out
}

/// The columns of `--evaluate`.
const EVAL_COLUMNS: [&str; 11] = [
    "code",
    "code_label",
    "examples",
    "interviews",
    "precision",
    "recall",
    "f1",
    "tp",
    "fp",
    "fn",
    "note",
];

/// `--evaluate`'s table: a row per code the coder used, then the micro averages.
fn evaluation_export(
    meta: ExportMeta,
    codebook: &qcode::codebook::Codebook,
    coder: &str,
    ev: &Evaluation,
) -> Export {
    let figures = |c: &learn::Counts| {
        vec![
            Cell::Num(c.precision(), 3),
            Cell::Num(c.recall(), 3),
            Cell::Num(c.f1(), 3),
            Cell::Int(c.tp as i64),
            Cell::Int(c.fp as i64),
            Cell::Int(c.fn_ as i64),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for c in &ev.codes {
        let label = codebook
            .code(&c.code)
            .map(|k| k.label.as_str())
            .unwrap_or("");
        let mut row = vec![
            Cell::text(&c.code),
            Cell::text(label),
            Cell::Int(c.positives as i64),
            Cell::Int(c.interviews as i64),
        ];
        row.extend(figures(&c.counts));
        row.push(Cell::text(if c.learned {
            ""
        } else {
            "too few to learn: never suggested"
        }));
        rows.push(row);
    }
    let learned = ev.codes.iter().filter(|c| c.learned);
    let micro = |name: &str, n: usize, c: &learn::Counts, note: &str| {
        let mut row = vec![
            Cell::text(name),
            Cell::Empty,
            Cell::Int(n as i64),
            Cell::Empty,
        ];
        row.extend(figures(c));
        row.push(Cell::text(note));
        row
    };
    let n_learned: usize = learned.map(|c| c.positives).sum();
    let n_all: usize = ev.codes.iter().map(|c| c.positives).sum();
    rows.push(micro("(micro, learned codes)", n_learned, &ev.micro, ""));
    rows.push(micro(
        "(micro, all codes)",
        n_all,
        &ev.all,
        "codes too few to learn count as missed",
    ));
    Export {
        meta,
        tables: vec![Table {
            name: "evaluation".into(),
            title: match ev.folds == ev.interviews {
                true => format!(
                    "Learned suggestions, leaving out one of {coder}'s {} interviews at a time",
                    ev.interviews
                ),
                false => format!(
                    "Learned suggestions, leaving out a tenth of {coder}'s {} interviews at a time",
                    ev.interviews
                ),
            },
            header: EVAL_COLUMNS.iter().map(|c| c.to_string()).collect(),
            rows,
            group: None,
        }],
    }
}
