//! Speaker-labelled text transcripts (.txt, .md, and whatever qcode.toml adds): an optional
//! metadata header, then turns that start with `LABEL:` (or the project's speaker pattern),
//! continuation lines, and blank lines between paragraphs. How the body is cut into segments is
//! the file's [`Format`]: a segment per paragraph of a turn, per turn, or — with no speakers at
//! all — per paragraph of a document; a block split off mid-sentence continues the one before it
//! when [`TranscriptSettings::join_split_paragraphs`] is on.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::attributes::{Attributes, Outside};
use super::header::{parse_header_within, Header};
use super::nonspeech::{marked_heading, unmarked, NonSpeech};
use super::{valid_interview_id, Interview, Paragraph, Segment, Speaker, Turn};
use super::{Format, TranscriptSettings, DOCUMENT_ROLE};
use crate::diag::{SourceError, Warning};
use crate::roles::RoleTable;

static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[(\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)\][ \t]*").expect("valid")
});

/// The metadata key of the heading a segment lies under.
const SECTION: &str = "section";

/// A line of the text with its byte and character offsets.
struct Line<'a> {
    text: &'a str,
    byte: usize,
    char: usize,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let (mut byte, mut chr) = (0, 0);
    for l in text.split('\n') {
        out.push(Line {
            text: l,
            byte,
            char: chr,
        });
        byte += l.len() + 1;
        chr += l.chars().count() + 1;
    }
    out
}

/// Parse one transcript. `text` is decoded, LF-only text; `fallback_id` (the file stem) names
/// the interview when the header has no `id`; `rel` is the file path shown to users. It is read
/// in `settings.format` unless its header sets `format`.
pub fn parse_transcript(
    path: &Path,
    rel: &str,
    text: &str,
    fallback_id: &str,
    settings: &TranscriptSettings,
    roles: &RoleTable,
) -> Result<(Interview, Vec<Warning>), SourceError> {
    let outside = Outside::named(fallback_id);
    parse_transcript_as(path, rel, text, &outside, settings, settings.format, roles)
}

/// [`parse_transcript`] in `format` (what the file's sidecar or qcode.toml asks for), unless
/// the header sets its own; its header read over its sidecar's, its metadata over what its
/// folders and the cases sheet give it (all in `outside`).
pub(super) fn parse_transcript_as(
    path: &Path,
    rel: &str,
    text: &str,
    outside: &Outside,
    settings: &TranscriptSettings,
    format: Format,
    roles: &RoleTable,
) -> Result<(Interview, Vec<Warning>), SourceError> {
    let lines = lines(text);
    let (own, body_from) = read_header(path, text, &lines, settings.limits.header_depth)?;
    let mut header = outside.header(own);
    let id = interview_id(path, text, &header, outside.default_id())?;
    header.meta = outside.interview_meta(&id, &header.meta);
    let format = header.format.unwrap_or(format);
    let BodyRead {
        turns,
        first_body_line,
        first_heading,
    } = read_turns(text, &lines, body_from, settings, format);
    if turns.is_empty() {
        let at = first_body_line.unwrap_or(body_from + 1);
        return Err(no_turns(path, text, at, format));
    }
    let mut warnings = Vec::new();
    warnings.extend(section_overridden(rel, &header, &turns, first_heading));
    let (segments, unknown_roles) = if format == Format::Document {
        (
            document_segments(&id, &header, &turns, roles),
            BTreeSet::new(),
        )
    } else {
        let read = Reading {
            id: &id,
            rel,
            header: &header,
            settings,
            roles,
            outside,
        };
        let (segments, unknown) = read.segments(&turns, &mut warnings);
        warnings.extend(no_interviewer(rel, &segments));
        (segments, unknown)
    };
    Ok((
        Interview {
            id,
            source: rel.to_string(),
            meta: header.meta,
            speakers: header.speakers,
            segments,
            unknown_roles,
        },
        warnings,
    ))
}

/// The warning, once per file, that the header's `section` wins over the headings that would
/// name the section of some of its segments.
fn section_overridden(
    rel: &str,
    header: &Header,
    turns: &[Turn],
    first_heading: Option<usize>,
) -> Option<Warning> {
    let value = header.meta.get(SECTION)?;
    let line = first_heading?;
    let shadowed = turns
        .iter()
        .flat_map(|t| &t.paragraphs)
        .any(|p| p.section.is_some());
    shadowed.then(|| Warning {
        location: format!("{rel}:{line}"),
        message: format!(
            "the header sets `section: {value}`, so it is every segment's section and the file's headings name none; remove it from the header to have the headings name them"
        ),
    })
}

/// A body with nothing to quote, at 1-based line `at`.
fn no_turns(path: &Path, text: &str, at: usize, format: Format) -> SourceError {
    let (message, help) = match format {
        Format::Document => ("no text found after the header", "a document-format transcript needs at least one paragraph of text"),
        _ => ("no speaker turns found", "a turn starts with `LABEL:` at the start of a line (e.g. `P1: ...`); for other styles set [transcript] speaker_pattern in qcode.toml, and for text without speakers set `format: document`"),
    };
    SourceError::new(path, at, 1, message)
        .with_source(text)
        .with_help(help)
}

/// The header: `---` on the first line, up to the next `---` (or `...`); with the index of
/// the body's first line (0 when there is no header).
fn read_header(
    path: &Path,
    text: &str,
    lines: &[Line<'_>],
    max_depth: usize,
) -> Result<(Header, usize), SourceError> {
    let opens = lines.first().is_some_and(|l| l.text.trim_end() == "---");
    if !opens {
        return Ok((Header::default(), 0));
    }
    let close = lines
        .iter()
        .skip(1)
        .position(|l| matches!(l.text.trim_end(), "---" | "..."))
        .map(|i| i + 1)
        .ok_or_else(|| {
            SourceError::new(path, 1, 1, "the metadata header is not closed")
                .with_source(text)
                .with_help("end the header with a line containing only `---`")
        })?;
    let yaml = lines[1..close]
        .iter()
        .map(|l| l.text)
        .collect::<Vec<_>>()
        .join("\n");
    Ok((
        parse_header_within(path, &yaml, 2, text, max_depth)?,
        close + 1,
    ))
}

/// The interview's id: the header's, else the fallback (the file stem); it must be one that
/// segment ids (`id:turn.paragraph`) can be read back from.
fn interview_id(
    path: &Path,
    text: &str,
    header: &Header,
    fallback_id: &str,
) -> Result<String, SourceError> {
    let id = header.id.clone().unwrap_or_else(|| fallback_id.to_string());
    if !valid_interview_id(&id) {
        return Err(SourceError::new(
            path,
            2,
            1,
            format!("interview id `{id}` contains a space or a colon"),
        )
        .with_source(text)
        .with_help("use letters, digits and hyphens, e.g. `northmoor-07`"));
    }
    Ok(id)
}

/// What the body holds: its turns, each with its paragraphs (a whole turn is one paragraph in
/// [`Format::Turn`]; a document is one turn with no label); the 1-based line of its first line
/// that is neither blank nor skipped (where a body with no turns is reported); and that of its
/// first heading, if any.
struct BodyRead {
    turns: Vec<Turn>,
    first_body_line: Option<usize>,
    first_heading: Option<usize>,
}

/// The body, from line index `body_from`. Lines that are not speech ([`nonspeech`]) end the
/// paragraph being read and join none; a heading names the section of what follows it. A heading
/// marked up as one is read before the speaker pattern (an underlined `Questions From Counsel:`
/// is a title); the other rules only where no turn starts.
// Long (about 90 lines): one pass over the lines deciding, in a fixed order of precedence, what
// each line is (skipped, non-speech, heading, a new turn, text); the order is the rule, and
// splitting it would scatter that order across functions sharing the same state (`Body`).
fn read_turns(
    text: &str,
    lines: &[Line<'_>],
    body_from: usize,
    settings: &TranscriptSettings,
    format: Format,
) -> BodyRead {
    let mut body = Body {
        text,
        turns: Vec::new(),
        open: None,
        last: None,
        join: settings.join_split_paragraphs && format != Format::Turn,
        section: None,
    };
    let document = format == Format::Document;
    let (mut first_body_line, mut first_heading) = (None, None);
    // Whether the line follows a break (a blank, skipped or non-speech line, or the header).
    let mut after_break = true;
    let mut i = body_from;
    while i < lines.len() {
        let line = &lines[i];
        let l = line.text;
        i += 1;
        if settings.skip_lines.iter().any(|re| re.is_match(l)) || l.trim().is_empty() {
            // A turn read whole runs on past blank lines, to its last text.
            if format != Format::Turn {
                body.close_para();
            }
            after_break = true;
            continue;
        }
        first_body_line.get_or_insert(i);
        let heading = match settings.non_speech {
            true => marked_heading(
                l,
                lines.get(i).map(|n| n.text),
                lines.get(i + 1).map(|n| n.text),
            ),
            false => None,
        };
        if let Some((title, used)) = heading {
            first_heading.get_or_insert(i);
            body.not_speech(Some(title));
            after_break = true;
            i += used - 1;
            continue;
        }
        let caps = match document {
            true => None,
            false => settings.speaker_pattern.captures(l),
        };
        if let Some(caps) = caps {
            body.close_para();
            body.start_turn(i, line, &caps);
        } else if let Some(what) = settings
            .non_speech
            .then(|| unmarked(l, after_break))
            .flatten()
        {
            if let NonSpeech::Heading(title) = what {
                first_heading.get_or_insert(i);
                body.not_speech(Some(title));
            } else {
                body.not_speech(None);
            }
            after_break = true;
            continue;
        } else {
            if document && body.turns.is_empty() {
                body.turns.push(Turn {
                    number: 1,
                    label: String::new(),
                    timestamp: None,
                    line: i,
                    paragraphs: Vec::new(),
                });
            }
            // Text before the first turn (titles, notes) is not a quote.
            if !body.turns.is_empty() {
                body.continue_para(line);
            }
        }
        after_break = false;
    }
    body.close_para();
    BodyRead {
        turns: body.turns,
        first_body_line,
        first_heading,
    }
}

/// Where a paragraph being read lies in the text so far: start and end, in bytes (to cut its
/// text) and in characters (its offsets).
struct OpenPara {
    start_byte: usize,
    start_char: usize,
    end_byte: usize,
    end_char: usize,
}

/// The turns read so far and the paragraph being read, if any (it belongs to the last turn).
struct Body<'a> {
    text: &'a str,
    turns: Vec<Turn>,
    open: Option<OpenPara>,
    /// Where the last turn's last paragraph lies, while no other has been opened: the one a
    /// block split off mid-sentence continues.
    last: Option<OpenPara>,
    /// Whether such a block continues it ([`TranscriptSettings::join_split_paragraphs`]).
    join: bool,
    /// The text of the last heading: the section of the paragraphs after it.
    section: Option<String>,
}

impl Body<'_> {
    /// A line that is not speech: it ends the paragraph being read, and none continues across
    /// it (its text would be in the slice). A heading (`Some`, its text) starts a section.
    fn not_speech(&mut self, heading: Option<&str>) {
        self.close_para();
        self.last = None;
        if let Some(title) = heading {
            self.section = (!title.is_empty()).then(|| title.to_string());
        }
    }

    /// End the paragraph being read, adding it to the last turn.
    fn close_para(&mut self) {
        if let (Some(p), Some(turn)) = (self.open.take(), self.turns.last_mut()) {
            turn.paragraphs.push(Paragraph {
                text: self.text[p.start_byte..p.end_byte].to_string(),
                start: p.start_char,
                end: p.end_char,
                section: self.section.clone(),
            });
            self.last = Some(p);
        }
    }

    /// Reopen the last paragraph if a block starting with `content` continues it: the block
    /// starts in lower case and the paragraph does not end a sentence.
    fn reopen_split(&mut self, content: &str) {
        if !self.join || !content.chars().next().is_some_and(char::is_lowercase) {
            return;
        }
        let Some(last) = self.last.take() else { return };
        if ends_sentence(&self.text[last.start_byte..last.end_byte]) {
            self.last = Some(last);
            return;
        }
        if let Some(turn) = self.turns.last_mut() {
            turn.paragraphs.pop();
        }
        self.open = Some(last);
    }

    /// A new turn at 1-based line `number`, whose speaker pattern matched as `caps`: its label,
    /// the timestamp after the label if any, and the text after that opens its first paragraph.
    fn start_turn(&mut self, number: usize, line: &Line<'_>, caps: &Captures<'_>) {
        self.last = None;
        let l = line.text;
        let label = caps
            .get(1)
            .map(|m| m.as_str().trim())
            .unwrap_or("")
            .to_string();
        let mut rest_at = caps.get(0).map(|m| m.end()).unwrap_or(0);
        let mut timestamp = None;
        let after = &l[rest_at..];
        let lead = after.len() - after.trim_start().len();
        if let Some(ts) = TIMESTAMP.captures(&after[lead..]) {
            timestamp = Some(ts[1].to_string());
            rest_at += lead + ts.get(0).map(|m| m.end()).unwrap_or(0);
        }
        self.turns.push(Turn {
            number: self.turns.len() as u32 + 1,
            label,
            timestamp,
            line: number,
            paragraphs: Vec::new(),
        });
        let rest = &l[rest_at..];
        let content = rest.trim();
        if !content.is_empty() {
            let sb = line.byte + rest_at + (rest.len() - rest.trim_start().len());
            let eb = sb + content.len();
            let sc = line.char + l[..sb - line.byte].chars().count();
            self.open = Some(OpenPara {
                start_byte: sb,
                start_char: sc,
                end_byte: eb,
                end_char: sc + content.chars().count(),
            });
        }
    }

    /// A line that is not a turn's first: it extends the paragraph being read (its end moves
    /// to the line's trimmed end), or opens one.
    fn continue_para(&mut self, line: &Line<'_>) {
        let l = line.text;
        let content = l.trim();
        let lead = l.len() - l.trim_start().len();
        let eb = line.byte + lead + content.len();
        let ec = line.char + l[..lead].chars().count() + content.chars().count();
        if self.open.is_none() {
            self.reopen_split(content);
        }
        match &mut self.open {
            Some(p) => {
                p.end_byte = eb;
                p.end_char = ec;
            }
            None => {
                self.open = Some(OpenPara {
                    start_byte: line.byte + lead,
                    start_char: line.char + l[..lead].chars().count(),
                    end_byte: eb,
                    end_char: ec,
                });
            }
        }
    }
}

/// Does `text` end a sentence: with `. ! ? … : ;`, or with closing quotes or brackets after one?
fn ends_sentence(text: &str) -> bool {
    text.trim_end()
        .trim_end_matches(['"', '\'', '”', '’', '»', ')', ']', '}'])
        .ends_with(['.', '!', '?', '…', ':', ';'])
}

/// A document's one turn → segments: no speaker, the role `document` (or the role table's
/// role of that name or alias, for its label), never the interviewer's.
fn document_segments(id: &str, header: &Header, turns: &[Turn], roles: &RoleTable) -> Vec<Segment> {
    let (role, role_label) = roles
        .resolve(DOCUMENT_ROLE)
        .map(|r| (r.id.clone(), r.label.clone()))
        .unwrap_or_else(|| (DOCUMENT_ROLE.to_string(), "Document".to_string()));
    let nobody = Speech {
        speaker: String::new(),
        speaker_name: None,
        role,
        role_label,
        interviewer: false,
        timestamp: None,
        attributes: Attributes::new(),
    };
    let mut segments = Vec::new();
    for turn in turns {
        push_paragraphs(id, turn, &nobody, header, &mut segments);
    }
    segments
}

/// Who speaks a turn, as each of its segments carries it.
struct Speech {
    speaker: String,
    speaker_name: Option<String>,
    role: String,
    role_label: String,
    interviewer: bool,
    timestamp: Option<String>,
    /// The speaker's own attributes: metadata of its segments, over the interview's.
    attributes: Attributes,
}

/// One segment per paragraph of `turn`, each with `who` and the interview's metadata.
fn push_paragraphs(id: &str, turn: &Turn, who: &Speech, header: &Header, out: &mut Vec<Segment>) {
    for (p, para) in turn.paragraphs.iter().enumerate() {
        let paragraph = p as u32 + 1;
        out.push(Segment {
            id: format!("{id}:{}.{paragraph}", turn.number),
            interview: id.to_string(),
            turn: turn.number,
            paragraph,
            speaker: who.speaker.clone(),
            speaker_name: who.speaker_name.clone(),
            role: who.role.clone(),
            role_label: who.role_label.clone(),
            interviewer: who.interviewer,
            timestamp: who.timestamp.clone(),
            start: para.start,
            end: para.end,
            text: para.text.clone(),
            meta: segment_meta(header, para, &who.attributes),
        });
    }
}

/// The interview's metadata, with the heading `para` lies under as its `section` unless the
/// header sets one ([`section_overridden`] says so), and the speaker's own attributes over both.
fn segment_meta(header: &Header, para: &Paragraph, speaker: &Attributes) -> Attributes {
    let mut meta = header.meta.clone();
    if let Some(section) = &para.section {
        meta.entry(SECTION.to_string())
            .or_insert_with(|| section.clone());
    }
    meta.extend(speaker.iter().map(|(k, v)| (k.clone(), v.clone())));
    meta
}

/// The warning for a conversation in which nobody is the interviewer (so the questions would be
/// searched and coded as answers), naming its speakers; none for a single speaker's file.
fn no_interviewer(rel: &str, segments: &[Segment]) -> Option<Warning> {
    let mut speakers: Vec<&str> = Vec::new();
    for s in segments {
        if s.interviewer {
            return None;
        }
        if !speakers.contains(&s.speaker.as_str()) {
            speakers.push(&s.speaker);
        }
    }
    if speakers.len() < 2 {
        return None;
    }
    let listed: Vec<String> = speakers.iter().map(|s| format!("`{s}`")).collect();
    Some(Warning {
        location: rel.to_string(),
        message: format!(
            "no interviewer among the {} speakers ({}), so the questions are read as answers; declare one under `speakers:` in the header or sidecar (e.g. `I: interviewer`), or list the label or name as written under qcode.toml's `[transcript] interviewer`",
            speakers.len(),
            listed.join(", ")
        ),
    })
}

/// One interview being cut into segments: its id, file and header (over its sidecar's), and
/// what its speakers take from outside the file.
struct Reading<'a> {
    id: &'a str,
    rel: &'a str,
    header: &'a Header,
    settings: &'a TranscriptSettings,
    roles: &'a RoleTable,
    outside: &'a Outside,
}

impl Reading<'_> {
    /// Turns → segments, resolving each turn's role once; warns of turns with no text (skipped)
    /// and, once each, of speakers the header does not declare. A speaker the header leaves out
    /// but qcode.toml names as the interviewer is declared the interviewer. Also gives the role
    /// labels the role table does not know.
    fn segments(
        &self,
        turns: &[Turn],
        warnings: &mut Vec<Warning>,
    ) -> (Vec<Segment>, BTreeSet<String>) {
        let (rel, header) = (self.rel, self.header);
        // Not a name: a label such as `I` would otherwise be masked wherever the word occurs.
        let configured = Speaker {
            role_label: crate::roles::INTERVIEWER_ROLE.to_string(),
            ..Speaker::default()
        };
        let mut undeclared = BTreeSet::new();
        let mut unknown_roles = BTreeSet::new();
        let mut segments = Vec::new();
        for turn in turns {
            if turn.paragraphs.is_empty() {
                warnings.push(Warning {
                    location: format!("{rel}:{}", turn.line),
                    message: format!(
                        "turn {} by `{}` has no text; skipped",
                        turn.number, turn.label
                    ),
                });
                continue;
            }
            let declared = header.speakers.get(&turn.label).or_else(|| {
                self.settings
                    .is_interviewer(&turn.label)
                    .then_some(&configured)
            });
            if declared.is_none()
                && !header.speakers.is_empty()
                && undeclared.insert(turn.label.clone())
            {
                warnings.push(Warning {
                    location: format!("{rel}:{}", turn.line),
                    message: format!(
                        "speaker `{}` is not declared in the header; its role is read from the label (declare it under `speakers:`)",
                        turn.label
                    ),
                });
            }
            let (role, role_label) =
                role_of(turn, declared, header, self.roles, &mut unknown_roles);
            let who = Speech {
                speaker: turn.label.clone(),
                speaker_name: declared.and_then(|s| s.name.clone()),
                interviewer: role == crate::roles::INTERVIEWER_ROLE,
                role,
                role_label,
                timestamp: turn.timestamp.clone(),
                attributes: self.outside.speaker_meta(self.id, &turn.label, declared),
            };
            push_paragraphs(self.id, turn, &who, header, &mut segments);
        }
        (segments, unknown_roles)
    }
}

/// A turn's role, as (id, label): its declared role label, else its speaker label, looked up
/// in the role table; then the table's default role; else the label becomes its slug, and goes
/// in `unknown_roles` unless the speaker was warned about as undeclared.
fn role_of(
    turn: &Turn,
    declared: Option<&Speaker>,
    header: &Header,
    roles: &RoleTable,
    unknown_roles: &mut BTreeSet<String>,
) -> (String, String) {
    let role_label = declared
        .map(|s| s.role_label.as_str())
        .unwrap_or(&turn.label);
    let assigned = roles.assign(role_label);
    if assigned.how.is_alias() {
        return (assigned.id, assigned.label);
    }
    // Before the default: the speaker label may name a role its declaration does not.
    if let Some(r) = roles.resolve(&turn.label) {
        return (r.id.clone(), r.label.clone());
    }
    // An undeclared speaker has been warned about already.
    if !assigned.known && (declared.is_some() || header.speakers.is_empty()) {
        unknown_roles.insert(role_label.to_string());
    }
    (assigned.id, assigned.label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles() -> RoleTable {
        let mut t = RoleTable::default();
        t.add_file(
            Path::new("roles.toml"),
            "[roles.interviewer]\nlabel = \"Interviewer\"\naliases = [\"I\"]\n[roles.council_officer]\nlabel = \"Council officer\"\naliases = [\"Council Officer\"]\n[roles.lto_rep]\nlabel = \"LTO representative\"\naliases = [\"LTO rep\"]\n",
        )
        .unwrap();
        t
    }

    fn parse(text: &str) -> (Interview, Vec<Warning>) {
        parse_transcript(
            Path::new("t.txt"),
            "t.txt",
            text,
            "t",
            &TranscriptSettings::default(),
            &roles(),
        )
        .unwrap()
    }

    const SAMPLE: &str = "---\nid: nm-07\narea: Northmoor\nspeakers:\n  I: interviewer\n  P1: Council officer\n  P2: {role: LTO rep, name: Dana Whitfield}\n---\nI: How has it worked?\n\nP1: At the start we only heard from them.\nIt got better.\n\nSecond paragraph.\n\nI: [00:12:31] What next?\nP2: Café – £5.\n";

    #[test]
    fn turns_paragraphs_and_offsets() {
        let (iv, w) = parse(SAMPLE);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(iv.id, "nm-07");
        let ids: Vec<&str> = iv.segments.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "nm-07:1.1",
                "nm-07:2.1",
                "nm-07:2.2",
                "nm-07:3.1",
                "nm-07:4.1"
            ]
        );
        let s = &iv.segments[1];
        assert_eq!(
            s.text,
            "At the start we only heard from them.\nIt got better."
        );
        assert_eq!(s.role, "council_officer");
        assert_eq!(s.role_label, "Council officer");
        assert!(iv.segments[0].interviewer && !s.interviewer);
        assert_eq!(iv.segments[3].timestamp.as_deref(), Some("00:12:31"));
        assert_eq!(iv.segments[3].text, "What next?");
        assert_eq!(iv.segments[4].role, "lto_rep");
        // Offsets are in characters and slice the source exactly.
        let chars: Vec<char> = SAMPLE.chars().collect();
        for seg in &iv.segments {
            let slice: String = chars[seg.start..seg.end].iter().collect();
            assert_eq!(slice, seg.text);
        }
    }

    #[test]
    fn names_are_kept_apart_from_the_text() {
        let (iv, _) = parse(SAMPLE);
        assert_eq!(iv.speakers["P2"].name.as_deref(), Some("Dana Whitfield"));
        assert_eq!(
            iv.segments[4].speaker_name.as_deref(),
            Some("Dana Whitfield")
        );
        assert_eq!(iv.segments[4].speaker, "P2");
        assert!(iv.segments.iter().all(|s| !s.text.contains("Dana")));
    }

    #[test]
    fn a_label_with_decomposed_accents_is_a_speaker() {
        let (iv, _) = parse("P1: Hello.\n\nZoe\u{308} Lindqvist: We met.\n");
        assert_eq!(iv.segments[1].speaker, "Zoe\u{308} Lindqvist");
        assert_eq!(iv.segments[1].text, "We met.");
    }

    #[test]
    fn undeclared_speaker_is_a_warning() {
        let (iv, w) = parse(&SAMPLE.replace("P2: Café", "P3: Café"));
        assert_eq!(iv.segments.last().unwrap().role, "p3");
        assert!(
            w.iter().any(|w| w.message.contains("`P3` is not declared")),
            "{w:?}"
        );
    }

    fn parse_warned(text: &str, settings: &TranscriptSettings) -> (Interview, Vec<Warning>) {
        parse_transcript(Path::new("t.txt"), "t.txt", text, "t", settings, &roles()).unwrap()
    }

    fn interviewers(interviewer: &[&str]) -> TranscriptSettings {
        TranscriptSettings {
            interviewer: interviewer
                .iter()
                .map(|l| super::super::interviewer_key(l))
                .collect(),
            ..TranscriptSettings::default()
        }
    }

    #[test]
    fn qcode_toml_names_the_interviewer_unless_the_header_declares_the_speaker() {
        let text = "Moderator: What changed?\n\nP1: Everything.\n\nModerator: How?\n";
        let (iv, w) = parse_warned(text, &interviewers(&[" moderator "]));
        assert!(w.is_empty(), "{w:?}");
        let flags: Vec<bool> = iv.segments.iter().map(|s| s.interviewer).collect();
        assert_eq!(flags, [true, false, true]);
        assert_eq!(iv.segments[0].role, crate::roles::INTERVIEWER_ROLE);
        assert_eq!(iv.segments[0].role_label, "Interviewer");
        // A label, not a name: nothing to mask.
        assert_eq!(iv.segments[0].speaker_name, None);
        // The header's own declaration wins; an undeclared match is not warned about.
        let header = "---\nspeakers:\n  Moderator: Council officer\n  P1: Resident\n---\n";
        let (iv, w) = parse_warned(
            &format!("{header}{text}"),
            &interviewers(&["Moderator", "P1"]),
        );
        assert_eq!(iv.segments[0].role, "council_officer");
        assert!(!iv.segments[1].interviewer);
        assert!(
            w.iter().all(|w| !w.message.contains("not declared")),
            "{w:?}"
        );
        let header = "---\nspeakers:\n  P1: Resident\n---\n";
        let (iv, w) = parse_warned(&format!("{header}{text}"), &interviewers(&["moderator"]));
        assert!(iv.segments[0].interviewer);
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn a_conversation_without_an_interviewer_is_warned_about_once() {
        let text =
            "Moderator: What changed?\n\nP1: Everything.\n\nModerator: How?\n\nP2: Slowly.\n";
        let (_, w) = parse_warned(text, &TranscriptSettings::default());
        let about: Vec<&Warning> = w
            .iter()
            .filter(|w| w.message.contains("no interviewer"))
            .collect();
        assert_eq!(about.len(), 1, "{w:?}");
        assert_eq!(about[0].location, "t.txt");
        let m = &about[0].message;
        assert!(m.contains("3 speakers (`Moderator`, `P1`, `P2`)"), "{m}");
        assert!(
            m.contains("speakers:") && m.contains("[transcript] interviewer"),
            "{m}"
        );
        // One speaker, a document, or an interviewer found by the role table: no warning.
        let (_, w) = parse_warned("P1: Alone.\n\nP1: Still.\n", &TranscriptSettings::default());
        assert!(w.is_empty(), "{w:?}");
        let (_, w) = parse_warned(text, &in_format(Format::Document));
        assert!(w.is_empty(), "{w:?}");
        let (_, w) = parse_warned(
            &text.replace("Moderator", "I"),
            &TranscriptSettings::default(),
        );
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn unclosed_header_is_an_error() {
        let e = parse_transcript(
            Path::new("t.txt"),
            "t.txt",
            "---\nid: x\nP1: hi\n",
            "t",
            &TranscriptSettings::default(),
            &roles(),
        )
        .unwrap_err();
        assert_eq!((e.line, e.col), (1, 1));
        assert!(e.message.contains("not closed"));
    }

    #[test]
    fn no_header_uses_fallback_id_and_no_turns_is_an_error() {
        let (iv, _) = parse("P1: hello\n");
        assert_eq!(iv.segments[0].id, "t:1.1");
        let e = parse_transcript(
            Path::new("t.txt"),
            "t.txt",
            "just prose\n",
            "t",
            &TranscriptSettings::default(),
            &roles(),
        )
        .unwrap_err();
        assert!(e.message.contains("no speaker turns"));
    }

    #[test]
    fn custom_speaker_pattern_and_skip_lines() {
        let settings = TranscriptSettings {
            speaker_pattern: Regex::new(r"^\*\*(.+?)\*\*:\s*").unwrap().into(),
            skip_lines: vec![Regex::new(r"^\.\. ").unwrap()],
            ..TranscriptSettings::default()
        };
        let text = "Title\n=====\n\n**Sir Ann Lee**: Good morning.\n\n.. rst-class:: indented\n\n**Mr Bo**: Hello.\nMore.\n";
        let (iv, _) = parse_transcript(
            Path::new("d.rst"),
            "d.rst",
            text,
            "d",
            &settings,
            &RoleTable::default(),
        )
        .unwrap();
        assert_eq!(iv.segments.len(), 2);
        assert_eq!(iv.segments[0].speaker, "Sir Ann Lee");
        assert_eq!(iv.segments[0].role, "sir_ann_lee");
        assert_eq!(iv.segments[1].text, "Hello.\nMore.");
    }

    fn parse_with(text: &str, settings: &TranscriptSettings) -> Interview {
        let (iv, _) =
            parse_transcript(Path::new("t.txt"), "t.txt", text, "t", settings, &roles()).unwrap();
        // Every segment's text is exactly its slice of the source, whatever the mode.
        let chars: Vec<char> = text.chars().collect();
        for seg in &iv.segments {
            assert_eq!(
                chars[seg.start..seg.end].iter().collect::<String>(),
                seg.text
            );
        }
        iv
    }

    fn texts(iv: &Interview) -> Vec<&str> {
        iv.segments.iter().map(|s| s.text.as_str()).collect()
    }

    fn in_format(format: Format) -> TranscriptSettings {
        TranscriptSettings {
            format,
            ..TranscriptSettings::default()
        }
    }

    #[test]
    fn turn_format_is_one_segment_per_turn() {
        let iv = parse_with(SAMPLE, &in_format(Format::Turn));
        let ids: Vec<&str> = iv.segments.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["nm-07:1.1", "nm-07:2.1", "nm-07:3.1", "nm-07:4.1"]);
        assert_eq!(
            iv.segments[1].text,
            "At the start we only heard from them.\nIt got better.\n\nSecond paragraph."
        );
        assert_eq!(iv.segments[1].role, "council_officer");
        assert_eq!(iv.segments[2].timestamp.as_deref(), Some("00:12:31"));
    }

    #[test]
    fn document_format_has_no_speakers() {
        let text = "---\nid: sub-01\narea: Eastbrook\n---\nA written submission\n\nP1: this is text, not a turn.\nI: Nor this.\n\n\nLast paragraph.\n";
        let iv = parse_with(text, &in_format(Format::Document));
        assert_eq!(
            texts(&iv),
            [
                "A written submission",
                "P1: this is text, not a turn.\nI: Nor this.",
                "Last paragraph."
            ]
        );
        let ids: Vec<&str> = iv.segments.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["sub-01:1.1", "sub-01:1.2", "sub-01:1.3"]);
        for s in &iv.segments {
            assert_eq!(
                (s.role.as_str(), s.role_label.as_str()),
                ("document", "Document")
            );
            assert_eq!((s.speaker.as_str(), s.interviewer), ("", false));
            assert_eq!(s.meta["area"], "Eastbrook");
        }
        assert!(iv.unknown_roles.is_empty());
        // The role table may name the document role.
        let mut roles = roles();
        roles
            .add_file(
                Path::new("r.toml"),
                "[roles.submission]\nlabel = \"Written submission\"\naliases = [\"document\"]\n",
            )
            .unwrap();
        let (iv, _) = parse_transcript(
            Path::new("t.txt"),
            "t.txt",
            text,
            "t",
            &in_format(Format::Document),
            &roles,
        )
        .unwrap();
        assert_eq!(iv.segments[0].role_label, "Written submission");
    }

    #[test]
    fn an_empty_document_is_an_error() {
        let e = parse_transcript(
            Path::new("t.txt"),
            "t.txt",
            "---\nid: x\n---\n\n",
            "t",
            &in_format(Format::Document),
            &roles(),
        )
        .unwrap_err();
        assert_eq!(e.message, "no text found after the header");
    }

    #[test]
    fn the_header_format_wins_over_the_settings() {
        let text = "---\nformat: document\n---\nP1: one\n\nP2: two\n";
        let iv = parse_with(text, &TranscriptSettings::default());
        assert_eq!(iv.segments[0].role, "document");
        assert!(!iv.meta.contains_key("format"));
        let text = "---\nformat: paragraph\n---\nP1: One.\n\nMore.\n";
        let iv = parse_with(text, &in_format(Format::Document));
        assert_eq!(texts(&iv), ["One.", "More."]);
        assert_eq!(iv.segments[0].speaker, "P1");
    }

    #[test]
    fn a_paragraph_split_mid_sentence_is_joined() {
        let text = "P1: we went down to the\n\nshop and bought bread.\n\nand then? We left.\n\nThe Shop was\n\nShut. It was\n\n(so they said)\n\nclosed\n\nP2: it was\n";
        // `(so they said)` alone is a stage direction by default (below); read as text here.
        let plain = TranscriptSettings {
            non_speech: false,
            ..TranscriptSettings::default()
        };
        let iv = parse_with(text, &plain);
        assert_eq!(
            texts(&iv),
            [
                "we went down to the\n\nshop and bought bread.",
                // After a full stop: not joined.
                "and then? We left.",
                // A capitalised block: not joined.
                "The Shop was",
                // A block that starts with a bracket is not lower case; the one after the
                // bracket (which ends no sentence) continues it.
                "Shut. It was",
                "(so they said)\n\nclosed",
                "it was"
            ]
        );
        let ids: Vec<&str> = iv.segments.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["t:1.1", "t:1.2", "t:1.3", "t:1.4", "t:1.5", "t:2.1"]);
        // As a stage direction it joins nothing, and nothing continues across it.
        let iv = parse_with(text, &TranscriptSettings::default());
        assert_eq!(texts(&iv)[3..], ["Shut. It was", "closed", "it was"]);
    }

    #[test]
    fn a_sentence_ends_at_closing_punctuation_even_inside_quotes() {
        for end in [
            "done.",
            "done!",
            "why?",
            "so…",
            "as follows:",
            "one;",
            "he said “stop.”",
            "(as agreed.)",
        ] {
            let text = format!("P1: {end}\n\nnext bit\n");
            let iv = parse_with(&text, &TranscriptSettings::default());
            assert_eq!(iv.segments.len(), 2, "{end}: {:?}", texts(&iv));
        }
        for end in ["the", "a “quote”", "(aside)", "3"] {
            let text = format!("P1: {end}\n\nnext bit\n");
            let iv = parse_with(&text, &TranscriptSettings::default());
            assert_eq!(iv.segments.len(), 1, "{end}: {:?}", texts(&iv));
        }
    }

    #[test]
    fn joining_can_be_turned_off_and_applies_to_documents() {
        let text = "P1: we went to the\n\nshop\n";
        let off = TranscriptSettings {
            join_split_paragraphs: false,
            ..TranscriptSettings::default()
        };
        assert_eq!(texts(&parse_with(text, &off)), ["we went to the", "shop"]);
        let iv = parse_with("Notes on the\n\nmeeting\n", &in_format(Format::Document));
        assert_eq!(texts(&iv), ["Notes on the\n\nmeeting"]);
    }

    #[test]
    fn empty_turn_is_skipped_with_warning() {
        let (iv, w) = parse("P1:\n\nP2: yes\n");
        assert_eq!(iv.segments.len(), 1);
        assert_eq!(iv.segments[0].id, "t:2.1");
        assert!(w.iter().any(|w| w.message.contains("has no text")));
    }

    /// A made-up hearing: a reST title, an oath, a time, a stage direction and a heading with a
    /// colon that the default speaker pattern would read as a label.
    const HEARING: &str = "Day One\n=======\n\n*(10.00 am)*\n\nChair: Good morning.\nLet us begin.\n(Short break)\nWe resume.\n\n*ANNA KOWAL (sworn).*\n\nQuestions From Counsel:\n-----------------------\n\nCounsel: Your name?\n\n[Laughter]\n\nWitness: Anna.\nNO NO NO\n11:02\n\nI SAID NO.\n\n## Closing ##\n\nChair: Thank you.\n";

    #[test]
    fn lines_that_are_not_speech_join_no_turn() {
        let iv = parse_with(HEARING, &TranscriptSettings::default());
        assert_eq!(
            texts(&iv),
            [
                "Good morning.\nLet us begin.",
                "We resume.",
                "Your name?",
                "Anna.\nNO NO NO",
                "I SAID NO.",
                "Thank you."
            ]
        );
        let speakers: Vec<&str> = iv.segments.iter().map(|s| s.speaker.as_str()).collect();
        assert_eq!(
            speakers,
            ["Chair", "Chair", "Counsel", "Witness", "Witness", "Chair"]
        );
        // `NO NO NO` continues a paragraph: speech. Standing alone, it would be a heading.
        let alone = HEARING.replace("Anna.\nNO NO NO", "Anna.\n\nNO NO NO");
        let iv = parse_with(&alone, &TranscriptSettings::default());
        assert_eq!(texts(&iv)[3..5], ["Anna.", "I SAID NO."]);
        assert_eq!(iv.segments[4].meta["section"], "NO NO NO");
    }

    #[test]
    fn a_heading_names_the_section_of_the_segments_under_it() {
        let iv = parse_with(HEARING, &TranscriptSettings::default());
        let sections: Vec<Option<&str>> = iv
            .segments
            .iter()
            .map(|s| s.meta.get("section").map(String::as_str))
            .collect();
        let (day, questions) = (Some("Day One"), Some("Questions From Counsel:"));
        assert_eq!(
            sections,
            [day, day, questions, questions, questions, Some("Closing")]
        );
        assert!(
            !iv.meta.contains_key("section"),
            "the interview's own metadata has none"
        );
    }

    #[test]
    fn the_headers_section_wins_with_one_warning() {
        let text = format!("---\nsection: Evidence\n---\n{HEARING}");
        let (iv, w) = parse(&text);
        assert!(iv.segments.iter().all(|s| s.meta["section"] == "Evidence"));
        let about: Vec<&Warning> = w.iter().filter(|w| w.message.contains("section")).collect();
        assert_eq!(about.len(), 1, "{w:?}");
        assert_eq!(about[0].location, "t.txt:4");
        // No heading, no warning.
        let (_, w) = parse("---\nsection: Evidence\n---\nP1: text\n");
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn the_rules_can_be_turned_off_and_apply_in_every_format() {
        let off = TranscriptSettings {
            non_speech: false,
            ..TranscriptSettings::default()
        };
        let iv = parse_with(HEARING, &off);
        assert!(iv
            .segments
            .iter()
            .any(|s| s.speaker == "Questions From Counsel"));
        assert!(texts(&iv)[0].contains("(Short break)"));
        assert!(iv.segments.iter().all(|s| !s.meta.contains_key("section")));
        // A turn read whole is cut where a stage direction interrupts it.
        let iv = parse_with(HEARING, &in_format(Format::Turn));
        assert_eq!(
            texts(&iv)[..2],
            ["Good morning.\nLet us begin.", "We resume."]
        );
        let ids: Vec<&str> = iv.segments.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids[..2], ["t:1.1", "t:1.2"]);
        let iv = parse_with(
            "# Notes\n\nFirst point.\n\n(aside)\n\nSecond.\n",
            &in_format(Format::Document),
        );
        assert_eq!(texts(&iv), ["First point.", "Second."]);
        assert_eq!(iv.segments[1].meta["section"], "Notes");
    }

    #[test]
    fn a_bare_label_line_is_still_a_speaker() {
        // Without an underline `Questions From Counsel:` cannot be told from `Interviewer:`.
        let iv = parse_with(
            "Questions From Counsel:\nWhere were you?\n",
            &TranscriptSettings::default(),
        );
        assert_eq!(iv.segments[0].speaker, "Questions From Counsel");
    }
}
