//! One corpus file, whatever its format: its source text (decoded, or rendered from a recording's
//! or a Word file's format) and its interviews. Which files make up the corpus is the project's
//! business ([`crate::project::corpus_files`]). A file's reading mode ([`Format`]) is its
//! header's, else its sidecar's, else qcode.toml's; recordings are always read turn by turn.

use std::path::Path;

use super::header::sidecar_format;
use super::text::parse_transcript_as;
use super::{parse_csv, Format, Interview, TranscriptSettings};
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

/// A sidecar header as read: its YAML (the header of a rendered transcript) and its `format`.
struct Sidecar {
    value: serde_norway::Value,
    format: Option<Format>,
}

/// The sidecar header of a transcript: `NAME.yml` (or `.yaml`) beside it, or nothing.
fn sidecar(path: &Path, shown: &Path) -> Result<Sidecar, SourceError> {
    for ext in ["yml", "yaml"] {
        let p = path.with_extension(ext);
        if let Ok(text) = std::fs::read_to_string(&p) {
            let shown = shown.with_extension(ext);
            let value = serde_norway::from_str(&text).map_err(|e| {
                let line = e.location().map(|l| l.line()).unwrap_or(0);
                SourceError::new(&shown, line, 1, format!("malformed sidecar header: {e}"))
                    .with_source(&text)
                    .with_help("write `id: ...`, metadata keys, and `speakers:` mapping each name to a role")
            })?;
            let format = sidecar_format(&shown, &text)?;
            return Ok(Sidecar { value, format });
        }
    }
    Ok(Sidecar {
        value: serde_norway::Value::Null,
        format: None,
    })
}

/// The text a transcript is parsed from, and that its segment offsets refer to: the decoded file
/// for qcode's own format and CSV, the rendering for WebVTT, SRT, otter.ai and Word files (a
/// Word file's depends on its reading mode, hence `settings`).
pub fn source_text(
    rel: &str,
    path: &Path,
    bytes: &[u8],
    settings: &TranscriptSettings,
) -> Result<(String, Vec<Warning>), SourceError> {
    read_source(rel, path, bytes, settings).map(|(text, warnings, _)| (text, warnings))
}

/// [`source_text`], and the mode it is to be read in unless its own header says otherwise.
fn read_source(
    rel: &str,
    path: &Path,
    bytes: &[u8],
    settings: &TranscriptSettings,
) -> Result<(String, Vec<Warning>, Format), SourceError> {
    use super::media::{
        docx_paragraphs, docx_turns, looks_like_otter, otter_turns, render, render_document,
        subtitle_turns,
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
        let side = sidecar(path, shown)?;
        let format = side.format.unwrap_or(settings.format);
        let text = match format {
            Format::Document => render_document(&paras, &side.value),
            _ => render(&docx_turns(&paras), &side.value, settings),
        };
        return Ok((text, warnings, format));
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
    // A recording's rendering is one paragraph per turn: every mode but `document` reads it
    // alike, and `document` would lose its speakers, so recordings keep the default.
    let (text, format) = match ext.as_str() {
        "vtt" | "srt" => (
            render(
                &subtitle_turns(&decoded.text),
                &sidecar(path, shown)?.value,
                settings,
            ),
            Format::Paragraph,
        ),
        "txt" if !decoded.text.starts_with("---") && looks_like_otter(&decoded.text) => (
            render(
                &otter_turns(&decoded.text),
                &sidecar(path, shown)?.value,
                settings,
            ),
            Format::Paragraph,
        ),
        _ if super::table_delimiter(path).is_some() => (decoded.text, settings.format),
        _ => {
            let format = sidecar(path, shown)?.format.unwrap_or(settings.format);
            (decoded.text, format)
        }
    };
    Ok((text, warnings, format))
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
    let (text, mut warnings, format) = read_source(rel, path, bytes, settings)?;
    // Any white space (a full-width or no-break space too), as an id may hold none.
    let stem = path
        .file_stem()
        .map(|s| {
            s.to_string_lossy()
                .replace(|c: char| c.is_whitespace() || c == ':', "-")
        })
        .unwrap_or_else(|| "interview".into());
    let interviews = if super::table_delimiter(path).is_some() {
        let (ivs, w) = parse_csv(shown, rel, &text, &stem, roles)?;
        warnings.extend(w);
        ivs
    } else {
        let (iv, w) = parse_transcript_as(shown, rel, &text, &stem, settings, format, roles)?;
        warnings.extend(w);
        vec![iv]
    };
    Ok(Parsed {
        interviews,
        warnings,
    })
}
