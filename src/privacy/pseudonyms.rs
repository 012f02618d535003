//! Pseudonyms: interview ids and speaker labels that contain a participant's name are shown as
//! `case-01`, `speaker-01`, … The table is a project file (`pseudonyms.csv`, not in `.qcode/`,
//! which is safe to delete), so a pseudonym stays the same across runs and machines: rows are
//! only ever appended, never changed. A new pseudonym never equals a real id or label, nor
//! another pseudonym.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::diag::SourceError;
use crate::text::redact::Redactor;

/// The table's file, at the project root.
pub const PSEUDONYMS_FILE: &str = "pseudonyms.csv";

/// The table's header: `kind` is `interview` or `speaker`.
pub const HEADER: &str = "kind,real,pseudonym\n";

/// Real id or label → pseudonym, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pseudonyms {
    pub interviews: BTreeMap<String, String>,
    pub speakers: BTreeMap<String, String>,
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub kind: &'static str,
    pub real: String,
    pub pseudonym: String,
}

impl Pseudonyms {
    /// Read the table (`text` of `path`).
    pub fn read(path: &Path, text: &str) -> Result<Pseudonyms, SourceError> {
        let mut p = Pseudonyms::default();
        let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line() as usize);
                SourceError::new(path, line, 1, e.to_string()).with_source(text)
            })?;
            let line = rec.position().map_or(0, |p| p.line() as usize);
            let (kind, real, pseudo) = (rec.get(0), rec.get(1), rec.get(2));
            let (Some(kind), Some(real), Some(pseudo)) = (kind, real, pseudo) else {
                return Err(SourceError::new(
                    path,
                    line,
                    1,
                    "a row needs kind, real and pseudonym",
                )
                .with_source(text));
            };
            let table = match kind.trim() {
                "interview" => &mut p.interviews,
                "speaker" => &mut p.speakers,
                other => {
                    return Err(
                        SourceError::new(path, line, 1, format!("unknown kind `{other}`"))
                            .with_source(text)
                            .with_help("kind is `interview` or `speaker`"),
                    )
                }
            };
            table.insert(real.to_string(), pseudo.trim().to_string());
        }
        Ok(p)
    }

    /// The rows to add so that every id in `interviews` and label in `speakers` naming someone
    /// (as `redactor` finds names, words joined by `-`, `_` or `.` read as spaced) has a
    /// pseudonym; they are added to `self` too. New ones are numbered on from the highest of
    /// their kind, skipping any number whose pseudonym is a real id or label.
    pub fn extend(
        &mut self,
        redactor: &Redactor,
        interviews: &[String],
        speakers: &[String],
    ) -> Vec<Row> {
        let real: BTreeSet<&str> = interviews
            .iter()
            .chain(speakers)
            .map(String::as_str)
            .collect();
        let mut rows = Vec::new();
        for (kind, prefix, names, table) in [
            ("interview", "case", interviews, &mut self.interviews),
            ("speaker", "speaker", speakers, &mut self.speakers),
        ] {
            let taken: BTreeSet<String> = table.values().cloned().collect();
            let mut n = table
                .values()
                .filter_map(|p| p.strip_prefix(&format!("{prefix}-"))?.parse::<usize>().ok())
                .max()
                .unwrap_or(0);
            for name in names {
                if table.contains_key(name) || !names_someone(redactor, name) {
                    continue;
                }
                let pseudonym = loop {
                    n += 1;
                    let p = format!("{prefix}-{n:02}");
                    if !real.contains(p.as_str()) && !taken.contains(&p) {
                        break p;
                    }
                };
                table.insert(name.clone(), pseudonym.clone());
                rows.push(Row {
                    kind,
                    real: name.clone(),
                    pseudonym,
                });
            }
        }
        rows
    }
}

/// Whether an id or label names someone: as written, or with `-`, `_`, `.` read as spaces.
pub fn names_someone(redactor: &Redactor, s: &str) -> bool {
    let spaced: String = s
        .chars()
        .map(|c| if matches!(c, '-' | '_' | '.') { ' ' } else { c })
        .collect();
    redactor.mentions(s) || redactor.mentions(&spaced)
}

/// The CSV lines of `rows`, to append to the table (the header first when it is new).
pub fn lines(rows: &[Row], new_file: bool) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for r in rows {
        w.write_record([r.kind, r.real.as_str(), r.pseudonym.as_str()])
            .expect("write to memory");
    }
    let body = String::from_utf8(w.into_inner().expect("flush to memory")).expect("UTF-8");
    if new_file {
        format!("{HEADER}{body}")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        Redactor::new("", &["Dana Whitfield".into(), "Sam Reid".into()]).unwrap()
    }

    #[test]
    fn ids_and_labels_naming_someone_get_stable_pseudonyms_that_clash_with_nothing() {
        let mut p = Pseudonyms::default();
        let ids = vec![
            "case-01".to_string(),
            "dana-whitfield".into(),
            "northmoor-01".into(),
        ];
        let labels = vec!["Sam Reid (he/him)".to_string(), "P1".into()];
        let rows = p.extend(&redactor(), &ids, &labels);
        assert_eq!(
            p.interviews["dana-whitfield"], "case-02",
            "case-01 is a real id"
        );
        assert_eq!(p.speakers["Sam Reid (he/him)"], "speaker-01");
        assert_eq!(rows.len(), 2);
        // Read back, extended again: nothing new, nothing changed.
        let text = lines(&rows, true);
        let mut again = Pseudonyms::read(Path::new("pseudonyms.csv"), &text).unwrap();
        assert_eq!(again, p);
        assert!(again.extend(&redactor(), &ids, &labels).is_empty());
        // A new id numbers on.
        let more = again.extend(&redactor(), &["reid-2".to_string()], &[]);
        assert_eq!(more[0].pseudonym, "case-03");
    }

    #[test]
    fn a_bad_row_names_its_line() {
        let e =
            Pseudonyms::read(Path::new("p.csv"), "kind,real,pseudonym\nthing,a,b\n").unwrap_err();
        assert_eq!(e.line, 2);
    }
}
