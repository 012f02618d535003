//! Writers: CSV (plain, or Excel-safe: UTF-8 BOM, CRLF, formula cells neutralised), JSON with
//! the export's metadata, XLSX with the header in row 1 and an "about" sheet last, and aligned text for a terminal. Writers
//! take any `Write`; the CLI writes to a temporary file and renames it into place.

use std::borrow::Cow;
use std::io::Write;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use super::table::{Cell, Export};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvFlavour {
    /// For R, pandas and other programs: UTF-8, LF, every cell as it is.
    Plain,
    /// For Excel and LibreOffice: BOM, CRLF, and text a spreadsheet would run as a formula made
    /// inert with a leading `'` (see [`crate::text::spreadsheet`] for exactly which).
    Excel,
}

/// Text that a spreadsheet would run as a formula, made inert (see [`crate::text::spreadsheet`]).
pub fn neutralise(s: &str) -> String {
    crate::text::spreadsheet::inert(s).into_owned()
}

/// The header and the rows of one CSV: a single table's, or split tables' stacked under a first
/// column naming the group. Rows are borrowed, not copied: a quotes export can be gigabytes.
/// A row to write: the group it is stacked under, if any, and its cells.
pub type Row<'a> = (Option<&'a str>, &'a [Cell]);

fn stacked(export: &Export) -> (Vec<String>, Vec<Row<'_>>) {
    let tables = &export.tables;
    match tables.first().and_then(|t| t.group.as_ref()) {
        Some((var, _)) => {
            let mut header = vec![var.clone()];
            header.extend(tables[0].header.iter().cloned());
            let rows = tables
                .iter()
                .flat_map(|t| {
                    let value = t.group.as_ref().map(|g| g.1.as_str()).unwrap_or("");
                    t.rows.iter().map(move |r| (Some(value), r.as_slice()))
                })
                .collect();
            (header, rows)
        }
        None => {
            let t = &tables[0];
            (
                t.header.clone(),
                t.rows.iter().map(|r| (None, r.as_slice())).collect(),
            )
        }
    }
}

/// Fields longer than this are written by [`write_big_record`]: the csv crate rescans the rest
/// of a field each time its 8 KB buffer fills, which is quadratic in the field's length (a
/// framework cell on a big corpus holds hundreds of megabytes).
const BIG_FIELD: usize = 1 << 16;

/// One record written directly, every field quoted (`"` doubled), as RFC 4180 allows.
fn write_big_record(
    out: &mut impl Write,
    fields: &[std::borrow::Cow<'_, str>],
    terminator: &[u8],
) -> std::io::Result<()> {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(b"\"")?;
        let mut rest = f.as_bytes();
        while let Some(q) = memchr::memchr(b'"', rest) {
            out.write_all(&rest[..=q])?;
            out.write_all(b"\"")?;
            rest = &rest[q + 1..];
        }
        out.write_all(rest)?;
        out.write_all(b"\"")?;
    }
    out.write_all(terminator)
}

fn csv_builder(flavour: CsvFlavour) -> csv::WriterBuilder {
    let mut builder = csv::WriterBuilder::new();
    builder
        .terminator(if flavour == CsvFlavour::Excel {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .flexible(true)
        .buffer_capacity(1 << 16);
    builder
}

/// The start of a CSV: the BOM for Excel, then the header row.
pub fn write_csv_header(
    out: &mut impl Write,
    header: &[String],
    flavour: CsvFlavour,
) -> std::io::Result<()> {
    if flavour == CsvFlavour::Excel {
        out.write_all("\u{feff}".as_bytes())?;
    }
    let mut w = csv_builder(flavour).from_writer(out);
    w.write_record(header.iter().map(|h| cell_text(h, flavour).into_owned()))?;
    w.flush()
}

fn cell_text(s: &str, flavour: CsvFlavour) -> std::borrow::Cow<'_, str> {
    if flavour == CsvFlavour::Excel {
        std::borrow::Cow::Owned(neutralise(s))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// CSV rows (no header), each optionally under a group value.
pub fn write_csv_rows<'a>(
    out: &mut impl Write,
    rows: impl IntoIterator<Item = Row<'a>>,
    flavour: CsvFlavour,
) -> std::io::Result<()> {
    use std::borrow::Cow;
    let terminator: &[u8] = if flavour == CsvFlavour::Excel {
        b"\r\n"
    } else {
        b"\n"
    };
    let builder = csv_builder(flavour);
    let mut w = builder.from_writer(out);
    for (group, row) in rows {
        let fields: Vec<Cow<'_, str>> = group
            .map(|g| cell_text(g, flavour))
            .into_iter()
            .chain(row.iter().map(|c| match c {
                Cell::Text(s) => cell_text(s, flavour),
                other => Cow::Owned(other.render()),
            }))
            .collect();
        if fields.iter().any(|f| f.len() > BIG_FIELD) {
            let inner = w.into_inner().map_err(|e| e.into_error())?;
            write_big_record(inner, &fields, terminator)?;
            w = builder.from_writer(inner);
        } else {
            w.write_record(fields.iter().map(|f| f.as_bytes()))?;
        }
    }
    w.flush()
}

/// One CSV: a single table, or split tables stacked under a first column naming the group.
pub fn write_csv(
    out: &mut impl Write,
    export: &Export,
    flavour: CsvFlavour,
) -> std::io::Result<()> {
    let (header, rows) = stacked(export);
    write_csv_header(out, &header, flavour)?;
    write_csv_rows(out, rows, flavour)
}

/// JSON: `{"meta": {...}, "tables": [{"name", "title", "header", "rows", "group"}]}`.
pub fn write_json(out: &mut impl Write, export: &Export) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, export)?;
    writeln!(out)
}

/// Excel's limit on the characters (UTF-16 code units) of one cell.
pub const XLSX_CELL_LIMIT: usize = 32_767;

/// Excel's limit on the characters (UTF-16 code units) of a sheet's name.
const SHEET_NAME_LIMIT: usize = 31;

/// The sheet that says what the workbook holds and where it came from: last, so a reader that
/// takes the first sheet gets data.
pub const ABOUT_SHEET: &str = "about";

/// A cell too long for Excel, cut to fit: where it was, for the one warning that names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutCell {
    pub sheet: String,
    /// The row's first cell (a segment id in the listings, an interview in the framework).
    pub row: String,
    pub column: String,
    /// Its length, in characters, before it was cut.
    pub chars: usize,
}

/// An XLSX file, and the cells that had to be cut to fit Excel's limit.
#[derive(Debug, Clone)]
pub struct XlsxFile {
    pub bytes: Vec<u8>,
    pub cut: Vec<CutCell>,
}

/// XLSX for pandas, readxl and spreadsheets alike: one sheet per table with its header in row 1
/// and its data from row 2 (numbers as numbers, text as text, never a formula), then an
/// [`ABOUT_SHEET`] with each sheet's title and the codebook and corpus the export came from.
/// Sheet names are made valid for Excel and unique; control characters are removed from cells;
/// a cell longer than Excel allows is cut, marked, and listed in [`XlsxFile::cut`]. The creation
/// date is fixed so the same export gives the same bytes.
pub fn write_xlsx(export: &Export) -> Result<XlsxFile, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let epoch = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&epoch)
            .set_author("qcode"),
    );
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    // Reserved first, so a table that happens to be called "about" gets another name.
    let mut used: Vec<String> = vec![ABOUT_SHEET.to_string()];
    let mut cut = Vec::new();
    let mut names = Vec::new();
    for t in &export.tables {
        let name = sheet_name(&t.name, &mut used);
        let ws = wb.add_worksheet();
        ws.set_name(&name)?;
        for (c, h) in t.header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, cell_string(h).0, &bold)?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (r, row) in t.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let col = c as u16;
                match cell {
                    // Written as strings, never as formulas, so nothing is evaluated.
                    Cell::Text(s) => {
                        let (text, chars) = cell_string(s);
                        if let Some(chars) = chars {
                            cut.push(CutCell {
                                sheet: name.clone(),
                                row: row.first().map(Cell::render).unwrap_or_default(),
                                column: t.header.get(c).cloned().unwrap_or_default(),
                                chars,
                            });
                        }
                        match text.contains('\n') {
                            true => ws.write_string_with_format(r, col, text, &wrap)?,
                            false => ws.write_string(r, col, text)?,
                        }
                    }
                    Cell::Int(i) => ws.write_number(r, col, *i as f64)?,
                    Cell::Num(x, _) => ws.write_number(r, col, *x)?,
                    Cell::Empty => ws,
                };
            }
        }
        names.push((name, &t.title));
    }
    write_about(wb.add_worksheet(), &export.meta, &names, &bold)?;
    Ok(XlsxFile {
        bytes: wb.save_to_buffer()?,
        cut,
    })
}

/// The about sheet: what produced the export, then each data sheet's name and title.
fn write_about(
    about: &mut rust_xlsxwriter::Worksheet,
    m: &super::table::ExportMeta,
    sheets: &[(String, &String)],
    bold: &Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    about.set_name(ABOUT_SHEET)?;
    let facts: [(&str, String); 7] = [
        ("export", m.export.clone()),
        ("qcode version", m.qcode_version.clone()),
        ("codebook", m.codebook_name.clone()),
        ("codebook version", m.codebook_version.clone()),
        ("codebook hash (blake3)", m.codebook_hash.clone()),
        ("respondent segments", m.segments.to_string()),
        ("interviews", m.interviews.to_string()),
    ];
    about.write_string_with_format(0, 0, "item", bold)?;
    about.write_string_with_format(0, 1, "value", bold)?;
    let mut r = 1;
    for (k, v) in &facts {
        about.write_string(r, 0, *k)?;
        about.write_string(r, 1, cell_string(v).0)?;
        r += 1;
    }
    for (name, title) in sheets {
        about.write_string(r, 0, format!("sheet {name}"))?;
        about.write_string(r, 1, cell_string(title).0)?;
        r += 1;
    }
    Ok(())
}

/// A cell's text as XLSX can hold it: without control characters (XML cannot carry most of
/// them, and a spreadsheet shows none), and at most [`XLSX_CELL_LIMIT`] UTF-16 units, a longer
/// one cut with a visible marker. Also its length in characters when it was cut.
fn cell_string(s: &str) -> (Cow<'_, str>, Option<usize>) {
    let text = without_controls(s);
    if text.len() <= XLSX_CELL_LIMIT || text.encode_utf16().count() <= XLSX_CELL_LIMIT {
        return (text, None);
    }
    let chars = text.chars().count();
    let mut kept = String::new();
    let mut units = 0;
    let mut kept_chars = 0;
    // Room for the marker, which says how much is missing (at most 11 digits).
    let room = XLSX_CELL_LIMIT - marker(99_999_999_999).encode_utf16().count();
    for c in text.chars() {
        if units + c.len_utf16() > room {
            break;
        }
        units += c.len_utf16();
        kept_chars += 1;
        kept.push(c);
    }
    kept.push_str(&marker(chars - kept_chars));
    (Cow::Owned(kept), Some(chars))
}

/// What ends a cut cell.
fn marker(missing: usize) -> String {
    format!(" […cut: {missing} more characters; the CSV and JSON exports keep the whole text]")
}

/// `s` without control characters but tab, line feed and carriage return.
fn without_controls(s: &str) -> Cow<'_, str> {
    let control = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    match s.chars().any(control) {
        true => Cow::Owned(s.chars().filter(|&c| !control(c)).collect()),
        false => Cow::Borrowed(s),
    }
}

/// The one warning about cut cells, naming the first few (sheet, row, column).
pub fn cut_warning(cut: &[CutCell]) -> Option<String> {
    const NAMED: usize = 5;
    if cut.is_empty() {
        return None;
    }
    let mut named: Vec<String> = cut
        .iter()
        .take(NAMED)
        .map(|c| {
            format!(
                "sheet {} row {} column {} ({} characters)",
                c.sheet, c.row, c.column, c.chars
            )
        })
        .collect();
    if cut.len() > NAMED {
        named.push(format!("and {} more", cut.len() - NAMED));
    }
    Some(format!(
        "{} cell(s) longer than Excel's limit of {XLSX_CELL_LIMIT} characters were cut and marked […cut: …]: {}; the CSV and JSON exports keep the whole text",
        cut.len(),
        named.join("; ")
    ))
}

/// A sheet name Excel accepts, unique in the workbook (Excel compares names ignoring case): no
/// `[]:*?/\` or control characters, no apostrophe at either end, not "History" (Excel keeps
/// it), at most 31 characters with room for a number that makes it unique.
fn sheet_name(name: &str, used: &mut Vec<String>) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let mut base = String::new();
    for c in clean
        .trim_matches(|c: char| c == '\'' || c.is_whitespace())
        .chars()
    {
        if base.encode_utf16().count() + c.len_utf16() > SHEET_NAME_LIMIT - 4 {
            break;
        }
        base.push(c);
    }
    let mut base = base
        .trim_end_matches(|c: char| c == '\'' || c.is_whitespace())
        .to_string();
    if base.is_empty() {
        base = "sheet".to_string();
    }
    let taken = |n: &str, used: &[String]| {
        n.eq_ignore_ascii_case("history")
            || used.iter().any(|u| u.to_lowercase() == n.to_lowercase())
    };
    let mut candidate = base.clone();
    let mut n = 2;
    while taken(&candidate, used) {
        candidate = format!("{base} {n}");
        n += 1;
    }
    used.push(candidate.clone());
    candidate
}

/// Aligned columns for a terminal; long cells are cut to `max_width` characters.
pub fn write_table(out: &mut impl Write, export: &Export, max_width: usize) -> std::io::Result<()> {
    for (i, t) in export.tables.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", t.title)?;
        let cut = |s: String| -> String {
            let s = s.replace('\n', " ");
            if s.chars().count() > max_width {
                format!("{}…", s.chars().take(max_width - 1).collect::<String>())
            } else {
                s
            }
        };
        let header: Vec<String> = t.header.iter().cloned().map(cut).collect();
        let rows: Vec<Vec<(String, bool)>> = t
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| (cut(c.render()), !matches!(c, Cell::Text(_))))
                    .collect()
            })
            .collect();
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for r in &rows {
            for (j, (s, _)) in r.iter().enumerate() {
                if j < widths.len() {
                    widths[j] = widths[j].max(s.chars().count());
                }
            }
        }
        let line = |cells: Vec<(String, bool)>| -> String {
            cells
                .iter()
                .enumerate()
                .map(|(j, (s, num))| {
                    let w = widths.get(j).copied().unwrap_or(0);
                    let pad = " ".repeat(w.saturating_sub(s.chars().count()));
                    if *num {
                        format!("{pad}{s}")
                    } else {
                        format!("{s}{pad}")
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        };
        writeln!(
            out,
            "{}",
            line(header.into_iter().map(|h| (h, false)).collect())
        )?;
        writeln!(
            out,
            "{}",
            widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("  ")
        )?;
        for r in rows {
            writeln!(out, "{}", line(r))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_field_is_written_whole_and_reads_back() {
        let big = format!("say \"hi\",\n{}", "word ".repeat(30_000));
        let fields = [
            std::borrow::Cow::Borrowed("a"),
            std::borrow::Cow::Borrowed(big.as_str()),
        ];
        let mut out = Vec::new();
        write_big_record(&mut out, &fields, b"\n").unwrap();
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(out.as_slice());
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(&rec[0], "a");
        assert_eq!(&rec[1], big);
    }

    #[test]
    fn sheet_names_are_valid_for_excel_and_unique() {
        let mut used = vec![ABOUT_SHEET.to_string()];
        let mut name = |n: &str| sheet_name(n, &mut used);
        assert_eq!(name("'quoted'"), "quoted");
        assert_eq!(name("a[b]:c*d?e/f\\g"), "a_b__c_d_e_f_g");
        assert_eq!(name("about"), "about 2");
        assert_eq!(name("History"), "History 2");
        assert_eq!(name("''"), "sheet");
        assert_eq!(name("QUOTED"), "QUOTED 2");
        assert_eq!(name("tab\there"), "tabhere");
        let long = name(&"é".repeat(40));
        assert!(long.encode_utf16().count() <= SHEET_NAME_LIMIT, "{long}");
        for n in used {
            assert!(!n.starts_with('\'') && !n.ends_with('\''), "{n}");
        }
    }

    #[test]
    fn a_cell_over_excels_limit_is_cut_and_marked() {
        let long = "😀".repeat(20_000);
        let (text, cut) = cell_string(&long);
        assert_eq!(cut, Some(20_000));
        assert!(text.encode_utf16().count() <= XLSX_CELL_LIMIT);
        assert!(text.ends_with("keep the whole text]"), "marked");
        let fits = "x".repeat(XLSX_CELL_LIMIT);
        assert_eq!(cell_string(&fits), (Cow::Borrowed(fits.as_str()), None));
        assert_eq!(cell_string("a\u{1b}b\u{7}c\td\n").0, "abc\td\n");
    }

    #[test]
    fn the_cut_warning_is_one_line_naming_the_cells() {
        let cut: Vec<CutCell> = (0..7)
            .map(|i| CutCell {
                sheet: "quotes".into(),
                row: format!("seg-{i}"),
                column: "text".into(),
                chars: 40_000,
            })
            .collect();
        let w = cut_warning(&cut).unwrap();
        assert!(w.starts_with("7 cell(s) longer than Excel's limit"), "{w}");
        assert!(
            w.contains("sheet quotes row seg-0 column text (40000 characters)"),
            "{w}"
        );
        assert!(w.contains("and 2 more") && !w.contains('\n'), "{w}");
        assert_eq!(cut_warning(&[]), None);
    }
}
