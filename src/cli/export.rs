//! `qcode export quotes|wide|crosstab|cooccur|framework`: coded-quote matrices for reports, as
//! CSV (Excel-safe with --excel), JSON, XLSX or a terminal table, written atomically.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use indicatif::ProgressBar;

use qcode::export::{
    cooccur, crosstab, framework, quotes, wide, write_csv, write_json, write_table, write_xlsx,
    CountUnit, CrosstabOptions, CsvFlavour, Dataset, Export, FrameworkOptions, ListingOptions,
    Measure, Percent, Redactor, Table, Var,
};
use qcode::index::{Load, SearchRequest};

use super::index::open_fresh_index;
use super::output::parse_wheres;
use super::output::write_atomically;
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
    #[command(
        after_help = "Examples:\n  qcode export quotes --code trust -o trust-quotes.csv\n  qcode export quotes --role councillor --dimension component --excel -o quotes.csv"
    )]
    Quotes {
        #[command(flatten)]
        common: Common,
    },
    /// One row per segment, one column per code: 0/1, or hit counts with --counts.
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
    },
    /// The codebook as a REFI-QDA codebook (.qdc) for NVivo, ATLAS.ti, MAXQDA, QualCoder.
    #[command(after_help = "Example:\n  qcode export qdc -o codebook.qdc")]
    Qdc {
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The coded project as a REFI-QDA project (.qdpx): every transcript as a plain-text source,
    /// the codebook, one selection per coded segment with its codes, cases = interviews with
    /// their metadata and roles as variables.
    #[command(after_help = "Example:\n  qcode export qdpx -o demo.qdpx")]
    Qdpx {
        #[arg(long, short = 'o', value_name = "FILE")]
        output: PathBuf,
        /// Keep participants' names in the source texts (masked with █ by default, keeping
        /// every position).
        #[arg(long)]
        with_names: bool,
    },
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OutFormat {
    Csv,
    Json,
    Xlsx,
    /// Aligned text for a terminal.
    Table,
}

/// Filters (as in search) and output options shared by every export.
#[derive(Debug, clap::Args)]
struct Common {
    /// Only segments matching this search query (words, "phrases", prefix*, OR, NOT).
    #[arg(long, value_name = "QUERY")]
    query: Option<String>,
    /// Only segments coded with this code or a descendant (repeatable); quotes and wide also
    /// show only these codes.
    #[arg(long, value_name = "ID")]
    code: Vec<String>,
    /// Only segments with a code of this dimension (repeatable); quotes and wide also show only
    /// these codes.
    #[arg(long, value_name = "DIM")]
    dimension: Vec<String>,
    /// Only segments by this role: id, label or alias (repeatable).
    #[arg(long, value_name = "ROLE")]
    role: Vec<String>,
    /// Only segments of this interview (repeatable).
    #[arg(long, value_name = "ID")]
    interview: Vec<String>,
    /// Only segments whose metadata KEY equals VALUE (repeatable: all must hold).
    #[arg(long = "where", value_name = "KEY=VALUE")]
    wheres: Vec<String>,
    /// Write here (atomically: a temporary file renamed into place) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// csv (default; xlsx/json when FILE ends so), json, xlsx (needs -o) or table.
    #[arg(long, value_enum)]
    format: Option<OutFormat>,
    /// CSV for Excel: UTF-8 BOM, CRLF, cells starting with = + - @ neutralised.
    #[arg(long)]
    excel: bool,
    /// Show participants' names (declared in transcript headers) and stop masking them in text.
    #[arg(long)]
    with_names: bool,
    /// A file of names and places (one per line) to replace with [REDACTED] in exported text.
    #[arg(long, value_name = "FILE")]
    redact: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    match &args.kind {
        Kind::Qdc { output } => {
            let index = open_fresh_index(ctx)?;
            let xml = qcode::refi::codebook_qdc(index.codebook());
            match output {
                Some(p) => write_atomically(p, xml.as_bytes())?,
                None => std::io::stdout().lock().write_all(xml.as_bytes())?,
            }
            return Ok(ExitCode::SUCCESS);
        }
        Kind::Qdpx { output, with_names } => {
            let bytes = super::refi::qdpx(ctx, *with_names)?;
            write_atomically(output, &bytes)?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let (common, name) = match &args.kind {
        Kind::Quotes { common } => (common, "quotes"),
        Kind::Wide { common, .. } => (common, "wide"),
        Kind::Crosstab { common, .. } => (common, "crosstab"),
        Kind::Cooccur { common, .. } => (common, "cooccur"),
        Kind::Framework { common, .. } => (common, "framework"),
        Kind::Qdc { .. } | Kind::Qdpx { .. } => unreachable!("handled above"),
    };
    let format = output_format(common)?;
    let redact_list = match &common.redact {
        Some(p) => std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the redaction list {}", p.display()))?,
        None => String::new(),
    };
    let spinner = ProgressBar::new_spinner().with_message("loading segments");
    if !ctx.quiet {
        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    }
    // Read only what the export shows: text for listings, evidence for quotes' matched words.
    let what = Load {
        respondents_only: true,
        text: matches!(
            args.kind,
            Kind::Quotes { .. } | Kind::Wide { .. } | Kind::Framework { .. }
        ),
        evidence: matches!(args.kind, Kind::Quotes { .. }),
    };
    let (dataset, corpus_names) = load(ctx, common, what)?;
    spinner.set_message(format!("computing {name}"));
    let names = if common.with_names {
        Vec::new()
    } else {
        corpus_names
    };
    let redactor = Redactor::new(&redact_list, &names)?;
    let cb = &dataset.codebook;
    let shown_codes = code_selection(&dataset, common);
    let tables: Vec<Table> = match &args.kind {
        Kind::Quotes { .. } => vec![quotes(
            &dataset,
            &listing(common, shown_codes, redactor, false),
        )],
        Kind::Wide { counts, .. } => vec![wide(
            &dataset,
            &listing(common, shown_codes, redactor, *counts),
        )],
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
            crosstab(&dataset, &opts)?
        }
        Kind::Cooccur { of, measure, .. } => {
            let m = match measure {
                MeasureArg::Count => Measure::Count,
                MeasureArg::Jaccard => Measure::Jaccard,
            };
            vec![cooccur(&dataset, of.as_deref(), m)?]
        }
        Kind::Framework { of, max_chars, .. } => {
            vec![framework(
                &dataset,
                &FrameworkOptions {
                    dimension: of.clone(),
                    max_chars: *max_chars,
                    redactor,
                },
            )?]
        }
        Kind::Qdc { .. } | Kind::Qdpx { .. } => unreachable!("handled above"),
    };
    spinner.finish_and_clear();
    let export = Export {
        meta: dataset.meta(name),
        tables,
    };
    emit(&export, format, common)?;
    Ok(ExitCode::SUCCESS)
}

fn listing(
    common: &Common,
    codes: Option<Vec<usize>>,
    redactor: Redactor,
    counts: bool,
) -> ListingOptions {
    ListingOptions {
        codes,
        with_names: common.with_names,
        redactor,
        counts,
    }
}

fn output_format(common: &Common) -> Result<OutFormat> {
    let by_ext = common
        .output
        .as_deref()
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_lowercase);
    let format = common.format.unwrap_or(match by_ext.as_deref() {
        Some("xlsx") => OutFormat::Xlsx,
        Some("json") => OutFormat::Json,
        _ => OutFormat::Csv,
    });
    if format == OutFormat::Xlsx && common.output.is_none() {
        bail!("XLSX is a binary file: give -o FILE.xlsx");
    }
    if common.excel && format != OutFormat::Csv {
        bail!("--excel applies to CSV output only (XLSX never evaluates cells)");
    }
    Ok(format)
}

/// The segments to export: all respondent segments, or those the filters match.
fn load(ctx: &Context, c: &Common, what: Load) -> Result<(Dataset, Vec<String>)> {
    let index = open_fresh_index(ctx)?;
    let wheres = parse_wheres(&c.wheres)?;
    let filtered = c.query.is_some()
        || !c.code.is_empty()
        || !c.dimension.is_empty()
        || !c.role.is_empty()
        || !c.interview.is_empty()
        || !wheres.is_empty();
    let keep = if filtered {
        let req = SearchRequest {
            query: c.query.clone().unwrap_or_default(),
            roles: c.role.clone(),
            interviews: c.interview.clone(),
            wheres,
            codes: c.code.clone(),
            dimensions: c.dimension.clone(),
            ..SearchRequest::default()
        };
        Some(index.matching_ids(&req)?)
    } else {
        None
    };
    let segments = index.segments(what, keep.as_ref())?;
    let names = index.manifest.names();
    Ok((
        Dataset::new(index.codebook().clone(), segments, None),
        names,
    ))
}

/// The codes quotes and wide show: those asked for with --code (and descendants) or
/// --dimension, else all.
fn code_selection(ds: &Dataset, c: &Common) -> Option<Vec<usize>> {
    if c.code.is_empty() && c.dimension.is_empty() {
        return None;
    }
    let cb = &ds.codebook;
    Some(
        (0..cb.codes.len())
            .filter(|&i| {
                let code = &cb.codes[i];
                c.dimension.contains(&code.dimension)
                    || cb
                        .ancestors_and_self(&code.id)
                        .iter()
                        .any(|a| c.code.contains(a))
            })
            .collect(),
    )
}

fn emit(export: &Export, format: OutFormat, c: &Common) -> Result<()> {
    let render = |buf: &mut Vec<u8>| -> Result<()> {
        match format {
            OutFormat::Csv => write_csv(
                buf,
                export,
                if c.excel {
                    CsvFlavour::Excel
                } else {
                    CsvFlavour::Plain
                },
            )?,
            OutFormat::Json => write_json(buf, export)?,
            OutFormat::Table => write_table(buf, export, 60)?,
            OutFormat::Xlsx => buf.extend(write_xlsx(export)?),
        }
        Ok(())
    };
    let mut buf = Vec::new();
    render(&mut buf)?;
    match &c.output {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()?;
        }
        Some(path) => write_atomically(path, &buf)?,
    }
    Ok(())
}
