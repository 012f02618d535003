//! REFI-QDA exchange (the QDA-XML standard read by NVivo, ATLAS.ti, MAXQDA, QualCoder): the
//! codebook as `.qdc`, and a whole coded project as `.qdpx` — a zip of `project.qde` and one
//! plain-text source per transcript under `sources/`. Positions count Unicode code points over the
//! source text as written to the package (LF line ends, no BOM), as the standard says. GUIDs are
//! UUID v5 of stable names, so the same project exports the same package.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;

use quick_xml::escape::escape;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;
use quick_xml::Writer;

pub mod assemble;
pub mod import;
pub mod import_plan;
use uuid::Uuid;

use crate::codebook::{Code, Codebook};

/// Namespace of qcode's GUIDs (a v5 UUID of "qcode.refi").
fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, b"qcode.refi")
}

/// A stable GUID for a thing of a kind: the same project gives the same GUIDs.
pub fn guid(kind: &str, name: &str) -> String {
    Uuid::new_v5(&namespace(), format!("{kind}:{name}").as_bytes())
        .to_string()
        .to_uppercase()
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

/// The codes under `parent`, each with its description and, nested, its children.
fn write_codes<W: Write>(
    w: &mut Writer<W>,
    cb: &Codebook,
    parent: Option<&str>,
) -> std::io::Result<()> {
    for c in cb.codes.iter().filter(|c| c.parent.as_deref() == parent) {
        let guid = guid("code", &c.id);
        let attributes = [
            ("guid", guid.as_str()),
            ("name", c.label.as_str()),
            ("isCodable", "true"),
        ];
        w.write_event(Event::Start(start("Code", &attributes)))?;
        w.write_event(Event::Start(BytesStart::new("Description")))?;
        let text = xml_escape(&description(c), false);
        w.write_event(Event::Text(BytesText::from_escaped(text)))?;
        w.write_event(Event::End(BytesEnd::new("Description")))?;
        write_codes(w, cb, Some(&c.id))?;
        w.write_event(Event::End(BytesEnd::new("Code")))?;
    }
    Ok(())
}

/// A `<CodeBook>` element with every code, nested as the hierarchy; `declared` for a document
/// of its own (the XML declaration, the namespace and the origin).
fn codebook_xml(cb: &Codebook, declared: bool) -> std::io::Result<String> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let origin = format!(
        "qcode {} ({} {})",
        env!("CARGO_PKG_VERSION"),
        cb.name,
        cb.version
    );
    let attributes = if declared {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
        vec![
            ("xmlns", "urn:QDA-XML:codebook:1.0"),
            ("origin", origin.as_str()),
        ]
    } else {
        Vec::new()
    };
    w.write_event(Event::Start(start("CodeBook", &attributes)))?;
    w.write_event(Event::Start(BytesStart::new("Codes")))?;
    write_codes(&mut w, cb, None)?;
    w.write_event(Event::End(BytesEnd::new("Codes")))?;
    w.write_event(Event::End(BytesEnd::new("CodeBook")))?;
    let mut xml = String::from_utf8(w.into_inner())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    xml.push('\n');
    Ok(xml)
}

/// The codebook as a REFI-QDA `.qdc` document.
pub fn codebook_qdc(cb: &Codebook) -> std::io::Result<String> {
    codebook_xml(cb, true)
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
}

/// A case (an interview) with its variables.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub variables: BTreeMap<String, String>,
    /// Keys of its sources.
    pub sources: Vec<String>,
}

/// Build `project.qde` and zip it with the sources into a `.qdpx`.
pub fn project_qdpx(
    project_name: &str,
    cb: &Codebook,
    coder: &str,
    sources: &[Source],
    cases: &[Case],
) -> zip::result::ZipResult<Vec<u8>> {
    let user = guid("user", coder);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str(&format!(
        "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"{}\" origin=\"qcode {}\">\n",
        escape(project_name),
        env!("CARGO_PKG_VERSION")
    ));
    x.push_str(&format!(
        "<Users>\n  <User guid=\"{user}\" name=\"{}\" id=\"{}\"/>\n</Users>\n",
        escape(coder),
        escape(coder)
    ));
    x.push_str(&codebook_xml(cb, false)?);
    let var_names: Vec<&String> = {
        let mut v: Vec<&String> = cases.iter().flat_map(|c| c.variables.keys()).collect();
        v.sort();
        v.dedup();
        v
    };
    if !var_names.is_empty() {
        x.push_str("<Variables>\n");
        for v in &var_names {
            x.push_str(&format!(
                "  <Variable guid=\"{}\" name=\"{}\" typeOfVariable=\"Text\"/>\n",
                guid("variable", v),
                escape(v.as_str())
            ));
        }
        x.push_str("</Variables>\n");
    }
    if !cases.is_empty() {
        x.push_str("<Cases>\n");
        for c in cases {
            x.push_str(&format!(
                "  <Case guid=\"{}\" name=\"{}\">\n",
                guid("case", &c.name),
                escape(c.name.as_str())
            ));
            for (k, v) in &c.variables {
                x.push_str(&format!(
                    "    <VariableValue><VariableRef targetGUID=\"{}\"/><TextValue>{}</TextValue></VariableValue>\n",
                    guid("variable", k),
                    escape(v.as_str())
                ));
            }
            for s in &c.sources {
                x.push_str(&format!(
                    "    <SourceRef targetGUID=\"{}\"/>\n",
                    guid("source", s)
                ));
            }
            x.push_str("  </Case>\n");
        }
        x.push_str("</Cases>\n");
    }
    x.push_str("<Sources>\n");
    for s in sources {
        let sg = guid("source", &s.key);
        x.push_str(&format!(
            "  <TextSource guid=\"{sg}\" name=\"{}\" plainTextPath=\"internal://{sg}.txt\" creatingUser=\"{user}\">\n",
            escape(s.name.as_str())
        ));
        for sel in &s.selections {
            x.push_str(&format!(
                "    <PlainTextSelection guid=\"{}\" name=\"{}\" startPosition=\"{}\" endPosition=\"{}\" creatingUser=\"{user}\">\n      <Description>{}</Description>\n",
                guid("selection", &sel.segment),
                escape(sel.segment.as_str()),
                sel.start,
                sel.end,
                escape(format!("{} ({})", sel.segment, sel.role_label).as_str())
            ));
            for c in &sel.codes {
                x.push_str(&format!(
                    "      <Coding guid=\"{}\" creatingUser=\"{user}\"><CodeRef targetGUID=\"{}\"/></Coding>\n",
                    guid("coding", &format!("{}/{c}", sel.segment)),
                    guid("code", c)
                ));
            }
            x.push_str("    </PlainTextSelection>\n");
        }
        x.push_str("  </TextSource>\n");
    }
    x.push_str("</Sources>\n</Project>\n");

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // A fixed time (the zip epoch) for every entry, so the same project gives the same bytes.
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    zip.start_file("project.qde", opts)?;
    zip.write_all(x.as_bytes())?;
    for s in sources {
        zip.start_file(format!("sources/{}.txt", guid("source", &s.key)), opts)?;
        zip.write_all(s.text.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use quick_xml::events::Event as XmlEvent;

    /// Every code's `Description` in a document, in order, as a reader gets it.
    fn descriptions(xml: &str) -> Vec<String> {
        let mut reader = quick_xml::Reader::from_str(xml);
        let (mut out, mut current) = (Vec::new(), None::<String>);
        loop {
            match reader.read_event().unwrap() {
                XmlEvent::Start(e) if e.local_name().as_ref() == "Description" => {
                    current = Some(String::new())
                }
                XmlEvent::End(e) if e.local_name().as_ref() == "Description" => {
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
