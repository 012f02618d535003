//! The manifest: what the index holds, file by file (content hash, size, modification time,
//! interviews, segment count), and the hash of the settings it was built with. It is stored as the
//! payload of the tantivy commit itself, so index and manifest can never disagree, even after a crash.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::schema::SCHEMA_VERSION;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u32,
    pub qcode_version: String,
    /// blake3 of qcode.toml and every codebook file: a change re-indexes everything.
    pub settings_hash: String,
    /// The codebook the segments were coded with.
    pub codebook_name: String,
    pub codebook_version: String,
    pub codebook_hash: String,
    /// Corpus files, keyed by path relative to the project root.
    pub files: BTreeMap<String, FileEntry>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// blake3 of the file's bytes.
    pub hash: String,
    pub size: u64,
    /// Modification time in nanoseconds since the epoch: if size and mtime match, the hash is
    /// not recomputed.
    pub mtime_ns: u128,
    pub interviews: Vec<String>,
    pub segments: usize,
    /// Participants' names declared in the file: masked in exported and shown text.
    #[serde(default)]
    pub names: Vec<String>,
    /// Metadata keys its segments carry: the `meta:` columns of streamed exports.
    #[serde(default)]
    pub meta_keys: Vec<String>,
    /// Speaker labels its segments carry: those naming someone are shown by pseudonym.
    #[serde(default)]
    pub speakers: Vec<String>,
    /// blake3 of what its interviews were given from outside the file (their id when none is
    /// named, folder attributes, cases sheet rows: `FileContext::fingerprint`), so that a change
    /// there re-indexes this file only.
    #[serde(default)]
    pub context: String,
}

impl Manifest {
    pub fn new(settings_hash: String) -> Manifest {
        Manifest {
            schema_version: SCHEMA_VERSION,
            qcode_version: env!("CARGO_PKG_VERSION").to_string(),
            settings_hash,
            codebook_name: String::new(),
            codebook_version: String::new(),
            codebook_hash: String::new(),
            files: BTreeMap::new(),
        }
    }

    pub fn from_payload(payload: Option<&str>) -> Option<Manifest> {
        payload.and_then(|p| serde_json::from_str(p).ok())
    }

    pub fn to_payload(&self) -> String {
        serde_json::to_string(self).expect("manifest serialises")
    }

    /// Every participant name declared anywhere in the corpus, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut n: Vec<String> = self
            .files
            .values()
            .flat_map(|f| f.names.iter().cloned())
            .collect();
        n.sort();
        n.dedup();
        n
    }

    /// Every metadata key in the corpus, sorted.
    pub fn meta_keys(&self) -> Vec<String> {
        let keys: std::collections::BTreeSet<&String> =
            self.files.values().flat_map(|f| &f.meta_keys).collect();
        keys.into_iter().cloned().collect()
    }

    /// Every speaker label, sorted, once.
    pub fn speakers(&self) -> Vec<String> {
        let all: std::collections::BTreeSet<&String> =
            self.files.values().flat_map(|f| &f.speakers).collect();
        all.into_iter().cloned().collect()
    }

    /// Every interview id, sorted, once.
    pub fn interviews(&self) -> Vec<String> {
        let all: std::collections::BTreeSet<&String> =
            self.files.values().flat_map(|f| &f.interviews).collect();
        all.into_iter().cloned().collect()
    }

    pub fn segment_count(&self) -> usize {
        self.files.values().map(|f| f.segments).sum()
    }

    pub fn interview_count(&self) -> usize {
        self.files.values().map(|f| f.interviews.len()).sum()
    }
}
