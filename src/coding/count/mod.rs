//! Streaming coding without an index: `qcode count`. A table corpus (TSV or CSV, its columns and
//! row rules those of [`crate::transcript::table`], as the index reads it) is read in blocks by a
//! reader thread, or mapped ([`count_tsv_slice`]); each block's rows are coded in parallel, and
//! per-segment code counts are written in corpus order while a code × role matrix accumulates.
//! Memory holds a few blocks, whatever the size of the input; the output is the same bytes
//! whatever the thread count.
//!
//! [`read`] turns bytes into rows, [`tally`] codes rows and adds up the matrix, [`write`] shapes
//! the output; this file runs them.

mod read;
mod tally;
mod write;

pub use write::{output_paths, write_long, write_matrix};

use std::io::{Read, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::mpsc;

use rayon::prelude::*;

use super::Matcher;
use crate::diag::SourceError;
use crate::roles::RoleTable;
use read::{empty_file, header_line, line_ranges, read_csv, read_tsv, split_rows, Block, TsvBlock};
use tally::{code_run, RunOut, Tallier};

/// Bytes read per block: big enough that each parallel task has real work, small enough that
/// memory stays flat (a handful of blocks are alive at once).
pub const BLOCK_BYTES: usize = 8 << 20;

/// How the input is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// Tab-separated, one row per line, no quoting (the IANA TSV format).
    Tsv,
    /// RFC 4180 CSV: quoted fields may hold commas and newlines.
    Csv,
}

impl InputFormat {
    /// By extension: `.tsv` and `.tab` are TSV, anything else CSV.
    pub fn for_path(path: &Path) -> InputFormat {
        match crate::transcript::table_delimiter(path) {
            Some(b'\t') => InputFormat::Tsv,
            _ => InputFormat::Csv,
        }
    }
}

/// What rows are counted with: the compiled codebook, its code ids (in codebook order, as the
/// output names them) and its role table (which makes role labels the matrix's role ids).
#[derive(Clone, Copy)]
pub struct Counter<'a> {
    pub matcher: &'a Matcher,
    pub code_ids: &'a [String],
    pub roles: &'a RoleTable,
}

/// What a count run found, besides the per-segment rows it wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Role ids, as the index assigns them (see [`crate::transcript::table::resolve_role`]), in
    /// order of first appearance among coded rows: the matrix's columns.
    pub roles: Vec<String>,
    /// `matrix[code][role]`: occurrences of the code in segments of that role.
    pub matrix: Vec<Vec<u64>>,
    /// Rows that are segments (a row with blank text is not).
    pub segments: u64,
    /// Segments with at least one code.
    pub coded: u64,
    pub bytes: u64,
}

/// Errors of a count run.
#[derive(Debug, thiserror::Error)]
pub enum CountError {
    #[error("{0}")]
    Input(Box<SourceError>),
    #[error("cannot write the counts: {0}")]
    Output(#[from] std::io::Error),
}

fn input_error(e: SourceError) -> CountError {
    CountError::Input(Box::new(e))
}

/// Count codes in `input` (named `path` in errors), writing `segment_id, code_id, count` rows
/// (tab-separated, header first, only nonzero counts, corpus order, codes in codebook order) to
/// `out`. Every row is coded, whatever its role.
pub fn count<R: Read + Send, W: Write>(
    input: R,
    format: InputFormat,
    block_bytes: usize,
    path: &Path,
    counter: Counter<'_>,
    out: &mut W,
) -> Result<Tally, CountError> {
    let (tx, rx) = mpsc::sync_channel::<Result<Block, SourceError>>(2);
    // Coded blocks' buffers go back to the reader: reusing them saves the page faults of a
    // fresh 8 MB allocation per block, which cost as much as reading.
    let (back_tx, back_rx) = mpsc::channel::<Vec<u8>>();
    let path_buf = path.to_path_buf();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let spare = || back_rx.try_recv().unwrap_or_default();
            let r = match format {
                InputFormat::Tsv => read_tsv(input, &path_buf, block_bytes, &spare, &tx),
                InputFormat::Csv => read_csv(input, &path_buf, block_bytes, &spare, &tx),
            };
            if let Err(e) = r {
                let _ = tx.send(Err(e));
            }
        });
        let r = consume(&rx, &back_tx, path, counter, out);
        // Dropping the receiver ends the reader at its next send.
        drop(rx);
        r
    })
}

fn consume<W: Write>(
    rx: &mpsc::Receiver<Result<Block, SourceError>>,
    back: &mpsc::Sender<Vec<u8>>,
    path: &Path,
    counter: Counter<'_>,
    out: &mut W,
) -> Result<Tally, CountError> {
    let mut tally = Tallier::new(counter.code_ids.len(), counter.roles);
    out.write_all(write::HEADER)?;
    for block in rx {
        let block = block.map_err(input_error)?;
        // Rows are coded in parallel in runs of rows; each run writes its own output and
        // tallies per role locally; runs are then merged in order. TSV rows are split into
        // lines and fields inside the runs, so that work is parallel too.
        let runs: Vec<Result<RunOut, SourceError>> = match &block.tsv {
            None => block
                .rows
                .par_chunks(256)
                .map(|rows| code_run(&block.buf, rows, None, path, counter))
                .collect(),
            Some(t) => tsv_runs(&block.buf, t, path, counter),
        };
        tally.merge(runs, out)?;
        tally.segments += block.rows.len() as u64;
        tally.bytes += block.buf.len() as u64;
        let _ = back.send(block.buf);
    }
    Ok(tally.finish())
}

/// The TSV rows of `buf` from `t.start`, split and coded in parallel runs of about 128 KB.
fn tsv_runs(
    buf: &[u8],
    t: &TsvBlock,
    path: &Path,
    counter: Counter<'_>,
) -> Vec<Result<RunOut, SourceError>> {
    line_ranges(buf, t.start, 1 << 17)
        .into_par_iter()
        .map(|r| {
            let rows = split_rows(buf, r, t, path)?;
            let mut run = code_run(buf, &rows, Some(t), path, counter)?;
            run.segments = rows.len() as u64;
            Ok(run)
        })
        .collect()
}

/// Count a TSV corpus that is already in memory, typically a memory-mapped file: no reader
/// thread and no copy. It goes through `data` a window of about `window` bytes at a time and
/// calls `done` with each range it will not read again (so the caller can drop those pages).
/// Same output as [`count`].
pub fn count_tsv_slice<W: Write>(
    data: &[u8],
    path: &Path,
    window: usize,
    counter: Counter<'_>,
    out: &mut W,
    done: &mut dyn FnMut(Range<usize>),
) -> Result<Tally, CountError> {
    let bom = if data.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let (cols, start, header_lines) = header_line(data, bom, path).map_err(input_error)?;
    let Some(cols) = cols else {
        return Err(input_error(empty_file(path)));
    };
    let line = 1 + header_lines;
    // Line numbers are counted from here, and only when an error needs one.
    let mut t = TsvBlock {
        start,
        first_line: line,
        cols,
    };
    let data_start = start;
    let mut tally = Tallier::new(counter.code_ids.len(), counter.roles);
    out.write_all(write::HEADER)?;
    let mut at = start;
    while at < data.len() {
        let end = if at + window >= data.len() {
            data.len()
        } else {
            memchr::memchr(b'\n', &data[at + window..]).map_or(data.len(), |i| at + window + i + 1)
        };
        t.start = at;
        let runs = tsv_runs(&data[..end], &t, path, counter);
        // An error's line is counted from the first data line, not this window.
        let runs = runs
            .into_iter()
            .map(|r| {
                r.map_err(|mut e| {
                    if e.line > 0 {
                        e.line += memchr::memchr_iter(b'\n', &data[data_start..at]).count();
                    }
                    e
                })
            })
            .collect();
        tally.merge(runs, out)?;
        done(at..end);
        at = end;
    }
    tally.bytes = data.len() as u64;
    Ok(tally.finish())
}

#[cfg(test)]
mod tests;
