//! How transcripts are read, as qcode.toml's `[transcript]` table sets it: what a speaker label
//! looks like, which lines are markup to skip, which file extensions are transcripts. The
//! settings live here, beside the parsers that use them; the project reads them from qcode.toml.

use regex::Regex;

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
