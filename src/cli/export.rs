//! `qcode export quotes|wide|crosstab|cooccur|framework`: coded-quote matrices for reports, as
//! CSV (Excel-safe with --excel), JSON, XLSX or a terminal table, written atomically.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use indicatif::ProgressBar;

use qcode::export::{
    load, stream_cooccur, stream_crosstab, stream_framework, stream_framework_csv, stream_listing,
    taguette_highlights, CountUnit, CrosstabOptions, CsvFlavour, Export, FrameworkOptions, Listing,
    ListingOptions, Measure, Percent, StreamError, Var, DEFAULT_WINDOW,
};
use qcode::index::{Filter, SearchIndex};
use qcode::privacy::Privacy;

use super::flags::{CoderArgs, FilterArgs, PrivacyArgs};
use super::index::open_fresh_index;
use super::output::{
    check_target, csv_flavour, persist, stdout_if_dash, temp_beside, write_atomically,
    write_export, Format, EXCEL_HELP, XLSX_NEEDS_FILE,
};
use super::Context;

/// Export coded quotes and matrices (quote lists, segment × code, crosstabs, co-occurrence,
/// framework matrices).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  qcode export crosstab --rows role --cols component --format table
  qcode export quotes --code trust -o trust-quotes.csv
  qcode export qdpx -o project.qdpx")]
pub struct Args {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Debug, clap::Subcommand)]
enum Kind {
    /// One row per (segment, code): ids, role, code, hits, matched words, text, metadata.
    ///
    /// --code and --dimension also choose which codes it lists; --with-names adds a
    /// speaker_name column.
    #[command(
        after_help = "Examples:\n  qcode export quotes --code trust -o trust-quotes.csv\n  qcode export quotes --role councillor --dimension component --excel -o quotes.csv"
    )]
    Quotes {
        #[command(flatten)]
        common: Common,
    },
    /// One row per segment, one column per code: 0/1, or hit counts with --counts.
    ///
    /// --code and --dimension also choose which code columns it has; --with-names adds a
    /// speaker_name column.
    #[command(
        after_help = "Example:\n  qcode export wide --dimension component --counts -o wide.csv"
    )]
    Wide {
        #[command(flatten)]
        common: Common,
        /// Hit counts instead of 0/1.
        #[arg(long)]
        counts: bool,
    },
    /// ROWS × COLS, each one of: role, code, a code dimension (component, stakeholder, …) or
    /// meta:KEY. Cells count segments, interviews or hits; totals row and column.
    #[command(after_help = "Examples:
  qcode export crosstab --rows component --cols role --format table
  qcode export crosstab --rows role --cols stakeholder --by component -o who-about-whom.xlsx
  qcode export crosstab --rows component --cols meta:area --count interviews --percent col")]
    Crosstab {
        #[command(flatten)]
        common: Common,
        #[arg(long, value_name = "VAR")]
        rows: String,
        #[arg(long, value_name = "VAR")]
        cols: String,
        /// One table per value of this variable.
        #[arg(long, value_name = "VAR")]
        by: Option<String>,
        #[arg(long, value_enum, default_value_t = CountArg::Segments)]
        count: CountArg,
        #[arg(long, value_enum)]
        percent: Option<PercentArg>,
    },
    /// Code × code: segments coded with both, or Jaccard (n12 / (n1 + n2 − n12)).
    #[command(
        after_help = "Example:\n  qcode export cooccur --of component --measure jaccard --format table"
    )]
    Cooccur {
        #[command(flatten)]
        common: Common,
        /// Only the codes of this dimension.
        #[arg(long = "of", value_name = "DIMENSION")]
        of: Option<String>,
        #[arg(long, value_enum, default_value_t = MeasureArg::Count)]
        measure: MeasureArg,
    },
    /// The Framework Method matrix: one row per interview, one column per code of a dimension,
    /// each cell that case's quotes (segment ids and text).
    #[command(
        after_help = "Example:\n  qcode export framework --of component --max-chars 200 -o framework.xlsx"
    )]
    Framework {
        #[command(flatten)]
        common: Common,
        /// The dimension whose codes are the columns.
        #[arg(long = "of", value_name = "DIMENSION", default_value = "component")]
        of: String,
        /// Cut each quote to this many characters.
        #[arg(long, default_value_t = 300)]
        max_chars: usize,
        /// A cell holds quotes up to this many characters; a note at its end counts the quotes
        /// left out (`qcode export quotes` lists every one). Bounds memory on a large case.
        #[arg(long, default_value_t = 1_000_000, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000_000))]
        max_cell_chars: usize,
    },
    /// Codings as Taguette's highlights (id, document, tag, content), which Taguette and
    /// `qcode import codings` read; the tags are those `qcode codebook export --format taguette`
    /// writes.
    #[command(after_help = "Examples:
  qcode codebook export --format taguette -o tags.csv
  qcode export taguette --coder ann -o highlights.csv")]
    Taguette {
        #[command(flatten)]
        common: Common,
    },
    /// The codebook as a REFI-QDA codebook (.qdc) for NVivo, ATLAS.ti, MAXQDA, QualCoder.
    #[command(after_help = "Example:\n  qcode export qdc -o codebook.qdc")]
    Qdc {
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Write even over a symbolic link or one of the project's own files.
        #[arg(long)]
        force: bool,
    },
    /// The coded project as a REFI-QDA project (.qdpx): every transcript as a plain-text source,
    /// the codebook, one selection per coded segment with its codes, cases = interviews with
    /// their metadata and roles as variables.
    #[command(
        after_help = "Examples:\n  qcode export qdpx -o demo.qdpx\n  qcode export qdpx --positions utf16 -o for-nvivo.qdpx"
    )]
    Qdpx {
        #[arg(long, short = 'o', value_name = "FILE")]
        output: PathBuf,
        #[command(flatten)]
        refi: super::refi::QdpxArgs,
        /// Participants' names (kept with --with-names) and --redact words are masked with █
        /// in the source texts, keeping every position.
        #[command(flatten)]
        privacy: PrivacyArgs,
        /// Write even over a symbolic link or one of the project's own files.
        #[arg(long)]
        force: bool,
    },
    /// The proposed codes still to decide, as a sheet to fill in (see `qcode import review`).
    Review(super::review_sheet::ExportArgs),
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum CountArg {
    Segments,
    Interviews,
    Hits,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PercentArg {
    Row,
    Col,
    Total,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum MeasureArg {
    Count,
    Jaccard,
}

/// Filters (as in search), privacy and output options shared by every export of segments.
#[derive(Debug, clap::Args)]
struct Common {
    /// Only segments matching this search query (words, "phrases", prefix*, OR, NOT).
    #[arg(long, value_name = "QUERY")]
    query: Option<String>,
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    privacy: PrivacyArgs,
    #[command(flatten)]
    coder: CoderArgs,
    /// Write here (atomically: a temporary file renamed into place) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write even over a symbolic link or one of the project's own files (corpus, codebook,
    /// codings, qcode.toml), which -o otherwise refuses.
    #[arg(long)]
    force: bool,
    /// csv (default; xlsx/json when FILE ends so), json, xlsx (needs -o) or table.
    #[arg(long, value_parser = Format::parser(Format::EXPORTED))]
    format: Option<Format>,
    #[arg(long, help = EXCEL_HELP)]
    excel: bool,
}

impl Common {
    fn flavour(&self) -> CsvFlavour {
        if self.excel {
            CsvFlavour::Excel
        } else {
            CsvFlavour::Plain
        }
    }
}

/// What every export of segments starts from: its flags turned into values, and the index
/// brought up to date.
struct Job<'a> {
    common: &'a Common,
    format: Format,
    filter: Filter,
    privacy: Privacy,
    index: SearchIndex,
}

pub fn run(ctx: &Context, mut args: Args) -> Result<ExitCode> {
    match &mut args.kind {
        Kind::Qdc { output, .. } => stdout_if_dash(output),
        Kind::Quotes { common }
        | Kind::Wide { common, .. }
        | Kind::Crosstab { common, .. }
        | Kind::Cooccur { common, .. }
        | Kind::Framework { common, .. }
        | Kind::Taguette { common } => stdout_if_dash(&mut common.output),
        Kind::Qdpx { .. } | Kind::Review(_) => {}
    }
    let common = match &args.kind {
        Kind::Qdc { output, force } => {
            if let Some(p) = output {
                check_target(&ctx.project, p, *force)?;
            }
            let index = open_fresh_index(ctx)?;
            let xml = qcode::refi::codebook_qdc(index.codebook())?;
            match output {
                Some(p) => write_atomically(p, xml.as_bytes())?,
                None => std::io::stdout().lock().write_all(xml.as_bytes())?,
            }
            return Ok(ExitCode::SUCCESS);
        }
        Kind::Qdpx {
            output,
            refi,
            privacy,
            force,
        } => {
            check_target(&ctx.project, output, *force)?;
            let bytes = super::refi::qdpx(ctx, privacy, refi)?;
            write_atomically(output, &bytes)?;
            return Ok(ExitCode::SUCCESS);
        }
        Kind::Review(args) => return super::review_sheet::export(ctx, args),
        Kind::Quotes { common }
        | Kind::Wide { common, .. }
        | Kind::Crosstab { common, .. }
        | Kind::Cooccur { common, .. }
        | Kind::Framework { common, .. }
        | Kind::Taguette { common } => common,
    };
    if let Some(p) = &common.output {
        check_target(&ctx.project, p, common.force)?;
    }
    let format = output_format(common)?;
    let filter = common
        .filter
        .filter(common.query.clone().unwrap_or_default(), false)?;
    let privacy = common.privacy.privacy()?;
    let mut index = open_fresh_index(ctx)?;
    common.coder.apply(&ctx.project.coding_use, &mut index)?;
    common.privacy.apply(ctx, &mut index)?;
    let job = Job {
        common,
        format,
        filter,
        privacy,
        index,
    };
    // A typo in a filter is an error with a hint, not an empty export.
    job.filter.check(&job.index)?;
    if let Kind::Cooccur { of: Some(of), .. } = &args.kind {
        job.index.check_dimension(of, "--of")?;
    }
    match &args.kind {
        Kind::Quotes { .. } => listing(ctx, &job, Listing::Quotes, false)?,
        Kind::Wide { counts, .. } => listing(ctx, &job, Listing::Wide, *counts)?,
        Kind::Framework {
            of,
            max_chars,
            max_cell_chars,
            ..
        } => {
            let opts = FrameworkOptions {
                dimension: of.clone(),
                max_chars: *max_chars,
                max_cell_chars: *max_cell_chars,
                redactor: job.privacy.redactor_for_index(&job.index)?,
            };
            framework(ctx, &job, &opts)?;
        }
        Kind::Taguette { .. } => taguette(ctx, &job)?,
        _ => matrix(ctx, &job, &args.kind)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The framework matrix: as CSV a case at a time as the stream passes it, else built whole and
/// written in `format`.
fn framework(ctx: &Context, job: &Job, opts: &FrameworkOptions) -> Result<()> {
    let c = job.common;
    if job.format == Format::Csv {
        let write = |out: &mut dyn Write| {
            let window = stream_window();
            stream_framework_csv(&job.index, &job.filter, opts, c.flavour(), window, out)
        };
        return to_output(c, write);
    }
    let export = stream_framework(&job.index, &job.filter, opts, stream_window())?;
    emit(&export, job.format, c, ctx)
}

/// A streamed CSV to stdout, or to the output file by way of a temporary beside it.
fn to_output(c: &Common, write: impl Fn(&mut dyn Write) -> Result<(), StreamError>) -> Result<()> {
    match &c.output {
        None => Ok(write(&mut std::io::stdout().lock())?),
        Some(path) => {
            let mut tmp = temp_beside(path)?;
            write(tmp.as_file_mut())?;
            persist(tmp, path)
        }
    }
}

/// quotes or wide: as CSV streamed straight out, else built whole and written in `format`.
fn listing(ctx: &Context, job: &Job, listing: Listing, counts: bool) -> Result<()> {
    let opts = ListingOptions::for_index(&job.index, &job.filter, &job.privacy, counts)?;
    let c = job.common;
    if job.format == Format::Csv {
        let write = |out: &mut dyn Write| {
            stream_listing(
                &job.index,
                &job.filter,
                listing,
                &opts,
                c.flavour(),
                stream_window(),
                out,
            )
        };
        return to_output(c, write);
    }
    let name = match listing {
        Listing::Quotes => "quotes",
        Listing::Wide => "wide",
    };
    let spinner = spinner(ctx);
    let dataset = load(&job.index, &job.filter, listing.load())?;
    spinner.set_message(format!("computing {name}"));
    let table = listing.table(&dataset, &opts);
    spinner.finish_and_clear();
    let export = Export {
        meta: dataset.meta(name),
        tables: vec![table],
    };
    emit(&export, job.format, c, ctx)
}

/// Codings as Taguette's highlights, masked as the listings are.
fn taguette(ctx: &Context, job: &Job) -> Result<()> {
    let spinner = spinner(ctx);
    let dataset = load(&job.index, &job.filter, Listing::Quotes.load())?;
    let redactor = job.privacy.redactor_for_index(&job.index)?;
    let table = taguette_highlights(&dataset, &redactor);
    spinner.finish_and_clear();
    let export = Export {
        meta: dataset.meta("taguette"),
        tables: vec![table],
    };
    emit(&export, job.format, job.common, ctx)
}

/// crosstab and cooccur, computed from the codes alone (no text is read), a window of segments
/// at a time.
fn matrix(ctx: &Context, job: &Job, kind: &Kind) -> Result<()> {
    let spinner = spinner(ctx);
    let cb = job.index.codebook();
    let export = match kind {
        Kind::Crosstab {
            rows,
            cols,
            by,
            count,
            percent,
            ..
        } => {
            let opts = CrosstabOptions {
                rows: Var::parse(rows, cb)?,
                cols: Var::parse(cols, cb)?,
                by: by.as_deref().map(|b| Var::parse(b, cb)).transpose()?,
                count: match count {
                    CountArg::Segments => CountUnit::Segments,
                    CountArg::Interviews => CountUnit::Interviews,
                    CountArg::Hits => CountUnit::Hits,
                },
                percent: percent.map(|p| match p {
                    PercentArg::Row => Percent::Row,
                    PercentArg::Col => Percent::Col,
                    PercentArg::Total => Percent::Total,
                }),
            };
            spinner.set_message("computing crosstab");
            stream_crosstab(&job.index, &job.filter, &opts, stream_window())?
        }
        Kind::Cooccur { of, measure, .. } => {
            let m = match measure {
                MeasureArg::Count => Measure::Count,
                MeasureArg::Jaccard => Measure::Jaccard,
            };
            spinner.set_message("computing cooccur");
            stream_cooccur(&job.index, &job.filter, of.as_deref(), m, stream_window())?
        }
        _ => unreachable!("only the matrices come here"),
    };
    spinner.finish_and_clear();
    emit(&export, job.format, job.common, ctx)
}

/// A spinner on stderr while segments are read (none with --quiet).
fn spinner(ctx: &Context) -> ProgressBar {
    let spinner = ProgressBar::new_spinner().with_message("loading segments");
    if !ctx.quiet {
        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    }
    spinner
}

fn output_format(common: &Common) -> Result<Format> {
    let by_ext = common
        .output
        .as_deref()
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_lowercase);
    let format = common.format.unwrap_or(match by_ext.as_deref() {
        Some("xlsx") => Format::Xlsx,
        Some("json") => Format::Json,
        _ => Format::Csv,
    });
    if format == Format::Xlsx && common.output.is_none() {
        bail!(XLSX_NEEDS_FILE);
    }
    csv_flavour(common.excel, format)?;
    Ok(format)
}

/// Segments read per window when streaming. `QCODE_EXPORT_WINDOW` overrides the library's
/// default (the tests use tiny windows to show the output does not depend on it).
fn stream_window() -> usize {
    std::env::var("QCODE_EXPORT_WINDOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_WINDOW)
}

fn emit(export: &Export, format: Format, c: &Common, ctx: &Context) -> Result<()> {
    let render = |out: &mut dyn Write| write_export(out, export, format, c.flavour(), 60);
    let warnings = match &c.output {
        None => {
            // Rendered whole first, so an error never leaves half a table on stdout.
            let mut buf = Vec::new();
            let warnings = render(&mut buf)?;
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()?;
            warnings
        }
        Some(path) => {
            // Straight into the temporary file: no second copy of a large export in memory.
            let mut tmp = temp_beside(path)?;
            let warnings = {
                let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
                let warnings = render(&mut w).map_err(|e| on_write(e, path))?;
                w.flush().map_err(|e| on_write(e.into(), path))?;
                warnings
            };
            persist(tmp, path)?;
            warnings
        }
    };
    for w in warnings {
        ctx.note(format!("warning: {w}"));
    }
    Ok(())
}

/// A failed write named for its cause: the file system's error with the file, anything else
/// (a workbook that cannot be made) as it is.
fn on_write(e: anyhow::Error, path: &std::path::Path) -> anyhow::Error {
    match e.downcast_ref::<std::io::Error>() {
        Some(io) => anyhow::anyhow!("cannot write {}: {io}", path.display()),
        None => e,
    }
}
