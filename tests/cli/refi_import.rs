//! `qcode import qdpx` of a project as NVivo writes it: two plain documents (CRLF line ends, a
//! BOM, an emoji, positions in UTF-16 units) whose title lines (`Koronavírus: a járvány`) look
//! like speaker labels, a code tree three levels deep with colours, descriptions and a grouping
//! code, two users, memos, and selections all through the text, before the first title too.
//! Every selection must tie; the documents are read as documents (a sidecar says so); the tree
//! becomes a codebook file; `--reading turns` and a forced `--positions` show what they change.

use std::io::Write;

use crate::common::Project;

/// Document A: paragraphs a blank line apart. Document B: one line a paragraph.
const DOC_A: &str = "Bevezető gondolatok a kutatásról.\r\n\r\nKoronavírus: a járvány\r\n\r\nA járvány elején sokan féltek 😷 és otthon maradtak.\r\n\r\nAz iskolák bezártak.\r\n\r\nOltás: a vakcina\r\n\r\nAz oltás önkéntes volt, de sokan kérték.\r\n";
const DOC_B: &str = "Második interjú, rövid jegyzet.\r\nGazdaság: a válság\r\nA boltok bezártak 🛒 tavasszal.\r\nPolitika: a döntések\r\nA kormány gyorsan döntött.\r\n";

const USER_A: &str = "AAAAAAAA-0000-0000-0000-000000000001";
const USER_B: &str = "AAAAAAAA-0000-0000-0000-000000000002";

/// NVivo's position of `what` in `text`: UTF-16 units, CRLF as two, no BOM.
fn at(text: &str, what: &str) -> (usize, usize) {
    let b = text.find(what).unwrap_or_else(|| panic!("{what}"));
    let start = text[..b].encode_utf16().count();
    (start, start + what.encode_utf16().count())
}

/// A `PlainTextSelection` of `what` with codings (code GUID, user GUID) and an optional memo.
fn selection(
    n: usize,
    text: &str,
    what: &str,
    codings: &[(&str, &str)],
    memo: Option<&str>,
) -> String {
    let (s, e) = at(text, what);
    let mut x = format!(
        r#"<PlainTextSelection guid="BBBBBBBB-0000-0000-0000-{n:012}" name="{n}" startPosition="{s}" endPosition="{e}" creatingUser="{USER_A}" creationDateTime="2021-03-0{n}T10:00:00Z">"#
    );
    if let Some(m) = memo {
        x.push_str(&format!("<Description>{m}</Description>"));
    }
    for (i, (code, user)) in codings.iter().enumerate() {
        x.push_str(&format!(
            r#"<Coding guid="CCCCCCCC-0000-0000-{i:04}-{n:012}" creatingUser="{user}" creationDateTime="2022-01-0{n}T09:00:00Z"><CodeRef targetGUID="{code}"/></Coding>"#
        ));
    }
    if n == 1 {
        x.push_str(r#"<NoteRef targetGUID="EEEEEEEE-0000-0000-0000-000000000001"/>"#);
    }
    x.push_str("</PlainTextSelection>");
    x
}

fn code_guid(n: usize) -> String {
    format!("DDDDDDDD-0000-0000-0000-{n:012}")
}

/// The package: project.qde and the two documents (with a BOM) under sources/.
fn nvivo_package(p: &Project, name: &str) {
    let c = code_guid;
    let codes = format!(
        r##"<CodeBook><Codes>
<Code guid="{}" name="Egészség" isCodable="false" color="#FF0000"><Description>Health, body and mind.</Description>
  <Code guid="{}" name="Félelem" isCodable="true" color="#00ff00"><Description>Fear of the illness.</Description>
    <Code guid="{}" name="Gyerekek" isCodable="true" color="#00F"/>
  </Code>
  <Code guid="{}" name="Oltás" isCodable="true"/>
</Code>
<Code guid="{}" name="Politika" isCodable="true">
  <Code guid="{}" name="Oltás" isCodable="true"/>
</Code>
</Codes></CodeBook>"##,
        c(1),
        c(2),
        c(3),
        c(4),
        c(5),
        c(6)
    );
    let (c2, c3, c4, c5, c6) = (c(2), c(3), c(4), c(5), c(6));
    let a = [
        selection(
            1,
            DOC_A,
            "Bevezető gondolatok",
            &[(&c2, USER_A)],
            Some("Before any title"),
        ),
        selection(2, DOC_A, "Koronavírus: a járvány", &[(&c4, USER_A)], None),
        selection(
            3,
            DOC_A,
            "sokan féltek 😷 és otthon maradtak",
            &[(&c2, USER_A), (&c3, USER_B)],
            None,
        ),
        selection(
            4,
            DOC_A,
            "Az iskolák bezártak.\r\n\r\nOltás: a vakcina",
            &[(&c5, USER_B)],
            None,
        ),
        selection(5, DOC_A, "sokan kérték.", &[(&c6, USER_A)], None),
    ]
    .concat();
    let b = [
        selection(6, DOC_B, "Második interjú", &[(&c5, USER_B)], None),
        selection(7, DOC_B, "tavasszal", &[(&c2, USER_A)], None),
        selection(8, DOC_B, "gyorsan döntött.", &[(&c6, USER_B)], None),
    ]
    .concat();
    let qde = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Járvány" origin="NVivo 12 (12.6.1.970)">
<Users><User guid="{USER_A}" name="Anna"/><User guid="{USER_B}" name="Béla"/></Users>
{codes}
<Sources>
<TextSource guid="FFFFFFFF-0000-0000-0000-00000000000A" name="Interjú A.docx" plainTextPath="internal://FFFFFFFF-0000-0000-0000-00000000000A.txt">{a}</TextSource>
<TextSource guid="FFFFFFFF-0000-0000-0000-00000000000B" name="Interjú B.docx" plainTextPath="internal://FFFFFFFF-0000-0000-0000-00000000000B.txt">{b}</TextSource>
</Sources>
<Notes><Note guid="EEEEEEEE-0000-0000-0000-000000000001" name="Jegyzet"><PlainTextContent>Asked twice.</PlainTextContent></Note></Notes>
</Project>"#
    );
    let mut z = zip::ZipWriter::new(std::fs::File::create(p.file(name)).unwrap());
    let o = zip::write::SimpleFileOptions::default();
    z.start_file("project.qde", o).unwrap();
    z.write_all(qde.as_bytes()).unwrap();
    for (id, text) in [("A", DOC_A), ("B", DOC_B)] {
        z.start_file(
            format!("sources/FFFFFFFF-0000-0000-0000-00000000000{id}.txt"),
            o,
        )
        .unwrap();
        z.write_all(format!("\u{feff}{text}").as_bytes()).unwrap();
    }
    z.finish().unwrap();
}

/// The codings file's rows as maps of column → value.
fn rows(p: &Project, rel: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(p.file(rel)).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn project() -> Project {
    let p = Project::empty();
    p.write(
        "codebook/codes.toml",
        "[codes.trust]\nlabel = \"Trust\"\npatterns = [\"trust\"]\nexamples = [\"we trust\"]\n",
    );
    nvivo_package(&p, "nvivo.qdpx");
    p
}

#[test]
fn an_nvivo_project_of_plain_documents_imports_every_selection() {
    let p = project();
    let (_, err) = p.run(&["import", "qdpx", "nvivo.qdpx"], 0);
    assert!(err.contains("positions read as utf16"), "{err}");
    assert!(
        err.contains("corpus/Interjú-A.txt: read as a document (2 of 6 paragraphs open with a speaker label, 2 distinct"),
        "{err}"
    );
    assert!(
        err.contains("corpus/Interjú-B.txt: read as a document"),
        "{err}"
    );
    assert!(
        err.contains("codebook/nvivo.toml: 6 new codes (the package's tree"),
        "one line for all new codes: {err}"
    );
    assert!(err.contains("8 of 8 selections imported"), "{err}");
    assert!(!err.contains("warning"), "{err}");
    // The reading is in a sidecar; the text is the package's, untouched.
    let sidecar = std::fs::read_to_string(p.file("corpus/Interjú-A.yml")).unwrap();
    assert!(sidecar.ends_with("format: document\n"), "{sidecar}");
    let text = std::fs::read_to_string(p.file("corpus/Interjú-A.txt")).unwrap();
    assert_eq!(text, DOC_A);
    // The index reads it as the sidecar says: the text before the first title is a segment.
    let hits = p.search_json(&["", "-n", "100"]);
    let first = hits
        .iter()
        .find(|h| h["segment_id"] == "Interjú-A:1.1")
        .unwrap();
    assert_eq!(first["text"], "Bevezető gondolatok a kutatásról.");

    // The code tree: three levels, colours, descriptions, a grouping code, shared names by path.
    let toml = std::fs::read_to_string(p.file("codebook/nvivo.toml")).unwrap();
    for want in [
        "[codes.\"egészség\"]\nlabel = \"Egészség\"\ndimension = \"egészség\"\ncolor = \"#FF0000\"\ncodable = false\ndefinition = \"Health, body and mind.\"\n",
        "[codes.\"félelem\"]\nlabel = \"Félelem\"\ndimension = \"egészség\"\nparent = \"egészség\"\ncolor = \"#00ff00\"\n",
        "[codes.gyerekek]\nlabel = \"Gyerekek\"\ndimension = \"egészség\"\nparent = \"félelem\"\ncolor = \"#0000FF\"\n",
        "[codes.\"egészség_oltás\"]\nlabel = \"Oltás\"\n",
        "[codes.\"politika_oltás\"]\nlabel = \"Oltás\"\ndimension = \"politika\"\nparent = \"politika\"\n",
    ] {
        assert!(toml.contains(want), "{want}\n---\n{toml}");
    }
    let (out, err) = p.run(&["codebook", "check"], 0);
    assert!(out.contains("7 codes"), "{out}");
    assert!(err.contains("5 code(s) have no patterns"), "{err}");

    // Every selection, on the segments it overlaps, by its user, with its text and memo.
    let rows = rows(&p, "codings/nvivo.csv");
    let selections: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["selection"].as_str()).collect();
    assert_eq!(selections.len(), 8, "{rows:?}");
    let first = rows
        .iter()
        .find(|r| r["selection"].ends_with("000000000001"))
        .unwrap();
    assert_eq!(first["segment_id"], "Interjú-A:1.1");
    assert_eq!(first["code"], "félelem");
    assert_eq!(first["coder"], "Anna");
    assert_eq!(first["interview"], "Interjú-A");
    assert_eq!(first["text"], "Bevezető gondolatok");
    assert_eq!(
        (first["start"].as_str(), first["end"].as_str()),
        ("0", "19")
    );
    assert_eq!(first["memo"], "Before any title\n\nAsked twice.");
    assert_eq!(first["time"], "2022-01-01T09:00:00Z");
    assert_eq!(first["status"], "");
    let emoji = rows
        .iter()
        .find(|r| r["selection"].ends_with("000000000003") && r["coder"] == "Béla")
        .unwrap();
    assert_eq!(emoji["code"], "gyerekek");
    assert_eq!(emoji["text"], "sokan féltek 😷 és otthon maradtak");
    // A selection over two paragraphs ties to both.
    let across: Vec<&str> = rows
        .iter()
        .filter(|r| r["selection"].ends_with("000000000004"))
        .map(|r| r["segment_id"].as_str())
        .collect();
    assert_eq!(across, ["Interjú-A:1.4", "Interjú-A:1.5"]);
    assert_eq!(
        rows.iter()
            .find(|r| r["selection"].ends_with("000000000004"))
            .unwrap()["text"],
        "Az iskolák bezártak.\n\nOltás: a vakcina"
    );

    // Again: nothing new is written, nothing overwritten.
    let (_, err) = p.run(&["import", "qdpx", "nvivo.qdpx"], 0);
    assert!(
        err.contains("all 6 codes of the package are already in the codebook"),
        "{err}"
    );
    assert!(
        err.contains("0 source(s) written to the corpus, 2 already there"),
        "{err}"
    );
    assert!(p.file("codings/nvivo-2.csv").exists());
    assert!(!p.file("codebook/nvivo-2.toml").exists());
}

#[test]
fn reading_as_turns_drops_what_precedes_the_first_title_and_says_so() {
    let p = project();
    let (_, err) = p.run(&["import", "qdpx", "nvivo.qdpx", "--reading", "turns"], 1);
    assert!(
        err.contains("corpus/Interjú-A.txt: read as turns (--reading;"),
        "{err}"
    );
    assert!(
        !p.file("corpus/Interjú-A.yml").exists(),
        "turns is the project's own reading"
    );
    assert!(
        err.contains("selections not tied to any segment: 2 lies outside every segment (before the first speaker turn"),
        "{err}"
    );
    assert!(err.contains("6 of 8 selections imported"), "{err}");
}

#[test]
fn positions_counted_another_way_are_a_warning_naming_the_way_that_fits() {
    let p = project();
    let (_, err) = p.run(
        &["import", "qdpx", "nvivo.qdpx", "--positions", "codepoints"],
        1,
    );
    assert!(
        err.contains("warning: corpus/Interjú-B.txt: positions counted as codepoints do not fit the text: of 3 selections, 1 run past its end and 0 split a character; they all fit counted as utf16: try --positions utf16"),
        "{err}"
    );
    assert!(err.contains("past the end of its text"), "{err}");
    // What fits is still written, and the command says how many did not.
    assert!(p.file("codings/nvivo.csv").exists());
}
