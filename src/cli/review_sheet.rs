//! `qcode export review` and `qcode import review`: the review as a spreadsheet to fill in
//! (one row per pending proposal, an empty `decision` column) and read back, each decision
//! recorded in codings/NAME.csv as `qcode review` records it. The sheet's format is the
//! library's ([`qcode::review::sheet`]).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};

use qcode::review::session::state_in;
use qcode::review::sheet::{read_decisions, resolve, sheet_rows, write_csv, write_xlsx};
use qcode::review::{decision, Proposal, Source, Verdict};

use super::flags::{FilterArgs, PrivacyArgs};
use super::index::open_fresh_index;
use super::output::write_atomically;
use super::record::{coder_file, record};
use super::review::{nothing_proposed, open_session, reviewer, Of};
use super::Context;

/// Write the proposals still to decide as a sheet (segment_id, code, code_label, evidence,
/// text, decision) to fill in and bring back with `qcode import review`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "--code and --dimension choose which proposed codes are listed (a code with its \
descendants); the other filters choose which segments.

Examples:
  qcode export review --coder ann -o review.xlsx
  qcode export review --coder ann --of suggested --code trust -o trust.csv
  qcode import review review.xlsx --coder ann      # once `decision` is filled in"
)]
pub struct ExportArgs {
    /// The person deciding; default: NAME of qcode.toml's `[coding] use = "reviewed:NAME"`.
    #[arg(long, value_name = "NAME")]
    coder: Option<String>,
    /// Whose proposals: the machine's codes, or the suggestions saved in codings/.
    #[arg(long = "of", value_enum, default_value_t = Of::Machine)]
    of: Of,
    /// Also the proposals already decided, their decision filled in (to change some).
    #[arg(long)]
    all: bool,
    /// Only segments matching this search query (words, "phrases", prefix*, OR, NOT).
    #[arg(long, value_name = "QUERY")]
    query: Option<String>,
    // --code and --dimension choose proposed codes here, not segments (see after_help).
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    privacy: PrivacyArgs,
    /// The sheet: FILE.xlsx, or FILE.csv (UTF-8 with a BOM, CRLF: what Excel opens as is).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: PathBuf,
    /// Replace FILE if it exists (a sheet being filled in is never replaced otherwise).
    #[arg(long)]
    force: bool,
}

/// Record the decisions of a filled-in review sheet (`decision`: accept/reject or a/r, any
/// case; empty rows are left for later) in codings/NAME.csv, as `qcode review` does.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Rows whose segment or code no longer exists are listed (file and row) and left out; \
the others are recorded, and the exit code is 1.

Example:
  qcode import review review.xlsx --coder ann"
)]
pub struct ImportArgs {
    /// The filled-in sheet: .xlsx or .csv (any delimiter, with or without a BOM).
    file: PathBuf,
    /// The person whose decisions these are; default: NAME of `[coding] use = "reviewed:NAME"`.
    #[arg(long, value_name = "NAME")]
    coder: Option<String>,
}

/// How a sheet is written, from its extension.
fn sheet_format(path: &std::path::Path) -> Result<bool> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .as_deref()
    {
        Some("xlsx") => Ok(true),
        Some("csv") => Ok(false),
        _ => bail!(
            "{}: a review sheet is FILE.xlsx or FILE.csv",
            path.display()
        ),
    }
}

pub fn export(ctx: &Context, args: &ExportArgs) -> Result<ExitCode> {
    let person = reviewer(ctx, args.coder.as_deref(), "export review")?;
    let xlsx = sheet_format(&args.output)?;
    if args.output.exists() && !args.force {
        bail!(
            "{} already exists (a sheet being filled in?); give another name, or --force to replace it",
            args.output.display()
        );
    }
    let privacy = args.privacy.privacy()?;
    let index = open_fresh_index(ctx)?;
    let of = Source::from(args.of);
    let session = open_session(&index, of, &args.filter, args.query.clone(), &person)?;
    if session.queue.proposals.is_empty() {
        ctx.note(format!("nothing to review: {}", nothing_proposed(of)));
        return Ok(ExitCode::from(1));
    }
    let redactor = privacy.redactor_for_index(&index)?;
    let rows = sheet_rows(&index, &session, args.all, &redactor)?;
    let bytes = if xlsx {
        write_xlsx(&rows)?
    } else {
        write_csv(&rows)
    };
    write_atomically(&args.output, &bytes)?;
    ctx.note(format!(
        "{}: {} proposal(s) for {person} to decide ({} of {} pending); fill in `decision` (accept or reject), then `qcode import review {} --coder {person}`",
        args.output.display(),
        rows.len(),
        session.pending(),
        session.queue.proposals.len(),
        args.output.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// How many unrecorded rows are named one by one.
const LISTED: usize = 20;

pub fn import(ctx: &Context, args: &ImportArgs) -> Result<ExitCode> {
    let person = reviewer(ctx, args.coder.as_deref(), "import review")?;
    let file = &args.file;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let sheet = read_decisions(file, &bytes)?;
    let index = open_fresh_index(ctx)?;
    let read = sheet.decided.len();
    let resolved = resolve(&index, sheet.decided)?;
    let (ok, bad) = (&resolved.ok, &resolved.unrecorded);
    let (mut add, mut remove) = (Vec::new(), Vec::new());
    let (mut accepted, mut rejected, mut unchanged) = (0, 0, 0);
    for (d, segment) in ok {
        let p = Proposal {
            segment_id: segment.id.clone(),
            code: d.code.clone(),
            at: 0,
        };
        if state_in(index.store(), &person, &p) == Some(d.verdict.status()) {
            unchanged += 1;
            continue;
        }
        match d.verdict {
            Verdict::Accept => accepted += 1,
            Verdict::Reject => rejected += 1,
        }
        let (row, removal) = decision(segment, &d.code, &person, d.verdict);
        add.push(row);
        remove.push(removal);
    }
    if !add.is_empty() {
        record(ctx, &person, &add, &remove)?;
    }
    for u in bad.iter().take(LISTED) {
        ctx.note(format!(
            "warning: {} row {}: {} on {}: not recorded: {}",
            file.display(),
            u.row,
            if u.code.is_empty() {
                "(no code)"
            } else {
                &u.code
            },
            if u.segment_id.is_empty() {
                "(no segment)"
            } else {
                &u.segment_id
            },
            u.why
        ));
    }
    if bad.len() > LISTED {
        ctx.note(format!("  … and {} more", bad.len() - LISTED));
    }
    let out = ctx.project.relative(&coder_file(ctx, &person));
    ctx.note(format!(
        "{}: {read} decision(s) read, {} row(s) left empty for later; {accepted} accepted and {rejected} rejected recorded in {out}{}{}",
        file.display(),
        sheet.undecided,
        if unchanged > 0 {
            format!(", {unchanged} already so")
        } else {
            String::new()
        },
        if bad.is_empty() {
            String::new()
        } else {
            format!("; {} not recorded (listed above)", bad.len())
        }
    ));
    Ok(if bad.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
