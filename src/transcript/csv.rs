//! A CSV corpus: one row per response or quote. A `.tsv` (or `.tab`) file is read the same way,
//! tab-separated and without quoting. Required columns `id` (or `segment_id`) and `text`; optional `role`,
//! `speaker`, `interview` (groups rows into one case) and `name` (kept out of the index); every
//! other column becomes metadata. [`CsvRows`] reads rows in batches from any reader, so a very
//! large file streams instead of being loaded whole; [`parse_csv`] reads a whole decoded file.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{valid_interview_id, Interview, Segment};
use crate::diag::{line_col, SourceError, Warning};
use crate::roles::{slug, RoleTable, INTERVIEWER_ROLE};

const RESERVED: [&str; 7] = [
    "id",
    "segment_id",
    "text",
    "role",
    "speaker",
    "interview",
    "name",
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

/// Which column is which.
#[derive(Debug, Clone)]
struct Layout {
    id: usize,
    text: usize,
    role: Option<usize>,
    speaker: Option<usize>,
    interview: Option<usize>,
    name: Option<usize>,
    meta: Vec<(usize, String)>,
}

/// Rows of a CSV corpus, read batch by batch. Row ids must be unique within the file.
pub struct CsvRows<'t, R: Read> {
    rdr: csv::Reader<R>,
    layout: Layout,
    path: PathBuf,
    rel: String,
    fallback_id: String,
    /// The whole text when it is in memory, to show the offending line in errors.
    text: Option<&'t str>,
    seen_ids: HashMap<String, u64>,
    turns: HashMap<String, u32>,
    /// Role labels the role table does not know.
    pub unknown_roles: BTreeSet<String>,
    pub warnings: Vec<Warning>,
}

impl<'t, R: Read> CsvRows<'t, R> {
    /// Read the header row. `text` is the whole file when it is in memory (for error display).
    pub fn new(
        reader: R,
        path: &Path,
        rel: &str,
        fallback_id: &str,
        text: Option<&'t str>,
    ) -> Result<Self, SourceError> {
        let delimiter = table_delimiter(path).unwrap_or(b',');
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(false)
            .delimiter(delimiter)
            // IANA TSV has no quoting: a `"` in the text is just a character.
            .quoting(delimiter != b'\t')
            .from_reader(reader);
        let headers = rdr
            .headers()
            .map_err(|e| csv_error(path, text, &e))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect::<Vec<_>>();
        let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
        let (id, text_col) = match (col("id").or_else(|| col("segment_id")), col("text")) {
            (Some(i), Some(t)) => (i, t),
            (i, _) => {
                let missing = if i.is_none() { "id" } else { "text" };
                let e = SourceError::new(path, 1, 1, format!("the CSV has no `{missing}` column"))
                    .with_help(format!(
                        "a CSV corpus needs a header row with `id` and `text` columns; found: {}",
                        headers.join(", ")
                    ));
                return Err(match text {
                    Some(t) => e.with_source(t),
                    None => e,
                });
            }
        };
        let layout = Layout {
            id,
            text: text_col,
            role: col("role"),
            speaker: col("speaker"),
            interview: col("interview"),
            name: col("name"),
            meta: headers
                .iter()
                .enumerate()
                .filter(|(_, h)| {
                    !RESERVED.iter().any(|r| h.eq_ignore_ascii_case(r)) && !h.is_empty()
                })
                .map(|(i, h)| (i, h.to_lowercase()))
                .collect(),
        };
        Ok(CsvRows {
            rdr,
            layout,
            path: path.to_path_buf(),
            rel: rel.to_string(),
            fallback_id: fallback_id.to_string(),
            text,
            seen_ids: HashMap::new(),
            turns: HashMap::new(),
            unknown_roles: BTreeSet::new(),
            warnings: Vec::new(),
        })
    }

    fn error(&self, line: usize, message: String, help: &str) -> SourceError {
        let e = SourceError::new(&self.path, line, 1, message).with_help(help);
        match self.text {
            Some(t) => e.with_source(t),
            None => e,
        }
    }

    /// Up to `max` segments; an empty batch means the end of the file.
    pub fn next_batch(
        &mut self,
        roles: &RoleTable,
        max: usize,
    ) -> Result<Vec<Segment>, SourceError> {
        let mut out = Vec::new();
        let mut rec = csv::StringRecord::new();
        while out.len() < max {
            let more = self
                .rdr
                .read_record(&mut rec)
                .map_err(|e| csv_error(&self.path, self.text, &e))?;
            if !more {
                break;
            }
            if let Some(seg) = self.segment(&rec, roles)? {
                out.push(seg);
            }
        }
        Ok(out)
    }

    fn segment(
        &mut self,
        rec: &csv::StringRecord,
        roles: &RoleTable,
    ) -> Result<Option<Segment>, SourceError> {
        let l = &self.layout;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).map(str::trim).unwrap_or("");
        let id = get(Some(l.id)).to_string();
        if id.is_empty() {
            return Err(self.error(
                line,
                "this row has no id".into(),
                "give every row a unique value in the `id` column",
            ));
        }
        if let Some(first) = self.seen_ids.insert(id.clone(), line as u64) {
            return Err(self.error(
                line,
                format!("duplicate id `{id}` (first used on line {first})"),
                "ids must be unique within the corpus",
            ));
        }
        let body = rec.get(l.text).unwrap_or("");
        if body.trim().is_empty() {
            self.warnings.push(Warning {
                location: format!("{}:{line}", self.rel),
                message: format!("row `{id}` has no text; skipped"),
            });
            return Ok(None);
        }
        let interview = match get(l.interview) {
            "" => self.fallback_id.clone(),
            v => v.to_string(),
        };
        if !valid_interview_id(&interview) {
            return Err(self.error(
                line,
                format!("interview `{interview}` contains a space or a colon"),
                "use letters, digits and hyphens in the `interview` column",
            ));
        }
        let role_written = get(l.role);
        let (role, role_label) = if role_written.is_empty() {
            ("unknown".to_string(), "Unknown role".to_string())
        } else {
            match roles.resolve(role_written) {
                Some(r) => (r.id.clone(), r.label.clone()),
                None => {
                    self.unknown_roles.insert(role_written.to_string());
                    (slug(role_written), role_written.to_string())
                }
            }
        };
        let speaker = match get(l.speaker) {
            "" => role_written.to_string(),
            s => s.to_string(),
        };
        let meta: BTreeMap<String, String> = l
            .meta
            .iter()
            .filter_map(|(c, k)| {
                rec.get(*c)
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(|v| (k.clone(), v.to_string()))
            })
            .collect();
        let speaker_name = Some(get(l.name).to_string()).filter(|n| !n.is_empty());
        let turn = self.turns.entry(interview.clone()).or_default();
        *turn += 1;
        Ok(Some(Segment {
            id,
            interview,
            turn: *turn,
            paragraph: 1,
            speaker,
            speaker_name,
            interviewer: role == INTERVIEWER_ROLE,
            role,
            role_label,
            timestamp: None,
            start: 0,
            end: body.chars().count(),
            text: body.to_string(),
            meta,
        }))
    }
}

/// Parse a decoded CSV corpus file into interviews (one per `interview` value, or one per file).
pub fn parse_csv(
    path: &Path,
    rel: &str,
    text: &str,
    fallback_id: &str,
    roles: &RoleTable,
) -> Result<(Vec<Interview>, Vec<Warning>), SourceError> {
    let mut rows = CsvRows::new(text.as_bytes(), path, rel, fallback_id, Some(text))?;
    let mut interviews: BTreeMap<String, Interview> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    loop {
        let batch = rows.next_batch(roles, 4096)?;
        if batch.is_empty() {
            break;
        }
        for seg in batch {
            let iv = interviews.entry(seg.interview.clone()).or_insert_with(|| {
                order.push(seg.interview.clone());
                Interview {
                    id: seg.interview.clone(),
                    source: rel.to_string(),
                    meta: BTreeMap::new(),
                    speakers: BTreeMap::new(),
                    segments: Vec::new(),
                    unknown_roles: BTreeSet::new(),
                }
            });
            iv.segments.push(seg);
        }
    }
    // Interview-level metadata: the values all of its rows share.
    let mut out = Vec::new();
    for id in order {
        let mut iv = interviews.remove(&id).expect("present");
        if let Some(first) = iv.segments.first() {
            iv.meta = first
                .meta
                .iter()
                .filter(|(k, v)| iv.segments.iter().all(|s| s.meta.get(*k) == Some(*v)))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
        }
        iv.unknown_roles = iv
            .segments
            .iter()
            .filter(|s| rows.unknown_roles.contains(&s.role_label))
            .map(|s| s.role_label.clone())
            .collect();
        out.push(iv);
    }
    Ok((out, rows.warnings))
}

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

    fn parse(text: &str) -> Result<(Vec<Interview>, Vec<Warning>), SourceError> {
        let mut roles = RoleTable::default();
        roles
            .add_file(
                Path::new("r.toml"),
                "[roles.resident]\nlabel = \"Resident\"\naliases = [\"local resident\"]\n",
            )
            .unwrap();
        parse_csv(Path::new("w.csv"), "w.csv", text, "w", &roles)
    }

    #[test]
    fn rows_become_segments_grouped_by_interview() {
        let (ivs, w) = parse("id,interview,role,area,text\nws-1,t1,Local resident,Northmoor,\"We met, finally.\"\nws-2,t1,Cllr,Eastbrook,Fine.\nws-3,,Resident,Northmoor,Alone.\n").unwrap();
        assert_eq!(ivs.len(), 2);
        assert_eq!(ivs[0].id, "t1");
        assert_eq!(ivs[0].segments[0].text, "We met, finally.");
        assert_eq!(ivs[0].segments[0].role, "resident");
        assert_eq!(ivs[0].segments[1].role, "cllr");
        assert_eq!(ivs[0].segments[1].meta["area"], "Eastbrook");
        assert!(ivs[0].meta.is_empty(), "areas differ within t1");
        assert_eq!(ivs[1].id, "w");
        assert!(w.is_empty());
        assert!(ivs[0].unknown_roles.contains("Cllr"));
    }

    #[test]
    fn missing_text_column_ragged_rows_and_duplicates_are_errors() {
        let e = parse("id,body\n1,x\n").unwrap_err();
        assert!(e.message.contains("no `text` column"), "{e}");
        let e = parse("id,text\n1,x\n2,y,z\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("3 fields"), "{e}");
        let e = parse("id,text\n1,x\n1,y\n").unwrap_err();
        assert!(e.message.contains("duplicate id `1`"), "{e}");
        assert_eq!(e.line, 3);
    }

    #[test]
    fn name_column_is_kept_apart() {
        let (ivs, _) = parse("id,text,name\n1,hello,Dana Whitfield\n").unwrap();
        let s = &ivs[0].segments[0];
        assert_eq!(s.speaker_name.as_deref(), Some("Dana Whitfield"));
        assert!(s.meta.is_empty() && s.speaker.is_empty());
    }
}
