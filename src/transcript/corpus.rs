//! The corpus folder: which files are transcripts, and parsing one file whatever its format.
//! Reading the folder never writes to it.

use std::path::{Path, PathBuf};

use super::{decode, parse_csv, parse_transcript, Interview};
use crate::codebook::RoleTable;
use crate::diag::{SourceError, Warning};
use crate::project::Project;

/// What one corpus file gave: its interviews and the warnings worth showing.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub interviews: Vec<Interview>,
    pub warnings: Vec<Warning>,
}

/// Every transcript and CSV file under the corpus folder, as (path relative to the project, path),
/// sorted. Hidden files, README files and files matching `[project] exclude` are left out.
pub fn corpus_files(project: &Project) -> Result<Vec<(String, PathBuf)>, SourceError> {
    let dir = &project.corpus_dir;
    if dir.is_file() {
        return Err(
            SourceError::whole_file(dir, "the corpus is a file, not a folder").with_help(
                "put transcripts in a folder (corpus/), or set [project] corpus in qcode.toml",
            ),
        );
    }
    if !dir.exists() {
        return Err(
            SourceError::whole_file(dir, "corpus folder not found").with_help(
                "create corpus/ with your transcripts, or set [project] corpus in qcode.toml",
            ),
        );
    }
    let mut out = Vec::new();
    walk(dir, &mut |path| {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let in_corpus = path.strip_prefix(dir).unwrap_or(path);
        if project.exclude.is_match(in_corpus) {
            return;
        }
        if super::table_delimiter(path).is_some() || project.transcript.extensions.contains(&ext) {
            out.push((project.relative(path), path.to_path_buf()));
        }
    })
    .map_err(|e| SourceError::whole_file(dir, format!("cannot read the corpus folder: {e}")))?;
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if name.starts_with('.') || name.to_ascii_lowercase().starts_with("readme") {
            continue;
        }
        if path.is_dir() {
            walk(&path, f)?;
        } else if path.is_file() || path.is_symlink() {
            // A dangling link is listed too, so reading it fails and is reported, not ignored.
            f(&path);
        }
    }
    Ok(())
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
        let paras = docx_paragraphs(bytes).map_err(|m| {
            SourceError::whole_file(shown, m)
                .with_help("save it as a .docx from Word or LibreOffice")
        })?;
        return Ok((
            render(&docx_turns(&paras), &sidecar(path, shown)?),
            warnings,
        ));
    }
    let decoded = decode(bytes).map_err(|msg| {
        SourceError::whole_file(shown, msg)
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
    project: &Project,
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
        let (iv, w) = parse_transcript(shown, rel, &text, &stem, &project.transcript, roles)?;
        warnings.extend(w);
        vec![iv]
    };
    Ok(Parsed {
        interviews,
        warnings,
    })
}
