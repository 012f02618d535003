//! `qcode index`: bring the project's index up to date (incrementally), and say what changed.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use qcode::index::{update, IndexError, SearchIndex, UpdateOptions, UpdateReport};
use qcode::roles::{Match, RoleTable};

use super::Context;

/// Index the corpus: parse, segment and store every transcript in .qcode/index.
///
/// Only files added, changed or removed since the last run are processed. A file that cannot
/// be read is reported and skipped; the others are indexed (exit code 1 says something was skipped).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  qcode index\n  qcode index --rebuild")]
pub struct Args {
    /// Throw the index away and index every file again.
    #[arg(long)]
    rebuild: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let report = update_index(ctx, update_options(args.rebuild))?;
    // People's codings are read with the index: tie them now, and say what that found.
    let codebook = match report.codebook.clone() {
        Some(cb) => cb,
        None => ctx.project.codebook_shared()?,
    };
    let mut index = SearchIndex::open(&ctx.project, codebook)?;
    // Warnings quote labels, file names and lines: none names a participant the corpus declares.
    super::output::set_stderr_mask(qcode::privacy::Privacy::default().redactor_for_index(&index)?);
    print_report(ctx, &report);
    let codings = index.refresh_codings(&ctx.project)?;
    let bad = codings.unreadable.len();
    for e in &codings.unreadable {
        eprintln!(
            "{}",
            super::output::for_stderr(&format!(
                "error: {e}\n  (codings file left out; the others were read)"
            ))
        );
    }
    let store = index.store();
    if !store.rows.is_empty() || !store.orphans.is_empty() {
        let coders = store.coders();
        ctx.note(format!(
            "codings: {} row(s) by {} coder(s) ({})",
            store.rows.len() + store.orphans.len(),
            coders.len(),
            coders.join(", ")
        ));
        note_store(ctx, store);
        for o in store.orphans.iter().skip(8) {
            ctx.detail(format!(
                "  {}:{}: `{}` on {}: {}",
                o.file, o.line, o.row.code, o.row.segment_id, o.why
            ));
        }
    }
    Ok(if report.skipped.is_empty() && bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The options of an update. `QCODE_STREAM_BYTES` sets the size from which table files stream
/// (the tests set it to run the streaming path on small files).
pub fn update_options(rebuild: bool) -> UpdateOptions {
    let mut opts = UpdateOptions {
        rebuild,
        // `[coding] assign = "ranked"` codes by the suggestions' ranking.
        assign: Some(qcode::suggest::make_assign),
        ..UpdateOptions::default()
    };
    if let Some(n) = std::env::var("QCODE_STREAM_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        opts.stream_bytes = n;
    }
    opts
}

/// Run an update with a progress bar that appears only on a terminal, after a second.
pub fn update_index(ctx: &Context, opts: UpdateOptions) -> Result<UpdateReport> {
    let bar = ProgressBar::hidden();
    bar.set_style(
        ProgressStyle::with_template("{spinner} indexing {pos}/{len} files {wide_bar} {eta}")
            .expect("valid template"),
    );
    let started = Instant::now();
    let shown = std::sync::atomic::AtomicBool::new(false);
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        // Not drawn by `qcode serve`: its terminal is not the asker's.
        if !ctx.quiet
            && ctx.ends_process()
            && started.elapsed().as_secs_f64() > 1.0
            && !shown.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            // indicatif draws nothing when stderr is not a terminal.
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    };
    let report = update(&ctx.project, opts, &progress);
    bar.finish_and_clear();
    Ok(report?)
}

fn print_report(ctx: &Context, r: &UpdateReport) {
    for f in &r.indexed {
        ctx.detail(format!("indexed {f}"));
    }
    for f in &r.removed {
        ctx.detail(format!("removed {f}"));
    }
    for w in &r.warnings {
        ctx.note(format!("warning: {w}"));
    }
    let roles = r.codebook.as_ref().map(|c| &c.roles);
    for w in role_warnings(roles, r.unknown_roles.keys()) {
        ctx.note(format!("warning: {w}"));
    }
    for e in &r.skipped {
        eprintln!(
            "{}",
            super::output::for_stderr(&format!(
                "error: {e}\n  (file skipped; the other files were indexed)"
            ))
        );
    }
    if let Some(why) = &r.rebuilt {
        ctx.note(format!("rebuilt the index: {why}"));
    }
    let secs = r.elapsed.as_secs_f64();
    if !r.changed_anything() && r.skipped.is_empty() {
        ctx.note(format!(
            "index is up to date: {} files, {} interviews, {} segments ({secs:.2} s)",
            r.files_total, r.interviews, r.segments
        ));
        return;
    }
    let mut parts = vec![format!("{} indexed", r.indexed.len())];
    if !r.removed.is_empty() {
        parts.push(format!("{} removed", r.removed.len()));
    }
    parts.push(format!("{} unchanged", r.unchanged));
    if !r.skipped.is_empty() {
        parts.push(format!("{} skipped", r.skipped.len()));
    }
    ctx.note(format!(
        "{} files: {}; the index holds {} interviews, {} segments; {} segments coded in this run ({secs:.2} s)",
        r.files_total,
        parts.join(", "),
        r.interviews,
        r.segments,
        r.coded_segments
    ));
}

/// What to say about role labels the role table gave no role: one line for each label two
/// roles meet alike (left unmapped, not guessed), one for all the others however many.
pub fn role_warnings<'a>(
    roles: Option<&RoleTable>,
    labels: impl IntoIterator<Item = &'a String>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    for label in labels {
        match roles.map(|t| t.assign(label).how) {
            Some(Match::Ambiguous(ids)) => out.push(ambiguous_message(label, &ids)),
            _ => unknown.push(label),
        }
    }
    if !unknown.is_empty() {
        out.push(unknown_roles_message(unknown.into_iter()));
    }
    out
}

/// A label two or more roles meet alike.
pub fn ambiguous_message(label: &str, ids: &[String]) -> String {
    let ids: Vec<String> = ids.iter().map(|i| format!("`{i}`")).collect();
    format!(
        "role label `{label}` matches roles {} alike, so it was given neither and a role was made from it; choose one with qcode roles --add \"{label}\" ROLE",
        ids.join(" and ")
    )
}

/// One line about role labels the role table does not know, however many there are.
fn unknown_roles_message<'a>(labels: impl ExactSizeIterator<Item = &'a String>) -> String {
    let n = labels.len();
    let shown: Vec<String> = labels.take(6).map(|l| format!("`{l}`")).collect();
    let more = if n > 6 {
        format!(" and {} more", n - 6)
    } else {
        String::new()
    };
    format!(
        "{n} role label(s) are not in the codebook's role table, so roles were made from them: {}{more}; add them as aliases under [roles] in codebook/",
        shown.join(", ")
    )
}

/// Bring the index up to date, then open it: what every command that reads the index does
/// first, so it always sees the current corpus. If another process is writing, read the last
/// commit instead.
/// An update that failed writing: the disk is full, or .qcode/ cannot be written.
fn cannot_write(e: &anyhow::Error) -> bool {
    match e.downcast_ref::<IndexError>() {
        Some(IndexError::Io { .. }) => true,
        Some(IndexError::Tantivy { source, .. }) => {
            matches!(source, tantivy::TantivyError::IoError(_))
        }
        _ => false,
    }
}

/// Whether an index was committed once in .qcode/ (a reader can fall back on it).
fn has_index(ctx: &Context) -> bool {
    ctx.project
        .data_dir()
        .join(qcode::index::INDEX_DIR)
        .join("meta.json")
        .is_file()
}

pub fn open_fresh_index(ctx: &Context) -> Result<SearchIndex> {
    let mut opts = update_options(false);
    opts.warm = ctx.served.as_ref().map(|s| s.warm);
    let (codebook, opened) = match update_index(ctx, opts) {
        Ok(mut r) => {
            if r.changed_anything() {
                ctx.note(format!(
                    "(index updated: {} file(s) re-indexed, {} removed)",
                    r.indexed.len(),
                    r.removed.len()
                ));
            }
            if !r.skipped.is_empty() {
                ctx.note(format!(
                    "warning: {} corpus file(s) could not be indexed; run `qcode index` for details",
                    r.skipped.len()
                ));
            }
            (r.codebook.take(), r.opened.take())
        }
        Err(e) if matches!(e.downcast_ref::<IndexError>(), Some(IndexError::Locked(_))) => {
            ctx.note("warning: the index is being updated by another qcode process; reading its last committed state");
            (None, None)
        }
        // A reading command on a full disk (or a read-only .qcode/) goes on with the index as
        // last committed, said once, rather than failing for want of a cache.
        Err(e) if cannot_write(&e) && has_index(ctx) => {
            ctx.note(format!("warning: the index could not be brought up to date ({e}); reading its last committed state, which may miss recent changes to the corpus"));
            (None, None)
        }
        Err(e) => return Err(e),
    };
    let codebook = match codebook {
        Some(cb) => cb,
        None => ctx.project.codebook_shared()?,
    };
    // The update has the index open already when it found nothing to do: opened once.
    let mut index = match opened {
        Some(opened) => SearchIndex::from_open(&ctx.project, opened, codebook)?,
        None => SearchIndex::open(&ctx.project, codebook)?,
    };
    // Messages from here on never name a participant (a command's --redact list adds to this).
    super::output::set_stderr_mask(qcode::privacy::Privacy::default().redactor_for_index(&index)?);
    let report = index.refresh_codings(&ctx.project)?;
    for e in &report.unreadable {
        ctx.note(format!("warning: codings file left out: {e}"));
    }
    if report.redone {
        note_store(ctx, index.store());
    }
    Ok(index)
}

/// What tying the codings files to the index found: rows re-anchored, rows orphaned (each with
/// its file, line and why, up to a few).
pub fn note_store(ctx: &Context, store: &qcode::codings::Store) {
    let moved = store.reanchored();
    if moved > 0 {
        ctx.note(format!(
            "codings: {moved} row(s) re-anchored to the segments now holding their words"
        ));
    }
    if store.orphans.is_empty() {
        return;
    }
    ctx.note(format!(
        "warning: {} coding row(s) are tied to no segment (kept in their files, left out of every output):",
        store.orphans.len()
    ));
    for o in store.orphans.iter().take(8) {
        ctx.note(format!(
            "  {}:{}: `{}` on {}: {}",
            o.file, o.line, o.row.code, o.row.segment_id, o.why
        ));
    }
    if store.orphans.len() > 8 {
        ctx.note(format!(
            "  … and {} more (`qcode index -v` lists them all)",
            store.orphans.len() - 8
        ));
    }
}
