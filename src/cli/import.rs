//! `qcode import qdpx FILE`: a project from another QDA tool becomes corpus documents (new files,
//! never overwriting, each read as turns or as a document), a codebook file of its code tree, and
//! a codings file of its selections tied to our segments, ready for `qcode agree`.
//! `qcode import codings FILE` (a sheet of coded segments) is in [`super::import_codings`].

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use qcode::codings::import::ColumnChoice;
use qcode::index::SearchIndex;
use qcode::refi::import::{read_qdpx_within, Positions};
use qcode::refi::import_plan::{plan_import, positions_name, Existing, ImportPlan, ImportRequest};
use qcode::refi::reading::Reading;

use super::flags::person;
use super::import_codings::codings;
use super::index::open_fresh_index;
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
    /// Write the project's text sources into the corpus (as new files), its code tree into
    /// codebook/NAME.toml (new codes only) and its codings into codings/NAME.csv, each selection
    /// tied to every segment it overlaps (the overlap recorded). Exit 1 when a selection ties to
    /// no segment (each is named, with why).
    #[command(after_help = "Examples:
  qcode import qdpx coded-in-nvivo.qdpx            # positions read as NVivo counts them (detected)
  qcode import qdpx team.qdpx --positions crlf     # say how the tool counted, when detection cannot
  qcode import qdpx notes.qdpx --reading document  # every source a document, whatever it looks like
  qcode agree codings/team.csv                     # then compare with the machine")]
    Qdpx {
        file: PathBuf,
        /// How the tool counted positions: auto (from the project's origin: NVivo, or qcode's
        /// `export qdpx --positions utf16` → utf16, MAXQDA → crlf, else codepoints), codepoints (the standard; ATLAS.ti, QualCoder, qcode),
        /// crlf (code points, CRLF counting two), utf16 (UTF-16 units, CRLF kept).
        #[arg(long, value_enum, default_value_t = PositionsArg::Auto)]
        positions: PositionsArg,
        /// Read every source as speaker turns or as a document (default: turns when 80% of a
        /// source's paragraphs open with a speaker label and two labels occur, else a document).
        #[arg(long, value_enum)]
        reading: Option<ReadingArg>,
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
    /// Record the decisions of a filled-in review sheet (see `qcode export review`).
    Review(super::review_sheet::ImportArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PositionsArg {
    Auto,
    Codepoints,
    Crlf,
    Utf16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ReadingArg {
    Turns,
    Document,
}

/// How many selections that tie to nothing are named one by one.
const LISTED: usize = 10;

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let (file, positions, reading, coder) = match args.kind {
        Kind::Qdpx {
            file,
            positions,
            reading,
            coder,
        } => (file, positions, reading, coder),
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
            return codings(ctx, &file, &coder, append, &choice);
        }
        Kind::Review(args) => return super::review_sheet::import(ctx, &args),
    };
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let (project, left_out) = read_qdpx_within(&bytes, &ctx.project.limits)
        .with_context(|| format!("{}", file.display()))?;
    for w in left_out {
        ctx.note(format!("warning: {}: {w}", file.display()));
    }
    let mode = match positions {
        PositionsArg::Codepoints => Positions::CodePoints,
        PositionsArg::Crlf => Positions::Crlf,
        PositionsArg::Utf16 => Positions::Utf16,
        PositionsArg::Auto => Positions::from_origin(project.origin.as_deref()),
    };
    ctx.note(format!(
        "{}: {} sources, {} codes, {} selections, origin {:?}; positions read as {}",
        file.display(),
        project.sources.len(),
        project.codes.len(),
        project
            .sources
            .iter()
            .map(|s| s.selections.len())
            .sum::<usize>(),
        project.origin.as_deref().unwrap_or("not given"),
        positions_name(mode)
    ));
    let codebook = ctx.project.codebook()?;
    // Opened only when a CSV case qcode exported asks whether its rows are already here.
    let index: OnceCell<Option<SearchIndex>> = OnceCell::new();
    let existing = |id: &str| {
        let index = index.get_or_init(|| open_fresh_index(ctx).ok()).as_ref()?;
        let (segment, _) = index.segment(id).ok()??;
        let (rel, _) = index
            .manifest
            .files
            .iter()
            .find(|(_, f)| f.interviews.contains(&segment.interview))?;
        Some((segment, rel.clone()))
    };
    let request = ImportRequest {
        project: &ctx.project,
        codebook: &codebook,
        mode,
        reading: reading.map(|r| match r {
            ReadingArg::Turns => Reading::Turns,
            ReadingArg::Document => Reading::Document,
        }),
        coder: coder.as_deref(),
        package: &file,
        existing: Some(Existing(&existing)),
    };
    // Everything is planned (and the code tree checked against the codebook) before anything
    // is written.
    let plan = plan_import(&request, &project).with_context(|| {
        format!(
            "{}: its code tree would not load with the codebook",
            file.display()
        )
    })?;
    report_plan(ctx, &plan);
    write_plan(ctx, &plan)?;
    Ok(summary(ctx, &plan))
}

/// How each source is read, and what does not fit: before anything is written.
fn report_plan(ctx: &Context, plan: &ImportPlan) {
    for s in &plan.sources {
        match (s.rows, s.present) {
            (0, _) => ctx.note(format!("{}: {}", s.rel, s.reading)),
            (n, true) => ctx.note(format!(
                "{}: {n} rows of a table qcode exported (`[ID] ROLE:` labels), already here under the same ids",
                s.rel
            )),
            (n, false) => ctx.note(format!(
                "{}: {n} rows of a table qcode exported (`[ID] ROLE:` labels), written back as a CSV with their ids and roles",
                s.rel
            )),
        }
    }
    for m in &plan.misfits {
        ctx.note(format!("warning: {m}"));
    }
    for e in &plan.unread {
        ctx.note(format!(
            "warning: {e}\n  (its selections cannot be tied to segments; try --reading document)"
        ));
    }
    let tree = &plan.codes.tree;
    let rel = ctx.project.relative(&plan.codes.path);
    match (tree.new_codes.len(), tree.reused.len()) {
        (0, 0) => ctx.note("codebook: the package has no codes"),
        (0, reused) => ctx.note(format!(
            "codebook: all {reused} codes of the package are already in the codebook"
        )),
        (new, 0) => ctx.note(format!(
            "{rel}: {new} new codes (the package's tree, colours and descriptions; no patterns: people apply them)"
        )),
        (new, reused) => ctx.note(format!(
            "{rel}: {new} new codes (the package's tree, colours and descriptions; no patterns: people apply them); {reused} already in the codebook reused"
        )),
    }
}

/// Write the sources (and their sidecars), the codebook file and the codings file, each
/// atomically; nothing existing is overwritten (the plan chose free names).
fn write_plan(ctx: &Context, plan: &ImportPlan) -> Result<()> {
    std::fs::create_dir_all(&ctx.project.corpus_dir)?;
    for s in plan.sources.iter().filter(|s| !s.present) {
        write_atomically(&s.path, s.text.as_bytes())?;
    }
    for (path, text) in plan.sources.iter().filter_map(|s| s.sidecar.as_ref()) {
        write_atomically(path, text.as_bytes())?;
    }
    if let Some(toml) = &plan.codes.tree.toml {
        std::fs::create_dir_all(&ctx.project.codebook_dir)?;
        write_atomically(&plan.codes.path, toml.as_bytes())?;
    }
    let out = &plan.codings_path;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    write_atomically(out, &plan.codings_csv())?;
    Ok(())
}

/// The closing lines: selections imported and not (with why, the first few named), what was
/// written; exit 1 when a selection ties to nothing.
fn summary(ctx: &Context, plan: &ImportPlan) -> ExitCode {
    if !plan.not_tied.is_empty() {
        let mut why: BTreeMap<String, usize> = BTreeMap::new();
        for n in &plan.not_tied {
            *why.entry(n.why.to_string()).or_default() += 1;
        }
        let reasons: Vec<String> = why.iter().map(|(w, n)| format!("{n} {w}")).collect();
        ctx.note(format!(
            "warning: {} of {} selections not tied to any segment: {}",
            plan.not_tied.len(),
            plan.selections,
            reasons.join("; ")
        ));
        for n in plan.not_tied.iter().take(LISTED) {
            ctx.note(format!("  {n}"));
        }
        if plan.not_tied.len() > LISTED {
            ctx.note(format!("  … and {} more", plan.not_tied.len() - LISTED));
        }
    }
    let new = plan.sources.iter().filter(|s| !s.present).count();
    let sidecars = plan.sources.iter().filter(|s| s.sidecar.is_some()).count();
    let out = ctx.project.relative(&plan.codings_path);
    ctx.note(format!(
        "{} of {} selections imported; {new} source(s) written to the corpus, {} already there, {sidecars} sidecar(s) saying how a source is read; {} coding row(s) in {out}; compare with `qcode agree {out}`",
        plan.imported,
        plan.selections,
        plan.sources.len() - new,
        plan.rows.len(),
    ));
    if plan.not_tied.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
