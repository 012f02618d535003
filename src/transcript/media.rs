//! Transcripts from recording and transcription tools: WebVTT (Zoom writes `Name: text` in a cue;
//! Teams writes `<v Name>text</v>`, sometimes without `</v>`, and repeats the speaker on every
//! cue), SRT (the speaker usually written only when it changes), otter.ai text exports
//! (`Speaker Name  0:05` lines above each paragraph) and Word documents (.docx, paragraphs; `Name:`
//! starts a turn). Each is rendered into qcode's own transcript format — a header, then one
//! `Sn: [hh:mm:ss] text` turn per speaker change — and parsed from that rendering, which is also
//! the text that segment offsets (and REFI-QDA exports) refer to. Speakers' names become declared
//! names (so they are masked like any participant's); their roles come from a sidecar header
//! (`NAME.yml` beside the file: `id`, metadata, and `speakers:` mapping each name to a role), and
//! a name the sidecar does not map is the interviewer when qcode.toml's `[transcript]
//! interviewer` names it.

use std::sync::LazyLock;

use regex::Regex;

use super::TranscriptSettings;
use crate::roles::INTERVIEWER_ROLE;
use crate::text::limits::{EntryError, Limits, OverLimit};

/// One speaker turn read from a media transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaTurn {
    pub speaker: Option<String>,
    pub start: Option<String>,
    pub text: String,
}

static TIMING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})",
    )
    .expect("valid")
});
static VOICE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^<v(?:\.[^ >]*)?\s+([^>]+)>").expect("valid"));
static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"</?[a-zA-Z][^>]*>").expect("valid"));
// Combining marks too: a name with decomposed accents (`Zoe\u{308}`) is still a speaker.
static NAME_COLON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([\p{L}][\p{L}\p{M}\p{N} .'’-]{0,60}?):\s+(.*)$").expect("valid")
});
static OTTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\S.*?)\s{2,}(\d{1,2}:\d{2}(?::\d{2})?)\s*$").expect("valid"));

/// `00:01:02.500` → `00:01:02`.
fn hms(t: &str) -> String {
    let t = t.split(['.', ',']).next().unwrap_or(t);
    let parts: Vec<&str> = t.split(':').collect();
    match parts.len() {
        2 => format!("00:{:0>2}:{:0>2}", parts[0], parts[1]),
        3 => format!("{:0>2}:{:0>2}:{:0>2}", parts[0], parts[1], parts[2]),
        _ => t.to_string(),
    }
}

/// Cues of a VTT or SRT file: (start time, text lines).
fn cues(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut cur: Option<(String, Vec<String>)> = None;
    for line in text.lines() {
        if let Some(c) = TIMING.captures(line) {
            out.extend(cur.take());
            cur = Some((hms(&c[1]), Vec::new()));
        } else if line.trim().is_empty() {
            out.extend(cur.take());
        } else if let Some((_, lines)) = cur.as_mut() {
            lines.push(line.trim().to_string());
        }
    }
    out.extend(cur);
    out
}

/// Merge consecutive cues of one speaker into turns.
fn merge(items: Vec<(Option<String>, String, String)>) -> Vec<MediaTurn> {
    let mut turns: Vec<MediaTurn> = Vec::new();
    let mut last: Option<String> = None;
    for (speaker, start, text) in items {
        let speaker = speaker.or_else(|| last.clone());
        if text.trim().is_empty() {
            continue;
        }
        match turns.last_mut() {
            Some(t) if t.speaker == speaker => {
                t.text.push(' ');
                t.text.push_str(text.trim());
            }
            _ => turns.push(MediaTurn {
                speaker: speaker.clone(),
                start: Some(start),
                text: text.trim().to_string(),
            }),
        }
        last = speaker;
    }
    turns
}

/// WebVTT (Zoom, Teams) and SRT.
pub fn subtitle_turns(text: &str) -> Vec<MediaTurn> {
    let mut items = Vec::new();
    for (start, lines) in cues(text) {
        let joined = lines.join(" ");
        let (speaker, rest) = if let Some(c) = VOICE.captures(&joined) {
            (
                Some(c[1].trim().to_string()),
                joined[c.get(0).map(|m| m.end()).unwrap_or(0)..].to_string(),
            )
        } else if let Some(c) = NAME_COLON.captures(&joined) {
            (Some(c[1].trim().to_string()), c[2].to_string())
        } else {
            (None, joined.clone())
        };
        let clean = TAG
            .replace_all(&rest, "")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">");
        items.push((
            speaker,
            start,
            clean.split_whitespace().collect::<Vec<_>>().join(" "),
        ));
    }
    merge(items)
}

/// Does this text look like an otter.ai export (`Name  0:05` header lines)?
pub fn looks_like_otter(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().is_some_and(|l| OTTER.is_match(l));
    first && text.lines().filter(|l| OTTER.is_match(l)).count() >= 2
}

/// otter.ai: a `Speaker  MM:SS` line, then the paragraph(s) that speaker said.
pub fn otter_turns(text: &str) -> Vec<MediaTurn> {
    let mut items = Vec::new();
    let mut cur: Option<(String, String, Vec<String>)> = None;
    for line in text.lines() {
        if let Some(c) = OTTER.captures(line) {
            if let Some((s, t, body)) = cur.take() {
                items.push((Some(s), t, body.join(" ")));
            }
            cur = Some((c[1].trim().to_string(), hms(&c[2]), Vec::new()));
        } else if let Some((_, _, body)) = cur.as_mut() {
            if !line.trim().is_empty() {
                body.push(line.trim().to_string());
            }
        }
    }
    if let Some((s, t, body)) = cur {
        items.push((Some(s), t, body.join(" ")));
    }
    merge(items)
}

/// Why a .docx could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    #[error("not a Word document ({0})")]
    NotAZip(zip::result::ZipError),
    #[error("not a Word document (no word/document.xml)")]
    NoDocument,
    #[error("word/document.xml: {0}")]
    Unreadable(std::io::Error),
    #[error("word/document.xml: {0}")]
    Xml(quick_xml::Error),
    #[error("not a Word document (word/document.xml is not UTF-8 text)")]
    NotText,
    /// Over `[limits] unzipped_mb` or `zip_ratio`.
    #[error("{}", .0.message)]
    Over(OverLimit),
}

/// The paragraphs of a .docx (word/document.xml), as text; the document inflated within
/// `limits` (a zip bomb is stopped at the bound, not read until memory runs out).
pub fn docx_paragraphs(bytes: &[u8], limits: &Limits) -> Result<Vec<String>, DocxError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(DocxError::NotAZip)?;
    let entry = zip
        .by_name("word/document.xml")
        .map_err(|_| DocxError::NoDocument)?;
    let compressed = entry.compressed_size();
    let xml = match limits.read_entry("word/document.xml", compressed, entry) {
        Ok(b) => String::from_utf8(b).map_err(|_| DocxError::NotText)?,
        Err(EntryError::Over(o)) => return Err(DocxError::Over(o)),
        Err(EntryError::Io(e)) => return Err(DocxError::Unreadable(e)),
    };
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut paras = Vec::new();
    let mut cur = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event().map_err(DocxError::Xml)? {
            quick_xml::events::Event::Start(e) if e.local_name().as_ref() == "t" => in_text = true,
            quick_xml::events::Event::Empty(e)
                if matches!(e.local_name().as_ref(), "tab" | "br") =>
            {
                cur.push(' ')
            }
            quick_xml::events::Event::Text(t) if in_text => cur.push_str(&t.xml10_content()),
            quick_xml::events::Event::GeneralRef(r) if in_text => {
                if let Some(c) = quick_xml::escape::resolve_predefined_entity(&r) {
                    cur.push_str(c);
                } else if let Ok(Some(c)) = r.resolve_char_ref() {
                    cur.push(c);
                }
            }
            quick_xml::events::Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "p" => paras.push(std::mem::take(&mut cur).trim().to_string()),
                _ => {}
            },
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    Ok(paras.into_iter().filter(|p| !p.is_empty()).collect())
}

/// Word paragraphs as turns: `Name: text` starts one; other paragraphs continue it.
pub fn docx_turns(paras: &[String]) -> Vec<MediaTurn> {
    let mut turns: Vec<MediaTurn> = Vec::new();
    for p in paras {
        match NAME_COLON.captures(p) {
            Some(c) => turns.push(MediaTurn {
                speaker: Some(c[1].trim().to_string()),
                start: None,
                text: c[2].trim().to_string(),
            }),
            None => {
                // A paragraph before any `Name:` (a title) is not a quote.
                if let Some(t) = turns.last_mut() {
                    t.text.push_str("\n\n");
                    t.text.push_str(p);
                }
            }
        }
    }
    turns
}

/// A sidecar's `speakers:` entry for a name: its role label, and its other keys (the speaker's
/// attributes) as they follow `role` and `name` in a rendered header (`, gender: "f"`).
fn declared_speaker(v: &serde_norway::Value) -> (String, String) {
    let Some(m) = v.as_mapping() else {
        return (
            v.as_str().map(str::to_string).unwrap_or_default(),
            String::new(),
        );
    };
    let mut role = String::new();
    let mut attributes = String::new();
    for (k, v) in m {
        let (Some(k), Some(v)) = (k.as_str(), scalar_text(v)) else {
            continue;
        };
        match k {
            "role" => role = v,
            "name" => {}
            _ => attributes.push_str(&format!(", {}: {}", yaml_str(k), yaml_str(&v))),
        }
    }
    (role, attributes)
}

/// A YAML scalar as text.
fn scalar_text(v: &serde_norway::Value) -> Option<String> {
    match v {
        serde_norway::Value::String(s) => Some(s.clone()),
        serde_norway::Value::Number(n) => Some(n.to_string()),
        serde_norway::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The start of a rendering's header: `---`, then the sidecar's scalar keys but `speakers`
/// (each renderer writes its own) and `format` (already applied: the rendering is read as is).
fn header_keys(sidecar: &serde_norway::Value) -> String {
    let mut out = String::from("---\n");
    if let Some(m) = sidecar.as_mapping() {
        for (k, v) in m {
            let Some(k) = k.as_str() else { continue };
            if k == "speakers" || k == "format" {
                continue;
            }
            let Some(v) = scalar_text(v) else { continue };
            out.push_str(&format!("{k}: {}\n", yaml_str(&v)));
        }
    }
    out
}

/// Render a Word file's paragraphs as a document-format transcript: the sidecar's header, then
/// every non-empty paragraph as a block of its own, `Name:` and all (a document has no speakers).
pub fn render_document(paras: &[String], sidecar: &serde_norway::Value) -> String {
    let mut out = header_keys(sidecar);
    out.push_str("---\n");
    for p in paras.iter().filter(|p| !p.trim().is_empty()) {
        out.push_str(&format!("\n{p}\n"));
    }
    out
}

/// Render turns as a qcode transcript. `sidecar` is the YAML of the sidecar header (or empty):
/// its keys become the header, its `speakers:` maps names as written to role labels (or to
/// `{role: ..., gender: ...}`, the other keys the speaker's attributes); a name it does not map
/// is the interviewer if `settings` names it so, else an unknown speaker.
pub fn render(
    turns: &[MediaTurn],
    sidecar: &serde_norway::Value,
    settings: &TranscriptSettings,
) -> String {
    let declared: std::collections::BTreeMap<String, (String, String)> = sidecar
        .get("speakers")
        .and_then(|s| s.as_mapping())
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), declared_speaker(v))))
                .collect()
        })
        .unwrap_or_default();
    let mut names: Vec<String> = Vec::new();
    for t in turns {
        let n = t.speaker.clone().unwrap_or_else(|| "Unknown".into());
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let mut out = header_keys(sidecar);
    out.push_str("speakers:\n");
    for (i, n) in names.iter().enumerate() {
        let (role, attributes) = match declared.get(n) {
            Some((role, attributes)) => (role.clone(), attributes.as_str()),
            None if settings.is_interviewer(n) => (INTERVIEWER_ROLE.into(), ""),
            None => ("Unknown speaker".into(), ""),
        };
        if n == "Unknown" && attributes.is_empty() {
            out.push_str(&format!("  S{}: {}\n", i + 1, yaml_str(&role)));
        } else {
            let name = match n.as_str() {
                "Unknown" => String::new(),
                n => format!(", name: {}", yaml_str(n)),
            };
            out.push_str(&format!(
                "  S{}: {{role: {}{name}{attributes}}}\n",
                i + 1,
                yaml_str(&role),
            ));
        }
    }
    out.push_str("---\n");
    for t in turns {
        let n = t.speaker.clone().unwrap_or_else(|| "Unknown".into());
        let label = format!("S{}", names.iter().position(|x| *x == n).unwrap_or(0) + 1);
        let ts = t
            .start
            .as_ref()
            .map(|s| format!("[{s}] "))
            .unwrap_or_default();
        out.push_str(&format!("\n{label}: {ts}{}\n", t.text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_and_teams_vtt() {
        let zoom = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nJane Smith: We met monthly.\n\n2\n00:00:04.500 --> 00:00:06.000\nJane Smith: It helped.\n\n3\n00:00:07.000 --> 00:00:09.000\nAl Khan: Agreed.\n";
        let t = subtitle_turns(zoom);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].text, "We met monthly. It helped.");
        assert_eq!(t[0].start.as_deref(), Some("00:00:01"));
        let teams = "WEBVTT\n\nab-1\n00:00:01.000 --> 00:00:02.000\n<v Jane Smith>We trust them.</v>\n\nab-2\n00:00:02.000 --> 00:00:03.000\n<v Jane Smith>Mostly\n\nab-3\n00:01:00.000 --> 00:01:02.000\n<v Al Khan>Yes.</v>\n";
        let t = subtitle_turns(teams);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].speaker.as_deref(), Some("Jane Smith"));
        assert_eq!(t[0].text, "We trust them. Mostly");
        assert_eq!(t[1].start.as_deref(), Some("00:01:00"));
    }

    #[test]
    fn a_name_with_decomposed_accents_is_a_speaker() {
        let zoom = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nJane: Hi.\n\n2\n00:00:05.000 --> 00:00:06.000\nZoe\u{308} Lindqvist: We met.\n";
        let t = subtitle_turns(zoom);
        assert_eq!(t[1].speaker.as_deref(), Some("Zoe\u{308} Lindqvist"));
        assert_eq!(t[1].text, "We met.");
    }

    #[test]
    fn srt_speaker_only_when_it_changes_and_otter() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nJane: Hello there.\n\n2\n00:00:02,000 --> 00:00:03,000\nStill me.\n\n3\n00:00:03,000 --> 00:00:04,000\nAl: Hi.\n";
        let t = subtitle_turns(srt);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].text, "Hello there. Still me.");
        let otter = "Jane Smith  0:05\nWe met monthly.\n\nAl Khan  1:02:07\nGood.\n";
        assert!(looks_like_otter(otter));
        assert!(!looks_like_otter("P1: hello\n"));
        let t = otter_turns(otter);
        assert_eq!(t[1].start.as_deref(), Some("01:02:07"));
        assert_eq!(t[1].text, "Good.");
    }

    #[test]
    fn a_name_qcode_toml_calls_the_interviewer_is_one_unless_the_sidecar_says_otherwise() {
        let turns = subtitle_turns("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nJane Smith: Why?\n\n00:00:02.000 --> 00:00:03.000\nAl Khan: Because.\n");
        let settings = TranscriptSettings {
            interviewer: vec!["jane smith".into(), "al khan".into()],
            ..TranscriptSettings::default()
        };
        let none = serde_norway::Value::Null;
        let out = render(&turns, &none, &settings);
        assert!(
            out.contains("S1: {role: \"interviewer\", name: \"Jane Smith\"}"),
            "{out}"
        );
        let side = serde_norway::from_str("speakers:\n  Al Khan: Resident\n").unwrap();
        let out = render(&turns, &side, &settings);
        assert!(
            out.contains("S2: {role: \"Resident\", name: \"Al Khan\"}"),
            "{out}"
        );
        let out = render(&turns, &none, &TranscriptSettings::default());
        assert!(
            out.contains("S1: {role: \"Unknown speaker\", name: \"Jane Smith\"}"),
            "{out}"
        );
    }
}
