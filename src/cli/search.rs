//! `qcode search QUERY`: ranked quotes with attribution and highlighted words.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Result};
use serde_json::json;

use qcode::coding::Evidence;
use qcode::index::Hit;
use qcode::privacy::redact_hit;
use qcode::transcript::Segment;

use super::flags::{FilterArgs, PrivacyArgs};
use super::index::open_fresh_index;
use super::output::{mark, Format, Marks};
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
    /// Show at most this many hits.
    #[arg(long, short = 'n', default_value_t = 20)]
    limit: usize,
    /// Show N paragraphs before and after each hit, from the same interview.
    #[arg(long, short = 'C', value_name = "N", default_value_t = 0)]
    context: usize,
    #[arg(long, value_parser = Format::parser(Format::PRINTED), default_value = "table")]
    format: Format,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let filter = args
        .filter
        .filter(args.query.clone(), args.include_interviewer)?;
    let privacy = args.privacy.privacy()?;
    if args.limit == 0 {
        bail!("--limit must be at least 1");
    }
    let index = open_fresh_index(ctx)?;
    // A typo in a filter is an error with a hint, not "no matching segments".
    filter.check(&index)?;
    let started = std::time::Instant::now();
    let mut results = index.search(&filter.request(args.limit, args.context))?;
    ctx.detail(format!(
        "search: {} matching segments, {} shown, {:.1} ms",
        results.total,
        results.hits.len(),
        started.elapsed().as_secs_f64() * 1000.0
    ));
    // Mask participants' names (unless asked for) and the redaction list in everything shown.
    let redactor = privacy.redactor_for_index(&index)?;
    for h in &mut results.hits {
        redact_hit(h, &redactor);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Table => write_table(&mut out, &results.hits, results.total)?,
        Format::Csv => write_csv(&mut out, &results.hits, args.context > 0)?,
        Format::Xlsx => unreachable!("--format takes only what search prints"),
        Format::Json => {
            let hits: Vec<_> = results
                .hits
                .iter()
                .enumerate()
                .map(|(i, h)| hit_json(i + 1, h))
                .collect();
            let doc = json!({"query": args.query, "total": results.total, "hits": hits});
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(if results.hits.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_table(out: &mut impl Write, hits: &[Hit], total: usize) -> Result<()> {
    let marks = Marks::for_stdout();
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
        if !h.codings.is_empty() {
            writeln!(out, "   codes: {}", codes_summary(&h.codings))?;
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
            let words: Vec<String> = c.hits.iter().map(|h| h.text.replace('\n', " ")).collect();
            format!("{} ×{} ({})", c.code, c.hits.len(), words.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn indent(text: &str, prefix: &str) -> String {
    text.replace('\n', &format!("\n{prefix}"))
}

fn write_csv(out: &mut impl Write, hits: &[Hit], with_context: bool) -> Result<()> {
    // Metadata columns: every key any hit has, sorted, after the fixed columns.
    let keys: BTreeSet<&String> = hits.iter().flat_map(|h| h.segment.meta.keys()).collect();
    let mut w = csv::Writer::from_writer(out);
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
        "codes",
        "code_hits",
    ];
    if with_context {
        header.extend(["context_before", "context_after"]);
    }
    let header: Vec<String> = header
        .into_iter()
        .map(str::to_string)
        .chain(keys.iter().map(|k| format!("meta:{k}")))
        .collect();
    w.write_record(&header)?;
    for (i, h) in hits.iter().enumerate() {
        let s = &h.segment;
        let mut row = vec![
            (i + 1).to_string(),
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
            h.codings
                .iter()
                .map(|c| c.code.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            h.codings
                .iter()
                .map(|c| format!("{}:{}", c.code, c.hits.len()))
                .collect::<Vec<_>>()
                .join(";"),
        ];
        if with_context {
            row.push(join_context(&h.before));
            row.push(join_context(&h.after));
        }
        row.extend(
            keys.iter()
                .map(|k| s.meta.get(*k).cloned().unwrap_or_default()),
        );
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
