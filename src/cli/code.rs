//! `qcode code --explain SEGMENT_ID` (or `--text "..."`): which patterns of the current codebook
//! fire where in one segment, with the words highlighted. The transparency a researcher needs
//! before trusting an automatic coding.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Result};

use qcode::codebook::Codebook;
use qcode::coding::explain::explain;

use qcode::codings::CodingRow;

use super::flags::CoderArgs;
use super::index::open_fresh_index;
use super::output::{mark, print_masked, Marks};
use super::record::{check_code, coder_file, record, removals, segments};
use super::Context;

/// Explain the coding of one segment (or of any text): every code, pattern and matched span;
/// or code segments by hand (`code add`, `code remove`).
#[derive(Debug, clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Examples:
  qcode code --explain northmoor-01:6.3
  qcode code --text \"We never over-promise, and we tell them straight.\"
  qcode code add northmoor-01:6.3 northmoor-01:6.4 --code trust --coder ann --memo \"candid\"
  qcode code remove northmoor-01:6.3 --code trust --coder ann"
)]
pub struct Args {
    #[command(subcommand)]
    by_hand: Option<ByHand>,
    /// The id of an indexed segment, e.g. northmoor-01:6.3.
    #[arg(
        long,
        value_name = "SEGMENT_ID",
        conflicts_with = "text",
        required_unless_present = "text"
    )]
    explain: Option<String>,
    /// Code this text instead of a segment (to try a pattern out).
    #[arg(long)]
    text: Option<String>,
}

/// Coding by hand, recorded in codings/CODER.csv.
#[derive(Debug, clap::Subcommand)]
enum ByHand {
    /// Code segments with a code, as a coder.
    Add(HandArgs),
    /// Take a code off segments: the coder's own coding is removed; a code only the machine
    /// gave is recorded as rejected by the coder (`--coder reviewed:NAME` then leaves it out).
    Remove(HandArgs),
}

#[derive(Debug, clap::Args)]
struct HandArgs {
    /// Segment ids, e.g. northmoor-01:6.3 (see `qcode search`).
    #[arg(required = true, value_name = "SEGMENT_ID")]
    segments: Vec<String>,
    /// The code (its id in the codebook).
    #[arg(long, value_name = "CODE")]
    code: String,
    #[command(flatten)]
    coder: CoderArgs,
    /// A memo kept with each coding (add only).
    #[arg(long)]
    memo: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    if let Some(by_hand) = args.by_hand {
        return code_by_hand(ctx, by_hand);
    }
    let mut names = Vec::new();
    let (heading, text, codebook) = match (&args.explain, &args.text) {
        (Some(id), _) => {
            let index = open_fresh_index(ctx)?;
            names = qcode::privacy::person_names(index.manifest.names(), &index.codebook().roles);
            let Some((seg, _)) = index.segment(id)? else {
                bail!("no segment `{id}` in the index; segment ids look like northmoor-01:6.3 (see `qcode search`)");
            };
            let head = format!(
                "{}  {}{}",
                seg.id,
                seg.attribution(),
                if seg.interviewer {
                    "  (interviewer: not coded in the index)"
                } else {
                    ""
                }
            );
            (head, seg.text, index.codebook().clone())
        }
        (None, Some(t)) => ("text".to_string(), t.clone(), ctx.project.codebook()?),
        (None, None) => bail!("give --explain SEGMENT_ID or --text TEXT"),
    };
    let mut buf = Vec::new();
    render(&mut buf, &heading, &text, &codebook)?;
    print_masked(&buf, &names)?;
    Ok(ExitCode::SUCCESS)
}

/// Explain `text` and render it: the text with its hits highlighted, each code that applies with
/// its hits, then the matches that did not count.
fn render(out: &mut impl Write, heading: &str, text: &str, codebook: &Codebook) -> Result<()> {
    let e = explain(codebook, text)?;
    writeln!(out, "{heading}")?;
    writeln!(
        out,
        "   {}",
        mark(text, &e.highlights, Marks::for_stdout()).replace('\n', "\n   ")
    )?;
    writeln!(out)?;
    if e.codes.is_empty() {
        writeln!(
            out,
            "no code applies (codebook {} {})",
            codebook.name, codebook.version
        )?;
        return Ok(());
    }
    for c in &e.codes {
        writeln!(
            out,
            "{} ({}, {}): {} hit(s), min_hits {}",
            c.path.join(" > "),
            c.label,
            c.dimension,
            c.hits.len(),
            c.min_hits
        )?;
        for h in &c.hits {
            writeln!(
                out,
                "   «{}»  chars {}..{}  pattern {}",
                h.text.replace('\n', " "),
                h.start,
                h.end,
                h.pattern
            )?;
        }
    }
    if !e.dropped.is_empty() {
        writeln!(out, "\nmatches that did not count (excluded, overlapped by a longer match, or below min_hits):")?;
        for d in &e.dropped {
            writeln!(
                out,
                "   {}: «{}» pattern {}",
                d.code,
                d.text.replace('\n', " "),
                d.pattern
            )?;
        }
    }
    Ok(())
}

fn code_by_hand(ctx: &Context, by_hand: ByHand) -> Result<ExitCode> {
    let (adding, a) = match by_hand {
        ByHand::Add(a) => (true, a),
        ByHand::Remove(a) => (false, a),
    };
    let coder = a
        .coder
        .single(if adding { "code add" } else { "code remove" })?;
    let index = open_fresh_index(ctx)?;
    check_code(index.codebook(), &a.code)?;
    let segs = segments(&index, &a.segments)?;
    let file = ctx.project.relative(&coder_file(ctx, &coder));
    if adding {
        let memo = a.memo.as_deref().unwrap_or("");
        let rows: Vec<CodingRow> = segs
            .iter()
            .map(|s| CodingRow::for_segment(s, &a.code, &coder, memo))
            .collect();
        let done = record(ctx, &coder, &rows, &[])?;
        ctx.note(format!(
            "{} coding(s) of `{}` by {coder} added to {file}{}",
            done.added,
            a.code,
            if done.already > 0 {
                format!(" ({} already there)", done.already)
            } else {
                String::new()
            }
        ));
        return Ok(ExitCode::SUCCESS);
    }
    if a.memo.is_some() {
        bail!("--memo goes with `code add`; a memo on its own: `qcode memo SEGMENT_ID TEXT --coder NAME`");
    }
    let (reject, remove, nothing) = removals(&index, &segs, &a.code, &coder)?;
    let done = record(ctx, &coder, &reject, &remove)?;
    let mut did = Vec::new();
    if done.removed > 0 {
        did.push(format!(
            "{} coding(s) of `{}` by {coder} removed",
            done.removed, a.code
        ));
    }
    if done.added > 0 {
        did.push(format!(
            "{} machine coding(s) of `{}` rejected by {coder}",
            done.added, a.code
        ));
    }
    if !did.is_empty() {
        ctx.note(format!("{} in {file}", did.join(", ")));
    }
    if !nothing.is_empty() {
        ctx.note(format!(
            "warning: `{}` is not applied to {} by {coder} nor by the machine: nothing to remove",
            a.code,
            nothing.join(", ")
        ));
    }
    Ok(if nothing.len() == segs.len() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
