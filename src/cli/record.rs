//! Recording codings by hand: `qcode code add` / `code remove` and `qcode search --apply`
//! write rows to the coder's file in codings/ (`codings/NAME.csv`), never touching the corpus,
//! through one function that reads the file, edits it and writes it back atomically.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};

use qcode::codebook::Codebook;
use qcode::codings::edit::{edit, Edited, Removal};
use qcode::codings::{CodingRow, Status, CODINGS_DIR};
use qcode::index::{Filter, Load, SearchIndex};
use qcode::transcript::Segment;

use super::output::write_atomically;
use super::Context;

/// Where `coder`'s codings are recorded.
pub fn coder_file(ctx: &Context, coder: &str) -> PathBuf {
    ctx.project
        .root
        .join(CODINGS_DIR)
        .join(format!("{coder}.csv"))
}

/// Add `add` to and take `remove` out of `coder`'s codings file, atomically.
pub fn record(ctx: &Context, coder: &str, add: &[CodingRow], remove: &[Removal]) -> Result<Edited> {
    let path = coder_file(ctx, coder);
    let existing = match std::fs::read(&path) {
        Ok(b) => Some(String::from_utf8(b).with_context(|| {
            format!("{} is not UTF-8 text; save it as UTF-8 CSV", path.display())
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let rel = ctx.project.relative(&path);
    let edited = edit(std::path::Path::new(&rel), existing.as_deref(), add, remove)?;
    if edited.added + edited.removed > 0 {
        std::fs::create_dir_all(path.parent().expect("codings/ has a parent"))?;
        write_atomically(&path, &edited.bytes)?;
    }
    Ok(edited)
}

/// A code a person may apply: in the codebook, and not a grouping code.
pub fn check_code(codebook: &Codebook, code: &str) -> Result<()> {
    match codebook.code(code) {
        None => bail!(
            "unknown code `{code}`; `qcode codes` lists the codebook's codes (add a new one to a file in codebook/ first)"
        ),
        Some(c) if !c.codable => bail!(
            "`{code}` is a grouping code (codable = false): it gathers its children and is not applied itself; code one of them"
        ),
        Some(_) => Ok(()),
    }
}

/// The segments `ids` names, each checked to exist.
pub fn segments(index: &SearchIndex, ids: &[String]) -> Result<Vec<Segment>> {
    let mut out = Vec::new();
    for id in ids {
        match index.segment(id)? {
            Some((s, _)) => out.push(s),
            None => bail!(
                "no segment `{id}` in the index; segment ids look like northmoor-01:6.3 (see `qcode search`)"
            ),
        }
    }
    Ok(out)
}

/// What `search --apply` records.
pub struct ApplyOptions<'a> {
    pub code: &'a str,
    pub coder: &'a str,
    pub memo: &'a str,
    pub dry_run: bool,
}

/// Code every segment `filter` matches (no display limit) and list them.
pub fn apply(
    ctx: &Context,
    index: &SearchIndex,
    filter: &Filter,
    opts: &ApplyOptions,
) -> Result<ExitCode> {
    check_code(index.codebook(), opts.code)?;
    let ids = index.matching_ids(&filter.request(1, 0))?;
    let keep: HashSet<String> = ids.into_iter().collect();
    let load = Load {
        respondents_only: false,
        text: true,
        evidence: false,
    };
    let segs: Vec<Segment> = index
        .segments(load, Some(&keep))?
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let rows: Vec<CodingRow> = segs
        .iter()
        .map(|s| CodingRow::for_segment(s, opts.code, opts.coder, opts.memo))
        .collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let names = qcode::privacy::person_names(index.manifest.names(), &index.codebook().roles);
    let mut listing = Vec::new();
    for s in &segs {
        writeln!(
            listing,
            "{}  {}  {}",
            s.id,
            s.attribution(),
            excerpt(&s.text, 80)
        )?;
    }
    super::output::print_masked(&listing, &names)?;
    out.flush()?;
    if opts.dry_run {
        ctx.note(format!(
            "{} segment(s) would be coded `{}` by {} (dry run: nothing written)",
            rows.len(),
            opts.code,
            opts.coder
        ));
    } else {
        let done = record(ctx, opts.coder, &rows, &[])?;
        ctx.note(format!(
            "{} segment(s) coded `{}` by {} in {}{}",
            done.added,
            opts.code,
            opts.coder,
            ctx.project.relative(&coder_file(ctx, opts.coder)),
            if done.already > 0 {
                format!(" ({} already were)", done.already)
            } else {
                String::new()
            }
        ));
    }
    Ok(if rows.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The start of `text` on one line, cut at a word to at most `max` characters.
pub fn excerpt(text: &str, max: usize) -> String {
    let one = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= max {
        return one;
    }
    let cut: String = one.chars().take(max).collect();
    match cut.rfind(' ') {
        Some(i) if i > max / 2 => format!("{}…", &cut[..i]),
        _ => format!("{cut}…"),
    }
}

/// `code remove`: a person's own coding is taken out; a code only the machine gave is recorded
/// as rejected by the person (so `reviewed:NAME` drops it).
pub fn removals(
    index: &SearchIndex,
    segs: &[Segment],
    code: &str,
    coder: &str,
) -> Result<(Vec<CodingRow>, Vec<Removal>, Vec<String>)> {
    let (mut reject, mut remove, mut nothing) = (Vec::new(), Vec::new(), Vec::new());
    for s in segs {
        let theirs = index.store().applied(coder, &s.id).contains(code);
        if theirs {
            remove.push(Removal {
                segment_id: s.id.clone(),
                code: code.into(),
                coder: coder.into(),
            });
            continue;
        }
        let machine = index.machine_codes(&s.id)?.iter().any(|c| c == code);
        if machine {
            let mut r = CodingRow::for_segment(s, code, coder, "");
            r.status = Status::Rejected;
            reject.push(r);
        } else {
            nothing.push(s.id.clone());
        }
    }
    Ok((reject, remove, nothing))
}
