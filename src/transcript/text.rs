//! Speaker-labelled text transcripts (.txt, .md, and whatever qcode.toml adds): an optional
//! metadata header, then turns that start with `LABEL:` (or the project's speaker pattern),
//! continuation lines, and blank lines between paragraphs.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::header::{parse_header, Header};
use super::TranscriptSettings;
use super::{valid_interview_id, Interview, Paragraph, Segment, Turn};
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
    let mut warnings = Vec::new();

    // The header: `---` on the first line, up to the next `---` (or `...`).
    let mut body_from = 0;
    let mut header = Header::default();
    if lines.first().is_some_and(|l| l.text.trim_end() == "---") {
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
        header = parse_header(path, &yaml, 2, text)?;
        body_from = close + 1;
    }
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

    // The body: turns and paragraphs.
    let mut turns: Vec<Turn> = Vec::new();
    let mut open_para: Option<(usize, usize, usize, usize)> = None; // start byte/char, end byte/char
    let close_para = |turns: &mut Vec<Turn>, open: &mut Option<(usize, usize, usize, usize)>| {
        if let (Some((sb, sc, eb, ec)), Some(turn)) = (open.take(), turns.last_mut()) {
            turn.paragraphs.push(Paragraph {
                text: text[sb..eb].to_string(),
                start: sc,
                end: ec,
            });
        }
    };
    let mut first_body_line = None;
    for (i, line) in lines.iter().enumerate().skip(body_from) {
        let l = line.text;
        if settings.skip_lines.iter().any(|re| re.is_match(l)) || l.trim().is_empty() {
            close_para(&mut turns, &mut open_para);
            continue;
        }
        first_body_line.get_or_insert(i + 1);
        if let Some(caps) = settings.speaker_pattern.captures(l) {
            close_para(&mut turns, &mut open_para);
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
            turns.push(Turn {
                number: turns.len() as u32 + 1,
                label,
                timestamp,
                line: i + 1,
                paragraphs: Vec::new(),
            });
            let rest = &l[rest_at..];
            let content = rest.trim();
            if !content.is_empty() {
                let sb = line.byte + rest_at + (rest.len() - rest.trim_start().len());
                let eb = sb + content.len();
                let sc = line.char + l[..sb - line.byte].chars().count();
                open_para = Some((sb, sc, eb, sc + content.chars().count()));
            }
            continue;
        }
        if turns.is_empty() {
            // Text before the first turn (titles, notes) is not a quote.
            continue;
        }
        let content = l.trim();
        let lead = l.len() - l.trim_start().len();
        let eb = line.byte + lead + content.len();
        let ec = line.char + l[..lead].chars().count() + content.chars().count();
        match &mut open_para {
            Some(p) => {
                p.2 = eb;
                p.3 = ec;
            }
            None => {
                let sb = line.byte + lead;
                let sc = line.char + l[..lead].chars().count();
                open_para = Some((sb, sc, eb, ec));
            }
        }
    }
    close_para(&mut turns, &mut open_para);

    if turns.is_empty() {
        let at = first_body_line.unwrap_or(body_from + 1);
        return Err(SourceError::new(path, at, 1, "no speaker turns found")
            .with_source(text)
            .with_help("a turn starts with `LABEL:` at the start of a line (e.g. `P1: ...`); for other styles set [transcript] speaker_pattern in qcode.toml"));
    }

    // Turns → segments, resolving each speaker's role once.
    let mut undeclared = BTreeSet::new();
    let mut unknown_roles = BTreeSet::new();
    let mut segments = Vec::new();
    for turn in &turns {
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
        let role_label = declared
            .map(|s| s.role_label.as_str())
            .unwrap_or(&turn.label);
        let (role, label) = match roles
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
        };
        for (p, para) in turn.paragraphs.iter().enumerate() {
            let paragraph = p as u32 + 1;
            segments.push(Segment {
                id: format!("{id}:{}.{paragraph}", turn.number),
                interview: id.clone(),
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
