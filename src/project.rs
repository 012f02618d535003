//! A qcode project: a folder with corpus/, codebook/, an optional qcode.toml, an optional cases
//! sheet and derived data in .qcode/. This module finds those paths, reads qcode.toml, lists the
//! corpus and decides what each file's interviews are called and given ([`Corpus`]), and checks
//! the codebook against it ([`check_codebook`]); it never writes to the corpus.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::diag::{line_col, SourceError, Warning};
use crate::transcript::{interviewer_key, Format, TranscriptSettings, FORMAT_HELP};

mod cases;
mod check;
mod corpus;
mod limits;
pub use cases::{read_cases, CasesSheet, DEFAULT_SHEETS};
pub use check::{check_codebook, CheckError, CodebookCheck, Finding};
pub use corpus::{Corpus, FOLDER_KEY};

/// The settings file's name at the project root.
pub const CONFIG_FILE: &str = "qcode.toml";
/// Where derived data lives (safe to delete; always rebuilt from corpus + codebook).
pub const DATA_DIR: &str = ".qcode";

/// The compiled codebook, in the data folder ([`Project::codebook`]).
pub const CODEBOOK_CACHE: &str = "codebook.cache";

/// qcode.toml as written; the values an error can be about keep their spans, so the error points
/// at them and not at a comment or another key that holds the same text.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    project: RawProject,
    #[serde(default)]
    transcript: RawTranscript,
    #[serde(default)]
    coding: RawCoding,
    #[serde(default)]
    privacy: RawPrivacy,
    #[serde(default)]
    limits: limits::RawLimits,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
struct RawPrivacy {
    #[serde(default)]
    private: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
struct RawCoding {
    #[serde(rename = "use")]
    use_: Option<Spanned<String>>,
    assign: Option<Spanned<String>>,
    top: Option<Spanned<i64>>,
    min_score: Option<Spanned<f64>>,
    dimensions: Option<Vec<String>>,
}

/// `[coding] assign` and its keys: what the machine codes a segment with.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub by: AssignBy,
    /// Ranked: the codes kept per dimension (default 1).
    pub top: usize,
    /// Ranked: the score a code needs (default 0: every kept code).
    pub min_score: f64,
    /// Ranked: the dimensions ranked (empty: every dimension).
    pub dimensions: Vec<String>,
}

/// How the machine codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssignBy {
    /// The codebook's patterns alone (the default).
    #[default]
    Patterns,
    /// The patterns, and besides them each respondent segment's best-ranked codes of each
    /// dimension (`qcode suggest`'s ranking).
    Ranked,
}

impl Default for Assignment {
    fn default() -> Assignment {
        Assignment {
            by: AssignBy::Patterns,
            top: 1,
            min_score: 0.0,
            dimensions: Vec::new(),
        }
    }
}

impl Assignment {
    /// What decides the machine's codes, in words: part of the index's settings, so changing
    /// it re-codes the corpus (and changing `use`, which only chooses what is read, does not).
    pub fn describe(&self) -> String {
        match self.by {
            AssignBy::Patterns => "assign=patterns".into(),
            AssignBy::Ranked => format!(
                "assign=ranked top={} min_score={} dimensions={}",
                self.top,
                self.min_score,
                self.dimensions.join(",")
            ),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
struct RawProject {
    corpus: Option<String>,
    codebook: Option<String>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    ids: Option<Spanned<String>>,
    folders: Option<Vec<Spanned<String>>>,
    cases: Option<Spanned<String>>,
}

/// How interviews no header names are named (`[project] ids`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdRule {
    /// By their file's name, or by its path when two files share that name.
    #[default]
    Name,
    /// By their file's path under the corpus folder, always.
    Path,
}

/// `[project] cases`: the sheet's path as written, and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasesSetting {
    pub path: String,
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
struct RawTranscript {
    speaker_pattern: Option<Spanned<String>>,
    #[serde(default)]
    skip_lines: Vec<Spanned<String>>,
    extensions: Option<Vec<String>>,
    format: Option<Spanned<String>>,
    join_split_paragraphs: Option<bool>,
    non_speech: Option<bool>,
    #[serde(default)]
    interviewer: Vec<Spanned<String>>,
}

/// A project folder and its settings.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub corpus_dir: PathBuf,
    pub codebook_dir: PathBuf,
    pub transcript: TranscriptSettings,
    /// Corpus files to leave out (globs over paths relative to the corpus folder).
    pub exclude: globset::GlobSet,
    /// The raw text of qcode.toml (empty when absent).
    pub config_text: String,
    /// qcode.toml without what reading commands choose (`[coding]`, `[privacy]`, `[limits]`): what the
    /// index depends on, so choosing another coder never re-indexes the corpus.
    pub index_settings: String,
    /// `[coding] use`: whose codings read commands read by default (`machine`, a coder's name,
    /// `reviewed:NAME` or `all`).
    pub coding_use: String,
    /// `[limits]`: also in `transcript.limits`, where the readers take them.
    pub limits: crate::text::Limits,
    /// `[privacy] private`: metadata keys never shown or exported.
    pub private_keys: Vec<String>,
    /// `[project] ids`.
    pub ids: IdRule,
    /// `[project] folders`: the metadata key of each folder level; `None`: the folders' path is
    /// the `folder` key ([`Corpus`]).
    pub folders: Option<Vec<String>>,
    /// `[project] cases`: the case-attributes sheet, when qcode.toml names one.
    pub cases: Option<CasesSetting>,
    /// `[coding] assign`, `top`, `min_score`, `dimensions`: what the machine codes with.
    pub assign: Assignment,
}

impl Project {
    /// Open the project at `root`, reading qcode.toml if there is one.
    pub fn open(root: &Path) -> Result<Project, SourceError> {
        if !root.is_dir() {
            return Err(SourceError::whole_file(root, "project folder not found")
                .with_help("run qcode inside a project folder or pass --project DIR"));
        }
        // "./corpus/a.txt" reads worse than "corpus/a.txt" in every message.
        let root: PathBuf = root
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect();
        let config_path = root.join(CONFIG_FILE);
        let config_text = match std::fs::read_to_string(&config_path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(SourceError::whole_file(
                    &config_path,
                    format!("cannot read: {e}"),
                ))
            }
        };
        let raw: RawConfig = toml::from_str(&config_text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(&config_text, s.start)).unwrap_or((0, 0));
            SourceError::new(&config_path, line, col, e.message().to_string())
                .with_source(&config_text)
                .with_help("valid keys: [project] corpus, codebook, exclude, ids, folders, cases; [transcript] speaker_pattern, skip_lines, extensions, format, join_split_paragraphs, non_speech, interviewer; [coding] use, assign, top, min_score, dimensions; [privacy] private; [limits] file_mb, unzipped_mb, zip_ratio, header_depth, dictionary_entries, search_limit, search_context")
        })?;
        let mut transcript = settings_from(&raw.transcript, &config_path, &config_text)?;
        transcript.limits = limits::limits(&raw.limits, &config_path, &config_text)?;
        let mut globs = globset::GlobSetBuilder::new();
        for g in &raw.project.exclude {
            let glob = globset::Glob::new(g.get_ref()).map_err(|e| {
                let (l, c) = in_string(&config_text, g);
                SourceError::new(
                    &config_path,
                    l,
                    c,
                    format!("exclude pattern is not a valid glob: {e}"),
                )
                .with_source(&config_text)
            })?;
            globs.add(glob);
        }
        let exclude = globs
            .build()
            .map_err(|e| SourceError::whole_file(&config_path, format!("exclude patterns: {e}")))?;
        let assign = assignment(&raw.coding, &config_path, &config_text)?;
        let coding_use = match raw.coding.use_ {
            None => "machine".to_string(),
            Some(u) if u.get_ref().trim().is_empty() => {
                let (l, c) = in_string(&config_text, &u);
                return Err(SourceError::new(&config_path, l, c, "`use` is empty")
                    .with_source(&config_text)
                    .with_help("use = \"machine\", a coder's name, \"reviewed:NAME\" or \"all\""));
            }
            Some(u) => u.into_inner().trim().to_string(),
        };
        let index_settings = match toml::from_str::<toml::Table>(&config_text) {
            Ok(mut t) => {
                t.remove("coding");
                t.remove("privacy");
                // A bound changes what is refused, not what is indexed: a file refused is
                // tried again by every update.
                t.remove("limits");
                t.to_string()
            }
            Err(_) => config_text.clone(),
        };
        let ProjectKeys {
            ids,
            folders,
            cases,
        } = project_keys(&raw.project, &config_path, &config_text)?;
        let corpus = raw.project.corpus.unwrap_or_else(|| "corpus".into());
        let codebook = raw.project.codebook.unwrap_or_else(|| "codebook".into());
        Ok(Project {
            root: root.clone(),
            corpus_dir: root.join(corpus),
            codebook_dir: root.join(codebook),
            limits: transcript.limits,
            transcript,
            exclude,
            config_text,
            index_settings,
            coding_use,
            private_keys: raw
                .privacy
                .private
                .iter()
                .map(|k| k.trim().to_string())
                .collect(),
            ids,
            folders,
            cases,
            assign,
        })
    }

    /// The folder of the codings store (codings/).
    pub fn codings_dir(&self) -> PathBuf {
        self.root.join(crate::codings::CODINGS_DIR)
    }

    /// The folder of derived data (.qcode/).
    pub fn data_dir(&self) -> PathBuf {
        self.root.join(DATA_DIR)
    }

    /// The project's codebook, within its `[limits]`, through the compiled copy kept in .qcode/
    /// (the same codebook, read again whenever a codebook file or the limits change): what the
    /// index and every search use.
    pub fn codebook(&self) -> Result<crate::codebook::Codebook, crate::codebook::CodebookErrors> {
        self.codebook_shared().map(std::sync::Arc::unwrap_or_clone)
    }

    /// [`Project::codebook`], shared: the same codebook read again in this thread (`qcode
    /// serve`, once per search) is handed out, not copied.
    pub fn codebook_shared(
        &self,
    ) -> Result<std::sync::Arc<crate::codebook::Codebook>, crate::codebook::CodebookErrors> {
        let cache = self.data_dir().join(CODEBOOK_CACHE);
        crate::codebook::load_shared(&self.codebook_dir, &self.limits, &cache)
            .map(|(cb, _)| cb)
            .map_err(crate::codebook::CodebookErrors)
    }

    /// A path relative to the project root, with `/` separators, for messages and ids.
    pub fn relative(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        rel.to_string_lossy().replace('\\', "/")
    }

    /// The project folder's own name (what a report or a REFI-QDA project is called by
    /// default), when the folder can be found.
    pub fn folder_name(&self) -> Option<String> {
        // `--project .` leaves an empty root once the `.` is dropped.
        let root = if self.root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &self.root
        };
        let root = root.canonicalize().ok()?;
        root.file_name().map(|n| n.to_string_lossy().to_string())
    }
}

/// Corpus files as (path relative to the project, path).
pub type CorpusFiles = Vec<(String, PathBuf)>;

/// Every transcript and CSV file under the corpus folder, as (path relative to the project, path),
/// sorted. Hidden files, README files and files matching `[project] exclude` are left out, and
/// so is what is not a regular file ([`corpus_listing`] says why).
pub fn corpus_files(project: &Project) -> Result<CorpusFiles, SourceError> {
    corpus_listing(project).map(|(files, _)| files)
}

/// [`corpus_files`], and a warning for each entry left out as no regular file of the corpus:
/// a pipe, device or socket (reading one could block forever or never end), a symbolic link
/// whose target is outside the corpus folder or no regular file, a folder already read (a link
/// loop).
pub fn corpus_listing(project: &Project) -> Result<(CorpusFiles, Vec<Warning>), SourceError> {
    corpus_walk(project).map(|w| (w.files, w.warnings))
}

/// Every regular file the walk of the corpus folder met (excluded or not, transcript or not,
/// sidecar headers among them), by the path it is read at.
pub type Listed = HashSet<PathBuf>;

/// What a walk of the corpus folder found.
pub struct Walked {
    /// As [`corpus_files`] lists them.
    pub files: CorpusFiles,
    /// Entries left out as no regular file of the corpus, with why.
    pub warnings: Vec<Warning>,
    /// Every regular file the walk met: whether a transcript has a sidecar header is then a
    /// look-up in what the folder listing said, not a file system call per file (two failing
    /// ones for each file without one).
    pub listed: Listed,
    /// The real path of every folder read, sorted: what the listing depends on (a process
    /// that keeps a listing watches them, [`crate::index::WarmIndex`]).
    pub folders: Vec<PathBuf>,
}

/// [`corpus_listing`], with everything else the walk met ([`Walked`]).
pub fn corpus_walk(project: &Project) -> Result<Walked, SourceError> {
    let dir = &project.corpus_dir;
    if dir.is_file() {
        return Err(
            SourceError::whole_file(dir, "the corpus is a file, not a folder").with_help(
                "put transcripts in a folder (corpus/), or set [project] corpus in qcode.toml",
            ),
        );
    }
    if !dir.exists() {
        return Err(
            SourceError::whole_file(dir, "corpus folder not found").with_help(
                "create corpus/ with your transcripts, or set [project] corpus in qcode.toml",
            ),
        );
    }
    let unreadable = |e: std::io::Error| {
        SourceError::whole_file(dir, format!("cannot read the corpus folder: {e}"))
    };
    let mut walk = Walk::new(dir).map_err(unreadable)?;
    walk.all(dir).map_err(unreadable)?;
    let mut out = Vec::new();
    let listed: Listed = walk.files.iter().cloned().collect();
    for path in walk.files {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let in_corpus = path.strip_prefix(dir).unwrap_or(&path);
        if project.exclude.is_match(in_corpus) {
            continue;
        }
        if crate::transcript::table_delimiter(&path).is_some()
            || project.transcript.extensions.contains(&ext)
        {
            out.push((project.relative(&path), path));
        }
    }
    out.sort();
    let warnings = walk
        .left_out
        .into_iter()
        .map(|(path, message)| Warning {
            location: project.relative(&path),
            message,
        })
        .collect();
    let mut folders: Vec<PathBuf> = walk.read.into_iter().collect();
    folders.sort();
    Ok(Walked {
        files: out,
        warnings,
        listed,
        folders,
    })
}

/// A walk of the corpus folder: real folders first, then the folders symbolic links lead to,
/// each folder (by its real path) read once. So a link loop ends, links to links cannot make
/// the walk exponential, and a folder both linked and real is listed under its real path.
struct Walk {
    /// The corpus folder's real path: links are followed only to inside it.
    root: PathBuf,
    /// Real paths of the folders read so far.
    read: HashSet<PathBuf>,
    /// Symbolic links to folders, to follow once the real folders are read: (link, target).
    links: Vec<(PathBuf, PathBuf)>,
    files: Vec<PathBuf>,
    left_out: Vec<(PathBuf, String)>,
}

impl Walk {
    fn new(dir: &Path) -> std::io::Result<Walk> {
        let root = std::fs::canonicalize(dir)?;
        Ok(Walk {
            read: HashSet::from([root.clone()]),
            root,
            links: Vec::new(),
            files: Vec::new(),
            left_out: Vec::new(),
        })
    }

    /// The corpus folder, then each linked folder not read yet (which may lead to more).
    fn all(&mut self, dir: &Path) -> std::io::Result<()> {
        self.folder(dir)?;
        let mut next = 0;
        while next < self.links.len() {
            let (link, target) = self.links[next].clone();
            next += 1;
            if self.read.insert(target) {
                self.folder(&link)?;
            } else {
                self.left_out.push((
                    link,
                    "a symbolic link to a folder read already (a link loop?): not read again"
                        .into(),
                ));
            }
        }
        Ok(())
    }

    fn folder(&mut self, dir: &Path) -> std::io::Result<()> {
        // The entry's type as the listing gives it (no call per file where the file system
        // says), which is what a symbolic link's own metadata would say.
        let mut entries: Vec<(PathBuf, std::fs::FileType)> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok())
            .filter_map(|e| Some((e.path(), e.file_type().ok()?)))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, meta) in entries {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            if name.starts_with('.') || name.to_ascii_lowercase().starts_with("readme") {
                continue;
            }
            if meta.is_symlink() {
                self.link(path);
            } else if meta.is_dir() {
                let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
                if self.read.insert(real) {
                    self.folder(&path)?;
                }
            } else if meta.is_file() {
                self.files.push(path);
            } else {
                self.left_out.push((
                    path,
                    "not a regular file (a pipe, device or socket): not read".into(),
                ));
            }
        }
        Ok(())
    }

    /// A symbolic link: followed only to a regular file or a folder inside the corpus.
    fn link(&mut self, path: PathBuf) {
        let Ok(target) = std::fs::canonicalize(&path) else {
            // A dangling link is listed, so reading it fails and is reported, not ignored.
            self.files.push(path);
            return;
        };
        if !target.starts_with(&self.root) {
            let message = format!(
                "a symbolic link to {}, outside the corpus folder: not followed",
                target.display()
            );
            self.left_out.push((path, message));
            return;
        }
        match std::fs::metadata(&target) {
            Ok(m) if m.is_file() => self.files.push(path),
            Ok(m) if m.is_dir() => self.links.push((path, target)),
            _ => self.left_out.push((
                path,
                format!(
                    "a symbolic link to {}, not a regular file (a pipe, device or socket): not read",
                    target.display()
                ),
            )),
        }
    }
}

/// `[project] ids`, `folders` and `cases`: how interviews are named, and where they take
/// attributes from.
struct ProjectKeys {
    ids: IdRule,
    folders: Option<Vec<String>>,
    cases: Option<CasesSetting>,
}

/// [`ProjectKeys`] as qcode.toml writes them, checked: an error is located at its value.
fn project_keys(raw: &RawProject, path: &Path, text: &str) -> Result<ProjectKeys, SourceError> {
    let at = |v: &Spanned<String>, msg: String, help: &str| {
        let (l, c) = in_string(text, v);
        SourceError::new(path, l, c, msg)
            .with_source(text)
            .with_help(help.to_string())
    };
    let ids = match raw.ids.as_ref() {
        None => IdRule::Name,
        Some(v) => match v.get_ref().trim() {
            "name" => IdRule::Name,
            "path" => IdRule::Path,
            other => {
                return Err(at(
                    v,
                    format!("unknown ids rule `{other}`"),
                    "ids = \"name\" (a file's name, its path where two files share a name) or \"path\" (every file's path under the corpus folder)",
                ))
            }
        },
    };
    let mut folders = None;
    if let Some(levels) = &raw.folders {
        let mut names = Vec::new();
        for v in levels {
            let name = v.get_ref().trim();
            if name.is_empty() || name.contains('=') {
                return Err(at(
                    v,
                    format!("folders entry `{name}` is not a metadata key"),
                    "name each folder level, e.g. folders = [\"module\", \"day\"]",
                ));
            }
            names.push(name.to_string());
        }
        folders = Some(names);
    }
    let cases = raw.cases.as_ref().map(|v| {
        let (line, col) = in_string(text, v);
        CasesSetting {
            path: v.get_ref().trim().to_string(),
            line,
            col,
        }
    });
    Ok(ProjectKeys {
        ids,
        folders,
        cases,
    })
}

/// `[coding] assign` and its keys, checked: each error points at its value.
fn assignment(raw: &RawCoding, path: &Path, text: &str) -> Result<Assignment, SourceError> {
    let at = |span: std::ops::Range<usize>| line_col(text, span.start);
    let error = |(l, c): (usize, usize), msg: String, help: &str| {
        SourceError::new(path, l, c, msg)
            .with_source(text)
            .with_help(help.to_string())
    };
    let mut a = Assignment::default();
    if let Some(by) = &raw.assign {
        a.by = match by.get_ref().trim() {
            "patterns" => AssignBy::Patterns,
            "ranked" => AssignBy::Ranked,
            other => {
                return Err(error(
                    in_string(text, by),
                    format!("unknown assign `{other}`"),
                    "assign = \"patterns\" (the codebook's patterns only, the default) or \"ranked\" (also each segment's best-ranked codes, as `qcode suggest` ranks them)",
                ))
            }
        };
    }
    if let Some(top) = &raw.top {
        let n = *top.get_ref();
        if n < 1 {
            let help = "top is how many codes of each dimension a segment gets, e.g. top = 1";
            return Err(error(
                at(top.span()),
                format!("top must be at least 1, not {n}"),
                help,
            ));
        }
        a.top = n as usize;
    }
    if let Some(min) = &raw.min_score {
        let x = *min.get_ref();
        if !x.is_finite() {
            let help = "min_score is the score a ranked code needs, e.g. min_score = 0.1";
            return Err(error(
                at(min.span()),
                "min_score must be a number".into(),
                help,
            ));
        }
        a.min_score = x;
    }
    if let Some(dims) = &raw.dimensions {
        a.dimensions = dims.iter().map(|d| d.trim().to_string()).collect();
    }
    Ok(a)
}

fn settings_from(
    raw: &RawTranscript,
    path: &Path,
    text: &str,
) -> Result<TranscriptSettings, SourceError> {
    let mut s = TranscriptSettings::default();
    if let Some(p) = &raw.speaker_pattern {
        s.speaker_pattern = speaker_pattern(p, path, text)?.into();
    }
    for p in &raw.skip_lines {
        let re = Regex::new(p.get_ref()).map_err(|e| {
            let (l, c) = in_string(text, p);
            SourceError::new(
                path,
                l,
                c,
                format!("skip_lines entry is not a valid regex: {e}"),
            )
            .with_source(text)
        })?;
        s.skip_lines.push(re);
    }
    if let Some(exts) = &raw.extensions {
        s.extensions = exts
            .iter()
            .map(|e| e.trim_start_matches('.').to_ascii_lowercase())
            .collect();
    }
    if let Some(f) = &raw.format {
        s.format = Format::parse(f.get_ref()).ok_or_else(|| {
            let (l, c) = in_string(text, f);
            SourceError::new(
                path,
                l,
                c,
                format!("unknown transcript format `{}`", f.get_ref()),
            )
            .with_source(text)
            .with_help(FORMAT_HELP)
        })?;
    }
    if let Some(join) = raw.join_split_paragraphs {
        s.join_split_paragraphs = join;
    }
    if let Some(rules) = raw.non_speech {
        s.non_speech = rules;
    }
    for label in &raw.interviewer {
        let key = interviewer_key(label.get_ref());
        if key.is_empty() {
            let (l, c) = in_string(text, label);
            return Err(
                SourceError::new(path, l, c, "interviewer entry is empty")
                    .with_source(text)
                    .with_help("write each interviewer's speaker label or name as the files write it, e.g. interviewer = [\"I\", \"Jane Smith\"]"),
            );
        }
        s.interviewer.push(key);
    }
    Ok(s)
}

/// `[transcript] speaker_pattern`, compiled: a valid regex with exactly one capture group (the
/// label), or an error at the key.
fn speaker_pattern(p: &Spanned<String>, path: &Path, text: &str) -> Result<Regex, SourceError> {
    let locate = || key_before(text, p, "speaker_pattern");
    let re = Regex::new(p.get_ref()).map_err(|e| {
        let (l, c) = locate();
        SourceError::new(
            path,
            l,
            c,
            format!("speaker_pattern is not a valid regex: {e}"),
        )
        .with_source(text)
    })?;
    if re.captures_len() != 2 {
        let (l, c) = locate();
        return Err(SourceError::new(
            path,
            l,
            c,
            format!(
                "speaker_pattern must have exactly one capture group (the label), it has {}",
                re.captures_len() - 1
            ),
        )
        .with_source(text)
        .with_help(r"e.g. speaker_pattern = '^\*\*(.+?)\*\*:\s*' for `**Name**: text`; use (?:...) for other groups"));
    }
    Ok(re)
}

/// Line and column of the first character inside a TOML string value (after its quote).
fn in_string(text: &str, value: &Spanned<String>) -> (usize, usize) {
    line_col(text, value.span().start + 1)
}

/// Line and column of the key `key` whose value is `value`: the last occurrence before the
/// value, since only `=` and spaces may come between a key and its value.
fn key_before(text: &str, value: &Spanned<String>, key: &str) -> (usize, usize) {
    let start = value.span().start;
    let at = text
        .get(..start)
        .and_then(|before| before.rfind(key))
        .unwrap_or(start);
    line_col(text, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_pattern_reads_common_labels() {
        let re = TranscriptSettings::default().speaker_pattern;
        for (line, label) in [
            ("P1: hello", "P1"),
            ("I: hi", "I"),
            ("Cllr Jones: we", "Cllr Jones"),
            ("Council Officer: yes", "Council Officer"),
        ] {
            assert_eq!(&re.captures(line).unwrap()[1], label, "{line}");
        }
        for line in ["and then: nothing", "http://x", "P1 said: no", "10:30 am"] {
            assert!(re.captures(line).is_none(), "{line}");
        }
    }

    #[test]
    fn bad_config_names_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[transcript]\nspeaker_patern = 'x'\n",
        )
        .unwrap();
        let err = Project::open(dir.path()).unwrap_err();
        assert_eq!((err.line, err.col), (2, 1), "{err}");
        assert!(err.message.contains("unknown field"), "{err}");
    }

    #[test]
    fn errors_point_past_comments_that_hold_the_same_text() {
        let dir = tempfile::tempdir().unwrap();
        let error = |config: &str| {
            std::fs::write(dir.path().join(CONFIG_FILE), config).unwrap();
            Project::open(dir.path()).unwrap_err()
        };
        let e = error("# speaker_pattern = '^(x):'\n[transcript]\n\nspeaker_pattern = '^x:'\n");
        assert!(e.message.contains("exactly one capture group"), "{e}");
        assert_eq!((e.line, e.col), (4, 1), "{e}");
        let e = error("# skip [a is invalid\n[transcript]\nskip_lines = ['^#', '[a']\n");
        assert!(
            e.message.contains("skip_lines entry is not a valid regex"),
            "{e}"
        );
        assert_eq!((e.line, e.col), (3, 22), "{e}");
        let e = error("[project]\ncorpus = 'a{b'\nexclude = ['ok/*', 'a{b']\n");
        assert!(
            e.message.contains("exclude pattern is not a valid glob"),
            "{e}"
        );
        assert_eq!((e.line, e.col), (3, 21), "{e}");
    }

    #[test]
    fn format_and_joining_are_read_and_an_unknown_format_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let config = |text: &str| {
            std::fs::write(dir.path().join(CONFIG_FILE), text).unwrap();
            Project::open(dir.path())
        };
        let p = config("").unwrap();
        assert_eq!(p.transcript.format, Format::Paragraph);
        assert!(p.transcript.join_split_paragraphs);
        assert!(p.transcript.non_speech);
        let p =
            config("[transcript]\nformat = 'document'\njoin_split_paragraphs = false\nnon_speech = false\n").unwrap();
        assert_eq!(p.transcript.format, Format::Document);
        assert!(!p.transcript.join_split_paragraphs);
        assert!(!p.transcript.non_speech);
        assert_eq!(
            config("[transcript]\nformat = 'turn'\n")
                .unwrap()
                .transcript
                .format,
            Format::Turn
        );
        let e = config("# format = 'prose'\n[transcript]\nformat = 'prose'\n").unwrap_err();
        assert_eq!(e.message, "unknown transcript format `prose`");
        assert_eq!((e.line, e.col), (3, 11), "{e}");
        let help = e.help.unwrap_or_default();
        assert!(
            ["paragraph", "turn", "document"]
                .iter()
                .all(|v| help.contains(v)),
            "{help}"
        );
        let e = config("[transcript]\njoin_split_paragraphs = 'no'\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn interviewers_are_read_and_an_empty_one_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let config = |text: &str| {
            std::fs::write(dir.path().join(CONFIG_FILE), text).unwrap();
            Project::open(dir.path())
        };
        assert!(config("").unwrap().transcript.interviewer.is_empty());
        let p = config("[transcript]\ninterviewer = [' Jane Smith ', 'INT']\n").unwrap();
        assert_eq!(p.transcript.interviewer, ["jane smith", "int"]);
        assert!(p.transcript.is_interviewer("Int"));
        let e = config("# interviewer = ['  ']\n[transcript]\ninterviewer = ['I', '  ']\n")
            .unwrap_err();
        assert_eq!(e.message, "interviewer entry is empty");
        assert_eq!((e.line, e.col), (3, 22), "{e}");
        let e = config("[transcript]\ninterviewer = 'I'\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn ids_folders_and_cases_are_read_and_bad_values_located() {
        let dir = tempfile::tempdir().unwrap();
        let config = |text: &str| {
            std::fs::write(dir.path().join(CONFIG_FILE), text).unwrap();
            Project::open(dir.path())
        };
        let p = config("").unwrap();
        assert_eq!((p.ids, &p.folders, &p.cases), (IdRule::Name, &None, &None));
        let p =
            config("[project]\nids = 'path'\nfolders = ['module', 'day']\ncases = 'meta/c.xlsx'\n")
                .unwrap();
        assert_eq!(p.ids, IdRule::Path);
        assert_eq!(
            p.folders,
            Some(vec!["module".to_string(), "day".to_string()])
        );
        let cases = p.cases.unwrap();
        assert_eq!(
            (cases.path.as_str(), cases.line, cases.col),
            ("meta/c.xlsx", 4, 10)
        );
        let e = config("[project]\nids = 'file'\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 8), "{e}");
        assert!(e.help.unwrap_or_default().contains("\"path\""));
        let e = config("[project]\nfolders = ['module', ' ']\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 23), "{e}");
        assert!(e.message.contains("not a metadata key"), "{e}");
    }

    #[test]
    fn coding_assign_is_read_and_each_bad_value_located() {
        let dir = tempfile::tempdir().unwrap();
        let config = |text: &str| {
            std::fs::write(dir.path().join(CONFIG_FILE), text).unwrap();
            Project::open(dir.path())
        };
        let p = config("").unwrap();
        assert_eq!(p.assign, Assignment::default());
        assert_eq!(p.assign.by, AssignBy::Patterns);
        let p = config(
            "[coding]\nuse = 'ann'\nassign = 'ranked'\ntop = 2\nmin_score = 0.25\ndimensions = ['component']\n",
        )
        .unwrap();
        assert_eq!(
            p.assign,
            Assignment {
                by: AssignBy::Ranked,
                top: 2,
                min_score: 0.25,
                dimensions: vec!["component".into()],
            }
        );
        assert_eq!(
            p.assign.describe(),
            "assign=ranked top=2 min_score=0.25 dimensions=component"
        );
        // Whole numbers are scores too; [coding] stays out of the index settings.
        let p = config("[coding]\nassign = 'ranked'\nmin_score = 1\n").unwrap();
        assert_eq!(p.assign.min_score, 1.0);
        assert!(!p.index_settings.contains("ranked"));
        let e = config("# assign = 'x'\n[coding]\nassign = 'best'\n").unwrap_err();
        assert_eq!(
            (e.line, e.col, e.message.as_str()),
            (3, 11, "unknown assign `best`")
        );
        let e = config("[coding]\ntop = 0\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 7), "{e}");
        let e = config("[coding]\nmin_score = nan\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = config("[coding]\nmin_score = 'high'\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn speaker_pattern_needs_one_group() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[transcript]\nspeaker_pattern = '^x:'\n",
        )
        .unwrap();
        let err = Project::open(dir.path()).unwrap_err();
        assert!(err.message.contains("exactly one capture group"), "{err}");
    }

    #[test]
    fn the_folder_name_is_the_roots_own_even_when_given_as_dot() {
        let dir = tempfile::tempdir().unwrap();
        let name = dir
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let p = Project::open(&dir.path().join(".")).unwrap();
        assert_eq!(p.folder_name(), Some(name));
        let here = std::env::current_dir().unwrap();
        let p = Project::open(Path::new(".")).unwrap();
        assert!(p.root.as_os_str().is_empty());
        assert_eq!(
            p.folder_name().as_deref(),
            here.file_name().and_then(|n| n.to_str())
        );
    }
}
