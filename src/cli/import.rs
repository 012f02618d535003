//! `qcode import qdpx FILE`: a project from another QDA tool becomes corpus documents (new files,
//! never overwriting) and a human codings file tied to our segments, ready for `qcode agree`.
//! `qcode import codings FILE`: a coded-segments sheet (document, code path, text) becomes a
//! codings file, each text located in its document, and its code paths a codebook file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use qcode::codebook::{load_codebook, Codebook};
use qcode::codings::import::{
    plan_codings, read_sheet, short, CodingsImport, ColumnChoice, Document, ImportOptions,
};
use qcode::codings::{now, read_rows, write_rows, CODINGS_DIR};
use qcode::project::corpus_files;
use qcode::refi::import::{read_qdpx, Positions};
use qcode::refi::import_plan::{plan_import, CodeMap};
use qcode::transcript::{parse_file, source_text, table_delimiter};

use super::flags::person;
use super::output::write_atomically;
use super::Context;

/// Import a REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA, QualCoder or qcode, or a
/// sheet of coded segments.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  qcode import qdpx coded-in-nvivo.qdpx
  qcode import codings coded-segments.xlsx --coder ann")]
pub struct Args {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Debug, clap::Subcommand)]
enum Kind {
    /// Write the project's text sources into the corpus (as new files) and its codings into
    /// codings/NAME.csv, each selection tied to every segment it overlaps (the overlap recorded).
    #[command(after_help = "Examples:
  qcode import qdpx coded-in-nvivo.qdpx            # positions read as NVivo counts them (detected)
  qcode import qdpx team.qdpx --positions crlf     # say how the tool counted, when detection cannot
  qcode agree codings/team.csv                     # then compare with the machine")]
    Qdpx {
        file: PathBuf,
        /// How the tool counted positions: auto (from the project's origin: NVivo → utf16,
        /// MAXQDA → crlf, else codepoints), codepoints (the standard; ATLAS.ti, QualCoder, qcode),
        /// crlf (code points, CRLF counting two), utf16 (UTF-16 units, CRLF kept).
        #[arg(long, value_enum, default_value_t = PositionsArg::Auto)]
        positions: PositionsArg,
        /// Name every coding's coder this (default: the project's user names).
        #[arg(long)]
        coder: Option<String>,
    },
    /// Read a sheet of coded segments (CSV or XLSX: document, code path, segment text, as
    /// MAXQDA, NVivo, ATLAS.ti, Dedoose and Taguette export them), find each text in its
    /// document and write codings/STEM.csv (one row per segment the text overlaps) and the
    /// new codes to codebook/STEM.toml (STEM: the sheet's file name without extension).
    #[command(
        after_help = "Texts are found exactly after normalising white space, quotes, dashes and case, \
else approximately (a word alignment scored 0 to 1; below 0.75 a text is not located). \
The summary lists the texts not located with their closest match.

Examples:
  qcode import codings coded-segments.xlsx --coder ann
  qcode import codings highlights.csv --coder bo --append       # add to codings/highlights.csv
  qcode import codings export.csv --coder ann --text-col Quote  # name a column the headers do not"
    )]
    Codings {
        /// The sheet: .csv (comma, semicolon, tab or bar) or .xlsx (its first worksheet).
        file: PathBuf,
        /// The person the codings are recorded under (their codings' `coder`).
        #[arg(long, value_name = "NAME")]
        coder: String,
        /// Add the rows to an existing codings/STEM.csv (else it is refused).
        #[arg(long)]
        append: bool,
        /// The document column (a header or a 1-based number); default: the usual headers
        /// (`Document name`, `document`, `Media Title`, `File`, …).
        #[arg(long, value_name = "COLUMN")]
        document_col: Option<String>,
        /// The code column (`Code`, `tag`, `Codes`, `Node`, …).
        #[arg(long, value_name = "COLUMN")]
        code_col: Option<String>,
        /// The segment-text column (`Segment`, `content`, `Coded text`, `Excerpt Copy`, …).
        #[arg(long, value_name = "COLUMN")]
        text_col: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PositionsArg {
    Auto,
    Codepoints,
    Crlf,
    Utf16,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    match args.kind {
        Kind::Qdpx {
            file,
            positions,
            coder,
        } => qdpx(ctx, file, positions, coder),
        Kind::Codings {
            file,
            coder,
            append,
            document_col,
            code_col,
            text_col,
        } => {
            let choice = ColumnChoice {
                document: document_col,
                code: code_col,
                text: text_col,
            };
            let coder = person(&coder, "import codings")?;
            codings(ctx, &file, &coder, append, &choice)
        }
    }
}

fn qdpx(
    ctx: &Context,
    file: PathBuf,
    positions: PositionsArg,
    coder: Option<String>,
) -> Result<ExitCode> {
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let project = read_qdpx(&bytes).with_context(|| format!("{}", file.display()))?;
    let mode = match positions {
        PositionsArg::Codepoints => Positions::CodePoints,
        PositionsArg::Crlf => Positions::Crlf,
        PositionsArg::Utf16 => Positions::Utf16,
        PositionsArg::Auto => Positions::from_origin(project.origin.as_deref()),
    };
    ctx.note(format!(
        "{}: {} sources, {} codes, origin {:?}; positions read as {mode:?}",
        file.display(),
        project.sources.len(),
        project.codes.len(),
        project.origin.as_deref().unwrap_or("not given")
    ));
    let codebook = load_codebook(&ctx.project.codebook_dir)?;
    let code_map = CodeMap::new(&project, &codebook);
    for unknown in &code_map.unknown {
        ctx.note(format!("warning: {unknown}"));
    }
    // Every selection is checked before anything is written.
    let plan = plan_import(
        &ctx.project,
        &codebook,
        &project,
        &code_map,
        mode,
        coder.as_deref(),
        &file,
    )
    .with_context(|| format!("{}", file.display()))?;
    for w in &plan.unsegmented {
        ctx.note(format!("warning: {w}"));
    }
    std::fs::create_dir_all(&ctx.project.corpus_dir)?;
    let new: Vec<_> = plan.sources.iter().filter(|s| !s.present).collect();
    for s in &new {
        write_atomically(&s.path, s.text.as_bytes())?;
    }
    let out = &plan.codings_path;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    write_atomically(out, &plan.codings_csv()?)?;
    let unsegmented = plan.unsegmented.len();
    ctx.note(format!(
        "{} source(s) written to the corpus, {} already there{}; {} coding row(s) in {}; compare with `qcode agree {}`",
        new.len(),
        plan.sources.len() - new.len(),
        if unsegmented > 0 { format!(", {unsegmented} without speaker turns") } else { String::new() },
        plan.codings.len(),
        ctx.project.relative(out),
        ctx.project.relative(out)
    ));
    Ok(ExitCode::SUCCESS)
}

fn codings(
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
    let codebook = load_codebook(&ctx.project.codebook_dir)?;
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
    let added = plan.rows.len();
    let rows: Vec<_> = existing.iter().chain(&plan.rows).collect();
    write_atomically(&out, &write_rows(rows))?;
    ctx.note(format!(
        "{added} coding row(s) {} {} (coder {coder}); {}",
        if existing.is_empty() {
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

/// The rows already in the codings file: none when there is no file; refused without --append.
fn existing_rows(
    ctx: &Context,
    out: &Path,
    append: bool,
) -> Result<Vec<qcode::codings::CodingRow>> {
    if !out.exists() {
        return Ok(Vec::new());
    }
    if !append {
        anyhow::bail!(
            "{} already exists\n  help: add --append to add these codings to it, or move it away to import afresh",
            ctx.project.relative(out)
        );
    }
    let text = std::fs::read_to_string(out)
        .with_context(|| format!("cannot read {}", ctx.project.relative(out)))?;
    Ok(read_rows(Path::new(&ctx.project.relative(out)), &text)?)
}

/// Every interview of the corpus with the text its segments' offsets refer to. A file that
/// cannot be read is skipped with a warning, as the index skips it.
fn corpus_documents(ctx: &Context, codebook: &Codebook) -> Result<Vec<Document>> {
    let settings = &ctx.project.transcript;
    let mut docs = Vec::new();
    for (rel, path) in corpus_files(&ctx.project)? {
        let read = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                let parsed = parse_file(settings, &codebook.roles, &rel, &path, &bytes)
                    .map_err(|e| e.to_string())?;
                let text = if table_delimiter(&path).is_some() {
                    None
                } else {
                    Some(
                        source_text(&rel, &path, &bytes, settings)
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
