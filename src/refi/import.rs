//! Reading a REFI-QDA project (.qdpx) made by another tool: its text sources, its codes, and its
//! codings (text selections with the codes applied to them, by user).
//!
//! Real exports differ from the standard in how positions count. The standard (and qcode,
//! ATLAS.ti, QualCoder) counts Unicode code points over the text with a line break as one
//! character; MAXQDA counts CRLF as two; NVivo counts UTF-16 code units over the text with the BOM
//! removed and CRLF kept. [`Positions`] names these; [`to_lf_offsets`] turns any of them into
//! code points over the LF text qcode reads.

use std::collections::BTreeMap;
use std::io::Read;

use quick_xml::events::Event;
use quick_xml::XmlVersion;

/// How a tool counted selection positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Positions {
    /// Code points, a line break (CRLF or LF) counting one: the standard.
    CodePoints,
    /// Code points, CRLF counting two (MAXQDA).
    Crlf,
    /// UTF-16 code units, CRLF counting two (NVivo).
    Utf16,
}

impl Positions {
    /// How the tool that wrote a project counted, from the project's `origin`: NVivo in UTF-16
    /// units, MAXQDA with CRLF as two, any other (or none named) as the standard says.
    pub fn from_origin(origin: Option<&str>) -> Positions {
        let origin = origin.unwrap_or_default().to_lowercase();
        if origin.contains("nvivo") {
            Positions::Utf16
        } else if origin.contains("maxqda") {
            Positions::Crlf
        } else {
            Positions::CodePoints
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedCode {
    pub guid: String,
    pub name: String,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedSelection {
    pub guid: String,
    pub start: usize,
    pub end: usize,
    /// (code GUID, user GUID) of each coding.
    pub codings: Vec<(String, Option<String>)>,
    pub user: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedSource {
    pub guid: String,
    pub name: String,
    /// The source text exactly as stored (BOM removed).
    pub text: String,
    pub selections: Vec<ImportedSelection>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportedProject {
    /// The `origin` attribute (the tool that wrote it), when given.
    pub origin: Option<String>,
    pub users: BTreeMap<String, String>,
    pub codes: Vec<ImportedCode>,
    pub sources: Vec<ImportedSource>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("not a REFI-QDA project: {0}")]
    NotAProject(String),
    #[error("project.qde is not valid XML: {0}")]
    Xml(String),
    #[error("source `{source_name}`: {message}")]
    Source {
        source_name: String,
        message: String,
    },
}

fn attrs(e: &quick_xml::events::BytesStart) -> BTreeMap<String, String> {
    e.attributes()
        .filter_map(Result::ok)
        .filter_map(|a| {
            let key = a.key.local_name().as_ref().to_string();
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| (key, v.into_owned()))
        })
        .collect()
}

/// Read a `.qdpx` (zip) from its bytes.
pub fn read_qdpx(bytes: &[u8]) -> Result<ImportedProject, ImportError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| ImportError::NotAProject(format!("not a zip file ({e})")))?;
    let names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.to_string())
        .collect();
    let qde = names
        .iter()
        .find(|n| n.eq_ignore_ascii_case("project.qde"))
        .cloned()
        .ok_or_else(|| ImportError::NotAProject("no project.qde inside".into()))?;
    let mut xml = String::new();
    zip.by_name(&qde)
        .map_err(|e| ImportError::NotAProject(e.to_string()))?
        .read_to_string(&mut xml)
        .map_err(|e| ImportError::Xml(e.to_string()))?;
    let mut project = parse_qde(&xml)?;
    // Sources stored as files: `internal://NAME` lives under sources/ (or Sources/). Names come
    // from the XML, never from the zip's own paths, and may not climb out of that folder.
    for s in &mut project.sources {
        let Some(internal) = s.text.strip_prefix("\u{0}path:") else {
            continue;
        };
        let internal = internal.to_string();
        if internal.contains("..") || internal.contains('/') || internal.contains('\\') {
            return Err(ImportError::Source {
                source_name: s.name.clone(),
                message: format!("unsafe path `{internal}`"),
            });
        }
        let entry = names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(&format!("sources/{internal}")))
            .cloned()
            .ok_or_else(|| ImportError::Source {
                source_name: s.name.clone(),
                message: format!("sources/{internal} is missing"),
            })?;
        let mut raw = Vec::new();
        zip.by_name(&entry)
            .map_err(|e| ImportError::Source {
                source_name: s.name.clone(),
                message: e.to_string(),
            })?
            .read_to_end(&mut raw)
            .map_err(|e| ImportError::Source {
                source_name: s.name.clone(),
                message: e.to_string(),
            })?;
        let text = String::from_utf8(raw).map_err(|_| ImportError::Source {
            source_name: s.name.clone(),
            message: "the text is not UTF-8".into(),
        })?;
        s.text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    }
    Ok(project)
}

/// Parse `project.qde`. A source stored in the package gets the placeholder text
/// "\0path:NAME" until [`read_qdpx`] fills it in.
pub fn parse_qde(xml: &str) -> Result<ImportedProject, ImportError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut qde = QdeReader::default();
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| ImportError::Xml(e.to_string()))?;
        let empty = matches!(ev, Event::Empty(_));
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name().as_ref().to_string();
                qde.element(&name, &attrs(&e), empty)?;
            }
            Event::Text(t) if qde.in_content => qde.content(&t.xml10_content()),
            Event::GeneralRef(r) if qde.in_content => {
                let ch = if r.is_char_ref() {
                    r.resolve_char_ref().ok().flatten().map(|c| c.to_string())
                } else {
                    quick_xml::escape::resolve_predefined_entity(&r).map(str::to_string)
                };
                if let Some(c) = ch {
                    qde.content(&c);
                }
            }
            Event::CData(c) if qde.in_content => qde.content(&c.xml10_content()),
            Event::End(e) => qde.end(e.local_name().as_ref()),
            Event::Eof => break,
            _ => {}
        }
    }
    if qde.project.sources.is_empty() && qde.project.codes.is_empty() {
        return Err(ImportError::NotAProject(
            "project.qde has no sources and no codes".into(),
        ));
    }
    Ok(qde.project)
}

/// What [`parse_qde`] has read so far, and where in the document it is: the elements that
/// matter nest (codes in codes, selections in a source, codings in a selection), so each is
/// built while open and filed when it closes.
#[derive(Default)]
struct QdeReader {
    project: ImportedProject,
    /// GUIDs of the codes open around this point of the codebook: the last is the parent.
    code_stack: Vec<String>,
    in_codebook: bool,
    source: Option<ImportedSource>,
    selection: Option<ImportedSelection>,
    /// The user of the `Coding` open now, for its `CodeRef`s.
    coding_user: Option<String>,
    /// Inside a `PlainTextContent`: text read here is the source's.
    in_content: bool,
}

impl QdeReader {
    /// An element opens (`empty`: and closes at once) with attributes `a`.
    fn element(
        &mut self,
        name: &str,
        a: &BTreeMap<String, String>,
        empty: bool,
    ) -> Result<(), ImportError> {
        match name {
            "Project" => self.project.origin = a.get("origin").cloned(),
            "User" => self.user(a),
            "CodeBook" => self.in_codebook = true,
            "Code" if self.in_codebook => self.code(a, empty),
            "TextSource" => self.text_source(a, empty),
            "PlainTextContent" if !empty => self.in_content = true,
            "PlainTextSelection" => self.selection = Some(selection(a)?),
            "Coding" => self.coding_user = a.get("creatingUser").cloned(),
            "CodeRef" => {
                if let (Some(sel), Some(t)) = (self.selection.as_mut(), a.get("targetGUID")) {
                    sel.codings.push((t.clone(), self.coding_user.clone()));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A user, named by its name, else its id, else its GUID; one without a GUID cannot be
    /// referred to and is left out.
    fn user(&mut self, a: &BTreeMap<String, String>) {
        if let Some(g) = a.get("guid") {
            self.project.users.insert(
                g.clone(),
                a.get("name")
                    .or(a.get("id"))
                    .cloned()
                    .unwrap_or_else(|| g.clone()),
            );
        }
    }

    /// A code of the codebook, its parent the code it is nested in.
    fn code(&mut self, a: &BTreeMap<String, String>, empty: bool) {
        let guid = a.get("guid").cloned().unwrap_or_default();
        self.project.codes.push(ImportedCode {
            guid: guid.clone(),
            name: a.get("name").cloned().unwrap_or_default(),
            parent: self.code_stack.last().cloned(),
        });
        if !empty {
            self.code_stack.push(guid);
        }
    }

    /// A text source: its text is inline (read as `PlainTextContent`) or a file in the package
    /// (`internal://NAME`, the placeholder until [`read_qdpx`] reads it).
    fn text_source(&mut self, a: &BTreeMap<String, String>, empty: bool) {
        let text = a
            .get("plainTextPath")
            .and_then(|p| p.strip_prefix("internal://"))
            .map(|n| format!("\u{0}path:{n}"))
            .unwrap_or_default();
        let src = ImportedSource {
            guid: a.get("guid").cloned().unwrap_or_default(),
            name: a.get("name").cloned().unwrap_or_else(|| "source".into()),
            text,
            selections: Vec::new(),
        };
        if empty {
            self.project.sources.push(src);
        } else {
            self.source = Some(src);
        }
    }

    /// Text inside a `PlainTextContent`, added to the open source's.
    fn content(&mut self, text: &str) {
        if let Some(s) = self.source.as_mut() {
            s.text.push_str(text);
        }
    }

    /// An element closes: what was built inside it is filed.
    fn end(&mut self, name: &str) {
        match name {
            "CodeBook" => self.in_codebook = false,
            "Code" if self.in_codebook => {
                self.code_stack.pop();
            }
            "PlainTextContent" => self.in_content = false,
            "PlainTextSelection" => {
                if let (Some(s), Some(sel)) = (self.source.as_mut(), self.selection.take()) {
                    s.selections.push(sel);
                }
            }
            "TextSource" => self.project.sources.extend(self.source.take()),
            _ => {}
        }
    }
}

/// A selection with its positions as written (the caller maps them to the text); positions
/// that are not numbers are refused.
fn selection(a: &BTreeMap<String, String>) -> Result<ImportedSelection, ImportError> {
    let num = |k: &str| a.get(k).and_then(|v| v.trim().parse::<usize>().ok());
    let (Some(start), Some(end)) = (num("startPosition"), num("endPosition")) else {
        return Err(ImportError::Xml(
            "a PlainTextSelection without numeric positions".into(),
        ));
    };
    Ok(ImportedSelection {
        guid: a.get("guid").cloned().unwrap_or_default(),
        start,
        end,
        codings: Vec::new(),
        user: a.get("creatingUser").cloned(),
    })
}

/// Map from a tool's position (index = the tool's unit count) to code points over the
/// LF-normalised text; one entry per position from 0 to the end inclusive.
pub fn to_lf_offsets(text: &str, mode: Positions) -> Vec<usize> {
    let mut map = vec![0usize];
    let mut lf = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            let crlf = chars.peek() == Some(&'\n');
            match (mode, crlf) {
                (Positions::CodePoints, true) => {
                    // CRLF is one line break: the CR takes no position of its own.
                    continue;
                }
                (_, true) => {
                    // The CR takes a unit that maps to the line break's start.
                    map.push(lf);
                    continue;
                }
                (_, false) => {}
            }
        }
        let units = if mode == Positions::Utf16 {
            c.len_utf16()
        } else {
            1
        };
        lf += 1;
        for _ in 1..units {
            map.push(lf - 1);
        }
        map.push(lf);
    }
    map
}

/// The text as qcode reads it: LF line ends.
pub fn lf_text(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_in_each_tool_convention_map_to_the_same_lf_code_points() {
        let text = "a\r\né😀b";
        // LF text: "a\né😀b" → code points a0 \n1 é2 😀3 b4 end5.
        let cp = to_lf_offsets(text, Positions::CodePoints);
        assert_eq!(cp, vec![0, 1, 2, 3, 4, 5]);
        // MAXQDA: a0 \r1 \n2 é3 😀4 b5 end6 → the b is at 5.
        let crlf = to_lf_offsets(text, Positions::Crlf);
        assert_eq!(crlf[5], 4);
        assert_eq!(crlf.len(), 7);
        // NVivo: UTF-16, CRLF kept: a0 \r1 \n2 é3 😀4,5 b6 end7.
        let u16 = to_lf_offsets(text, Positions::Utf16);
        assert_eq!(u16[6], 4);
        assert_eq!(u16[7], 5);
        assert_eq!(u16.len(), 8);
    }

    #[test]
    fn the_origin_names_how_positions_count() {
        assert_eq!(Positions::from_origin(Some("NVivo 14")), Positions::Utf16);
        assert_eq!(Positions::from_origin(Some("MAXQDA 2022")), Positions::Crlf);
        assert_eq!(
            Positions::from_origin(Some("ATLAS.ti")),
            Positions::CodePoints
        );
        assert_eq!(Positions::from_origin(None), Positions::CodePoints);
    }

    #[test]
    fn parses_codes_sources_and_selections() {
        let xml = r#"<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" origin="MAXQDA 2022">
          <Users><User guid="U1" name="Ann"/></Users>
          <CodeBook><Codes><Code guid="C1" name="Council" isCodable="true"><Code guid="C2" name="Officers" isCodable="true"/></Code></Codes></CodeBook>
          <Sources><TextSource guid="S1" name="one"><PlainTextContent>P1: caf&#233; &amp; tea</PlainTextContent>
            <PlainTextSelection guid="X" startPosition="4" endPosition="8" creatingUser="U1"><Coding guid="K"><CodeRef targetGUID="C2"/></Coding></PlainTextSelection>
          </TextSource></Sources></Project>"#;
        let p = parse_qde(xml).unwrap();
        assert_eq!(p.origin.as_deref(), Some("MAXQDA 2022"));
        assert_eq!(p.codes[1].parent.as_deref(), Some("C1"));
        assert_eq!(p.sources[0].text, "P1: café & tea");
        assert_eq!(
            p.sources[0].selections[0].codings,
            vec![("C2".to_string(), None)]
        );
        assert_eq!(p.users["U1"], "Ann");
        assert!(matches!(
            read_qdpx(b"not a zip"),
            Err(ImportError::NotAProject(_))
        ));
    }
}
