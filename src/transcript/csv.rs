//! A CSV corpus: one row per response or quote. A `.tsv` (or `.tab`) file is read the same way,
//! tab-separated and without quoting. Which column is which, and what a row must hold, is the
//! table's business ([`super::table`]); here rows become segments. [`CsvRows`] reads rows in
//! batches from any reader, so a very large file streams instead of being loaded whole;
//! [`parse_csv`] reads a whole decoded file.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::Path;

use super::attributes::Outside;
use super::table::{no_id_error, resolve_role, table_delimiter, RowKind, RowRole, TableReader};
use super::{valid_interview_id, Interview, Segment};
use crate::diag::{SourceError, Warning};
use crate::roles::{RoleTable, INTERVIEWER_ROLE};

/// A row id as the duplicate checks keep it: 64 bits of its blake3 hash, as two `u32`s so
/// that an entry with its line or file number takes 12 bytes, not 16. A table of ten million
/// rows would otherwise hold every id as a string (over a gigabyte at 10 GB, most of what
/// indexing held beyond tantivy). Two different ids share a key by accident about once in
/// 370,000 tables of ten million rows (n²/2⁶⁵); a deliberate pair would only raise a false
/// "duplicate id".
pub type RowIdKey = [u32; 2];

/// The key of row id `id`.
pub fn row_id_key(id: &str) -> RowIdKey {
    let h = blake3::hash(id.as_bytes());
    let b = h.as_bytes();
    std::array::from_fn(|i| u32::from_le_bytes(b[4 * i..4 * i + 4].try_into().expect("4")))
}

/// The row ids of one table file, each with the line it is on.
pub type RowIdLines = HashMap<RowIdKey, u32>;

/// Rows of a CSV corpus, read batch by batch. Row ids must be unique within the file.
pub struct CsvRows<'t, R: Read> {
    table: TableReader<'t, R>,
    rel: String,
    fallback_id: String,
    seen_ids: RowIdLines,
    turns: HashMap<String, u32>,
    /// The role each label met: a table of a million rows holds a few labels, and a label no
    /// alias meets as written is read several ways and tried against every pattern alias.
    roles_met: HashMap<String, RowRole>,
    /// What rows take from outside the file (its sidecar, folders, the cases sheet), under
    /// their own columns; `None` when that is nothing.
    outside: Option<Outside>,
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
        Ok(CsvRows {
            table: TableReader::new(reader, delimiter, path, text)?,
            rel: rel.to_string(),
            fallback_id: fallback_id.to_string(),
            seen_ids: RowIdLines::new(),
            turns: HashMap::new(),
            roles_met: HashMap::new(),
            outside: None,
            unknown_roles: BTreeSet::new(),
            warnings: Vec::new(),
        })
    }

    /// Rows read under what `outside` gives them.
    pub(super) fn outside(mut self, outside: Outside) -> Self {
        self.outside = (!outside.gives_nothing()).then_some(outside);
        self
    }

    /// The row ids read so far, with their lines, left empty here: what a caller that
    /// checks ids across files keeps once the file is read, without a copy.
    pub fn take_row_ids(&mut self) -> RowIdLines {
        std::mem::take(&mut self.seen_ids)
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
            if !self.table.read(&mut rec)? {
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
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        let field = |c: usize| rec.get(c).unwrap_or("").as_bytes();
        let columns = self.table.header.columns;
        let row = columns.row(field);
        // The fields of a text record are text, and trimming keeps them so.
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let id = text(row.id);
        if row.kind() == RowKind::NoId {
            return Err(self.table.locate(no_id_error(self.table.path(), line)));
        }
        let at = u32::try_from(line).unwrap_or(u32::MAX);
        if let Some(first) = self.seen_ids.insert(row_id_key(&id), at) {
            return Err(self.table.error(
                line,
                format!("duplicate id `{id}` (first used on line {first})"),
                "ids must be unique within the corpus",
            ));
        }
        if row.kind() == RowKind::Blank {
            self.warnings.push(Warning {
                location: format!("{}:{line}", self.rel),
                message: format!("row `{id}` has no text; skipped"),
            });
            return Ok(None);
        }
        let trimmed = |c: Option<usize>| c.map_or("", |c| rec.get(c).unwrap_or("").trim());
        let interview = match trimmed(columns.interview) {
            "" => self.fallback_id.clone(),
            v => v.to_string(),
        };
        if !valid_interview_id(&interview) {
            return Err(self.table.error(
                line,
                format!("interview `{interview}` contains a space or a colon"),
                "use letters, digits and hyphens in the `interview` column",
            ));
        }
        let role_label = text(row.role_label);
        let role = match self.roles_met.get(&role_label) {
            Some(r) => r.clone(),
            None => {
                let r = resolve_role(roles, &role_label);
                self.roles_met.insert(role_label.clone(), r.clone());
                r
            }
        };
        if role.undeclared {
            self.unknown_roles.insert(role_label);
        }
        let speaker_name = Some(trimmed(columns.name).to_string()).filter(|n| !n.is_empty());
        let body = text(row.text);
        let speaker = text(row.speaker);
        let meta = self.meta(rec, &interview, &speaker);
        let turn = self.turns.entry(interview.clone()).or_default();
        *turn += 1;
        Ok(Some(Segment {
            id,
            interview,
            turn: *turn,
            paragraph: 1,
            speaker,
            speaker_name,
            interviewer: role.id == INTERVIEWER_ROLE,
            role: role.id,
            role_label: role.label,
            timestamp: None,
            start: 0,
            end: body.chars().count(),
            text: body,
            meta,
        }))
    }

    /// A row's metadata: its non-empty values in the columns the header leaves to metadata, over
    /// what its interview and speaker take from outside the file.
    fn meta(
        &self,
        rec: &csv::StringRecord,
        interview: &str,
        speaker: &str,
    ) -> BTreeMap<String, String> {
        let own = self.own_meta(rec);
        match &self.outside {
            None => own,
            Some(o) => {
                let declared = o.sidecar.speakers.get(speaker);
                let mut meta = o.interview_meta(interview, &o.sidecar.meta);
                meta.extend(o.speaker_meta(interview, speaker, declared));
                meta.extend(own);
                meta
            }
        }
    }

    /// A row's own metadata: its non-empty values in the columns the header leaves to metadata.
    fn own_meta(&self, rec: &csv::StringRecord) -> BTreeMap<String, String> {
        self.table
            .header
            .meta
            .iter()
            .filter_map(|(c, k)| {
                rec.get(*c)
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(|v| (k.clone(), v.to_string()))
            })
            .collect()
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
    parse_csv_with(path, rel, text, roles, Outside::named(fallback_id))
}

/// [`parse_csv`], the rows under what `outside` gives them (and its id for rows that name no
/// interview).
pub(super) fn parse_csv_with(
    path: &Path,
    rel: &str,
    text: &str,
    roles: &RoleTable,
    outside: Outside,
) -> Result<(Vec<Interview>, Vec<Warning>), SourceError> {
    let fallback_id = outside.default_id().to_string();
    let mut rows =
        CsvRows::new(text.as_bytes(), path, rel, &fallback_id, Some(text))?.outside(outside);
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
