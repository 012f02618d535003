//! `qcode codes`: the code tree with how many segments and interviews each code reaches
//! (a parent counts its children's), and how much of the respondents' talk no code reaches.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;

use qcode::export::Dataset;
use qcode::transcript::Segment;

use super::flags::{CoderArgs, PrivacyArgs};
use super::index::open_fresh_index;
use super::output::{print_redacted, Format};
use super::Context;

/// Show the code tree with segment and interview counts, and the share of respondent segments
/// left uncoded (`--uncoded` lists them).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  qcode codes
  qcode codes --uncoded
  qcode codes --format csv > code-counts.csv")]
pub struct Args {
    /// List the respondent segments no code applies to.
    #[arg(long)]
    uncoded: bool,
    #[command(flatten)]
    privacy: PrivacyArgs,
    #[command(flatten)]
    coder: CoderArgs,
    #[arg(long, value_parser = Format::parser(Format::PRINTED), default_value = "table")]
    format: Format,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let privacy = args.privacy.privacy()?;
    let mut index = open_fresh_index(ctx)?;
    args.coder.apply(&ctx.project.coding_use, &mut index)?;
    // One person's codings or review: how far their review of the proposals has come.
    let review = super::review::progress_for(&mut index)?;
    let reviewed = |id: &str| {
        review
            .as_ref()
            .map(|r| r.get(id).copied().unwrap_or_default())
    };
    args.privacy.apply(ctx, &mut index)?;
    // The dataset keeps respondent segments and the codes each reaches (with ancestors).
    let ds = Dataset::new(index.codebook().clone(), index.all_segments()?);
    let codebook = &ds.codebook;
    let respondent: Vec<&Segment> = ds.items.iter().map(|i| &i.segment).collect();
    // code → (segments, interviews), counting each segment once per code reached.
    let mut seg_count: BTreeMap<&str, usize> = BTreeMap::new();
    let mut interviews: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut uncoded = Vec::new();
    for item in &ds.items {
        let s = &item.segment;
        if item.codings.is_empty() {
            uncoded.push(s);
        }
        for &(c, _) in &item.reached {
            let id = codebook.codes[c].id.as_str();
            *seg_count.entry(id).or_default() += 1;
            interviews
                .entry(id)
                .or_default()
                .insert(s.interview.as_str());
        }
    }
    let total = respondent.len();
    let share = |n: usize| {
        if total == 0 {
            0.0
        } else {
            100.0 * n as f64 / total as f64
        }
    };
    let mut out: Vec<u8> = Vec::new();
    match args.format {
        Format::Table => {
            writeln!(
                out,
                "codebook {} {} ({} codes)",
                codebook.name,
                codebook.version,
                codebook.codes.len()
            )?;
            write!(
                out,
                "{:<40} {:<12} {:>9} {:>11}",
                "code", "dimension", "segments", "interviews"
            )?;
            writeln!(
                out,
                "{}",
                if review.is_some() {
                    "  accepted rejected  pending"
                } else {
                    ""
                }
            )?;
            for c in &codebook.codes {
                let name = format!("{}{}", "  ".repeat(codebook.depth(&c.id)), c.id);
                let n = seg_count.get(c.id.as_str()).copied().unwrap_or(0);
                let i = interviews
                    .get(c.id.as_str())
                    .map(BTreeSet::len)
                    .unwrap_or(0);
                write!(out, "{name:<40} {:<12} {n:>9} {i:>11}", c.dimension)?;
                match reviewed(&c.id) {
                    Some(p) => writeln!(
                        out,
                        "  {:>8} {:>8} {:>8}",
                        p.accepted, p.rejected, p.pending
                    )?,
                    None => writeln!(out)?,
                }
            }
            writeln!(
                out,
                "\nuncoded: {} of {} respondent segments ({:.1}%){}",
                uncoded.len(),
                total,
                share(uncoded.len()),
                if args.uncoded || uncoded.is_empty() {
                    ""
                } else {
                    "; list them with --uncoded"
                }
            )?;
            if args.uncoded {
                for s in &uncoded {
                    let text: String = s.text.chars().take(100).collect();
                    let more = if s.text.chars().count() > 100 {
                        "…"
                    } else {
                        ""
                    };
                    writeln!(
                        out,
                        "  {}  {}: {}{more}",
                        s.id,
                        s.attribution(),
                        text.replace('\n', " ")
                    )?;
                }
            }
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            if args.uncoded {
                w.write_record(["segment_id", "interview", "role", "attribution", "text"])?;
                for s in &uncoded {
                    w.write_record([
                        s.id.as_str(),
                        &s.interview,
                        &s.role,
                        &s.attribution(),
                        &s.text,
                    ])?;
                }
            } else {
                let mut header = vec![
                    "code",
                    "label",
                    "dimension",
                    "parent",
                    "depth",
                    "segments",
                    "interviews",
                    "share_of_respondent_segments",
                ];
                if review.is_some() {
                    header.extend(["accepted", "rejected", "pending"]);
                }
                w.write_record(header)?;
                for c in &codebook.codes {
                    let n = seg_count.get(c.id.as_str()).copied().unwrap_or(0);
                    let i = interviews
                        .get(c.id.as_str())
                        .map(BTreeSet::len)
                        .unwrap_or(0);
                    let mut record = vec![
                        c.id.clone(),
                        c.label.clone(),
                        c.dimension.clone(),
                        c.parent.clone().unwrap_or_default(),
                        codebook.depth(&c.id).to_string(),
                        n.to_string(),
                        i.to_string(),
                        format!("{:.4}", share(n) / 100.0),
                    ];
                    if let Some(p) = reviewed(&c.id) {
                        record.extend([p.accepted, p.rejected, p.pending].map(|n| n.to_string()));
                    }
                    w.write_record(record)?;
                }
            }
            w.flush()?;
        }
        Format::Json => {
            let codes: Vec<_> = codebook
                .codes
                .iter()
                .map(|c| {
                    let mut code = json!({
                        "code": c.id, "label": c.label, "dimension": c.dimension, "parent": c.parent,
                        "segments": seg_count.get(c.id.as_str()).copied().unwrap_or(0),
                        "interviews": interviews.get(c.id.as_str()).map(BTreeSet::len).unwrap_or(0),
                    });
                    if let Some(p) = reviewed(&c.id) {
                        code["review"] = json!({"accepted": p.accepted, "rejected": p.rejected, "pending": p.pending});
                    }
                    code
                })
                .collect();
            let mut doc = json!({
                "codebook": {"name": codebook.name, "version": codebook.version, "hash": codebook.hash},
                "respondent_segments": total,
                "uncoded_segments": uncoded.len(),
                "codes": codes,
            });
            if args.uncoded {
                doc["uncoded"] = uncoded.iter().map(|s| json!({"segment_id": s.id, "attribution": s.attribution(), "text": s.text})).collect();
            }
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Xlsx => unreachable!("--format takes only what codes prints"),
    }
    print_redacted(&out, &privacy.redactor_for_index(&index)?)?;
    Ok(ExitCode::SUCCESS)
}
