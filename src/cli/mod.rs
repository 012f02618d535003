//! The command line: one file per subcommand, each with its usage, an Args struct and `run()`.
//! Flags are parsed into plain values here; the library does the work and never prints.

mod agree;
mod code;
mod codebook;
mod codes;
mod completions;
mod count;
mod export;
mod flags;
mod import;
mod import_codings;
mod index;
mod memo;
pub mod output;
mod privacy;
mod record;
mod refi;
mod report;
mod review;
mod review_sheet;
mod review_ui;
mod roles;
mod search;
mod segments;
mod serve;
mod suggest;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use qcode::project::Project;

#[derive(Debug, Parser)]
#[command(
    name = "qcode",
    version,
    about = "Code, search and export qualitative interview transcripts",
    long_about = "qcode reads a project folder (corpus/, codebook/, optional qcode.toml), indexes its \
transcripts into .qcode/ (coding every segment with the codebook), and searches quotes by words, \
code, role, speaker and metadata.",
    after_help = "Examples:\n  qcode index\n  qcode search trust --role council_officer\n  qcode search '' --code trust --dimension stakeholder\n  qcode code --explain northmoor-01:6.3\n  qcode codes --uncoded\n  qcode suggest --dimension component\n  qcode codebook check\n  qcode export crosstab --rows role --cols component --format table\n  qcode --project ~/study search \"early win*\" --where area=Northmoor"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// The flags every subcommand takes.
#[derive(Debug, clap::Args)]
pub struct Global {
    /// The project folder (default: the current directory).
    #[arg(long, global = true, value_name = "DIR", default_value = ".")]
    pub project: PathBuf,
    /// Print errors only.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more: each file indexed or removed, timings.
    #[arg(long, short, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Index(index::Args),
    Search(search::Args),
    Code(code::Args),
    Codes(codes::Args),
    Codebook(codebook::Args),
    Export(export::Args),
    Agree(agree::Args),
    Import(import::Args),
    Report(report::Args),
    Completions(completions::CompletionsArgs),
    Man(completions::ManArgs),
    Segments(segments::Args),
    Count(count::Args),
    Memo(memo::MemoArgs),
    Memos(memo::MemosArgs),
    Roles(roles::Args),
    Review(review::Args),
    Privacy(privacy::Args),
    Suggest(suggest::Args),
    Serve(serve::Args),
}

impl Cli {
    /// This process's command line. A search (the command run most often, and the one that
    /// must start fastest) is read by a parser that knows only `search`: building every
    /// subcommand's flags costs more than a served search's own work. Whatever that parser
    /// does not take, the whole one reads, so help, versions and errors are its own.
    pub fn from_args() -> Cli {
        let is_search = std::env::args_os().skip(1).any(|a| a == "search");
        is_search
            .then(|| serve::SearchLine::parse_search(std::env::args_os()))
            .flatten()
            .unwrap_or_else(<Cli as clap::Parser>::parse)
    }
}

/// This process's command: a search sent to `qcode serve` first, when one answers for the
/// project; anything else (and a search no server answered) parsed and run here.
pub fn main() -> Result<ExitCode> {
    let asked = serve::ask_first()?;
    if let serve::Asking::Answered(code) = asked {
        return Ok(code);
    }
    run(Cli::from_args(), matches!(asked, serve::Asking::Skipped))
}

/// Run `cli`; `ask`: whether a search may still be sent to `qcode serve`.
pub fn run(cli: Cli, ask: bool) -> Result<ExitCode> {
    // These need no project.
    match cli.command {
        Command::Completions(args) => return completions::completions(args),
        Command::Man(args) => return completions::man(args),
        _ => {}
    }
    // A search goes to `qcode serve` when one answers for the project; it is run here if not.
    if let (Command::Search(args), true) = (&cli.command, ask) {
        if let Some(code) = serve::ask(&cli.global, args)? {
            return Ok(code);
        }
    }
    let project = Project::open(&cli.global.project)?;
    let ctx = Context {
        project,
        quiet: cli.global.quiet,
        verbose: cli.global.verbose,
        served: None,
    };
    match cli.command {
        Command::Index(args) => index::run(&ctx, args),
        Command::Search(args) => search::run(&ctx, args),
        Command::Code(args) => code::run(&ctx, args),
        Command::Codes(args) => codes::run(&ctx, args),
        Command::Codebook(args) => codebook::run(&ctx, args),
        Command::Export(args) => export::run(&ctx, args),
        Command::Agree(args) => agree::run(&ctx, args),
        Command::Import(args) => import::run(&ctx, args),
        Command::Report(args) => report::run(&ctx, args),
        Command::Completions(_) | Command::Man(_) => unreachable!("handled above"),
        Command::Segments(args) => segments::run(&ctx, args),
        Command::Count(args) => count::run(&ctx, args),
        Command::Memo(args) => memo::memo(&ctx, args),
        Command::Memos(args) => memo::memos(&ctx, args),
        Command::Roles(args) => roles::run(&ctx, args),
        Command::Review(args) => review::run(&ctx, args),
        Command::Privacy(args) => privacy::run(&ctx, args),
        Command::Suggest(args) => suggest::run(&ctx, args),
        Command::Serve(args) => serve::run(&ctx, args),
    }
}

/// What every subcommand gets: the project and the global flags.
pub struct Context {
    pub project: Project,
    pub quiet: bool,
    pub verbose: bool,
    /// Set when `qcode serve` runs the command for another process: messages are kept for
    /// that process, and the index stays open between commands.
    pub served: Option<serve::Served>,
}

impl Context {
    /// A message for the user on stderr, unless --quiet.
    pub fn note(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            self.say(&msg.to_string());
        }
    }

    /// Detail for --verbose only.
    pub fn detail(&self, msg: impl std::fmt::Display) {
        if self.verbose {
            self.say(&msg.to_string());
        }
    }

    fn say(&self, msg: &str) {
        let line = output::for_stderr(msg);
        match &self.served {
            Some(served) => served.say(&line),
            None => eprintln!("{line}"),
        }
    }

    /// Whether the process ends with this command (not so in `qcode serve`).
    pub fn ends_process(&self) -> bool {
        self.served.is_none()
    }
}
