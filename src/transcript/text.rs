//! Speaker-labelled text transcripts (.txt, .md, and whatever qcode.toml adds): an optional
//! metadata header, then turns that start with `LABEL:` (or the project's speaker pattern),
//! continuation lines, and blank lines between paragraphs.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::header::{parse_header, Header};
use super::TranscriptSettings;
use super::{valid_interview_id, Interview, Paragraph, Segment, Speaker, Turn};
use crate::diag::{SourceError, Warning};
use crate::roles::{slug, RoleTable};

static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[(\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)\][ \t]*").expect("valid")
});

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
/// the interview when the header has no `id`; `rel` is the file path shown to users.
pub fn parse_transcript(
    path: &Path,
    rel: &str,
    text: &str,
    fallback_id: &str,
    settings: &TranscriptSettings,
    roles: &RoleTable,
) -> Result<(Interview, Vec<Warning>), SourceError> {
    let lines = lines(text);
    let (header, body_from) = read_header(path, text, &lines)?;
    let id = interview_id(path, text, &header, fallback_id)?;
    let (turns, first_body_line) = read_turns(text, &lines, body_from, settings);
    if turns.is_empty() {
        let at = first_body_line.unwrap_or(body_from + 1);
        return Err(SourceError::new(path, at, 1, "no speaker turns found")
            .with_source(text)
            .with_help("a turn starts with `LABEL:` at the start of a line (e.g. `P1: ...`); for other styles set [transcript] speaker_pattern in qcode.toml"));
    }
    let mut warnings = Vec::new();
    let (segments, unknown_roles) = segments(&id, rel, &header, &turns, roles, &mut warnings);
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

/// The header: `---` on the first line, up to the next `---` (or `...`); with the index of
/// the body's first line (0 when there is no header).
fn read_header(
    path: &Path,
    text: &str,
    lines: &[Line<'_>],
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
    Ok((parse_header(path, &yaml, 2, text)?, close + 1))
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

/// The body, from line index `body_from`: its turns, each with its paragraphs, and the 1-based
/// line of its first line that is neither blank nor skipped (where a body with no turns is
/// reported).
fn read_turns(
    text: &str,
    lines: &[Line<'_>],
    body_from: usize,
    settings: &TranscriptSettings,
) -> (Vec<Turn>, Option<usize>) {
    let mut body = Body {
        text,
        turns: Vec::new(),
        open: None,
    };
    let mut first_body_line = None;
    for (i, line) in lines.iter().enumerate().skip(body_from) {
        let l = line.text;
        if settings.skip_lines.iter().any(|re| re.is_match(l)) || l.trim().is_empty() {
            body.close_para();
            continue;
        }
        first_body_line.get_or_insert(i + 1);
        if let Some(caps) = settings.speaker_pattern.captures(l) {
            body.close_para();
            body.start_turn(i + 1, line, &caps);
        } else if !body.turns.is_empty() {
            // Text before the first turn (titles, notes) is not a quote.
            body.continue_para(line);
        }
    }
    body.close_para();
    (body.turns, first_body_line)
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
}

impl Body<'_> {
    /// End the paragraph being read, adding it to the last turn.
    fn close_para(&mut self) {
        if let (Some(p), Some(turn)) = (self.open.take(), self.turns.last_mut()) {
            turn.paragraphs.push(Paragraph {
                text: self.text[p.start_byte..p.end_byte].to_string(),
                start: p.start_char,
                end: p.end_char,
            });
        }
    }

    /// A new turn at 1-based line `number`, whose speaker pattern matched as `caps`: its label,
    /// the timestamp after the label if any, and the text after that opens its first paragraph.
    fn start_turn(&mut self, number: usize, line: &Line<'_>, caps: &Captures<'_>) {
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

/// Turns → segments, resolving each turn's role once; warns of turns with no text (skipped)
/// and, once each, of speakers the header does not declare. Also gives the role labels the
/// role table does not know.
fn segments(
    id: &str,
    rel: &str,
    header: &Header,
    turns: &[Turn],
    roles: &RoleTable,
    warnings: &mut Vec<Warning>,
) -> (Vec<Segment>, BTreeSet<String>) {
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
        let declared = header.speakers.get(&turn.label);
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
        let (role, label) = role_of(turn, declared, header, roles, &mut unknown_roles);
        for (p, para) in turn.paragraphs.iter().enumerate() {
            let paragraph = p as u32 + 1;
            segments.push(Segment {
                id: format!("{id}:{}.{paragraph}", turn.number),
                interview: id.to_string(),
                turn: turn.number,
                paragraph,
                speaker: turn.label.clone(),
                speaker_name: declared.and_then(|s| s.name.clone()),
                role: role.clone(),
                role_label: label.clone(),
                interviewer: role == crate::roles::INTERVIEWER_ROLE,
                timestamp: turn.timestamp.clone(),
                start: para.start,
                end: para.end,
                text: para.text.clone(),
                meta: header.meta.clone(),
            });
        }
    }
    (segments, unknown_roles)
}

/// A turn's role, as (id, label): its declared role label, else its speaker label, looked up
/// in the role table; one the table does not know becomes its slug, and goes in
/// `unknown_roles` unless the speaker was warned about as undeclared.
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
    match roles
        .resolve(role_label)
        .or_else(|| roles.resolve(&turn.label))
    {
        Some(r) => (r.id.clone(), r.label.clone()),
        None => {
            // An undeclared speaker has been warned about already.
            if declared.is_some() || header.speakers.is_empty() {
                unknown_roles.insert(role_label.to_string());
            }
            (slug(role_label), role_label.to_string())
        }
    }
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
    fn undeclared_speaker_is_a_warning() {
        let (iv, w) = parse(&SAMPLE.replace("P2: Café", "P3: Café"));
        assert_eq!(iv.segments.last().unwrap().role, "p3");
        assert!(
            w.iter().any(|w| w.message.contains("`P3` is not declared")),
            "{w:?}"
        );
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

    #[test]
    fn empty_turn_is_skipped_with_warning() {
        let (iv, w) = parse("P1:\n\nP2: yes\n");
        assert_eq!(iv.segments.len(), 1);
        assert_eq!(iv.segments[0].id, "t:2.1");
        assert!(w.iter().any(|w| w.message.contains("has no text")));
    }
}
