//! `qcode report -o report.html`: one self-contained HTML page to look at the coding.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use qcode::report::{render, Limits, ReportOptions, Summary};

use super::flags::{CoderArgs, PrivacyArgs};
use super::index::open_fresh_index;
use super::output::write_atomically;
use super::Context;

/// Write a self-contained HTML report (no network, no scripts): corpus summary, a heatmap of a
/// code dimension × speaker role, code frequencies, each code's definition with its top quotes,
/// and how many respondent segments no code reached, with the first few of them. Participants' names are masked unless
/// --with-names is given.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  qcode report -o report.html
  qcode report --dimension stakeholder --quotes 5 -o stakeholders.html")]
pub struct Args {
    #[arg(long, short = 'o', default_value = "report.html")]
    output: PathBuf,
    /// Write even over a symbolic link or one of the project's own files.
    #[arg(long)]
    force: bool,
    /// The code dimension on the heatmap's rows [default: component].
    #[arg(long)]
    dimension: Option<String>,
    /// Top quotes shown per code: the segments with the most hits of it, ties in corpus order.
    #[arg(long, default_value_t = 3)]
    quotes: usize,
    /// Uncoded segments shown (the first ones in corpus order); all are counted.
    #[arg(long, default_value_t = 10)]
    uncoded: usize,
    /// The page's title (default: the project folder's name).
    #[arg(long)]
    title: Option<String>,
    #[command(flatten)]
    privacy: PrivacyArgs,
    #[command(flatten)]
    coder: CoderArgs,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    super::output::check_target(&ctx.project, &args.output, args.force)?;
    let privacy = args.privacy.privacy()?;
    let mut index = open_fresh_index(ctx)?;
    args.coder.apply(&ctx.project.coding_use, &mut index)?;
    args.privacy.apply(ctx, &mut index)?;
    // Only a dimension asked for must exist: a codebook without `component` still reports.
    if let Some(dim) = &args.dimension {
        index.check_dimension(dim, "--dimension")?;
    }
    let redactor = privacy.redactor_for_index(&index)?;
    let limits = Limits {
        dimension: args.dimension.unwrap_or_else(|| "component".into()),
        quotes_per_code: args.quotes,
        uncoded_sample: args.uncoded,
    };
    let summary = Summary::read(&index, limits)?;
    let title = args.title.unwrap_or_else(|| {
        let name = ctx.project.folder_name();
        format!("qcode report: {}", name.unwrap_or_else(|| "project".into()))
    });
    let view = index.view();
    let coders = (!view.machine_only()).then(|| {
        view.tags()
            .iter()
            .map(|t| qcode::codings::view::label(t).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    });
    let html = render(
        &summary,
        &ReportOptions {
            title,
            redactor,
            coders,
        },
    );
    write_atomically(&args.output, html.as_bytes())?;
    ctx.note(format!("wrote {}", args.output.display()));
    Ok(ExitCode::SUCCESS)
}
