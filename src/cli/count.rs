//! `qcode count CORPUS -o PREFIX`: code a large file of responses with the codebook and count,
//! without building an index. Streams the input, codes in parallel, writes per-segment counts
//! and the code × role matrix: the job dictionary tools (WordStat, LIWC, a pyahocorasick
//! script) do, with the same output whatever the thread count.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, Result};

use qcode::codebook::load_codebook_within;
use qcode::coding::count::{
    count, count_tsv_slice, output_paths, write_matrix, Counter, InputFormat, BLOCK_BYTES,
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

Examples:
  qcode count responses.csv -o counts
  qcode count corpus.tsv --codebook bench.json -o out/run1
  RAYON_NUM_THREADS=1 qcode count corpus.tsv -o single"
)]
pub struct Args {
    /// The corpus: TSV or CSV with `id` (or `segment_id`) and `text` columns and optionally
    /// `role` (else `speaker`), read as `qcode index` reads it.
    corpus: PathBuf,
    /// Output prefix: PREFIX.seg.tsv and PREFIX.matrix.tsv are written (atomically).
    #[arg(long, short, value_name = "PREFIX")]
    out: PathBuf,
    /// Write even over a symbolic link or one of the project's own files.
    #[arg(long)]
    force: bool,
    /// Codebook folder or file (TOML, or a dictionary `codebook import` reads, e.g. JSON);
    /// default: the project's codebook.
    #[arg(long, value_name = "PATH")]
    codebook: Option<PathBuf>,
    /// Input format (default: by extension; .tsv and .tab are TSV, anything else CSV).
    #[arg(long, value_enum)]
    format: Option<CorpusFormat>,
    /// Also print a one-line JSON summary on stderr (segments, matches, seconds): what
    /// ../shared/bench/run_bench.py reads from each tool.
    #[arg(long)]
    summary_json: bool,
}

/// Bytes of a mapped TSV coded between two merges.
const WINDOW: usize = 64 << 20;

// Long (about 110 lines): flags to values, the codebook and role table loaded, the two output
// files opened as temporaries, the mapped or read path chosen and run, then both files renamed
// into place and the summary printed, in that order so nothing half-written is left behind; the
// counting itself is the library's (qcode::coding::count).
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
    let format = match args.format {
        Some(CorpusFormat::Tsv) => InputFormat::Tsv,
        Some(CorpusFormat::Csv) => InputFormat::Csv,
        None => InputFormat::for_path(&args.corpus),
    };
    let input = std::fs::File::open(&args.corpus)
        .with_context(|| format!("{}: cannot open the corpus", args.corpus.display()))?;
    let (seg_path, matrix_path) = output_paths(&args.out);
    for p in [&seg_path, &matrix_path] {
        super::output::check_target(&ctx.project, p, args.force)?;
    }
    if let Some(dir) = seg_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
    }
    let seg_tmp = temp_beside(&seg_path)?;
    let mut seg_out = std::io::BufWriter::with_capacity(1 << 20, seg_tmp);
    let tally = if format == InputFormat::Tsv && input.metadata().is_ok_and(|m| m.is_file()) {
        // A TSV file is mapped rather than read: no copy, no reader thread. SAFETY: the map
        // is only read; the file is the user's corpus, which qcode never writes (a file
        // truncated by another program meanwhile would end the process with SIGBUS, as it
        // would ripgrep's).
        let map = unsafe { memmap2::Mmap::map(&input) }
            .with_context(|| format!("{}: cannot read the corpus", args.corpus.display()))?;
        let _ = map.advise(memmap2::Advice::Sequential);
        // Only a file much larger than a window needs its counted pages given back.
        let release = map.len() > 4 * WINDOW;
        count_tsv_slice(
            &map,
            &args.corpus,
            WINDOW,
            counter,
            &mut seg_out,
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
        )?
    } else {
        count(
            input,
            format,
            BLOCK_BYTES,
            &args.corpus,
            counter,
            &mut seg_out,
        )?
    };
    let seg_tmp = seg_out
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("cannot write {} (disk full?)", seg_path.display()))?;
    let mut matrix_tmp = temp_beside(&matrix_path)?;
    let mut m = Vec::new();
    write_matrix(&tally, &code_ids, &mut m)?;
    matrix_tmp
        .write_all(&m)
        .with_context(|| format!("cannot write {}", matrix_path.display()))?;
    persist(seg_tmp, &seg_path)?;
    persist(matrix_tmp, &matrix_path)?;
    let secs = t0.elapsed().as_secs_f64();
    let total: u64 = tally.matrix.iter().flatten().sum();
    ctx.note(format!(
        "counted {} segments ({} coded), {} code occurrences, {:.1} MB in {:.2} s ({:.0} MB/s) → {}, {}",
        tally.segments,
        tally.coded,
        total,
        tally.bytes as f64 / 1e6,
        secs,
        tally.bytes as f64 / 1e6 / secs.max(1e-9),
        seg_path.display(),
        matrix_path.display()
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
