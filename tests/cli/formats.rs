//! Input formats and encodings, and how bad input is reported.

use crate::common::{ids, Project, NORTHMOOR};

#[test]
fn segments_of_a_transcript_have_ids_roles_and_offsets() {
    let p = Project::new();
    let (out, _) = p.run(
        &[
            "segments",
            "--format",
            "json",
            "--include-interviewer",
            "corpus/northmoor-01.txt",
        ],
        0,
    );
    let segs: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let got: Vec<&str> = segs
        .iter()
        .map(|s| s["segment_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        [
            "northmoor-01:1.1",
            "northmoor-01:2.1",
            "northmoor-01:2.2",
            "northmoor-01:3.1",
            "northmoor-01:4.1"
        ]
    );
    assert_eq!(segs[1]["role"], "council_officer");
    assert_eq!(segs[4]["role"], "lto_rep");
    assert_eq!(segs[4]["role_label"], "LTO representative");
    assert_eq!(segs[3]["timestamp"], "00:12:31");
    assert_eq!(segs[0]["interviewer"], true);
    // Offsets are characters into the source text.
    let chars: Vec<char> = NORTHMOOR.chars().collect();
    for s in &segs {
        let (a, b) = (
            s["start"].as_u64().unwrap() as usize,
            s["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            chars[a..b].iter().collect::<String>(),
            s["text"].as_str().unwrap()
        );
    }
    assert!(
        !out.contains("Dana"),
        "participant names never leave the header"
    );
}

#[test]
fn bom_crlf_and_windows_1252_are_read() {
    let p = Project::empty();
    p.write("codebook/roles.toml", crate::common::ROLES);
    let crlf = "\u{feff}---\r\nid: crlf-01\r\n---\r\nP1: Caf\u{e9} meeting\r\nwent well.\r\n\r\nP2: Yes.\r\n";
    p.write("corpus/crlf.txt", crlf);
    // "£5 for the café – agreed" in Windows-1252.
    p.write_bytes("corpus/win.txt", b"P1: \xA35 for the caf\xE9 \x96 agreed\n");
    let (_, err) = p.run(&["index"], 0);
    assert!(
        err.contains("corpus/win.txt: not UTF-8; decoded as windows-1252"),
        "{err}"
    );
    let hits = p.search_json(&["café"]);
    assert_eq!(ids(&hits), ["crlf-01:1.1", "win:1.1"]);
    let crlf_hit = hits
        .iter()
        .find(|h| h["segment_id"] == "crlf-01:1.1")
        .unwrap();
    assert_eq!(crlf_hit["text"], "Café meeting\nwent well.");
    let win_hit = hits.iter().find(|h| h["segment_id"] == "win:1.1").unwrap();
    assert_eq!(win_hit["text"], "£5 for the café – agreed");
}

#[test]
fn csv_corpus_rows_are_segments_with_metadata() {
    let p = Project::empty();
    p.write("codebook/roles.toml", crate::common::ROLES);
    p.write(
        "corpus/workshop.csv",
        "id,interview,role,area,text\nws-01,table-1,LTO rep,Northmoor,\"Trust takes time, and money.\"\nws-02,table-1,Cllr,Eastbrook,We trust the partnership.\nws-03,table-2,Resident,Eastbrook,Nothing about that here.\n",
    );
    let (_, err) = p.run(&["index"], 0);
    assert!(!err.contains("role table"), "all roles known: {err}");
    let hits = p.search_json(&["trust"]);
    assert_eq!(ids(&hits), ["ws-01", "ws-02"]);
    let h = hits.iter().find(|h| h["segment_id"] == "ws-01").unwrap();
    assert_eq!(h["role"], "lto_rep");
    assert_eq!(h["interview"], "table-1");
    assert_eq!(h["meta"]["area"], "Northmoor");
    assert_eq!(
        ids(&p.search_json(&["trust", "--where", "area=eastbrook"])),
        ["ws-02"]
    );
}

#[test]
fn malformed_header_skips_that_file_only() {
    let p = Project::new();
    p.write(
        "corpus/bad.txt",
        "---\nid: bad-01\narea: [Northmoor\n---\nP1: hello\n",
    );
    let (_, err) = p.run(&["index"], 1);
    assert!(err.contains("corpus/bad.txt:3:"), "{err}");
    assert!(err.contains("malformed metadata header"), "{err}");
    assert!(err.contains("help:"), "{err}");
    assert!(err.contains("2 indexed"), "{err}");
    // The good files are searchable.
    assert_eq!(ids(&p.search_json(&["bureaucracy"])), ["northmoor-01:4.1"]);
}

#[test]
fn unclosed_header_and_no_turns_and_binary_are_reported_with_locations() {
    let p = Project::new();
    p.write("corpus/open.txt", "---\nid: open-01\nP1: hello\n");
    p.write("corpus/prose.txt", "Just some notes\nwithout speakers.\n");
    p.write_bytes("corpus/image.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    p.write("corpus/empty.txt", "");
    let (_, err) = p.run(&["index"], 1);
    assert!(
        err.contains("corpus/open.txt:1:1: the metadata header is not closed"),
        "{err}"
    );
    assert!(
        err.contains("corpus/prose.txt:1:1: no speaker turns found"),
        "{err}"
    );
    assert!(
        err.contains("image.txt: this looks like a binary file"),
        "{err}"
    );
    assert!(err.contains("empty.txt: the file is empty"), "{err}");
    assert!(err.contains("4 skipped"), "{err}");
}

#[test]
fn undeclared_speaker_is_a_warning_not_a_failure() {
    let p = Project::new();
    p.write(
        "corpus/northmoor-01.txt",
        &format!("{NORTHMOOR}\nP3: Sorry, just grabbing my coat.\n"),
    );
    let (_, err) = p.run(&["index"], 0);
    assert!(
        err.contains("northmoor-01.txt:21: speaker `P3` is not declared"),
        "{err}"
    );
    assert_eq!(ids(&p.search_json(&["coat"])), ["northmoor-01:5.1"]);
}

#[test]
fn custom_speaker_pattern_from_qcode_toml() {
    let p = Project::empty();
    p.write(
        "qcode.toml",
        "[transcript]\nspeaker_pattern = '^\\*\\*(.+?)\\*\\*:\\s*'\nskip_lines = ['^\\.\\. ', '^\\*\\(.*\\)\\*$']\nextensions = [\"rst\"]\n",
    );
    p.write(
        "corpus/hearing.rst",
        "Hearing (4 March)\n=================\n\n*(10.00 am)*\n\n**Sir Ann Lee**: Good morning. We listen first.\n\n.. rst-class:: indented\n\n**Facilitator**: Thank you.\nNote: this continues.\n",
    );
    p.write("corpus/ignored.txt", "P1: not read, wrong extension\n");
    p.run(&["index"], 0);
    let hits = p.search_json(&["listen"]);
    assert_eq!(ids(&hits), ["hearing:1.1"]);
    assert_eq!(hits[0]["speaker"], "Sir Ann Lee");
    assert_eq!(hits[0]["role"], "sir_ann_lee");
    let hits = p.search_json(&["thank"]);
    assert_eq!(hits[0]["text"], "Thank you.\nNote: this continues.");
    assert!(p.search_json(&["extension"]).is_empty());
}

#[test]
fn bad_qcode_toml_is_an_error_with_location() {
    let p = Project::new();
    p.write("qcode.toml", "[transcript]\nspeaker_pattern = '^(a)(b)'\n");
    let (_, err) = p.run(&["index"], 2);
    assert!(
        err.contains("qcode.toml:2:1: speaker_pattern must have exactly one capture group"),
        "{err}"
    );
}

#[test]
fn duplicate_interview_ids_across_files_skip_the_later_file() {
    let p = Project::new();
    p.write("corpus/zz-copy.txt", NORTHMOOR);
    let (_, err) = p.run(&["index"], 1);
    assert!(
        err.contains(
            "zz-copy.txt: interview id `northmoor-01` is already used by corpus/northmoor-01.txt"
        ),
        "{err}"
    );
}

#[test]
fn corpus_is_never_modified() {
    let p = Project::new();
    let before = snapshot(&p.file("corpus"));
    p.run(&["index"], 0);
    p.run(&["search", "trust"], 0);
    p.run(&["index", "--rebuild"], 0);
    assert_eq!(before, snapshot(&p.file("corpus")));
}

fn snapshot(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (p.display().to_string(), std::fs::read(&p).unwrap())
        })
        .collect();
    v.sort();
    v
}

#[test]
fn unknown_role_labels_are_summed_up_in_one_warning() {
    let p = Project::new();
    p.write("corpus/more.csv", "id,role,text\nm-1,Paid worker,One.\nm-2,Chief Bottle Washer,Two.\nm-3,Paid worker,Three.\n");
    let (_, err) = p.run(&["index"], 0);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("role table")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].contains("2 role label(s)") && lines[0].contains("`Paid worker`"),
        "{err}"
    );
    let hits = p.search_json(&["", "--role", "Paid worker"]);
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0]["role"], "paid_worker");
}

#[test]
fn segments_command_shows_the_parse_without_indexing() {
    let p = Project::new();
    let (out, _) = p.run(
        &["segments", "--format", "table", "corpus/eastbrook-01.txt"],
        0,
    );
    assert!(out.contains("eastbrook-01:2.1  Resident (P1)"), "{out}");
    assert!(
        !p.file(".qcode").exists(),
        "segments never writes the index"
    );
    let (out, _) = p.run(&["segments"], 0);
    let rows = csv::Reader::from_reader(out.as_bytes()).records().count();
    assert_eq!(rows, 5, "respondent segments of both interviews: {out}");
}

#[test]
fn an_unreadable_file_is_reported_and_skipped() {
    let p = Project::new();
    std::os::unix::fs::symlink(p.file("nowhere.txt"), p.file("corpus/gone.txt")).unwrap();
    let (_, err) = p.run(&["index"], 1);
    assert!(
        err.contains("corpus/gone.txt: cannot read: No such file or directory"),
        "{err}"
    );
    assert!(
        err.contains("2 indexed") && err.contains("1 skipped"),
        "{err}"
    );
}

#[test]
fn an_empty_codebook_is_a_warning() {
    let p = Project::empty();
    p.write("corpus/a.txt", "P1: Hello there.\n");
    p.write("codebook/empty.toml", "# nothing yet\n");
    let (out, err) = p.run(&["codebook", "check"], 0);
    assert!(
        err.contains("the codebook has no codes and no roles"),
        "{err}"
    );
    assert!(out.contains("0 codes"), "{out}");
    p.run(&["index"], 0);
}

#[test]
fn a_50_mb_line_is_one_paragraph() {
    let p = Project::empty();
    let long = "word ".repeat(10 * 1024 * 1024);
    p.write("corpus/long.txt", &format!("P1: {long}\n\nP2: Short.\n"));
    let (out, _) = p.run(&["segments", "--format", "csv", "corpus/long.txt"], 0);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        &rows[0][10],
        (4 + long.trim_end().chars().count()).to_string().as_str()
    );
}

#[test]
fn csv_row_ids_must_be_unique_across_files_and_present() {
    let p = Project::new();
    p.write("corpus/c.csv", "id,text\nr-1,First.\n");
    p.write("corpus/d.csv", "id,text\nr-1,Second.\n");
    p.write("corpus/e.csv", "id,text\n,No id here.\n");
    let (_, err) = p.run(&["index"], 1);
    assert!(
        err.contains("corpus/d.csv: row id `r-1` is already used by corpus/c.csv"),
        "{err}"
    );
    assert!(
        err.contains("corpus/e.csv:2:1: this row has no id"),
        "{err}"
    );
    // Incremental: the clash is still seen when only the second file changes.
    p.write("corpus/d.csv", "id,text\nr-1,Second and changed.\n");
    let (_, err) = p.run(&["index"], 1);
    assert!(
        err.contains("row id `r-1` is already used by corpus/c.csv"),
        "{err}"
    );
}

/// Streamed tables keep their row ids by key and hand them over whole at the end of the file:
/// a clash with a later file, and a duplicate inside one, are still found.
#[test]
fn streamed_tables_find_row_id_clashes_across_and_within_files() {
    let p = Project::new();
    p.write("corpus/c.csv", "id,text\nr-1,First.\nr-2,Second.\n");
    p.write("corpus/d.csv", "id,text\nr-3,Third.\nr-2,Again.\n");
    p.write("corpus/e.csv", "id,text\nr-9,One.\nr-8,Two.\nr-9,Three.\n");
    let out = p
        .qcode(&["index"])
        .env("QCODE_STREAM_BYTES", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("corpus/d.csv: row id `r-2` is already used by corpus/c.csv"),
        "{err}"
    );
    assert!(
        err.contains("duplicate id `r-9` (first used on line 2)"),
        "{err}"
    );
}

/// A transcript with a title, a two-paragraph turn, and a paragraph split mid-sentence.
const MODES: &str = "---\nid: modes-01\narea: Northmoor\n---\nNotes from the visit\n\nI: How did it go?\n\nP1: We met monthly.\n\nThe council listened to the\n\nresidents in the end.\n";

/// The segments `qcode segments` reads from one file, as (id, role, text).
fn segments_of(p: &Project, file: &str) -> Vec<(String, String, String)> {
    let (out, _) = p.run(
        &[
            "segments",
            "--format",
            "json",
            "--include-interviewer",
            file,
        ],
        0,
    );
    let segs: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    segs.iter()
        .map(|s| {
            let field = |k: &str| s[k].as_str().unwrap().to_string();
            (field("segment_id"), field("role"), field("text"))
        })
        .collect()
}

#[test]
fn qcode_toml_sets_the_reading_mode() {
    let p = Project::new();
    p.write("corpus/modes.txt", MODES);
    let seg =
        |id: &str, role: &str, text: &str| (id.to_string(), role.to_string(), text.to_string());
    // paragraph (the default): a segment per paragraph; the split sentence is one.
    assert_eq!(
        segments_of(&p, "corpus/modes.txt"),
        [
            seg("modes-01:1.1", "interviewer", "How did it go?"),
            seg("modes-01:2.1", "p1", "We met monthly."),
            seg(
                "modes-01:2.2",
                "p1",
                "The council listened to the\n\nresidents in the end."
            ),
        ]
    );
    assert_eq!(
        ids(&p.search_json(&["residents", "--interview", "modes-01"])),
        ["modes-01:2.2"]
    );
    p.write(
        "qcode.toml",
        "[transcript]\njoin_split_paragraphs = false\n",
    );
    assert_eq!(segments_of(&p, "corpus/modes.txt").len(), 4);
    assert_eq!(
        ids(&p.search_json(&["residents", "--interview", "modes-01"])),
        ["modes-01:2.3"]
    );
    // turn: a segment per turn.
    p.write("qcode.toml", "[transcript]\nformat = \"turn\"\n");
    let turns = segments_of(&p, "corpus/modes.txt");
    assert_eq!(turns.len(), 2);
    assert_eq!(
        turns[1],
        seg(
            "modes-01:2.1",
            "p1",
            "We met monthly.\n\nThe council listened to the\n\nresidents in the end."
        )
    );
    assert_eq!(
        ids(&p.search_json(&["residents", "--interview", "modes-01"])),
        ["modes-01:2.1"]
    );
    // document: no speakers; the title and the labels are text.
    p.write("qcode.toml", "[transcript]\nformat = \"document\"\n");
    let doc = segments_of(&p, "corpus/modes.txt");
    assert_eq!(
        doc.iter().map(|s| s.2.as_str()).collect::<Vec<_>>(),
        [
            "Notes from the visit",
            "I: How did it go?",
            "P1: We met monthly.",
            "The council listened to the\n\nresidents in the end."
        ]
    );
    assert!(doc.iter().all(|s| s.1 == "document"));
    let hits = p.search_json(&["residents", "--interview", "modes-01"]);
    assert_eq!(ids(&hits), ["modes-01:1.4"]);
    assert_eq!(hits[0]["speaker"], "");
    assert_eq!(hits[0]["meta"]["area"], "Northmoor");
    // Offsets slice the source in every mode.
    let chars: Vec<char> = MODES.chars().collect();
    let (out, _) = p.run(&["segments", "--format", "json", "corpus/modes.txt"], 0);
    for s in serde_json::from_str::<Vec<serde_json::Value>>(&out).unwrap() {
        let (a, b) = (
            s["start"].as_u64().unwrap() as usize,
            s["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            chars[a..b].iter().collect::<String>(),
            s["text"].as_str().unwrap()
        );
    }
    let (out, _) = p.run(&["segments", "--format", "table", "corpus/modes.txt"], 0);
    assert!(out.contains("modes-01:1.1  Document  chars"), "{out}");
}

#[test]
fn a_header_or_a_sidecar_sets_one_files_mode_over_qcode_toml() {
    let p = Project::new();
    p.write("qcode.toml", "[transcript]\nformat = \"turn\"\n");
    let body = "I: Hello?\n\nP1: One.\n\nTwo.\n";
    p.write(
        "corpus/header.txt",
        &format!("---\nformat: document\n---\n{body}"),
    );
    p.write("corpus/side.txt", body);
    p.write("corpus/side.yml", "format: paragraph\n");
    p.write(
        "corpus/both.txt",
        &format!("---\nformat: document\n---\n{body}"),
    );
    p.write("corpus/both.yml", "format: paragraph\n");
    p.write("corpus/toml.txt", body);
    p.write(
        "corpus/named.txt",
        "---\nformat: document\nspeakers:\n  P1: {role: Resident, name: Dana Whitfield}\n---\nP1: Dana Whitfield wrote this note.\n",
    );
    let count = |f: &str| segments_of(&p, f).len();
    assert_eq!(count("corpus/header.txt"), 3, "header: document");
    assert_eq!(count("corpus/side.txt"), 3, "sidecar: paragraph");
    assert_eq!(
        segments_of(&p, "corpus/both.txt")[0].1,
        "document",
        "the header wins"
    );
    assert_eq!(count("corpus/toml.txt"), 2, "qcode.toml: turn");
    // A document has no speakers, but the names its header declares are still masked.
    let hits = p.search_json(&["note", "--interview", "named"]);
    assert_eq!(hits[0]["text"], "P1: [REDACTED] wrote this note.");
    // `format` is a setting, not metadata; a sidecar edit re-indexes its transcript.
    let hits = p.search_json(&["two", "--interview", "side"]);
    assert_eq!(ids(&hits), ["side:2.2"]);
    assert!(hits[0]["meta"].get("format").is_none(), "{}", hits[0]);
    p.write("corpus/side.yml", "format: turn\n");
    assert_eq!(
        ids(&p.search_json(&["two", "--interview", "side"])),
        ["side:2.1"]
    );
}

#[test]
fn an_unknown_format_is_located_wherever_it_is_written() {
    let p = Project::new();
    p.write(
        "corpus/h.txt",
        "---\nid: h-01\nformat: prose\n---\nP1: Hello.\n",
    );
    p.write("corpus/s.txt", "P1: Hello.\n");
    p.write("corpus/s.yml", "area: X\nformat: turns\n");
    p.write("corpus/n.txt", "P1: Hello.\n");
    p.write("corpus/n.yml", "id: [broken\n");
    let (_, err) = p.run(&["index"], 1);
    assert!(err.contains("corpus/n.yml:"), "{err}");
    assert!(err.contains("malformed sidecar header"), "{err}");
    assert!(
        err.contains("corpus/h.txt:3:1: unknown transcript format `prose`"),
        "{err}"
    );
    assert!(
        err.contains("corpus/s.yml:2:1: unknown transcript format `turns`"),
        "{err}"
    );
    assert!(err.contains("help: format is one of `paragraph`"), "{err}");
    p.write("qcode.toml", "[transcript]\nformat = 'speech'\n");
    let (_, err) = p.run(&["index"], 2);
    assert!(
        err.contains("qcode.toml:2:11: unknown transcript format `speech`"),
        "{err}"
    );
    assert!(
        err.contains("`turn`") && err.contains("`document`"),
        "{err}"
    );
}

#[test]
fn qcode_toml_names_the_interviewer_of_a_text_transcript_and_none_is_warned_about() {
    let p = Project::new();
    let focus = "Moderator: What changed?\n\nP1: The officers started listening.\n\nModerator: Anything else?\n\nP2: Regular meetings.\n";
    p.write("corpus/focus.txt", focus);
    let (_, err) = p.run(&["index"], 0);
    let warned: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("no interviewer"))
        .collect();
    assert_eq!(warned.len(), 1, "only focus.txt, once: {err}");
    assert!(
        warned[0].contains(
            "corpus/focus.txt: no interviewer among the 3 speakers (`Moderator`, `P1`, `P2`)"
        ),
        "{err}"
    );
    assert_eq!(
        p.search_json(&["changed"]).len(),
        1,
        "a question read as an answer"
    );

    p.write(
        "qcode.toml",
        "[transcript]\ninterviewer = [\"moderator\"]\n",
    );
    let (_, err) = p.run(&["index"], 0);
    assert!(!err.contains("no interviewer"), "{err}");
    assert!(p.search_json(&["changed"]).is_empty());
    let roles: Vec<String> = segments_of(&p, "corpus/focus.txt")
        .into_iter()
        .map(|s| s.1)
        .collect();
    assert_eq!(roles, ["interviewer", "p1", "interviewer", "p2"]);

    // The file's own declaration wins over qcode.toml.
    p.write(
        "corpus/focus.txt",
        &format!("---\nspeakers:\n  Moderator: local resident\n  P1: Officer\n  P2: Officer\n---\n{focus}"),
    );
    let (_, err) = p.run(&["index"], 0);
    assert!(err.contains("corpus/focus.txt: no interviewer"), "{err}");
    assert_eq!(p.search_json(&["changed"]).len(), 1);

    // A document has no speakers, so no interviewer to miss.
    p.write("qcode.toml", "[transcript]\nformat = \"document\"\n");
    p.write("corpus/focus.txt", focus);
    let (_, err) = p.run(&["index"], 0);
    assert!(!err.contains("no interviewer"), "{err}");
}

/// A made-up hearing in Markdown with a reST title: headings, an oath, times and stage
/// directions between the turns.
const HEARING: &str = "---
id: hearing
speakers:
  Counsel: interviewer
  Witness: resident
---
# Day One

*(10.00 am)*

*ANNA KOWAL (sworn).*

Examined by Ms Rowe
===================

Counsel: Where did the grant money go?

Witness: Into the hall roof.
(Short break)
[11:02]

Witness: The roof leaked regardless.

## Closing Remarks

Witness: Nothing more about the roof.
";

#[test]
fn headings_oaths_times_and_directions_are_not_speech_and_headings_name_sections() {
    let p = Project::new();
    p.write("corpus/hearing.md", HEARING);
    p.write(
        "corpus/other.md",
        "---\nid: other\nsection: Evidence\n---\nP1: Before any heading.\n\n# Part Two\n\nP1: After it.\n",
    );
    let (_, err) = p.run(&["index"], 0);
    let warned: Vec<&str> = err.lines().filter(|l| l.contains("section")).collect();
    assert_eq!(warned.len(), 1, "{err}");
    assert!(
        warned[0].starts_with("warning: corpus/other.md:7: the header sets `section: Evidence`"),
        "{err}"
    );
    let hits = p.search_json(&["roof", "--where", "section=examined by ms rowe"]);
    assert_eq!(ids(&hits), ["hearing:2.1", "hearing:3.1"]);
    assert_eq!(hits[0]["text"], "Into the hall roof.");
    let hits = p.search_json(&["roof", "--where", "section=Closing Remarks"]);
    assert_eq!(ids(&hits), ["hearing:4.1"]);
    for word in ["sworn", "break", "am", "examined", "closing"] {
        assert!(p.search_json(&[word]).is_empty(), "{word} is not speech");
    }
    // The header's section wins over the file's heading.
    let hits = p.search_json(&["after", "--where", "section=Evidence"]);
    assert_eq!(ids(&hits), ["other:2.1"]);
    // Text and offsets are the source's, as without the lines around them.
    let (out, _) = p.run(
        &[
            "segments",
            "--format",
            "json",
            "--include-interviewer",
            "corpus/hearing.md",
        ],
        0,
    );
    let segs: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let chars: Vec<char> = HEARING.chars().collect();
    for s in &segs {
        let (a, b) = (
            s["start"].as_u64().unwrap() as usize,
            s["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            chars[a..b].iter().collect::<String>(),
            s["text"].as_str().unwrap()
        );
    }
    assert_eq!(segs.len(), 4);
    // Turned off, they are speech again.
    p.write("qcode.toml", "[transcript]\nnon_speech = false\n");
    p.run(&["index"], 0);
    assert_eq!(ids(&p.search_json(&["break"])), ["hearing:2.1"]);
}
