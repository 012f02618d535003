//! `qcode memo TARGET TEXT --coder NAME`: write a memo about a segment or a code, appended to
//! the coder's `memos/NAME.md`; `qcode memos`: list them, with the memos kept on codings.

use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};

use qcode::codings::memo::{parse, Memo, Target, MEMOS_DIR};
use qcode::codings::now;
use qcode::export::{Cell, Export, ExportMeta, Table};

use super::flags::{CoderArgs, PrivacyArgs};
use super::index::open_fresh_index;
use super::output::{
    csv_flavour, print_redacted, write_atomically, write_export, Format, EXCEL_HELP,
};
use super::Context;

/// Write a memo about a segment or a code, in memos/CODER.md (Markdown, newest last).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  qcode memo northmoor-01:6.3 \"The monthly meeting again: compare with eastbrook\" --coder ann
  qcode memo trust \"Keep promises apart from openness?\" --coder ann
  qcode memos --coder ann")]
pub struct MemoArgs {
    /// A segment id (northmoor-01:6.3) or a code id (trust).
    target: String,
    /// The memo.
    text: String,
    #[command(flatten)]
    coder: CoderArgs,
}

/// List memos: those in memos/*.md and those kept on codings (the `memo` column).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  qcode memos\n  qcode memos --coder ann --format csv")]
pub struct MemosArgs {
    /// Only this coder's memos (repeatable).
    #[arg(long, value_name = "NAME")]
    coder: Vec<String>,
    #[command(flatten)]
    privacy: PrivacyArgs,
    #[arg(long, value_parser = Format::parser(Format::PRINTED), default_value = "table")]
    format: Format,
    #[arg(long, help = EXCEL_HELP)]
    excel: bool,
}

pub fn memo(ctx: &Context, args: MemoArgs) -> Result<ExitCode> {
    let coder = args.coder.single("memo")?;
    if args.text.trim().is_empty() {
        bail!("the memo is empty");
    }
    let index = open_fresh_index(ctx)?;
    let target = if index.segment(&args.target)?.is_some() {
        Target::Segment(args.target.clone())
    } else if index.codebook().code(&args.target).is_some() {
        Target::Code(args.target.clone())
    } else {
        bail!(
            "`{}` is neither a segment id (see `qcode search`) nor a code id (see `qcode codes`)",
            args.target
        );
    };
    let path = ctx.project.root.join(MEMOS_DIR).join(format!("{coder}.md"));
    let mut text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => format!("# Memos of {coder}\n\n"),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    if !text.ends_with("\n\n") {
        text.push_str(if text.ends_with('\n') { "\n" } else { "\n\n" });
    }
    let m = Memo {
        coder,
        target,
        time: now(),
        text: args.text,
    };
    text.push_str(&m.entry());
    std::fs::create_dir_all(path.parent().expect("memos/ has a parent"))?;
    write_atomically(&path, text.as_bytes())?;
    ctx.note(format!(
        "memo on {} added to {}",
        m.target,
        ctx.project.relative(&path)
    ));
    Ok(ExitCode::SUCCESS)
}

pub fn memos(ctx: &Context, args: MemosArgs) -> Result<ExitCode> {
    let flavour = csv_flavour(args.excel, args.format)?;
    let mut index = open_fresh_index(ctx)?;
    let privacy = args.privacy.apply(ctx, &mut index)?;
    let mut rows: Vec<(String, String, String, String, String)> = Vec::new();
    for (coder, path) in memo_files(ctx)? {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        for m in parse(
            std::path::Path::new(&ctx.project.relative(&path)),
            &coder,
            &text,
        )? {
            let (kind, id) = match &m.target {
                Target::Segment(id) => ("segment", id.clone()),
                Target::Code(id) => ("code", id.clone()),
            };
            rows.push((m.coder, kind.into(), id, m.time, m.text));
        }
    }
    for r in index
        .store()
        .rows
        .iter()
        .map(|r| &r.row)
        .filter(|r| !r.memo.trim().is_empty())
    {
        let on = format!("{} ({})", r.segment_id, r.code);
        rows.push((
            r.coder.clone(),
            "coding".into(),
            on,
            r.time.clone(),
            r.memo.clone(),
        ));
    }
    rows.retain(|r| args.coder.is_empty() || args.coder.contains(&r.0));
    // Memo files and codings hold real ids and words: masked here, before a cell is cut to
    // the table's width (a cut name would be no longer found whole).
    if let Some(mask) = index.mask() {
        for r in &mut rows {
            r.2 = match r.1.as_str() {
                "code" => r.2.clone(),
                _ => mask_target(mask, &r.2),
            };
            r.4 = mask.redactor.apply(&r.4);
        }
    }
    rows.sort();
    rows.dedup();
    let table = Table {
        name: "memos".into(),
        title: "Memos".into(),
        header: ["coder", "on", "target", "time", "memo"]
            .map(String::from)
            .to_vec(),
        rows: rows
            .iter()
            .map(|(c, k, t, time, m)| [c, k, t, time, m].map(Cell::text).to_vec())
            .collect(),
        group: None,
    };
    let export = Export {
        meta: ExportMeta::new(index.codebook(), "memos", 0, 0),
        tables: vec![table],
    };
    let mut out = Vec::new();
    write_export(&mut out, &export, args.format, flavour, 70)?;
    print_redacted(&out, &privacy.redactor_for_index(&index)?)?;
    Ok(if rows.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A segment id, or `ID (code)` for a memo on a coding, as `mask` shows it.
fn mask_target(mask: &qcode::index::Mask, target: &str) -> String {
    match target.split_once(' ') {
        Some((id, code)) => format!("{} {code}", mask.id(id)),
        None => mask.id(target),
    }
}

/// memos/*.md, by coder (the file's stem), sorted.
fn memo_files(ctx: &Context) -> Result<Vec<(String, std::path::PathBuf)>> {
    let dir = ctx.project.root.join(MEMOS_DIR);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<(String, std::path::PathBuf)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "md"))
        .filter_map(|p| Some((p.file_stem()?.to_string_lossy().to_string(), p)))
        .collect();
    files.sort();
    Ok(files)
}
