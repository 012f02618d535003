//! Changing a codings file: adding rows and taking rows out, keeping everything else in it as
//! it was (its header, its other rows, any columns of the researcher's own). Pure: the caller
//! reads the file and writes the bytes back atomically.

use std::collections::HashSet;
use std::path::Path;

use crate::diag::SourceError;

use super::row::{write_rows, CodingRow, COLUMNS};

/// A coding to take out: `coder`'s row applying `code` to `segment_id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Removal {
    pub segment_id: String,
    pub code: String,
    pub coder: String,
}

/// What an edit did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edited {
    pub bytes: Vec<u8>,
    pub added: usize,
    /// Rows to add that the file already had (same segment, code, coder and status).
    pub already: usize,
    pub removed: usize,
}

/// The file `existing` (None: a new file) with `add` appended and the rows `remove` names
/// taken out. Columns the file lacks are added at the end; rows already there are not added
/// twice; rows whose `coder` is empty belong to the file's stem, as when they are read.
pub fn edit(
    path: &Path,
    existing: Option<&str>,
    add: &[CodingRow],
    remove: &[Removal],
) -> Result<Edited, SourceError> {
    let Some(text) = existing.filter(|t| !t.trim().is_empty()) else {
        return Ok(Edited {
            added: add.len(),
            bytes: write_rows(add),
            ..Default::default()
        });
    };
    // Read as the store reads it, so a file the store cannot read is not edited either.
    super::row::read_rows(path, text)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let mut header: Vec<String> = rdr
        .headers()
        .map_err(|e| SourceError::new(path, 1, 1, e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    let lower: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    for c in COLUMNS {
        if !lower.iter().any(|h| h == c) {
            header.push(c.to_string());
        }
    }
    let col = |name: &str| {
        header
            .iter()
            .position(|h| {
                h.trim()
                    .trim_start_matches('\u{feff}')
                    .eq_ignore_ascii_case(name)
            })
            .expect("every column is in the header")
    };
    let (seg, code, coder, status) = (col("segment_id"), col("code"), col("coder"), col("status"));
    let remove: HashSet<&Removal> = remove.iter().collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    let write_err = |e: csv::Error| SourceError::new(path, 0, 0, e.to_string());
    out.write_record(&header).map_err(write_err)?;
    let mut have: HashSet<(String, String, String, String)> = HashSet::new();
    let mut done = Edited::default();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| SourceError::new(path, 0, 0, e.to_string()))?;
        let mut fields: Vec<String> = rec.iter().map(str::to_string).collect();
        fields.resize(header.len(), String::new());
        let who = match fields[coder].trim() {
            "" => stem.clone(),
            c => c.to_string(),
        };
        let key = Removal {
            segment_id: fields[seg].trim().to_string(),
            code: fields[code].trim().to_string(),
            coder: who.clone(),
        };
        if remove.contains(&key) {
            done.removed += 1;
            continue;
        }
        have.insert((
            key.segment_id,
            key.code,
            who,
            fields[status].trim().to_lowercase(),
        ));
        out.write_record(&fields).map_err(write_err)?;
    }
    for r in add {
        let key = (
            r.segment_id.clone(),
            r.code.clone(),
            r.coder.clone(),
            r.status.as_str().to_string(),
        );
        if !have.insert(key) {
            done.already += 1;
            continue;
        }
        let values = r.record();
        let fields: Vec<&str> = header
            .iter()
            .map(|h| {
                COLUMNS
                    .iter()
                    .position(|c| {
                        h.trim()
                            .trim_start_matches('\u{feff}')
                            .eq_ignore_ascii_case(c)
                    })
                    .map_or("", |i| values[i].as_str())
            })
            .collect();
        out.write_record(&fields).map_err(write_err)?;
        done.added += 1;
    }
    done.bytes = out
        .into_inner()
        .map_err(|e| SourceError::new(path, 0, 0, e.to_string()))?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codings::{read_rows, Status};

    fn row(seg: &str, code: &str) -> CodingRow {
        CodingRow {
            segment_id: seg.into(),
            code: code.into(),
            coder: "ann".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_new_file_gets_every_column() {
        let e = edit(
            Path::new("codings/ann.csv"),
            None,
            &[row("a:1", "trust")],
            &[],
        )
        .unwrap();
        let text = String::from_utf8(e.bytes).unwrap();
        assert!(text.starts_with("segment_id,code,coder,overlap"));
        assert_eq!(
            read_rows(Path::new("x.csv"), &text).unwrap(),
            [row("a:1", "trust")]
        );
    }

    #[test]
    fn an_old_file_keeps_its_rows_and_own_columns() {
        let old = "segment_id,code,note\na:1,trust,mine\na:2,,\n";
        let e = edit(
            Path::new("codings/ann.csv"),
            Some(old),
            &[row("a:1", "trust"), row("a:3", "power")],
            &[],
        )
        .unwrap();
        assert_eq!(
            (e.added, e.already),
            (1, 1),
            "a:1 trust is ann's already (the file's stem)"
        );
        let text = String::from_utf8(e.bytes).unwrap();
        assert!(text
            .lines()
            .next()
            .unwrap()
            .starts_with("segment_id,code,note,coder,"));
        assert!(text.contains("a:1,trust,mine,"));
        let rows = read_rows(Path::new("codings/ann.csv"), &text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2].code, "power");
    }

    #[test]
    fn removals_take_only_the_named_coders_row() {
        let old = "segment_id,code,coder\na:1,trust,ann\na:1,trust,bob\n";
        let e = edit(
            Path::new("codings/team.csv"),
            Some(old),
            &[CodingRow {
                status: Status::Rejected,
                ..row("a:2", "power")
            }],
            &[Removal {
                segment_id: "a:1".into(),
                code: "trust".into(),
                coder: "ann".into(),
            }],
        )
        .unwrap();
        assert_eq!((e.added, e.removed), (1, 1));
        let rows = read_rows(
            Path::new("codings/team.csv"),
            &String::from_utf8(e.bytes).unwrap(),
        )
        .unwrap();
        assert_eq!(
            rows.iter().map(|r| r.coder.as_str()).collect::<Vec<_>>(),
            ["bob", "ann"]
        );
        assert_eq!(rows[1].status, Status::Rejected);
    }

    #[test]
    fn a_file_the_store_cannot_read_is_not_edited() {
        let e = edit(
            Path::new("x.csv"),
            Some("id,code\n1,x\n"),
            &[row("a:1", "x")],
            &[],
        );
        assert!(e.is_err());
    }
}
