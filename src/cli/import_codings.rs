//! `qcode import codings FILE`: a sheet of coded segments (document, code path, text, as MAXQDA,
//! NVivo, ATLAS.ti, Dedoose and Taguette export them) becomes a codings file, each text located
//! in its document, and its code paths a codebook file.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use qcode::codebook::Codebook;
use qcode::codings::edit::edit;
use qcode::codings::import::{
    plan_codings, read_sheet, short, CodingsImport, ColumnChoice, Document, ImportOptions,
};
use qcode::codings::{now, CODINGS_DIR};
use qcode::project::Corpus;
use qcode::transcript::{parse_file, source_text, table_delimiter};

use super::output::write_atomically;
use super::Context;

pub fn codings(
    ctx: &Context,
    file: &Path,
    coder: &str,
    append: bool,
    choice: &ColumnChoice,
) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let sheet = read_sheet(file, &bytes, choice)?;
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "imported".into());
    let out = ctx
        .project
        .root
        .join(CODINGS_DIR)
        .join(format!("{stem}.csv"));
    let existing = existing_rows(ctx, &out, append)?;
    let codebook = ctx.project.codebook()?;
    let documents = corpus_documents(ctx, &codebook)?;
    let name = file
        .file_name()
        .map_or(stem.clone(), |n| n.to_string_lossy().to_string());
    let time = now();
    let opts = ImportOptions {
        coder,
        time: &time,
        name: &name,
    };
    let plan = plan_codings(&sheet, &documents, &codebook, opts);
    ctx.note(format!(
        "{}: {} row(s); document `{}`, code `{}`, text `{}`",
        file.display(),
        sheet.rows.len(),
        sheet.headers[0],
        sheet.headers[1],
        sheet.headers[2]
    ));
    summarise(ctx, &plan);
    if plan.rows.is_empty() {
        ctx.note("no text was located in a segment: nothing written");
        return Ok(ExitCode::from(1));
    }
    let codebook_file = write_codebook(ctx, &plan, &stem)?;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Appending keeps the file's own rows and columns as they are (see `codings::edit`).
    let rel = ctx.project.relative(&out);
    let edited = edit(Path::new(&rel), existing.as_deref(), &plan.rows, &[])?;
    write_atomically(&out, &edited.bytes)?;
    let added = edited.added;
    ctx.note(format!(
        "{added} coding row(s) {} {} (coder {coder}); {}",
        if existing.is_none() {
            "written to"
        } else {
            "added to"
        },
        ctx.project.relative(&out),
        codebook_file
    ));
    // As `index` does when it skips a file: done, but not everything came in.
    let incomplete = !(plan.not_located.is_empty()
        && plan.missing_documents.is_empty()
        && plan.skipped.is_empty());
    Ok(if incomplete {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The codings file already there: none when there is no file; refused without --append.
fn existing_rows(ctx: &Context, out: &Path, append: bool) -> Result<Option<String>> {
    if !out.exists() {
        return Ok(None);
    }
    if !append {
        anyhow::bail!(
            "{} already exists\n  help: add --append to add these codings to it, or move it away to import afresh",
            ctx.project.relative(out)
        );
    }
    let text = std::fs::read_to_string(out)
        .with_context(|| format!("cannot read {}", ctx.project.relative(out)))?;
    Ok(Some(text))
}

/// Every interview of the corpus with the text its segments' offsets refer to. A file that
/// cannot be read is skipped with a warning, as the index skips it.
fn corpus_documents(ctx: &Context, codebook: &Codebook) -> Result<Vec<Document>> {
    let settings = &ctx.project.transcript;
    let mut docs = Vec::new();
    let corpus = Corpus::open(&ctx.project)?;
    for (rel, path) in &corpus.files {
        let (rel, path) = (rel.as_str(), path.as_path());
        let read = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                let given = corpus.context(path);
                let parsed = parse_file(settings, &codebook.roles, rel, path, &bytes, &given)
                    .map_err(|e| e.to_string())?;
                let text = if table_delimiter(path).is_some() {
                    None
                } else {
                    Some(
                        source_text(rel, path, &bytes, settings)
                            .map_err(|e| e.to_string())?
                            .0,
                    )
                };
                Ok((parsed, text))
            });
        match read {
            Ok((parsed, Some(text))) => docs.extend(
                parsed
                    .interviews
                    .iter()
                    .map(|iv| Document::transcript(iv, &text)),
            ),
            Ok((parsed, None)) => docs.extend(parsed.interviews.iter().map(Document::table)),
            Err(e) => ctx.note(format!("warning: {rel} skipped: {e}")),
        }
    }
    Ok(docs)
}

/// What was located and what not, for the user.
fn summarise(ctx: &Context, plan: &CodingsImport) {
    let not = plan.not_located.len();
    ctx.note(format!(
        "located: {} exactly, {} approximately, {not} not at all",
        plan.exact, plan.approximate
    ));
    if not > 0 {
        ctx.note("not located (row, document: text; closest match, score):");
    }
    for n in &plan.not_located {
        let closest = if n.closest.is_empty() {
            "nothing alike".to_string()
        } else {
            format!("\"{}\"", n.closest)
        };
        ctx.note(format!(
            "  row {} ({}): \"{}\"\n    closest: {closest} ({:.2})",
            n.row,
            n.document,
            short(&n.text),
            n.score
        ));
    }
    if !plan.missing_documents.is_empty() {
        let rows: usize = plan.missing_documents.iter().map(|(_, n)| n).sum();
        let names: Vec<String> = plan
            .missing_documents
            .iter()
            .map(|(d, n)| format!("{d} ({n})"))
            .collect();
        ctx.note(format!(
            "{rows} row(s) name {} document(s) not in the corpus: {}",
            plan.missing_documents.len(),
            names.join(", ")
        ));
    }
    for s in &plan.skipped {
        ctx.note(format!("  row {} skipped: {}", s.row, s.reason));
    }
}

/// Write the sheet's new codes to codebook/STEM.toml (or, when that exists, the first free
/// STEM_2.toml, …: never overwriting); say what was done, in one line.
fn write_codebook(ctx: &Context, plan: &CodingsImport, stem: &str) -> Result<String> {
    let reused = plan.tree.reused.len();
    let Some(toml) = &plan.tree.toml else {
        return Ok(format!("no new codes ({reused} existing reused)"));
    };
    let dir = &ctx.project.codebook_dir;
    if dir.is_file() {
        anyhow::bail!(
            "the codebook is one file ({}), so the {} new code(s) cannot be added beside it\n  help: make codebook/ a folder, or add the codes by hand",
            ctx.project.relative(dir),
            plan.tree.new_codes.len()
        );
    }
    std::fs::create_dir_all(dir)?;
    let path = (1..)
        .map(|n| match n {
            1 => dir.join(format!("{stem}.toml")),
            n => dir.join(format!("{stem}_{n}.toml")),
        })
        .find(|p| !p.exists())
        .expect("some name is free");
    write_atomically(&path, toml.as_bytes())?;
    Ok(format!(
        "{} new code(s) in {} ({reused} existing reused)",
        plan.tree.new_codes.len(),
        ctx.project.relative(&path)
    ))
}
