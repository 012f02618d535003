//! The store as the index reads it: every row of `codings/*.csv` tied to a segment that exists
//! now (re-anchored where its id no longer does), and the rows that could not be tied, kept as
//! orphans to report. Built when the index is brought up to date and saved beside it, so read
//! commands load it instead of reading and re-anchoring every codings file each time.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::row::{CodingRow, Status};

/// A row of a codings file, tied to a segment that exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRow {
    /// The codings file, relative to the project.
    pub file: String,
    /// Its line in that file.
    pub line: usize,
    /// The row; its `segment_id` is the segment it is tied to now.
    pub row: CodingRow,
    /// The id the file gives, when the row was re-anchored to another.
    pub was: Option<String>,
}

/// A row that could not be tied to any segment, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Orphan {
    pub file: String,
    pub line: usize,
    pub row: CodingRow,
    pub why: String,
}

/// Every coding people made, tied to the index's segments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Store {
    pub rows: Vec<StoredRow>,
    pub orphans: Vec<Orphan>,
    /// Codings files that could not be read, with why (the others are read).
    pub unreadable: Vec<String>,
    #[serde(skip)]
    by_segment: HashMap<String, Vec<usize>>,
}

impl Store {
    pub fn new(rows: Vec<StoredRow>, orphans: Vec<Orphan>, unreadable: Vec<String>) -> Store {
        let mut store = Store {
            rows,
            orphans,
            unreadable,
            by_segment: HashMap::new(),
        };
        store.reindex();
        store
    }

    /// Rebuild the segment lookup (after deserialising).
    pub fn reindex(&mut self) {
        self.by_segment.clear();
        for (i, r) in self.rows.iter().enumerate() {
            self.by_segment
                .entry(r.row.segment_id.clone())
                .or_default()
                .push(i);
        }
    }

    /// The rows tied to segment `id`, in file and line order.
    pub fn for_segment(&self, id: &str) -> impl Iterator<Item = &CodingRow> {
        self.by_segment
            .get(id)
            .into_iter()
            .flatten()
            .map(|&i| &self.rows[i].row)
    }

    /// The ids of segments `coder` has rows for (any status).
    pub fn segments_of<'a>(&'a self, coder: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.by_segment
            .iter()
            .filter(move |(_, rows)| rows.iter().any(|&i| self.rows[i].row.coder == coder))
            .map(|(id, _)| id.as_str())
    }

    /// The coders with at least one row, sorted.
    pub fn coders(&self) -> Vec<String> {
        let names: BTreeSet<&str> = self
            .rows
            .iter()
            .map(|r| r.row.coder.as_str())
            .chain(self.orphans.iter().map(|o| o.row.coder.as_str()))
            .collect();
        names.into_iter().map(String::from).collect()
    }

    /// The codes `coder` applies to segment `id` (coded or accepted rows), each once, sorted.
    pub fn applied(&self, coder: &str, id: &str) -> BTreeSet<&str> {
        self.for_segment(id)
            .filter(|r| r.coder == coder && r.status.applies() && !r.code.is_empty())
            .map(|r| r.code.as_str())
            .collect()
    }

    /// The codes `coder` rejected on segment `id`, and whether the coder looked at the segment
    /// and applied nothing (a row with an empty code): the coder's decisions there.
    pub fn decisions(&self, coder: &str, id: &str) -> Decisions<'_> {
        let mut d = Decisions::default();
        for r in self.for_segment(id).filter(|r| r.coder == coder) {
            d.any = true;
            if r.code.is_empty() && r.status.applies() {
                d.nothing_else = true;
            } else if r.status == Status::Rejected {
                d.rejected.insert(r.code.as_str());
            }
        }
        d
    }

    /// Rows re-anchored to a new segment id.
    pub fn reanchored(&self) -> usize {
        self.rows.iter().filter(|r| r.was.is_some()).count()
    }
}

/// What one coder decided on one segment, beside the codes they applied.
#[derive(Debug, Default)]
pub struct Decisions<'a> {
    /// The coder has rows for the segment.
    pub any: bool,
    /// A row with no code: the coder looked and applied nothing but what they applied.
    pub nothing_else: bool,
    pub rejected: BTreeSet<&'a str>,
}
