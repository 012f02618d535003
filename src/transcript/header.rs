//! The metadata header of a transcript: YAML between `---` fences. Flat keys become metadata;
//! `id` names the interview; `speakers:` maps labels to role labels (and optional names and
//! attributes of the speaker); `format` sets how this file is cut into segments (see [`Format`]).
//! A sidecar header (`NAME.yml`) is read the same way ([`parse_sidecar`], [`sidecar_format`]).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_norway::Value;

use super::{Format, Speaker, FORMAT_HELP};
use crate::diag::{line_col, SourceError};
use crate::text::limits::{yaml_too_deep, OverLimit};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Header {
    pub id: Option<String>,
    pub meta: BTreeMap<String, String>,
    pub speakers: BTreeMap<String, Speaker>,
    /// The reading mode this file asks for, over its sidecar's and qcode.toml's.
    pub format: Option<Format>,
}

/// Parse the header's YAML. `first_line` is the 1-based line of the header's first line in the
/// file, so errors point into the file, not into the header.
#[cfg(test)]
pub fn parse_header(
    path: &Path,
    yaml: &str,
    first_line: usize,
    file_text: &str,
) -> Result<Header, SourceError> {
    let depth = crate::text::Limits::default().header_depth;
    parse_header_within(path, yaml, first_line, file_text, depth)
}

/// [`parse_header`], refusing a header that nests deeper than `max_depth` (`[limits]
/// header_depth`) before the YAML parser sees it: a header is a few flat keys and a speakers
/// table, and a deeper one costs the parser far more than its size.
pub fn parse_header_within(
    path: &Path,
    yaml: &str,
    first_line: usize,
    file_text: &str,
    max_depth: usize,
) -> Result<Header, SourceError> {
    let src = HeaderSource::new(path, yaml, first_line, file_text);
    if yaml.trim().is_empty() {
        return Ok(Header::default());
    }
    src.check_depth(max_depth)?;
    let map = match src.value()? {
        Value::Mapping(m) => m,
        Value::Null => return Ok(Header::default()),
        _ => {
            return Err(src.err(
                first_line,
                1,
                "the metadata header must be `key: value` lines".into(),
                "e.g. `id: northmoor-07` then `area: Northmoor`",
            ))
        }
    };
    let mut header = Header::default();
    for (k, v) in map {
        let key = match scalar(&k) {
            Some(k) => k,
            None => {
                return Err(src.err(first_line, 1, "a header key must be plain text".into(), ""))
            }
        };
        match key.as_str() {
            "speakers" => header.speakers = speakers(&v, &src)?,
            "id" => header.id = Some(interview_id(&v, &src)?),
            "format" => header.format = Some(format(&v, &src)?),
            _ => {
                if let Some(text) = metadata(&key, &v, &src)? {
                    header.meta.insert(key, text);
                }
            }
        }
    }
    Ok(header)
}

/// The header's YAML and where it sits in its file: what every error about it is located by.
struct HeaderSource<'a> {
    path: &'a Path,
    yaml: &'a str,
    first_line: usize,
    file_text: &'a str,
    /// Where each key is first written, found in one pass when first asked for: looking each
    /// up by a scan would make 20,000 speakers quadratic.
    keys: std::cell::OnceCell<HashMap<&'a str, (usize, usize)>>,
}

impl<'a> HeaderSource<'a> {
    fn new(path: &'a Path, yaml: &'a str, first_line: usize, file_text: &'a str) -> Self {
        HeaderSource {
            path,
            yaml,
            first_line,
            file_text,
            keys: std::cell::OnceCell::new(),
        }
    }

    /// A header nesting deeper than `max_depth` is an error at the place it gets there.
    fn check_depth(&self, max_depth: usize) -> Result<(), SourceError> {
        let Some(at) = yaml_too_deep(self.yaml, max_depth) else {
            return Ok(());
        };
        let (l, c) = line_col(self.yaml, at);
        let over = OverLimit::new(
            "the metadata header nests",
            "header_depth",
            format!("{max_depth} levels deep"),
        );
        Err(self.err(self.first_line + l - 1, c, over.message, &over.help))
    }

    /// An error at a line and column of the file.
    fn err(&self, line: usize, col: usize, msg: String, help: &str) -> SourceError {
        SourceError::new(self.path, line, col, msg)
            .with_source(self.file_text)
            .with_help(help.to_string())
    }

    /// Where a key is written, for messages about its value.
    fn key_pos(&self, key: &str) -> (usize, usize) {
        let keys = self.keys.get_or_init(|| {
            let mut keys = HashMap::new();
            for (i, l) in self.yaml.split('\n').enumerate() {
                let t = l.trim_start();
                // A key is what comes before a colon; a few colons a line will do (a label
                // holding one is rare), and keep the pass linear.
                for (colon, _) in t.match_indices(':').take(4) {
                    let at = (self.first_line + i, l.len() - t.len() + 1);
                    keys.entry(t[..colon].trim_end()).or_insert(at);
                }
            }
            keys
        });
        keys.get(key).copied().unwrap_or((self.first_line, 1))
    }

    /// The YAML as a value; a syntax error is located in the file.
    fn value(&self) -> Result<Value, SourceError> {
        serde_norway::from_str(self.yaml).map_err(|e| {
            let (l, c) = e
                .location()
                .map(|loc| line_col(self.yaml, loc.index()))
                .unwrap_or((1, 0));
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            self.err(
                self.first_line + l - 1,
                c,
                format!("malformed metadata header: {msg}"),
                "write one `key: value` per line; quote values that contain `: ` or start with a special character",
            )
        })
    }
}

/// The value of `id:`: one scalar.
fn interview_id(v: &Value, src: &HeaderSource<'_>) -> Result<String, SourceError> {
    scalar(v).ok_or_else(|| {
        let (l, c) = src.key_pos("id");
        src.err(
            l,
            c,
            "`id` must be a single value".into(),
            "e.g. `id: northmoor-07`",
        )
    })
}

/// The value of `format:`: one of the reading modes, else an error at the key.
fn format(v: &Value, src: &HeaderSource<'_>) -> Result<Format, SourceError> {
    let name = scalar(v);
    name.as_deref().and_then(Format::parse).ok_or_else(|| {
        let (l, c) = src.key_pos("format");
        let shown = name.map_or_else(|| "that".to_string(), |n| format!("`{n}`"));
        src.err(
            l,
            c,
            format!("unknown transcript format {shown}"),
            FORMAT_HELP,
        )
    })
}

/// A sidecar header, the whole file at `path` being its YAML: what it says, as a header would.
pub fn parse_sidecar(path: &Path, yaml: &str, max_depth: usize) -> Result<Header, SourceError> {
    parse_header_within(path, yaml, 1, yaml, max_depth)
}

/// A sidecar (the whole file at `path`) nesting deeper than `max_depth` is an error, found
/// before any YAML parser reads it.
pub fn check_sidecar_depth(path: &Path, yaml: &str, max_depth: usize) -> Result<(), SourceError> {
    HeaderSource::new(path, yaml, 1, yaml).check_depth(max_depth)
}

/// The `format:` of a sidecar header (`yaml`, the whole file at `path`), if it sets one; other
/// keys are the renderers' business. A malformed sidecar is reported by whoever reads it whole,
/// so a syntax error here reads as no format.
pub fn sidecar_format(path: &Path, yaml: &str) -> Result<Option<Format>, SourceError> {
    let src = HeaderSource::new(path, yaml, 1, yaml);
    match serde_norway::from_str::<Value>(yaml) {
        Ok(Value::Mapping(m)) => match m.get("format") {
            Some(v) => format(v, &src).map(Some),
            None => Ok(None),
        },
        _ => Ok(None),
    }
}

/// A metadata value as text: a scalar, or a list of scalars joined with `; `; None when the
/// key is given no value (it is then left out).
fn metadata(key: &str, v: &Value, src: &HeaderSource<'_>) -> Result<Option<String>, SourceError> {
    let text = match v {
        Value::Null => return Ok(None),
        Value::Sequence(items) => {
            let parts: Option<Vec<String>> = items.iter().map(scalar).collect();
            parts.map(|p| p.join("; "))
        }
        other => scalar(other),
    };
    match text {
        Some(t) => Ok(Some(t)),
        None => {
            let (l, c) = src.key_pos(key);
            Err(src.err(
                l,
                c,
                format!("metadata `{key}` must be a single value or a list"),
                "nested tables are not metadata; write `key: value`",
            ))
        }
    }
}

/// The `speakers:` map: each label with its role label, and a name when given.
fn speakers(v: &Value, src: &HeaderSource<'_>) -> Result<BTreeMap<String, Speaker>, SourceError> {
    let (l, c) = src.key_pos("speakers");
    let help = "write one speaker per line under `speakers:`, e.g. `P1: Council officer` or `P2: {role: LTO rep, name: Dana}`";
    let map = match v {
        Value::Mapping(m) => m,
        Value::Null => return Ok(BTreeMap::new()),
        _ => return Err(src.err(l, c, "`speakers` must map labels to roles".into(), help)),
    };
    let mut out = BTreeMap::new();
    for (label, spec) in map {
        let label = scalar(label)
            .ok_or_else(|| src.err(l, c, "a speaker label must be plain text".into(), help))?;
        let (sl, sc) = src.key_pos(&label);
        let speaker = match spec {
            Value::Mapping(m) => declared_speaker(&label, m, (sl, sc), src)?,
            other => match scalar(other) {
                Some(role_label) => Speaker {
                    role_label,
                    ..Speaker::default()
                },
                None => {
                    return Err(src.err(sl, sc, format!("speaker `{label}` needs a role"), help))
                }
            },
        };
        out.insert(label, speaker);
    }
    Ok(out)
}

/// A speaker written as a mapping: `role` (required), `name`, and any other key an attribute of
/// the speaker (`gender: f`, `age: 40-49`), a scalar or a list as metadata is.
fn declared_speaker(
    label: &str,
    m: &serde_norway::Mapping,
    (sl, sc): (usize, usize),
    src: &HeaderSource<'_>,
) -> Result<Speaker, SourceError> {
    let mut speaker = Speaker::default();
    let mut role = None;
    for (k, v) in m {
        let key = scalar(k).ok_or_else(|| {
            src.err(
                sl,
                sc,
                format!("speaker `{label}` has a key that is not plain text"),
                "write `role`, `name` and attributes as `key: value`, e.g. `{role: resident, gender: f}`",
            )
        })?;
        match key.as_str() {
            "role" => role = scalar(v),
            "name" => speaker.name = scalar(v),
            _ => match speaker_attribute(v) {
                Some(Some(value)) => {
                    speaker.attributes.insert(key, value);
                }
                Some(None) => {}
                None => {
                    return Err(src.err(
                        sl,
                        sc,
                        format!(
                        "attribute `{key}` of speaker `{label}` must be a single value or a list"
                    ),
                        "e.g. `P1: {role: resident, gender: f, age: 40-49}`",
                    ))
                }
            },
        }
    }
    speaker.role_label = role.ok_or_else(|| {
        src.err(
            sl,
            sc,
            format!("speaker `{label}` has no `role`"),
            "write one speaker per line under `speakers:`, e.g. `P1: Council officer` or `P2: {role: LTO rep, name: Dana}`",
        )
    })?;
    Ok(speaker)
}

/// A speaker attribute's value as text, as [`metadata`] reads one: `Some(None)` when it is given
/// no value, `None` when it is nested.
fn speaker_attribute(v: &Value) -> Option<Option<String>> {
    match v {
        Value::Null => Some(None),
        Value::Sequence(items) => {
            let parts: Option<Vec<String>> = items.iter().map(scalar).collect();
            parts.map(|p| Some(p.join("; ")))
        }
        other => scalar(other).map(Some),
    }
}

/// A YAML scalar as text (dates, numbers and booleans as written).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_metadata_and_speakers() {
        let yaml = "id: nm-07\narea: Northmoor\ndate: 2018-05-14\nspeakers:\n  I: interviewer\n  P2: {role: LTO rep, name: Dana Whitfield}\n";
        let h = parse_header(Path::new("a.txt"), yaml, 2, "").unwrap();
        assert_eq!(h.id.as_deref(), Some("nm-07"));
        assert_eq!(h.meta["area"], "Northmoor");
        assert_eq!(h.meta["date"], "2018-05-14");
        assert_eq!(h.speakers["P2"].role_label, "LTO rep");
        assert_eq!(h.speakers["P2"].name.as_deref(), Some("Dana Whitfield"));
        assert_eq!(h.speakers["I"].name, None);
    }

    #[test]
    fn yaml_error_points_into_the_file() {
        let yaml = "id: x\narea: [Northmoor\n";
        let file = format!("---\n{yaml}---\n");
        let e = parse_header(Path::new("a.txt"), yaml, 2, &file).unwrap_err();
        assert!(e.message.starts_with("malformed metadata header"), "{e}");
        assert!(e.line >= 3, "{e}");
    }

    #[test]
    fn format_is_a_setting_not_metadata() {
        let h = parse_header(Path::new("a.txt"), "area: X\nformat: document\n", 2, "").unwrap();
        assert_eq!(h.format, Some(Format::Document));
        assert!(!h.meta.contains_key("format"), "{:?}", h.meta);
        let h = parse_header(Path::new("a.txt"), "format: turn\n", 2, "").unwrap();
        assert_eq!(h.format, Some(Format::Turn));
    }

    #[test]
    fn an_unknown_format_is_located_with_the_three_values() {
        let yaml = "id: x\nformat: prose\n";
        let file = format!("---\n{yaml}---\n");
        let e = parse_header(Path::new("a.txt"), yaml, 2, &file).unwrap_err();
        assert_eq!(e.message, "unknown transcript format `prose`");
        assert_eq!((e.line, e.col), (3, 1), "{e}");
        let help = e.help.clone().unwrap_or_default();
        for value in ["paragraph", "turn", "document"] {
            assert!(help.contains(value), "{help}");
        }
        let e = parse_header(Path::new("a.txt"), "format: [a, b]\n", 2, "").unwrap_err();
        assert_eq!(e.message, "unknown transcript format that");
    }

    #[test]
    fn a_sidecar_format_is_read_and_checked() {
        let p = Path::new("a.yml");
        assert_eq!(sidecar_format(p, "area: X\n").unwrap(), None);
        assert_eq!(
            sidecar_format(p, "area: X\nformat: document\n").unwrap(),
            Some(Format::Document)
        );
        let e = sidecar_format(p, "area: X\nformat: docs\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 1), "{e}");
        assert!(e.message.contains("`docs`"), "{e}");
    }

    #[test]
    fn a_speakers_other_keys_are_its_attributes() {
        let yaml = "speakers:\n  P1: {role: resident, name: Dana, gender: f, age: 40-49, langs: [en, cy], note: }\n";
        let h = parse_header(Path::new("a.txt"), yaml, 2, "").unwrap();
        let p1 = &h.speakers["P1"];
        assert_eq!(
            (p1.role_label.as_str(), p1.name.as_deref()),
            ("resident", Some("Dana"))
        );
        assert_eq!(p1.attributes["gender"], "f");
        assert_eq!(p1.attributes["age"], "40-49");
        assert_eq!(p1.attributes["langs"], "en; cy");
        assert!(
            !p1.attributes.contains_key("note"),
            "no value, no attribute"
        );
        let e = parse_header(
            Path::new("a.txt"),
            "speakers:\n  P1: {role: r, age: {from: 40}}\n",
            2,
            "",
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "attribute `age` of speaker `P1` must be a single value or a list"
        );
        assert_eq!((e.line, e.col), (3, 3), "{e}");
    }

    #[test]
    fn speaker_without_role_is_an_error() {
        let yaml = "speakers:\n  P1: {name: Bob}\n";
        let e = parse_header(Path::new("a.txt"), yaml, 2, "").unwrap_err();
        assert!(e.message.contains("has no `role`"), "{e}");
        assert_eq!(e.line, 3);
    }
}
