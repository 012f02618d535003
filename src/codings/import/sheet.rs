//! A coded-segments sheet as other QDA tools export it: one row a coded segment, with the
//! document it is in, its code (a path such as `A > B`) and its text. CSV (comma, semicolon, tab
//! or bar, told from the header line; UTF-8 with or without BOM, UTF-16, Windows-1252) or XLSX
//! (the first worksheet). The three columns are found by their usual headers, any case:
//!
//! | tool | document | code | text |
//! |---|---|---|---|
//! | MAXQDA (coded segments) | `Document name` | `Code` | `Segment` |
//! | Taguette (highlights) | `document` | `tag` | `content` |
//! | NVivo (coding extracts) | `File`, `Name` | `Code`, `Node`, `Hierarchical Name` | `Coded text`, `Reference text` |
//! | Dedoose (excerpts) | `Media Title` | `Codes Applied Combined` | `Excerpt Copy` |
//! | ATLAS.ti (quotations) | `Document` | `Codes` | `Quotation Content` |
//!
//! A code cell may hold several codes, one a line (ATLAS.ti); Dedoose's combined column separates
//! them with commas.

use std::io::Cursor;
use std::path::Path;

use crate::diag::SourceError;
use crate::text::decode;

/// Header names of each column, in order of preference (compared trimmed, ignoring case).
pub const DOCUMENT_HEADERS: &[&str] = &[
    "document name",
    "document",
    "media title",
    "file",
    "file name",
    "source",
    "source name",
    "name",
    "interview",
    "transcript",
];
pub const CODE_HEADERS: &[&str] = &[
    "code",
    "code path",
    "tag",
    "codes",
    "node",
    "hierarchical name",
    "codes applied combined",
    "tags",
];
pub const TEXT_HEADERS: &[&str] = &[
    "segment",
    "content",
    "coded text",
    "quotation content",
    "excerpt copy",
    "text",
    "reference text",
    "excerpt",
    "quotation",
];

/// Dedoose's column of all codes an excerpt has, comma-separated.
const COMMA_SEPARATED_CODES: &str = "codes applied combined";

/// Which columns to read, when the headers do not say (a header name, or a 1-based number).
#[derive(Debug, Clone, Default)]
pub struct ColumnChoice {
    pub document: Option<String>,
    pub code: Option<String>,
    pub text: Option<String>,
}

/// One coded segment of the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// The row's number: in an XLSX file, the worksheet's; in a CSV file, the record's, the
    /// header being 1 (blank lines are no records).
    pub row: usize,
    pub document: String,
    /// The code paths, as written (one, unless the cell lists several).
    pub codes: Vec<String>,
    pub text: String,
}

/// A sheet as read: its rows and the headers of the columns they came from.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub rows: Vec<SheetRow>,
    /// The headers read as document, code and text.
    pub headers: [String; 3],
}

/// Read a sheet: XLSX when the file is a zip (or named .xlsx), else CSV.
pub fn read_sheet(path: &Path, bytes: &[u8], choice: &ColumnChoice) -> Result<Sheet, SourceError> {
    let is_xlsx = bytes.starts_with(b"PK\x03\x04")
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let table = if is_xlsx {
        xlsx_cells(path, bytes)?
    } else {
        csv_cells(path, bytes)?
    };
    let Some(((_, header), body)) = table.split_first() else {
        return Err(SourceError::whole_file(path, "the sheet is empty")
            .with_help("the first row names the columns: document, code and segment text"));
    };
    let cols = columns(path, header, choice)?;
    let comma = header[cols[1]]
        .trim()
        .eq_ignore_ascii_case(COMMA_SEPARATED_CODES);
    let rows = body
        .iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .map(|(row, cells)| {
            let cell = |c: usize| cells.get(c).map(String::as_str).unwrap_or("");
            SheetRow {
                row: *row,
                document: cell(cols[0]).trim().to_string(),
                codes: split_codes(cell(cols[1]), comma),
                text: cell(cols[2]).to_string(),
            }
        })
        .collect();
    Ok(Sheet {
        rows,
        headers: cols.map(|c| header[c].trim().to_string()),
    })
}

/// Every row of a sheet with its number, as [`read_sheet`] reads them (XLSX when the file is a
/// zip or named .xlsx, else CSV in any of its delimiters and encodings): for other sheets qcode
/// reads back, such as `qcode import review`'s.
pub fn read_cells(path: &Path, bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, SourceError> {
    let is_xlsx = bytes.starts_with(b"PK\x03\x04")
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if is_xlsx {
        xlsx_cells(path, bytes)
    } else {
        csv_cells(path, bytes)
    }
}

/// The codes of a cell: one a line; also split at commas in Dedoose's combined column.
fn split_codes(cell: &str, comma: bool) -> Vec<String> {
    cell.split(['\n', '\r'])
        .flat_map(|l| {
            if comma {
                l.split(',').collect::<Vec<_>>()
            } else {
                vec![l]
            }
        })
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// The document, code and text columns: the choice where given, else the first header of each
/// list of usual names.
fn columns(
    path: &Path,
    header: &[String],
    choice: &ColumnChoice,
) -> Result<[usize; 3], SourceError> {
    let norm = |h: &str| {
        h.trim()
            .trim_start_matches('\u{feff}')
            .trim()
            .to_lowercase()
    };
    let names: Vec<String> = header.iter().map(|h| norm(h)).collect();
    let find = |what: &str, flag: &str, chosen: &Option<String>, usual: &[&str]| {
        let found = match chosen {
            Some(c) => names.iter().position(|n| *n == norm(c)).or_else(|| {
                c.trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n >= 1 && n <= header.len())
                    .map(|n| n - 1)
            }),
            None => usual.iter().find_map(|u| names.iter().position(|n| n == u)),
        };
        found.ok_or_else(|| missing_column(path, header, what, flag, chosen, usual))
    };
    Ok([
        find(
            "document",
            "--document-col",
            &choice.document,
            DOCUMENT_HEADERS,
        )?,
        find("code", "--code-col", &choice.code, CODE_HEADERS)?,
        find("segment text", "--text-col", &choice.text, TEXT_HEADERS)?,
    ])
}

fn missing_column(
    path: &Path,
    header: &[String],
    what: &str,
    flag: &str,
    chosen: &Option<String>,
    usual: &[&str],
) -> SourceError {
    let found = header
        .iter()
        .map(|h| format!("`{}`", h.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let message = match chosen {
        Some(c) => format!("the sheet has no column `{c}` ({flag})"),
        None => format!("the sheet has no {what} column"),
    };
    SourceError::new(path, 1, 1, message).with_help(format!(
        "its columns are {found}; name the {what} column with {flag} (a header or a number), \
         or call it one of: {}",
        usual.join(", ")
    ))
}

/// Rows of cells, each with its number.
type Cells = Vec<(usize, Vec<String>)>;

/// The records of a CSV file, numbered from 1 (ragged rows allowed: a missing cell is empty).
fn csv_cells(path: &Path, bytes: &[u8]) -> Result<Cells, SourceError> {
    let decoded = decode(bytes).map_err(|e| {
        SourceError::whole_file(path, e.to_string())
            .with_help("save the sheet as CSV (UTF-8) or XLSX")
    })?;
    let text = decoded.text.trim_start_matches('\u{feff}');
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(text))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            SourceError::new(path, line, 1, format!("cannot read this row: {e}"))
                .with_source(text)
                .with_help("save the sheet as CSV (UTF-8) or XLSX")
        })?;
        rows.push((rows.len() + 1, rec.iter().map(str::to_string).collect()));
    }
    Ok(rows)
}

/// The delimiter of a CSV file: of comma, semicolon, tab and bar, the one the header line (read
/// outside quotes) holds most of; comma when it holds none.
fn delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 4];
    let candidates = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = candidates.iter().position(|&c| c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let best = (0..4)
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        candidates[best]
    }
}

/// The rows of an XLSX file's first worksheet, numbered as the worksheet numbers them, from its
/// first row with anything in it (the header).
fn xlsx_cells(path: &Path, bytes: &[u8]) -> Result<Cells, SourceError> {
    use calamine::{Reader, Xlsx};
    let unreadable = |e: String| {
        SourceError::whole_file(path, format!("not a readable XLSX file: {e}"))
            .with_help("save the sheet from your spreadsheet program as .xlsx or .csv")
    };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| unreadable("it has no worksheet".into()))?
        .map_err(|e| unreadable(e.to_string()))?;
    let (top, left) = range.start().unwrap_or((0, 0));
    let rows = range.rows().enumerate().map(|(i, r)| {
        let mut cells = vec![String::new(); left as usize];
        cells.extend(r.iter().map(|c| c.to_string()));
        (top as usize + i + 1, cells)
    });
    Ok(rows
        .skip_while(|(_, cells)| cells.iter().all(|c| c.trim().is_empty()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Sheet, SourceError> {
        read_sheet(
            Path::new("s.csv"),
            text.as_bytes(),
            &ColumnChoice::default(),
        )
    }

    #[test]
    fn maxqda_taguette_and_dedoose_headers_are_found() {
        let s = read(
            "\u{feff}Color,Document group,Document name,Code,Begin,End,Segment\n\
                      red,g,P1,A > B,1,1,\"some, text\"\n",
        )
        .unwrap();
        assert_eq!(s.headers, ["Document name", "Code", "Segment"]);
        assert_eq!(
            s.rows,
            [SheetRow {
                row: 2,
                document: "P1".into(),
                codes: vec!["A > B".into()],
                text: "some, text".into()
            }]
        );
        let s = read("id;document;tag;content\n1;P2;trust;we met\n\n2;P2;care;x\n").unwrap();
        assert_eq!(s.headers, ["document", "tag", "content"]);
        assert_eq!(s.rows[1].row, 3, "a blank line is no record");
        let s = read("Media Title\tExcerpt Copy\tCodes Applied Combined\nP3\tthe text\tA, B\n")
            .unwrap();
        assert_eq!(s.rows[0].codes, ["A", "B"]);
        let s = read("Document,Codes,Quotation Content\nP1,\"A::B\nC\",t\n").unwrap();
        assert_eq!(s.rows[0].codes, ["A::B", "C"]);
    }

    #[test]
    fn flags_name_columns_by_header_or_number_and_a_missing_one_is_explained() {
        let choice = ColumnChoice {
            document: Some("Interview ID".into()),
            code: Some("2".into()),
            text: Some("quote".into()),
        };
        let s = read_sheet(
            Path::new("s.csv"),
            b"interview id,theme,quote\nP1,A,t\n",
            &choice,
        )
        .unwrap();
        assert_eq!(s.headers, ["interview id", "theme", "quote"]);
        let e = read("document,code,words\nP1,A,t\n").unwrap_err();
        assert_eq!((e.line, e.col), (1, 1));
        assert!(e.to_string().contains("no segment text column"), "{e}");
        assert!(e.help.as_deref().unwrap().contains("--text-col"), "{e:?}");
        let e = read("").unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
    }

    #[test]
    fn xlsx_sheets_read_like_csv() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        for (c, h) in ["Document name", "Code", "Segment"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_string(1, 0, "P1").unwrap();
        ws.write_string(1, 1, "A\\B").unwrap();
        ws.write_string(1, 2, "we met").unwrap();
        ws.write_number(3, 0, 7).unwrap();
        ws.write_string(3, 1, "C").unwrap();
        ws.write_string(3, 2, "x").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let s = read_sheet(Path::new("s.xlsx"), &bytes, &ColumnChoice::default()).unwrap();
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[1].row, 4);
        assert_eq!(s.rows[1].document, "7");
        let e = read_sheet(
            Path::new("s.xlsx"),
            b"PK\x03\x04junk",
            &ColumnChoice::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("not a readable XLSX"), "{e}");
    }
}
