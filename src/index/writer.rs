//! Bringing the index up to date: find which corpus files were added, changed or removed since the
//! last commit (size and mtime first, then content hash), parse only those in parallel, and commit
//! the new segments together with the new manifest in one tantivy commit. One bad file is reported
//! and skipped; the others are indexed.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Instant, UNIX_EPOCH};

use rayon::prelude::*;
use tantivy::schema::Value;
use tantivy::{Index, IndexWriter, TantivyDocument, Term};

use super::manifest::{FileEntry, Manifest};
use super::schema::{build_schema, Fields, SCHEMA_VERSION};
use super::{settings_hash, IndexError, INDEX_DIR, LOCK_FILE};
use crate::codebook::{load_codebook, Codebook};
use crate::coding::{code_segments, evidence, Evidence, Matcher};
use crate::diag::{SourceError, Warning};
use crate::project::corpus_files;
use crate::project::Project;
use crate::transcript::{parse_file, Parsed};

/// Files parsed at once: bounds memory on large corpora while keeping both cores busy.
const CHUNK: usize = 32;
/// tantivy's indexing memory budget (split across its threads).
pub const WRITER_BUDGET: usize = 200_000_000;

#[derive(Debug, Clone, Copy, Default)]
pub struct UpdateOptions {
    /// Throw the index away and index every file again.
    pub rebuild: bool,
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
    pub codebook: Option<Codebook>,
    pub elapsed: std::time::Duration,
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
enum Rebuild {
    #[error("the index could not be opened ({0})")]
    Unopenable(tantivy::TantivyError),
    #[error("the index was written by another version of qcode")]
    OtherSchema,
    #[error("the index could not be read ({0})")]
    Unreadable(tantivy::TantivyError),
    #[error("the index was written by qcode {qcode_version} (index format {schema_version})")]
    OtherFormat {
        qcode_version: String,
        schema_version: u32,
    },
}

/// Open the index in `dir`, or say why it must be rebuilt.
fn open_existing(dir: &Path) -> Result<(Index, Option<Manifest>), Rebuild> {
    let index = Index::open_in_dir(dir).map_err(Rebuild::Unopenable)?;
    if index.schema() != build_schema() {
        return Err(Rebuild::OtherSchema);
    }
    let metas = index.load_metas().map_err(Rebuild::Unreadable)?;
    let manifest = Manifest::from_payload(metas.payload.as_deref());
    if let Some(m) = &manifest {
        if m.schema_version != SCHEMA_VERSION {
            return Err(Rebuild::OtherFormat {
                qcode_version: m.qcode_version.clone(),
                schema_version: m.schema_version,
            });
        }
    }
    Ok((index, manifest))
}

fn create_fresh(dir: &Path) -> Result<Index, IndexError> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| IndexError::io(dir, e))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| IndexError::io(dir, e))?;
    Index::create_in_dir(dir, build_schema()).map_err(|e| IndexError::tantivy(dir, e))
}

enum Outcome {
    /// Same bytes as indexed; only the size/mtime record may need refreshing.
    Unchanged(FileEntry),
    /// Parsed and coded: the codings of each segment, in interview then segment order.
    Parsed(FileEntry, Parsed, Vec<Vec<Evidence>>),
    Failed(SourceError),
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
    let codebook = load_codebook(&project.codebook_dir)?;
    let settings = settings_hash(project, &codebook);
    let files = corpus_files(project)?;
    let dir = data_dir.join(INDEX_DIR);

    let mut report = UpdateReport {
        files_total: files.len(),
        ..Default::default()
    };
    let (index, old) = match open_existing(&dir) {
        _ if opts.rebuild => {
            report.rebuilt = Some("--rebuild was asked for".into());
            (create_fresh(&dir)?, None)
        }
        Ok((index, Some(m))) if m.settings_hash == settings => (index, Some(m)),
        Ok((index, Some(_))) => {
            report.rebuilt = Some("qcode.toml or the codebook changed".into());
            (index, None)
        }
        Ok((index, None)) => (index, None),
        Err(why) if dir.join("meta.json").exists() => {
            report.rebuilt = Some(why.to_string());
            (create_fresh(&dir)?, None)
        }
        Err(_) => (create_fresh(&dir)?, None),
    };
    let full = old.is_none();
    let old = old.unwrap_or_else(|| Manifest::new(settings.clone()));
    let fields = Fields::new(&index.schema());

    // Which files need a look: new ones, and those whose size or mtime moved.
    let mut manifest = Manifest::new(settings);
    manifest.codebook_name = codebook.name.clone();
    manifest.codebook_version = codebook.version.clone();
    manifest.codebook_hash = codebook.hash.clone();
    let present: HashSet<&str> = files.iter().map(|(rel, _)| rel.as_str()).collect();
    report.removed = old
        .files
        .keys()
        .filter(|k| !present.contains(String::as_str(k)))
        .cloned()
        .collect();
    let mut todo: Vec<(String, PathBuf)> = Vec::new();
    for (rel, path) in &files {
        let (size, mtime_ns) = stat(path);
        match old.files.get(rel) {
            Some(e) if !full && e.size == size && e.mtime_ns == mtime_ns => {
                manifest.files.insert(rel.clone(), e.clone());
            }
            _ => todo.push((rel.clone(), path.clone())),
        }
    }

    if todo.is_empty() && report.removed.is_empty() && !full {
        report.unchanged = files.len();
        report.segments = old.segment_count();
        report.interviews = old.interview_count();
        report.elapsed = started.elapsed();
        report.codebook = Some(codebook);
        return Ok(report);
    }

    // Compiled only now: a search that finds the index up to date never needs it.
    let matcher = Matcher::new(&codebook)?;
    let mut writer: IndexWriter<TantivyDocument> = index
        .writer(WRITER_BUDGET)
        .map_err(|e| IndexError::tantivy(&dir, e))?;
    if full {
        writer
            .delete_all_documents()
            .map_err(|e| IndexError::tantivy(&dir, e))?;
    }
    for rel in &report.removed {
        writer.delete_term(Term::from_field_text(fields.file, rel));
    }

    // Interview ids (and CSV row ids) must be unique across the corpus; files kept as they were
    // own theirs first, then files in path order.
    let mut interview_owner: HashMap<String, String> = manifest
        .files
        .iter()
        .flat_map(|(rel, e)| e.interviews.iter().map(move |i| (i.clone(), rel.clone())))
        .collect();
    let searcher = index
        .reader()
        .map_err(|e| IndexError::tantivy(&dir, e))?
        .searcher();
    let mut row_ids_this_run: HashMap<String, String> = HashMap::new();

    // Large CSV corpora stream in batches (one at a time, after the rest) instead of being
    // read whole.
    let threshold = stream_threshold();
    let (streamed, todo): (Vec<_>, Vec<_>) = todo.into_iter().partition(|(_, path)| {
        crate::transcript::table_delimiter(path).is_some() && stat(path).0 >= threshold
    });
    let total = todo.len() + streamed.len();
    let mut done = 0;
    for chunk in todo.chunks(CHUNK) {
        let outcomes: Vec<Outcome> = chunk
            .par_iter()
            .map(|(rel, path)| {
                read_and_parse(
                    project,
                    &codebook,
                    &matcher,
                    rel,
                    path,
                    old.files.get(rel),
                    full,
                )
            })
            .collect();
        for ((rel, path), outcome) in chunk.iter().zip(outcomes) {
            done += 1;
            progress(done, total);
            match outcome {
                Outcome::Unchanged(entry) => {
                    manifest.files.insert(rel.clone(), entry);
                }
                Outcome::Failed(err) => {
                    if old.files.contains_key(rel) {
                        writer.delete_term(Term::from_field_text(fields.file, rel));
                    }
                    report.skipped.push(err);
                }
                Outcome::Parsed(mut entry, parsed, codings) => {
                    let clash = unique_ids(
                        path,
                        rel,
                        &parsed,
                        &interview_owner,
                        &mut row_ids_this_run,
                        &searcher,
                        &fields,
                        &manifest,
                    );
                    if !full && old.files.contains_key(rel) {
                        writer.delete_term(Term::from_field_text(fields.file, rel));
                    }
                    if let Err(e) = clash {
                        report.skipped.push(e);
                        continue;
                    }
                    let mut codings = codings.iter();
                    for iv in &parsed.interviews {
                        for r in &iv.unknown_roles {
                            *report.unknown_roles.entry(r.clone()).or_default() += 1;
                        }
                        interview_owner.insert(iv.id.clone(), rel.clone());
                        for seg in &iv.segments {
                            let coded = codings.next().map(Vec::as_slice).unwrap_or(&[]);
                            report.coded_segments += usize::from(!coded.is_empty());
                            writer
                                .add_document(fields.document(rel, seg, coded, &codebook))
                                .map_err(|e| IndexError::tantivy(&dir, e))?;
                        }
                    }
                    entry.interviews = parsed.interviews.iter().map(|i| i.id.clone()).collect();
                    entry.segments = parsed.interviews.iter().map(|i| i.segments.len()).sum();
                    let mut names: Vec<String> = parsed
                        .interviews
                        .iter()
                        .flat_map(|iv| {
                            let declared = iv.speakers.values().filter_map(|s| s.name.clone());
                            declared
                                .chain(iv.segments.iter().filter_map(|s| s.speaker_name.clone()))
                        })
                        .collect();
                    names.sort();
                    names.dedup();
                    entry.names = names;
                    let keys: std::collections::BTreeSet<&String> = parsed
                        .interviews
                        .iter()
                        .flat_map(|iv| iv.segments.iter().flat_map(|s| s.meta.keys()))
                        .collect();
                    entry.meta_keys = keys.into_iter().cloned().collect();
                    report.warnings.extend(parsed.warnings);
                    report.indexed.push(rel.clone());
                    manifest.files.insert(rel.clone(), entry);
                }
            }
        }
    }
    for (rel, path) in &streamed {
        done += 1;
        progress(done, total);
        let mut ctx = StreamCtx {
            codebook: &codebook,
            matcher: &matcher,
            fields: &fields,
            searcher: &searcher,
            interview_owner: &mut interview_owner,
            row_ids: &mut row_ids_this_run,
            report: &mut report,
        };
        match stream_csv(
            &mut ctx,
            &mut writer,
            &manifest,
            rel,
            path,
            old.files.get(rel),
            full,
        ) {
            Ok(Some(entry)) => {
                report.indexed.push(rel.clone());
                manifest.files.insert(rel.clone(), entry);
            }
            Ok(None) => {
                if let Some(e) = old.files.get(rel) {
                    let (size, mtime_ns) = stat(path);
                    manifest.files.insert(
                        rel.clone(),
                        FileEntry {
                            size,
                            mtime_ns,
                            ..e.clone()
                        },
                    );
                }
            }
            Err(e) => {
                // Whatever of this file was added is deleted with it.
                writer.delete_term(Term::from_field_text(fields.file, rel));
                report.skipped.push(e);
            }
        }
    }
    report.unchanged = files.len() - report.indexed.len() - report.skipped.len();
    report.segments = manifest.segment_count();
    report.interviews = manifest.interview_count();

    if manifest != old || full {
        let mut commit = writer
            .prepare_commit()
            .map_err(|e| IndexError::tantivy(&dir, e))?;
        commit.set_payload(&manifest.to_payload());
        commit.commit().map_err(|e| IndexError::tantivy(&dir, e))?;
    }
    writer
        .wait_merging_threads()
        .map_err(|e| IndexError::tantivy(&dir, e))?;
    report.elapsed = started.elapsed();
    report.codebook = Some(codebook);
    Ok(report)
}

/// Size and modification time of a corpus file, its sidecar header included (an edit to either
/// re-indexes it).
fn stat(path: &Path) -> (u64, u128) {
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
    match crate::transcript::sidecar_path(path) {
        Some(side) => {
            let (s2, m2) = one(&side);
            (size + s2, mtime.max(m2))
        }
        None => (size, mtime),
    }
}

fn read_and_parse(
    project: &Project,
    codebook: &Codebook,
    matcher: &Matcher,
    rel: &str,
    path: &Path,
    old: Option<&FileEntry>,
    full: bool,
) -> Outcome {
    let (size, mtime_ns) = stat(path);
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return Outcome::Failed(
                SourceError::whole_file(Path::new(rel), format!("cannot read: {e}"))
                    .with_help("check the file's permissions"),
            )
        }
    };
    let mut hasher = blake3::Hasher::new();
    hasher.update(&bytes);
    if let Some(side) = crate::transcript::sidecar_path(path) {
        hasher.update(&std::fs::read(side).unwrap_or_default());
    }
    let hash = hasher.finalize().to_hex().to_string();
    if let Some(o) = old.filter(|o| o.hash == hash && !full) {
        return Outcome::Unchanged(FileEntry {
            size,
            mtime_ns,
            ..o.clone()
        });
    }
    match parse_file(&project.transcript, &codebook.roles, rel, path, &bytes) {
        Ok(parsed) => {
            let codings = parsed
                .interviews
                .iter()
                .flat_map(|iv| {
                    let coded = code_segments(matcher, &iv.segments);
                    iv.segments
                        .iter()
                        .zip(coded)
                        .map(|(s, c)| evidence(codebook, &s.text, &c))
                        .collect::<Vec<_>>()
                })
                .collect();
            let entry = FileEntry {
                hash,
                size,
                mtime_ns,
                ..FileEntry::default()
            };
            Outcome::Parsed(entry, parsed, codings)
        }
        Err(e) => Outcome::Failed(e),
    }
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

/// A CSV row id another file already has: one read this run, or one in the index from a file
/// this run keeps.
fn row_id_clash(
    id: &str,
    rel: &str,
    row_ids: &HashMap<String, String>,
    searcher: &tantivy::Searcher,
    fields: &Fields,
    kept: &Manifest,
) -> Option<SourceError> {
    let other = row_ids.get(id).cloned().or_else(|| {
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

#[allow(clippy::too_many_arguments)]
fn unique_ids(
    path: &Path,
    rel: &str,
    parsed: &Parsed,
    interview_owner: &HashMap<String, String>,
    row_ids: &mut HashMap<String, String>,
    searcher: &tantivy::Searcher,
    fields: &Fields,
    kept: &Manifest,
) -> Result<(), SourceError> {
    for iv in &parsed.interviews {
        if let Some(e) = interview_clash(&iv.id, rel, interview_owner) {
            return Err(e);
        }
    }
    if crate::transcript::table_delimiter(path).is_none() {
        return Ok(());
    }
    for seg in parsed.interviews.iter().flat_map(|iv| &iv.segments) {
        if let Some(e) = row_id_clash(&seg.id, rel, row_ids, searcher, fields, kept) {
            return Err(e);
        }
    }
    for seg in parsed.interviews.iter().flat_map(|iv| &iv.segments) {
        row_ids.insert(seg.id.clone(), rel.to_string());
    }
    Ok(())
}

/// CSV files at least this large (bytes) are streamed. `QCODE_STREAM_BYTES` overrides it (the
/// tests use it to run the streaming path on small files).
fn stream_threshold() -> u64 {
    std::env::var("QCODE_STREAM_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64 << 20)
}

/// Rows coded and added per batch when streaming: bounds memory whatever the file's size.
const STREAM_BATCH: usize = 20_000;

struct StreamCtx<'a> {
    codebook: &'a Codebook,
    matcher: &'a Matcher,
    fields: &'a Fields,
    searcher: &'a tantivy::Searcher,
    interview_owner: &'a mut HashMap<String, String>,
    row_ids: &'a mut HashMap<String, String>,
    report: &'a mut UpdateReport,
}

/// Index one large CSV file in batches. `Ok(None)`: its content did not change.
fn stream_csv(
    cx: &mut StreamCtx<'_>,
    writer: &mut IndexWriter<TantivyDocument>,
    kept: &Manifest,
    rel: &str,
    path: &Path,
    old: Option<&FileEntry>,
    full: bool,
) -> Result<Option<FileEntry>, SourceError> {
    let shown = Path::new(rel);
    let io = |e: std::io::Error| SourceError::whole_file(shown, format!("cannot read: {e}"));
    let (size, mtime_ns) = stat(path);
    let mut hasher = blake3::Hasher::new();
    hasher
        .update_reader(File::open(path).map_err(io)?)
        .map_err(io)?;
    let hash = hasher.finalize().to_hex().to_string();
    if old.is_some_and(|o| o.hash == hash) && !full {
        return Ok(None);
    }
    if old.is_some() && !full {
        writer.delete_term(Term::from_field_text(cx.fields.file, rel));
    }
    // Skip a UTF-8 byte-order mark; the rest must be UTF-8 (the csv reader checks each field).
    let mut file = std::io::BufReader::new(File::open(path).map_err(io)?);
    let mut head = [0u8; 3];
    let n = std::io::Read::read(&mut file, &mut head).map_err(io)?;
    let start: Vec<u8> = if head[..n] == [0xEF, 0xBB, 0xBF] {
        Vec::new()
    } else {
        head[..n].to_vec()
    };
    let reader = std::io::Read::chain(std::io::Cursor::new(start), file);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().replace([' ', ':'], "-"))
        .unwrap_or_default();
    let mut rows = crate::transcript::CsvRows::new(reader, shown, rel, &stem, None)?;
    let mut entry = FileEntry {
        hash,
        size,
        mtime_ns,
        ..FileEntry::default()
    };
    let mut interviews: std::collections::BTreeSet<String> = Default::default();
    let mut names: std::collections::BTreeSet<String> = Default::default();
    let mut meta_keys: std::collections::BTreeSet<String> = Default::default();
    loop {
        let batch = rows.next_batch(&cx.codebook.roles, STREAM_BATCH)?;
        if batch.is_empty() {
            break;
        }
        for seg in &batch {
            if interviews.insert(seg.interview.clone()) {
                if let Some(e) = interview_clash(&seg.interview, rel, cx.interview_owner) {
                    return Err(e);
                }
            }
            if let Some(e) = row_id_clash(&seg.id, rel, cx.row_ids, cx.searcher, cx.fields, kept) {
                return Err(e);
            }
            names.extend(seg.speaker_name.clone());
            for k in seg.meta.keys() {
                if !meta_keys.contains(k) {
                    meta_keys.insert(k.clone());
                }
            }
        }
        let coded = code_segments(cx.matcher, &batch);
        for (seg, c) in batch.iter().zip(coded) {
            let ev = evidence(cx.codebook, &seg.text, &c);
            cx.report.coded_segments += usize::from(!ev.is_empty());
            writer
                .add_document(cx.fields.document(rel, seg, &ev, cx.codebook))
                .map_err(|e| SourceError::whole_file(shown, format!("index: {e}")))?;
            cx.row_ids.insert(seg.id.clone(), rel.to_string());
        }
        entry.segments += batch.len();
    }
    for iv in &interviews {
        cx.interview_owner.insert(iv.clone(), rel.to_string());
    }
    for r in &rows.unknown_roles {
        *cx.report.unknown_roles.entry(r.clone()).or_default() += 1;
    }
    cx.report.warnings.append(&mut rows.warnings);
    entry.interviews = interviews.into_iter().collect();
    entry.names = names.into_iter().collect();
    entry.meta_keys = meta_keys.into_iter().collect();
    Ok(Some(entry))
}
