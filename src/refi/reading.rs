//! How an imported source is read. A QDA tool's text source may be a transcript with speaker
//! turns or a plain document, and its tool does not say which; a document whose title lines
//! look like speaker labels (`Koronavírus: a járvány`) read as turns loses everything before the
//! first of them. So a source is read as turns only when most of its paragraphs open with a
//! speaker label and at least two labels occur; else as a document (a segment per paragraph).
//! A QDA tool's plain text holds one paragraph per line, so a paragraph here is a non-blank line.
//! A source with a qcode header that declares its speakers (`speakers:`, as qcode's own packages
//! have) is a transcript whatever its lines look like: its turns may run over several lines.

use std::collections::BTreeSet;
use std::fmt;

use crate::transcript::{Format, TranscriptSettings};

/// How a source is read: speaker turns, or a document without speakers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    Turns,
    Document,
}

/// The share of paragraphs (in percent) that must open with a speaker label for turns.
pub const TURNS_SHARE: usize = 80;

/// The reading a source gets, and what it was chosen from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadingChoice {
    pub reading: Reading,
    /// The reading mode the source is parsed in: `document`, or for turns the project's own
    /// mode (`paragraph` when the project reads documents by default).
    pub format: Format,
    /// Non-blank lines of the body (the YAML header and skipped lines left out).
    pub paragraphs: usize,
    /// Of those, the ones that open with a speaker label.
    pub labelled: usize,
    /// Distinct labels (any case).
    pub labels: usize,
    /// Chosen by `--reading`, not by the text.
    pub forced: bool,
    /// The source's header declares its speakers.
    pub declared: bool,
}

impl fmt::Display for ReadingChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.reading {
            Reading::Turns => "turns",
            Reading::Document => "a document",
        };
        let counts = format!(
            "{} of {} paragraphs open with a speaker label, {} distinct",
            self.labelled, self.paragraphs, self.labels
        );
        if self.forced {
            write!(f, "read as {what} (--reading; {counts})")
        } else if self.declared {
            write!(f, "read as {what} (its header declares its speakers)")
        } else {
            write!(
                f,
                "read as {what} ({counts}; turns need {TURNS_SHARE}% and two)"
            )
        }
    }
}

/// The reading of `text` (LF line ends): `forced`, else turns when at least [`TURNS_SHARE`]% of
/// its paragraphs open with a speaker label (as `settings` define one) and two labels occur.
pub fn choose_reading(
    text: &str,
    settings: &TranscriptSettings,
    forced: Option<Reading>,
) -> ReadingChoice {
    let mut paragraphs = 0;
    let mut labels = BTreeSet::new();
    let mut labelled = 0;
    let (header, body) = split_header(text);
    let declared = header.iter().any(|l| l.starts_with("speakers:"));
    for line in body {
        if line.trim().is_empty() || settings.skip_lines.iter().any(|re| re.is_match(line)) {
            continue;
        }
        paragraphs += 1;
        if let Some(label) = settings
            .speaker_pattern
            .captures(line)
            .and_then(|c| c.get(1))
        {
            labelled += 1;
            labels.insert(label.as_str().trim().to_lowercase());
        }
    }
    let turns = declared
        || (paragraphs > 0 && labelled * 100 >= paragraphs * TURNS_SHARE && labels.len() >= 2);
    let reading = forced.unwrap_or(if turns {
        Reading::Turns
    } else {
        Reading::Document
    });
    let format = match (reading, settings.format) {
        (Reading::Document, _) => Format::Document,
        (Reading::Turns, Format::Document) => Format::Paragraph,
        (Reading::Turns, own) => own,
    };
    ReadingChoice {
        reading,
        format,
        paragraphs,
        labelled,
        labels: labels.len(),
        forced: forced.is_some(),
        declared,
    }
}

/// A leading `---` YAML header's lines and the body's (no header when there is none, or when it
/// is never closed and so no header).
fn split_header(text: &str) -> (Vec<&str>, Vec<&str>) {
    let lines: Vec<&str> = text.lines().collect();
    if lines.first().is_some_and(|l| l.trim_end() == "---") {
        let close = lines[1..]
            .iter()
            .position(|l| matches!(l.trim_end(), "---" | "..."));
        if let Some(close) = close {
            return (lines[1..close + 1].to_vec(), lines[close + 2..].to_vec());
        }
    }
    (Vec::new(), lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choose(text: &str) -> ReadingChoice {
        choose_reading(text, &TranscriptSettings::default(), None)
    }

    #[test]
    fn title_lines_that_look_like_labels_do_not_make_turns() {
        let doc = "Bevezetés a témába.\nKoronavírus: a járvány\nA járvány elején sokan féltek.\nMindenki otthon maradt.\nOltás: a vakcina\nAz oltás önkéntes volt.\n";
        let c = choose(doc);
        assert_eq!(c.reading, Reading::Document);
        assert_eq!(c.format, Format::Document);
        assert_eq!((c.labelled, c.paragraphs, c.labels), (2, 6, 2));
        assert!(
            c.to_string().starts_with("read as a document (2 of 6"),
            "{c}"
        );
    }

    #[test]
    fn transcripts_are_turns_and_one_label_is_not_enough() {
        let c = choose("---\nid: x\nP1: not counted\n---\nI: Hello?\n\nP1: Hi.\nP1: More.\n\nI: Bye.\nnot labelled\n");
        assert_eq!((c.labelled, c.paragraphs, c.labels), (4, 5, 2));
        assert_eq!((c.reading, c.format), (Reading::Turns, Format::Paragraph));
        assert_eq!(choose("P1: one\nP1: two\n").reading, Reading::Document);
        // Declared speakers make a transcript of turns running over several lines.
        let c = choose("---\nspeakers:\n  I: interviewer\n---\nI: Hi\nwrapped\nmore\n\nagain\n");
        assert_eq!((c.reading, c.declared), (Reading::Turns, true));
        assert_eq!(
            c.to_string(),
            "read as turns (its header declares its speakers)"
        );
        assert_eq!(choose("").reading, Reading::Document);
        // A project that reads documents by default still reads turns paragraph by paragraph.
        let settings = TranscriptSettings {
            format: Format::Document,
            ..Default::default()
        };
        let c = choose_reading("A: x\nB: y\n", &settings, None);
        assert_eq!((c.reading, c.format), (Reading::Turns, Format::Paragraph));
        let c = choose_reading("A: x\nB: y\n", &settings, Some(Reading::Document));
        assert_eq!(
            (c.reading, c.format, c.forced),
            (Reading::Document, Format::Document, true)
        );
    }
}
