//! The compiled codebook kept beside the index, so that a command that finds the index up to
//! date (every search) does not parse the codebook's TOML, compile its patterns and index its
//! roles again: that was a fifth of a search on the inquiry transcripts.
//!
//! The cache is one JSON file: a key, the codebook and its warnings. The key is a blake3 hash
//! of the codebook's bytes as read now (every file's path, length and contents), of where it was
//! read from and of the cache format and qcode version, so any edit, rename, added or removed
//! file, or another qcode reads the codebook again. A cache that
//! is missing, stale, unreadable or not understood is simply not used; it is written again after
//! a full load, atomically, and a cache that cannot be written (a read-only project) costs only
//! the time it would have saved.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::load::{load, load_path_within};
use super::{codebook_files, Codebook};
use crate::diag::{SourceError, Warning};
use crate::text::Limits;

/// Bumped whenever the cached types change shape.
const FORMAT: &str = "qcode codebook cache 1";

/// A loaded codebook and its warnings, as the cache holds them, under the key they were read
/// with: borrowed when written, owned when read.
#[derive(Serialize, Deserialize)]
struct Cached<'a> {
    key: Cow<'a, str>,
    codebook: Cow<'a, Codebook>,
    warnings: Cow<'a, [Warning]>,
}

/// A codebook file ([`load_path_within`]) or folder ([`load`]: none yet is an empty codebook)
/// through the cache file `cache`: the same codebook and warnings, and the same errors (an
/// invalid codebook is never cached, so it is read again each time).
pub fn load_cached(
    path: &Path,
    limits: &Limits,
    cache: &Path,
) -> Result<(Codebook, Vec<Warning>), Vec<SourceError>> {
    load_shared(path, limits, cache).map(|(cb, w)| (Arc::unwrap_or_clone(cb), w))
}

/// [`load_cached`], the codebook shared with this thread's memo rather than copied from it:
/// for a process that reads the same codebook again and again (`qcode serve`, once per
/// search), where the copy cost more than finding it.
pub fn load_shared(path: &Path, limits: &Limits, cache: &Path) -> Result<Loaded, Vec<SourceError>> {
    let Some(key) = key_of(path, limits) else {
        return load_any(path, limits).map(|(cb, w)| (Arc::new(cb), w));
    };
    if let Some(hit) = remembered(&key) {
        return Ok(hit);
    }
    if let Some((cb, w)) = read(cache, &key) {
        let hit = (Arc::new(cb), w);
        remember(&key, &hit);
        return Ok(hit);
    }
    let (cb, w) = load_any(path, limits)?;
    let loaded = (Arc::new(cb), w);
    // Written only if the codebook did not change while it was read.
    if key_of(path, limits).as_deref() == Some(key.as_str()) {
        write(cache, &key, &loaded);
        remember(&key, &loaded);
    }
    Ok(loaded)
}

thread_local! {
    /// The codebook this thread read last, under its key: a process that reads the same
    /// codebook again and again (`qcode serve`, once per search) parses its cache once. Keyed
    /// by the files' bytes, as the cache is, so it is never stale.
    static LAST: std::cell::RefCell<Option<(String, Loaded)>> = const { std::cell::RefCell::new(None) };
}

/// A codebook and the warnings its loading gave.
pub type Loaded = (Arc<Codebook>, Vec<Warning>);

fn remembered(key: &str) -> Option<Loaded> {
    LAST.with_borrow(|last| {
        last.as_ref()
            .filter(|(k, _)| k == key)
            .map(|(_, hit)| hit.clone())
    })
}

fn remember(key: &str, hit: &Loaded) {
    LAST.set(Some((key.to_string(), hit.clone())));
}

/// The key of the codebook at `path` as it is now; `None` when a file cannot be read (the full
/// load then says why).
fn key_of(path: &Path, limits: &Limits) -> Option<String> {
    let files: Vec<PathBuf> = if path.is_file() {
        vec![path.to_path_buf()]
    } else {
        codebook_files(path).ok()?
    };
    let mut h = blake3::Hasher::new();
    h.update(FORMAT.as_bytes());
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(&(limits.dictionary_entries as u64).to_le_bytes());
    let mut add = |bytes: &[u8]| {
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    add(path.as_os_str().as_encoded_bytes());
    for p in files {
        add(p.as_os_str().as_encoded_bytes());
        add(&std::fs::read(&p).ok()?);
    }
    Some(h.finalize().to_hex().to_string())
}

fn load_any(path: &Path, limits: &Limits) -> Result<(Codebook, Vec<Warning>), Vec<SourceError>> {
    match path.is_file() {
        true => load_path_within(path, limits),
        false => load(path),
    }
}

fn read(cache: &Path, key: &str) -> Option<(Codebook, Vec<Warning>)> {
    let cached: Cached = crate::cache::read_json(cache)?;
    (cached.key == key).then(|| (cached.codebook.into_owned(), cached.warnings.into_owned()))
}

/// Best effort, into an existing data folder only: a cache is a shortcut.
fn write(cache: &Path, key: &str, (codebook, warnings): &Loaded) {
    if !cache.parent().is_some_and(Path::is_dir) {
        return;
    }
    let cached = Cached {
        key: Cow::Borrowed(key),
        codebook: Cow::Borrowed(codebook),
        warnings: Cow::Borrowed(warnings),
    };
    let _ = crate::cache::write_json(cache, &cached);
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOK: &str = r#"
[codebook]
name = "cached"
version = "1"
stem = true

[codes.trust]
label = "Trust"
patterns = ["trust*", "\"local council\"", "money NEAR/3 branch", "/\\bcllr\\b/"]
examples = ["we trust them"]

[codes.money]
label = "Money"
patterns = ["fund"]
"#;

    const ROLES: &str = r#"
[roles.chair]
label = "Chair"
aliases = ["*chair*", "/^cllr\\b/", "Convenor"]
"#;

    /// A project folder with the codebook above, its codebook folder and where its cache goes.
    fn project() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let (dir, cache) = (d.path().join("codebook"), d.path().join("codebook.cache"));
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("codes.toml"), BOOK).unwrap();
        std::fs::write(dir.join("roles.toml"), ROLES).unwrap();
        (d, dir, cache)
    }

    /// What a codebook is, for comparing a cached one with a parsed one (its maps sorted).
    fn shape(cb: &Codebook) -> String {
        serde_json::to_value(cb).unwrap().to_string()
    }

    #[test]
    fn a_cached_codebook_is_the_parsed_one_and_behaves_alike() {
        let (_d, dir, cache) = project();
        let limits = Limits::default();
        let first = load_cached(&dir, &limits, &cache).unwrap();
        assert!(cache.exists());
        let second = load_cached(&dir, &limits, &cache).unwrap();
        let parsed = load_path_within(&dir, &limits).unwrap();
        assert_eq!(shape(&second.0), shape(&parsed.0));
        assert_eq!(shape(&first.0), shape(&parsed.0));
        assert_eq!(second.1, parsed.1);
        // Compiled again alike: regexes, globs and role look-ups answer as the parsed ones do.
        for label in ["Vice Chair", "Cllr Jones", "convenor", "Facilitator"] {
            assert_eq!(
                second.0.roles.resolve(label),
                parsed.0.roles.resolve(label),
                "{label}"
            );
        }
        assert_eq!(
            second.0.code("money").map(|c| c.label.as_str()),
            Some("Money")
        );
    }

    #[test]
    fn a_thread_reads_the_same_codebook_once() {
        let (_d, dir, cache) = project();
        let limits = Limits::default();
        let first = load_cached(&dir, &limits, &cache).unwrap();
        std::fs::remove_file(&cache).unwrap();
        let again = load_cached(&dir, &limits, &cache).unwrap();
        assert_eq!(shape(&again.0), shape(&first.0));
        assert!(
            !cache.exists(),
            "remembered: neither cache nor TOML read again"
        );
        // Another thread has its own memory: it reads (and writes the cache again).
        std::thread::scope(|s| {
            s.spawn(|| load_cached(&dir, &limits, &cache).unwrap())
                .join()
        })
        .unwrap();
        assert!(cache.exists());
    }

    #[test]
    fn an_edited_added_or_removed_file_is_read_again() {
        let (_d, dir, cache) = project();
        let limits = Limits::default();
        load_cached(&dir, &limits, &cache).unwrap();
        std::fs::write(
            dir.join("codes.toml"),
            BOOK.replace("\"Money\"", "\"Funds\""),
        )
        .unwrap();
        let edited = load_cached(&dir, &limits, &cache).unwrap();
        assert_eq!(edited.0.code("money").unwrap().label, "Funds");
        std::fs::write(
            dir.join("more.toml"),
            "[codes.extra]\nlabel = \"Extra\"\npatterns = [\"x\"]\n",
        )
        .unwrap();
        assert!(load_cached(&dir, &limits, &cache)
            .unwrap()
            .0
            .code("extra")
            .is_some());
        std::fs::remove_file(dir.join("more.toml")).unwrap();
        assert!(load_cached(&dir, &limits, &cache)
            .unwrap()
            .0
            .code("extra")
            .is_none());
    }

    #[test]
    fn a_broken_cache_or_codebook_is_never_taken_from_the_cache() {
        let (d, dir, cache) = project();
        let limits = Limits::default();
        load_cached(&dir, &limits, &cache).unwrap();
        std::fs::write(&cache, "{not json").unwrap();
        assert_eq!(load_cached(&dir, &limits, &cache).unwrap().0.name, "cached");
        std::fs::write(dir.join("codes.toml"), "[codes.x\n").unwrap();
        assert!(load_cached(&dir, &limits, &cache).is_err());
        // A cache where none can be written is no error.
        let nowhere = d.path().join("missing/dir/codebook.cache");
        std::fs::write(dir.join("codes.toml"), BOOK).unwrap();
        assert!(load_cached(&dir, &limits, &nowhere).is_ok());
        assert!(!nowhere.exists());
    }
}
