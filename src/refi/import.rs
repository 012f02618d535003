//! Reading a REFI-QDA project (.qdpx) made by another tool: its text sources, its codes, and its
//! codings (text selections with the codes applied to them, by user).
//!
//! Real exports differ from the standard in how positions count. The standard (and qcode,
//! ATLAS.ti, QualCoder) counts Unicode code points over the text with a line break as one
//! character; MAXQDA counts CRLF as two; NVivo counts UTF-16 code units over the text with the BOM
//! removed and CRLF kept. [`Positions`] names these; [`to_lf_offsets`] turns any of them into
//! code points over the LF text qcode reads.

use std::collections::{BTreeMap, HashMap};

use quick_xml::events::Event;
use quick_xml::XmlVersion;

use crate::text::limits::{EntryError, Limits};

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
    /// units (and qcode when its origin says so: `export qdpx --positions utf16`), MAXQDA with
    /// CRLF as two, any other (or none named) as the standard says.
    pub fn from_origin(origin: Option<&str>) -> Positions {
        let origin = origin.unwrap_or_default().to_lowercase();
        if origin.contains("nvivo") || origin.contains("utf-16 code units") {
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
    /// The `color` attribute as written (`#RRGGBB` or `#RGB`), when given.
    pub color: Option<String>,
    /// `isCodable` (true when not given): false for a grouping code.
    pub codable: bool,
    /// The code's `Description`, trimmed.
    pub description: String,
    /// GUIDs of the notes the code refers to (`NoteRef`).
    pub notes: Vec<String>,
}

/// One `Coding` of a selection: a code a user applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedCoding {
    /// The code's GUID (`CodeRef`).
    pub code: String,
    /// The user's GUID (`creatingUser`), when given.
    pub user: Option<String>,
    /// `creationDateTime`, as written.
    pub time: Option<String>,
    /// GUIDs of the notes on this coding (`NoteRef`).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedSelection {
    pub guid: String,
    pub start: usize,
    pub end: usize,
    pub codings: Vec<ImportedCoding>,
    pub user: Option<String>,
    /// `creationDateTime`, as written.
    pub time: Option<String>,
    /// The selection's `Description`, trimmed: a memo.
    pub description: String,
    /// GUIDs of the notes on the selection (`NoteRef`): memos.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedSource {
    pub guid: String,
    pub name: String,
    /// The source text exactly as stored (BOM removed).
    pub text: String,
    pub selections: Vec<ImportedSelection>,
}

/// A note (a memo): a text of its own, that selections, codings and codes refer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedNote {
    pub guid: String,
    pub name: String,
    /// Its text (inline or a file in the package), BOM removed.
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportedProject {
    /// The `origin` attribute (the tool that wrote it), when given.
    pub origin: Option<String>,
    pub users: BTreeMap<String, String>,
    pub codes: Vec<ImportedCode>,
    pub sources: Vec<ImportedSource>,
    pub notes: Vec<ImportedNote>,
}

impl ImportedProject {
    /// The text of the note `guid` (its name when it has no text), trimmed; None when the
    /// project has no such note.
    pub fn note(&self, guid: &str) -> Option<&str> {
        let n = self
            .notes
            .iter()
            .find(|n| n.guid.eq_ignore_ascii_case(guid))?;
        Some(match n.text.trim() {
            "" => n.name.trim(),
            t => t,
        })
    }
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

/// The placeholder text of a source or note stored as a file in the package, until
/// [`read_qdpx`] reads it.
const PATH_MARK: &str = "\u{0}path:";

/// The placeholder text of a source or note whose file is outside the package (`file://`,
/// `relative://`, a bare path): it is not read, and [`read_qdpx_within`] leaves it out with a
/// warning.
const OUTSIDE_MARK: &str = "\u{0}outside:";

/// Read a `.qdpx` (zip) from its bytes.
pub fn read_qdpx(bytes: &[u8]) -> Result<ImportedProject, ImportError> {
    read_qdpx_within(bytes, &Limits::default()).map(|(p, _)| p)
}

/// [`read_qdpx`], each entry inflated within `limits` (`[limits] unzipped_mb`, `zip_ratio`: a
/// 600 MB source or a zip bomb is an error naming it, not memory run out), with a warning for
/// each source or note left out because its file is outside the package.
pub fn read_qdpx_within(
    bytes: &[u8],
    limits: &Limits,
) -> Result<(ImportedProject, Vec<String>), ImportError> {
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
    let entry = zip
        .by_name(&qde)
        .map_err(|e| ImportError::NotAProject(e.to_string()))?;
    let compressed = entry.compressed_size();
    let xml = limits
        .read_entry(&qde, compressed, entry)
        .map_err(|e| ImportError::Xml(e.to_string()))?;
    let xml = String::from_utf8(xml).map_err(|_| ImportError::Xml("not UTF-8".into()))?;
    let mut project = parse_qde(&xml)?;
    let warnings = outside_files(&mut project);
    // Entry names by lower case, found once: a look-up per source stays linear in the package.
    let mut by_lower: HashMap<String, &str> = HashMap::new();
    for n in &names {
        by_lower.entry(n.to_lowercase()).or_insert(n);
    }
    let texts = project
        .sources
        .iter_mut()
        .map(|s| (s.name.as_str(), &mut s.text))
        .chain(
            project
                .notes
                .iter_mut()
                .map(|n| (n.name.as_str(), &mut n.text)),
        );
    for (name, text) in texts {
        if let Some(internal) = text.strip_prefix(PATH_MARK) {
            *text = stored_text(&mut zip, &by_lower, internal, limits).map_err(|message| {
                ImportError::Source {
                    source_name: name.to_string(),
                    message,
                }
            })?;
        }
    }
    Ok((project, warnings))
}

/// Sources and notes whose text is a file outside the package, taken out of `project`, each
/// with a warning naming it and its path: reading a path the package names could read any
/// file of the computer, and an empty text in its place would be a corpus file that lies.
fn outside_files(project: &mut ImportedProject) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut outside = |kind: &str, name: &str, text: &str| match text.strip_prefix(OUTSIDE_MARK) {
        Some(path) => {
            warnings.push(format!(
                "{kind} `{name}` is not imported: its text is not plain text inside the package ({path}); export the project again with its sources inside as plain text (internal://)"
            ));
            false
        }
        None => true,
    };
    project
        .sources
        .retain(|s| outside("source", &s.name, &s.text));
    project.notes.retain(|n| outside("note", &n.name, &n.text));
    warnings
}

/// The text of a file stored in the package: `internal://NAME` lives under sources/ (or
/// Sources/). Names come from the XML, never from the zip's own paths, and may not climb out of
/// that folder.
fn stored_text(
    zip: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>,
    names: &HashMap<String, &str>,
    internal: &str,
    limits: &Limits,
) -> Result<String, String> {
    if internal.contains("..") || internal.contains('/') || internal.contains('\\') {
        return Err(format!("unsafe path `{internal}`"));
    }
    let entry = *names
        .get(&format!("sources/{internal}").to_lowercase())
        .ok_or_else(|| format!("sources/{internal} is missing"))?;
    let file = zip.by_name(entry).map_err(|e| e.to_string())?;
    let compressed = file.compressed_size();
    let raw = limits
        .read_entry(entry, compressed, file)
        .map_err(|e| match e {
            EntryError::Over(o) => format!("{}; {}", o.message, o.help),
            EntryError::Io(e) => e.to_string(),
        })?;
    let text = String::from_utf8(raw).map_err(|_| "the text is not UTF-8".to_string())?;
    Ok(without_bom(text))
}

fn without_bom(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(t) => t.to_string(),
        None => text,
    }
}

/// Parse `project.qde`. A source or note stored in the package gets the placeholder text
/// "\0path:NAME" until [`read_qdpx`] fills it in.
pub fn parse_qde(xml: &str) -> Result<ImportedProject, ImportError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut qde = QdeReader::default();
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| ImportError::Xml(e.to_string()))?;
        match ev {
            Event::Start(e) => qde.element(e.local_name().as_ref(), &attrs(&e))?,
            Event::Empty(e) => {
                let name = e.local_name();
                qde.element(name.as_ref(), &attrs(&e))?;
                qde.end(name.as_ref());
            }
            Event::Text(t) => qde.content(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let ch = if r.is_char_ref() {
                    r.resolve_char_ref().ok().flatten().map(|c| c.to_string())
                } else {
                    quick_xml::escape::resolve_predefined_entity(&r).map(str::to_string)
                };
                if let Some(c) = ch {
                    qde.content(&c);
                }
            }
            Event::CData(c) => qde.content(&c.xml10_content()),
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

/// Where text read now goes: the element whose text is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    SourceText,
    NoteText,
    /// The `Description` of the code at this index of the project's codes.
    CodeDescription(usize),
    SelectionDescription,
}

/// What [`parse_qde`] has read so far, and where in the document it is: the elements that
/// matter nest (codes in codes, selections in a source, codings in a selection), so each is
/// built while open and filed when it closes.
#[derive(Default)]
struct QdeReader {
    project: ImportedProject,
    /// The names of the elements open around this point, innermost last.
    open: Vec<String>,
    /// Indexes (into the project's codes) of the codes open around this point of the
    /// codebook: the last is the parent.
    code_stack: Vec<usize>,
    in_codebook: bool,
    source: Option<ImportedSource>,
    selection: Option<ImportedSelection>,
    coding: Option<ImportedCoding>,
    note: Option<ImportedNote>,
    capture: Option<Capture>,
}

impl QdeReader {
    /// An element opens with attributes `a` (an empty one then closes at once: [`Self::end`]).
    fn element(&mut self, name: &str, a: &BTreeMap<String, String>) -> Result<(), ImportError> {
        let parent = self.open.last().cloned();
        let parent = parent.as_deref();
        match name {
            "Project" => self.project.origin = a.get("origin").cloned(),
            "User" => self.user(a),
            "CodeBook" => self.in_codebook = true,
            "Code" if self.in_codebook => self.code(a),
            "TextSource" => self.text_source(a),
            "Note" if parent == Some("Notes") => self.note = Some(note(a)),
            "PlainTextContent" => {
                self.capture = match (&self.note, &self.source) {
                    (Some(_), _) => Some(Capture::NoteText),
                    (None, Some(_)) => Some(Capture::SourceText),
                    _ => None,
                }
            }
            "Description" => self.capture = self.description_of(parent),
            "PlainTextSelection" if self.source.is_some() && self.note.is_none() => {
                self.selection = Some(selection(a)?)
            }
            "Coding" if self.selection.is_some() => {
                self.coding = Some(ImportedCoding {
                    code: String::new(),
                    user: a.get("creatingUser").cloned(),
                    time: a.get("creationDateTime").cloned(),
                    notes: Vec::new(),
                })
            }
            "CodeRef" => {
                if let (Some(c), Some(t)) = (self.coding.as_mut(), a.get("targetGUID")) {
                    c.code = t.clone();
                }
            }
            "NoteRef" => self.note_ref(parent, a),
            _ => {}
        }
        self.open.push(name.to_string());
        Ok(())
    }

    /// Where the text of a `Description` inside `parent` goes: a code's or a selection's.
    fn description_of(&self, parent: Option<&str>) -> Option<Capture> {
        match parent {
            Some("Code") if self.in_codebook => {
                self.code_stack.last().map(|&i| Capture::CodeDescription(i))
            }
            Some("PlainTextSelection") if self.selection.is_some() => {
                Some(Capture::SelectionDescription)
            }
            _ => None,
        }
    }

    /// A `NoteRef`: a memo on the coding, the selection or the code it sits in.
    fn note_ref(&mut self, parent: Option<&str>, a: &BTreeMap<String, String>) {
        let Some(target) = a.get("targetGUID").cloned() else {
            return;
        };
        match parent {
            Some("Coding") => self
                .coding
                .iter_mut()
                .for_each(|c| c.notes.push(target.clone())),
            Some("PlainTextSelection") => self
                .selection
                .iter_mut()
                .for_each(|s| s.notes.push(target.clone())),
            Some("Code") if self.in_codebook => {
                if let Some(&i) = self.code_stack.last() {
                    self.project.codes[i].notes.push(target);
                }
            }
            _ => {}
        }
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
    fn code(&mut self, a: &BTreeMap<String, String>) {
        self.project.codes.push(ImportedCode {
            guid: a.get("guid").cloned().unwrap_or_default(),
            name: a.get("name").cloned().unwrap_or_default(),
            parent: self
                .code_stack
                .last()
                .map(|&i| self.project.codes[i].guid.clone()),
            color: a.get("color").map(|c| c.trim().to_string()),
            codable: a
                .get("isCodable")
                .is_none_or(|v| !matches!(v.trim(), "false" | "0")),
            description: String::new(),
            notes: Vec::new(),
        });
        self.code_stack.push(self.project.codes.len() - 1);
    }

    /// A text source: its text is inline (read as `PlainTextContent`) or a file in the package
    /// (`internal://NAME`, the placeholder until [`read_qdpx`] reads it).
    fn text_source(&mut self, a: &BTreeMap<String, String>) {
        self.source = Some(ImportedSource {
            guid: a.get("guid").cloned().unwrap_or_default(),
            name: a.get("name").cloned().unwrap_or_else(|| "source".into()),
            text: stored_placeholder(a),
            selections: Vec::new(),
        });
    }

    /// Text inside the element being captured, added to what it belongs to.
    fn content(&mut self, text: &str) {
        let target = match self.capture {
            Some(Capture::SourceText) => self.source.as_mut().map(|s| &mut s.text),
            Some(Capture::NoteText) => self.note.as_mut().map(|n| &mut n.text),
            Some(Capture::CodeDescription(i)) => Some(&mut self.project.codes[i].description),
            Some(Capture::SelectionDescription) => {
                self.selection.as_mut().map(|s| &mut s.description)
            }
            None => None,
        };
        if let Some(t) = target {
            // Text given inline is read, whatever file the source also names.
            if t.starts_with(OUTSIDE_MARK) {
                t.clear();
            }
            t.push_str(text);
        }
    }

    /// An element closes: what was built inside it is filed.
    fn end(&mut self, name: &str) {
        self.open.pop();
        match name {
            "CodeBook" => self.in_codebook = false,
            "Code" if self.in_codebook => {
                if let Some(i) = self.code_stack.pop() {
                    let d = &mut self.project.codes[i].description;
                    *d = d.trim().to_string();
                }
            }
            "PlainTextContent" | "Description" => self.capture = None,
            "Coding" => {
                if let (Some(sel), Some(c)) = (self.selection.as_mut(), self.coding.take()) {
                    if !c.code.is_empty() {
                        sel.codings.push(c);
                    }
                }
            }
            "PlainTextSelection" if self.note.is_none() => {
                if let (Some(s), Some(mut sel)) = (self.source.as_mut(), self.selection.take()) {
                    sel.description = sel.description.trim().to_string();
                    s.selections.push(sel);
                }
            }
            "TextSource" if self.note.is_none() => {
                if let Some(mut s) = self.source.take() {
                    s.text = without_bom(std::mem::take(&mut s.text));
                    self.project.sources.push(s);
                }
            }
            "Note" => {
                if let Some(mut n) = self.note.take() {
                    n.text = without_bom(std::mem::take(&mut n.text));
                    self.project.notes.push(n);
                }
            }
            _ => {}
        }
    }
}

/// The text a source or note starts with: the placeholder for a file in the package, or
/// nothing (its `PlainTextContent` follows).
fn stored_placeholder(a: &BTreeMap<String, String>) -> String {
    let rich = a
        .get("richTextPath")
        .map(|p| p.trim())
        .filter(|p| !p.is_empty());
    match a.get("plainTextPath").map(|p| p.trim()) {
        // Only a rich text (a Word file): no text qcode reads, unless it is given inline.
        None | Some("") => rich
            .map(|r| format!("{OUTSIDE_MARK}{r}"))
            .unwrap_or_default(),
        Some(p) => match p.strip_prefix("internal://") {
            Some(n) => format!("{PATH_MARK}{n}"),
            None => format!("{OUTSIDE_MARK}{p}"),
        },
    }
}

/// A note as it opens: its GUID, name and (if stored as a file) the placeholder for its text.
fn note(a: &BTreeMap<String, String>) -> ImportedNote {
    ImportedNote {
        guid: a.get("guid").cloned().unwrap_or_default(),
        name: a.get("name").cloned().unwrap_or_default(),
        text: stored_placeholder(a),
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
        time: a.get("creationDateTime").cloned(),
        description: String::new(),
        notes: Vec::new(),
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

/// How a source's selections fit its text when positions count one way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fit {
    /// Selections (by index) that end past the text or start after they end: they cannot be
    /// placed.
    pub outside: Vec<usize>,
    /// Selections with an end inside one character as counted (between the CR and LF of a line
    /// break, within a UTF-16 surrogate pair): placed, but a sign of positions counted another way.
    pub split: usize,
}

impl Fit {
    /// Every selection fits, and none splits a character.
    pub fn clean(&self) -> bool {
        self.outside.is_empty() && self.split == 0
    }
}

/// How `selections` fit a text whose position map ([`to_lf_offsets`]) is `map`. A position
/// inside a character maps to the same place as the one before it.
pub fn fit(map: &[usize], selections: &[ImportedSelection]) -> Fit {
    let inside = |p: usize| p > 0 && p < map.len() && map[p] == map[p - 1];
    let mut fit = Fit::default();
    for (i, sel) in selections.iter().enumerate() {
        if sel.start > sel.end || sel.end >= map.len() {
            fit.outside.push(i);
        } else if inside(sel.start) || inside(sel.end) {
            fit.split += 1;
        }
    }
    fit
}

/// The first other way of counting (code points, CRLF as two, UTF-16) in which every selection
/// of `text` fits and none splits a character: what to suggest when `mode` does not fit.
pub fn fitting_mode(
    text: &str,
    selections: &[ImportedSelection],
    mode: Positions,
) -> Option<Positions> {
    [Positions::CodePoints, Positions::Crlf, Positions::Utf16]
        .into_iter()
        .filter(|m| *m != mode)
        .find(|m| fit(&to_lf_offsets(text, *m), selections).clean())
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
        assert_eq!(
            Positions::from_origin(Some("qcode 0.1.0; positions in UTF-16 code units")),
            Positions::Utf16
        );
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
        let sel = &p.sources[0].selections[0];
        assert_eq!(sel.codings.len(), 1);
        assert_eq!(
            (sel.codings[0].code.as_str(), &sel.codings[0].user),
            ("C2", &None)
        );
        assert_eq!(p.users["U1"], "Ann");
        assert!(matches!(
            read_qdpx(b"not a zip"),
            Err(ImportError::NotAProject(_))
        ));
    }

    #[test]
    fn colours_grouping_codes_descriptions_memos_and_times_are_read() {
        let xml = r##"<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" origin="NVivo 12">
          <CodeBook><Codes>
            <Code guid="C1" name="Health" isCodable="false" color="#FF0000"><Description> Body and mind. </Description>
              <Code guid="C2" name="Trust" isCodable="true"><NoteRef targetGUID="N3"/></Code>
            </Code>
            <Code guid="C3" name="Other"/>
          </Codes></CodeBook>
          <Sources><TextSource guid="S1" name="one"><Description>not a memo of a selection</Description><PlainTextContent>&#xFEFF;P1: tea</PlainTextContent>
            <PlainTextSelection guid="X" startPosition="0" endPosition="3" creationDateTime="2020-01-01T10:00:00Z">
              <Description> why this </Description>
              <Coding guid="K" creatingUser="U1" creationDateTime="2021-02-03T04:05:06Z"><CodeRef targetGUID="C2"/><NoteRef targetGUID="N2"/></Coding>
              <NoteRef targetGUID="N1"/>
            </PlainTextSelection>
          </TextSource></Sources>
          <Notes>
            <Note guid="N1" name="Memo one"><PlainTextContent>A memo.</PlainTextContent></Note>
            <Note guid="N2" name="Named only"/>
          </Notes></Project>"##;
        let p = parse_qde(xml).unwrap();
        let (health, trust, other) = (&p.codes[0], &p.codes[1], &p.codes[2]);
        assert_eq!(
            (health.codable, health.color.as_deref()),
            (false, Some("#FF0000"))
        );
        assert_eq!(health.description, "Body and mind.");
        assert_eq!((trust.codable, trust.parent.as_deref()), (true, Some("C1")));
        assert_eq!(trust.notes, ["N3"]);
        assert_eq!((other.codable, other.parent.as_deref()), (true, None));
        assert_eq!(p.sources[0].text, "P1: tea", "the BOM is dropped");
        let sel = &p.sources[0].selections[0];
        assert_eq!(sel.description, "why this");
        assert_eq!(sel.notes, ["N1"]);
        assert_eq!(sel.time.as_deref(), Some("2020-01-01T10:00:00Z"));
        let c = &sel.codings[0];
        assert_eq!(c.time.as_deref(), Some("2021-02-03T04:05:06Z"));
        assert_eq!(
            (c.user.as_deref(), c.notes.as_slice()),
            (Some("U1"), &["N2".to_string()][..])
        );
        assert_eq!(p.note("n1"), Some("A memo."));
        assert_eq!(p.note("N2"), Some("Named only"));
        assert_eq!(p.note("N3"), None);
    }

    #[test]
    fn selections_that_do_not_fit_are_found_and_the_way_that_fits_named() {
        let text = "a\r\n😀b";
        let sel = |start, end| ImportedSelection {
            guid: String::new(),
            start,
            end,
            codings: Vec::new(),
            user: None,
            time: None,
            description: String::new(),
            notes: Vec::new(),
        };
        // NVivo's "b": a0 \r1 \n2 😀3,4 b5 end6.
        let nvivo = [sel(5, 6), sel(0, 1)];
        let cp = fit(&to_lf_offsets(text, Positions::CodePoints), &nvivo);
        assert_eq!(cp.outside, [0]);
        assert_eq!(
            fitting_mode(text, &nvivo, Positions::CodePoints),
            Some(Positions::Utf16)
        );
        // Between CR and LF, and inside the surrogate pair.
        let u16 = to_lf_offsets(text, Positions::Utf16);
        assert_eq!(fit(&u16, &[sel(2, 3), sel(3, 4)]).split, 2);
        assert!(fit(&u16, &nvivo).clean());
        assert_eq!(fit(&u16, &[sel(3, 2)]).outside, [0]);
    }
}
