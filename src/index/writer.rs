//! Bringing the index up to date: find which corpus files were added, changed or removed since the
//! last commit (size and mtime first, then content hash), read only those, and commit the new
//! segments together with the new manifest in one tantivy commit. One bad file is reported and
//! skipped; the others are indexed.
//!
//! Every file goes through one loop: files are looked at in parallel, a chunk at a time (hashed,
//! and parsed and coded unless they stream), then added in path order, batch by batch: a file read
//! whole is one batch; a large table file ([`UpdateOptions::stream_bytes`]) is read and coded
//! [`STREAM_BATCH`] rows at a time, so memory stays flat whatever its size.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, UNIX_EPOCH};

use rayon::prelude::*;
use tantivy::schema::Value;
use tantivy::{Index, IndexReader, IndexWriter, TantivyDocument, Term};

use super::manifest::{FileEntry, Manifest};
use super::merge::{BoundedMerges, MAX_MERGE_BYTES};
use super::schema::{build_schema, register_tokenizers, Fields, SCHEMA_VERSION};
use super::{settings_hash, IndexError, INDEX_DIR, LOCK_FILE};
use crate::codebook::Codebook;
use crate::coding::{code_segments, evidence, Evidence, Matcher};
use crate::diag::{SourceError, Warning};
use crate::project::{AssignBy, Corpus, Project};
use crate::text::Limits;
use crate::transcript::{
    parse_file, row_id_key, table_delimiter, table_rows, FileContext, Parsed, RowIdKey, RowIdLines,
    Segment,
};

/// Files looked at at once: bounds memory on large corpora while keeping both cores busy.
const CHUNK: usize = 32;
/// tantivy's indexing memory budget (split across its threads).
pub const WRITER_BUDGET: usize = 200_000_000;
/// Table files at least this large (bytes) stream, by default.
pub const STREAM_BYTES: u64 = 64 << 20;
/// Rows coded and added per batch when streaming: bounds memory whatever the file's size.
pub const STREAM_BATCH: usize = 20_000;

#[derive(Debug, Clone, Copy)]
pub struct UpdateOptions {
    /// Throw the index away and index every file again.
    pub rebuild: bool,
    /// Table files (CSV, TSV) at least this large (bytes) are read and indexed in batches of
    /// [`STREAM_BATCH`] rows instead of whole (they must then be UTF-8).
    pub stream_bytes: u64,
    /// What codes by rank when qcode.toml asks for `[coding] assign = "ranked"` (the ranking
    /// lives in a later layer, so the caller hands it in; without it such a project is an
    /// error).
    pub assign: Option<MakeAssign>,
    /// The index kept open by a process that answers many searches (`qcode serve`): reused
    /// while its commit stands, instead of opened anew by every update.
    pub warm: Option<&'static super::warm::WarmIndex>,
}

impl Default for UpdateOptions {
    fn default() -> Self {
        UpdateOptions {
            rebuild: false,
            stream_bytes: STREAM_BYTES,
            assign: None,
            warm: None,
        }
    }
}

/// Codes the machine gives a segment besides its patterns' (`[coding] assign = "ranked"`):
/// the suggestions' ranking, made by a later layer and handed to [`update`].
pub trait Assign: Send + Sync {
    /// What decides the codes it adds besides the codebook and qcode.toml (its version and
    /// choices): part of the index settings, so a change re-codes the corpus.
    fn fingerprint(&self) -> String;
    /// A respondent segment's codings: the patterns' (`codings`) with the codes it adds.
    fn assign(&self, segment: &Segment, codings: Vec<Evidence>) -> Vec<Evidence>;
}

/// Makes the [`Assign`] for a project and its codebook (an error names what in qcode.toml
/// does not fit the codebook).
pub type MakeAssign = fn(&Project, &Codebook) -> Result<Box<dyn Assign>, SourceError>;

/// What codes segments: the codebook's compiled patterns and, when qcode.toml asks for it,
/// the ranking.
#[derive(Clone, Copy)]
struct Machine<'a> {
    matcher: &'a Matcher,
    assign: Option<&'a dyn Assign>,
}

/// What an update did.
#[derive(Debug, Default)]
pub struct UpdateReport {
    /// Why everything was re-indexed, if it was.
    pub rebuilt: Option<String>,
    pub files_total: usize,
    /// Files (re-)indexed by this run.
    pub indexed: Vec<String>,
    pub removed: Vec<String>,
    pub unchanged: usize,
    /// Files that could not be indexed, with why.
    pub skipped: Vec<SourceError>,
    pub warnings: Vec<Warning>,
    /// Role labels not in the role table, with how many of the files indexed now use each.
    pub unknown_roles: std::collections::BTreeMap<String, usize>,
    pub segments: usize,
    pub interviews: usize,
    /// Segments given at least one code by this run.
    pub coded_segments: usize,
    /// The codebook the index is coded with (loaded for the update; reuse it).
    pub codebook: Option<Arc<Codebook>>,
    /// The index, open, with its reader and manifest, when the update found nothing to do: a
    /// command that reads the index next takes them ([`super::SearchIndex::from_open`]) rather
    /// than opening and parsing it all again.
    pub opened: Option<Opened>,
    pub elapsed: std::time::Duration,
}

/// An index opened once: its reader (when the update made one: every segment's files opened)
/// and the manifest its commit carries.
pub struct Opened {
    pub index: Index,
    pub reader: Option<IndexReader>,
    /// Shared, not copied: a process that keeps the index open (`qcode serve`) hands the same
    /// manifest to every search of one commit.
    pub manifest: Arc<Manifest>,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("files", &self.manifest.files.len())
            .finish_non_exhaustive()
    }
}

impl UpdateReport {
    pub fn changed_anything(&self) -> bool {
        self.rebuilt.is_some() || !self.indexed.is_empty() || !self.removed.is_empty()
    }
}

/// Holds `.qcode/lock` for as long as it lives; the OS releases it if the process dies.
pub struct IndexLock {
    _file: File,
}

impl IndexLock {
    pub fn acquire(data_dir: &Path) -> Result<IndexLock, IndexError> {
        std::fs::create_dir_all(data_dir).map_err(|e| IndexError::io(data_dir, e))?;
        let path = data_dir.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| IndexError::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(IndexLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(IndexError::Locked(path)),
            Err(std::fs::TryLockError::Error(e)) => Err(IndexError::io(&path, e)),
        }
    }
}

/// Why an existing index is rebuilt rather than updated (said to the user, never an error).
#[derive(Debug, thiserror::Error)]
pub(super) enum Rebuild {
    #[error("the index in .qcode/ could not be opened (damaged or cut short)")]
    Unopenable(tantivy::TantivyError),
    #[error("the index was written by another version of qcode")]
    OtherSchema,
    #[error("the index in .qcode/ is damaged (a file missing or unreadable)")]
    Unreadable(tantivy::TantivyError),
    #[error("the index was written by qcode {qcode_version} (index format {schema_version})")]
    OtherFormat {
        qcode_version: String,
        schema_version: u32,
    },
}

/// Open the index in `dir` with a reader, or say why it must be rebuilt.
pub(super) fn open_existing(dir: &Path) -> Existing {
    let index = super::directory::open_in_dir(dir).map_err(Rebuild::Unopenable)?;
    if index.schema() != build_schema() {
        return Err(Rebuild::OtherSchema);
    }
    let metas = index.load_metas().map_err(Rebuild::Unreadable)?;
    // Every segment's files opened: one missing or cut short is found here, by the update,
    // not by a search afterwards (and the update never calls such an index up to date). The
    // reader is kept for the command's reads (one command reads one commit: no reload thread).
    let reader = index
        .reader_builder()
        .reload_policy(tantivy::ReloadPolicy::Manual)
        .try_into()
        .map_err(Rebuild::Unreadable)?;
    let manifest = Manifest::of_commit(dir, metas.payload.as_deref());
    if let Some(m) = &manifest {
        if m.schema_version != SCHEMA_VERSION {
            return Err(Rebuild::OtherFormat {
                qcode_version: m.qcode_version.clone(),
                schema_version: m.schema_version,
            });
        }
    }
    Ok((index, reader, manifest.map(Arc::new)))
}

/// A new, empty index built beside `dir` (in [`staging`]), so that the index in `dir` stays
/// whole for readers until [`swap_in`] puts the new one in its place.
fn create_fresh(dir: &Path) -> Result<Index, IndexError> {
    let new = staging(dir);
    if new.exists() {
        std::fs::remove_dir_all(&new).map_err(|e| IndexError::io(&new, e))?;
    }
    std::fs::create_dir_all(&new).map_err(|e| IndexError::io(&new, e))?;
    super::directory::create_in_dir(&new, build_schema()).map_err(|e| IndexError::tantivy(&new, e))
}

/// Where an index is rebuilt: beside the one it replaces.
fn staging(dir: &Path) -> PathBuf {
    dir.with_extension("new")
}

/// The rebuilt index (committed in [`staging`]) takes the place of the one in `dir`: a reader
/// sees the old index or the new one, each whole, never one half built (an export during
/// `index --rebuild` read an empty index and wrote a header-only file).
fn swap_in(dir: &Path) -> Result<(), IndexError> {
    let new = staging(dir);
    let old = dir.with_extension("old");
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| IndexError::io(&old, e))?;
    }
    if dir.exists() {
        std::fs::rename(dir, &old).map_err(|e| IndexError::io(dir, e))?;
    }
    std::fs::rename(&new, dir).map_err(|e| IndexError::io(dir, e))?;
    // Readers still holding the old files keep them until they are done (they are unlinked,
    // not overwritten); a failure here leaves a folder the next rebuild removes.
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// An index's manifest, and the reader that opened the index: what an update goes on from.
type Updatable = (Arc<Manifest>, IndexReader);

/// The index to update, and its manifest when it can be updated file by file (`None`: every
/// file is indexed again; `report.rebuilt` says why, when there is a reason to give). The
/// flag says whether the index is a new one in [`staging`], to [`swap_in`] once committed. The
/// manifest comes with the reader that opened the index, for a command to read with when the
/// update has nothing to do.
fn open_index(
    dir: &Path,
    existing: Option<Existing>,
    settings: &str,
    report: &mut UpdateReport,
) -> Result<(Index, Option<Updatable>, bool), IndexError> {
    Ok(match existing {
        None => {
            report.rebuilt = Some("--rebuild was asked for".into());
            (create_fresh(dir)?, None, true)
        }
        Some(Ok((index, r, Some(m)))) if m.settings_hash == settings => {
            (index, Some((m, r)), false)
        }
        Some(Ok((index, _, Some(_)))) => {
            report.rebuilt = Some("qcode.toml or the codebook changed".into());
            (index, None, false)
        }
        Some(Ok((index, _, None))) => (index, None, false),
        Some(Err(why)) if dir.join("meta.json").exists() => {
            report.rebuilt = Some(format!("{why}; it is rebuilt"));
            (create_fresh(dir)?, None, true)
        }
        Some(Err(_)) => (create_fresh(dir)?, None, true),
    })
}

/// The index in a folder as [`open_existing`] finds it.
pub(super) type Existing = Result<(Index, IndexReader, Option<Arc<Manifest>>), Rebuild>;

/// The project's codebook, the ranking model when codes are assigned by rank, and the settings
/// hash both give the index.
type Settings = (Arc<Codebook>, Option<Box<dyn Assign>>, String);

fn read_settings(project: &Project, opts: &UpdateOptions) -> Result<Settings, IndexError> {
    let codebook = project.codebook_shared()?;
    let assign = match (project.assign.by, opts.assign) {
        (AssignBy::Patterns, _) => None,
        (AssignBy::Ranked, Some(make)) => Some(make(project, &codebook)?),
        (AssignBy::Ranked, None) => return Err(IndexError::NoRanking),
    };
    let settings = settings_hash(project, &codebook, assign.as_deref());
    Ok((codebook, assign, settings))
}

/// The corpus's files, and each one's size and time as [`plan`] compares them.
pub(super) fn walk(project: &Project) -> Result<(Corpus, Vec<(u64, u128)>), IndexError> {
    let corpus = Corpus::open(project)?;
    let stats = corpus
        .files
        .iter()
        .map(|(_, path)| stat(path, corpus.sidecar(path).as_deref()))
        .collect();
    Ok((corpus, stats))
}

/// What a scoped thread returned, its panic carried on.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Bring the project's index up to date. `progress` is called with (files done, files to do).
pub fn update(
    project: &Project,
    opts: UpdateOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<UpdateReport, IndexError> {
    let started = Instant::now();
    let data_dir = project.data_dir();
    let _lock = IndexLock::acquire(&data_dir)?;
    let dir = data_dir.join(INDEX_DIR);
    let mut report = UpdateReport::default();
    // The corpus walked (each file's size and time read), the codebook read and the index
    // opened at once, on three threads: on an index already up to date (every search) these
    // are most of a command's time, and none needs another.
    // With the index kept open (`qcode serve`) its opening is nothing, and starting the
    // threads would cost more than they save.
    let (walked, read, existing) = match opts.warm {
        Some(warm) => {
            let existing = (!opts.rebuild).then(|| warm.open(&dir));
            (
                warm.walk(project, walk),
                read_settings(project, &opts),
                existing,
            )
        }
        None => std::thread::scope(|s| {
            let walked = s.spawn(|| walk(project));
            let read = s.spawn(|| read_settings(project, &opts));
            let existing = (!opts.rebuild).then(|| open_existing(&dir));
            (joined(walked), joined(read), existing)
        }),
    };
    let (codebook, assign, settings) = read?;
    let (index, old, fresh) = open_index(&dir, existing, &settings, &mut report)?;
    let (corpus, stats) = walked?;
    let files = &corpus.files;
    report.files_total = files.len();
    register_tokenizers(&index, codebook.options.language);
    let (old, reader) = old.unzip();
    let full = old.is_none();
    let old = old.unwrap_or_else(|| Arc::new(Manifest::new(settings.clone())));
    // A process that keeps the index open knows when nothing changed since it last found the
    // index up to date: the same commit, the same kept listing, the same settings.
    let stamp = opts.warm.and_then(|w| w.stamp(&settings).map(|s| (w, s)));
    let (todo, kept);
    (todo, report.removed, kept) = match &stamp {
        Some((warm, s)) if !full && warm.was_fresh(s) => Default::default(),
        _ => plan(&corpus, &stats, &old, full),
    };
    if todo.is_empty() && report.removed.is_empty() && !full {
        if let Some((warm, s)) = stamp {
            warm.found_fresh(s);
        }
        report.unchanged = files.len();
        report.segments = old.segment_count();
        report.interviews = old.interview_count();
        report.warnings = corpus.left_out.clone();
        report.warnings.extend(sheet_warnings(&corpus, &old));
        report.elapsed = started.elapsed();
        report.codebook = Some(codebook);
        report.opened = Some(Opened {
            index,
            reader,
            manifest: old,
        });
        return Ok(report);
    }
    // Written to now: the files it holds open may be merged away.
    drop(reader);
    let mut manifest = Manifest::new(settings);
    manifest.codebook_name = codebook.name.clone();
    manifest.codebook_version = codebook.version.clone();
    manifest.codebook_hash = codebook.hash.clone();
    for rel in kept {
        manifest
            .files
            .insert(rel.to_string(), old.files[rel].clone());
    }

    // Compiled only now: a search that finds the index up to date never needs it.
    let compiled = Matcher::new(&codebook)?;
    let matcher = Machine {
        matcher: &compiled,
        assign: assign.as_deref(),
    };
    let mut run = Run::start(&index, &dir, &codebook, matcher, &old, manifest, full)?;
    // The policy sizes segments from their files: where they are being written.
    let written = if fresh { staging(&dir) } else { dir.clone() };
    let merges = BoundedMerges::new(written.clone(), MAX_MERGE_BYTES);
    run.writer.set_merge_policy(Box::new(merges));
    run.limits = project.transcript.limits;
    for rel in &report.removed {
        run.delete(rel);
    }
    let mut done = 0;
    for chunk in todo.chunks(CHUNK) {
        let looks: Vec<(FileContext, Look)> = chunk
            .par_iter()
            .map(|(rel, path)| {
                let reading = Reading {
                    project,
                    codebook: &codebook,
                    matcher,
                    rel,
                    path,
                    ctx: corpus.context(path),
                    sidecar: corpus.sidecar(path),
                };
                let look = reading.look(old.files.get(rel), full, opts.stream_bytes);
                (reading.ctx, look)
            })
            .collect();
        for ((rel, path), (ctx, look)) in chunk.iter().zip(looks) {
            done += 1;
            progress(done, todo.len());
            run.take(rel, path, &ctx, look, &mut report)?;
        }
    }
    let manifest = run.commit(&written)?;
    drop(index);
    if fresh {
        swap_in(&dir)?;
    }
    report.warnings.extend(corpus.left_out.iter().cloned());
    report.warnings.extend(sheet_warnings(&corpus, &manifest));
    report.unchanged = files.len() - report.indexed.len() - report.skipped.len();
    report.segments = manifest.segment_count();
    report.interviews = manifest.interview_count();
    report.elapsed = started.elapsed();
    report.codebook = Some(codebook);
    Ok(report)
}

/// What an update has to do: the files to look at (new ones, those whose size or mtime moved,
/// and those given something else from outside: another id, a changed cases row) and the files
/// gone since `old`; and the files kept as they are (their entries copied into the new manifest
/// only when there is something to do: on an index up to date, nothing is copied).
fn plan<'a>(
    corpus: &'a Corpus,
    stats: &[(u64, u128)],
    old: &Manifest,
    full: bool,
) -> (Vec<(String, PathBuf)>, Vec<String>, Vec<&'a str>) {
    let files = &corpus.files;
    let present: HashSet<&str> = files.iter().map(|(rel, _)| rel.as_str()).collect();
    let removed = old
        .files
        .keys()
        .filter(|k| !present.contains(String::as_str(k)))
        .cloned()
        .collect();
    let (mut todo, mut kept) = (Vec::new(), Vec::new());
    for ((rel, path), stat) in files.iter().zip(stats) {
        let given = |e: &FileEntry| corpus.context(path).fingerprint(&e.interviews) == e.context;
        match old.files.get(rel) {
            Some(e) if !full && (e.size, e.mtime_ns) == *stat && given(e) => {
                kept.push(rel.as_str())
            }
            _ => todo.push((rel.clone(), path.clone())),
        }
    }
    (todo, removed, kept)
}

/// One corpus file to read, and what it is read with.
struct Reading<'a> {
    project: &'a Project,
    codebook: &'a Codebook,
    matcher: Machine<'a>,
    rel: &'a str,
    path: &'a Path,
    /// What the project gives the file's interviews.
    ctx: FileContext,
    /// Its sidecar header, if the corpus listing holds one.
    sidecar: Option<PathBuf>,
}

/// What a look at one file found.
enum Look {
    /// Same content as indexed: its entry, with the size and mtime of now.
    Unchanged(FileEntry),
    /// Changed or new: its new entry (hash, size, mtime) and its segments to add.
    Changed(FileEntry, Content),
    Failed(SourceError),
}

/// A changed file's segments: parsed and coded already, or to be read in batches.
enum Content {
    Whole(Box<Batch>),
    Streamed,
}

/// Part of a file, ready to add: segments, their codings, and what the file says besides.
#[derive(Default)]
struct Batch {
    segments: Vec<Segment>,
    codings: Vec<Vec<Evidence>>,
    /// Interview ids the file declares (a transcript's, whatever its segments).
    interviews: Vec<String>,
    /// Participants' names declared in transcript headers.
    names: Vec<String>,
    unknown_roles: BTreeSet<String>,
    warnings: Vec<Warning>,
    /// Read from a streamed table: its row ids come with the last batch, all at once.
    streamed: bool,
    /// A streamed table's row ids, with the last batch: kept for the checks across files.
    row_ids: Option<RowIdLines>,
}

impl Batch {
    /// Segments coded with the codebook.
    fn coded(segments: Vec<Segment>, codebook: &Codebook, machine: Machine) -> Batch {
        let codings = code_segments(machine.matcher, &segments)
            .into_par_iter()
            .zip(&segments)
            .map(|(c, s)| {
                let ev = evidence(codebook, &s.text, &c);
                // The ranking adds to a respondent's codes, never an interviewer's.
                match machine.assign {
                    Some(a) if !s.interviewer => a.assign(s, ev),
                    _ => ev,
                }
            })
            .collect();
        Batch {
            segments,
            codings,
            ..Batch::default()
        }
    }

    /// A whole file's interviews, as one batch.
    fn whole(parsed: Parsed, codebook: &Codebook, matcher: Machine) -> Batch {
        let mut interviews = Vec::new();
        let mut names = Vec::new();
        let mut unknown_roles = BTreeSet::new();
        let mut segments = Vec::new();
        for iv in parsed.interviews {
            interviews.push(iv.id);
            names.extend(iv.speakers.into_values().filter_map(|s| s.name));
            unknown_roles.extend(iv.unknown_roles);
            segments.extend(iv.segments);
        }
        Batch {
            interviews,
            names,
            unknown_roles,
            warnings: parsed.warnings,
            ..Batch::coded(segments, codebook, matcher)
        }
    }
}

impl Reading<'_> {
    /// Look at a file: hash it, and unless its content is as indexed, parse and code it (or, for
    /// a table file of `stream_bytes` or more, leave that to [`Run::take`]).
    fn look(&self, old: Option<&FileEntry>, full: bool, stream_bytes: u64) -> Look {
        let (size, mtime_ns) = stat(self.path, self.sidecar.as_deref());
        let streamed = table_delimiter(self.path).is_some() && size >= stream_bytes;
        let shown = Path::new(self.rel);
        let io = |e: std::io::Error| {
            SourceError::whole_file(shown, format!("cannot read: {e}"))
                .with_help("check the file's permissions")
        };
        if !streamed {
            if let Err(e) = self.project.transcript.limits.check_file(size) {
                return Look::Failed(SourceError::whole_file(shown, e.message).with_help(e.help));
            }
        }
        let bytes = match streamed {
            true => None,
            false => match std::fs::read(self.path) {
                Ok(b) => Some(b),
                Err(e) => return Look::Failed(io(e)),
            },
        };
        let hash = match content_hash(self.path, self.sidecar.as_deref(), bytes.as_deref()) {
            Ok(h) => h,
            Err(e) => return Look::Failed(io(e)),
        };
        let entry = FileEntry {
            hash,
            size,
            mtime_ns,
            ..FileEntry::default()
        };
        let given = |o: &FileEntry| self.ctx.fingerprint(&o.interviews) == o.context;
        if let Some(o) = old.filter(|o| o.hash == entry.hash && given(o) && !full) {
            return Look::Unchanged(FileEntry {
                size,
                mtime_ns,
                ..o.clone()
            });
        }
        let Some(bytes) = bytes else {
            return Look::Changed(entry, Content::Streamed);
        };
        let roles = &self.codebook.roles;
        let settings = &self.project.transcript;
        match parse_file(settings, roles, self.rel, self.path, &bytes, &self.ctx) {
            Ok(parsed) => {
                let batch = Batch::whole(parsed, self.codebook, self.matcher);
                Look::Changed(entry, Content::Whole(Box::new(batch)))
            }
            Err(e) => Look::Failed(e),
        }
    }
}

/// A large table file, read and coded [`STREAM_BATCH`] rows at a time; the last batch carries
/// what the file says besides its rows.
fn stream<'a>(
    rel: &'a str,
    path: &Path,
    ctx: &FileContext,
    codebook: &'a Codebook,
    matcher: Machine<'a>,
    limits: &Limits,
) -> Result<impl Iterator<Item = Result<Batch, SourceError>> + 'a, SourceError> {
    let shown = Path::new(rel);
    let file = File::open(path)
        .map_err(|e| SourceError::whole_file(shown, format!("cannot read: {e}")))?;
    let reader = std::io::BufReader::new(file);
    let mut rows = Some(table_rows(reader, rel, path, ctx, limits)?);
    Ok(std::iter::from_fn(move || {
        let r = rows.as_mut()?;
        match r.next_batch(&codebook.roles, STREAM_BATCH) {
            Ok(segments) if !segments.is_empty() => Some(Ok(Batch {
                streamed: true,
                ..Batch::coded(segments, codebook, matcher)
            })),
            Ok(_) => rows.take().map(|mut r| {
                Ok(Batch {
                    streamed: true,
                    row_ids: Some(r.take_row_ids()),
                    unknown_roles: r.unknown_roles,
                    warnings: r.warnings,
                    ..Batch::default()
                })
            }),
            Err(e) => {
                rows = None;
                Some(Err(e))
            }
        }
    }))
}

/// blake3 of a file's bytes (`bytes` when they are read already) and of its sidecar header.
fn content_hash(
    path: &Path,
    sidecar: Option<&Path>,
    bytes: Option<&[u8]>,
) -> std::io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    match bytes {
        Some(b) => {
            hasher.update(b);
        }
        None => {
            hasher.update_reader(File::open(path)?)?;
        }
    }
    if let Some(side) = sidecar {
        hasher.update(&std::fs::read(side).unwrap_or_default());
    }
    Ok(hasher.finalize().to_hex().to_string())
}

/// Why a file was not added: its own fault (it is skipped) or the index's (the update stops).
enum AddError {
    File(SourceError),
    Index(IndexError),
}

impl From<SourceError> for AddError {
    fn from(e: SourceError) -> Self {
        AddError::File(e)
    }
}

/// An update in progress: the writer, and who owns which ids so far.
struct Run<'a> {
    dir: &'a Path,
    codebook: &'a Codebook,
    old: &'a Manifest,
    full: bool,
    writer: IndexWriter<TantivyDocument>,
    fields: Fields,
    searcher: tantivy::Searcher,
    /// The manifest being built: kept files first, then each file as it is added.
    manifest: Manifest,
    /// Interview ids (and table row ids) must be unique across the corpus; files kept as they
    /// were own theirs first, then files in path order.
    interview_owner: HashMap<String, String>,
    row_ids: RowIds,
    matcher: Machine<'a>,
    /// qcode.toml's `[limits]`, for what a streamed file reads besides its rows.
    limits: Limits,
}

impl<'a> Run<'a> {
    fn start(
        index: &Index,
        dir: &'a Path,
        codebook: &'a Codebook,
        matcher: Machine<'a>,
        old: &'a Manifest,
        manifest: Manifest,
        full: bool,
    ) -> Result<Run<'a>, IndexError> {
        let writer: IndexWriter<TantivyDocument> = index
            .writer_with_options(writer_options())
            .map_err(|e| IndexError::tantivy(dir, e))?;
        if full {
            writer
                .delete_all_documents()
                .map_err(|e| IndexError::tantivy(dir, e))?;
        }
        let interview_owner = manifest
            .files
            .iter()
            .flat_map(|(rel, e)| e.interviews.iter().map(move |i| (i.clone(), rel.clone())))
            .collect();
        let searcher = index
            .reader()
            .map_err(|e| IndexError::tantivy(dir, e))?
            .searcher();
        Ok(Run {
            dir,
            codebook,
            old,
            full,
            writer,
            fields: Fields::new(&index.schema()),
            searcher,
            manifest,
            interview_owner,
            row_ids: RowIds::default(),
            matcher,
            limits: Limits::default(),
        })
    }

    /// Delete a file's documents (those added so far in this run too).
    fn delete(&mut self, rel: &str) {
        self.writer
            .delete_term(Term::from_field_text(self.fields.file, rel));
    }

    /// Act on what a look at a file found.
    fn take(
        &mut self,
        rel: &str,
        path: &Path,
        ctx: &FileContext,
        look: Look,
        report: &mut UpdateReport,
    ) -> Result<(), IndexError> {
        let (entry, content) = match look {
            Look::Unchanged(entry) => {
                self.manifest.files.insert(rel.to_string(), entry);
                return Ok(());
            }
            Look::Failed(err) => {
                if self.old.files.contains_key(rel) {
                    self.delete(rel);
                }
                report.skipped.push(err);
                return Ok(());
            }
            Look::Changed(entry, content) => (entry, content),
        };
        if !self.full && self.old.files.contains_key(rel) {
            self.delete(rel);
        }
        // What the file was given goes with its entry, so a change to it re-indexes the file.
        let given = |interviews: &[String]| ctx.fingerprint(interviews);
        let added = match content {
            Content::Whole(batch) => self.add(
                rel,
                path,
                entry,
                std::iter::once(Ok(*batch)),
                &given,
                report,
            ),
            Content::Streamed => {
                match stream(rel, path, ctx, self.codebook, self.matcher, &self.limits) {
                    Ok(batches) => self.add(rel, path, entry, batches, &given, report),
                    Err(e) => Err(AddError::File(e)),
                }
            }
        };
        match added {
            Ok(()) => Ok(()),
            Err(AddError::File(e)) => {
                // Whatever of this file was added goes with it, and its ids are free again.
                self.delete(rel);
                self.row_ids.forget(rel);
                report.skipped.push(e);
                Ok(())
            }
            Err(AddError::Index(e)) => Err(e),
        }
    }

    /// Add a file batch by batch, the one loop for files read whole (one batch) and streamed:
    /// its interview ids and (for a table) row ids must be new to the corpus; its documents go
    /// to the writer as each batch comes; the file's entry and report lines follow at the end.
    fn add(
        &mut self,
        rel: &str,
        path: &Path,
        mut entry: FileEntry,
        batches: impl Iterator<Item = Result<Batch, SourceError>>,
        given: &dyn Fn(&[String]) -> String,
        report: &mut UpdateReport,
    ) -> Result<(), AddError> {
        let table = table_delimiter(path).is_some();
        // Interview ids in order of first appearance, and as a set (a streamed file may have
        // many).
        let mut interviews: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut names = BTreeSet::new();
        let mut meta_keys = BTreeSet::new();
        let mut speakers = BTreeSet::new();
        let mut unknown_roles = BTreeSet::new();
        let mut warnings = Vec::new();
        let mut coded = 0;
        for batch in batches {
            let batch = batch?;
            let ids = batch.interviews.iter();
            for iv in ids.chain(batch.segments.iter().map(|s| &s.interview)) {
                if !seen.contains(iv) {
                    if let Some(e) = interview_clash(iv, rel, &self.interview_owner) {
                        return Err(e.into());
                    }
                    seen.insert(iv.clone());
                    interviews.push(iv.clone());
                }
            }
            if table {
                for seg in &batch.segments {
                    if let Some(e) = self.row_id_clash(&seg.id, rel) {
                        return Err(e.into());
                    }
                }
            }
            for (seg, ev) in batch.segments.iter().zip(&batch.codings) {
                coded += usize::from(!ev.is_empty());
                self.writer
                    .add_document(self.fields.document(rel, seg, ev, self.codebook))
                    .map_err(|e| AddError::Index(IndexError::tantivy(self.dir, e)))?;
                names.extend(seg.speaker_name.clone());
                if !speakers.contains(&seg.speaker) {
                    speakers.insert(seg.speaker.clone());
                }
                for k in seg.meta.keys() {
                    if !meta_keys.contains(k) {
                        meta_keys.insert(k.clone());
                    }
                }
                // A streamed table's row ids come with its last batch (see [`stream`]).
                if table && !batch.streamed {
                    self.row_ids.insert(&seg.id, rel);
                }
            }
            if let Some(ids) = batch.row_ids {
                self.row_ids.adopt(ids, rel);
            }
            entry.segments += batch.segments.len();
            names.extend(batch.names);
            unknown_roles.extend(batch.unknown_roles);
            warnings.extend(batch.warnings);
        }
        for iv in &interviews {
            self.interview_owner.insert(iv.clone(), rel.to_string());
        }
        for r in unknown_roles {
            *report.unknown_roles.entry(r).or_default() += 1;
        }
        report.warnings.extend(warnings);
        report.coded_segments += coded;
        report.indexed.push(rel.to_string());
        entry.context = given(&interviews);
        entry.interviews = interviews;
        entry.names = names.into_iter().collect();
        entry.meta_keys = meta_keys.into_iter().collect();
        entry.speakers = speakers.into_iter().collect();
        self.manifest.files.insert(rel.to_string(), entry);
        Ok(())
    }

    /// A table row id another file already has (see [`row_id_clash`]).
    fn row_id_clash(&self, id: &str, rel: &str) -> Option<SourceError> {
        let kept = &self.manifest;
        row_id_clash(id, rel, &self.row_ids, &self.searcher, &self.fields, kept)
    }

    /// Commit the documents with the manifest (when anything changed), the index being in
    /// `folder`; returns the manifest.
    fn commit(self, folder: &Path) -> Result<Manifest, IndexError> {
        let Run {
            dir,
            old,
            full,
            mut writer,
            manifest,
            ..
        } = self;
        if manifest != *old || full {
            // The manifest's file first: the commit that names it is then whole or not made.
            let before = previous_manifest(writer.index());
            let (file, payload) = manifest
                .write_file(folder)
                .map_err(|e| IndexError::io(folder, e))?;
            let mut commit = writer
                .prepare_commit()
                .map_err(|e| IndexError::tantivy(dir, e))?;
            commit.set_payload(&payload);
            commit.commit().map_err(|e| IndexError::tantivy(dir, e))?;
            Manifest::remove_files_but(folder, &[Some(file), before]);
        }
        writer
            .wait_merging_threads()
            .map_err(|e| IndexError::tantivy(dir, e))?;
        Ok(manifest)
    }
}

/// The manifest file the index's last commit names, if it names one.
fn previous_manifest(index: &Index) -> Option<PathBuf> {
    Manifest::file_of_commit(&index.load_metas().ok()?.payload?)
}

/// Size and modification time of a corpus file, its sidecar header (as the corpus listing
/// found it) included: an edit to either, or a sidecar added or removed, re-indexes it.
fn stat(path: &Path, sidecar: Option<&Path>) -> (u64, u128) {
    let one = |p: &Path| match std::fs::metadata(p) {
        Ok(m) => (
            m.len(),
            m.modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        ),
        Err(_) => (0, 0),
    };
    let (size, mtime) = one(path);
    match sidecar {
        Some(side) => {
            let (s2, m2) = one(side);
            (size + s2, mtime.max(m2))
        }
        None => (size, mtime),
    }
}

/// The cases sheet's rows that apply to nothing in the index `manifest` describes.
fn sheet_warnings(corpus: &Corpus, manifest: &Manifest) -> Vec<Warning> {
    if corpus.sheet.is_none() {
        return Vec::new();
    }
    let mut interviews = Vec::new();
    let mut speakers: HashMap<&str, HashSet<&str>> = HashMap::new();
    for entry in manifest.files.values() {
        for iv in &entry.interviews {
            interviews.push(iv.as_str());
            let theirs = speakers.entry(iv.as_str()).or_default();
            theirs.extend(entry.speakers.iter().map(String::as_str));
            theirs.extend(entry.names.iter().map(String::as_str));
        }
    }
    interviews.sort();
    corpus.sheet_warnings(&interviews, &speakers)
}

/// An interview id another file already has.
fn interview_clash(id: &str, rel: &str, owner: &HashMap<String, String>) -> Option<SourceError> {
    owner
        .get(id)
        .filter(|o| String::as_str(o) != rel)
        .map(|other| {
            SourceError::whole_file(
                Path::new(rel),
                format!("interview id `{id}` is already used by {other}"),
            )
            .with_help("give each transcript a unique `id:` in its header (or rename the file)")
        })
}

/// tantivy's writer as `Index::writer(WRITER_BUDGET)` makes it (a thread a core, up to 8,
/// the budget shared), but with one merge thread: merges run one at a time, so at most one
/// merge's segments are mapped at once (see [`super::merge`]).
fn writer_options() -> tantivy::indexer::IndexWriterOptions {
    const MIN_PER_THREAD: usize = 15_000_000; // tantivy's MEMORY_BUDGET_NUM_BYTES_MIN
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.clamp(1, 8.min(WRITER_BUDGET / MIN_PER_THREAD));
    tantivy::indexer::IndexWriterOptions::builder()
        .num_worker_threads(threads)
        .memory_budget_per_thread(WRITER_BUDGET / threads)
        .num_merge_threads(1)
        .build()
}

/// The table row ids read this run and the file each came from, by key ([`RowIdKey`]: 12
/// bytes an entry with its file number). A streamed table's ids are taken over whole from its
/// reader ([`RowIds::adopt`]), so a table of millions of rows is never held twice.
#[derive(Default)]
struct RowIds {
    by_key: HashMap<RowIdKey, u32>,
    files: Vec<String>,
}

impl RowIds {
    /// The number of file `rel`: the last one, or a new one (rows come file by file).
    fn file(&mut self, rel: &str) -> u32 {
        if self.files.last().map(String::as_str) != Some(rel) {
            self.files.push(rel.to_string());
        }
        (self.files.len() - 1) as u32
    }

    fn insert(&mut self, id: &str, rel: &str) {
        let file = self.file(rel);
        self.by_key.insert(row_id_key(id), file);
    }

    /// Keep the ids of `rel`, read with their lines: the lines become the file's number, and
    /// the larger map takes in the smaller, so nothing is copied twice.
    fn adopt(&mut self, mut ids: RowIdLines, rel: &str) {
        let file = self.file(rel);
        ids.values_mut().for_each(|v| *v = file);
        if ids.len() > self.by_key.len() {
            std::mem::swap(&mut ids, &mut self.by_key);
        }
        self.by_key.extend(ids);
    }

    /// The file that has `id`, if one read this run does.
    fn owner(&self, id: &str) -> Option<&str> {
        let f = *self.by_key.get(&row_id_key(id))?;
        Some(self.files[f as usize].as_str())
    }

    /// Free the ids of `rel` (a file that failed part way).
    fn forget(&mut self, rel: &str) {
        let gone: Vec<u32> = (0..self.files.len() as u32)
            .filter(|&f| self.files[f as usize] == rel)
            .collect();
        if !gone.is_empty() {
            self.by_key.retain(|_, f| !gone.contains(f));
        }
    }
}

/// A CSV row id another file already has: one read this run, or one in the index from a file
/// this run keeps.
fn row_id_clash(
    id: &str,
    rel: &str,
    row_ids: &RowIds,
    searcher: &tantivy::Searcher,
    fields: &Fields,
    kept: &Manifest,
) -> Option<SourceError> {
    let other = row_ids.owner(id).map(str::to_string).or_else(|| {
        let term = Term::from_field_text(fields.seg_id, id);
        let q = tantivy::query::TermQuery::new(term, tantivy::schema::IndexRecordOption::Basic);
        let hits = searcher
            .search(&q, &tantivy::collector::DocSetCollector)
            .ok()?;
        hits.into_iter().find_map(|addr| {
            let d: TantivyDocument = searcher.doc(addr).ok()?;
            let f = d.get_first(fields.file)?.as_str()?.to_string();
            (kept.files.contains_key(&f) && f != rel).then_some(f)
        })
    });
    other.filter(|o| o != rel).map(|other| {
        SourceError::whole_file(
            Path::new(rel),
            format!("row id `{id}` is already used by {other}"),
        )
        .with_help("ids must be unique across the whole corpus")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::SearchIndex;

    const TEXT: &str =
        "---\nid: a\nspeakers:\n  P1: resident\n---\nP1: We trust them.\n\nP1: And more.\n";

    #[test]
    fn row_ids_know_their_file_forget_a_failed_one_and_stay_small() {
        // The key and the file number, unpadded: what a row costs beyond the map's slack.
        assert_eq!(std::mem::size_of::<(RowIdKey, u32)>(), 12);
        let mut ids = RowIds::default();
        ids.insert("r1", "a.csv");
        ids.insert("r2", "a.csv");
        // A streamed file's ids, taken over with their lines.
        let streamed: RowIdLines = [(row_id_key("r3"), 7), (row_id_key("r5"), 9)].into();
        ids.adopt(streamed, "b.csv");
        assert_eq!(ids.owner("r2"), Some("a.csv"));
        assert_eq!(ids.owner("r3"), Some("b.csv"));
        assert_eq!(ids.owner("r5"), Some("b.csv"));
        assert_eq!(ids.owner("r4"), None);
        // A large file adopted into a smaller map keeps both.
        let big: RowIdLines = (0..50).map(|i| (row_id_key(&format!("c{i}")), i)).collect();
        ids.adopt(big, "c.csv");
        assert_eq!(
            (ids.owner("r1"), ids.owner("c49")),
            (Some("a.csv"), Some("c.csv"))
        );
        ids.forget("a.csv");
        assert_eq!((ids.owner("r1"), ids.owner("r3")), (None, Some("b.csv")));
    }

    #[test]
    fn a_rebuild_is_made_beside_the_index_and_readers_see_it_whole() {
        let (dir, before) = crate::index::testing::indexed(&[("corpus/a.txt", TEXT)]);
        let project = Project::open(dir.path()).unwrap();
        // A killed rebuild's leftovers are removed by the next.
        let index_dir = project.data_dir().join(INDEX_DIR);
        std::fs::create_dir_all(staging(&index_dir).join("junk")).unwrap();
        let opts = UpdateOptions {
            rebuild: true,
            ..UpdateOptions::default()
        };
        update(&project, opts, &|_, _| {}).unwrap();
        assert!(!staging(&index_dir).exists());
        assert!(!index_dir.with_extension("old").exists());
        // The reader opened before the rebuild still reads every segment.
        assert_eq!(before.all_segments().unwrap().len(), 2);
        let codebook = crate::codebook::load_codebook(&project.codebook_dir).unwrap();
        let after = SearchIndex::open(&project, codebook).unwrap();
        assert_eq!(after.all_segments().unwrap().len(), 2);
    }

    #[test]
    fn a_missing_segment_file_is_damage_an_update_mends_never_up_to_date() {
        let (dir, _) = crate::index::testing::indexed(&[("corpus/a.txt", TEXT)]);
        let project = Project::open(dir.path()).unwrap();
        let index_dir = project.data_dir().join(INDEX_DIR);
        let idx = std::fs::read_dir(&index_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "idx"))
            .unwrap();
        std::fs::remove_file(idx).unwrap();
        let report = update(&project, UpdateOptions::default(), &|_, _| {}).unwrap();
        let why = report.rebuilt.unwrap();
        assert!(why.contains("the index in .qcode/ is damaged"), "{why}");
        assert_eq!(report.indexed, ["corpus/a.txt"]);
    }

    #[test]
    fn tantivy_errors_read_as_damage_or_as_the_systems_reason() {
        let e = IndexError::tantivy(
            Path::new(".qcode/index"),
            tantivy::TantivyError::InvalidArgument("x".into()),
        );
        assert_eq!(
            e.to_string(),
            "the index in .qcode/index is damaged; run `qcode index --rebuild`"
        );
        let full = std::io::Error::from_raw_os_error(28);
        let e = IndexError::tantivy(Path::new(".qcode/index"), full.into());
        assert!(
            e.to_string()
                .starts_with("cannot read or write the index in .qcode/index: "),
            "{e}"
        );
    }
}
