//! One row of a codings file: a code a coder gave (or declined to give) a segment, with where
//! in the source the coded words lie, so a row can be found again when its segment id no longer
//! exists. Rows are read by column name, so a file written by an older qcode (`segment_id`,
//! `code`, `coder`, …) and one written by hand with only some columns both read.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diag::SourceError;
use crate::transcript::Segment;

/// The columns a codings file is written with, in this order.
pub const COLUMNS: [&str; 13] = [
    "segment_id",
    "code",
    "coder",
    "overlap",
    "source",
    "selection",
    "interview",
    "start",
    "end",
    "text",
    "memo",
    "status",
    "time",
];

/// Who decided a row, and what: a person's own coding, or a person's decision on a code the
/// machine (or a suggestion) proposed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub enum Status {
    /// Coded by a person (the column is empty).
    #[default]
    Coded,
    /// A proposed code the person accepted: theirs now.
    Accepted,
    /// A proposed code the person rejected: it does not apply, in their view.
    Rejected,
    /// Proposed, not yet decided: not a coding of anyone's until accepted.
    Proposed,
}

impl Status {
    /// The column's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Coded => "",
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
            Status::Proposed => "proposed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "coded" => Some(Status::Coded),
            "accepted" | "accept" => Some(Status::Accepted),
            "rejected" | "reject" => Some(Status::Rejected),
            "proposed" | "propose" => Some(Status::Proposed),
            _ => None,
        }
    }

    /// Whether the row applies its code, in the coder's view.
    pub fn applies(self) -> bool {
        matches!(self, Status::Coded | Status::Accepted)
    }
}

/// One coding, as a codings file holds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CodingRow {
    pub segment_id: String,
    /// Empty: the coder looked at the segment and applied nothing.
    pub code: String,
    pub coder: String,
    /// The share of the segment the coded text covers, 0 to 1 (imports; else none).
    pub overlap: Option<f64>,
    /// The file the coding was made on (imports: the corpus file the source was written to).
    pub source: String,
    /// An imported selection's GUID, or row id, so rows of one selection can be told apart.
    pub selection: String,
    pub interview: String,
    /// Character (code point) offsets of the coded text in the interview's source text.
    pub start: Option<usize>,
    pub end: Option<usize>,
    /// The coded words, as they were when the coding was made.
    pub text: String,
    pub memo: String,
    pub status: Status,
    /// When the coding was made, UTC, RFC 3339 (empty when not known).
    pub time: String,
}

impl CodingRow {
    /// `coder`'s coding of the whole of `segment` with `code`, made now: the segment's
    /// interview, offsets and words are kept so the row can follow them if the id moves.
    pub fn for_segment(segment: &Segment, code: &str, coder: &str, memo: &str) -> CodingRow {
        CodingRow {
            segment_id: segment.id.clone(),
            code: code.into(),
            coder: coder.into(),
            interview: segment.interview.clone(),
            start: Some(segment.start),
            end: Some(segment.end),
            text: segment.text.clone(),
            memo: memo.into(),
            time: now(),
            ..CodingRow::default()
        }
    }

    /// The row as written, in [`COLUMNS`] order (overlap to three decimals).
    pub fn record(&self) -> [String; 13] {
        let opt = |n: Option<usize>| n.map(|n| n.to_string()).unwrap_or_default();
        [
            self.segment_id.clone(),
            self.code.clone(),
            self.coder.clone(),
            self.overlap.map(|o| format!("{o:.3}")).unwrap_or_default(),
            self.source.clone(),
            self.selection.clone(),
            self.interview.clone(),
            opt(self.start),
            opt(self.end),
            self.text.clone(),
            self.memo.clone(),
            self.status.as_str().into(),
            self.time.clone(),
        ]
    }
}

/// The bytes of a codings file holding `rows` (CSV, [`COLUMNS`] as header).
pub fn write_rows<'a>(rows: impl IntoIterator<Item = &'a CodingRow>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    w.write_record(COLUMNS).expect("write to memory");
    for r in rows {
        w.write_record(r.record()).expect("write to memory");
    }
    w.into_inner().expect("flush to memory")
}

/// Read a codings file. Columns are found by name (any case; any order; extra columns ignored).
/// A row needs a `segment_id`, or an `interview` with the coded `text` or `start`/`end` to
/// find it by; `code` must be a column. An empty `coder` is the file's stem.
pub fn read_rows(path: &Path, text: &str) -> Result<Vec<CodingRow>, SourceError> {
    Ok(read_rows_at(path, text)?
        .into_iter()
        .map(|(_, r)| r)
        .collect())
}

/// [`read_rows`], each row with the line it starts on.
pub fn read_rows_at(path: &Path, text: &str) -> Result<Vec<(usize, CodingRow)>, SourceError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| SourceError::new(path, 1, 1, e.to_string()).with_source(text))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let cols: Vec<Option<usize>> = COLUMNS.iter().map(|c| col(c)).collect();
    let has = |name: &str| cols[COLUMNS.iter().position(|c| *c == name).unwrap()].is_some();
    if !has("code") || !(has("segment_id") || has("interview")) {
        return Err(SourceError::new(
            path,
            1,
            1,
            "a codings file needs a `code` column and a `segment_id` (or `interview`) column",
        )
        .with_source(text)
        .with_help("one row per segment and code; `qcode code add` writes one for you"));
    }
    let default_coder = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "coder".into());
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
            SourceError::new(path, line, 1, e.to_string())
                .with_source(text)
                .with_help("every row needs as many fields as the header")
        })?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        let field = |i: usize| cols[i].and_then(|c| rec.get(c)).unwrap_or("");
        let at = |i: usize, msg: String| {
            let column = cols[i].map_or(1, |c| column_of(text, line, c));
            SourceError::new(path, line, column, msg).with_source(text)
        };
        let number = |i: usize| -> Result<Option<usize>, SourceError> {
            match field(i).trim() {
                "" => Ok(None),
                s => s.parse().map(Some).map_err(|_| {
                    at(
                        i,
                        format!("`{s}` is not a character offset in `{}`", COLUMNS[i]),
                    )
                }),
            }
        };
        let overlap = match field(3).trim() {
            "" => None,
            s => Some(
                s.parse::<f64>()
                    .ok()
                    .filter(|o| (0.0..=1.0).contains(o))
                    .ok_or_else(|| at(3, format!("`{s}` is not an overlap between 0 and 1")))?,
            ),
        };
        let status = Status::parse(field(11)).ok_or_else(|| {
            at(11, format!("`{}` is not a status", field(11).trim()))
                .with_help("a status is empty (coded by a person), accepted, rejected or proposed")
        })?;
        let row = CodingRow {
            segment_id: field(0).trim().into(),
            code: field(1).trim().into(),
            coder: match field(2).trim() {
                "" => default_coder.clone(),
                c => c.into(),
            },
            overlap,
            source: field(4).trim().into(),
            selection: field(5).trim().into(),
            interview: field(6).trim().into(),
            start: number(7)?,
            end: number(8)?,
            text: field(9).into(),
            memo: field(10).into(),
            status,
            time: field(12).trim().into(),
        };
        if row.segment_id.is_empty()
            && (row.interview.is_empty() || (row.text.trim().is_empty() && row.start.is_none()))
        {
            return Err(
                SourceError::new(path, line, 1, "this row has no segment_id")
                    .with_source(text)
                    .with_help(
                        "give a segment_id, or an interview with the coded text to find it by",
                    ),
            );
        }
        rows.push((line, row));
    }
    Ok(rows)
}

/// The 1-based column where field `field` of line `line` starts (for messages; a quoted field
/// holding a comma may put it a little off, which a message can bear).
fn column_of(text: &str, line: usize, field: usize) -> usize {
    let Some(l) = text.lines().nth(line.saturating_sub(1)) else {
        return 1;
    };
    let mut col = 1;
    for (i, part) in l.split(',').enumerate() {
        if i == field {
            return col;
        }
        col += part.chars().count() + 1;
    }
    1
}

/// The time now, UTC, as RFC 3339 to the second: a coding's `time`.
pub fn now() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_files_read_with_defaults() {
        let rows = read_rows(
            Path::new("codings/ann.csv"),
            "segment_id,code\na:1.1,trust\na:1.2,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].coder, "ann");
        assert_eq!(rows[0].status, Status::Coded);
        assert_eq!(rows[1].code, "");
    }

    #[test]
    fn rows_round_trip() {
        let row = CodingRow {
            segment_id: "a:1.1".into(),
            code: "trust".into(),
            coder: "ann".into(),
            overlap: Some(0.5),
            interview: "a".into(),
            start: Some(10),
            end: Some(20),
            text: "said, \"we\nmet\"".into(),
            memo: "why".into(),
            status: Status::Rejected,
            time: "2026-01-01T00:00:00Z".into(),
            ..Default::default()
        };
        let bytes = write_rows([&row]);
        let back = read_rows(Path::new("x.csv"), std::str::from_utf8(&bytes).unwrap()).unwrap();
        assert_eq!(back, vec![row]);
    }

    #[test]
    fn bad_values_name_line_and_column() {
        let e = read_rows(
            Path::new("x.csv"),
            "segment_id,code,status\na:1,trust,maybe\n",
        )
        .unwrap_err();
        assert_eq!((e.line, e.col), (2, 11), "{e}");
        let e = read_rows(Path::new("x.csv"), "id,code\n1,x\n").unwrap_err();
        assert!(e.to_string().contains("segment_id"), "{e}");
        // A row with neither a segment nor a way to find one.
        let e = read_rows(Path::new("x.csv"), "segment_id,code,interview\n,x,a\n").unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn now_is_rfc3339() {
        let t = now();
        assert_eq!(t.len(), 20);
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T');
    }
}
