//! One corpus file, whatever its format: its source text (decoded, or rendered from a recording's
//! or a Word file's format) and its interviews. Which files make up the corpus is the project's
//! business ([`crate::project::corpus_files`]).

use std::path::Path;

use super::{parse_csv, parse_transcript, Interview, TranscriptSettings};
use crate::diag::{SourceError, Warning};
use crate::roles::RoleTable;
use crate::text::decode;

/// What one corpus file gave: its interviews and the warnings worth showing.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub interviews: Vec<Interview>,
    pub warnings: Vec<Warning>,
}

/// The sidecar header file of a transcript, if there is one: `NAME.yml` or `NAME.yaml` beside it.
pub fn sidecar_path(path: &Path) -> Option<std::path::PathBuf> {
    ["yml", "yaml"]
        .iter()
        .map(|e| path.with_extension(e))
        .find(|p| p.is_file())
}

/// The sidecar header of a media transcript: `NAME.yml` (or `.yaml`) beside it, or nothing.
fn sidecar(path: &Path, shown: &Path) -> Result<serde_norway::Value, SourceError> {
    for ext in ["yml", "yaml"] {
        let p = path.with_extension(ext);
        if let Ok(text) = std::fs::read_to_string(&p) {
            let shown = shown.with_extension(ext);
            return serde_norway::from_str(&text).map_err(|e| {
                let line = e.location().map(|l| l.line()).unwrap_or(0);
                SourceError::new(&shown, line, 1, format!("malformed sidecar header: {e}"))
                    .with_source(&text)
                    .with_help("write `id: ...`, metadata keys, and `speakers:` mapping each name to a role")
            });
        }
    }
    Ok(serde_norway::Value::Null)
}

/// The text a transcript is parsed from, and that its segment offsets refer to: the decoded file
/// for qcode's own format and CSV, the rendering for WebVTT, SRT, otter.ai and Word files.
pub fn source_text(
    rel: &str,
    path: &Path,
    bytes: &[u8],
) -> Result<(String, Vec<Warning>), SourceError> {
    use super::media::{
        docx_paragraphs, docx_turns, looks_like_otter, otter_turns, render, subtitle_turns,
    };
    let shown = Path::new(rel);
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let mut warnings = Vec::new();
    if ext == "docx" {
        let paras = docx_paragraphs(bytes).map_err(|e| {
            SourceError::whole_file(shown, e.to_string())
                .with_help("save it as a .docx from Word or LibreOffice")
        })?;
        return Ok((
            render(&docx_turns(&paras), &sidecar(path, shown)?),
            warnings,
        ));
    }
    let decoded = decode(bytes).map_err(|e| {
        SourceError::whole_file(shown, e.to_string())
            .with_help("corpus files must be text: UTF-8, UTF-16 or Windows-1252")
    })?;
    if let Some(w) = decoded.warning {
        warnings.push(Warning {
            location: rel.to_string(),
            message: w,
        });
    }
    let text = match ext.as_str() {
        "vtt" | "srt" => render(&subtitle_turns(&decoded.text), &sidecar(path, shown)?),
        "txt" if !decoded.text.starts_with("---") && looks_like_otter(&decoded.text) => {
            render(&otter_turns(&decoded.text), &sidecar(path, shown)?)
        }
        _ => decoded.text,
    };
    Ok((text, warnings))
}

/// Decode and parse one corpus file's bytes.
pub fn parse_file(
    settings: &TranscriptSettings,
    roles: &RoleTable,
    rel: &str,
    path: &Path,
    bytes: &[u8],
) -> Result<Parsed, SourceError> {
    // Messages name the file as the user knows it: relative to the project.
    let shown = Path::new(rel);
    let (text, mut warnings) = source_text(rel, path, bytes)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().replace([' ', ':'], "-"))
        .unwrap_or_else(|| "interview".into());
    let interviews = if super::table_delimiter(path).is_some() {
        let (ivs, w) = parse_csv(shown, rel, &text, &stem, roles)?;
        warnings.extend(w);
        ivs
    } else {
        let (iv, w) = parse_transcript(shown, rel, &text, &stem, settings, roles)?;
        warnings.extend(w);
        vec![iv]
    };
    Ok(Parsed {
        interviews,
        warnings,
    })
}
