//! REFI-QDA export: the .qdc and the .qdpx validate against the standard's schemas (copies in
//! tests/cli/fixtures/refi), selections point at exactly the segment text in code points (with
//! accents, emoji, CRLF and a BOM in the input), names are masked, and the bytes are stable.

use std::io::Read;
use std::path::Path;
use std::process::Command;

use crate::common::Project;

fn xsd(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cli/fixtures/refi")
        .join(name)
}

fn xmllint() -> bool {
    let ok = Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        println!("skipped: xmllint is not installed (Debian: libxml2-utils); .ci/run installs it");
    }
    ok
}

fn validate(schema: &str, file: &Path) {
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd(schema))
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn unzip(path: &Path) -> std::collections::BTreeMap<String, String> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            (f.name().unwrap().to_string(), s)
        })
        .collect()
}

fn project() -> Project {
    let p = Project::coded();
    // BOM, CRLF, accents and an emoji before the coded words, so every kind of offset shift shows.
    p.write("corpus/crlf.txt", "\u{feff}---\r\nid: crlf-01\r\nspeakers:\r\n  P1: {role: Resident, name: Zoë Marsh}\r\n---\r\nP1: Café 👍 first.\r\n\r\nP1: Zoë said we trust the café council 🎉 now.\r\n");
    p.write("corpus/notes.csv", "id,interview,role,text\nn-1,table-1,Resident,Naïve 🙂 trust.\nn-2,table-1,Cllr,The council listened.\n");
    p
}

#[test]
fn qdc_and_qdpx_validate_against_the_schemas() {
    let p = project();
    p.run(&["export", "qdc", "-o", "book.qdc"], 0);
    p.run(&["export", "qdpx", "-o", "project.qdpx"], 0);
    let files = unzip(&p.file("project.qdpx"));
    assert!(files.contains_key("project.qde"));
    assert_eq!(
        files.keys().filter(|k| k.starts_with("sources/")).count(),
        4,
        "3 transcripts + 1 CSV case"
    );
    if !xmllint() {
        return;
    }
    validate("Codebook.xsd", &p.file("book.qdc"));
    std::fs::write(p.file("project.qde"), &files["project.qde"]).unwrap();
    validate("Project.xsd", &p.file("project.qde"));
}

#[test]
fn selections_point_at_the_segment_text_in_code_points() {
    let p = project();
    p.run(&["export", "qdpx", "-o", "project.qdpx", "--with-names"], 0);
    let files = unzip(&p.file("project.qdpx"));
    let qde = &files["project.qde"];
    let hits = p.search_json(&["", "-n", "100", "--with-names"]);
    let text_of = |id: &str| {
        hits.iter()
            .find(|h| h["segment_id"] == id)
            .map(|h| h["text"].as_str().unwrap().to_string())
    };
    let source_re =
        regex::Regex::new(r#"(?s)<TextSource guid="([^"]+)"[^>]*>(.*?)</TextSource>"#).unwrap();
    let sel_re = regex::Regex::new(r#"<PlainTextSelection guid="[^"]+" name="([^"]+)" startPosition="(\d+)" endPosition="(\d+)""#).unwrap();
    let mut checked = 0;
    for src in source_re.captures_iter(qde) {
        let text = &files[&format!("sources/{}.txt", &src[1])];
        assert!(
            !text.contains('\r') && !text.starts_with('\u{feff}'),
            "LF, no BOM"
        );
        let chars: Vec<char> = text.chars().collect();
        for sel in sel_re.captures_iter(&src[2]) {
            let (a, b): (usize, usize) = (sel[2].parse().unwrap(), sel[3].parse().unwrap());
            let slice: String = chars[a..b].iter().collect();
            assert_eq!(Some(slice), text_of(&sel[1]), "{}", &sel[1]);
            checked += 1;
        }
    }
    assert!(
        qde.contains("name=\"crlf-01:2.1\""),
        "the coded CRLF segment is there"
    );
    assert!(checked >= 7, "{checked} selections checked");
}

#[test]
fn names_are_masked_in_sources_and_bytes_are_stable() {
    let p = project();
    p.run(&["export", "qdpx", "-o", "a.qdpx"], 0);
    p.run(&["export", "qdpx", "-o", "b.qdpx"], 0);
    assert_eq!(
        std::fs::read(p.file("a.qdpx")).unwrap(),
        std::fs::read(p.file("b.qdpx")).unwrap()
    );
    let files = unzip(&p.file("a.qdpx"));
    let all: String = files.values().cloned().collect();
    assert!(
        !all.contains("Zoë") && !all.contains("Dana"),
        "names masked"
    );
    assert!(
        all.contains("███ said we trust"),
        "masked with as many characters"
    );
    assert!(
        all.contains("<TextValue>Resident</TextValue>"),
        "role as a case variable"
    );
}
