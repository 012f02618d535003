//! `qcode agree`: how far coders agree — the machine (the current codebook) and human codings
//! files — per code and overall, with the unit (the segment) stated, and the disagreements to read.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use qcode::agree::{
    add_coder, compare, read_codings, AgreeOptions, Agreement, CodeAgreement, Coder,
};
use qcode::coding::Evidence;
use qcode::export::{Cell, Export, ExportMeta, Table};
use qcode::index::Mask;
use qcode::transcript::Segment;

use super::flags::PrivacyArgs;
use super::index::open_fresh_index;
use super::output::{csv_flavour, print_redacted, write_export, Format, EXCEL_HELP};
use super::Context;

/// Compare codings: percent agreement, Cohen's κ (two coders), Krippendorff's α (nominal, any
/// number of coders, missing data allowed) and, against a gold coder, precision, recall and F1.
///
/// The unit is the segment. A codings file is a CSV with `segment_id` and `code` columns (an
/// empty code: the segment was coded with nothing) and an optional `coder` column. Units are the
/// segments at least two coders looked at; the machine looked at every segment.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  qcode agree                                       # the machine and every coder in codings/
  qcode agree codings/ann.csv                       # the machine against Ann
  qcode agree codings/team.csv --no-machine         # the human coders against each other
  qcode agree codings/ann.csv --gold ann --dimension component
  qcode agree codings/ann.csv --disagreements       # the segments to read")]
pub struct Args {
    /// Codings files (CSV); none: the coders of the project's codings/ (re-anchored like every
    /// read of them).
    files: Vec<PathBuf>,
    /// Leave the machine's codings out.
    #[arg(long)]
    no_machine: bool,
    /// This coder is right: report precision, recall and F1 of the others.
    #[arg(long, value_name = "CODER")]
    gold: Option<String>,
    /// Only these codes (repeatable).
    #[arg(long, value_name = "ID")]
    code: Vec<String>,
    /// Only codes of this dimension (repeatable).
    #[arg(long, value_name = "DIM")]
    dimension: Vec<String>,
    /// List the segments where coders disagree, with their text, instead of the statistics.
    #[arg(long)]
    disagreements: bool,
    #[command(flatten)]
    privacy: PrivacyArgs,
    #[arg(long, value_parser = Format::parser(Format::PRINTED), default_value = "table")]
    format: Format,
    #[arg(long, help = EXCEL_HELP)]
    excel: bool,
}

fn num(x: Option<f64>, decimals: u8) -> Cell {
    x.map(|v| Cell::Num(v, decimals))
        .unwrap_or_else(|| Cell::text("n/a"))
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let flavour = csv_flavour(args.excel, args.format)?;
    let privacy = args.privacy.privacy()?;
    let index = open_fresh_index(ctx)?;
    // Codings files hold real segment ids, so the index is read unmasked and what is shown is
    // masked on the way out (ids by pseudonym, text before any cell is cut to width).
    let mask = args.privacy.mask(ctx, &privacy, &index)?;
    let codebook = index.codebook().clone();
    let segments = index.all_segments()?;
    let text: HashMap<&str, &Segment> = segments.iter().map(|(s, _)| (s.id.as_str(), s)).collect();
    let coders = coders(ctx, &args, &index, &segments, &text)?;
    let opts = AgreeOptions::select(
        &codebook,
        &coders,
        &args.code,
        &args.dimension,
        args.gold.as_deref(),
    )?;
    let result = compare(&codebook, &coders, &opts);
    for w in &result.warnings {
        ctx.note(format!("warning: {w}"));
    }
    let table = if args.disagreements {
        disagreements_table(&result, &text, &mask)
    } else {
        agreement_table(&result, args.gold.as_ref())
    };
    let export = Export {
        meta: ExportMeta {
            qcode_version: env!("CARGO_PKG_VERSION").into(),
            export: if args.disagreements {
                "agree --disagreements".into()
            } else {
                "agree".into()
            },
            codebook_name: codebook.name.clone(),
            codebook_version: codebook.version.clone(),
            codebook_hash: codebook.hash.clone(),
            segments: result.overall.units,
            interviews: 0,
        },
        tables: vec![table],
    };
    let mut out: Vec<u8> = Vec::new();
    write_export(&mut out, &export, args.format, flavour, 70)?;
    print_redacted(&out, &privacy.redactor_for_index(&index)?)?;
    Ok(ExitCode::SUCCESS)
}

/// The coders: the machine (unless left out), then each file's, in order; segment ids not in
/// the index are dropped, and said so.
fn coders(
    ctx: &Context,
    args: &Args,
    index: &qcode::index::SearchIndex,
    segments: &[(Segment, Vec<Evidence>)],
    text: &HashMap<&str, &Segment>,
) -> Result<Vec<Coder>> {
    let mut coders: Vec<Coder> = Vec::new();
    if !args.no_machine {
        coders.push(Coder::machine(segments));
    }
    if args.files.is_empty() {
        // No file named: the coders of the project's codings store.
        let people = Coder::from_store(index.store());
        if people.is_empty() {
            anyhow::bail!("no codings in codings/ to compare; code by hand (`qcode code add`), import codings (`qcode import codings`), or name a codings file");
        }
        for c in people {
            add_coder(&mut coders, c)?;
        }
        return Ok(coders);
    }
    for f in &args.files {
        let t =
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        for mut c in read_codings(f, &t)? {
            let unknown = c.retain_segments(|u| text.contains_key(u));
            if !unknown.is_empty() {
                ctx.note(format!(
                    "warning: {}: {} segment id(s) of coder `{}` are not in the index and are ignored (e.g. {})",
                    f.display(),
                    unknown.len(),
                    c.name,
                    unknown[0]
                ));
            }
            add_coder(&mut coders, c)?;
        }
    }
    Ok(coders)
}

/// `--disagreements`: one row per segment and code the coders disagree on, with the segment's
/// attribution and text to read, all as `mask` shows them.
fn disagreements_table(result: &Agreement, text: &HashMap<&str, &Segment>, mask: &Mask) -> Table {
    let header = [
        "unit",
        "segment_id",
        "code",
        "coded_by",
        "not_coded_by",
        "attribution",
        "text",
    ];
    let rows = result
        .disagreements
        .iter()
        .map(|d| {
            let (attr, t) = match text.get(d.segment.as_str()) {
                Some(s) => {
                    let mut s = (*s).clone();
                    mask.segment(&mut s, &mut []);
                    (s.attribution(), s.text)
                }
                None => Default::default(),
            };
            vec![
                Cell::text("segment"),
                Cell::text(mask.id(&d.segment)),
                Cell::text(&d.code),
                Cell::text(d.with.join("; ")),
                Cell::text(d.without.join("; ")),
                Cell::text(attr),
                Cell::text(t),
            ]
        })
        .collect();
    Table {
        name: "disagreements".into(),
        title: format!(
            "Disagreements between {} (unit: segment)",
            result.coders.join(", ")
        ),
        header: header.map(str::to_string).to_vec(),
        rows,
        group: None,
    }
}

/// The statistics: one row per code, then the pooled row; precision, recall and F1 columns for
/// each coder but `gold` when there is one.
fn agreement_table(result: &Agreement, gold: Option<&String>) -> Table {
    let names = &result.coders;
    let others: Vec<&String> = names.iter().filter(|n| Some(*n) != gold).collect();
    let mut header: Vec<String> = vec!["unit".into(), "code".into(), "units".into()];
    header.extend(names.iter().map(|n| format!("applied:{n}")));
    header.extend(["percent_agreement", "cohen_kappa", "krippendorff_alpha"].map(str::to_string));
    if gold.is_some() {
        for o in &others {
            header.extend([
                format!("precision:{o}"),
                format!("recall:{o}"),
                format!("f1:{o}"),
            ]);
        }
    }
    let mut rows: Vec<Vec<Cell>> = result.per_code.iter().map(agreement_row).collect();
    rows.push(agreement_row(&result.overall));
    Table {
        name: "agreement".into(),
        title: format!(
            "Agreement between {} (unit: segment; {} segments seen by at least two coders; κ needs exactly two coders)",
            names.join(", "),
            result.overall.units
        ),
        header,
        rows,
        group: None,
    }
}

/// One code's row (or the pooled row) of the statistics, in the header's column order.
fn agreement_row(a: &CodeAgreement) -> Vec<Cell> {
    let mut r = vec![
        Cell::text("segment"),
        Cell::text(
            a.code
                .clone()
                .unwrap_or_else(|| "(all codes, pooled)".into()),
        ),
        Cell::Int(a.units as i64),
    ];
    r.extend(a.applied.iter().map(|&n| Cell::Int(n as i64)));
    r.extend([
        num(a.percent.map(|p| 100.0 * p), 1),
        num(a.kappa, 3),
        num(a.alpha, 3),
    ]);
    for (_, p) in &a.prf {
        r.extend([num(p.precision, 3), num(p.recall, 3), num(p.f1, 3)]);
    }
    r
}
