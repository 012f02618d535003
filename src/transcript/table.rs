//! The one table of a table corpus (CSV or TSV): which header names mean what, the rules every
//! row follows, and how the file is split into records. Everything that reads such a file goes
//! through here: the index (whole file, [`super::parse_csv`], or streamed, [`super::CsvRows`])
//! and `qcode count` (which keeps its own byte splitter for TSV, for speed, but takes its columns
//! and row rules from this module), so a file cannot mean one thing to one command and another to
//! the next.
//!
//! | column | header names (case and surrounding spaces ignored) | |
//! |---|---|---|
//! | id | `id`, else `segment_id` | required; the segment id |
//! | text | `text` | required; kept as written |
//! | role | `role` | a role label, resolved through the role table |
//! | speaker | `speaker` | a speaker label; the role label when `role` is empty |
//! | interview | `interview` | groups rows into one case (default: the file name) |
//! | name | `name` | a participant's name, kept out of the index |
//!
//! Every other named column is metadata, keyed by its header in lower case.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::diag::{line_col, SourceError};
use crate::roles::RoleTable;

/// A column qcode gives a meaning to; every other named column is metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Id,
    Text,
    Role,
    Speaker,
    Interview,
    Name,
}

/// The header names each column answers to, in order of preference: a file with both `id` and
/// `segment_id` takes its ids from `id`. The one table of accepted names.
pub const COLUMN_NAMES: [(Column, &[&str]); 6] = [
    (Column::Id, &["id", "segment_id"]),
    (Column::Text, &["text"]),
    (Column::Role, &["role"]),
    (Column::Speaker, &["speaker"]),
    (Column::Interview, &["interview"]),
    (Column::Name, &["name"]),
];

/// The field delimiter of a table corpus file, by extension: `Some` for `.csv` (comma) and
/// `.tsv`/`.tab` (tab), `None` for anything else.
pub fn table_delimiter(path: &Path) -> Option<u8> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "csv" => Some(b','),
        "tsv" | "tab" => Some(b'\t'),
        _ => None,
    }
}

/// Where the columns qcode reads are in one file, and how many fields every row has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    pub id: usize,
    pub text: usize,
    pub role: Option<usize>,
    pub speaker: Option<usize>,
    pub interview: Option<usize>,
    pub name: Option<usize>,
    pub width: usize,
}

/// A file's header: its columns and its metadata columns (index, key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub columns: Columns,
    pub meta: Vec<(usize, String)>,
}

/// A header name as compared: a byte-order mark and surrounding spaces do not count.
fn header_name(h: &str) -> &str {
    h.trim_start_matches('\u{feff}').trim()
}

impl Header {
    /// Read a header row (`names`, in file order). `path` names the file in the error a missing
    /// `id` or `text` column gives.
    pub fn parse<S: AsRef<str>>(path: &Path, names: &[S]) -> Result<Header, SourceError> {
        let names: Vec<&str> = names.iter().map(|n| header_name(n.as_ref())).collect();
        let find = |column: Column| {
            let (_, accepted) = COLUMN_NAMES.iter().find(|(c, _)| *c == column)?;
            accepted
                .iter()
                .find_map(|a| names.iter().position(|n| n.eq_ignore_ascii_case(a)))
        };
        let (id, text) = match (find(Column::Id), find(Column::Text)) {
            (Some(id), Some(text)) => (id, text),
            (id, _) => {
                let missing = if id.is_none() {
                    "`id` (or `segment_id`)"
                } else {
                    "`text`"
                };
                return Err(SourceError::new(
                    path,
                    1,
                    1,
                    format!("the header has no {missing} column"),
                )
                .with_help(format!(
                    "the first row must name the columns: `id` (or `segment_id`) and `text`, optionally `role`, `speaker`, `interview` and `name`; found: {}",
                    names.join(", ")
                )));
            }
        };
        let reserved = |n: &str| {
            COLUMN_NAMES
                .iter()
                .flat_map(|(_, accepted)| accepted.iter())
                .any(|a| n.eq_ignore_ascii_case(a))
        };
        Ok(Header {
            columns: Columns {
                id,
                text,
                role: find(Column::Role),
                speaker: find(Column::Speaker),
                interview: find(Column::Interview),
                name: find(Column::Name),
                width: names.len(),
            },
            meta: names
                .iter()
                .enumerate()
                .filter(|(_, n)| !n.is_empty() && !reserved(n))
                .map(|(i, n)| (i, n.to_lowercase()))
                .collect(),
        })
    }
}

/// A field without the spaces around it, as `str::trim` would cut it (every field but the text is
/// read this way). Most fields start and end with a visible ASCII character, so that is checked
/// first: `qcode count` calls this for every row.
pub fn trim(field: &[u8]) -> &[u8] {
    let visible = |b: u8| b > b' ' && b < 0x80;
    match (field.first(), field.last()) {
        (None, _) | (_, None) => field,
        (Some(&a), Some(&z)) if visible(a) && visible(z) => field,
        _ => match std::str::from_utf8(field) {
            Ok(s) => s.trim().as_bytes(),
            // Not text: only ASCII spaces can be told apart.
            Err(_) => field.trim_ascii(),
        },
    }
}

/// One row as the rules read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row<'r> {
    /// Trimmed.
    pub id: &'r [u8],
    /// The role label: the `role` field, or the `speaker` field when that is empty (a CSV speaker
    /// label stands for its role as an undeclared transcript speaker's label does); trimmed.
    pub role_label: &'r [u8],
    /// The speaker label: the `speaker` field, or the role label when that is empty; trimmed.
    pub speaker: &'r [u8],
    /// As written.
    pub text: &'r [u8],
}

/// What a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// A segment.
    Segment,
    /// Blank text: not a segment; skipped (the index warns).
    Blank,
    /// No id: an error (see [`no_id_error`]).
    NoId,
}

impl Columns {
    /// The row whose column `c` holds `field(c)` (an empty slice for a missing field).
    pub fn row<'r>(&self, field: impl Fn(usize) -> &'r [u8]) -> Row<'r> {
        let opt = |c: Option<usize>| c.map_or(&b""[..], |c| trim(field(c)));
        let (role, speaker) = (opt(self.role), opt(self.speaker));
        let role_label = if role.is_empty() { speaker } else { role };
        Row {
            id: trim(field(self.id)),
            role_label,
            speaker: if speaker.is_empty() { role } else { speaker },
            text: field(self.text),
        }
    }
}

impl Row<'_> {
    pub fn kind(&self) -> RowKind {
        if self.id.is_empty() {
            RowKind::NoId
        } else if trim(self.text).is_empty() {
            RowKind::Blank
        } else {
            RowKind::Segment
        }
    }
}

/// The error of a row without an id.
pub fn no_id_error(path: &Path, line: usize) -> SourceError {
    SourceError::new(path, line, 1, "this row has no id")
        .with_help("give every row a unique value in the `id` column")
}

/// The role a row's label stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRole {
    pub id: String,
    pub label: String,
    /// The role table does not know the label: its id was made from it ([`crate::roles::slug`]).
    pub undeclared: bool,
}

/// Resolve a row's role label: no label is the role `unknown`; a label the role table knows gives
/// its role; any other label gives a role made from it.
pub fn resolve_role(roles: &RoleTable, label: &str) -> RowRole {
    if label.is_empty() {
        return RowRole {
            id: "unknown".into(),
            label: "Unknown role".into(),
            undeclared: false,
        };
    }
    let a = roles.assign(label);
    RowRole {
        id: a.id,
        label: a.label,
        undeclared: !a.known,
    }
}

/// Records of a table file, with its header read. Every row must be as wide as the header; a tab
/// separated file has no quoting (IANA TSV: a `"` is just a character). A UTF-8 byte-order mark
/// is skipped (by the csv reader), and line endings are read as LF ([`Lf`]).
pub struct TableReader<'t, R: Read> {
    rdr: csv::Reader<Lf<R>>,
    pub header: Header,
    path: PathBuf,
    /// The whole file when it is in memory: errors show the offending line.
    text: Option<&'t str>,
}

impl<'t, R: Read> TableReader<'t, R> {
    /// Read the header of `input`, fields split at `delimiter`.
    pub fn new(
        input: R,
        delimiter: u8,
        path: &Path,
        text: Option<&'t str>,
    ) -> Result<Self, SourceError> {
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(false)
            .delimiter(delimiter)
            .quoting(delimiter != b'\t')
            .from_reader(Lf::new(input));
        let names: Vec<String> = rdr
            .headers()
            .map_err(|e| csv_error(path, text, &e))?
            .iter()
            .map(str::to_string)
            .collect();
        let header = Header::parse(path, &names).map_err(|e| match text {
            Some(t) => e.with_source(t),
            None => e,
        })?;
        Ok(TableReader {
            rdr,
            header,
            path: path.to_path_buf(),
            text,
        })
    }

    /// The next record as text; `false` at the end.
    pub fn read(&mut self, rec: &mut csv::StringRecord) -> Result<bool, SourceError> {
        self.rdr
            .read_record(rec)
            .map_err(|e| csv_error(&self.path, self.text, &e))
    }

    /// The next record as bytes (only the fields used need be text); `false` at the end.
    pub fn read_bytes(&mut self, rec: &mut csv::ByteRecord) -> Result<bool, SourceError> {
        self.rdr
            .read_byte_record(rec)
            .map_err(|e| csv_error(&self.path, self.text, &e))
    }

    /// An error at `line`, showing the line when the file is in memory.
    pub fn error(&self, line: usize, message: String, help: &str) -> SourceError {
        self.locate(SourceError::new(&self.path, line, 1, message).with_help(help))
    }

    /// `e` with its line shown when the file is in memory.
    pub fn locate(&self, e: SourceError) -> SourceError {
        match self.text {
            Some(t) => e.with_source(t),
            None => e,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A reader that makes CRLF and lone CR line endings LF, as decoding does for a file read whole
/// ([`crate::text::decode`]): a file streamed from disk then splits into the same records and
/// fields, on the same line numbers (the csv reader counts a record of a CRLF file from the line
/// before). Bytes without a CR pass untouched.
pub struct Lf<R> {
    inner: R,
    /// The last byte read was a CR, so a LF that starts the next read is its pair.
    after_cr: bool,
}

impl<R> Lf<R> {
    pub fn new(inner: R) -> Lf<R> {
        Lf {
            inner,
            after_cr: false,
        }
    }
}

impl<R: Read> Read for Lf<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.inner.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            let mut r = usize::from(self.after_cr && buf[0] == b'\n');
            self.after_cr = false;
            let mut w = 0;
            while let Some(i) = memchr::memchr(b'\r', &buf[r..n]) {
                let cr = r + i;
                buf.copy_within(r..cr, w);
                w += cr - r;
                buf[w] = b'\n';
                w += 1;
                r = cr + 1;
                if r == n {
                    self.after_cr = true;
                } else if buf[r] == b'\n' {
                    r += 1;
                }
            }
            buf.copy_within(r..n, w);
            w += n - r;
            // Only the LF of a CRLF cut between two reads: read on (0 would mean the end).
            if w > 0 {
                return Ok(w);
            }
        }
    }
}

/// A record the csv reader refused, located.
fn csv_error(path: &Path, text: Option<&str>, e: &csv::Error) -> SourceError {
    let (line, col) = match (e.position(), text) {
        (Some(p), Some(t)) => line_col(t, p.byte() as usize),
        (Some(p), None) => (p.line() as usize, 1),
        (None, _) => (0, 0),
    };
    let help = match e.kind() {
        csv::ErrorKind::UnequalLengths { .. } => {
            "every row needs as many fields as the header; quote fields that contain commas"
        }
        csv::ErrorKind::Utf8 { .. } => {
            "save the file as UTF-8 (large CSV files are read as UTF-8 only)"
        }
        _ => "check the quoting on this row",
    };
    let msg = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("this row has {len} fields but the header has {expected_len}")
        }
        _ => e.to_string(),
    };
    let err = SourceError::new(path, line, col, msg).with_help(help);
    match text {
        Some(t) => err.with_source(t),
        None => err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Result<Header, SourceError> {
        Header::parse(Path::new("t.csv"), names)
    }

    #[test]
    fn the_table_decides_every_column() {
        let h = header(&[
            "\u{feff}Segment_ID",
            " Text ",
            "AREA",
            "speaker",
            "name",
            "",
            "Interview",
        ])
        .unwrap();
        let c = h.columns;
        assert_eq!((c.id, c.text, c.role, c.speaker), (0, 1, None, Some(3)));
        assert_eq!((c.interview, c.name, c.width), (Some(6), Some(4), 7));
        assert_eq!(h.meta, vec![(2, "area".to_string())]);
        // `id` is preferred to `segment_id`, wherever it is; the other is neither id nor metadata.
        let h = header(&["segment_id", "text", "id"]).unwrap();
        assert_eq!(h.columns.id, 2);
        assert!(h.meta.is_empty());
        let e = header(&["id", "body"]).unwrap_err();
        assert!(e.message.contains("no `text` column"), "{e}");
        assert!(e.help.unwrap().ends_with("found: id, body"));
        let e = header(&["text"]).unwrap_err();
        assert!(
            e.message.contains("no `id` (or `segment_id`) column"),
            "{e}"
        );
    }

    #[test]
    fn row_rules() {
        let h = header(&["id", "role", "speaker", "text"]).unwrap().columns;
        let row = |fields: [&'static str; 4]| h.row(|c| fields[c].as_bytes());
        let r = row([" r1 ", "", " Cllr Jones", "  hello "]);
        assert_eq!(
            (r.id, r.role_label, r.speaker),
            (&b"r1"[..], &b"Cllr Jones"[..], &b"Cllr Jones"[..])
        );
        assert_eq!(r.text, b"  hello ");
        assert_eq!(r.kind(), RowKind::Segment);
        let r = row(["r2", "Resident", "", "\u{a0}\n"]);
        assert_eq!(
            (r.role_label, r.speaker),
            (&b"Resident"[..], &b"Resident"[..])
        );
        assert_eq!(r.kind(), RowKind::Blank);
        assert_eq!(row(["\u{3000}", "", "", "x"]).kind(), RowKind::NoId);
    }

    #[test]
    fn trim_is_str_trim() {
        for s in [
            "",
            " ",
            "a",
            " a b ",
            "\u{a0}x\u{2003}",
            "\u{b}x\u{85}",
            "é",
            "\u{1c}x",
        ] {
            assert_eq!(trim(s.as_bytes()), s.trim().as_bytes(), "{s:?}");
        }
        assert_eq!(trim(b" \xff "), b"\xff");
    }

    #[test]
    fn line_endings_are_read_as_decoding_makes_them() {
        let input = b"a\r\nb\rc\n\r\r\nd\r";
        for chunk in [1, 2, 3, 64] {
            // A reader that gives `chunk` bytes at a time, so a CRLF may be cut in two.
            struct Chunks<'a>(&'a [u8], usize);
            impl Read for Chunks<'_> {
                fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                    let n = self.1.min(buf.len()).min(self.0.len());
                    buf[..n].copy_from_slice(&self.0[..n]);
                    self.0 = &self.0[n..];
                    Ok(n)
                }
            }
            let mut out = Vec::new();
            Lf::new(Chunks(input, chunk)).read_to_end(&mut out).unwrap();
            assert_eq!(out, b"a\nb\nc\n\n\nd\n", "chunk {chunk}");
        }
    }

    #[test]
    fn roles_resolve_through_the_table() {
        let mut roles = RoleTable::default();
        roles
            .add_file(
                Path::new("r.toml"),
                "[roles.councillor]\nlabel = \"Councillor\"\naliases = [\"Cllr\"]\n",
            )
            .unwrap();
        assert_eq!(resolve_role(&roles, "cllr.").id, "councillor");
        let r = resolve_role(&roles, "Ward Officer");
        assert_eq!((r.id.as_str(), r.undeclared), ("ward_officer", true));
        assert_eq!(resolve_role(&roles, "").label, "Unknown role");
    }
}
