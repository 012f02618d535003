//! `qcode search QUERY`: ranked quotes with attribution and highlighted words.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Result};
use serde_json::json;

use qcode::coding::Evidence;
use qcode::codings::view::label;
use qcode::export::neutralise;
use qcode::index::{Filter, Hit, SearchIndex};
use qcode::transcript::Segment;

use super::flags::{CoderArgs, FilterArgs, PrivacyArgs};
use super::index::open_fresh_index;
use super::output::{csv_flavour, mark, terminal_safe, Format, Marks, Screen, EXCEL_HELP};
use super::record::{apply, ApplyOptions};
use super::Context;

/// Search quotes by words, phrases and prefixes, filtered by role, speaker, interview or metadata.
///
/// Query language: words must all appear (matched by English stem: `listen` finds `listening`);
/// "a phrase" is consecutive words; polic* is any word starting with `polic`; OR, AND, NOT or
/// -word, and parentheses. The index is brought up to date first.
///
/// Exit code: 0 when something matched, 1 when nothing did, 2 on error (as grep).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  qcode search trust
  qcode search '\"regular meeting*\"' --role council_officer --context 1
  qcode search 'bureaucra* OR paperwork' --where area=Northmoor --format csv > quotes.csv
  qcode search '' --code trust --role councillor")]
pub struct Args {
    /// The query (empty or `*` matches every segment: use with filters).
    #[arg(default_value = "")]
    query: String,
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    privacy: PrivacyArgs,
    /// Search interviewer turns too (they are context, not data, by default).
    #[arg(long)]
    include_interviewer: bool,
    /// Show at most this many hits [default: 20, or [limits] search_limit if lower].
    #[arg(long, short = 'n')]
    limit: Option<usize>,
    /// Show N paragraphs before and after each hit, from the same interview.
    #[arg(long, short = 'C', value_name = "N", default_value_t = 0)]
    context: usize,
    #[arg(long, value_parser = Format::parser(Format::PRINTED), default_value = "table")]
    format: Format,
    #[arg(long, help = EXCEL_HELP)]
    excel: bool,
    #[command(flatten)]
    coder: CoderArgs,
    /// Code every matching segment with this code (the display limit does not apply), as the
    /// coder --coder names, in codings/CODER.csv; the segments coded are listed.
    #[arg(long, value_name = "CODE", requires = "coder")]
    apply: Option<String>,
    /// With --apply: list what would be coded, write nothing.
    #[arg(long, requires = "apply")]
    dry_run: bool,
    /// With --apply: a memo for every coding made.
    #[arg(long, requires = "apply")]
    memo: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    if args.writes() {
        let (filter, index, _) = prepare(ctx, &args)?;
        let coder = args.coder.single("--apply")?;
        let opts = ApplyOptions {
            code: args.apply.as_deref().unwrap_or_default(),
            coder: &coder,
            memo: args.memo.as_deref().unwrap_or(""),
            dry_run: args.dry_run,
        };
        return apply(ctx, &index, &filter, &opts);
    }
    let stdout = std::io::stdout();
    let code = run_into(ctx, args, &mut stdout.lock(), Screen::of_stdout())?;
    Ok(ExitCode::from(code))
}

impl Args {
    /// Whether the search writes (codes what it finds): such a search runs in the process
    /// that asked for it, never in `qcode serve`.
    pub fn writes(&self) -> bool {
        self.apply.is_some()
    }
}

/// The filter, the index brought up to date and the number of hits to show, every flag
/// checked against the project's limits and the index's roles, speakers and metadata.
fn prepare(ctx: &Context, args: &Args) -> Result<(Filter, SearchIndex, usize)> {
    let filter = args
        .filter
        .filter(args.query.clone(), args.include_interviewer)?;
    let limits = ctx.project.limits;
    let limit = args.limit.unwrap_or(20.min(limits.search_limit));
    if limit == 0 {
        bail!("--limit must be at least 1");
    }
    csv_flavour(args.excel, args.format)?;
    // Bounded: a limit allocates its ranking up front, and context is read per hit.
    // The bounds are qcode.toml's `[limits] search_limit` and `search_context`.
    if limit > limits.search_limit {
        bail!("--limit {limit} is more than {} ([limits] search_limit in qcode.toml); to list every match use `qcode export quotes` (it streams)", limits.search_limit);
    }
    if args.context > limits.search_context {
        bail!("--context {} is more than {} paragraphs ([limits] search_context in qcode.toml); `qcode segments FILE` shows a whole transcript", args.context, limits.search_context);
    }
    let index = open_fresh_index(ctx)?;
    // A typo in a filter is an error with a hint, not "no matching segments".
    filter.check(&index)?;
    Ok((filter, index, limit))
}

/// A search that writes nothing, its results written to `out` as they should look on
/// `screen`; the exit code (0 when something matched, 1 when nothing did).
pub fn run_into(ctx: &Context, args: Args, out: &mut dyn Write, screen: Screen) -> Result<u8> {
    let (filter, mut index, limit) = prepare(ctx, &args)?;
    args.coder.apply(&ctx.project.coding_use, &mut index)?;
    // The privacy boundary: every hit read from here on is masked (names, ids and labels by
    // pseudonym, private metadata left out), highlights placed on the masked text.
    args.privacy.apply(ctx, &mut index)?;
    // A participant's name is not something to search for: say so rather than find them.
    if let Some(mask) = index.mask() {
        if mask.redactor.mentions(&args.query) {
            ctx.note("the query names a participant (or a word on the --redact list): names are not searchable, so nothing is shown; search for what was said instead");
            return Ok(1);
        }
    }
    let several = index.view().several();
    let started = std::time::Instant::now();
    let results = index.search(&filter.request(limit, args.context))?;
    ctx.detail(format!(
        "search: {} matching segments, {} shown, {:.1} ms",
        results.total,
        results.hits.len(),
        started.elapsed().as_secs_f64() * 1000.0
    ));
    match args.format {
        Format::Table => {
            // For people: a terminal never acts on control characters in the data.
            let mut buf = Vec::new();
            write_table(&mut buf, &results.hits, results.total, screen)?;
            match screen.terminal {
                true => out.write_all(terminal_safe(&String::from_utf8_lossy(&buf)).as_bytes())?,
                false => out.write_all(&buf)?,
            }
        }
        Format::Csv => {
            let rows = if several {
                by_coder(&results.hits, &index.view().tags())
            } else {
                results.hits.iter().map(|h| (h.clone(), None)).collect()
            };
            write_csv(out, &rows, args.context > 0, args.excel)?
        }
        Format::Xlsx => unreachable!("--format takes only what search prints"),
        Format::Json => {
            let hits: Vec<_> = results
                .hits
                .iter()
                .enumerate()
                .map(|(i, h)| hit_json(i + 1, h))
                .collect();
            let doc = json!({"query": args.query, "total": results.total, "hits": hits});
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    // The process ends here: the operating system unmaps the index's files at once, faster
    // than dropping each segment reader one by one (a tenth of a search on a large index).
    if ctx.ends_process() {
        std::mem::forget(index);
    }
    Ok(if results.hits.is_empty() { 1 } else { 0 })
}

fn write_table(out: &mut impl Write, hits: &[Hit], total: usize, screen: Screen) -> Result<()> {
    let marks = Marks::for_screen(screen);
    for (i, h) in hits.iter().enumerate() {
        let s = &h.segment;
        writeln!(
            out,
            "{}. {}  [{}]  score {:.2}",
            i + 1,
            s.attribution(),
            s.id,
            h.score
        )?;
        for c in &h.before {
            writeln!(out, "   | {}: {}", c.role_label, indent(&c.text, "   | "))?;
        }
        writeln!(
            out,
            "   {}",
            indent(&mark(&s.text, &h.highlights, marks), "   ")
        )?;
        // Each coder's codes on a line of their own (the machine's unnamed when alone).
        let mut coders: Vec<&str> = Vec::new();
        for c in &h.codings {
            if !coders.contains(&c.coder.as_str()) {
                coders.push(&c.coder);
            }
        }
        for coder in coders {
            let theirs: Vec<Evidence> = h
                .codings
                .iter()
                .filter(|c| c.coder == coder)
                .cloned()
                .collect();
            let who = if coder.is_empty() {
                String::new()
            } else {
                format!(" ({coder})")
            };
            writeln!(out, "   codes{who}: {}", codes_summary(&theirs))?;
        }
        for c in &h.after {
            writeln!(out, "   | {}: {}", c.role_label, indent(&c.text, "   | "))?;
        }
        writeln!(out)?;
    }
    if hits.is_empty() {
        writeln!(out, "no matching segments")?;
    } else {
        writeln!(out, "{} of {} matching segments shown", hits.len(), total)?;
    }
    Ok(())
}

/// "trust ×2 (honest, open up), dialogue ×1 (monthly meeting)": codes and the words that fired.
fn codes_summary(codings: &[Evidence]) -> String {
    codings
        .iter()
        .map(|c| {
            if !c.coder.is_empty() && c.hits.is_empty() {
                return c.code.clone();
            }
            let words: Vec<String> = c.hits.iter().map(|h| h.text.replace('\n', " ")).collect();
            format!("{} ×{} ({})", c.code, c.hits.len(), words.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn indent(text: &str, prefix: &str) -> String {
    text.replace('\n', &format!("\n{prefix}"))
}

/// Each hit once per coder read, holding that coder's codes: a search CSV with a `coder`
/// column has a row per hit and coder.
fn by_coder(hits: &[Hit], tags: &[String]) -> Vec<(Hit, Option<String>)> {
    hits.iter()
        .flat_map(|h| {
            tags.iter().map(move |t| {
                let mut one = h.clone();
                one.codings.retain(|c| &c.coder == t);
                (one, Some(label(t).to_string()))
            })
        })
        .collect()
}

fn write_csv(
    out: &mut dyn Write,
    hits: &[(Hit, Option<String>)],
    with_context: bool,
    excel: bool,
) -> Result<()> {
    // Metadata columns: every key any hit has, sorted, after the fixed columns.
    let keys: BTreeSet<&String> = hits
        .iter()
        .flat_map(|(h, _)| h.segment.meta.keys())
        .collect();
    let several = hits.iter().any(|(_, c)| c.is_some());
    // For a spreadsheet: a BOM, CRLF, and cells a spreadsheet would run made inert.
    if excel {
        out.write_all("\u{feff}".as_bytes())?;
    }
    let terminator = match excel {
        true => csv::Terminator::CRLF,
        // Plain CSV ends lines as `export` does (the csv crate's default is CRLF).
        false => csv::Terminator::Any(b'\n'),
    };
    let mut w = csv::WriterBuilder::new()
        .terminator(terminator)
        .from_writer(out);
    let mut header = vec![
        "rank",
        "segment_id",
        "interview",
        "turn",
        "paragraph",
        "speaker",
        "role",
        "role_label",
        "attribution",
        "score",
        "text",
        "highlighted",
    ];
    if several {
        header.push("coder");
    }
    header.extend(["codes", "code_hits"]);
    if with_context {
        header.extend(["context_before", "context_after"]);
    }
    let header: Vec<String> = header
        .into_iter()
        .map(str::to_string)
        .chain(keys.iter().map(|k| format!("meta:{k}")))
        .collect();
    w.write_record(&header)?;
    let mut rank = 0;
    let mut last = None;
    for (h, coder) in hits {
        let s = &h.segment;
        if last != Some(&s.id) {
            rank += 1;
            last = Some(&s.id);
        }
        let mut row = vec![
            rank.to_string(),
            s.id.clone(),
            s.interview.clone(),
            s.turn.to_string(),
            s.paragraph.to_string(),
            s.speaker.clone(),
            s.role.clone(),
            s.role_label.clone(),
            s.attribution(),
            format!("{:.4}", h.score),
            s.text.clone(),
            mark(&s.text, &h.highlights, Marks::BRACKETS),
        ];
        if several {
            row.push(coder.clone().unwrap_or_default());
        }
        row.push(
            h.codings
                .iter()
                .map(|c| c.code.as_str())
                .collect::<Vec<_>>()
                .join(";"),
        );
        row.push(
            h.codings
                .iter()
                .map(|c| format!("{}:{}", c.code, c.hits.len()))
                .collect::<Vec<_>>()
                .join(";"),
        );
        if with_context {
            row.push(join_context(&h.before));
            row.push(join_context(&h.after));
        }
        row.extend(
            keys.iter()
                .map(|k| s.meta.get(*k).cloned().unwrap_or_default()),
        );
        if excel {
            row = row.iter().map(|c| neutralise(c)).collect();
        }
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

fn join_context(segs: &[Segment]) -> String {
    segs.iter()
        .map(|s| format!("{}: {}", s.role_label, s.text))
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn seg_json(s: &Segment) -> serde_json::Value {
    json!({
        "segment_id": s.id,
        "interview": s.interview,
        "turn": s.turn,
        "paragraph": s.paragraph,
        "speaker": s.speaker,
        "role": s.role,
        "role_label": s.role_label,
        "interviewer": s.interviewer,
        "timestamp": s.timestamp,
        "start": s.start,
        "end": s.end,
        "text": s.text,
        "meta": s.meta,
    })
}

fn hit_json(rank: usize, h: &Hit) -> serde_json::Value {
    let mut v = seg_json(&h.segment);
    let o = v.as_object_mut().expect("object");
    o.insert("rank".into(), json!(rank));
    o.insert("score".into(), json!(h.score));
    o.insert("attribution".into(), json!(h.segment.attribution()));
    o.insert("highlights".into(), json!(h.highlights));
    o.insert(
        "highlighted".into(),
        json!(mark(&h.segment.text, &h.highlights, Marks::BRACKETS)),
    );
    o.insert("codings".into(), json!(h.codings));
    o.insert(
        "context_before".into(),
        h.before.iter().map(seg_json).collect(),
    );
    o.insert(
        "context_after".into(),
        h.after.iter().map(seg_json).collect(),
    );
    v
}

pub fn segment_json(s: &Segment) -> serde_json::Value {
    seg_json(s)
}
