//! `qcode completions SHELL` and `qcode man`: shell completions and a man page, generated from
//! the same clap definition as `--help`, so they never disagree with it.

use std::process::ExitCode;

use anyhow::Result;
use clap::CommandFactory;

/// Print a completion script for a shell.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  qcode completions bash > ~/.local/share/bash-completion/completions/qcode
  qcode completions zsh > ~/.zfunc/_qcode
  qcode completions fish > ~/.config/fish/completions/qcode.fish")]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

pub fn completions(args: CompletionsArgs) -> Result<ExitCode> {
    let mut cmd = super::Cli::command();
    // Into a buffer first: clap_complete panics on a write error, and `| head` is not an error.
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "qcode", &mut buf);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &buf)?;
    Ok(ExitCode::SUCCESS)
}

/// Print the man page (roff).
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  qcode man > qcode.1 && man ./qcode.1")]
pub struct ManArgs {}

pub fn man(_: ManArgs) -> Result<ExitCode> {
    let page = clap_mangen::Man::new(super::Cli::command());
    page.render(&mut std::io::stdout())?;
    Ok(ExitCode::SUCCESS)
}
