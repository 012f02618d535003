//! Transcripts: the model (Interview, Turn, Segment) and one parser per input format. A file is
//! decoded (UTF-8, BOM, CRLF, Windows-1252), parsed into interviews, and split into segments, the
//! quotable unit: one paragraph of one speaker's turn (a whole turn, or a paragraph of a document
//! without speakers, in the other reading modes: [`Format`]), or one CSV row (read by the rules of
//! [`table`]).

mod attributes;
mod corpus;
mod csv;
mod header;
pub mod media;
mod nonspeech;
mod settings;
pub mod table;
mod text;

pub use attributes::{name_id, path_id, Attributes, Cases, FileContext};
pub use corpus::{parse_file, sidecar_path, source_text, table_rows, Parsed};
pub use header::sidecar_format;
pub use settings::{
    interviewer_key, Format, SpeakerPattern, TranscriptSettings, DEFAULT_SPEAKER_PATTERN,
    DOCUMENT_ROLE, FORMAT_HELP,
};
pub use text::parse_transcript;

pub use self::csv::{parse_csv, row_id_key, CsvRows, RowIdKey, RowIdLines};
pub use table::table_delimiter;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// One interview (a case): its metadata and segments. A CSV file may hold several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interview {
    pub id: String,
    /// The source file, relative to the project root.
    pub source: String,
    /// Header metadata (area, date, mode, …). Never contains participant names.
    pub meta: BTreeMap<String, String>,
    /// Speakers declared in the header: label → role label and optional name.
    pub speakers: BTreeMap<String, Speaker>,
    pub segments: Vec<Segment>,
    /// Role labels the role table does not know (their role ids were made from the labels).
    pub unknown_roles: BTreeSet<String>,
}

/// A speaker declared in a transcript header (or sidecar).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Speaker {
    pub role_label: String,
    /// The participant's name: kept only so it can be redacted, never indexed or exported.
    pub name: Option<String>,
    /// The speaker's own attributes (`{role: resident, gender: f, age: 40-49}`): metadata of
    /// this speaker's segments, over the interview's.
    pub attributes: BTreeMap<String, String>,
}

/// A speaker turn as read from a transcript: a label, an optional timestamp, its paragraphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// 1-based, counting every turn in the file, the interviewer's too.
    pub number: u32,
    pub label: String,
    pub timestamp: Option<String>,
    /// 1-based line where the turn starts.
    pub line: usize,
    pub paragraphs: Vec<Paragraph>,
}

/// A paragraph: its text and where it lies in the (decoded, LF-normalised) source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    pub text: String,
    /// Offsets in Unicode scalar values (characters), end exclusive.
    pub start: usize,
    pub end: usize,
    /// The heading it lies under, if the file has headings (its segments' `section`).
    pub section: Option<String>,
}

/// The quotable, codable unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// Stable, readable id: `interview:turn.paragraph`, or the row id of a CSV corpus.
    pub id: String,
    pub interview: String,
    pub turn: u32,
    pub paragraph: u32,
    /// The speaker label as written (`P1`, `Cllr Jones`); never a declared participant name.
    pub speaker: String,
    /// The participant's name when the header declares one (`{role: ..., name: ...}`) or a CSV
    /// has a `name` column: kept for `--with-names` and redaction, never searched or shown
    /// otherwise.
    pub speaker_name: Option<String>,
    /// Canonical role id (`council_officer`), from the codebook's role table.
    pub role: String,
    /// The role's display label ("Council officer").
    pub role_label: String,
    /// Interviewer turns are kept for context but not searched or coded by default.
    pub interviewer: bool,
    pub timestamp: Option<String>,
    /// Character offsets of the paragraph in the source text (for CSV: within the row's text).
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// The interview's metadata (and a CSV row's own columns).
    pub meta: BTreeMap<String, String>,
}

impl Segment {
    /// "Council officer, Northmoor": how a quote is attributed in a report (never by name).
    pub fn attribution(&self) -> String {
        attribution(&self.role_label, &self.meta, &self.interview)
    }
}

#[cfg(test)]
impl Segment {
    /// A resident's segment of `text` (offsets 0 to its length, no metadata): for tests that
    /// build segments by hand.
    pub(crate) fn for_test(id: &str, interview: &str, text: &str) -> Segment {
        Segment {
            id: id.into(),
            interview: interview.into(),
            turn: 1,
            paragraph: 1,
            speaker: "P1".into(),
            speaker_name: None,
            role: "resident".into(),
            role_label: "Resident".into(),
            interviewer: false,
            timestamp: None,
            start: 0,
            end: text.chars().count(),
            text: text.into(),
            meta: BTreeMap::new(),
        }
    }
}

/// Role label plus the area (or, failing that, the interview id).
pub fn attribution(role_label: &str, meta: &BTreeMap<String, String>, interview: &str) -> String {
    let place = meta.get("area").map(String::as_str).unwrap_or(interview);
    format!("{role_label}, {place}")
}

/// Is `id` usable as an interview id (it prefixes segment ids `id:turn.para`)?
pub fn valid_interview_id(id: &str) -> bool {
    !id.is_empty() && !id.contains(':') && !id.chars().any(char::is_whitespace)
}
