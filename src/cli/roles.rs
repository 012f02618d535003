//! `qcode roles`: every speaker label in the corpus with the role it was given, how, and on how
//! many segments, with the likely roles of the labels no role took; `--add LABEL ROLE` writes
//! an alias into the codebook file that declares the role.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use serde_json::json;

use qcode::codebook::{add_alias, AliasError};
use qcode::index::{How, LabelRole};
use qcode::privacy::Redactor;
use qcode::roles::Match;

use super::flags::PrivacyArgs;
use super::index::open_fresh_index;
use super::output::{print_redacted, write_atomically, Format};
use super::Context;

/// List every speaker label with its role and how the role table matched it; or add an alias.
#[derive(Debug, clap::Args)]
#[command(after_help = "How a label met its role (the `match` column):
  exact       an id, label or alias as written (case, spaces, end punctuation aside)
  normalised  an id, label or alias once punctuation, articles (a, an, the) and
              parenthesised abbreviations are set aside
  pattern     a glob (`*chair*`) or regex (`/^cllr\\b/`) alias
  default     no alias: the role marked `default = true`
  declared    the transcript header (or a table's role column) gave the role
  unmapped    no role: one was made from the label (`closest` lists likely roles)
  ambiguous   two roles met it alike, so it was given neither (`closest` names them)

Examples:
  qcode roles
  qcode roles --format csv > roles.csv
  qcode roles --add \"Locally Trusted Organisation (LTO) rep\" lto_rep")]
pub struct Args {
    /// Add LABEL as an alias of role ROLE (an id), in the codebook file that declares ROLE,
    /// keeping its comments and layout; the next command re-indexes.
    #[arg(long, num_args = 2, value_names = ["LABEL", "ROLE"])]
    add: Option<Vec<String>>,
    #[command(flatten)]
    privacy: PrivacyArgs,
    #[arg(long, value_parser = Format::parser(Format::PRINTED), default_value = "table")]
    format: Format,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    if let Some([label, role]) = args.add.as_deref() {
        return add(ctx, label, role);
    }
    let privacy = args.privacy.privacy()?;
    let index = open_fresh_index(ctx)?;
    let redactor = privacy.redactor_for_index(&index)?;
    let rows = masked(index.label_roles()?, &redactor);
    let default = index.codebook().roles.default_role().map(|r| r.id.clone());
    let mut out: Vec<u8> = Vec::new();
    match args.format {
        Format::Table => write_table(&mut out, &rows)?,
        Format::Csv => write_csv(&mut out, &rows)?,
        Format::Json => {
            let labels: Vec<_> = rows.iter().map(row_json).collect();
            let doc = json!({"default_role": default, "labels": labels});
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Xlsx => unreachable!("--format takes only what roles prints"),
    }
    print_redacted(&out, &redactor)?;
    Ok(ExitCode::SUCCESS)
}

/// `--add LABEL ROLE`: the alias written in place, atomically, or why not.
fn add(ctx: &Context, label: &str, role: &str) -> Result<ExitCode> {
    let codebook = ctx.project.codebook()?;
    let edit = add_alias(&codebook, label, role).map_err(|e| anyhow!("{e}{}", help(&e)))?;
    let shown = ctx.project.relative(&edit.path);
    match edit.text {
        None => ctx.note(format!(
            "\"{}\" is already an alias of `{role}` in {shown}; nothing to do",
            label.trim()
        )),
        Some(text) => {
            write_atomically(&edit.path, text.as_bytes())?;
            ctx.note(format!(
                "added \"{}\" to the aliases of `{role}` in {shown}; the next command re-indexes with it",
                label.trim()
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What to do about a refused alias, as a `help:` line.
fn help(e: &AliasError) -> String {
    let help = match e {
        AliasError::UnknownRole { known, .. } if known.is_empty() => {
            "the codebook declares no roles: add a [roles.ID] table first".to_string()
        }
        AliasError::UnknownRole { known, .. } => {
            format!("ROLE is a role id: {}", known.join(", "))
        }
        AliasError::Taken { .. } => {
            "an alias belongs to one role only; to move it, edit the codebook file".to_string()
        }
        _ => return String::new(),
    };
    format!("\n  help: {help}")
}

/// The roles a label no role took may mean, for a cell.
fn closest(r: &LabelRole) -> String {
    r.closest.join(" ")
}

/// The rows with names masked, in their order as shown: a masked label's place must not tell
/// the name (and a table's columns are aligned on what is shown).
fn masked(mut rows: Vec<LabelRole>, redactor: &Redactor) -> Vec<LabelRole> {
    for r in &mut rows {
        r.speaker = redactor.apply(&r.speaker);
        r.role_label = redactor.apply(&r.role_label);
    }
    rows.sort_by(|a, b| {
        b.segments
            .cmp(&a.segments)
            .then_with(|| a.speaker.cmp(&b.speaker))
            .then_with(|| a.role.cmp(&b.role))
    });
    rows
}

fn write_table(out: &mut Vec<u8>, rows: &[LabelRole]) -> Result<()> {
    let head = [
        "speaker",
        "role",
        "role label",
        "match",
        "segments",
        "closest",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.speaker.clone(),
                r.role.clone(),
                r.role_label.clone(),
                r.how.name().to_string(),
                r.segments.to_string(),
                closest(r),
            ]
        })
        .collect();
    let width = |i: usize| {
        cells
            .iter()
            .map(|c| c[i].chars().count())
            .chain([head[i].len()])
            .max()
            .unwrap_or(0)
    };
    let w: Vec<usize> = (0..6).map(width).collect();
    let line = |c: [&str; 6]| {
        format!(
            "{:<a$}  {:<b$}  {:<c$}  {:<d$}  {:>e$}  {}",
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            c[5],
            a = w[0],
            b = w[1],
            c = w[2],
            d = w[3],
            e = w[4]
        )
    };
    writeln!(out, "{}", line(head).trim_end())?;
    for c in &cells {
        let c: [&str; 6] = std::array::from_fn(|i| c[i].as_str());
        writeln!(out, "{}", line(c).trim_end())?;
    }
    writeln!(out, "\n{}", summary(rows))?;
    Ok(())
}

/// "7 labels: 4 met a role (…), 1 declared, 1 unmapped, 1 ambiguous", and what to do next.
fn summary(rows: &[LabelRole]) -> String {
    let count = |f: &dyn Fn(&How) -> bool| rows.iter().filter(|r| f(&r.how)).count();
    let by = |m: Match| count(&|h| *h == How::Table(m.clone()));
    let ambiguous = count(&|h| matches!(h, How::Table(Match::Ambiguous(_))));
    let unmapped = by(Match::Unmapped);
    let mut s = format!(
        "{} labels: {} exact, {} normalised, {} by pattern, {} by default, {} declared, {unmapped} unmapped, {ambiguous} ambiguous",
        rows.len(),
        by(Match::Exact),
        by(Match::Normalised),
        by(Match::Pattern),
        by(Match::Default),
        count(&|h| *h == How::Declared),
    );
    if unmapped + ambiguous > 0 {
        s.push_str("\ngive an unmapped label a role: qcode roles --add LABEL ROLE, LABEL as in the `role label` column");
    }
    s
}

fn write_csv(out: &mut Vec<u8>, rows: &[LabelRole]) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "speaker",
        "role",
        "role_label",
        "match",
        "segments",
        "closest",
    ])?;
    for r in rows {
        w.write_record([
            r.speaker.as_str(),
            &r.role,
            &r.role_label,
            r.how.name(),
            &r.segments.to_string(),
            &closest(r),
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn row_json(r: &LabelRole) -> serde_json::Value {
    json!({
        "speaker": r.speaker,
        "role": r.role,
        "role_label": r.role_label,
        "match": r.how.name(),
        "segments": r.segments,
        "closest": r.closest,
    })
}
