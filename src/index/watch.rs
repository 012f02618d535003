//! The corpus's listing kept by a process that answers many searches (`qcode serve`), and used
//! again while the file system reports no change under it.
//!
//! Why: before every search the index is brought up to date. That means listing the corpus
//! folder and reading every file's size and time. On a corpus of a few hundred transcripts this
//! is most of what a served search costs, and the answer is almost always "nothing changed".
//!
//! How it stays exact (Linux's inotify):
//! - Every folder the walk read is watched for creations, deletions, renames, writes and time
//!   changes of what it holds. So is the folder of the cases sheet.
//! - Every transcript, sidecar and the cases sheet is watched itself: a write through another
//!   name (a hard link elsewhere, a symbolic link's target) is heard there.
//! - The kernel queues an event within the system call that makes the change. So a change made
//!   before a search was asked for is already queued when the search starts, and **any** event
//!   at all drops the listing.
//! - A listing is kept only when everything it depends on was watched before its walk began.
//!   The first walk after a change is never kept; the one after it is.
//! - The corpus folder's own identity (device and inode) is checked on every use, so a corpus
//!   folder replaced by another of the same name is walked again.
//!
//! When a listing is never kept (each search walks the corpus, as a search run alone does):
//! - on a file system where a change may come from another machine or a user-space driver
//!   (only local kinds are trusted: ext2/3/4, XFS, Btrfs, tmpfs, overlayfs, ZFS, F2FS,
//!   bcachefs, ramfs);
//! - when a watch cannot be added, or the corpus needs more than a quarter of the system's
//!   limit on watches (or more than [`MAX_WATCHES`]);
//! - on systems other than Linux.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::project::{Corpus, Project};

/// A walk's result as the update uses it: the corpus, and each file's size and time.
pub(super) type Walk = (Corpus, Vec<(u64, u128)>);

/// The last listing kept, and what it was made under.
struct Kept {
    /// The working folder, the project's root and its qcode.toml: what the listing's paths and
    /// rules come from.
    key: (PathBuf, PathBuf, String),
    /// Device and inode of the corpus folder when the listing was made.
    anchor: (u64, u64),
    walk: Walk,
    /// Which listing kept this is: a new number for each.
    generation: u64,
}

/// The watches and the listing they vouch for.
#[derive(Default)]
pub(super) struct Watched {
    #[cfg(target_os = "linux")]
    inotify: Option<rustix::fd::OwnedFd>,
    /// Whether inotify was tried (it is opened on first use).
    #[cfg(target_os = "linux")]
    tried: bool,
    /// How many watches a listing may take ([`watch_budget`]), read once.
    #[cfg(target_os = "linux")]
    budget: Option<usize>,
    /// Path watched → its watch descriptor.
    watches: HashMap<PathBuf, i32>,
    kept: Option<Kept>,
    /// Listings kept so far.
    generations: u64,
}

impl Watched {
    /// Which listing the last [`Watched::walk`] gave, when it gave the one kept (and so the
    /// same one until something changes); `None` when it walked without keeping.
    pub(super) fn kept(&self) -> Option<u64> {
        self.kept.as_ref().map(|k| k.generation)
    }

    /// The corpus's listing: the one kept, when nothing changed since it was made; else
    /// `walk`'s, kept for next time when everything it depends on was watched before it began.
    pub(super) fn walk<E>(
        &mut self,
        project: &Project,
        walk: impl FnOnce(&Project) -> Result<Walk, E>,
    ) -> Result<Walk, E> {
        let changed = self.changed();
        let key = key(project);
        let anchor = identity(&project.corpus_dir);
        if let (false, Some(kept), Some(anchor)) = (changed, &self.kept, anchor) {
            if kept.key == key && kept.anchor == anchor {
                return Ok(kept.walk.clone());
            }
        }
        self.kept = None;
        let walked = walk(project)?;
        let needed = needs(project, &walked.0);
        if needed.len() > self.budget() {
            return Ok(walked);
        }
        self.unwatch_all_but(&needed);
        let covered = needed.iter().all(|p| self.watches.contains_key(p));
        // Watched now for the next walk, which is then kept; this one may have missed a change
        // made while the watches were not there yet.
        let watching = needed.iter().all(|p| self.watch(p));
        if let (true, true, Some(anchor)) = (covered, watching, anchor) {
            self.generations += 1;
            self.kept = Some(Kept {
                key,
                anchor,
                walk: walked.clone(),
                generation: self.generations,
            });
        }
        Ok(walked)
    }

    /// Whether anything may have changed since the last call: an event came, or there is no
    /// way to know. Every event queued is read; a watch the kernel dropped (its folder
    /// deleted) is forgotten, to be added again if its path comes back.
    #[cfg(target_os = "linux")]
    fn changed(&mut self) -> bool {
        use rustix::fs::inotify::{ReadFlags, Reader};
        let Some(fd) = &self.inotify else {
            return true;
        };
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 4096];
        let mut reader = Reader::new(fd, &mut buf);
        let mut any = false;
        let mut dropped = Vec::new();
        loop {
            match reader.next() {
                Ok(event) => {
                    any = true;
                    if event.events().contains(ReadFlags::IGNORED) {
                        dropped.push(event.wd());
                    }
                }
                Err(rustix::io::Errno::AGAIN) => break,
                // Anything else (never expected): trust nothing from here on.
                Err(_) => {
                    self.inotify = None;
                    self.watches.clear();
                    return true;
                }
            }
        }
        if !dropped.is_empty() {
            self.watches.retain(|_, wd| !dropped.contains(wd));
        }
        any
    }

    #[cfg(not(target_os = "linux"))]
    fn changed(&mut self) -> bool {
        true
    }

    /// How many watches a listing may take.
    fn budget(&mut self) -> usize {
        #[cfg(target_os = "linux")]
        return *self.budget.get_or_insert_with(watch_budget);
        #[cfg(not(target_os = "linux"))]
        return 0;
    }

    /// Stop watching what a listing no longer needs (a file moved out of the corpus): it would
    /// only drop listings for nothing, and it counts against the system's limit. A watch is
    /// the file's, not the name's: one that a needed name shares (a hard link) stays.
    fn unwatch_all_but(&mut self, needed: &[PathBuf]) {
        let needed: std::collections::HashSet<&PathBuf> = needed.iter().collect();
        let in_use: std::collections::HashSet<i32> = (self.watches.iter())
            .filter(|(p, _)| needed.contains(p))
            .map(|(_, wd)| *wd)
            .collect();
        let stale: Vec<i32> = (self.watches.iter())
            .filter(|(p, wd)| !needed.contains(p) && !in_use.contains(wd))
            .map(|(_, wd)| *wd)
            .collect();
        self.watches.retain(|p, _| needed.contains(p));
        #[cfg(target_os = "linux")]
        if let Some(fd) = &self.inotify {
            for wd in stale {
                let _ = rustix::fs::inotify::remove_watch(fd, wd);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = stale;
    }

    /// Watch `path` (a folder, or a file the listing depends on); false when it cannot be
    /// watched reliably.
    #[cfg(target_os = "linux")]
    fn watch(&mut self, path: &Path) -> bool {
        use rustix::fs::inotify::{self, CreateFlags, WatchFlags};
        if self.watches.contains_key(path) {
            return true;
        }
        if !self.tried {
            self.tried = true;
            self.inotify = inotify::init(CreateFlags::NONBLOCK | CreateFlags::CLOEXEC).ok();
        }
        let Some(fd) = &self.inotify else {
            return false;
        };
        if !is_local(path) {
            return false;
        }
        let events = WatchFlags::MODIFY
            | WatchFlags::ATTRIB
            | WatchFlags::CLOSE_WRITE
            | WatchFlags::CREATE
            | WatchFlags::DELETE
            | WatchFlags::DELETE_SELF
            | WatchFlags::MOVED_FROM
            | WatchFlags::MOVED_TO
            | WatchFlags::MOVE_SELF;
        match inotify::add_watch(fd, path, events) {
            Ok(wd) => {
                self.watches.insert(path.to_path_buf(), wd);
                true
            }
            Err(_) => false,
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn watch(&mut self, _path: &Path) -> bool {
        false
    }
}

/// What a listing is made under, besides the files themselves.
fn key(project: &Project) -> (PathBuf, PathBuf, String) {
    (
        std::env::current_dir().unwrap_or_default(),
        project.root.clone(),
        project.config_text.clone(),
    )
}

/// A folder's device and inode.
#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(_path: &Path) -> Option<(u64, u64)> {
    None
}

/// Everything a listing depends on that a watch must cover: the folders read, the cases
/// sheet and its folder, and every transcript and sidecar itself. A folder's watch hears of
/// what is written through it; a file's own watch hears of writes through any of its names
/// (another hard link, a symbolic link's target in a folder the walk does not read).
fn needs(project: &Project, corpus: &Corpus) -> Vec<PathBuf> {
    let mut out = corpus.read_folders.clone();
    if let Some(cases) = &project.cases {
        let sheet = project.root.join(&cases.path);
        if let Some(folder) = sheet.parent().and_then(|f| f.canonicalize().ok()) {
            out.push(folder);
        }
        out.push(sheet);
    }
    for (_, path) in &corpus.files {
        out.push(path.clone());
        out.extend(corpus.sidecar(path));
    }
    out
}

/// The most watches a listing may take: a share of the system's limit (other programs watch
/// files too), and never more than [`MAX_WATCHES`].
#[cfg(target_os = "linux")]
fn watch_budget() -> usize {
    std::fs::read_to_string("/proc/sys/fs/inotify/max_user_watches")
        .ok()
        .and_then(|s| s.trim().parse::<usize>().ok())
        .map_or(0, |limit| limit / 4)
        .min(MAX_WATCHES)
}

/// A corpus of more files (and folders) than this is walked before every served search.
pub const MAX_WATCHES: usize = 100_000;

/// Whether `path` lies on a file system whose every change passes through this machine's
/// kernel, so that inotify hears of it.
#[cfg(target_os = "linux")]
fn is_local(path: &Path) -> bool {
    const LOCAL: [i64; 9] = [
        0xEF53,      // ext2, ext3, ext4
        0x5846_5342, // XFS
        0x9123_683E, // Btrfs
        0x0102_1994, // tmpfs
        0x794C_7630, // overlayfs
        0x2FC1_2FC1, // ZFS
        0xF2F5_2010, // F2FS
        0xCA45_1A4E, // bcachefs
        0x8584_58F6, // ramfs
    ];
    match rustix::fs::statfs(path) {
        // `f_type`'s width differs between architectures.
        #[allow(clippy::unnecessary_cast)]
        Ok(s) => LOCAL.contains(&(s.f_type as i64)),
        Err(_) => false,
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::index::writer::walk;
    use std::cell::Cell;

    /// A project of two transcripts, one in a subfolder.
    fn project() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("corpus/site")).unwrap();
        std::fs::write(
            dir.path().join("corpus/a.txt"),
            "P1: The council listened.\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("corpus/site/b.txt"), "P2: Paperwork.\n").unwrap();
        dir
    }

    /// Three listings: the first walk watches, the second is kept, the third is the kept
    /// one; on a file system inotify may not hear, each is walked.
    fn three(watched: &mut Watched, walks: &Cell<usize>, root: &Path) {
        for _ in 0..3 {
            walker(watched, walks, root);
        }
        let expected = if is_local(root) { 2 } else { 3 };
        assert_eq!(
            walks.get(),
            expected,
            "a listing made under watches is used again"
        );
    }

    /// Walks through `watched`, counting the walks really made.
    fn walker(watched: &mut Watched, walks: &Cell<usize>, root: &Path) -> Walk {
        let project = Project::open(root).unwrap();
        watched
            .walk(&project, |p| {
                walks.set(walks.get() + 1);
                walk(p)
            })
            .unwrap()
    }

    /// After `change`, the next listing is walked again, and it matches a fresh walk.
    fn seen(change: impl FnOnce(&Path)) {
        let dir = project();
        let (mut watched, walks) = (Watched::default(), Cell::new(0));
        three(&mut watched, &walks, dir.path());
        let before = walks.get();
        change(dir.path());
        let after = walker(&mut watched, &walks, dir.path());
        assert_eq!(walks.get(), before + 1, "a change is seen");
        let fresh = walk(&Project::open(dir.path()).unwrap()).unwrap();
        assert_eq!(after.0.files, fresh.0.files);
        assert_eq!(after.1, fresh.1);
    }

    #[test]
    fn an_edited_transcript_is_seen() {
        seen(|root| {
            let p = root.join("corpus/site/b.txt");
            let mut f = std::fs::OpenOptions::new().append(true).open(p).unwrap();
            std::io::Write::write_all(&mut f, b"P2: And the money.\n").unwrap();
        });
    }

    #[test]
    fn a_new_file_in_a_new_folder_is_seen() {
        seen(|root| {
            std::fs::create_dir_all(root.join("corpus/site/day2")).unwrap();
            std::fs::write(root.join("corpus/site/day2/c.txt"), "P3: Yes.\n").unwrap();
        });
    }

    #[test]
    fn a_removed_or_renamed_file_is_seen() {
        seen(|root| std::fs::remove_file(root.join("corpus/a.txt")).unwrap());
        seen(|root| {
            std::fs::rename(root.join("corpus/a.txt"), root.join("corpus/site/a.txt")).unwrap()
        });
    }

    #[test]
    fn a_time_changed_alone_is_seen() {
        seen(|root| {
            let f = std::fs::File::options()
                .write(true)
                .open(root.join("corpus/a.txt"))
                .unwrap();
            f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(86_400))
                .unwrap();
        });
    }

    #[test]
    fn a_hard_linked_file_written_elsewhere_is_seen() {
        let outside = tempfile::tempdir().unwrap();
        seen(|root| {
            // A second name outside every watched folder: its folder hears nothing of it.
            let other = outside.path().join("b-elsewhere.txt");
            std::fs::hard_link(root.join("corpus/site/b.txt"), &other).unwrap();
            std::fs::write(&other, "P2: Rewritten through another name.\n").unwrap();
        });
    }

    #[test]
    fn a_linked_file_is_watched_through_its_target() {
        let dir = project();
        let target = dir.path().join("corpus/.drafts/c.txt");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, "P3: Draft.\n").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("corpus/c.txt")).unwrap();
        let (mut watched, walks) = (Watched::default(), Cell::new(0));
        three(&mut watched, &walks, dir.path());
        let before = walks.get();
        // The hidden folder is not read, but the link's target is watched.
        std::fs::write(&target, "P3: Draft, longer now.\n").unwrap();
        walker(&mut watched, &walks, dir.path());
        assert_eq!(walks.get(), before + 1);
    }

    #[test]
    fn a_file_moved_out_of_the_corpus_is_no_longer_watched() {
        let dir = project();
        if !is_local(dir.path()) {
            return;
        }
        let outside = tempfile::tempdir().unwrap();
        let (mut watched, walks) = (Watched::default(), Cell::new(0));
        three(&mut watched, &walks, dir.path());
        let moved = outside.path().join("a.txt");
        std::fs::rename(dir.path().join("corpus/a.txt"), &moved).unwrap();
        // The move is seen; the listing settles again (its watch removed, which the kernel
        // reports once).
        for _ in 0..4 {
            walker(&mut watched, &walks, dir.path());
        }
        let settled = walks.get();
        walker(&mut watched, &walks, dir.path());
        assert_eq!(walks.get(), settled, "kept again");
        // Two folders and one transcript: the moved file's watch is gone.
        assert_eq!(watched.watches.len(), 3);
        std::fs::write(&moved, "P1: Edited outside the corpus.\n").unwrap();
        walker(&mut watched, &walks, dir.path());
        assert_eq!(
            walks.get(),
            settled,
            "a file outside the corpus drops nothing"
        );
    }

    #[test]
    fn another_qcode_toml_is_another_listing() {
        let dir = project();
        let (mut watched, walks) = (Watched::default(), Cell::new(0));
        three(&mut watched, &walks, dir.path());
        let before = walks.get();
        std::fs::write(
            dir.path().join("qcode.toml"),
            "[project]\nexclude = [\"site/**\"]\n",
        )
        .unwrap();
        let after = walker(&mut watched, &walks, dir.path());
        assert_eq!(walks.get(), before + 1);
        assert_eq!(after.0.files.len(), 1, "the exclude applies");
    }
}
