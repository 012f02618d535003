//! A qcode project: a folder with corpus/, codebook/, an optional qcode.toml and derived data in
//! .qcode/. This module finds those paths and reads qcode.toml; it never touches the corpus.

use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

use crate::diag::{line_col, SourceError};

/// The settings file's name at the project root.
pub const CONFIG_FILE: &str = "qcode.toml";
/// Where derived data lives (safe to delete; always rebuilt from corpus + codebook).
pub const DATA_DIR: &str = ".qcode";

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    project: RawProject,
    #[serde(default)]
    transcript: RawTranscript,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
struct RawProject {
    corpus: Option<String>,
    codebook: Option<String>,
    #[serde(default)]
    exclude: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
struct RawTranscript {
    speaker_pattern: Option<String>,
    #[serde(default)]
    skip_lines: Vec<String>,
    extensions: Option<Vec<String>>,
}

/// How transcripts are read: what a speaker label looks like, which lines are markup to skip.
#[derive(Debug, Clone)]
pub struct TranscriptSettings {
    /// A turn starts where this matches at the start of a line; capture group 1 is the label.
    pub speaker_pattern: SpeakerPattern,
    /// Lines matching any of these are dropped (treated as blank lines).
    pub skip_lines: Vec<Regex>,
    /// File extensions read as speaker-labelled transcripts (lowercase, no dot).
    pub extensions: Vec<String>,
}

/// The default speaker label: one to four capitalised words (or `P1`, `I`, `Cllr`), then a colon.
pub const DEFAULT_SPEAKER_PATTERN: &str =
    r"^(\p{Lu}[\p{L}\p{N}_.'’-]*(?: \p{Lu}[\p{L}\p{N}_.'’-]*){0,3}):(?:[ \t]+|$)";

/// The speaker-label regex, compiled when first used: the default one, with its Unicode
/// classes, takes about a millisecond to compile, which a search that parses no transcript
/// should not pay. A pattern from qcode.toml is compiled when the project is opened (to report
/// errors), and kept.
#[derive(Debug, Clone, Default)]
pub struct SpeakerPattern(std::sync::OnceLock<Regex>);

impl SpeakerPattern {
    fn regex(&self) -> &Regex {
        self.0
            .get_or_init(|| Regex::new(DEFAULT_SPEAKER_PATTERN).expect("default pattern compiles"))
    }

    pub fn captures<'h>(&self, line: &'h str) -> Option<regex::Captures<'h>> {
        self.regex().captures(line)
    }
}

impl From<Regex> for SpeakerPattern {
    fn from(re: Regex) -> SpeakerPattern {
        SpeakerPattern(std::sync::OnceLock::from(re))
    }
}

impl Default for TranscriptSettings {
    fn default() -> Self {
        TranscriptSettings {
            speaker_pattern: SpeakerPattern::default(),
            skip_lines: Vec::new(),
            extensions: ["txt", "md", "vtt", "srt", "docx"]
                .map(String::from)
                .to_vec(),
        }
    }
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
    /// The raw text of qcode.toml (empty when absent): part of what the index depends on.
    pub config_text: String,
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
                .with_help("valid keys: [project] corpus, codebook, exclude; [transcript] speaker_pattern, skip_lines, extensions")
        })?;
        let transcript = settings_from(&raw.transcript, &config_path, &config_text)?;
        let mut globs = globset::GlobSetBuilder::new();
        for g in &raw.project.exclude {
            let glob = globset::Glob::new(g).map_err(|e| {
                let (l, c) = config_text
                    .find(g.as_str())
                    .map(|b| line_col(&config_text, b))
                    .unwrap_or((0, 0));
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
        let corpus = raw.project.corpus.unwrap_or_else(|| "corpus".into());
        let codebook = raw.project.codebook.unwrap_or_else(|| "codebook".into());
        Ok(Project {
            root: root.clone(),
            corpus_dir: root.join(corpus),
            codebook_dir: root.join(codebook),
            transcript,
            exclude,
            config_text,
        })
    }

    /// The folder of derived data (.qcode/).
    pub fn data_dir(&self) -> PathBuf {
        self.root.join(DATA_DIR)
    }

    /// A path relative to the project root, with `/` separators, for messages and ids.
    pub fn relative(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        rel.to_string_lossy().replace('\\', "/")
    }
}

fn settings_from(
    raw: &RawTranscript,
    path: &Path,
    text: &str,
) -> Result<TranscriptSettings, SourceError> {
    let mut s = TranscriptSettings::default();
    let locate = |needle: &str| -> (usize, usize) {
        text.find(needle)
            .map(|b| line_col(text, b))
            .unwrap_or((0, 0))
    };
    if let Some(p) = &raw.speaker_pattern {
        let re = Regex::new(p).map_err(|e| {
            let (l, c) = locate("speaker_pattern");
            SourceError::new(
                path,
                l,
                c,
                format!("speaker_pattern is not a valid regex: {e}"),
            )
            .with_source(text)
        })?;
        if re.captures_len() != 2 {
            let (l, c) = locate("speaker_pattern");
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
        s.speaker_pattern = re.into();
    }
    for p in &raw.skip_lines {
        let re = Regex::new(p).map_err(|e| {
            let (l, c) = locate(p);
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
    Ok(s)
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
}
