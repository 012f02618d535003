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
    let found = Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    crate::common::tool(
        found,
        "xmllint is not installed (Debian: libxml2-utils; .ci/run installs it), so the schemas were not checked",
    )
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
    // A grouping code with a colour over a coloured code only people apply.
    p.write(
        "codebook/groups.toml",
        "[codes.themes]\nlabel = \"Themes\"\ncodable = false\ncolor = \"#1F77B4\"\n\n[codes.by_hand]\nlabel = \"By hand\"\nparent = \"themes\"\ncolor = \"#ff7f0e\"\n",
    );
    let (_, err) = p.run(&["codebook", "check"], 0);
    assert!(
        err.contains("1 code(s) have no patterns: only people apply them"),
        "{err}"
    );
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
    let qdc = std::fs::read_to_string(p.file("book.qdc")).unwrap();
    assert!(
        qdc.contains("name=\"Themes\" isCodable=\"false\" color=\"#1F77B4\""),
        "{qdc}"
    );
    assert!(files["project.qde"].contains("name=\"By hand\" isCodable=\"true\" color=\"#ff7f0e\""));
    std::fs::write(p.file("project.qde"), &files["project.qde"]).unwrap();
    validate("Project.xsd", &p.file("project.qde"));
}

/// Names, metadata and roles with markup, quotes, tabs and control characters still give a
/// project.qde the schema accepts (the writer escapes through quick-xml).
#[test]
fn awkward_names_and_metadata_give_a_valid_project() {
    let p = project();
    p.write(
        "corpus/a<&>\"b.txt",
        "---\nid: odd-01\narea: \"R&D <north> \\\"x\\\"\\t\\u0007\"\nspeakers:\n  P1: Tenant & owner\n---\nP1: We trust the council.\n",
    );
    p.run(&["export", "qdpx", "-o", "odd.qdpx"], 0);
    let files = unzip(&p.file("odd.qdpx"));
    assert!(files["project.qde"].contains("R&amp;D &lt;north&gt;"));
    if !xmllint() {
        return;
    }
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

/// `--redact` reaches the package like every other output, without moving a position; with
/// `--with-names` the declared names stay.
#[test]
fn redaction_list_masks_the_sources_keeping_positions() {
    let p = project();
    p.write("redact.txt", "café\n");
    p.run(
        &[
            "export",
            "qdpx",
            "-o",
            "r.qdpx",
            "--redact",
            "redact.txt",
            "--with-names",
        ],
        0,
    );
    let all: String = unzip(&p.file("r.qdpx")).values().cloned().collect();
    assert!(!all.to_lowercase().contains("café"), "listed word masked");
    assert!(
        all.contains("████ 👍 first"),
        "as many characters as the word"
    );
    assert!(all.contains("Zoë said"), "names kept with --with-names");
}

/// Every (segment, code) a codings file or a quotes export holds.
fn pairs(csv: &str, coder: Option<&str>) -> std::collections::BTreeSet<(String, String)> {
    let mut r = ::csv::Reader::from_reader(csv.as_bytes());
    let head = r.headers().unwrap().clone();
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    let (seg, code) = (col("segment_id"), col("code"));
    let who = head.iter().position(|h| h == "coder");
    r.records()
        .map(Result::unwrap)
        .filter(|rec| coder.is_none_or(|c| who.is_some_and(|w| &rec[w] == c)))
        .map(|rec| (rec[seg].to_string(), rec[code].to_string()))
        .collect()
}

/// Export a coded project with transcripts and a CSV corpus, import it into an empty one, and
/// every coding comes back on the same segment (a CSV row's id included) with the same code, as
/// the machine's.
#[test]
fn round_trip_export_import_gives_back_every_coding() {
    let a = project();
    let (quotes, _) = a.run(&["export", "quotes", "--with-names"], 0);
    a.run(&["export", "qdpx", "-o", "a.qdpx"], 0);
    let b = Project::empty();
    b.write("codebook/roles.toml", crate::common::ROLES);
    b.write("codebook/codes.toml", crate::common::CODEBOOK);
    std::fs::copy(a.file("a.qdpx"), b.file("a.qdpx")).unwrap();
    let (_, err) = b.run(&["import", "qdpx", "a.qdpx"], 0);
    assert!(err.contains("4 source(s) written to the corpus"), "{err}");
    assert!(
        err.contains("corpus/table-1.csv: 2 rows of a table qcode exported"),
        "{err}"
    );
    let codings = std::fs::read_to_string(b.file("codings/a.csv")).unwrap();
    let expected = pairs(&quotes, None);
    assert!(expected.iter().any(|(s, _)| s == "n-1"), "{expected:?}");
    assert_eq!(pairs(&codings, Some("machine")), expected);
    assert_eq!(
        pairs(&codings, None),
        expected,
        "every coding is the machine's"
    );
    // The rows come back with their ids and roles: the new project codes them the same.
    let table = std::fs::read_to_string(b.file("corpus/table-1.csv")).unwrap();
    assert_eq!(
        table,
        "id,interview,role,text\nn-1,table-1,Resident,Naïve 🙂 trust.\nn-2,table-1,Councillor,The council listened.\n"
    );
    let (again, _) = b.run(&["export", "quotes"], 0);
    assert_eq!(pairs(&again, None), expected);
    // Importing again writes nothing new and never overwrites.
    let (_, err) = b.run(&["import", "qdpx", "a.qdpx"], 0);
    assert!(
        err.contains("0 source(s) written to the corpus, 4 already there"),
        "{err}"
    );
    assert!(b.file("codings/a-2.csv").exists());
    // Back into the project it came from: the rows are found there, by id, and nothing of
    // them is written.
    let (_, err) = a.run(&["import", "qdpx", "a.qdpx"], 0);
    assert!(
        err.contains("corpus/notes.csv: 2 rows of a table qcode exported (`[ID] ROLE:` labels), already here under the same ids"),
        "{err}"
    );
    assert!(!a.file("corpus/table-1.csv").exists());
    let codings = std::fs::read_to_string(a.file("codings/a.csv")).unwrap();
    assert!(
        codings.contains("n-1,trust,machine,1.000,corpus/notes.csv,"),
        "{codings}"
    );
}

/// Each selection carries one coding, GUIDs are lower case, and a CSV row's text is labelled
/// with its id and speaker, its metadata a case of its own.
#[test]
fn selections_carry_one_coding_and_rows_keep_who_said_what() {
    let p = project();
    p.run(&["export", "qdpx", "-o", "p.qdpx"], 0);
    let files = unzip(&p.file("p.qdpx"));
    let qde = &files["project.qde"];
    let sel_re = regex::Regex::new(r"(?s)<PlainTextSelection .*?</PlainTextSelection>").unwrap();
    let mut n = 0;
    for sel in sel_re.find_iter(qde) {
        assert_eq!(
            sel.as_str().matches("<Coding ").count(),
            1,
            "{}",
            sel.as_str()
        );
        n += 1;
    }
    assert!(n >= 7, "{n}");
    let guid_re = regex::Regex::new(r#"(?i)(?:guid|GUID|creatingUser)="([^"]+)""#).unwrap();
    for g in guid_re.captures_iter(qde) {
        assert_eq!(g[1].to_lowercase(), g[1], "lower-case GUIDs");
    }
    let all: String = files.values().cloned().collect();
    assert!(
        all.contains("[n-1] Resident: Naïve 🙂 trust.\n\n[n-2] Councillor: The council listened."),
        "{all}"
    );
    assert!(qde.contains("<Case guid="), "{qde}");
    assert!(qde.contains(" name=\"n-2\">"), "a case per row: {qde}");
}

/// `--positions utf16` counts an emoji as two, says so in the package, and `import qdpx` reads
/// it back without being told.
#[test]
fn utf16_positions_for_nvivo_round_trip() {
    let a = project();
    a.run(
        &["export", "qdpx", "--positions", "utf16", "-o", "u.qdpx"],
        0,
    );
    let files = unzip(&a.file("u.qdpx"));
    let qde = &files["project.qde"];
    assert!(qde.contains("positions in UTF-16 code units"), "{qde}");
    // "[n-1] Resident: " is 16 units, the row "Naïve 🙂 trust." 15 (the emoji two).
    assert!(
        qde.contains(r#"name="n-1" startPosition="16" endPosition="31""#),
        "{qde}"
    );
    let b = Project::empty();
    b.write("codebook/roles.toml", crate::common::ROLES);
    b.write("codebook/codes.toml", crate::common::CODEBOOK);
    std::fs::copy(a.file("u.qdpx"), b.file("u.qdpx")).unwrap();
    let (_, err) = b.run(&["import", "qdpx", "u.qdpx"], 0);
    assert!(err.contains("positions read as utf16"), "{err}");
    let codings = std::fs::read_to_string(b.file("codings/u.csv")).unwrap();
    assert!(
        codings.contains("crlf-01:2.1,trust,machine,1.000"),
        "{codings}"
    );
}

/// A package as another tool writes it: `text` stored under `folder`, one selection of `word`
/// at the positions the tool counts.
fn foreign(
    p: &Project,
    name: &str,
    origin: &str,
    folder: &str,
    text: &str,
    start: usize,
    end: usize,
) {
    use std::io::Write;
    let qde = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="x" origin="{origin}">
<Users><User guid="11111111-1111-1111-1111-111111111111" name="Ann"/></Users>
<CodeBook><Codes><Code guid="22222222-2222-2222-2222-222222222222" name="Trust" isCodable="true"/></Codes></CodeBook>
<Sources><TextSource guid="33333333-3333-3333-3333-333333333333" name="Interview 7.docx" plainTextPath="internal://33333333-3333-3333-3333-333333333333.txt">
<PlainTextSelection guid="44444444-4444-4444-4444-444444444444" startPosition="{start}" endPosition="{end}" creatingUser="11111111-1111-1111-1111-111111111111">
<Coding guid="55555555-5555-5555-5555-555555555555"><CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/></Coding>
</PlainTextSelection></TextSource></Sources></Project>"#
    );
    let mut z = zip::ZipWriter::new(std::fs::File::create(p.file(name)).unwrap());
    let o = zip::write::SimpleFileOptions::default();
    z.start_file("project.qde", o).unwrap();
    z.write_all(qde.as_bytes()).unwrap();
    z.start_file(
        format!("{folder}/33333333-3333-3333-3333-333333333333.txt"),
        o,
    )
    .unwrap();
    z.write_all(text.as_bytes()).unwrap();
    z.finish().unwrap();
}

#[test]
fn positions_as_each_tool_counts_them() {
    // The coded word "trust" in the second turn, after CRLF line ends, an accent and an emoji.
    let text = "\u{feff}P1: Café 😀 first.\r\n\r\nP2: We trust them.\r\n";
    let lf = "P1: Café 😀 first.\n\nP2: We trust them.\n";
    let at = |s: &str| lf.find(s).map(|b| lf[..b].chars().count()).unwrap();
    let cp = at("trust"); // code points over LF text (the standard; ATLAS.ti)
    let crlf = cp + 2; // MAXQDA: the two CRLFs before it count two each
    let utf16 = crlf + 1; // NVivo: and the emoji is two UTF-16 units
    for (origin, folder, start, flag) in [
        ("ATLAS.ti 23", "sources", cp, None),
        ("MAXQDA 2022", "Sources", crlf, None),
        ("NVivo 14", "sources", utf16, None),
        ("QDA Miner", "sources", crlf, Some("crlf")),
    ] {
        let p = Project::empty();
        p.write("codebook/codes.toml", crate::common::CODEBOOK);
        foreign(&p, "t.qdpx", origin, folder, text, start, start + 5);
        let mut args = vec!["import", "qdpx", "t.qdpx"];
        if let Some(f) = flag {
            args.extend(["--positions", f]);
        }
        p.run(&args, 0);
        let codings = std::fs::read_to_string(p.file("codings/t.csv")).unwrap();
        assert!(
            codings.contains("Interview-7:2.1,trust,Ann,0.357,corpus/Interview-7.txt"),
            "{origin}: {codings}"
        );
        let (out, _) = p.run(&["code", "--explain", "Interview-7:2.1"], 0);
        assert!(out.contains("We «trust» them."), "{out}");
    }
}

#[test]
fn bad_packages_are_refused_with_nothing_written() {
    let p = Project::empty();
    p.write("codebook/codes.toml", crate::common::CODEBOOK);
    p.write("plain.qdpx", "this is not a zip");
    let (_, err) = p.run(&["import", "qdpx", "plain.qdpx"], 2);
    assert!(
        err.contains("not a REFI-QDA project: not a zip file"),
        "{err}"
    );
    // Zip slip: a source path that climbs out of sources/ is refused, not followed.
    {
        use std::io::Write;
        let qde = r#"<Project xmlns="urn:QDA-XML:project:1.0"><Sources><TextSource guid="33333333-3333-3333-3333-333333333333" name="evil" plainTextPath="internal://../../evil.txt"/></Sources></Project>"#;
        let mut z = zip::ZipWriter::new(std::fs::File::create(p.file("evil.qdpx")).unwrap());
        z.start_file("project.qde", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(qde.as_bytes()).unwrap();
        z.finish().unwrap();
    }
    let (_, err) = p.run(&["import", "qdpx", "evil.qdpx"], 2);
    assert!(err.contains("unsafe path `../../evil.txt`"), "{err}");
    assert_eq!(
        std::fs::read_dir(p.file("corpus")).unwrap().count(),
        0,
        "nothing written"
    );
    assert!(!p.file("codings").exists());
}

/// A selection past the end of its text is not refused with the rest: the others are imported,
/// and the command names it, says the positions do not fit, and exits 1.
#[test]
fn a_selection_past_the_end_is_named_and_the_rest_imported() {
    let p = Project::empty();
    p.write("codebook/codes.toml", crate::common::CODEBOOK);
    foreign(
        &p,
        "far.qdpx",
        "ATLAS.ti",
        "sources",
        "P1: short.\nP2: long.\n",
        3,
        400,
    );
    let (_, err) = p.run(&["import", "qdpx", "far.qdpx"], 1);
    assert!(
        err.contains("positions counted as codepoints do not fit the text: of 1 selections, 1 run past its end"),
        "{err}"
    );
    assert!(
        err.contains("no other way of counting fits them all"),
        "{err}"
    );
    assert!(
        err.contains("selection 44444444-4444-4444-4444-444444444444 runs from 3 to 400, past the end of its text (21 positions)"),
        "{err}"
    );
    assert!(err.contains("0 of 1 selections imported"), "{err}");
}
