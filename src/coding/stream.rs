//! Streaming coding without an index: `qcode count`. A corpus of rows (TSV `segment_id, role,
//! text` or a CSV with `id`, `text` and `role` columns) is read in blocks by a reader thread,
//! each block's rows are coded in parallel, and per-segment code counts are written in corpus
//! order while a code × role matrix accumulates. Memory holds a few blocks, whatever the size
//! of the input; the output is the same bytes whatever the thread count.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use rayon::prelude::*;

use super::Matcher;
use crate::diag::SourceError;

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

/// What a count run found, besides the per-segment rows it wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Role values in order of first appearance among coded rows (`(none)` for a row without
    /// one).
    pub roles: Vec<String>,
    /// `matrix[code][role]`: occurrences of the code in segments of that role.
    pub matrix: Vec<Vec<u64>>,
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

/// A block of rows: the bytes they live in and, per row, its line and the id, role and text
/// ranges.
struct Block {
    buf: Vec<u8>,
    rows: Vec<Row>,
    /// TSV: the rows are not split yet (that happens in parallel, in [`consume`]).
    tsv: Option<TsvBlock>,
}

/// Where a TSV block's rows start, the line of its first byte, and the columns.
#[derive(Debug, Clone, Copy)]
struct TsvBlock {
    start: usize,
    first_line: u64,
    cols: Columns,
}

struct Row {
    line: u64,
    id: Range<usize>,
    role: Range<usize>,
    text: Range<usize>,
}

/// Which column holds what (role absent: every row's role is `(none)`).
#[derive(Debug, Clone, Copy)]
struct Columns {
    id: usize,
    role: Option<usize>,
    text: usize,
    n: usize,
}

fn columns(path: &Path, header: &[String]) -> Result<Columns, SourceError> {
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
    };
    let id = find(&["segment_id", "id"]);
    let text = find(&["text"]);
    match (id, text) {
        (Some(id), Some(text)) => Ok(Columns {
            id,
            role: find(&["role"]).or_else(|| find(&["speaker"])),
            text,
            n: header.len(),
        }),
        (id, _) => Err(SourceError::new(
            path,
            1,
            1,
            format!(
                "the header has no `{}` column",
                if id.is_none() { "segment_id` or `id" } else { "text" }
            ),
        )
        .with_help(format!(
            "the first row must name the columns: `segment_id` (or `id`), `text`, and optionally `role`; found: {}",
            header.join(", ")
        ))),
    }
}

/// Count codes in `input` (named `path` in errors), writing `segment_id, code_id, count` rows
/// (tab-separated, header first, only nonzero counts, corpus order, codes in codebook order) to
/// `out`. Every row is coded, whatever its role.
pub fn count<R: Read + Send, W: Write>(
    input: R,
    format: InputFormat,
    block_bytes: usize,
    path: &Path,
    matcher: &Matcher,
    code_ids: &[String],
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
        let r = consume(&rx, &back_tx, path, matcher, code_ids, out);
        // Dropping the receiver ends the reader at its next send.
        drop(rx);
        r
    })
}

fn consume<W: Write>(
    rx: &mpsc::Receiver<Result<Block, SourceError>>,
    back: &mpsc::Sender<Vec<u8>>,
    path: &Path,
    matcher: &Matcher,
    code_ids: &[String],
    out: &mut W,
) -> Result<Tally, CountError> {
    let mut tally = Tallier::new(code_ids.len());
    out.write_all(HEADER)?;
    for block in rx {
        let block = block.map_err(input_error)?;
        // Rows are coded in parallel in runs of rows; each run writes its own output and
        // tallies per role locally; runs are then merged in order. TSV rows are split into
        // lines and fields inside the runs, so that work is parallel too.
        let runs: Vec<Result<RunOut, SourceError>> = match &block.tsv {
            None => block
                .rows
                .par_chunks(256)
                .map(|rows| code_run(&block.buf, rows, None, path, matcher, code_ids))
                .collect(),
            Some(t) => tsv_runs(&block.buf, t, path, matcher, code_ids),
        };
        tally.merge(runs, out)?;
        tally.segments += block.rows.len() as u64;
        tally.bytes += block.buf.len() as u64;
        let _ = back.send(block.buf);
    }
    Ok(tally.finish())
}

const HEADER: &[u8] = b"segment_id\tcode_id\tcount\n";

/// The TSV rows of `buf` from `t.start`, split and coded in parallel runs of about 128 KB.
fn tsv_runs(
    buf: &[u8],
    t: &TsvBlock,
    path: &Path,
    matcher: &Matcher,
    code_ids: &[String],
) -> Vec<Result<RunOut, SourceError>> {
    line_ranges(buf, t.start, 1 << 17)
        .into_par_iter()
        .map(|r| {
            let rows = split_rows(buf, r, t, path)?;
            let mut run = code_run(buf, &rows, Some(t), path, matcher, code_ids)?;
            run.segments = rows.len() as u64;
            Ok(run)
        })
        .collect()
}

/// The matrix and totals, merged from runs in corpus order.
struct Tallier {
    roles: Vec<String>,
    role_at: HashMap<Vec<u8>, usize>,
    matrix: Vec<Vec<u64>>,
    segments: u64,
    coded: u64,
    bytes: u64,
}

impl Tallier {
    fn new(n_codes: usize) -> Tallier {
        Tallier {
            roles: Vec::new(),
            role_at: HashMap::new(),
            matrix: vec![Vec::new(); n_codes],
            segments: 0,
            coded: 0,
            bytes: 0,
        }
    }

    /// Write each run's rows and add up its tallies, in order; the first bad row stops it.
    fn merge<W: Write>(
        &mut self,
        runs: Vec<Result<RunOut, SourceError>>,
        out: &mut W,
    ) -> Result<(), CountError> {
        for run in runs {
            let run = run.map_err(input_error)?;
            out.write_all(&run.out)?;
            self.coded += run.coded;
            self.segments += run.segments;
            for (role, counts) in run.roles {
                let col = match self.role_at.get(&role) {
                    Some(&c) => c,
                    None => {
                        self.roles.push(String::from_utf8_lossy(&role).into_owned());
                        for row in &mut self.matrix {
                            row.push(0);
                        }
                        self.role_at.insert(role, self.roles.len() - 1);
                        self.roles.len() - 1
                    }
                };
                for (c, n) in counts.iter().enumerate() {
                    self.matrix[c][col] += n;
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Tally {
        Tally {
            roles: self.roles,
            matrix: self.matrix,
            segments: self.segments,
            coded: self.coded,
            bytes: self.bytes,
        }
    }
}

/// Count a TSV corpus that is already in memory, typically a memory-mapped file: no reader
/// thread and no copy. It goes through `data` a window of about `window` bytes at a time and
/// calls `done` with each range it will not read again (so the caller can drop those pages).
/// Same output as [`count`].
pub fn count_tsv_slice<W: Write>(
    data: &[u8],
    path: &Path,
    window: usize,
    matcher: &Matcher,
    code_ids: &[String],
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
    let mut tally = Tallier::new(code_ids.len());
    out.write_all(HEADER)?;
    let mut at = start;
    while at < data.len() {
        let end = if at + window >= data.len() {
            data.len()
        } else {
            memchr::memchr(b'\n', &data[at + window..]).map_or(data.len(), |i| at + window + i + 1)
        };
        t.start = at;
        let runs = tsv_runs(&data[..end], &t, path, matcher, code_ids);
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

struct RunOut {
    out: Vec<u8>,
    /// Rows split by the run itself (TSV).
    segments: u64,
    /// Per role, in order of first appearance in the run: occurrences per code.
    roles: Vec<(Vec<u8>, Vec<u64>)>,
    coded: u64,
}

fn code_run(
    buf: &[u8],
    rows: &[Row],
    tsv: Option<&TsvBlock>,
    path: &Path,
    matcher: &Matcher,
    code_ids: &[String],
) -> Result<RunOut, SourceError> {
    let mut counts = vec![0u32; code_ids.len()];
    let mut run = RunOut {
        segments: 0,
        out: Vec::with_capacity(rows.len() * 32),
        roles: Vec::new(),
        coded: 0,
    };
    let mut itoa = itoa::Buffer::new();
    for row in rows {
        let text = std::str::from_utf8(&buf[row.text.clone()]).map_err(|e| {
            SourceError::new(
                path,
                tsv.map_or(row.line, |t| line_of(buf, t, row.id.start)) as usize,
                0,
                format!("invalid UTF-8 at byte {} of the text", e.valid_up_to() + 1),
            )
            .with_help("save the file as UTF-8 (in Excel: CSV UTF-8; in a text editor: Save with Encoding)")
        })?;
        counts.iter_mut().for_each(|c| *c = 0);
        match matcher {
            Matcher::Dictionary(m) => {
                m.count(text, &mut counts);
                m.apply_min_hits(&mut counts);
            }
            Matcher::Rules(_) => {
                for c in matcher.code(text) {
                    counts[c.code as usize] = c.hits.len() as u32;
                }
            }
        }
        if counts.iter().all(|&c| c == 0) {
            continue;
        }
        run.coded += 1;
        let role = match &buf[row.role.clone()] {
            b"" => &b"(none)"[..],
            r => r,
        };
        let slot = match run.roles.iter().position(|(r, _)| r == role) {
            Some(i) => i,
            None => {
                run.roles.push((role.to_vec(), vec![0; code_ids.len()]));
                run.roles.len() - 1
            }
        };
        let id = &buf[row.id.clone()];
        for (c, &n) in counts.iter().enumerate() {
            if n > 0 {
                run.roles[slot].1[c] += n as u64;
                run.out.extend_from_slice(id);
                run.out.push(b'\t');
                run.out.extend_from_slice(code_ids[c].as_bytes());
                run.out.push(b'\t');
                run.out.extend_from_slice(itoa.format(n).as_bytes());
                run.out.push(b'\n');
            }
        }
    }
    Ok(run)
}

/// Read TSV blocks: whole lines only; the partial last line moves to the next block. The header
/// is read here; the rows are split later, in parallel.
fn read_tsv<R: Read>(
    mut input: R,
    path: &Path,
    block_bytes: usize,
    spare: &dyn Fn() -> Vec<u8>,
    tx: &mpsc::SyncSender<Result<Block, SourceError>>,
) -> Result<(), SourceError> {
    let io = |e: std::io::Error| SourceError::whole_file(path, format!("cannot read: {e}"));
    let mut carry: Vec<u8> = Vec::new();
    let mut cols: Option<Columns> = None;
    let mut line = 1u64;
    let mut eof = false;
    while !eof {
        let mut buf = spare();
        buf.clear();
        buf.append(&mut carry);
        let want = buf.len() + block_bytes;
        buf.reserve(block_bytes);
        while buf.len() < want {
            let start = buf.len();
            buf.resize(want, 0);
            let n = input.read(&mut buf[start..]).map_err(io)?;
            buf.truncate(start + n);
            if n == 0 {
                eof = true;
                break;
            }
        }
        // Cut after the last newline; the rest starts the next block.
        let cut = if eof {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf) {
                Some(i) => i + 1,
                None => {
                    carry = buf; // one line longer than a block: keep reading it
                    continue;
                }
            }
        };
        carry.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
        let mut start = 0;
        let first_line = line;
        let c = match cols {
            Some(c) => c,
            None => {
                if buf.starts_with(b"\xEF\xBB\xBF") {
                    start = 3;
                }
                let (found, next, lines) = header_line(&buf, start, path)?;
                (cols, start) = (found, next);
                line += lines;
                match cols {
                    Some(c) => c,
                    None if eof => return Err(empty_file(path)),
                    None => continue,
                }
            }
        };
        let header_lines = line - first_line;
        line += memchr::memchr_iter(b'\n', &buf[start..]).count() as u64;
        let tsv = TsvBlock {
            start,
            first_line: first_line + header_lines,
            cols: c,
        };
        let block = Block {
            buf,
            rows: Vec::new(),
            tsv: Some(tsv),
        };
        if tx.send(Ok(block)).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// The line of byte `at` of a TSV block (1-based, in the file).
fn line_of(buf: &[u8], t: &TsvBlock, at: usize) -> u64 {
    t.first_line + memchr::memchr_iter(b'\n', &buf[t.start..at]).count() as u64
}

/// The header: the first line from `start` that is not blank. Returns its columns (None when
/// `buf` has no such line), where the rows start, and how many lines were read.
fn header_line(
    buf: &[u8],
    mut start: usize,
    path: &Path,
) -> Result<(Option<Columns>, usize, u64), SourceError> {
    let mut lines = 0;
    while start < buf.len() {
        let end = memchr::memchr(b'\n', &buf[start..]).map_or(buf.len(), |i| start + i);
        let text = buf[start..end]
            .strip_suffix(b"\r")
            .unwrap_or(&buf[start..end]);
        lines += 1;
        start = (end + 1).min(buf.len());
        if !text.is_empty() {
            let header: Vec<String> = split_tabs(0, text)
                .into_iter()
                .map(|r| String::from_utf8_lossy(&text[r]).into_owned())
                .collect();
            return Ok((Some(columns(path, &header)?), start, lines));
        }
    }
    Ok((None, start, lines))
}

fn empty_file(path: &Path) -> SourceError {
    SourceError::whole_file(path, "the file is empty")
        .with_help("a corpus file needs a header row and one row per segment")
}

/// Ranges of `buf` from `start`, each about `size` bytes and ending after a newline (or at the
/// end of the buffer).
fn line_ranges(buf: &[u8], start: usize, size: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut at = start;
    while at < buf.len() {
        let end = if at + size >= buf.len() {
            buf.len()
        } else {
            memchr::memchr(b'\n', &buf[at + size..]).map_or(buf.len(), |i| at + size + i + 1)
        };
        out.push(at..end);
        at = end;
    }
    out
}

/// Split the lines of `range` into rows; blank lines are skipped. The line number of a row is
/// counted only when it is needed for an error.
fn split_rows(
    buf: &[u8],
    range: Range<usize>,
    t: &TsvBlock,
    path: &Path,
) -> Result<Vec<Row>, SourceError> {
    let mut rows = Vec::with_capacity(range.len() / 400 + 1);
    let mut at = range.start;
    while at < range.end {
        let end = memchr::memchr(b'\n', &buf[at..range.end]).map_or(range.end, |i| at + i);
        let mut stop = end;
        if stop > at && buf[stop - 1] == b'\r' {
            stop -= 1;
        }
        let this = at;
        at = end + 1;
        if stop == this {
            continue;
        }
        let fields = split_tabs(this, &buf[this..stop]);
        if fields.len() != t.cols.n {
            return Err(SourceError::new(
                path,
                line_of(buf, t, this) as usize,
                0,
                format!("this row has {} columns, the header {}", fields.len(), t.cols.n),
            )
            .with_help("TSV has no quoting: a tab inside the text splits it; replace tabs in the text with spaces"));
        }
        let c = t.cols;
        rows.push(Row {
            line: 0, // counted on error, see `line_of`
            id: fields[c.id].clone(),
            role: c.role.map_or(0..0, |r| fields[r].clone()),
            text: fields[c.text].clone(),
        });
    }
    Ok(rows)
}

fn split_tabs(offset: usize, line: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(3);
    let mut start = 0;
    for i in memchr::memchr_iter(b'\t', line) {
        out.push(offset + start..offset + i);
        start = i + 1;
    }
    out.push(offset + start..offset + line.len());
    out
}

/// Read CSV records into blocks of about `block_bytes`, copying the three fields used.
fn read_csv<R: Read>(
    input: R,
    path: &Path,
    block_bytes: usize,
    spare: &dyn Fn() -> Vec<u8>,
    tx: &mpsc::SyncSender<Result<Block, SourceError>>,
) -> Result<(), SourceError> {
    let fail = |e: csv::Error| {
        let line = e.position().map_or(0, |p| p.line() as usize);
        SourceError::new(path, line, 0, format!("not valid CSV: {e}"))
            .with_help("check the quoting: a field with commas or newlines must be in double quotes, and a quote inside it doubled")
    };
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let header: Vec<String> = rdr
        .headers()
        .map_err(fail)?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let c = columns(path, &header)?;
    let mut record = csv::ByteRecord::new();
    let mut block = Block {
        buf: {
            let mut b = spare();
            b.clear();
            b
        },
        rows: Vec::new(),
        tsv: None,
    };
    while rdr.read_byte_record(&mut record).map_err(fail)? {
        let line = record.position().map_or(0, |p| p.line());
        let push = |i: usize, buf: &mut Vec<u8>| {
            let s = buf.len();
            buf.extend_from_slice(&record[i]);
            s..buf.len()
        };
        let id = push(c.id, &mut block.buf);
        let role = c.role.map_or(0..0, |r| push(r, &mut block.buf));
        let text = push(c.text, &mut block.buf);
        block.rows.push(Row {
            line,
            id,
            role,
            text,
        });
        if block.buf.len() >= block_bytes {
            let full = std::mem::replace(
                &mut block,
                Block {
                    buf: {
                        let mut b = spare();
                        b.clear();
                        b
                    },
                    rows: Vec::new(),
                    tsv: None,
                },
            );
            if tx.send(Ok(full)).is_err() {
                return Ok(());
            }
        }
    }
    let _ = tx.send(Ok(block));
    Ok(())
}

/// The code × role matrix as TSV: `code_id`, then one column per role.
pub fn write_matrix<W: Write>(
    tally: &Tally,
    code_ids: &[String],
    out: &mut W,
) -> std::io::Result<()> {
    write!(out, "code_id")?;
    for r in &tally.roles {
        write!(out, "\t{r}")?;
    }
    writeln!(out)?;
    for (c, id) in code_ids.iter().enumerate() {
        write!(out, "{id}")?;
        for n in &tally.matrix[c] {
            write!(out, "\t{n}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The two output files of a prefix: `PREFIX.seg.tsv` and `PREFIX.matrix.tsv`.
pub fn output_paths(prefix: &Path) -> (PathBuf, PathBuf) {
    let p = prefix.as_os_str().to_owned();
    let with = |ext: &str| {
        let mut s = p.clone();
        s.push(ext);
        PathBuf::from(s)
    };
    (with(".seg.tsv"), with(".matrix.tsv"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Code, Codebook, Matching, Pattern, PatternKind};

    fn dictionary(codes: &[(&str, &[&str])]) -> Codebook {
        let mut cb = Codebook::empty();
        cb.matching = Matching::Dictionary;
        for (id, pats) in codes {
            let mut c = Code::new(id, id, "code");
            c.patterns = pats
                .iter()
                .map(|p| Pattern {
                    text: p.to_string(),
                    kind: PatternKind::Seq(Vec::new()),
                })
                .collect();
            cb.codes.push(c);
        }
        cb
    }

    fn run(input: &str, format: InputFormat, block: usize) -> Result<(String, Tally), CountError> {
        let cb = dictionary(&[
            ("a", &["trust*", "lack of trust"]),
            ("b", &["council", "trust"]),
        ]);
        let ids: Vec<String> = cb.codes.iter().map(|c| c.id.clone()).collect();
        let mut out = Vec::new();
        let tally = count(
            input.as_bytes(),
            format,
            block,
            Path::new("c.tsv"),
            &Matcher::new(&cb).unwrap(),
            &ids,
            &mut out,
        )?;
        Ok((String::from_utf8(out).unwrap(), tally))
    }

    /// Rows of varied length, one longer than the smallest block.
    fn corpus(sep: char) -> String {
        let mut s = format!("segment_id{sep}role{sep}text\n");
        let words = [
            "trust",
            "council",
            "lack of trust",
            "the",
            "trusted",
            "distrust",
            "Council's",
        ];
        for i in 0..300 {
            let n = 1 + (i * 7) % 23;
            let text: Vec<&str> = (0..n).map(|k| words[(i + k * 3) % words.len()]).collect();
            let role = ["participant", "interviewer", "observer"][i % 3];
            s.push_str(&format!("r{i}{sep}{role}{sep}{}\n", text.join(" ")));
        }
        s
    }

    #[test]
    fn block_size_does_not_change_the_output() {
        for (format, sep) in [(InputFormat::Tsv, '\t'), (InputFormat::Csv, ',')] {
            let input = corpus(sep);
            let (big, t_big) = run(&input, format, BLOCK_BYTES).unwrap();
            for block in [16, 100, 1000] {
                let (small, t_small) = run(&input, format, block).unwrap();
                assert_eq!(big, small, "block {block}");
                assert_eq!(t_big, t_small);
            }
            assert_eq!(t_big.segments, 300);
            assert!(big.lines().count() > 300);
        }
    }

    #[test]
    fn a_mapped_tsv_counts_the_same_in_any_window() {
        let cb = dictionary(&[
            ("a", &["trust*", "lack of trust"]),
            ("b", &["council", "trust"]),
        ]);
        let ids: Vec<String> = cb.codes.iter().map(|c| c.id.clone()).collect();
        let m = Matcher::new(&cb).unwrap();
        let input = corpus('\t');
        let (reference, t_ref) = run(&input, InputFormat::Tsv, BLOCK_BYTES).unwrap();
        for window in [1, 64, 5000, 1 << 26] {
            let mut out = Vec::new();
            let mut released = 0;
            let t = count_tsv_slice(
                input.as_bytes(),
                Path::new("c.tsv"),
                window,
                &m,
                &ids,
                &mut out,
                &mut |r| released += r.len(),
            )
            .unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                reference,
                "window {window}"
            );
            assert_eq!(
                (t.roles.clone(), t.matrix.clone()),
                (t_ref.roles.clone(), t_ref.matrix.clone())
            );
            assert_eq!(t.segments, t_ref.segments);
            // Every byte after the header is handed back once.
            assert_eq!(released, input.len() - input.find('\n').unwrap() - 1);
        }
        // A bad row far into the file is named by its line, whatever the window.
        let bad = format!("{input}x\tparticipant\n");
        let lines = bad.lines().count();
        for window in [64, 1 << 26] {
            let Err(CountError::Input(e)) = count_tsv_slice(
                bad.as_bytes(),
                Path::new("c.tsv"),
                window,
                &m,
                &ids,
                &mut Vec::new(),
                &mut |_| {},
            ) else {
                panic!("expected an input error");
            };
            assert_eq!(e.line, lines, "window {window}");
        }
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(100))]
        /// Any bytes: the reader and the mapped path never panic, agree on success, and
        /// agree with the reader at a tiny block size.
        #[test]
        fn any_input_is_counted_or_refused_the_same_way(
            body in proptest::collection::vec(
                prop_oneof![
                    4 => proptest::sample::select(vec!["trust", "council", "lack of trust", "x", "Trusted"]).prop_map(|w| w.as_bytes().to_vec()),
                    2 => Just(b"\t".to_vec()),
                    2 => Just(b"\n".to_vec()),
                    1 => Just(b"\r\n".to_vec()),
                    1 => Just(b" ".to_vec()),
                    1 => any::<u8>().prop_map(|b| vec![b]),
                ],
                0..60,
            ),
            header in proptest::bool::ANY,
        ) {
            let mut input = if header { b"segment_id\trole\ttext\n".to_vec() } else { Vec::new() };
            input.extend(body.into_iter().flatten());
            let cb = dictionary(&[("a", &["trust*", "lack of trust"]), ("b", &["council"])]);
            let ids: Vec<String> = cb.codes.iter().map(|c| c.id.clone()).collect();
            let m = Matcher::new(&cb).unwrap();
            let read = |block: usize| {
                let mut out = Vec::new();
                count(input.as_slice(), InputFormat::Tsv, block, Path::new("f.tsv"), &m, &ids, &mut out)
                    .map(|t| (out, t))
                    .map_err(|e| e.to_string())
            };
            let mut out = Vec::new();
            let mapped = count_tsv_slice(&input, Path::new("f.tsv"), 7, &m, &ids, &mut out, &mut |_| {})
                .map(|t| (out, t))
                .map_err(|e| e.to_string());
            let (big, small) = (read(BLOCK_BYTES), read(5));
            prop_assert_eq!(big.is_ok(), mapped.is_ok(), "{:?} vs {:?}", big, mapped);
            if let (Ok(a), Ok(b), Ok(c)) = (&big, &mapped, &small) {
                prop_assert_eq!(&a.0, &b.0);
                prop_assert_eq!(&a.0, &c.0);
                prop_assert_eq!(&a.1, &b.1.clone());
            }
        }
    }

    #[test]
    fn counts_by_hand() {
        let input = "segment_id\trole\ttext\n\
                     s1\tparticipant\tLack of trust in the council\r\n\
                     s2\tobserver\tnothing\n\
                     \n\
                     s3\t\tTrusted COUNCIL";
        let (out, t) = run(input, InputFormat::Tsv, 8).unwrap();
        // s1: a = trust* + lack of trust; b = council + trust. s3: a = Trusted; b = COUNCIL.
        assert_eq!(
            out,
            "segment_id\tcode_id\tcount\ns1\ta\t2\ns1\tb\t2\ns3\ta\t1\ns3\tb\t1\n"
        );
        assert_eq!(t.roles, vec!["participant", "(none)"]);
        assert_eq!(t.matrix, vec![vec![2, 1], vec![2, 1]]);
        assert_eq!((t.segments, t.coded), (3, 2));
    }

    #[test]
    fn a_ragged_row_names_its_line() {
        let input = "segment_id\trole\ttext\nx\tparticipant\tok\ny\tparticipant\n";
        let Err(CountError::Input(e)) = run(input, InputFormat::Tsv, 4) else {
            panic!("expected an input error");
        };
        assert_eq!(e.line, 3);
        assert!(e.message.contains("2 columns"), "{}", e.message);
        let Err(CountError::Input(e)) = run("id,role\n", InputFormat::Csv, 4) else {
            panic!("expected an input error");
        };
        assert!(e.message.contains("`text`"), "{}", e.message);
    }
}
