//! `qcode agree`: how far coders agree — the machine (the current codebook) and human codings
//! files — per code and overall, with the unit (the segment) stated, and the disagreements to read.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};

use qcode::agree::{compare, read_codings, AgreeOptions, CodeAgreement, Coder, MACHINE};
use qcode::export::{Cell, CsvFlavour, Export, ExportMeta, Table};

use super::flags::PrivacyArgs;
use super::index::open_fresh_index;
use super::output::{print_redacted, write_export, Format};
use super::Context;

/// Compare codings: percent agreement, Cohen's κ (two coders), Krippendorff's α (nominal, any
/// number of coders, missing data allowed) and, against a gold coder, precision, recall and F1.
///
/// The unit is the segment. A codings file is a CSV with `segment_id` and `code` columns (an
/// empty code: the segment was coded with nothing) and an optional `coder` column. Units are the
/// segments at least two coders looked at; the machine looked at every segment.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  qcode agree codings/ann.csv                       # the machine against Ann
  qcode agree codings/team.csv --no-machine         # the human coders against each other
  qcode agree codings/ann.csv --gold ann --dimension component
  qcode agree codings/ann.csv --disagreements       # the segments to read")]
pub struct Args {
    /// Codings files (CSV).
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
}

fn num(x: Option<f64>, decimals: u8) -> Cell {
    x.map(|v| Cell::Num(v, decimals))
        .unwrap_or_else(|| Cell::text("n/a"))
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let privacy = args.privacy.privacy()?;
    let index = open_fresh_index(ctx)?;
    let codebook = index.codebook().clone();
    let mut coders: Vec<Coder> = Vec::new();
    let segments = index.all_segments()?;
    let text: HashMap<String, (String, String)> = segments
        .iter()
        .map(|(s, _)| (s.id.clone(), (s.attribution(), s.text.clone())))
        .collect();
    if !args.no_machine {
        let units = segments
            .iter()
            .filter(|(s, _)| !s.interviewer)
            .map(|(s, ev)| (s.id.clone(), ev.iter().map(|e| e.code.clone()).collect()))
            .collect();
        coders.push(Coder {
            name: MACHINE.into(),
            units,
        });
    }
    for f in &args.files {
        let t =
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        for mut c in read_codings(f, &t)? {
            let unknown: Vec<String> = c
                .units
                .keys()
                .filter(|u| !text.contains_key(*u))
                .cloned()
                .collect();
            if !unknown.is_empty() {
                ctx.note(format!(
                    "warning: {}: {} segment id(s) of coder `{}` are not in the index and are ignored (e.g. {})",
                    f.display(),
                    unknown.len(),
                    c.name,
                    unknown[0]
                ));
                c.units.retain(|u, _| text.contains_key(u));
            }
            if coders.iter().any(|o| o.name == c.name) {
                bail!("coder `{}` appears twice; give each coder one name", c.name);
            }
            coders.push(c);
        }
    }
    if let Some(g) = &args.gold {
        if !coders.iter().any(|c| &c.name == g) {
            bail!(
                "no coder `{g}`; the coders are: {}",
                coders
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    for c in &args.code {
        if codebook.code(c).is_none() {
            bail!("unknown code `{c}`; `qcode codes` lists the codebook's codes");
        }
    }
    let mut codes: Vec<String> = args.code.clone();
    codes.extend(
        codebook
            .codes
            .iter()
            .filter(|c| args.dimension.contains(&c.dimension))
            .map(|c| c.id.clone()),
    );
    let opts = AgreeOptions {
        codes: (!codes.is_empty()).then_some(codes),
        gold: args.gold.clone(),
    };
    let result = compare(&codebook, &coders, &opts);
    for w in &result.warnings {
        ctx.note(format!("warning: {w}"));
    }
    let names = &result.coders;
    let table = if args.disagreements {
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
                let (attr, t) = text.get(&d.segment).cloned().unwrap_or_default();
                vec![
                    Cell::text("segment"),
                    Cell::text(&d.segment),
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
            title: format!("Disagreements between {} (unit: segment)", names.join(", ")),
            header: header.map(str::to_string).to_vec(),
            rows,
            group: None,
        }
    } else {
        let others: Vec<&String> = names
            .iter()
            .filter(|n| Some(*n) != args.gold.as_ref())
            .collect();
        let mut header: Vec<String> = vec!["unit".into(), "code".into(), "units".into()];
        header.extend(names.iter().map(|n| format!("applied:{n}")));
        header
            .extend(["percent_agreement", "cohen_kappa", "krippendorff_alpha"].map(str::to_string));
        if args.gold.is_some() {
            for o in &others {
                header.extend([
                    format!("precision:{o}"),
                    format!("recall:{o}"),
                    format!("f1:{o}"),
                ]);
            }
        }
        let row = |a: &CodeAgreement| -> Vec<Cell> {
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
        };
        let mut rows: Vec<Vec<Cell>> = result.per_code.iter().map(row).collect();
        rows.push(row(&result.overall));
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
    write_export(&mut out, &export, args.format, CsvFlavour::Plain, 70)?;
    print_redacted(&out, &privacy.redactor_for_index(&index)?)?;
    Ok(ExitCode::SUCCESS)
}
