//! `qcode import qdpx FILE`: a project from another QDA tool becomes corpus documents (new files,
//! never overwriting) and a human codings file tied to our segments, ready for `qcode agree`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use qcode::codebook::load_codebook;
use qcode::refi::import::{read_qdpx, Positions};
use qcode::refi::import_plan::{plan_import, CodeMap};

use super::output::write_atomically;
use super::Context;

/// Import a REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA, QualCoder or qcode.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  qcode import qdpx coded-in-nvivo.qdpx")]
pub struct Args {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Debug, clap::Subcommand)]
enum Kind {
    /// Write the project's text sources into the corpus (as new files) and its codings into
    /// codings/NAME.csv, each selection tied to every segment it overlaps (the overlap recorded).
    #[command(after_help = "Examples:
  qcode import qdpx coded-in-nvivo.qdpx            # positions read as NVivo counts them (detected)
  qcode import qdpx team.qdpx --positions crlf     # say how the tool counted, when detection cannot
  qcode agree codings/team.csv                     # then compare with the machine")]
    Qdpx {
        file: PathBuf,
        /// How the tool counted positions: auto (from the project's origin: NVivo → utf16,
        /// MAXQDA → crlf, else codepoints), codepoints (the standard; ATLAS.ti, QualCoder, qcode),
        /// crlf (code points, CRLF counting two), utf16 (UTF-16 units, CRLF kept).
        #[arg(long, value_enum, default_value_t = PositionsArg::Auto)]
        positions: PositionsArg,
        /// Name every coding's coder this (default: the project's user names).
        #[arg(long)]
        coder: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PositionsArg {
    Auto,
    Codepoints,
    Crlf,
    Utf16,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let Kind::Qdpx {
        file,
        positions,
        coder,
    } = args.kind;
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let project = read_qdpx(&bytes).with_context(|| format!("{}", file.display()))?;
    let mode = match positions {
        PositionsArg::Codepoints => Positions::CodePoints,
        PositionsArg::Crlf => Positions::Crlf,
        PositionsArg::Utf16 => Positions::Utf16,
        PositionsArg::Auto => Positions::from_origin(project.origin.as_deref()),
    };
    ctx.note(format!(
        "{}: {} sources, {} codes, origin {:?}; positions read as {mode:?}",
        file.display(),
        project.sources.len(),
        project.codes.len(),
        project.origin.as_deref().unwrap_or("not given")
    ));
    let codebook = load_codebook(&ctx.project.codebook_dir)?;
    let code_map = CodeMap::new(&project, &codebook);
    for unknown in &code_map.unknown {
        ctx.note(format!("warning: {unknown}"));
    }
    // Every selection is checked before anything is written.
    let plan = plan_import(
        &ctx.project,
        &codebook,
        &project,
        &code_map,
        mode,
        coder.as_deref(),
        &file,
    )
    .with_context(|| format!("{}", file.display()))?;
    for w in &plan.unsegmented {
        ctx.note(format!("warning: {w}"));
    }
    std::fs::create_dir_all(&ctx.project.corpus_dir)?;
    let new: Vec<_> = plan.sources.iter().filter(|s| !s.present).collect();
    for s in &new {
        write_atomically(&s.path, s.text.as_bytes())?;
    }
    let out = &plan.codings_path;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    write_atomically(out, &plan.codings_csv()?)?;
    let unsegmented = plan.unsegmented.len();
    ctx.note(format!(
        "{} source(s) written to the corpus, {} already there{}; {} coding row(s) in {}; compare with `qcode agree {}`",
        new.len(),
        plan.sources.len() - new.len(),
        if unsegmented > 0 { format!(", {unsegmented} without speaker turns") } else { String::new() },
        plan.codings.len(),
        ctx.project.relative(out),
        ctx.project.relative(out)
    ));
    Ok(ExitCode::SUCCESS)
}
