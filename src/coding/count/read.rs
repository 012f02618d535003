//! Rows for `qcode count`. A TSV corpus is split here, at bytes (lines at `\n`, fields at tabs,
//! no quoting), because that split runs in parallel over a mapped file and is most of the
//! reading; a CSV corpus is read by the transcript table reader. Either way the header is read by
//! [`Header::parse`] and each row by [`Columns::row`]: the columns and row rules are the index's.

use std::io::Read;
use std::ops::Range;
use std::path::Path;
use std::sync::mpsc;

use crate::diag::SourceError;
use crate::transcript::table::{no_id_error, Columns, Header, RowKind, TableReader};

/// A block of rows: the bytes they live in and, per row, its line and the id, role label and
/// text ranges.
pub(super) struct Block {
    pub buf: Vec<u8>,
    pub rows: Vec<Row>,
    /// TSV: the rows are not split yet (that happens in parallel, in [`super::tsv_runs`]).
    pub tsv: Option<TsvBlock>,
}

/// Where a TSV block's rows start, the line of its first byte, and the columns.
#[derive(Debug, Clone, Copy)]
pub(super) struct TsvBlock {
    pub start: usize,
    pub first_line: u64,
    pub cols: Columns,
}

/// A segment: where its id, role label (see [`Columns::row`]) and text are in its block.
pub(super) struct Row {
    /// 0 for a TSV row: counted only when an error needs it (see [`line_of`]).
    pub line: u64,
    pub id: Range<usize>,
    pub role: Range<usize>,
    pub text: Range<usize>,
}

/// Where `part`, a slice of `buf` (or empty), lies in it.
fn range_in(buf: &[u8], part: &[u8]) -> Range<usize> {
    if part.is_empty() {
        return 0..0;
    }
    let start = part.as_ptr() as usize - buf.as_ptr() as usize;
    start..start + part.len()
}

/// Fill `buf` with up to `block_bytes` more bytes of `input`; `true` at the end of the input.
fn fill<R: Read>(
    input: &mut R,
    buf: &mut Vec<u8>,
    block_bytes: usize,
    path: &Path,
) -> Result<bool, SourceError> {
    let want = buf.len() + block_bytes;
    buf.reserve(block_bytes);
    while buf.len() < want {
        let start = buf.len();
        buf.resize(want, 0);
        let n = input
            .read(&mut buf[start..])
            .map_err(|e| SourceError::whole_file(path, format!("cannot read: {e}")))?;
        buf.truncate(start + n);
        if n == 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Read TSV blocks: whole lines only; the partial last line moves to the next block. The header
/// is read here; the rows are split later, in parallel.
pub(super) fn read_tsv<R: Read>(
    mut input: R,
    path: &Path,
    block_bytes: usize,
    spare: &dyn Fn() -> Vec<u8>,
    tx: &mpsc::SyncSender<Result<Block, SourceError>>,
) -> Result<(), SourceError> {
    let mut carry: Vec<u8> = Vec::new();
    let mut cols: Option<Columns> = None;
    let mut line = 1u64;
    let mut eof = false;
    while !eof {
        let mut buf = spare();
        buf.clear();
        buf.append(&mut carry);
        eof = fill(&mut input, &mut buf, block_bytes, path)?;
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
pub(super) fn line_of(buf: &[u8], t: &TsvBlock, at: usize) -> u64 {
    t.first_line + memchr::memchr_iter(b'\n', &buf[t.start..at]).count() as u64
}

/// The header: the first line from `start` that is not blank. Returns its columns (None when
/// `buf` has no such line), where the rows start, and how many lines were read.
pub(super) fn header_line(
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
            let mut fields = Vec::new();
            split_tabs(0, text, &mut fields);
            let names: Vec<String> = fields
                .into_iter()
                .map(|r| String::from_utf8_lossy(&text[r]).into_owned())
                .collect();
            return Ok((Some(Header::parse(path, &names)?.columns), start, lines));
        }
    }
    Ok((None, start, lines))
}

pub(super) fn empty_file(path: &Path) -> SourceError {
    SourceError::whole_file(path, "the file is empty")
        .with_help("a corpus file needs a header row and one row per segment")
}

/// Ranges of `buf` from `start`, each about `size` bytes and ending after a newline (or at the
/// end of the buffer).
pub(super) fn line_ranges(buf: &[u8], start: usize, size: usize) -> Vec<Range<usize>> {
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

/// Split the lines of `range` into rows; blank lines, and rows whose text is blank, are skipped.
/// The line number of a row is counted only when it is needed for an error.
pub(super) fn split_rows(
    buf: &[u8],
    range: Range<usize>,
    t: &TsvBlock,
    path: &Path,
) -> Result<Vec<Row>, SourceError> {
    let mut rows = Vec::with_capacity(range.len() / 400 + 1);
    // One field list for the whole run: no allocation per row.
    let mut fields = Vec::with_capacity(t.cols.width);
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
        split_tabs(this, &buf[this..stop], &mut fields);
        if fields.len() != t.cols.width {
            return Err(SourceError::new(
                path,
                line_of(buf, t, this) as usize,
                0,
                format!("this row has {} columns, the header {}", fields.len(), t.cols.width),
            )
            .with_help("TSV has no quoting: a tab inside the text splits it; replace tabs in the text with spaces"));
        }
        let row = t.cols.row(|c| &buf[fields[c].clone()]);
        match row.kind() {
            RowKind::Segment => rows.push(Row {
                line: 0,
                id: range_in(buf, row.id),
                role: range_in(buf, row.role_label),
                text: range_in(buf, row.text),
            }),
            RowKind::Blank => {}
            RowKind::NoId => return Err(no_id_error(path, line_of(buf, t, this) as usize)),
        }
    }
    Ok(rows)
}

/// The fields of `line` (which starts at `offset` in its buffer) into `out`.
fn split_tabs(offset: usize, line: &[u8], out: &mut Vec<Range<usize>>) {
    out.clear();
    let mut start = 0;
    for i in memchr::memchr_iter(b'\t', line) {
        out.push(offset + start..offset + i);
        start = i + 1;
    }
    out.push(offset + start..offset + line.len());
}

/// Read CSV records into blocks of about `block_bytes`, copying the three fields used.
pub(super) fn read_csv<R: Read>(
    input: R,
    path: &Path,
    block_bytes: usize,
    spare: &dyn Fn() -> Vec<u8>,
    tx: &mpsc::SyncSender<Result<Block, SourceError>>,
) -> Result<(), SourceError> {
    let mut table = TableReader::new(input, b',', path, None)?;
    let cols = table.header.columns;
    let empty = || {
        let mut buf = spare();
        buf.clear();
        Block {
            buf,
            rows: Vec::new(),
            tsv: None,
        }
    };
    let mut record = csv::ByteRecord::new();
    let mut block = empty();
    while table.read_bytes(&mut record)? {
        let line = record.position().map_or(0, |p| p.line());
        let row = cols.row(|c| record.get(c).unwrap_or(b""));
        match row.kind() {
            RowKind::Segment => {}
            RowKind::Blank => continue,
            RowKind::NoId => return Err(no_id_error(path, line as usize)),
        }
        let buf = &mut block.buf;
        let mut push = |field: &[u8]| {
            let s = buf.len();
            buf.extend_from_slice(field);
            s..buf.len()
        };
        let (id, role, text) = (push(row.id), push(row.role_label), push(row.text));
        block.rows.push(Row {
            line,
            id,
            role,
            text,
        });
        if block.buf.len() >= block_bytes {
            let full = std::mem::replace(&mut block, empty());
            if tx.send(Ok(full)).is_err() {
                return Ok(());
            }
        }
    }
    let _ = tx.send(Ok(block));
    Ok(())
}
