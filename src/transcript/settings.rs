//! How transcripts are read, as qcode.toml's `[transcript]` table sets it: what a speaker label
//! looks like, which lines are markup to skip, which file extensions are transcripts, the reading
//! mode ([`Format`]: a segment per paragraph, per turn, or per paragraph of a document without
//! speakers), whether a paragraph split mid-sentence is joined, and which speakers are the
//! interviewer when a file does not say. The settings live here, beside
//! the parsers that use them; the project reads them from qcode.toml.

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
    /// How a text transcript is cut into segments, unless its header or sidecar says otherwise.
    pub format: Format,
    /// Whether a block that starts in lower case after one that ends mid-sentence continues it
    /// (a paragraph split by a stray blank line, as exports and hand-typed transcripts often do).
    pub join_split_paragraphs: bool,
    /// Whether the built-in rules for lines that are not speech (headings, oaths, bare times,
    /// stage directions) keep them out of every turn; `skip_lines` applies either way.
    pub non_speech: bool,
    /// Speaker labels (or, in recordings and Word files, names as written) that are the
    /// interviewer wherever a file does not declare that speaker's role itself: a Zoom or Teams
    /// file has no header to say so. Kept trimmed and lowercased ([`interviewer_key`]).
    pub interviewer: Vec<String>,
    /// qcode.toml's `[limits]`: how large a file, an unzipped Word document and how deep a
    /// header may be.
    pub limits: crate::text::Limits,
}

/// How a speaker is compared with `[transcript] interviewer`: trimmed, case ignored.
pub fn interviewer_key(label: &str) -> String {
    label.trim().to_lowercase()
}

/// How a speaker-labelled text transcript (.txt, .md, .docx) is cut into segments. Tables and
/// recordings are not affected: their rows and turns are already one segment each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// One segment per paragraph of a speaker's turn.
    #[default]
    Paragraph,
    /// One segment per speaker's turn, its paragraphs together.
    Turn,
    /// No speakers: every paragraph of the body is a segment; `Label:` is just text.
    Document,
}

/// The role of every segment of a [`Format::Document`] transcript, which has no speakers.
pub const DOCUMENT_ROLE: &str = "document";

/// The help shown with an unknown format, wherever it was written.
pub const FORMAT_HELP: &str = "format is one of `paragraph` (a segment per paragraph of a turn, the default), `turn` (a segment per turn) or `document` (no speakers: a segment per paragraph)";

impl Format {
    /// The format a setting names (`paragraph`, `turn`, `document`; case and spaces ignored).
    pub fn parse(name: &str) -> Option<Format> {
        match name.trim().to_ascii_lowercase().as_str() {
            "paragraph" => Some(Format::Paragraph),
            "turn" => Some(Format::Turn),
            "document" => Some(Format::Document),
            _ => None,
        }
    }
}

/// The default speaker label, then a colon: one to four capitalised words (or `P1`, `I`,
/// `Cllr`), optionally followed by a short parenthesis (`Dana Whitfield (she/her)`) and a
/// `| Organisation` (as Zoom and Teams write display names); or an e-mail address. Labels
/// like these must be read as speakers: otherwise the cue joins the previous turn, name and all.
/// A word may hold combining marks (`Zoe\u{308}`: an accent written decomposed), or a name so
/// written would be read as text, undeclared.
pub const DEFAULT_SPEAKER_PATTERN: &str = concat!(
    r"^((?:\p{Lu}[\p{L}\p{M}\p{N}_.'’-]*(?: \p{Lu}[\p{L}\p{M}\p{N}_.'’-]*){0,3}",
    r"(?: ?\([^()\n:]{1,40}\))?(?: ?\| ?[^|:\n]{1,60})?)",
    r"|[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+):(?:[ \t]+|$)"
);

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
            format: Format::default(),
            join_split_paragraphs: true,
            non_speech: true,
            interviewer: Vec::new(),
            limits: crate::text::Limits::default(),
        }
    }
}

impl TranscriptSettings {
    /// Is `label` (a speaker label or a name as written) one qcode.toml names as the interviewer?
    pub fn is_interviewer(&self, label: &str) -> bool {
        let key = interviewer_key(label);
        !key.is_empty() && self.interviewer.contains(&key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_read_by_name_and_nothing_else() {
        assert_eq!(Format::parse("paragraph"), Some(Format::Paragraph));
        assert_eq!(Format::parse(" Turn "), Some(Format::Turn));
        assert_eq!(Format::parse("document"), Some(Format::Document));
        assert_eq!(Format::parse("paragraphs"), None);
        assert_eq!(Format::parse(""), None);
        let d = TranscriptSettings::default();
        assert_eq!(d.format, Format::Paragraph);
        assert!(d.join_split_paragraphs);
        assert!(d.non_speech);
    }

    #[test]
    fn display_names_as_calls_write_them_are_labels() {
        let p = SpeakerPattern::default();
        let label = |l: &str| p.captures(l).map(|c| c[1].to_string());
        assert_eq!(
            label("Dana Whitfield (she/her): hi").as_deref(),
            Some("Dana Whitfield (she/her)")
        );
        assert_eq!(
            label("Sam Reid | Northmoor Council: yes").as_deref(),
            Some("Sam Reid | Northmoor Council")
        );
        assert_eq!(
            label("dana.whitfield@example.org: ok").as_deref(),
            Some("dana.whitfield@example.org")
        );
        assert_eq!(label("P1: fine").as_deref(), Some("P1"));
        assert_eq!(label("and then: nothing"), None);
        assert_eq!(label("We met at 10:30 then"), None);
    }

    #[test]
    fn interviewers_match_trimmed_and_whatever_the_case() {
        let mut s = TranscriptSettings::default();
        assert!(!s.is_interviewer("I"));
        s.interviewer = vec![interviewer_key(" Jane Smith "), interviewer_key("Int")];
        assert!(s.is_interviewer("jane smith"));
        assert!(s.is_interviewer("  JANE SMITH"));
        assert!(s.is_interviewer("INT"));
        assert!(!s.is_interviewer("Jane"));
        assert!(!s.is_interviewer("Jane  Smith"));
        assert!(!s.is_interviewer(""));
    }
}
