//! People's codings, read with the index: `codings/*.csv` tied to the segments the index holds
//! now (re-anchored where an id moved, orphans kept and reported) and saved as
//! `.qcode/codings.json`, so read commands load one file instead of reading and re-anchoring
//! every codings file. The saved store is redone when a codings file or the index changes, the
//! way an edited transcript is re-indexed.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::read::Load;
use super::search::{SearchIndex, SearchRequest};
use super::IndexError;
use crate::coding::Evidence;
use crate::codings::anchor::{anchor, interview_of, Anchor, Place};
use crate::codings::row::read_rows_at;
use crate::codings::{CoderView, CodingRow, Orphan, Store, StoredRow};
use crate::diag::SourceError;
use crate::project::Project;
use crate::transcript::Segment;

/// The saved store, inside `.qcode/`.
pub const STORE_FILE: &str = "codings.json";

#[derive(Serialize, Deserialize)]
struct Saved {
    /// What the store was made from: the index's manifest and each codings file's size and
    /// modification time.
    key: String,
    store: Store,
}

/// What a refresh found: the codings files that could not be read (each said once).
#[derive(Debug, Default)]
pub struct CodingsReport {
    /// Whether the store was made again (a codings file or the index changed).
    pub redone: bool,
    pub unreadable: Vec<SourceError>,
}

/// The codings files of a project (`codings/*.csv`, sorted), with their paths relative to it.
pub fn codings_files(project: &Project) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(project.codings_dir()) else {
        return Vec::new();
    };
    let mut files: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv"))
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .map(|p| (project.relative(&p), p))
        .collect();
    files.sort();
    files
}

fn key(index: &SearchIndex, files: &[(String, PathBuf)]) -> String {
    let mut h = blake3::Hasher::new();
    // What the index holds, told by what decides it: the settings it was built with and each
    // file's bytes and context (the manifest serialised again was most of this on a search).
    let m = &index.manifest;
    for part in [&m.qcode_version, &m.settings_hash, &m.codebook_hash] {
        h.update(part.as_bytes()).update(b"\0");
    }
    for (rel, e) in &m.files {
        for part in [rel, &e.hash, &e.context] {
            h.update(part.as_bytes()).update(b"\0");
        }
    }
    for (rel, path) in files {
        let meta = std::fs::metadata(path).ok();
        let mtime = meta
            .as_ref()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        h.update(format!("{rel}\0{}\0{mtime}\0", meta.map_or(0, |m| m.len())).as_bytes());
    }
    h.finalize().to_hex().to_string()
}

impl SearchIndex {
    /// Read codings as `view` says from now on (the machine's by default).
    pub fn set_view(&mut self, view: CoderView) {
        self.view = view;
    }

    pub fn view(&self) -> &CoderView {
        &self.view
    }

    /// A segment's codings as the view sees them, from the machine's.
    pub(super) fn coded(&self, id: &str, machine: Vec<Evidence>) -> Vec<Evidence> {
        self.view.apply(id, machine, &self.store, self.codebook())
    }

    /// Whether a person the view reads has rows for segment `id` (it is then shown even if it
    /// is an interviewer's turn).
    pub(super) fn coded_by_people(&self, id: &str) -> bool {
        self.view.reads_people() && self.view.touched_by(&self.store, id)
    }

    /// The segments a request's code and dimension filters keep, when the view reads people's
    /// codings (`None`: the machine's alone, which the index's terms answer).
    pub(super) fn coded_ids(
        &self,
        req: &SearchRequest,
    ) -> Result<Option<HashSet<String>>, IndexError> {
        if self.view.machine_only() || (req.codes.is_empty() && req.dimensions.is_empty()) {
            return Ok(None);
        }
        let wanted = |codings: &[Evidence]| {
            let reached: Vec<String> = codings
                .iter()
                .flat_map(|e| self.codebook().ancestors_and_self(&e.code))
                .collect();
            (req.codes.is_empty() || req.codes.iter().any(|c| reached.contains(c)))
                && (req.dimensions.is_empty()
                    || codings.iter().any(|e| {
                        self.codebook()
                            .code(&e.code)
                            .is_some_and(|c| req.dimensions.contains(&c.dimension))
                    }))
        };
        let touched = self.view.touched(&self.store);
        let mut ids = HashSet::new();
        if self.view.machine_counts() {
            let machine = SearchRequest {
                query: String::new(),
                codes: req.codes.clone(),
                dimensions: req.dimensions.clone(),
                include_interviewer: true,
                ..SearchRequest::default()
            };
            ids.extend(
                self.machine_ids(&machine)?
                    .into_iter()
                    .filter(|id| !touched.contains(id.as_str())),
            );
        }
        for id in touched {
            let machine = match self.raw_segment(id)? {
                Some((_, ev)) => ev,
                None => continue,
            };
            if wanted(&self.coded(id, machine)) {
                ids.insert(id.to_string());
            }
        }
        Ok(Some(ids))
    }

    /// The codes the machine gives segment `id` (none when there is no such segment).
    pub fn machine_codes(&self, id: &str) -> Result<Vec<String>, IndexError> {
        Ok(self
            .raw_segment(id)?
            .map(|(_, ev)| ev.into_iter().map(|e| e.code).collect())
            .unwrap_or_default())
    }

    /// The codings people made, tied to this index's segments.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Bring the saved store up to date with `codings/` and this index, and use it. A codings
    /// file that cannot be read is reported and left out; the others are read.
    pub fn refresh_codings(&mut self, project: &Project) -> Result<CodingsReport, IndexError> {
        let files = codings_files(project);
        let key = key(self, &files);
        let path = project.data_dir().join(STORE_FILE);
        if let Some(saved) = load(&path).filter(|s| s.key == key) {
            self.store = saved.store;
            return Ok(CodingsReport::default());
        }
        let mut report = CodingsReport {
            redone: true,
            ..Default::default()
        };
        let mut read: Vec<(String, usize, CodingRow)> = Vec::new();
        for (rel, p) in &files {
            let text = match std::fs::read(p) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => {
                    report
                        .unreadable
                        .push(SourceError::whole_file(p, format!("cannot read: {e}")));
                    continue;
                }
            };
            match read_rows_at(Path::new(rel), &text) {
                Ok(rows) => read.extend(rows.into_iter().map(|(l, r)| (rel.clone(), l, r))),
                Err(e) => report.unreadable.push(e),
            }
        }
        let unreadable = report.unreadable.iter().map(|e| e.to_string()).collect();
        self.store = self.tie(read, unreadable)?;
        // The saved store is a cache: failing to write it costs time next run, nothing else.
        let _ = save(
            &path,
            &Saved {
                key,
                store: self.store.clone(),
            },
        );
        Ok(report)
    }

    /// Tie every row to a segment of the index, re-anchoring those whose id no longer holds
    /// their words.
    fn tie(
        &self,
        rows: Vec<(String, usize, CodingRow)>,
        unreadable: Vec<String>,
    ) -> Result<Store, IndexError> {
        if rows.is_empty() {
            return Ok(Store::new(Vec::new(), Vec::new(), unreadable));
        }
        // Where each segment is, without its text, for rows that do not say their interview
        // (rows qcode writes do: then no document is read for this).
        let bare = if rows.iter().any(|(_, _, r)| r.interview.is_empty()) {
            self.segments(
                Load {
                    respondents_only: false,
                    text: false,
                    evidence: false,
                },
                None,
            )?
        } else {
            Vec::new()
        };
        let interview_of_id: HashMap<&str, &str> = bare
            .iter()
            .map(|(s, _)| (s.id.as_str(), s.interview.as_str()))
            .collect();
        let all_interviews = self.manifest.interviews();
        let known: BTreeSet<&str> = all_interviews.iter().map(String::as_str).collect();
        // The interviews rows are in (or were, under an id since made a path): read whole, with
        // text, to check and re-anchor (only their documents: after a review of a large corpus,
        // a small part of it).
        let wanted: HashSet<&str> = rows
            .iter()
            .flat_map(|(_, _, r)| now_called(row_interview(r, &interview_of_id), &known))
            .collect();
        let full = self.segments_of_interviews(&wanted)?;
        let mut by_interview: BTreeMap<&str, Vec<&Segment>> = BTreeMap::new();
        let mut by_id: HashMap<&str, &Segment> = HashMap::new();
        for (s, _) in &full {
            by_interview
                .entry(s.interview.as_str())
                .or_default()
                .push(s);
            by_id.insert(s.id.as_str(), s);
        }
        let mut stored = Vec::new();
        let mut orphans = Vec::new();
        for (file, line, row) in rows {
            let interview = row_interview(&row, &interview_of_id).to_string();
            // Its segment holds exactly its words (or it has none and its segment is there):
            // kept, as `anchor` would keep it, without the locator's normalising.
            let words = row.text.trim();
            if by_id.get(row.segment_id.as_str()).is_some_and(|s| {
                s.interview == interview && (words.is_empty() || s.text.trim() == words)
            }) {
                stored.push(StoredRow {
                    file,
                    line,
                    row,
                    was: None,
                });
                continue;
            }
            let places_in = |iv: &str| -> Vec<Place<'_>> {
                by_interview
                    .get(iv)
                    .map(|v| v.iter().map(|s| place(s)).collect())
                    .unwrap_or_default()
            };
            let mut places = places_in(&interview);
            let mut anchored = anchor(&row, &places);
            for renamed in now_called(&interview, &known).filter(|iv| *iv != interview) {
                if !matches!(anchored, Anchor::Orphan(_)) {
                    break;
                }
                let there = places_in(renamed);
                let found = anchor(&row, &there);
                if !matches!(found, Anchor::Orphan(_)) {
                    (places, anchored) = (there, found);
                }
            }
            match anchored {
                Anchor::Kept => stored.push(StoredRow {
                    file,
                    line,
                    row,
                    was: None,
                }),
                Anchor::Moved(to) => {
                    for (id, share) in to {
                        let mut r = row.clone();
                        r.segment_id = id;
                        r.overlap = Some(share);
                        stored.push(StoredRow {
                            file: file.clone(),
                            line,
                            row: r,
                            was: Some(row.segment_id.clone()),
                        });
                    }
                }
                Anchor::Orphan(why) if places.is_empty() => orphans.push(Orphan {
                    file,
                    line,
                    why: format!("no interview `{interview}` in the corpus ({why})"),
                    row,
                }),
                Anchor::Orphan(why) => orphans.push(Orphan {
                    file,
                    line,
                    row,
                    why,
                }),
            }
        }
        Ok(Store::new(stored, orphans, unreadable))
    }
}

impl SearchIndex {
    /// Every segment of `interviews`, with its text, in transcript order: only their documents
    /// are read (found by the interview's term; ordered by the fast fields).
    fn segments_of_interviews(
        &self,
        interviews: &HashSet<&str>,
    ) -> Result<Vec<(Segment, Vec<Evidence>)>, IndexError> {
        use tantivy::collector::DocSetCollector;
        use tantivy::query::TermQuery;
        use tantivy::schema::IndexRecordOption;
        let searcher = self.reader.searcher();
        let mut docs = HashSet::new();
        for iv in interviews {
            let q = TermQuery::new(
                tantivy::Term::from_field_text(self.fields.interview, iv),
                IndexRecordOption::Basic,
            );
            docs.extend(
                searcher
                    .search(&q, &DocSetCollector)
                    .map_err(|e| IndexError::tantivy(self.dir(), e))?,
            );
        }
        let addrs: Vec<tantivy::DocAddress> = self
            .ordered_addresses()?
            .into_iter()
            .filter(|a| docs.contains(a))
            .collect();
        let load = Load {
            respondents_only: false,
            text: true,
            evidence: false,
        };
        self.segments_at(&addrs, load, None)
    }
}

/// What interview `iv` may be called now: itself while the index has it; else every interview
/// whose id is a path ending in it (`module-1/x` for `x`: its file came to share its name with
/// another, and both took their paths), in id order.
fn now_called<'a>(iv: &'a str, known: &BTreeSet<&'a str>) -> impl Iterator<Item = &'a str> {
    let gone = !known.contains(iv);
    let suffix = format!("/{iv}");
    let renamed: Vec<&'a str> = match gone && !iv.is_empty() {
        true => known
            .iter()
            .copied()
            .filter(|k| k.ends_with(&suffix))
            .collect(),
        false => Vec::new(),
    };
    std::iter::once(iv).chain(renamed)
}

/// The interview a row belongs to: its own column, else its segment's (if it exists), else the
/// interview part of its segment id.
fn row_interview<'a>(row: &'a CodingRow, interview_of_id: &HashMap<&str, &'a str>) -> &'a str {
    if !row.interview.is_empty() {
        return &row.interview;
    }
    interview_of_id
        .get(row.segment_id.as_str())
        .copied()
        .unwrap_or_else(|| interview_of(&row.segment_id))
}

fn place(s: &Segment) -> Place<'_> {
    Place {
        id: &s.id,
        start: s.start,
        end: s.end,
        text: &s.text,
    }
}

fn load(path: &Path) -> Option<Saved> {
    let mut saved: Saved = crate::cache::read_json(path)?;
    saved.store.reindex();
    Some(saved)
}

fn save(path: &Path, saved: &Saved) -> std::io::Result<()> {
    crate::cache::write_json(path, saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interview_gone_is_looked_for_under_the_paths_that_end_in_it() {
        let known = BTreeSet::from(["module-2/x", "module-1/x", "x-2", "y"]);
        let called = |iv| now_called(iv, &known).collect::<Vec<_>>();
        assert_eq!(called("y"), ["y"], "still there: itself only");
        assert_eq!(called("x"), ["x", "module-1/x", "module-2/x"]);
        assert_eq!(called("z"), ["z"]);
        assert_eq!(called(""), [""]);
    }
}
