//! `qcode code --explain SEGMENT_ID` (or `--text "..."`): which patterns of the current codebook
//! fire where in one segment, with the words highlighted. The transparency a researcher needs
//! before trusting an automatic coding.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Result};

use qcode::codebook::{load_codebook, Codebook};
use qcode::coding::explain::explain;

use super::index::open_fresh_index;
use super::output::{mark, print_masked, Marks};
use super::Context;

/// Explain the coding of one segment (or of any text): every code, pattern and matched span.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  qcode code --explain northmoor-01:6.3
  qcode code --text \"We never over-promise, and we tell them straight.\"")]
pub struct Args {
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

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let mut names = Vec::new();
    let (heading, text, codebook) = match (&args.explain, &args.text) {
        (Some(id), _) => {
            let index = open_fresh_index(ctx)?;
            names = index.manifest.names();
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
        (None, Some(t)) => (
            "text".to_string(),
            t.clone(),
            load_codebook(&ctx.project.codebook_dir)?,
        ),
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
