//! `qcode review`: walk the proposed codings one at a time in a terminal screen and accept or
//! reject each (the screen itself is [`super::review_ui`]); the queue, the session and what a
//! decision writes are the library's ([`qcode::review`]). Also the review columns `qcode codes
//! --coder NAME` adds.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{bail, Result};

use qcode::codings::{Coder, Status, REVIEWED};
use qcode::index::SearchIndex;
use qcode::review::{build_queue, progress, Progress, Session, Source};

use super::flags::{person, FilterArgs, PrivacyArgs};
use super::index::open_fresh_index;
use super::review_ui::{run_screen, App};
use super::Context;

/// Accept or reject proposed codes one segment at a time (a terminal screen; keys a, r, c, m,
/// b, s, q). Each decision is written to codings/NAME.csv at once, so quitting and coming back
/// resumes at the next pending proposal.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Keys: a accept · r reject · c add another code · m memo · b back · s skip · q quit · ? help · ↑↓ scroll

--code and --dimension choose which proposed codes are reviewed (a code with its descendants); \
the other filters choose which segments.

Examples:
  qcode review --coder ann                      # the machine's codes, all of them
  qcode review --coder ann --code trust --interview northmoor-01
  qcode review --coder ann --of suggested       # the suggestions saved in codings/
  qcode export review --coder ann -o review.xlsx  # or decide in a spreadsheet"
)]
pub struct Args {
    /// The person reviewing (their decisions go to codings/NAME.csv); default: NAME of
    /// qcode.toml's `[coding] use = "reviewed:NAME"`.
    #[arg(long, value_name = "NAME")]
    coder: Option<String>,
    /// Whose proposals: the machine's codes, or the suggestions saved in codings/ (coder
    /// `suggested`, status `proposed`).
    #[arg(long = "of", value_enum, default_value_t = Of::Machine)]
    of: Of,
    /// Only segments matching this search query (words, "phrases", prefix*, OR, NOT).
    #[arg(long, value_name = "QUERY")]
    query: Option<String>,
    // --code and --dimension choose proposed codes here, not segments (see after_help).
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    privacy: PrivacyArgs,
}

/// Whose proposals are reviewed (`--of`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Of {
    Machine,
    Suggested,
}

impl From<Of> for Source {
    fn from(of: Of) -> Source {
        match of {
            Of::Machine => Source::Machine,
            Of::Suggested => Source::Suggested,
        }
    }
}

/// The person reviewing: `--coder`, else NAME of `[coding] use = "reviewed:NAME"`.
pub fn reviewer(ctx: &Context, coder: Option<&str>, what: &str) -> Result<String> {
    match coder {
        Some(name) => person(name, what),
        None => match ctx.project.coding_use.strip_prefix(REVIEWED) {
            Some(name) => person(name, what),
            None => bail!("{what} needs --coder NAME: the person whose decisions these are"),
        },
    }
}

/// The session `qcode review` and `qcode export review` start from: the queue of `of`'s
/// proposals the filters keep, with `person`'s decisions so far.
pub fn open_session(
    index: &SearchIndex,
    of: Source,
    filter: &FilterArgs,
    query: Option<String>,
    person: &str,
) -> Result<Session> {
    let filter = filter.filter(query.unwrap_or_default(), true)?;
    filter.check(index)?;
    let queue = build_queue(index, of, &filter)?;
    Ok(Session::new(queue, index.store(), person))
}

/// What to say when there are no proposals at all.
pub fn nothing_proposed(of: Source) -> String {
    match of {
        Source::Machine => "the machine proposes no code on these segments".into(),
        Source::Suggested => "no suggestions are saved in codings/ (rows of coder `suggested` with status `proposed`; `qcode suggest --save` writes them)".into(),
    }
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let person = reviewer(ctx, args.coder.as_deref(), "review")?;
    let privacy = args.privacy.privacy()?;
    let started = std::time::Instant::now();
    let index = open_fresh_index(ctx)?;
    let of = Source::from(args.of);
    let session = open_session(&index, of, &args.filter, args.query, &person)?;
    ctx.detail(format!(
        "review opened in {:.3}s: {} proposal(s), {} pending",
        started.elapsed().as_secs_f64(),
        session.queue.proposals.len(),
        session.pending()
    ));
    if session.queue.proposals.is_empty() {
        ctx.note(format!("nothing to review: {}", nothing_proposed(of)));
        return Ok(ExitCode::from(1));
    }
    if session.pending() == 0 {
        ctx.note(format!(
            "nothing to review: {person} has decided all {} proposal(s) here",
            session.queue.proposals.len()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let scripted = std::env::var_os(super::review_ui::SCRIPT_ENV).is_some();
    let terminal = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    if !(scripted || terminal) {
        bail!("qcode review needs a terminal; to decide in a spreadsheet instead: qcode export review --coder {person} -o review.xlsx");
    }
    let redactor = privacy.redactor_for_index(&index)?;
    let app = App::new(ctx, &index, session, redactor);
    let summary = run_screen(app)?;
    ctx.note(summary);
    Ok(ExitCode::SUCCESS)
}

/// The review progress `qcode codes` shows beside each code, when it reads one person's codings
/// or review (`--coder NAME`, `--coder reviewed:NAME`): accepted, rejected, pending per code.
pub fn progress_for(
    index: &mut SearchIndex,
) -> Result<Option<std::collections::BTreeMap<String, Progress>>> {
    let name = match index.view().coders.as_slice() {
        [Coder::Person(n)] | [Coder::Reviewed(n)] => n.clone(),
        _ => return Ok(None),
    };
    Ok(Some(progress(index, &name)?))
}

/// A decision as the screen and summaries say it.
pub fn said(status: Status) -> &'static str {
    match status {
        Status::Accepted => "accepted",
        Status::Rejected => "rejected",
        Status::Coded => "coded by hand",
        Status::Proposed => "pending",
    }
}
