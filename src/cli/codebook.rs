//! `qcode codebook check` and `qcode codebook test`: the codebook's linter and its tests.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use rayon::prelude::*;

use qcode::codebook::{load, test_examples};
use qcode::coding::{pattern_counts, Matcher};
use qcode::transcript::{corpus_files, parse_file};

use super::Context;

/// Check or test the codebook.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Report every problem (file:line:col, with a caret and a hint), and warn about codes
    /// without examples and patterns that match nothing in the corpus. Exit 1 on errors.
    #[command(after_help = "Example:\n  qcode codebook check")]
    Check,
    /// Check that each code's examples are coded with it and its counterexamples are not.
    /// Exit 1 if any fails.
    #[command(after_help = "Example:\n  qcode codebook test")]
    Test,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    match args.command {
        Command::Check => check(ctx),
        Command::Test => test(ctx),
    }
}

fn check(ctx: &Context) -> Result<ExitCode> {
    let dir = &ctx.project.codebook_dir;
    let (codebook, mut warnings) = match load(dir) {
        Ok(ok) => ok,
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            eprintln!("{} error(s) in the codebook", errors.len());
            return Ok(ExitCode::from(1));
        }
    };
    // Patterns that match nothing in the corpus: likely a typo, or a word nobody uses.
    let files = corpus_files(&ctx.project).unwrap_or_default();
    let parsed: Vec<_> = files
        .par_iter()
        .filter_map(|(rel, path)| {
            let bytes = std::fs::read(path).ok()?;
            parse_file(&ctx.project, &codebook.roles, rel, path, &bytes).ok()
        })
        .collect();
    let texts: Vec<&str> = parsed
        .iter()
        .flat_map(|p| &p.interviews)
        .flat_map(|iv| &iv.segments)
        .filter(|s| !s.interviewer)
        .map(|s| s.text.as_str())
        .collect();
    if !texts.is_empty() {
        let counts = pattern_counts(&Matcher::new(&codebook), &texts);
        for (ci, code) in codebook.codes.iter().enumerate() {
            let unused: Vec<&str> = (0..code.patterns.len())
                .filter(|&pi| !counts.contains_key(&(ci as u32, false, pi as u32)))
                .map(|pi| code.patterns[pi].text.as_str())
                .collect();
            if !unused.is_empty() {
                warnings.push(qcode::diag::Warning {
                    location: format!("{}:{}", ctx.project.relative(&code.file), code.line),
                    message: format!(
                        "{} of {} patterns of `{}` match nothing in the corpus ({} segments): {}",
                        unused.len(),
                        code.patterns.len(),
                        code.id,
                        texts.len(),
                        unused.join(", ")
                    ),
                });
            }
        }
    }
    for w in &warnings {
        ctx.note(format!("warning: {w}"));
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "codebook {} {}: {} file(s), {} codes, {} patterns, {} roles; no errors, {} warning(s)",
        codebook.name,
        codebook.version,
        codebook.files.len(),
        codebook.codes.len(),
        codebook
            .codes
            .iter()
            .map(|c| c.patterns.len())
            .sum::<usize>(),
        codebook.roles.iter().count(),
        warnings.len()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn test(ctx: &Context) -> Result<ExitCode> {
    let codebook = match load(&ctx.project.codebook_dir) {
        Ok((cb, _)) => cb,
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            eprintln!("the codebook has errors; fix them first (`qcode codebook check`)");
            return Ok(ExitCode::from(2));
        }
    };
    let checks = test_examples(&codebook);
    let mut out = std::io::stdout().lock();
    let failed: Vec<_> = checks.iter().filter(|c| !c.passed).collect();
    for f in &failed {
        let kind = if f.example {
            "example"
        } else {
            "counterexample"
        };
        let got = if f.coded.is_empty() {
            "no code".to_string()
        } else {
            f.coded.join(", ")
        };
        let want = if f.example {
            format!("should be coded `{}`", f.code)
        } else {
            format!("should not be coded `{}`", f.code)
        };
        writeln!(
            out,
            "FAIL {} {kind} {}: {want}, but got {got}\n     {:?}",
            f.code, f.number, f.text
        )?;
    }
    writeln!(
        out,
        "{} passed, {} failed ({} codes, {} examples, {} counterexamples)",
        checks.len() - failed.len(),
        failed.len(),
        codebook.codes.len(),
        checks.iter().filter(|c| c.example).count(),
        checks.iter().filter(|c| !c.example).count()
    )?;
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
