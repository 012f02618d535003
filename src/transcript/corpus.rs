//! One corpus file, whatever its format: its source text (decoded, or rendered from a recording's
//! or a Word file's format) and its interviews. Which files make up the corpus is the project's
//! business ([`crate::project::corpus_files`]), and so is what its interviews take from outside
//! it ([`FileContext`]). A file's reading mode ([`Format`]) is its header's, else its sidecar's,
//! else qcode.toml's; recordings are always read turn by turn. A sidecar is a recording's or
//! Word file's header (its rendering begins with it); for any other file its keys are read as a
//! header under the file's own ([`super::attributes`]).

use std::path::Path;

use super::attributes::Outside;
use super::csv::parse_csv_with;
use super::header::{check_sidecar_depth, parse_sidecar, sidecar_format, Header};
use super::text::parse_transcript_as;
use super::{CsvRows, FileContext, Format, Interview, TranscriptSettings};
use crate::diag::{SourceError, Warning};
use crate::roles::RoleTable;
use crate::text::{decode, Limits};

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

/// A sidecar header as read: its YAML (the header of a rendered transcript), its `format`, and
/// where it is and what it says (to read it as a header, for files it is read under).
struct Sidecar {
    value: serde_norway::Value,
    format: Option<Format>,
    file: Option<(std::path::PathBuf, String)>,
    /// `[limits] header_depth`.
    max_depth: usize,
}

impl Sidecar {
    /// What the sidecar says as a header (none without a sidecar).
    fn header(&self) -> Result<Header, SourceError> {
        match &self.file {
            Some((shown, text)) => parse_sidecar(shown, text, self.max_depth),
            None => Ok(Header::default()),
        }
    }
}

/// The sidecar header of a transcript: `NAME.yml` (or `.yaml`) beside it, or nothing.
fn sidecar(path: &Path, shown: &Path, limits: &Limits) -> Result<Sidecar, SourceError> {
    let max_depth = limits.header_depth;
    for ext in ["yml", "yaml"] {
        let p = path.with_extension(ext);
        if let Some(text) = read_sidecar(&p, &shown.with_extension(ext), limits)? {
            let shown = shown.with_extension(ext);
            check_sidecar_depth(&shown, &text, max_depth)?;
            let value = serde_norway::from_str(&text).map_err(|e| {
                let line = e.location().map(|l| l.line()).unwrap_or(0);
                SourceError::new(&shown, line, 1, format!("malformed sidecar header: {e}"))
                    .with_source(&text)
                    .with_help("write `id: ...`, metadata keys, and `speakers:` mapping each name to a role")
            })?;
            let format = sidecar_format(&shown, &text)?;
            return Ok(Sidecar {
                value,
                format,
                file: Some((shown, text)),
                max_depth,
            });
        }
    }
    Ok(Sidecar {
        value: serde_norway::Value::Null,
        format: None,
        file: None,
        max_depth,
    })
}

/// A sidecar's text, if there is a regular file at `path` (a folder, a pipe or a device of that
/// name is no sidecar: reading one could block or never end); one over `[limits] file_mb` is an
/// error.
fn read_sidecar(path: &Path, shown: &Path, limits: &Limits) -> Result<Option<String>, SourceError> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(None);
    };
    if !meta.is_file() {
        return Ok(None);
    }
    limits
        .check_file(meta.len())
        .map_err(|e| SourceError::whole_file(shown, e.message).with_help(e.help))?;
    Ok(std::fs::read_to_string(path).ok())
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
    read_source(rel, path, bytes, settings).map(|s| (s.text, s.warnings))
}

/// A file's source text, and how it is to be read.
struct Source {
    text: String,
    warnings: Vec<Warning>,
    /// The mode it is read in unless its own header says otherwise.
    format: Format,
    /// The sidecar header it is read under (none for a rendering, which begins with it).
    sidecar: Header,
}

/// [`source_text`], the mode it is read in, and the sidecar header it is read under.
fn read_source(
    rel: &str,
    path: &Path,
    bytes: &[u8],
    settings: &TranscriptSettings,
) -> Result<Source, SourceError> {
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
        let paras = docx_paragraphs(bytes, &settings.limits).map_err(|e| match e {
            super::media::DocxError::Over(o) => {
                SourceError::whole_file(shown, o.message).with_help(o.help)
            }
            e => SourceError::whole_file(shown, e.to_string())
                .with_help("save it as a .docx from Word or LibreOffice"),
        })?;
        let side = sidecar(path, shown, &settings.limits)?;
        let format = side.format.unwrap_or(settings.format);
        let text = match format {
            Format::Document => render_document(&paras, &side.value),
            _ => render(&docx_turns(&paras), &side.value, settings),
        };
        return Ok(Source {
            text,
            warnings,
            format,
            sidecar: Header::default(),
        });
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
    let rendered = |turns: Vec<super::media::MediaTurn>| -> Result<Source, SourceError> {
        Ok(Source {
            text: render(
                &turns,
                &sidecar(path, shown, &settings.limits)?.value,
                settings,
            ),
            warnings: Vec::new(),
            format: Format::Paragraph,
            sidecar: Header::default(),
        })
    };
    let mut source = match ext.as_str() {
        "vtt" | "srt" => rendered(subtitle_turns(&decoded.text))?,
        "txt" if !decoded.text.starts_with("---") && looks_like_otter(&decoded.text) => {
            rendered(otter_turns(&decoded.text))?
        }
        _ => {
            let side = sidecar(path, shown, &settings.limits)?;
            let table = super::table_delimiter(path).is_some();
            Source {
                text: decoded.text,
                warnings: Vec::new(),
                format: match table {
                    true => settings.format,
                    false => side.format.unwrap_or(settings.format),
                },
                sidecar: side.header()?,
            }
        }
    };
    source.warnings = warnings;
    Ok(source)
}

/// The rows of a table file read from `reader` (a large one, streamed), with what its rows take
/// from outside it: its sidecar header's metadata and `id`, and `ctx`; the sidecar read within
/// `limits`.
pub fn table_rows<R: std::io::Read>(
    reader: R,
    rel: &str,
    path: &Path,
    ctx: &FileContext,
    limits: &Limits,
) -> Result<CsvRows<'static, R>, SourceError> {
    let shown = Path::new(rel);
    let outside = Outside::new(path, sidecar(path, shown, limits)?.header()?, ctx);
    Ok(CsvRows::new(reader, shown, rel, outside.default_id(), None)?.outside(outside))
}

/// Decode and parse one corpus file's bytes, its interviews given what `ctx` gives them.
pub fn parse_file(
    settings: &TranscriptSettings,
    roles: &RoleTable,
    rel: &str,
    path: &Path,
    bytes: &[u8],
    ctx: &FileContext,
) -> Result<Parsed, SourceError> {
    // Messages name the file as the user knows it: relative to the project.
    let shown = Path::new(rel);
    let source = read_source(rel, path, bytes, settings)?;
    let mut warnings = source.warnings;
    let outside = Outside::new(path, source.sidecar, ctx);
    let interviews = if super::table_delimiter(path).is_some() {
        let (ivs, w) = parse_csv_with(shown, rel, &source.text, roles, outside)?;
        warnings.extend(w);
        ivs
    } else {
        let (iv, w) = parse_transcript_as(
            shown,
            rel,
            &source.text,
            &outside,
            settings,
            source.format,
            roles,
        )?;
        warnings.extend(w);
        vec![iv]
    };
    Ok(Parsed {
        interviews,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::{Attributes, Cases};
    use std::sync::Arc;

    /// Parse `name` (written with `text`, and its sidecar `side` when given) under `ctx`.
    fn parse(name: &str, text: &str, side: Option<&str>, ctx: &FileContext) -> Parsed {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        if let Some(side) = side {
            std::fs::write(path.with_extension("yml"), side).unwrap();
        }
        let settings = TranscriptSettings::default();
        parse_file(
            &settings,
            &RoleTable::default(),
            name,
            &path,
            text.as_bytes(),
            ctx,
        )
        .unwrap()
    }

    fn context() -> FileContext {
        let mut cases = Cases::default();
        cases.interviews.insert(
            "m1/a".into(),
            Attributes::from([
                ("module".into(), "sheet".into()),
                ("area".into(), "sheet".into()),
            ]),
        );
        FileContext {
            id: Some("m1/a".into()),
            folders: Attributes::from([("folder".into(), "m1".into())]),
            cases: Arc::new(cases),
        }
    }

    #[test]
    fn a_text_transcripts_sidecar_is_its_header_under_its_own() {
        let side = "area: sidecar\nmode: video\nspeakers:\n  P1: {role: resident, gender: f}\n";
        let text = "---\nmode: phone\n---\nP1: Hello.\n\nP2: Hi.\n";
        let p = parse("a.txt", text, Some(side), &context());
        let iv = &p.interviews[0];
        assert_eq!(iv.id, "m1/a");
        assert_eq!(iv.meta["area"], "sidecar");
        assert_eq!(iv.meta["mode"], "phone");
        assert_eq!(iv.meta["module"], "sheet");
        assert_eq!(iv.meta["folder"], "m1");
        assert_eq!(iv.segments[0].meta["gender"], "f");
        assert!(!iv.segments[1].meta.contains_key("gender"));
        assert_eq!(iv.segments[0].role, "resident");
        // The sidecar's id names an interview whose header names none.
        let p = parse("b.txt", "P1: Hello.\n", Some("id: named\n"), &context());
        assert_eq!(p.interviews[0].id, "named");
    }

    #[test]
    fn a_tables_rows_take_the_sidecar_and_the_sheet_under_their_own_columns() {
        let side = "area: sidecar\nmode: video\nspeakers:\n  P1: {role: x, gender: f}\n";
        let text = "id,speaker,text,area\nr1,P1,Hello,row\nr2,P2,Hi,\n";
        let p = parse("t.csv", text, Some(side), &context());
        let iv = &p.interviews[0];
        assert_eq!(iv.id, "m1/a");
        let (r1, r2) = (&iv.segments[0].meta, &iv.segments[1].meta);
        assert_eq!((r1["area"].as_str(), r1["gender"].as_str()), ("row", "f"));
        assert_eq!(
            (r2["area"].as_str(), r2["mode"].as_str()),
            ("sidecar", "video")
        );
        assert_eq!(
            (r2["module"].as_str(), r2["folder"].as_str()),
            ("sheet", "m1")
        );
        assert!(!r2.contains_key("gender"));
    }

    #[test]
    fn a_malformed_sidecar_key_is_located_in_the_sidecar() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "P1: Hi.\n").unwrap();
        std::fs::write(path.with_extension("yml"), "area: x\nplace: {a: b}\n").unwrap();
        let settings = TranscriptSettings::default();
        let e = parse_file(
            &settings,
            &RoleTable::default(),
            "corpus/a.txt",
            &path,
            b"P1: Hi.\n",
            &FileContext::default(),
        )
        .unwrap_err();
        assert_eq!(e.path, Path::new("corpus/a.yml"));
        assert_eq!((e.line, e.col), (2, 1), "{e}");
    }
}
