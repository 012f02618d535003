//! The manifest: what the index holds, file by file (content hash, size, modification time,
//! interviews, segment count), and the hash of the settings it was built with.
//!
//! It is a file of its own in the index folder, `manifest-HASH.json` (HASH: the start of the
//! blake3 of its bytes), written before the tantivy commit whose payload names it, so index and
//! manifest can never disagree, even after a crash: a commit names a whole manifest or the old
//! one. It used to be the payload itself; but tantivy parses `meta.json` three times to open an
//! index (open, reader, payload), and a manifest of 100 KB as an escaped JSON string made that
//! most of the time an up-to-date search spent opening the index. An index whose payload is the
//! manifest itself (written before) is still read as it is, and written the new way at its next
//! commit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

/// A commit's payload: the manifest file it goes with.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pointer {
    manifest_file: String,
}

const FILE_PREFIX: &str = "manifest-";
const FILE_SUFFIX: &str = ".json";
const TMP_PREFIX: &str = ".manifest-tmp-";
/// Hex digits of the blake3 hash in a manifest file's name: 64 bits, so two manifests of one
/// index never share a name by chance.
const HASH_CHARS: usize = 16;

/// The hash a manifest file's name carries; `None` for any other name.
fn hash_in_name(name: &str) -> Option<&str> {
    let hash = name.strip_prefix(FILE_PREFIX)?.strip_suffix(FILE_SUFFIX)?;
    (hash.len() == HASH_CHARS && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then_some(hash)
}

/// Whether `name` (a file name in an index folder) is a manifest file, or a temporary one a
/// write that never finished left.
fn is_ours(name: &str) -> bool {
    (name.starts_with(FILE_PREFIX) && name.ends_with(FILE_SUFFIX)) || name.starts_with(TMP_PREFIX)
}

fn file_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex()[..HASH_CHARS].to_string()
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

    /// The manifest a commit's `payload` names, read from the index's `folder`; the payload itself
    /// when it is a manifest (an index written before manifests had files of their own).
    /// `None` when there is none, or it cannot be read or is not whole (its bytes do not hash
    /// to its name): the index is then rebuilt, never misread.
    pub fn of_commit(folder: &Path, payload: Option<&str>) -> Option<Manifest> {
        let payload = payload?;
        let Ok(Pointer { manifest_file }) = serde_json::from_str::<Pointer>(payload) else {
            return serde_json::from_str(payload).ok();
        };
        let hash = hash_in_name(&manifest_file)?;
        let bytes = std::fs::read(folder.join(&manifest_file)).ok()?;
        if file_hash(&bytes) != hash {
            return None;
        }
        serde_json::from_slice(&bytes).ok()
    }

    /// The manifest file a commit's `payload` names, when it names one (a well-formed name:
    /// a payload never leads outside the index's folder).
    pub fn file_of_commit(payload: &str) -> Option<PathBuf> {
        let Pointer { manifest_file } = serde_json::from_str(payload).ok()?;
        hash_in_name(&manifest_file)?;
        Some(PathBuf::from(manifest_file))
    }

    /// Writes the manifest's file into the index's `folder`, whole and on disk before this
    /// returns (a commit naming it must never find it missing after a crash); returns its name
    /// and the commit payload that names it. Not through tantivy's directory: tantivy deletes
    /// the files it was given that its own commit does not list.
    pub fn write_file(&self, folder: &Path) -> std::io::Result<(PathBuf, String)> {
        let bytes = serde_json::to_vec(self).expect("manifest serialises");
        let name = format!("{FILE_PREFIX}{}{FILE_SUFFIX}", file_hash(&bytes));
        let mut tmp = tempfile::Builder::new()
            .prefix(TMP_PREFIX)
            .tempfile_in(folder)?;
        std::io::Write::write_all(&mut tmp, &bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(folder.join(&name)).map_err(|e| e.error)?;
        let payload = serde_json::to_string(&Pointer {
            manifest_file: name.clone(),
        })
        .expect("pointer serialises");
        Ok((PathBuf::from(name), payload))
    }

    /// Removes the manifest files in the index's `folder` other than `keep` (a commit keeps its
    /// own and the one before it, which a command that opened the index a moment before the
    /// commit, without the lock, may still be about to read), and the temporaries of writes
    /// that never finished (a crash, a full disk). A file that cannot be removed is left for
    /// the next commit.
    pub fn remove_files_but(folder: &Path, keep: &[Option<PathBuf>]) {
        let Ok(entries) = std::fs::read_dir(folder) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if is_ours(name) && !keep.iter().flatten().any(|k| k == Path::new(name)) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        let mut m = Manifest::new("settings".into());
        m.files.insert(
            "corpus/a.txt".into(),
            FileEntry {
                hash: "h".into(),
                size: 3,
                names: vec!["Maya \"M\" Okafor".into()],
                ..FileEntry::default()
            },
        );
        m
    }

    #[test]
    fn a_manifest_file_reads_back_through_the_payload_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let m = sample();
        let (file, payload) = m.write_file(dir.path()).unwrap();
        assert!(is_ours(file.to_str().unwrap()));
        assert_eq!(Manifest::file_of_commit(&payload), Some(file.clone()));
        assert_eq!(
            Manifest::of_commit(dir.path(), Some(&payload)),
            Some(m.clone())
        );
        // The same manifest, the same file: a commit that changes nothing names it again.
        assert_eq!(m.write_file(dir.path()).unwrap().0, file);
        // No temporary file is left.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_manifest_written_in_the_payload_itself_is_still_read() {
        let m = sample();
        let legacy = serde_json::to_string(&m).unwrap();
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Manifest::of_commit(dir.path(), Some(&legacy)), Some(m));
        assert_eq!(Manifest::file_of_commit(&legacy), None);
        assert_eq!(Manifest::of_commit(dir.path(), None), None);
    }

    #[test]
    fn a_manifest_file_missing_changed_or_named_outside_the_folder_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let (file, payload) = sample().write_file(dir.path()).unwrap();
        let path = dir.path().join(&file);
        let bytes = std::fs::read(&path).unwrap();
        // Cut short, or edited: its bytes no longer hash to its name.
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert_eq!(Manifest::of_commit(dir.path(), Some(&payload)), None);
        std::fs::write(
            &path,
            String::from_utf8(bytes)
                .unwrap()
                .replace("settings", "settingz"),
        )
        .unwrap();
        assert_eq!(Manifest::of_commit(dir.path(), Some(&payload)), None);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(Manifest::of_commit(dir.path(), Some(&payload)), None);
        for name in [
            "../manifest-0123456789abcdef.json",
            "manifest-0123.json",
            "manifest-0123456789ABCDEF.json",
            "meta.json",
        ] {
            let p = format!(r#"{{"manifest_file":"{name}"}}"#);
            assert_eq!(Manifest::file_of_commit(&p), None, "{name}");
            assert_eq!(Manifest::of_commit(dir.path(), Some(&p)), None, "{name}");
        }
    }
}
