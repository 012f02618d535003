//! `qcode report -o report.html`: one self-contained HTML page to look at the coding.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use qcode::export::Dataset;
use qcode::report::{render, ReportOptions};

use super::flags::PrivacyArgs;
use super::index::open_fresh_index;
use super::output::write_atomically;
use super::Context;

/// Write a self-contained HTML report (no network, no scripts): corpus summary, a heatmap of a
/// code dimension × speaker role, code frequencies, each code's definition with its top quotes,
/// and the respondent segments no code reached. Participants' names are masked unless
/// --with-names is given.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  qcode report -o report.html
  qcode report --dimension stakeholder --quotes 5 -o stakeholders.html")]
pub struct Args {
    #[arg(long, short = 'o', default_value = "report.html")]
    output: PathBuf,
    /// The code dimension on the heatmap's rows [default: component].
    #[arg(long)]
    dimension: Option<String>,
    /// Top quotes shown per code.
    #[arg(long, default_value_t = 3)]
    quotes: usize,
    /// The page's title (default: the project folder's name).
    #[arg(long)]
    title: Option<String>,
    #[command(flatten)]
    privacy: PrivacyArgs,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let privacy = args.privacy.privacy()?;
    let index = open_fresh_index(ctx)?;
    // Only a dimension asked for must exist: a codebook without `component` still reports.
    if let Some(dim) = &args.dimension {
        index.check_dimension(dim, "--dimension")?;
    }
    let redactor = privacy.redactor_for_index(&index)?;
    let dataset = Dataset::new(index.codebook().clone(), index.all_segments()?);
    let title = args.title.unwrap_or_else(|| {
        let name = ctx.project.folder_name();
        format!("qcode report: {}", name.unwrap_or_else(|| "project".into()))
    });
    let html = render(
        &dataset,
        &ReportOptions {
            dimension: args.dimension.unwrap_or_else(|| "component".into()),
            quotes_per_code: args.quotes,
            title,
            redactor,
        },
    );
    write_atomically(&args.output, html.as_bytes())?;
    ctx.note(format!("wrote {}", args.output.display()));
    Ok(ExitCode::SUCCESS)
}
