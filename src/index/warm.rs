//! The index kept open between searches by a process that answers many of them (`qcode
//! serve`): the last commit opened, handed out again while the commit on disk is the same one.
//!
//! Why: opening an index maps every segment's files and reads their footers, and a process's
//! first search faults in every page it touches; on a large index that is most of a search's
//! time. A long-lived process opens each commit once. The commit is told by the bytes of
//! tantivy's `meta.json`, which every commit writes anew and whole: the same bytes name the
//! same segments and the same deletes, and a segment's files never change once written.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use tantivy::{Index, IndexReader};

use super::manifest::Manifest;
use super::watch::{Walk, Watched};
use super::writer::{open_existing, Existing};
use crate::project::Project;

/// The last commit opened, with the `meta.json` bytes it was opened under.
struct Last {
    meta: Vec<u8>,
    /// Which opening this is ([`WarmIndex::opens`] when it was made).
    generation: usize,
    index: Index,
    reader: IndexReader,
    manifest: Option<std::sync::Arc<Manifest>>,
}

/// An index opened once and reused while its commit stands. One per process, shared by every
/// update it makes ([`super::UpdateOptions::warm`]).
#[derive(Default)]
pub struct WarmIndex {
    last: Mutex<Option<Last>>,
    /// How many times a commit was opened.
    opens: AtomicUsize,
    /// The corpus's last listing, kept while nothing under it changes.
    watched: Mutex<Watched>,
    /// The last [`Stamp`] an update found nothing to do under.
    fresh: Mutex<Option<Stamp>>,
}

/// What an update of the index depends on, as this process has it: which commit it opened,
/// which kept listing of the corpus it walked, and the settings hash (qcode.toml and the
/// codebook). Under the same stamp, an update that found nothing to do finds nothing again.
/// Read after the update's own open and walk, it is theirs while one update runs at a time,
/// as in `qcode serve`, which answers one search at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Stamp {
    commit: usize,
    listing: u64,
    settings: String,
}

impl std::fmt::Debug for WarmIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WarmIndex").finish_non_exhaustive()
    }
}

impl WarmIndex {
    pub fn new() -> WarmIndex {
        WarmIndex::default()
    }

    /// The index in `dir` as [`open_existing`] finds it, opened again only when its commit
    /// changed. `meta.json` is read before the index is opened: a commit made in between is
    /// then kept under the older bytes, so the next call opens it again (never the reverse).
    pub(super) fn open(&self, dir: &Path) -> Existing {
        let meta = std::fs::read(dir.join("meta.json")).ok();
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let (Some(meta), Some(l)) = (&meta, last.as_ref()) {
            if *meta == l.meta {
                return Ok((l.index.clone(), l.reader.clone(), l.manifest.clone()));
            }
        }
        let opened = open_existing(dir);
        let generation = self.opens.fetch_add(1, Ordering::Relaxed) + 1;
        *last = match (meta, &opened) {
            (Some(meta), Ok((index, reader, manifest))) => Some(Last {
                meta,
                generation,
                index: index.clone(),
                reader: reader.clone(),
                manifest: manifest.clone(),
            }),
            _ => None,
        };
        opened
    }

    /// The corpus's listing, walked again only when something under it may have changed
    /// ([`Watched::walk`]).
    pub(super) fn walk<E>(
        &self,
        project: &Project,
        walk: impl FnOnce(&Project) -> Result<Walk, E>,
    ) -> Result<Walk, E> {
        let mut watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        watched.walk(project, walk)
    }

    /// The stamp of the commit and listing the last [`WarmIndex::open`] and
    /// [`WarmIndex::walk`] gave, under `settings`; `None` when either was not one kept.
    pub(super) fn stamp(&self, settings: &str) -> Option<Stamp> {
        let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        Some(Stamp {
            commit: last.as_ref()?.generation,
            listing: watched.kept()?,
            settings: settings.to_string(),
        })
    }

    /// Whether an update under `stamp` found nothing to do before.
    pub(super) fn was_fresh(&self, stamp: &Stamp) -> bool {
        self.fresh
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            == Some(stamp)
    }

    /// An update under `stamp` found nothing to do.
    pub(super) fn found_fresh(&self, stamp: Stamp) {
        *self.fresh.lock().unwrap_or_else(|e| e.into_inner()) = Some(stamp);
    }

    /// How many times an index was opened (the first search, and each after a new commit).
    pub fn opens(&self) -> usize {
        self.opens.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{update, UpdateOptions, INDEX_DIR};
    use crate::project::Project;

    #[test]
    fn a_commit_is_opened_once_and_again_when_it_changes() {
        let (dir, _) = crate::index::testing::indexed(&[(
            "corpus/a.txt",
            "id: a\n\nP1: The council listened to us.\n",
        )]);
        let warm: &'static WarmIndex = Box::leak(Box::new(WarmIndex::new()));
        let project = Project::open(dir.path()).unwrap();
        let opts = UpdateOptions {
            warm: Some(warm),
            ..UpdateOptions::default()
        };
        let docs = |r: &crate::index::UpdateReport| {
            let opened = r.opened.as_ref().expect("up to date: opened");
            opened.reader.as_ref().unwrap().searcher().num_docs()
        };
        let first = update(&project, opts, &|_, _| {}).unwrap();
        let second = update(&project, opts, &|_, _| {}).unwrap();
        assert_eq!((docs(&first), docs(&second)), (1, 1));
        // Found up to date under the same commit and listing: so again, without a plan.
        let third = update(&project, opts, &|_, _| {}).unwrap();
        assert!(!third.changed_anything());
        assert_eq!((third.unchanged, docs(&third)), (1, 1));
        assert_eq!(warm.opens(), 1, "the same commit is not opened again");
        // A new commit (a file added): opened anew, with its segments.
        std::fs::write(
            dir.path().join("corpus/b.txt"),
            "id: b\n\nP1: Paperwork slowed it.\n\nP1: And the money.\n",
        )
        .unwrap();
        let changed = update(&project, opts, &|_, _| {}).unwrap();
        assert!(changed.changed_anything());
        let after = update(&project, opts, &|_, _| {}).unwrap();
        assert_eq!(docs(&after), 3);
        // The update wrote through the index it held; its new commit was then opened once.
        assert_eq!(warm.opens(), 2);
        assert!(dir.path().join(".qcode").join(INDEX_DIR).exists());
    }
}
