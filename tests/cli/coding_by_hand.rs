//! Coding by hand, end to end: `code add` / `code remove` / `search --apply` record codings in
//! codings/CODER.csv; `--coder` (and `[coding] use`) chooses whose codings every read command
//! reads; codings follow their words when a transcript is edited; memos; `agree` with no file.

use crate::common::{ids, Project};

fn csv_rows(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn file(p: &Project, rel: &str) -> String {
    std::fs::read_to_string(p.file(rel)).unwrap()
}

#[test]
fn a_coding_added_by_hand_is_read_under_its_coder_only() {
    let p = Project::coded();
    let (_, err) = p.run(
        &[
            "code",
            "add",
            "northmoor-01:2.2",
            "--code",
            "trust",
            "--coder",
            "ann",
            "--memo",
            "candid",
        ],
        0,
    );
    assert!(
        err.contains("1 coding(s) of `trust` by ann added to codings/ann.csv"),
        "{err}"
    );
    let rows = csv_rows(&file(&p, "codings/ann.csv"));
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(
        (r["segment_id"].as_str(), r["code"].as_str()),
        ("northmoor-01:2.2", "trust")
    );
    assert_eq!(
        (r["interview"].as_str(), r["memo"].as_str()),
        ("northmoor-01", "candid")
    );
    assert_eq!(r["text"], "We listened more after that.");
    assert!(r["time"].ends_with('Z') && r["status"].is_empty());
    // Adding it again adds nothing.
    let (_, err) = p.run(
        &[
            "code",
            "add",
            "northmoor-01:2.2",
            "--code",
            "trust",
            "--coder",
            "ann",
        ],
        0,
    );
    assert!(
        err.contains("0 coding(s)") && err.contains("1 already there"),
        "{err}"
    );

    let ann = ids(&p.search_json(&["", "--code", "trust", "--coder", "ann"]));
    assert_eq!(ann, ["northmoor-01:2.2"]);
    let machine = ids(&p.search_json(&["", "--code", "trust"]));
    assert!(!machine.contains(&"northmoor-01:2.2".to_string()) && !machine.is_empty());
    // Both: the union, and a CSV row per hit and coder with a coder column.
    let both = ids(&p.search_json(&["", "--code", "trust", "--coder", "all"]));
    assert_eq!(both.len(), machine.len() + 1);
    let (out, _) = p.run(
        &[
            "search", "", "--code", "trust", "--coder", "all", "--format", "csv",
        ],
        0,
    );
    let rows = csv_rows(&out);
    let coders: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["coder"].as_str()).collect();
    assert_eq!(coders.into_iter().collect::<Vec<_>>(), ["ann", "machine"]);
}

#[test]
fn unknown_codes_segments_and_coders_are_errors_with_hints() {
    let p = Project::coded();
    p.write(
        "codebook/groups.toml",
        "[codes.themes]\nlabel = \"Themes\"\ncodable = false\n",
    );
    let (_, err) = p.run(
        &[
            "code",
            "add",
            "northmoor-01:2.2",
            "--code",
            "themes",
            "--coder",
            "ann",
        ],
        2,
    );
    assert!(err.contains("grouping code"), "{err}");
    let (_, err) = p.run(
        &[
            "code",
            "add",
            "northmoor-01:9.9",
            "--code",
            "trust",
            "--coder",
            "ann",
        ],
        2,
    );
    assert!(err.contains("no segment `northmoor-01:9.9`"), "{err}");
    let (_, err) = p.run(
        &[
            "code",
            "add",
            "northmoor-01:2.2",
            "--code",
            "trsut",
            "--coder",
            "ann",
        ],
        2,
    );
    assert!(err.contains("unknown code `trsut`"), "{err}");
    let (_, err) = p.run(
        &[
            "code",
            "add",
            "northmoor-01:2.2",
            "--code",
            "trust",
            "--coder",
            "all",
        ],
        2,
    );
    assert!(err.contains("reserved"), "{err}");
    let (_, err) = p.run(
        &[
            "code",
            "add",
            "northmoor-01:2.2",
            "--code",
            "trust",
            "--coder",
            "../x",
        ],
        2,
    );
    assert!(err.contains("cannot name a coder"), "{err}");
    p.run(
        &[
            "code",
            "add",
            "northmoor-01:2.2",
            "--code",
            "trust",
            "--coder",
            "ann",
        ],
        0,
    );
    let (_, err) = p.run(&["search", "", "--coder", "anne"], 2);
    assert!(
        err.contains("no coder `anne`") && err.contains("machine, ann"),
        "{err}"
    );
    assert!(!p.file("codings/all.csv").exists() && !p.file("x.csv").exists());
}

#[test]
fn removing_a_machine_code_records_a_rejection_that_a_review_applies() {
    let p = Project::coded();
    // The machine codes dialogue on northmoor-01:2.1 ("monthly meeting").
    let machine = ids(&p.search_json(&["", "--code", "dialogue"]));
    assert!(
        machine.contains(&"northmoor-01:2.1".to_string()),
        "{machine:?}"
    );
    let (_, err) = p.run(
        &[
            "code",
            "remove",
            "northmoor-01:2.1",
            "--code",
            "dialogue",
            "--coder",
            "ann",
        ],
        0,
    );
    assert!(
        err.contains("1 machine coding(s) of `dialogue` rejected by ann"),
        "{err}"
    );
    let rows = csv_rows(&file(&p, "codings/ann.csv"));
    assert_eq!(rows[0]["status"], "rejected");
    let reviewed = ids(&p.search_json(&["", "--code", "dialogue", "--coder", "reviewed:ann"]));
    let mut expected = machine.clone();
    expected.retain(|id| id != "northmoor-01:2.1");
    assert_eq!(reviewed, expected);
    // The same as the project's default, without re-indexing the corpus.
    p.write("qcode.toml", "[coding]\nuse = \"reviewed:ann\"\n");
    let (out, err) = p.run(&["search", "", "--code", "dialogue", "--format", "json"], 0);
    assert!(
        !err.contains("re-indexed") && !err.contains("rebuilt"),
        "{err}"
    );
    let hits: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(ids(hits["hits"].as_array().unwrap()), expected);
    // A matrix counts by the review too.
    let (out, _) = p.run(
        &[
            "export",
            "crosstab",
            "--rows",
            "role",
            "--cols",
            "component",
        ],
        0,
    );
    let (out_m, _) = p.run(
        &[
            "export",
            "crosstab",
            "--rows",
            "role",
            "--cols",
            "component",
            "--coder",
            "machine",
        ],
        0,
    );
    assert_ne!(out, out_m);
    // Removing a code nobody applied says so.
    let (_, err) = p.run(
        &[
            "code",
            "remove",
            "eastbrook-01:2.1",
            "--code",
            "dialogue",
            "--coder",
            "ann",
        ],
        1,
    );
    assert!(err.contains("nothing to remove"), "{err}");
}

#[test]
fn search_apply_codes_every_hit_whatever_the_display_limit() {
    let p = Project::coded();
    let total = p.search_json(&["", "--interview", "eastbrook-01"]).len();
    assert!(total >= 2);
    let (out, err) = p.run(
        &[
            "search",
            "",
            "--interview",
            "eastbrook-01",
            "-n",
            "1",
            "--apply",
            "council",
            "--coder",
            "bob",
            "--dry-run",
        ],
        0,
    );
    assert_eq!(out.lines().count(), total, "{out}");
    assert!(
        err.contains("dry run") && !p.file("codings/bob.csv").exists(),
        "{err}"
    );
    p.run(
        &[
            "search",
            "",
            "--interview",
            "eastbrook-01",
            "-n",
            "1",
            "--apply",
            "council",
            "--coder",
            "bob",
        ],
        0,
    );
    assert_eq!(csv_rows(&file(&p, "codings/bob.csv")).len(), total);
    let (_, err) = p.run(&["search", "council", "--apply", "council"], 2);
    assert!(err.contains("--coder"), "{err}");
}

#[test]
fn an_interviewer_turn_a_person_coded_is_data_under_that_coder() {
    let p = Project::coded();
    p.run(
        &[
            "code",
            "add",
            "northmoor-01:1.1",
            "--code",
            "council",
            "--coder",
            "ann",
        ],
        0,
    );
    let (out, _) = p.run(&["export", "quotes", "--coder", "ann"], 0);
    assert!(out.contains("northmoor-01:1.1"), "{out}");
    let (out, _) = p.run(&["export", "quotes"], 0);
    assert!(!out.contains("northmoor-01:1.1"), "{out}");
    // wide with two coders: a row per segment and coder.
    let (out, _) = p.run(
        &["export", "wide", "--coder", "machine", "--coder", "ann"],
        0,
    );
    let rows = csv_rows(&out);
    let ann: Vec<_> = rows.iter().filter(|r| r["coder"] == "ann").collect();
    let machine: Vec<_> = rows.iter().filter(|r| r["coder"] == "machine").collect();
    assert_eq!(ann.len(), machine.len());
    let r = ann
        .iter()
        .find(|r| r["segment_id"] == "northmoor-01:1.1")
        .unwrap();
    assert_eq!((r["council"].as_str(), r["trust"].as_str()), ("1", "0"));
    let (out, _) = p.run(&["codes", "--coder", "ann", "--format", "csv"], 0);
    assert!(
        out.lines()
            .any(|l| l.starts_with("council,") && l.contains(",1,")),
        "{out}"
    );
}

#[test]
fn codings_follow_their_words_when_the_transcript_is_edited() {
    let p = Project::coded();
    p.run(
        &[
            "code",
            "add",
            "northmoor-01:4.1",
            "--code",
            "trust",
            "--coder",
            "ann",
        ],
        0,
    );
    p.run(
        &[
            "code",
            "add",
            "northmoor-01:2.2",
            "--code",
            "dialogue",
            "--coder",
            "ann",
        ],
        0,
    );
    // A question and answer inserted before: turn 4 is now turn 6.
    let edited = crate::common::NORTHMOOR.replace(
        "I: [00:12:31] What would you tell another council?",
        "I: Anything on the money?\n\nP1: Not much to say.\n\nI: [00:12:31] What would you tell another council?",
    );
    p.write("corpus/northmoor-01.txt", &edited);
    let (_, err) = p.run(&["index"], 0);
    assert!(err.contains("1 row(s) re-anchored"), "{err}");
    assert_eq!(
        ids(&p.search_json(&["", "--code", "trust", "--coder", "ann"])),
        ["northmoor-01:6.1"]
    );
    assert_eq!(
        ids(&p.search_json(&["", "--code", "dialogue", "--coder", "ann"])),
        ["northmoor-01:2.2"]
    );
    // The words gone: an orphan, reported with file and line, and kept in the file.
    p.write(
        "corpus/northmoor-01.txt",
        &edited.replace("Be honest about the money.", "Say little."),
    );
    let (_, err) = p.run(&["index"], 0);
    assert!(
        err.contains("1 coding row(s) are tied to no segment"),
        "{err}"
    );
    assert!(err.contains("codings/ann.csv:2:"), "{err}");
    assert!(p
        .search_json(&["", "--code", "trust", "--coder", "ann"])
        .is_empty());
    assert_eq!(csv_rows(&file(&p, "codings/ann.csv")).len(), 2);
}

#[test]
fn a_codings_file_edited_by_hand_is_picked_up_and_a_bad_one_is_left_out() {
    let p = Project::coded();
    p.write(
        "codings/cat.csv",
        "segment_id,code\neastbrook-01:4.1,officers\n",
    );
    assert_eq!(
        ids(&p.search_json(&["", "--code", "council", "--coder", "cat"])),
        ["eastbrook-01:4.1"]
    );
    p.write(
        "codings/cat.csv",
        "segment_id,code\neastbrook-01:2.1,officers\n",
    );
    assert_eq!(
        ids(&p.search_json(&["", "--code", "council", "--coder", "cat"])),
        ["eastbrook-01:2.1"]
    );
    p.write("codings/bad.csv", "segment,code\nx,y\n");
    let (_, err) = p.run(&["index"], 1);
    assert!(
        err.contains("codings/bad.csv") && err.contains("segment_id"),
        "{err}"
    );
    assert_eq!(
        ids(&p.search_json(&["", "--code", "council", "--coder", "cat"])),
        ["eastbrook-01:2.1"]
    );
}

#[test]
fn agree_with_no_file_compares_the_coders_in_codings() {
    let p = Project::coded();
    p.run(
        &[
            "code",
            "add",
            "northmoor-01:2.1",
            "eastbrook-01:2.1",
            "--code",
            "trust",
            "--coder",
            "ann",
        ],
        0,
    );
    p.run(
        &[
            "code",
            "add",
            "northmoor-01:2.1",
            "--code",
            "trust",
            "--coder",
            "bob",
        ],
        0,
    );
    p.run(
        &[
            "code",
            "add",
            "eastbrook-01:2.1",
            "--code",
            "dialogue",
            "--coder",
            "bob",
        ],
        0,
    );
    let (out, _) = p.run(
        &[
            "agree",
            "--no-machine",
            "--code",
            "trust",
            "--format",
            "csv",
        ],
        0,
    );
    let rows = csv_rows(&out);
    let trust = rows.iter().find(|r| r["code"] == "trust").unwrap();
    assert_eq!(
        (
            trust["units"].as_str(),
            trust["applied:ann"].as_str(),
            trust["applied:bob"].as_str()
        ),
        ("2", "2", "1")
    );
    assert_eq!(trust["percent_agreement"], "50.0");
    let (out, _) = p.run(&["agree", "--format", "csv"], 0);
    assert!(out.contains("applied:machine"), "{out}");
}

#[test]
fn memos_are_markdown_files_listed_with_the_memos_on_codings() {
    let p = Project::coded();
    p.run(
        &[
            "memo",
            "northmoor-01:2.2",
            "Listening, after the meeting.",
            "--coder",
            "ann",
        ],
        0,
    );
    p.run(
        &[
            "memo",
            "trust",
            "Keep trust apart from honesty?",
            "--coder",
            "ann",
        ],
        0,
    );
    p.run(
        &[
            "code",
            "add",
            "eastbrook-01:2.1",
            "--code",
            "trust",
            "--coder",
            "bob",
            "--memo",
            "plain",
        ],
        0,
    );
    let md = file(&p, "memos/ann.md");
    assert!(
        md.contains("## segment northmoor-01:2.2 · ") && md.contains("## code trust · "),
        "{md}"
    );
    let (out, _) = p.run(&["memos", "--format", "csv"], 0);
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 3, "{out}");
    assert!(rows
        .iter()
        .any(|r| r["on"] == "coding" && r["memo"] == "plain"));
    let (out, _) = p.run(&["memos", "--coder", "bob", "--format", "csv"], 0);
    assert_eq!(csv_rows(&out).len(), 1);
    let (_, err) = p.run(&["memo", "nowhere", "x", "--coder", "ann"], 2);
    assert!(err.contains("neither a segment id"), "{err}");
}
