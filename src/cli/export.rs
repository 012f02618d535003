//! `qcode export quotes|wide|crosstab|cooccur|framework`: coded-quote matrices for reports, as
//! CSV (Excel-safe with --excel), JSON, XLSX or a terminal table, written atomically.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use indicatif::ProgressBar;

use qcode::codebook::Codebook;
use qcode::export::{
    cooccur, crosstab, quotes, wide, write_csv, write_csv_header, write_csv_rows, write_json,
    write_table, write_xlsx, CountUnit, CrosstabOptions, CsvFlavour, Dataset, Export, ExportMeta,
    Framework, FrameworkOptions, ListingOptions, Measure, Percent, Redactor, Table, Var,
};
use qcode::index::{Load, SearchIndex, SearchRequest};
use rayon::prelude::*;

use super::index::open_fresh_index;
use super::output::parse_wheres;
use super::output::{persist, temp_beside, write_atomically};
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
            let xml = qcode::refi::codebook_qdc(index.codebook())?;
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
    if format == OutFormat::Csv && matches!(args.kind, Kind::Quotes { .. } | Kind::Wide { .. }) {
        return stream_listing(ctx, &args.kind, common, &redact_list);
    }
    if let Kind::Framework { of, max_chars, .. } = &args.kind {
        return stream_framework(ctx, common, of, *max_chars, &redact_list, format);
    }
    let spinner = ProgressBar::new_spinner().with_message("loading segments");
    if !ctx.quiet {
        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    }
    // Read only what the export shows: text for listings, evidence for quotes' matched words.
    let what = Load {
        respondents_only: true,
        text: matches!(args.kind, Kind::Quotes { .. } | Kind::Wide { .. }),
        evidence: matches!(args.kind, Kind::Quotes { .. }),
    };
    let (dataset, corpus_names, meta_keys) = load(ctx, common, what)?;
    spinner.set_message(format!("computing {name}"));
    let names = if common.with_names {
        Vec::new()
    } else {
        corpus_names
    };
    let redactor = Redactor::new(&redact_list, &names)?;
    let cb = &dataset.codebook;
    let shown_codes = code_selection(&dataset.codebook, common);
    let tables: Vec<Table> = match &args.kind {
        Kind::Quotes { .. } => vec![quotes(
            &dataset,
            &listing(common, shown_codes, redactor, false, meta_keys),
        )],
        Kind::Wide { counts, .. } => vec![wide(
            &dataset,
            &listing(common, shown_codes, redactor, *counts, meta_keys),
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
        Kind::Framework { .. } | Kind::Qdc { .. } | Kind::Qdpx { .. } => {
            unreachable!("handled above")
        }
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
    meta_keys: Vec<String>,
) -> ListingOptions {
    ListingOptions {
        codes,
        with_names: common.with_names,
        redactor,
        counts,
        meta_keys: Some(meta_keys),
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
/// The dataset, the corpus's participant names and its metadata keys (the `meta:` columns of
/// quotes and wide: the same whatever the filters, so exports line up).
fn load(ctx: &Context, c: &Common, what: Load) -> Result<(Dataset, Vec<String>, Vec<String>)> {
    let index = open_fresh_index(ctx)?;
    let keep = filter_ids(&index, c)?;
    let segments = index.segments(what, keep.as_ref())?;
    Ok((
        Dataset::new(index.codebook().clone(), segments),
        index.manifest.names(),
        index.manifest.meta_keys(),
    ))
}

/// The ids of the segments the filters keep, or None when there is no filter.
fn filter_ids(index: &SearchIndex, c: &Common) -> Result<Option<HashSet<String>>> {
    let wheres = parse_wheres(&c.wheres)?;
    let filtered = c.query.is_some()
        || !c.code.is_empty()
        || !c.dimension.is_empty()
        || !c.role.is_empty()
        || !c.interview.is_empty()
        || !wheres.is_empty();
    if !filtered {
        return Ok(None);
    }
    let req = SearchRequest {
        query: c.query.clone().unwrap_or_default(),
        roles: c.role.clone(),
        interviews: c.interview.clone(),
        wheres,
        codes: c.code.clone(),
        dimensions: c.dimension.clone(),
        ..SearchRequest::default()
    };
    Ok(Some(index.matching_ids(&req)?))
}

/// What a streamed export starts from: the index (brought up to date), the ids the filters
/// keep, and the names to mask (none with --with-names).
fn open_for_streaming(
    ctx: &Context,
    c: &Common,
) -> Result<(SearchIndex, Option<HashSet<String>>, Vec<String>)> {
    let index = open_fresh_index(ctx)?;
    let keep = filter_ids(&index, c)?;
    let names = if c.with_names {
        Vec::new()
    } else {
        index.manifest.names()
    };
    Ok((index, keep, names))
}

/// Segments read per window when streaming a listing: bounds memory whatever the corpus size.
/// `QCODE_EXPORT_WINDOW` overrides it (the tests use tiny windows).
fn stream_window() -> usize {
    std::env::var("QCODE_EXPORT_WINDOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(32_768)
}

/// quotes and wide as CSV, streamed: segments are read window by window in transcript order
/// (the order comes from fast fields), each window's rows are built and rendered in parallel
/// and written before the next is read. Same bytes as building the whole table first.
fn stream_listing(ctx: &Context, kind: &Kind, c: &Common, redact_list: &str) -> Result<ExitCode> {
    let (index, keep, names) = open_for_streaming(ctx, c)?;
    let codebook = index.codebook().clone();
    let empty = Dataset::new(codebook.clone(), Vec::new());
    let (is_quotes, counts) = match kind {
        Kind::Quotes { .. } => (true, false),
        Kind::Wide { counts, .. } => (false, *counts),
        _ => unreachable!("only listings stream"),
    };
    let opts = listing(
        c,
        code_selection(&codebook, c),
        Redactor::new(redact_list, &names)?,
        counts,
        index.manifest.meta_keys(),
    );
    let table_of = |ds: &Dataset| {
        if is_quotes {
            quotes(ds, &opts)
        } else {
            wide(ds, &opts)
        }
    };
    let flavour = if c.excel {
        CsvFlavour::Excel
    } else {
        CsvFlavour::Plain
    };
    let load = Load {
        respondents_only: true,
        text: true,
        evidence: is_quotes,
    };
    let write_all = |out: &mut dyn Write| -> Result<()> {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
        write_csv_header(&mut out, &table_of(&empty).header, flavour)?;
        for window in index.ordered_addresses()?.chunks(stream_window()) {
            let segments = index.segments_at(window, load, keep.as_ref())?;
            let table = table_of(&Dataset::new(codebook.clone(), segments));
            let parts: Vec<Vec<u8>> = table
                .rows
                .par_chunks(1024)
                .map(|rows| {
                    let mut b = Vec::new();
                    write_csv_rows(&mut b, rows.iter().map(|r| (None, r.as_slice())), flavour)?;
                    Ok(b)
                })
                .collect::<std::io::Result<_>>()?;
            for p in parts {
                out.write_all(&p)?;
            }
        }
        out.flush()?;
        Ok(())
    };
    match &c.output {
        None => write_all(&mut std::io::stdout().lock())?,
        Some(path) => {
            let mut tmp = temp_beside(path)?;
            write_all(tmp.as_file_mut())?;
            persist(tmp, path)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The framework matrix, built window by window: only its cells are held, never the corpus.
fn stream_framework(
    ctx: &Context,
    c: &Common,
    of: &str,
    max_chars: usize,
    redact_list: &str,
    format: OutFormat,
) -> Result<ExitCode> {
    let (index, keep, names) = open_for_streaming(ctx, c)?;
    let codebook = index.codebook().clone();
    let opts = FrameworkOptions {
        dimension: of.to_string(),
        max_chars,
        redactor: Redactor::new(redact_list, &names)?,
    };
    let mut fw = Framework::new(&codebook, &opts, index.manifest.meta_keys())?;
    let load = Load {
        respondents_only: true,
        text: true,
        evidence: false,
    };
    let (mut segments, mut interviews) = (0, HashSet::new());
    for window in index.ordered_addresses()?.chunks(stream_window()) {
        let ds = Dataset::new(
            codebook.clone(),
            index.segments_at(window, load, keep.as_ref())?,
        );
        segments += ds.items.len();
        interviews.extend(ds.items.iter().map(|i| i.segment.interview.clone()));
        fw.add(&ds);
    }
    let export = Export {
        meta: ExportMeta::new(&codebook, "framework", segments, interviews.len()),
        tables: vec![fw.table()],
    };
    emit(&export, format, c)?;
    Ok(ExitCode::SUCCESS)
}

/// The codes quotes and wide show: those asked for with --code (and descendants) or
/// --dimension, else all.
fn code_selection(cb: &Codebook, c: &Common) -> Option<Vec<usize>> {
    if c.code.is_empty() && c.dimension.is_empty() {
        return None;
    }
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
    let render = |mut out: &mut dyn Write| -> Result<()> {
        let out = &mut out;
        match format {
            OutFormat::Csv => write_csv(
                out,
                export,
                if c.excel {
                    CsvFlavour::Excel
                } else {
                    CsvFlavour::Plain
                },
            )?,
            OutFormat::Json => write_json(out, export)?,
            OutFormat::Table => write_table(out, export, 60)?,
            OutFormat::Xlsx => out.write_all(&write_xlsx(export)?)?,
        }
        Ok(())
    };
    match &c.output {
        None => {
            // Rendered whole first, so an error never leaves half a table on stdout.
            let mut buf = Vec::new();
            render(&mut buf)?;
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()?;
        }
        Some(path) => {
            // Straight into the temporary file: no second copy of a large export in memory.
            let mut tmp = temp_beside(path)?;
            {
                let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
                render(&mut w)
                    .with_context(|| format!("cannot write {} (disk full?)", path.display()))?;
                w.flush()?;
            }
            persist(tmp, path)?;
        }
    }
    Ok(())
}
