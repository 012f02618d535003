//! `qcode count CORPUS -o PREFIX`: code a large file of responses with the codebook and count,
//! without building an index. Streams the input, codes in parallel, writes per-segment counts
//! and the code × role matrix: the job dictionary tools (WordStat, LIWC, a pyahocorasick
//! script) do, with the same output whatever the thread count.

use std::io::{Read as _, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, Result};

use qcode::codebook::load_codebook_within;
use qcode::coding::count::{
    count, count_tsv_slice, output_paths, write_long, write_matrix, Counter, InputFormat, Tally,
    BLOCK_BYTES,
};
use qcode::coding::Matcher;

use super::output::{persist, temp_beside};
use super::Context;

/// How the corpus file is read. This is the input's format, not an output [`super::output::Format`]:
/// count always writes TSV files.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum CorpusFormat {
    Tsv,
    Csv,
}

/// Count codes in a corpus file, streaming: per-segment counts and a code × role matrix.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Writes PREFIX.seg.tsv (segment_id, code_id, count: one row per segment and code that \
occurs, in corpus order, codes in codebook order) and PREFIX.matrix.tsv (codes down, role ids across, in \
order of first appearance: a label the codebook's [roles] maps gives its role id, any other label a \
slug of itself, a row without one `unknown`). Every row is coded, interviewer rows too. A code counts its own hits: a \
parent does not add up its children.

With `-o -` only the code × role counts are written, to standard output, one `code_id<TAB>role<TAB>count` \
line per nonzero count and no header: run per partition of a corpus (Spark's RDD.pipe, Hadoop \
streaming), the partial tables add up by (code_id, role) to the whole's. examples/spark/ does that.

Examples:
  qcode count responses.csv -o counts
  qcode count corpus.tsv --codebook bench.json -o out/run1
  RAYON_NUM_THREADS=1 qcode count corpus.tsv -o single
  qcode count - --codebook bench.json -o - < corpus.tsv
  tail -n +2 corpus.tsv | qcode count - --columns segment_id,role,text -o -"
)]
pub struct Args {
    /// The corpus: TSV or CSV with `id` (or `segment_id`) and `text` columns and optionally
    /// `role` (else `speaker`), read as `qcode index` reads it; `-` reads standard input (TSV
    /// unless --format csv).
    corpus: PathBuf,
    /// Output prefix: PREFIX.seg.tsv and PREFIX.matrix.tsv are written (atomically). `-` writes
    /// the code × role counts to standard output instead, in long form: `code_id<TAB>role<TAB>count`
    /// lines, nonzero counts only, no header, so the tables of a corpus's parts add up.
    #[arg(long, short, value_name = "PREFIX")]
    out: PathBuf,
    /// Write even over a symbolic link or one of the project's own files.
    #[arg(long)]
    force: bool,
    /// Codebook folder or file (TOML, or a dictionary `codebook import` reads, e.g. JSON);
    /// default: the project's codebook.
    #[arg(long, value_name = "PATH")]
    codebook: Option<PathBuf>,
    /// Input format (default: by extension; .tsv and .tab are TSV, anything else CSV; standard
    /// input TSV).
    #[arg(long, value_enum)]
    format: Option<CorpusFormat>,
    /// The input has no header row: these are its columns, in order, comma-separated (e.g.
    /// `segment_id,role,text`). For the parts of a corpus an engine pipes in one at a time.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    columns: Vec<String>,
    /// Also print a one-line JSON summary on stderr (segments, matches, seconds): what
    /// ../shared/bench/run_bench.py reads from each tool.
    #[arg(long)]
    summary_json: bool,
}

/// Bytes of a mapped TSV coded between two merges.
const WINDOW: usize = 64 << 20;

/// Where the counts go: the two files of a prefix, or the long-form table on standard output.
enum Target {
    Files { seg: PathBuf, matrix: PathBuf },
    Stdout,
}

// Flags to values, the codebook loaded, the targets checked, the corpus counted, then the
// output written (files atomically, so nothing half-written is left behind) and the summary
// printed; the counting itself is the library's (qcode::coding::count).
pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let t0 = Instant::now();
    let cb_path = args
        .codebook
        .clone()
        .unwrap_or_else(|| ctx.project.codebook_dir.clone());
    let codebook = load_codebook_within(&cb_path, &ctx.project.limits)?;
    if codebook.codes.is_empty() {
        anyhow::bail!(
            "{}: no codes to count; give a codebook with --codebook",
            cb_path.display()
        );
    }
    let matcher = Matcher::new(&codebook)?;
    let code_ids: Vec<String> = codebook.codes.iter().map(|c| c.id.clone()).collect();
    let counter = Counter {
        matcher: &matcher,
        code_ids: &code_ids,
        roles: &codebook.roles,
    };
    let stdin = args.corpus.as_os_str() == "-";
    let format = match args.format {
        Some(CorpusFormat::Tsv) => InputFormat::Tsv,
        Some(CorpusFormat::Csv) => InputFormat::Csv,
        None if stdin => InputFormat::Tsv,
        None => InputFormat::for_path(&args.corpus),
    };
    let target = target(ctx, &args)?;
    let tally = match &target {
        Target::Stdout => count_input(&args, stdin, format, counter, &mut std::io::sink())?,
        Target::Files { seg, matrix } => {
            let seg_tmp = temp_beside(seg)?;
            let mut seg_out = std::io::BufWriter::with_capacity(1 << 20, seg_tmp);
            let tally = count_input(&args, stdin, format, counter, &mut seg_out)?;
            let seg_tmp = seg_out
                .into_inner()
                .map_err(|e| e.into_error())
                .with_context(|| format!("cannot write {} (disk full?)", seg.display()))?;
            let mut matrix_tmp = temp_beside(matrix)?;
            let mut m = Vec::new();
            write_matrix(&tally, &code_ids, &mut m)?;
            matrix_tmp
                .write_all(&m)
                .with_context(|| format!("cannot write {}", matrix.display()))?;
            persist(seg_tmp, seg)?;
            persist(matrix_tmp, matrix)?;
            tally
        }
    };
    if let Target::Stdout = target {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        write_long(&tally, &code_ids, &mut out)?;
        out.flush()?;
    }
    let secs = t0.elapsed().as_secs_f64();
    let total: u64 = tally.matrix.iter().flatten().sum();
    let written = match &target {
        Target::Files { seg, matrix } => format!("{}, {}", seg.display(), matrix.display()),
        Target::Stdout => "standard output".into(),
    };
    ctx.note(format!(
        "counted {} segments ({} coded), {} code occurrences, {:.1} MB in {:.2} s ({:.0} MB/s) → {written}",
        tally.segments,
        tally.coded,
        total,
        tally.bytes as f64 / 1e6,
        secs,
        tally.bytes as f64 / 1e6 / secs.max(1e-9),
    ));
    if args.summary_json {
        eprintln!(
            "{}",
            serde_json::json!({
                "tool": "qcode",
                "total_matches": total,
                "segments": tally.segments,
                "coded": tally.coded,
                "phases_s": {"total": (secs * 1000.0).round() / 1000.0},
                "matching": format!("{:?}", codebook.matching).to_lowercase(),
            })
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Where `-o` says to write, checked (no link or project file overwritten unasked) and its
/// folder made.
fn target(ctx: &Context, args: &Args) -> Result<Target> {
    if args.out.as_os_str() == "-" {
        return Ok(Target::Stdout);
    }
    let (seg, matrix) = output_paths(&args.out);
    for p in [&seg, &matrix] {
        super::output::check_target(&ctx.project, p, args.force)?;
    }
    if let Some(dir) = seg.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
    }
    Ok(Target::Files { seg, matrix })
}

/// The header `--columns` gives a headerless input, as a line of `format`.
fn header_line(columns: &[String], format: InputFormat) -> Vec<u8> {
    let sep = match format {
        InputFormat::Tsv => "\t",
        InputFormat::Csv => ",",
    };
    format!("{}\n", columns.join(sep)).into_bytes()
}

/// Count the corpus (a file, or standard input), per-segment rows to `seg_out`. A TSV file
/// with its own header is mapped; anything else is read in blocks.
fn count_input<W: Write>(
    args: &Args,
    stdin: bool,
    format: InputFormat,
    counter: Counter<'_>,
    seg_out: &mut W,
) -> Result<Tally> {
    let header = header_line(&args.columns, format);
    let given = |input: Box<dyn std::io::Read + Send>| -> Box<dyn std::io::Read + Send> {
        match args.columns.is_empty() {
            true => input,
            false => Box::new(std::io::Cursor::new(header.clone()).chain(input)),
        }
    };
    if stdin {
        let input = given(Box::new(std::io::stdin()));
        let path = std::path::Path::new("<standard input>");
        return Ok(count(input, format, BLOCK_BYTES, path, counter, seg_out)?);
    }
    let input = std::fs::File::open(&args.corpus)
        .with_context(|| format!("{}: cannot open the corpus", args.corpus.display()))?;
    let mappable = format == InputFormat::Tsv && args.columns.is_empty();
    if mappable && input.metadata().is_ok_and(|m| m.is_file()) {
        return count_mapped(&input, &args.corpus, counter, seg_out);
    }
    let input = given(Box::new(input));
    Ok(count(
        input,
        format,
        BLOCK_BYTES,
        &args.corpus,
        counter,
        seg_out,
    )?)
}

/// Count a TSV file by mapping it rather than reading it: no copy, no reader thread.
fn count_mapped<W: Write>(
    input: &std::fs::File,
    path: &std::path::Path,
    counter: Counter<'_>,
    seg_out: &mut W,
) -> Result<Tally> {
    // SAFETY: the map is only read; the file is the user's corpus, which qcode never writes (a
    // file truncated by another program meanwhile would end the process with SIGBUS, as it
    // would ripgrep's).
    let map = unsafe { memmap2::Mmap::map(input) }
        .with_context(|| format!("{}: cannot read the corpus", path.display()))?;
    let _ = map.advise(memmap2::Advice::Sequential);
    // Only a file much larger than a window needs its counted pages given back.
    let release = map.len() > 4 * WINDOW;
    Ok(count_tsv_slice(
        &map,
        path,
        WINDOW,
        counter,
        seg_out,
        // Windows already counted leave the process's memory (the page cache keeps them).
        &mut |r| {
            if release {
                // SAFETY: a read-only file map; dropped pages are read again from the file.
                unsafe {
                    let _ = map.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        r.start,
                        r.len(),
                    );
                }
            }
        },
    )?)
}
