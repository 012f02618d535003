//! Writers: CSV (plain, or Excel-safe: UTF-8 BOM, CRLF, formula cells neutralised), JSON with
//! the export's metadata, XLSX with an "about" sheet, and aligned text for a terminal. Writers
//! take any `Write`; the CLI writes to a temporary file and renames it into place.

use std::io::Write;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use super::table::{Cell, Export};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvFlavour {
    Plain,
    /// For Excel: BOM, CRLF, and text cells starting with = + - @ tab or CR prefixed with `'`
    /// (OWASP's advice against CSV formula injection).
    Excel,
}

/// Text that a spreadsheet would read as a formula, made inert.
pub fn neutralise(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
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

/// XLSX: one sheet per table, and an "about" sheet with the codebook and corpus it came from.
/// The creation date is fixed so the same export gives the same bytes.
pub fn write_xlsx(export: &Export) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let epoch = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&epoch)
            .set_author("qcode"),
    );
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let mut used: Vec<String> = Vec::new();
    for t in &export.tables {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.name, &mut used))?;
        ws.write_string_with_format(0, 0, &t.title, &bold)?;
        for (c, h) in t.header.iter().enumerate() {
            ws.write_string_with_format(2, c as u16, h, &bold)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = r as u32 + 3;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    // Written as strings, never as formulas, so nothing is evaluated.
                    Cell::Text(s) if s.contains('\n') => {
                        ws.write_string_with_format(r, c, s, &wrap)?
                    }
                    Cell::Text(s) => ws.write_string(r, c, s)?,
                    Cell::Int(i) => ws.write_number(r, c, *i as f64)?,
                    Cell::Num(x, _) => ws.write_number(r, c, *x)?,
                    Cell::Empty => ws,
                };
            }
        }
    }
    let about = wb.add_worksheet();
    about.set_name(sheet_name("about", &mut used))?;
    let m = &export.meta;
    let facts: [(&str, String); 7] = [
        ("export", m.export.clone()),
        ("qcode version", m.qcode_version.clone()),
        ("codebook", m.codebook_name.clone()),
        ("codebook version", m.codebook_version.clone()),
        ("codebook hash (blake3)", m.codebook_hash.clone()),
        ("respondent segments", m.segments.to_string()),
        ("interviews", m.interviews.to_string()),
    ];
    for (r, (k, v)) in facts.iter().enumerate() {
        about.write_string_with_format(r as u32, 0, *k, &bold)?;
        about.write_string(r as u32, 1, v)?;
    }
    wb.save_to_buffer()
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(name: &str, used: &mut Vec<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(28)
        .collect();
    let mut candidate = if clean.is_empty() {
        "sheet".to_string()
    } else {
        clean
    };
    let base = candidate.clone();
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&candidate)) {
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
}
