//! Files about to be shared, audited for names: each is read as what its extension says (CSV,
//! TSV, JSON, XLSX, HTML or XML, a REFI-QDA package, else plain text) and every string in it
//! (cells, values and keys, lines, sheet and entry names) is looked through, so a finding can
//! say the line and column, cell or path. Entities (`&#39;`, `&amp;`) are decoded first, so a
//! name escaped in HTML or XML is still found.

use std::io::Cursor;
use std::path::Path;

use super::{Auditor, Finding, Place};
use crate::diag::SourceError;

/// What `auditor` finds in the file at `path` (each finding's file: `path` as given).
pub fn audit_file(path: &Path, auditor: &Auditor) -> Result<Vec<Finding>, SourceError> {
    let bytes = std::fs::read(path)
        .map_err(|e| SourceError::whole_file(path, format!("cannot read: {e}")))?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut push = |place: Place, text: &str| {
        for (found, words) in auditor.find(text) {
            out.push(Finding {
                file: path.display().to_string(),
                place: place.clone(),
                found,
                words,
            });
        }
    };
    match ext.as_str() {
        "csv" => table(path, &bytes, b',', true, &mut push)?,
        "tsv" | "tab" => table(path, &bytes, b'\t', false, &mut push)?,
        "json" => json(path, &bytes, &mut push)?,
        "xlsx" | "xlsm" => xlsx(path, &bytes, &mut push)?,
        "qdpx" | "zip" => package(path, &bytes, &mut push)?,
        "html" | "htm" | "xml" | "qdc" | "qde" | "svg" => lines(&text_of(&bytes), true, &mut push),
        _ => lines(&text_of(&bytes), false, &mut push),
    }
    Ok(out)
}

/// UTF-8 text without a BOM; any byte that is not UTF-8 replaced (a name is text).
fn text_of(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

/// Each line, numbered from 1; with `entities`, HTML and XML entities decoded.
fn lines(text: &str, entities: bool, push: &mut dyn FnMut(Place, &str)) {
    for (i, line) in text.lines().enumerate() {
        let line = if entities {
            decode_entities(line)
        } else {
            line.to_string()
        };
        push(Place::Line(i + 1), &line);
    }
}

/// A CSV (`quoted`) or TSV file: every cell, by its record's line and its column's header.
fn table(
    path: &Path,
    bytes: &[u8],
    delimiter: u8,
    quoted: bool,
    push: &mut dyn FnMut(Place, &str),
) -> Result<(), SourceError> {
    let text = text_of(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .quoting(quoted)
        .from_reader(text.as_bytes());
    let mut header: Vec<String> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            SourceError::new(path, line, 0, format!("not a readable table: {e}"))
                .with_help("check the file's quoting, or give it the extension of what it is")
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        if header.is_empty() {
            header = rec.iter().map(str::to_string).collect();
            for cell in &header {
                let column = "(header)".to_string();
                push(Place::Cell { line, column }, cell);
            }
            continue;
        }
        for (i, cell) in rec.iter().enumerate() {
            let column = header
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("{}", i + 1));
            push(Place::Cell { line, column }, cell);
        }
    }
    Ok(())
}

/// A JSON file: every string value and key, by its path.
fn json(path: &Path, bytes: &[u8], push: &mut dyn FnMut(Place, &str)) -> Result<(), SourceError> {
    let text = text_of(bytes);
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        SourceError::new(
            path,
            e.line(),
            e.column(),
            format!("not readable JSON: {e}"),
        )
        .with_help("give the file the extension of what it is, or check it was written whole")
    })?;
    walk(&value, "$".to_string(), push);
    Ok(())
}

fn walk(value: &serde_json::Value, at: String, push: &mut dyn FnMut(Place, &str)) {
    use serde_json::Value;
    match value {
        Value::String(s) => push(
            Place::Json {
                path: at,
                key: false,
            },
            s,
        ),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, format!("{at}[{i}]"), push);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                push(
                    Place::Json {
                        path: at.clone(),
                        key: true,
                    },
                    k,
                );
                let simple = !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_');
                let next = if simple {
                    format!("{at}.{k}")
                } else {
                    format!("{at}[{}]", serde_json::Value::String(k.clone()))
                };
                walk(v, next, push);
            }
        }
        _ => {}
    }
}

/// A spreadsheet: every sheet's name and every cell, by its reference (`B14`).
fn xlsx(path: &Path, bytes: &[u8], push: &mut dyn FnMut(Place, &str)) -> Result<(), SourceError> {
    use calamine::{Reader, Xlsx};
    let unreadable = |e: String| {
        SourceError::whole_file(path, format!("not a readable XLSX file: {e}"))
            .with_help("give the file the extension of what it is, or check it was written whole")
    };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    for sheet in book.sheet_names() {
        let named = Place::Sheet {
            sheet: sheet.clone(),
            cell: String::new(),
        };
        push(named, &sheet);
        let range = book
            .worksheet_range(&sheet)
            .map_err(|e| unreadable(e.to_string()))?;
        let (top, left) = range.start().unwrap_or((0, 0));
        for (row, col, cell) in range.used_cells() {
            let text = cell.to_string();
            let at = Place::Sheet {
                sheet: sheet.clone(),
                cell: cell_ref(top as usize + row, left as usize + col),
            };
            push(at, &text);
        }
    }
    Ok(())
}

/// A cell's reference from its 0-based row and column: (13, 1) → `B14`.
fn cell_ref(row: usize, col: usize) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        letters.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

/// A zip package (.qdpx): every entry's name and, for text entries, every line (XML entities
/// decoded).
fn package(
    path: &Path,
    bytes: &[u8],
    push: &mut dyn FnMut(Place, &str),
) -> Result<(), SourceError> {
    let unreadable = |e: String| {
        SourceError::whole_file(path, format!("not a readable zip package: {e}"))
            .with_help("give the file the extension of what it is, or check it was written whole")
    };
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| unreadable(e.to_string()))?;
        let name = entry
            .name()
            .map_err(|e| unreadable(e.to_string()))?
            .to_string();
        push(
            Place::Entry {
                entry: name.clone(),
                line: 0,
            },
            &name,
        );
        // Inflated within the default [limits]: a zip bomb given to the audit is an error, not
        // memory run out.
        let packed = entry.compressed_size();
        let content = crate::text::Limits::default()
            .read_entry(&name, packed, &mut entry)
            .map_err(|e| unreadable(e.to_string()))?;
        // Media and other binary entries hold no text to read.
        if content.contains(&0) {
            continue;
        }
        let xml = name.ends_with(".qde") || name.ends_with(".xml");
        for (n, line) in text_of(&content).lines().enumerate() {
            let line = if xml {
                decode_entities(line)
            } else {
                line.to_string()
            };
            let at = Place::Entry {
                entry: name.clone(),
                line: n + 1,
            };
            push(at, &line);
        }
    }
    Ok(())
}

/// `s` with HTML and XML character entities decoded (`&amp;`, `&#39;`, `&#x2019;`, `&nbsp;`);
/// anything else left as written.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..].find(';').map(|e| e + 1).filter(|&e| e <= 12);
        let decoded = end.and_then(|e| entity(&rest[1..e]).map(|c| (c, e)));
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    let named = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some('\u{a0}'),
        "rsquo" => Some('\u{2019}'),
        "lsquo" => Some('\u{2018}'),
        _ => None,
    };
    if named.is_some() {
        return named;
    }
    let num = name.strip_prefix('#')?;
    let code = match num.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => num.parse().ok()?,
    };
    char::from_u32(code)
}

#[cfg(test)]
mod tests {
    use super::super::tests::auditor;
    use super::super::Found;
    use super::*;

    fn audit(name: &str, bytes: &[u8]) -> Result<Vec<Finding>, SourceError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        audit_file(&path, &auditor()).map(|fs| {
            fs.into_iter()
                .map(|f| Finding {
                    file: name.into(),
                    ..f
                })
                .collect()
        })
    }

    fn lines_of(found: &[Finding]) -> Vec<String> {
        found.iter().map(Finding::line).collect()
    }

    #[test]
    fn csv_cells_by_line_and_column() {
        let f = audit(
            "q.csv",
            "segment_id,text\na:1.1,fine\n\"a:2.1\",\"Then DANA WHITFIELD\nspoke\"\nb,Whitfield\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(
            lines_of(&f),
            [
                "a declared name (2 words) at q.csv:3, column text: `DANA WHITFIELD`",
                "part of a declared name at q.csv:5, column text: `Whitfield`",
            ]
        );
    }

    #[test]
    fn json_values_and_keys_by_path() {
        let f = audit(
            "q.json",
            r#"{"hits": [{"text": "我和王小明说过", "meta": {"Dana Whitfield": "x"}}]}"#.as_bytes(),
        )
        .unwrap();
        let places: Vec<String> = f.iter().map(|f| f.place.describe()).collect();
        assert_eq!(places, ["a key at $.hits[0].meta", "$.hits[0].text"]);
    }

    #[test]
    fn html_entities_and_tsv_and_plain_text() {
        let f = audit("r.html", b"<p>\n<td>Dana&#32;Whitfield&apos;s</td>\n").unwrap();
        assert_eq!(f[0].place, Place::Line(2));
        let f = audit("t.tsv", b"id\ttext\n1\t\"Dana Whitfield\n").unwrap();
        assert_eq!(
            f[0].place,
            Place::Cell {
                line: 2,
                column: "text".into()
            }
        );
        let f = audit("notes.md", b"# Notes\n\nMet fenwick road people\n").unwrap();
        assert_eq!(f[0].found, Found::Listed { words: 2 });
        assert_eq!(f[0].place, Place::Line(3));
    }

    #[test]
    fn xlsx_cells_and_qdpx_entries() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet().set_name("quotes").unwrap();
        sheet.write(0, 0, "text").unwrap();
        sheet.write(13, 1, "asked Dana Whitfield").unwrap();
        let f = audit("q.xlsx", &book.save_to_buffer().unwrap()).unwrap();
        assert_eq!(
            lines_of(&f),
            ["a declared name (2 words) at q.xlsx, sheet quotes, cell B14: `Dana Whitfield`"]
        );
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        zip.start_file("project.qde", opts).unwrap();
        std::io::Write::write_all(
            &mut zip,
            b"<Project>\n<Case name=\"Dana&#x20;Whitfield\"/>\n",
        )
        .unwrap();
        zip.start_file("sources/Dana Whitfield.txt", opts).unwrap();
        std::io::Write::write_all(&mut zip, b"P1: hello\n").unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let f = audit("p.qdpx", &bytes).unwrap();
        assert_eq!(
            lines_of(&f),
            [
                "a declared name (2 words) at p.qdpx project.qde:2: `Dana Whitfield`",
                "a declared name (2 words) at p.qdpx, name of entry sources/Dana Whitfield.txt: `Dana Whitfield`",
            ]
        );
    }

    #[test]
    fn unreadable_files_are_errors_with_their_location() {
        let e = audit("bad.json", b"{\n  \"a\": [1,\n").unwrap_err();
        assert_eq!(
            (e.line, e.message.starts_with("not readable JSON")),
            (3, true)
        );
        let e = audit("bad.xlsx", b"not a zip").unwrap_err();
        assert!(e.message.starts_with("not a readable XLSX file"), "{e}");
        let e = audit("bad.qdpx", b"not a zip").unwrap_err();
        assert!(e.message.starts_with("not a readable zip package"), "{e}");
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            decode_entities("O&#39;Brien &amp; O&#x2019;Neil &bogus; a & b"),
            "O'Brien & O\u{2019}Neil &bogus; a & b"
        );
    }
}
