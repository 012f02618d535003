//! REFI-QDA exchange (the QDA-XML standard read by NVivo, ATLAS.ti, MAXQDA, QualCoder): the
//! codebook as `.qdc`, and a whole coded project as `.qdpx` — a zip of `project.qde` and one
//! plain-text source per transcript under `sources/`. Positions count Unicode code points over the
//! source text as written to the package (LF line ends, no BOM), as the standard says. GUIDs are
//! UUID v5 of stable names, so the same project exports the same package.

use std::collections::BTreeMap;
use std::io::Write;

use quick_xml::escape::escape;

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

fn codes_xml(cb: &Codebook, out: &mut String, parent: Option<&str>, depth: usize) {
    for c in cb.codes.iter().filter(|c| c.parent.as_deref() == parent) {
        let pad = "  ".repeat(depth);
        out.push_str(&format!(
            "{pad}<Code guid=\"{}\" name=\"{}\" isCodable=\"true\">\n{pad}  <Description>{}</Description>\n",
            guid("code", &c.id),
            escape(c.label.as_str()),
            escape(description(c).as_str())
        ));
        codes_xml(cb, out, Some(&c.id), depth + 1);
        out.push_str(&format!("{pad}</Code>\n"));
    }
}

/// The codebook as a REFI-QDA `.qdc` document.
pub fn codebook_qdc(cb: &Codebook) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(&format!(
        "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"qcode {} ({} {})\">\n<Codes>\n",
        env!("CARGO_PKG_VERSION"),
        escape(cb.name.as_str()),
        escape(cb.version.as_str())
    ));
    codes_xml(cb, &mut out, None, 1);
    out.push_str("</Codes>\n</CodeBook>\n");
    out
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
    x.push_str("<CodeBook>\n<Codes>\n");
    codes_xml(cb, &mut x, None, 1);
    x.push_str("</Codes>\n</CodeBook>\n");
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

    #[test]
    fn guids_are_stable_and_well_formed() {
        assert_eq!(guid("code", "trust"), guid("code", "trust"));
        assert_ne!(guid("code", "trust"), guid("source", "trust"));
        let g = guid("code", "trust");
        assert_eq!(g.len(), 36);
        assert_eq!(g.matches('-').count(), 4);
    }
}
