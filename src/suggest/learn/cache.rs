//! Learned models cached in `.qcode/learned/CODER.json`, under a hash of everything they were
//! trained on: the codebook's hash, the coder, the choices, and every example (segment id, text,
//! and the coder's codes on it). A model whose hash matches is read; otherwise it is trained
//! again and written (atomically). An edited codings file or codebook, or an edited transcript
//! under the coder's codings, changes the hash; interviews the coder never coded do not. A cache
//! that cannot be read or written is no error: the model is trained in memory instead.

use std::path::{Path, PathBuf};

use super::train::{train, Example};
use super::{LearnParams, Learned, LEARN_VERSION};
use crate::codebook::Codebook;

/// Where a project whose derived data lives in `data_dir` caches `coder`'s model.
pub fn cache_path(data_dir: &Path, coder: &str) -> PathBuf {
    let name: String = coder
        .chars()
        .map(|c| match c.is_alphanumeric() || "-_. ".contains(c) {
            true => c,
            false => '_',
        })
        .collect();
    data_dir.join("learned").join(format!("{name}.json"))
}

/// The hash of what a model would be trained on.
pub fn key(examples: &[Example], codebook: &Codebook, coder: &str, params: &LearnParams) -> String {
    let mut h = blake3::Hasher::new();
    let mut field = |s: &str| {
        h.update(&(s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    field(&LEARN_VERSION.to_string());
    field(&serde_json::to_string(params).unwrap_or_default());
    field(&codebook.hash);
    field(coder);
    for e in examples {
        field(&e.segment_id);
        field(&e.interview);
        field(&e.text);
        field(&e.question);
        field(if e.full { "full" } else { "decisions" });
        for c in &e.positive {
            field(&format!("+{c}"));
        }
        for c in &e.rejected {
            field(&format!("-{c}"));
        }
        field("");
    }
    h.finalize().to_hex().to_string()
}

/// `coder`'s model trained on `examples`, from the cache in `data_dir` when it was trained on
/// the same, and whether it came from there.
pub fn learned_for(
    data_dir: &Path,
    examples: &[Example],
    codebook: &Codebook,
    coder: &str,
    params: &LearnParams,
) -> (Learned, bool) {
    let key = key(examples, codebook, coder, params);
    let path = cache_path(data_dir, coder);
    if let Some(m) = read(&path).filter(|m| m.key == key && m.version == LEARN_VERSION) {
        return (m.with_lookup(), true);
    }
    let m = train(examples, codebook, coder, params, &key);
    // A cache is only a shortcut: a read-only project still gets its suggestions.
    let _ = write(&path, &m);
    (m, false)
}

fn read(path: &Path) -> Option<Learned> {
    crate::cache::read_json(path)
}

fn write(path: &Path, m: &Learned) -> std::io::Result<()> {
    crate::cache::write_json(path, m)
}
