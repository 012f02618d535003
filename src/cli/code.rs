//! `qcode code --explain SEGMENT_ID` (or `--text "..."`): which patterns of the current codebook
//! fire where in one segment, with the words highlighted. The transparency a researcher needs
//! before trusting an automatic coding.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Result};

use qcode::codebook::{load_codebook, Codebook};
use qcode::coding::{evidence, Matcher};

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
    explain(&mut buf, &heading, &text, &codebook)?;
    print_masked(&buf, &names)?;
    Ok(ExitCode::SUCCESS)
}

fn explain(out: &mut impl Write, heading: &str, text: &str, codebook: &Codebook) -> Result<()> {
    let matcher = Matcher::new(codebook)?;
    let codings = matcher.code(text);
    let marks = Marks::for_stdout();
    // Highlight every hit of every code (byte ranges, merged where codes overlap).
    let byte_of: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain([text.len()])
        .collect();
    let mut spans: Vec<(usize, usize)> = codings
        .iter()
        .flat_map(|c| {
            c.hits
                .iter()
                .map(|h| (byte_of[h.start as usize], byte_of[h.end as usize]))
        })
        .collect();
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    writeln!(out, "{heading}")?;
    writeln!(
        out,
        "   {}",
        mark(text, &merged, marks).replace('\n', "\n   ")
    )?;
    writeln!(out)?;
    if codings.is_empty() {
        writeln!(
            out,
            "no code applies (codebook {} {})",
            codebook.name, codebook.version
        )?;
        return Ok(());
    }
    for (c, ev) in codings.iter().zip(evidence(codebook, text, &codings)) {
        let code = &codebook.codes[c.code as usize];
        let path = codebook.ancestors_and_self(&code.id);
        let path: Vec<&str> = path.iter().rev().map(String::as_str).collect();
        writeln!(
            out,
            "{} ({}, {}): {} hit(s), min_hits {}",
            path.join(" > "),
            code.label,
            code.dimension,
            c.hits.len(),
            code.min_hits
        )?;
        for h in &ev.hits {
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
    // Raw matches that did not count, so a missing code can be understood too.
    let dropped: Vec<_> = matcher
        .raw_hits(text)
        .into_iter()
        .filter(|&(code, excl, pat, s, e)| {
            !excl
                && !codings.iter().any(|c| {
                    c.code == code
                        && c.hits
                            .iter()
                            .any(|h| h.pattern == pat && h.start == s && h.end == e)
                })
        })
        .collect();
    if !dropped.is_empty() {
        writeln!(out, "\nmatches that did not count (excluded, overlapped by a longer match, or below min_hits):")?;
        let chars: Vec<char> = text.chars().collect();
        for (code, _, pat, s, e) in dropped {
            let c = &codebook.codes[code as usize];
            let words: String = chars[s as usize..e as usize].iter().collect();
            writeln!(
                out,
                "   {}: «{}» pattern {}",
                c.id,
                words.replace('\n', " "),
                c.patterns[pat as usize].text
            )?;
        }
    }
    Ok(())
}
