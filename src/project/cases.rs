//! The case-attributes sheet: one row per interview, like NVivo's classification sheet. The
//! first column holds interview ids, each other column an attribute, named by its first-row
//! cell; a column named `speaker` makes a row with a speaker label (or a declared name) in it
//! that speaker's attributes in that interview, not the interview's. CSV or TSV (UTF-8 with or
//! without BOM, UTF-16 or Windows-1252; comma, semicolon or tab, told from the first line), or
//! XLSX, XLS or ODS (the first worksheet). An empty cell gives no attribute; blank rows are
//! skipped. A row naming no interview of the corpus is a warning ([`CasesSheet::unmatched`]);
//! a sheet that cannot be read as such is an error at its row and column.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::{SourceError, Warning};
use crate::text::decode;
use crate::text::distance::closest;
use crate::transcript::{Attributes, Cases};

/// The sheets looked for at the project root when qcode.toml names none, in this order.
pub const DEFAULT_SHEETS: [&str; 3] = ["cases.csv", "cases.tsv", "cases.xlsx"];

/// The name of the column that makes a row a speaker's (compared ignoring case).
const SPEAKER_COLUMN: &str = "speaker";

/// A case-attributes sheet as read: what it says, and where each row is (for warnings).
#[derive(Debug, Clone)]
pub struct CasesSheet {
    /// The sheet as messages name it (relative to the project).
    pub path: PathBuf,
    pub cases: Arc<Cases>,
    rows: Vec<Row>,
}

/// A row of the sheet: its line (the worksheet's row number) and whom it is about.
#[derive(Debug, Clone)]
struct Row {
    line: usize,
    interview: String,
    speaker: Option<String>,
}

/// Cells by 1-based line (row number) and, per row, in column order.
type Cells = Vec<(usize, Vec<String>)>;

/// Read the sheet at `path` (`shown` in messages).
pub fn read_cases(shown: &Path, path: &Path) -> Result<CasesSheet, SourceError> {
    let bytes = std::fs::read(path).map_err(|e| {
        SourceError::whole_file(shown, format!("cannot read the cases sheet: {e}"))
            .with_help("point [project] cases in qcode.toml at a CSV or XLSX file, or remove it")
    })?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" => from_cells(shown, workbook_cells(shown, &bytes)?, None),
        _ => {
            if bytes.is_empty() {
                return from_cells(shown, Vec::new(), None);
            }
            let text = decode(&bytes)
                .map_err(|e| {
                    SourceError::whole_file(shown, format!("cases sheet: {e}")).with_help(
                        "save the sheet as CSV (UTF-8) or XLSX from your spreadsheet program",
                    )
                })?
                .text;
            let cells = csv_cells(shown, &text, delimiter(path, &text))?;
            from_cells(shown, cells, Some(&text))
        }
    }
}

impl CasesSheet {
    /// A warning for each row naming no interview of the corpus (`interviews`), and for each
    /// speaker row naming nobody who speaks in its interview (`speakers`: an interview's
    /// speaker labels and declared names).
    pub fn unmatched(
        &self,
        interviews: &[&str],
        speakers: &HashMap<&str, HashSet<&str>>,
    ) -> Vec<Warning> {
        let known: HashSet<&str> = interviews.iter().copied().collect();
        let mut out = Vec::new();
        for row in &self.rows {
            let location = format!("{}:{}", self.path.display(), row.line);
            if !known.contains(row.interview.as_str()) {
                let hint = closest(&row.interview, interviews.iter().copied())
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                out.push(Warning {
                    location,
                    message: format!(
                        "interview `{}` is in no corpus file, so this row applies to nothing{hint}",
                        row.interview
                    ),
                });
                continue;
            }
            let Some(speaker) = &row.speaker else {
                continue;
            };
            let theirs = speakers.get(row.interview.as_str());
            if !theirs.is_some_and(|s| s.contains(speaker.as_str())) {
                let hint = theirs
                    .and_then(|s| {
                        let mut labels: Vec<&str> = s.iter().copied().collect();
                        labels.sort();
                        closest(speaker, labels)
                    })
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                out.push(Warning {
                    location,
                    message: format!(
                        "speaker `{speaker}` does not speak in interview `{}`, so this row applies to nothing{hint}",
                        row.interview
                    ),
                });
            }
        }
        out
    }
}

/// The sheet from its cells: the first row names the columns, each later row an interview's (or
/// a speaker's) attributes.
fn from_cells(shown: &Path, cells: Cells, text: Option<&str>) -> Result<CasesSheet, SourceError> {
    let at = |line: usize, col: usize, msg: String, help: &str| {
        let col = text.map_or(col, |t| char_column(t, line, col));
        let e = SourceError::new(shown, line, col, msg).with_help(help.to_string());
        match text {
            Some(t) => e.with_source(t),
            None => e,
        }
    };
    let mut rows = cells.into_iter();
    let Some((head_line, head)) = rows.next() else {
        return Ok(CasesSheet {
            path: shown.to_path_buf(),
            cases: Arc::new(Cases::default()),
            rows: Vec::new(),
        });
    };
    let columns = Columns::read(&head, |col, msg, help| at(head_line, col, msg, help))?;
    let mut cases = Cases::default();
    let mut sheet_rows = Vec::new();
    let mut first_line: HashMap<(String, Option<String>), usize> = HashMap::new();
    for (line, cells) in rows {
        let cell = |i: usize| cells.get(i).map(|c| c.trim()).unwrap_or("");
        if (0..cells.len()).all(|i| cell(i).is_empty()) {
            continue;
        }
        if let Some(extra) = (0..cells.len()).find(|&i| !cell(i).is_empty() && !columns.named(i)) {
            return Err(at(
                line,
                extra,
                format!(
                    "a value in column {} but the first row gives that column no name",
                    extra + 1
                ),
                "name every column in the first row (the attribute's name), or remove the value",
            ));
        }
        let interview = cell(0).to_string();
        if interview.is_empty() {
            return Err(at(
                line,
                0,
                "this row has attributes but no interview id in the first column".into(),
                "write the interview's id (its file name without extension, its path for files that share a name, or its header's `id:`) in the first column",
            ));
        }
        let speaker = columns
            .speaker
            .map(cell)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let key = (interview.clone(), speaker.clone());
        if let Some(first) = first_line.insert(key, line) {
            let whom = match &speaker {
                Some(s) => format!("speaker `{s}` of interview `{interview}`"),
                None => format!("interview `{interview}`"),
            };
            return Err(at(
                line,
                0,
                format!("{whom} has a row already, on line {first}"),
                "give each interview (or speaker) one row: merge the two",
            ));
        }
        let attributes: Attributes = columns
            .attributes
            .iter()
            .filter(|(i, _)| !cell(**i).is_empty())
            .map(|(i, name)| (name.clone(), cell(*i).to_string()))
            .collect();
        match &speaker {
            Some(s) => {
                let theirs = cases.speakers.entry(interview.clone()).or_default();
                theirs.insert(s.clone(), attributes);
            }
            None => {
                cases.interviews.insert(interview.clone(), attributes);
            }
        }
        sheet_rows.push(Row {
            line,
            interview,
            speaker,
        });
    }
    Ok(CasesSheet {
        path: shown.to_path_buf(),
        cases: Arc::new(cases),
        rows: sheet_rows,
    })
}

/// What the first row says: which column holds speakers, and the attribute each other names.
struct Columns {
    speaker: Option<usize>,
    attributes: BTreeMap<usize, String>,
}

impl Columns {
    /// The columns named in `head`; `err` locates an error at a column (0-based).
    fn read(
        head: &[String],
        err: impl Fn(usize, String, &str) -> SourceError,
    ) -> Result<Columns, SourceError> {
        let mut speaker = None;
        let mut attributes = BTreeMap::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, name) in head.iter().enumerate().skip(1) {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            if name.contains('=') {
                return Err(err(
                    i,
                    format!("column name `{name}` holds `=`, which filters cannot tell from the value's"),
                    "rename the column without `=` (`--where KEY=VALUE` filters by it)",
                ));
            }
            if let Some(first) = seen.insert(name.to_lowercase(), i) {
                return Err(err(
                    i,
                    format!(
                        "column `{name}` is named twice (columns {} and {})",
                        first + 1,
                        i + 1
                    ),
                    "give each column its own name, or merge the two",
                ));
            }
            if name.eq_ignore_ascii_case(SPEAKER_COLUMN) {
                speaker = Some(i);
            } else {
                attributes.insert(i, name.to_string());
            }
        }
        Ok(Columns {
            speaker,
            attributes,
        })
    }

    /// Whether column `i` is the ids', the speakers' or an attribute's.
    fn named(&self, i: usize) -> bool {
        i == 0 || self.speaker == Some(i) || self.attributes.contains_key(&i)
    }
}

/// The delimiter of a CSV sheet: a tab for .tsv and .tab, else whichever of `,` `;` and tab its
/// first line has most of (outside quotes), a comma when it has none.
fn delimiter(path: &Path, text: &str) -> u8 {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "tsv" || ext == "tab" {
        return b'\t';
    }
    let mut counts = [(0usize, b','), (0, b';'), (0, b'\t')];
    let mut quoted = false;
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(c) = counts.iter_mut().find(|(_, d)| *d == b) {
                    c.0 += 1;
                }
            }
            _ => {}
        }
    }
    let best = counts.iter().max_by_key(|(n, d)| (*n, *d == b',')).copied();
    match best {
        Some((n, d)) if n > 0 => d,
        _ => b',',
    }
}

/// A CSV sheet's cells, each row with its line.
fn csv_cells(shown: &Path, text: &str, delimiter: u8) -> Result<Cells, SourceError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            SourceError::new(shown, line, 0, format!("cases sheet is not valid CSV: {e}"))
                .with_source(text)
                .with_help("save the sheet as CSV (UTF-8) from your spreadsheet program")
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        out.push((line, rec.iter().map(str::to_string).collect()));
    }
    Ok(out)
}

/// The 1-based character column where field `field` (0-based) of line `line` starts, counting
/// delimiters outside quotes; 1 when the line cannot be found.
fn char_column(text: &str, line: usize, field: usize) -> usize {
    let Some(l) = text.split('\n').nth(line.saturating_sub(1)) else {
        return 1;
    };
    let delims = [',', ';', '\t'];
    let delim = l.chars().find(|c| delims.contains(c));
    let mut quoted = false;
    let mut seen = 0;
    for (i, c) in l.chars().enumerate() {
        if seen == field {
            return i + 1;
        }
        match c {
            '"' => quoted = !quoted,
            c if !quoted && Some(c) == delim => seen += 1,
            _ => {}
        }
    }
    l.chars().count() + 1
}

/// The cells of a workbook's first worksheet, numbered as the worksheet numbers its rows.
fn workbook_cells(shown: &Path, bytes: &[u8]) -> Result<Cells, SourceError> {
    use calamine::{open_workbook_auto_from_rs, Reader};
    let unreadable = |e: String| {
        SourceError::whole_file(
            shown,
            format!("cases sheet is not a readable workbook: {e}"),
        )
        .with_help("save the sheet from your spreadsheet program as .xlsx or .csv")
    };
    let mut book = open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| unreadable(e.to_string()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| unreadable("it has no worksheet".into()))?
        .map_err(|e| unreadable(e.to_string()))?;
    let (top, left) = range.start().unwrap_or((0, 0));
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, r)| {
            let mut cells = vec![String::new(); left as usize];
            cells.extend(r.iter().map(cell_text));
            (top as usize + i + 1, cells)
        })
        .collect())
}

/// A worksheet cell as text: a whole number without `.0`, a date as `YYYY-MM-DD` (and its time,
/// when it has one).
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::DateTime(d) if d.is_datetime() => {
            let (y, mo, da, h, mi, s, _) = d.to_ymd_hms_milli();
            match (h, mi, s) {
                (0, 0, 0) => format!("{y:04}-{mo:02}-{da:02}"),
                _ => format!("{y:04}-{mo:02}-{da:02} {h:02}:{mi:02}:{s:02}"),
            }
        }
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<CasesSheet, SourceError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.csv");
        std::fs::write(&path, text).unwrap();
        read_cases(Path::new("cases.csv"), &path)
    }

    #[test]
    fn rows_give_interviews_and_speakers_their_attributes() {
        let s =
            read("\u{feff}interview,module,speaker,gender\nm1/a,1,,\nm1/a,,P1,f\nb,2,,\n\n,,,\n")
                .unwrap();
        assert_eq!(s.cases.interviews["m1/a"]["module"], "1");
        assert!(
            !s.cases.interviews["m1/a"].contains_key("gender"),
            "empty cells give nothing"
        );
        assert_eq!(s.cases.speakers["m1/a"]["P1"]["gender"], "f");
        assert_eq!(s.cases.interviews["b"]["module"], "2");
        assert_eq!(s.rows.len(), 3);
        let s = read("case;area\nx;North\n").unwrap();
        assert_eq!(s.cases.interviews["x"]["area"], "North");
        assert!(read("").unwrap().cases.is_empty());
    }

    #[test]
    fn a_malformed_sheet_is_located() {
        let e = read("id,area,area\nx,1,2\n").unwrap_err();
        assert_eq!((e.line, e.col), (1, 9), "{e}");
        assert!(e.message.contains("named twice"), "{e}");
        let e = read("id,area\nx,1\n,2\n").unwrap_err();
        assert_eq!((e.line, e.col), (3, 1), "{e}");
        assert!(e.message.contains("no interview id"), "{e}");
        let e = read("id,area\nx,1\nx,2\n").unwrap_err();
        assert_eq!((e.line, e.col), (3, 1), "{e}");
        assert!(e.message.contains("on line 2"), "{e}");
        let e = read("id,area\nx,\"North, upper\",3\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 18), "{e}");
        assert!(e.message.contains("column 3"), "{e}");
        assert!(e.help.is_some());
        let e = read("id,a=b\nx,1\n").unwrap_err();
        assert_eq!((e.line, e.col), (1, 4), "{e}");
        // Columns with neither a name nor a value (a spreadsheet's trailing commas) are fine.
        assert!(read("id,area,,\nx,1,,\n").is_ok());
    }

    #[test]
    fn unmatched_rows_are_warned_about_with_the_closest_id() {
        let s = read(
            "id,speaker,area\nmodule-1/a,,1\nmodul-2/b,,2\nmodule-1/a,P9,f\nmodule-1/a,P1,f\n",
        )
        .unwrap();
        let speakers = HashMap::from([("module-1/a", HashSet::from(["P1", "I"]))]);
        let w = s.unmatched(&["module-1/a", "module-2/b"], &speakers);
        assert_eq!(w.len(), 2, "{w:?}");
        assert_eq!(w[0].location, "cases.csv:3");
        assert!(
            w[0].message.contains("`modul-2/b` is in no corpus file"),
            "{w:?}"
        );
        assert!(w[0].message.contains("did you mean `module-2/b`?"), "{w:?}");
        assert_eq!(w[1].location, "cases.csv:4");
        assert!(w[1].message.contains("speaker `P9`"), "{w:?}");
    }

    #[test]
    fn a_workbook_that_is_none_is_an_error_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.xlsx");
        std::fs::write(&path, "id,area\n").unwrap();
        let e = read_cases(Path::new("cases.xlsx"), &path).unwrap_err();
        assert!(
            e.message
                .starts_with("cases sheet is not a readable workbook"),
            "{e}"
        );
        assert!(e.help.unwrap_or_default().contains(".xlsx or .csv"));
    }

    #[test]
    fn workbook_cells_read_numbers_and_dates_as_written() {
        use calamine::{Data, ExcelDateTime, ExcelDateTimeType};
        assert_eq!(cell_text(&Data::Float(40.0)), "40");
        assert_eq!(cell_text(&Data::Float(2.5)), "2.5");
        let date = ExcelDateTime::new(45119.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(cell_text(&Data::DateTime(date)), "2023-07-12");
        assert_eq!(cell_text(&Data::String("f".into())), "f");
    }
}
