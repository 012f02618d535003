//! Ids and attributes: files that share a name take their paths as ids, and interviews take
//! metadata from their folders, a cases sheet (CSV or XLSX), sidecars of any format and their
//! speakers' own attributes, with the precedence the README gives; edits to the sheet re-index
//! the files concerned without --rebuild.

use crate::common::{ids, Project, ROLES};

/// A hearing of two speakers, the chair asking; `said` is what the witness says.
fn hearing(said: &str) -> String {
    format!(
        "---\nspeakers:\n  I: interviewer\n  P1: Council officer\n---\nI: What happened?\n\nP1: {said}\n"
    )
}

/// Two modules whose hearings share a date, and one file of its own name.
fn modules() -> Project {
    let p = Project::empty();
    p.write("codebook/roles.toml", ROLES);
    p.write(
        "corpus/module-1/2023-07-12.txt",
        &hearing("The paperwork took months."),
    );
    p.write(
        "corpus/module-2/2023-07-12.txt",
        &hearing("We trusted the residents."),
    );
    p.write(
        "corpus/module-2/2023-07-13.txt",
        &hearing("Bureaucracy again."),
    );
    p
}

/// Every segment's id and metadata, as `qcode search --format json` gives them.
fn segments(p: &Project, args: &[&str]) -> Vec<(String, serde_json::Value)> {
    let mut all = vec!["--limit", "1000"];
    all.extend_from_slice(args);
    let mut v: Vec<(String, serde_json::Value)> = p
        .search_json(&all)
        .iter()
        .map(|h| {
            (
                h["segment_id"].as_str().unwrap().to_string(),
                h["meta"].clone(),
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn files_that_share_a_name_take_their_paths_and_every_command_reads_them() {
    let p = modules();
    p.write("codebook/codes.toml", crate::common::CODEBOOK);
    let (_, err) = p.run(&["index"], 0);
    assert!(!err.contains("already used"), "{err}");
    let found = ids(&p.search_json(&["paperwork OR trusted OR bureaucracy"]));
    assert_eq!(
        found,
        [
            "2023-07-13:2.1",
            "module-1/2023-07-12:2.1",
            "module-2/2023-07-12:2.1"
        ]
    );
    let only = ids(&p.search_json(&["--interview", "module-2/2023-07-12", "trusted"]));
    assert_eq!(only, ["module-2/2023-07-12:2.1"]);
    // The folder is metadata.
    let m2 = ids(&p.search_json(&["--where", "folder=module-2", "--include-interviewer"]));
    assert_eq!(m2.len(), 4, "{m2:?}");
    // `:` still ends the interview part of a segment id: a coding by hand finds its segment.
    let (_, err) = p.run(
        &[
            "code",
            "add",
            "module-1/2023-07-12:2.1",
            "--code",
            "trust",
            "--coder",
            "ann",
        ],
        0,
    );
    assert!(err.contains("added to codings/ann.csv"), "{err}");
    let codings = std::fs::read_to_string(p.file("codings/ann.csv")).unwrap();
    assert!(
        codings.contains("module-1/2023-07-12:2.1,trust,ann,"),
        "{codings}"
    );
    let coded = ids(&p.search_json(&["--coder", "ann", "--code", "trust"]));
    assert_eq!(coded, ["module-1/2023-07-12:2.1"]);
    let (out, _) = p.run(&["segments"], 0);
    assert!(
        out.contains("module-2/2023-07-12:2.1,module-2/2023-07-12,"),
        "{out}"
    );
}

#[test]
fn a_second_file_of_the_same_name_renames_the_first_without_a_rebuild() {
    let p = Project::empty();
    p.write("codebook/roles.toml", ROLES);
    p.write("codebook/codes.toml", crate::common::CODEBOOK);
    p.write("corpus/module-1/2023-07-12.txt", &hearing("Paperwork."));
    p.run(&["index"], 0);
    assert_eq!(ids(&p.search_json(&["paperwork"])), ["2023-07-12:2.1"]);
    let add = [
        "code",
        "add",
        "2023-07-12:2.1",
        "--code",
        "trust",
        "--coder",
        "ann",
    ];
    p.run(&add, 0);
    p.write("corpus/module-2/2023-07-12.txt", &hearing("Paperwork too."));
    let (_, err) = p.run(&["index", "--verbose"], 0);
    assert!(
        err.contains("indexed corpus/module-1/2023-07-12.txt"),
        "{err}"
    );
    assert_eq!(
        ids(&p.search_json(&["paperwork"])),
        ["module-1/2023-07-12:2.1", "module-2/2023-07-12:2.1"]
    );
    // The coding made under the old id follows its words to the renamed interview.
    assert!(!err.contains("tied to no segment"), "{err}");
    let coded = ids(&p.search_json(&["--coder", "ann", "--code", "trust"]));
    assert_eq!(coded, ["module-1/2023-07-12:2.1"]);
    // And back, when the second goes.
    std::fs::remove_file(p.file("corpus/module-2/2023-07-12.txt")).unwrap();
    p.run(&["index"], 0);
    assert_eq!(ids(&p.search_json(&["paperwork"])), ["2023-07-12:2.1"]);
}

#[test]
fn ids_path_names_every_file_by_its_path_and_a_header_id_clash_stays_an_error() {
    let p = modules();
    p.write("qcode.toml", "[project]\nids = \"path\"\n");
    p.run(&["index"], 0);
    let found = ids(&p.search_json(&["bureaucracy"]));
    assert_eq!(found, ["module-2/2023-07-13:2.1"]);
    p.write("corpus/a.txt", "---\nid: same\n---\nP1: One.\n");
    p.write("corpus/b.txt", "---\nid: same\n---\nP1: Two.\n");
    let (_, err) = p.run(&["index"], 1);
    assert!(
        err.contains("corpus/b.txt: interview id `same` is already used by corpus/a.txt"),
        "{err}"
    );
    p.write("qcode.toml", "[project]\nids = \"paths\"\n");
    let (_, err) = p.run(&["index"], 2);
    assert!(
        err.contains("qcode.toml:2:8: unknown ids rule `paths`"),
        "{err}"
    );
}

#[test]
fn a_cases_sheet_gives_attributes_and_an_edit_reindexes_only_its_files() {
    let p = modules();
    p.write(
        "cases.csv",
        "interview,module,chair\nmodule-1/2023-07-12,1,Sir Wyn\nmodule-2/2023-07-12,2,\n",
    );
    p.run(&["index"], 0);
    let one = ids(&p.search_json(&["--where", "module=1"]));
    assert_eq!(one, ["module-1/2023-07-12:2.1"]);
    let chaired = ids(&p.search_json(&["--where", "chair=sir wyn"]));
    assert_eq!(chaired, ["module-1/2023-07-12:2.1"]);
    // Edit the sheet: module 2 becomes module 3, and the file with no row is left alone.
    p.write(
        "cases.csv",
        "interview,module,chair\nmodule-1/2023-07-12,1,Sir Wyn\nmodule-2/2023-07-12,3,\n",
    );
    let (_, err) = p.run(&["index", "--verbose"], 0);
    assert!(
        err.contains("indexed corpus/module-2/2023-07-12.txt"),
        "{err}"
    );
    assert!(!err.contains("indexed corpus/module-1"), "{err}");
    assert!(!err.contains("indexed corpus/module-2/2023-07-13"), "{err}");
    // A search alone (no `qcode index`, no --rebuild) sees the next edit too.
    p.write(
        "cases.csv",
        "interview,module,chair\nmodule-1/2023-07-12,1,Sir Wyn\nmodule-2/2023-07-12,4,\n",
    );
    let four = ids(&p.search_json(&["--where", "module=4"]));
    assert_eq!(four, ["module-2/2023-07-12:2.1"]);
    let (_, err) = p.run(&["search", "--where", "module=3", "paperwork"], 2);
    assert!(err.contains("module=3"), "{err}");
}

#[test]
fn a_sheet_row_naming_nothing_is_a_warning_and_a_malformed_sheet_an_error() {
    let p = modules();
    p.write(
        "cases.csv",
        "interview,speaker,gender\nmodule-1/2023-07-12,,x\nmodule-3/2023-07-12,,y\nmodule-1/2023-07-12,P9,f\n",
    );
    let (_, err) = p.run(&["index"], 0);
    assert!(
        err.contains("warning: cases.csv:3: interview `module-3/2023-07-12` is in no corpus file, so this row applies to nothing; did you mean `module-1/2023-07-12`?"),
        "{err}"
    );
    assert!(
        err.contains(
            "warning: cases.csv:4: speaker `P9` does not speak in interview `module-1/2023-07-12`"
        ),
        "{err}"
    );
    p.write(
        "cases.csv",
        "interview,gender,gender\nmodule-1/2023-07-12,f,m\n",
    );
    let (_, err) = p.run(&["index"], 2);
    assert!(
        err.contains("cases.csv:1:18: column `gender` is named twice (columns 2 and 3)"),
        "{err}"
    );
    assert!(err.contains("help: give each column its own name"), "{err}");
    p.write(
        "cases.csv",
        "interview,gender\nmodule-1/2023-07-12,f,extra\n",
    );
    let (_, err) = p.run(&["search", "paperwork"], 2);
    assert!(
        err.contains(
            "cases.csv:2:23: a value in column 3 but the first row gives that column no name"
        ),
        "{err}"
    );
}

#[test]
fn an_xlsx_sheet_where_qcode_toml_points_gives_numbers_and_dates_as_written() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let p = modules();
    p.write("qcode.toml", "[project]\ncases = \"meta/cases.xlsx\"\n");
    std::fs::create_dir_all(p.file("meta")).unwrap();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_string(0, 0, "Case").unwrap();
    sheet.write_string(0, 1, "sitting").unwrap();
    sheet.write_string(0, 2, "date").unwrap();
    sheet.write_string(1, 0, "module-2/2023-07-12").unwrap();
    sheet.write_number(1, 1, 14.0).unwrap();
    let day = ExcelDateTime::from_ymd(2023, 7, 12).unwrap();
    sheet.write_datetime_with_format(1, 2, &day, &date).unwrap();
    book.save(p.file("meta/cases.xlsx")).unwrap();
    p.run(&["index"], 0);
    let found = segments(&p, &["--where", "sitting=14"]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "module-2/2023-07-12:2.1");
    assert_eq!(found[0].1["date"], "2023-07-12");
    p.write("qcode.toml", "[project]\ncases = \"meta/missing.xlsx\"\n");
    let (_, err) = p.run(&["index"], 2);
    assert!(
        err.contains("qcode.toml:2:10: cases sheet `meta/missing.xlsx` not found"),
        "{err}"
    );
}

#[test]
fn a_sidecar_gives_a_text_transcript_metadata_and_speakers() {
    let p = Project::empty();
    p.write("codebook/roles.toml", ROLES);
    p.write(
        "corpus/plain.txt",
        "I: What happened?\n\nP1: The paperwork took months.\n\nP2: We trusted them.\n",
    );
    p.write(
        "corpus/plain.yml",
        "area: Northmoor\nmode: video\nspeakers:\n  I: interviewer\n  P1: {role: resident, gender: f, age: 40-49}\n  P2: {role: Council officer, gender: m}\n",
    );
    let (_, err) = p.run(&["index"], 0);
    assert!(!err.contains("no interviewer"), "{err}");
    let found = segments(&p, &["--where", "gender=f"]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "plain:2.1");
    assert_eq!(found[0].1["area"], "Northmoor");
    assert_eq!(found[0].1["age"], "40-49");
    // The interviewer's turns are context: the sidecar declared who asks.
    assert!(ids(&p.search_json(&["happened"])).is_empty());
    // An edit to the sidecar re-indexes the file.
    p.write(
        "corpus/plain.yml",
        "area: Eastbrook\nspeakers:\n  I: interviewer\n  P1: {role: resident, gender: f}\n",
    );
    let found = segments(&p, &["--where", "area=eastbrook", "paperwork"]);
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn header_beats_sidecar_beats_sheet_beats_folder_and_a_speaker_beats_the_interview() {
    let p = Project::empty();
    p.write("codebook/roles.toml", ROLES);
    p.write("qcode.toml", "[project]\nfolders = [\"module\"]\n");
    p.write(
        "corpus/m1/a.txt",
        "---\narea: header\nspeakers:\n  I: interviewer\n  P1: {role: resident, gender: f}\n  P2: local resident\n---\nI: Well?\n\nP1: Trust.\n\nP2: Paperwork.\n",
    );
    p.write("corpus/m1/a.yml", "area: sidecar\nmode: sidecar\n");
    p.write(
        "cases.csv",
        "id,speaker,area,mode,module,gender,age\na,,sheet,sheet,sheet,x,\na,P2,,,,m,30-39\n",
    );
    p.run(&["index"], 0);
    let found = segments(&p, &["trust OR paperwork"]);
    assert_eq!(found.len(), 2, "{found:?}");
    let (p1, p2) = (&found[0].1, &found[1].1);
    assert_eq!(
        (
            p1["area"].as_str(),
            p1["mode"].as_str(),
            p1["module"].as_str()
        ),
        (Some("header"), Some("sidecar"), Some("sheet"))
    );
    assert_eq!(
        p1["gender"], "f",
        "the header's speaker over the sheet's interview"
    );
    assert_eq!(
        p2["gender"], "m",
        "the sheet's speaker row over its interview row"
    );
    assert_eq!(p2["age"], "30-39");
    let (out, _) = p.run(
        &[
            "export",
            "crosstab",
            "--rows",
            "meta:gender",
            "--cols",
            "role",
            "--format",
            "csv",
        ],
        0,
    );
    assert!(out.lines().any(|l| l.starts_with("f,")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("m,")), "{out}");
}

#[test]
fn a_recordings_sidecar_gives_its_speakers_attributes() {
    let p = Project::empty();
    p.write("codebook/roles.toml", ROLES);
    p.write(
        "corpus/call.vtt",
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nSam Reid: How was it?\n\n2\n00:00:05.000 --> 00:00:09.000\nAl Khan: Trust was low.\n",
    );
    p.write(
        "corpus/call.yml",
        "speakers:\n  Sam Reid: interviewer\n  Al Khan: {role: Resident, gender: m}\n",
    );
    p.run(&["index"], 0);
    let found = segments(&p, &["--where", "gender=m"]);
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn sources_of_files_that_share_a_name_survive_a_round_trip_through_qdpx() {
    let a = modules();
    a.write("codebook/codes.toml", crate::common::CODEBOOK);
    a.run(&["export", "qdpx", "-o", "a.qdpx"], 0);
    let b = Project::empty();
    b.write("codebook/roles.toml", ROLES);
    b.write("codebook/codes.toml", crate::common::CODEBOOK);
    std::fs::copy(a.file("a.qdpx"), b.file("a.qdpx")).unwrap();
    let (_, err) = b.run(&["import", "qdpx", "a.qdpx"], 0);
    assert!(err.contains("3 source(s) written to the corpus"), "{err}");
    for name in [
        "module-1-2023-07-12.txt",
        "module-2-2023-07-12.txt",
        "module-2-2023-07-13.txt",
    ] {
        assert!(b.file("corpus").join(name).is_file(), "{name}: {err}");
    }
}

#[test]
fn a_table_read_whole_or_streamed_takes_the_same_attributes() {
    let p = Project::empty();
    p.write("codebook/roles.toml", ROLES);
    p.write(
        "corpus/survey/wave-1.csv",
        "id,interview,speaker,text,region\nr1,t1,P1,Trust is low,\nr2,t2,P2,Paperwork,south\n",
    );
    p.write("corpus/survey/wave-1.yml", "wave: 1\nregion: north\n");
    p.write("cases.csv", "id,speaker,age\nt1,,40-49\nt2,P2,50-59\n");
    let read = |stream: &str| {
        let out = p
            .qcode(&[
                "search",
                "--format",
                "json",
                "--limit",
                "10",
                "trust OR paperwork",
            ])
            .env("QCODE_STREAM_BYTES", stream)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut metas: Vec<String> = v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| format!("{} {}", h["segment_id"], h["meta"]))
            .collect();
        metas.sort();
        metas
    };
    let whole = read("1000000000");
    assert_eq!(
        whole,
        [
            r#""r1" {"age":"40-49","folder":"survey","region":"north","wave":"1"}"#,
            r#""r2" {"age":"50-59","folder":"survey","region":"south","wave":"1"}"#
        ]
    );
    let rebuilt = p
        .qcode(&["index", "--rebuild"])
        .env("QCODE_STREAM_BYTES", "1")
        .output()
        .unwrap();
    assert!(rebuilt.status.success());
    assert_eq!(read("1"), whole);
}
