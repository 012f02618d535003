//! Searching: query language, filters, context, output formats and exit codes.

use crate::common::{ids, Project};

fn indexed() -> Project {
    let p = Project::new();
    p.run(&["index"], 0);
    p
}

#[test]
fn words_are_matched_by_stem_and_highlighted() {
    let p = indexed();
    let (out, _) = p.run(&["search", "listen"], 0);
    assert!(out.contains("northmoor-01:2.2"), "{out}");
    assert!(out.contains("We «listened» more"), "{out}");
    assert!(out.contains("Council officer, Northmoor"), "{out}");
    assert!(out.contains("1 of 1 matching segments shown"), "{out}");
}

#[test]
fn phrases_prefixes_and_boolean_operators() {
    let p = indexed();
    assert_eq!(
        ids(&p.search_json(&["\"monthly meeting\""])),
        ["northmoor-01:2.1"]
    );
    assert!(p.search_json(&["\"meeting monthly\""]).is_empty());
    assert_eq!(ids(&p.search_json(&["bureau*"])), ["northmoor-01:4.1"]);
    assert_eq!(
        ids(&p.search_json(&["\"regular meet*\""])),
        ["eastbrook-01:4.1"]
    );
    assert_eq!(
        ids(&p.search_json(&["\"monthly meet*\""])),
        ["northmoor-01:2.1"]
    );
    assert_eq!(
        ids(&p.search_json(&["trust OR bureaucracy"])),
        ["eastbrook-01:2.1", "northmoor-01:4.1"]
    );
    assert_eq!(
        ids(&p.search_json(&["regular -paperwork"])),
        ["northmoor-01:2.1"]
    );
    assert_eq!(
        ids(&p.search_json(&["council AND residents"])),
        ["eastbrook-01:2.1"]
    );
    let hits = p.search_json(&["bureau*"]);
    assert_eq!(
        hits[0]["highlighted"],
        "Be honest about the money. «Bureaucracy» slowed everything down."
    );
}

#[test]
fn interviewer_turns_are_excluded_unless_asked() {
    let p = indexed();
    assert!(p.search_json(&["tell"]).is_empty());
    assert_eq!(
        ids(&p.search_json(&["tell", "--include-interviewer"])),
        ["northmoor-01:3.1"]
    );
}

#[test]
fn role_speaker_interview_and_metadata_filters() {
    let p = indexed();
    // A role by id, label or alias.
    for role in ["council_officer", "Council officer", "officer"] {
        assert_eq!(
            ids(&p.search_json(&["", "--role", role])),
            ["northmoor-01:2.1", "northmoor-01:2.2"],
            "{role}"
        );
    }
    assert_eq!(
        ids(&p.search_json(&["meeting*", "--role", "resident"])),
        ["eastbrook-01:4.1"]
    );
    assert_eq!(
        ids(&p.search_json(&["", "--speaker", "p2"])),
        ["northmoor-01:4.1"]
    );
    assert_eq!(
        ids(&p.search_json(&["", "--interview", "eastbrook-01"])),
        ["eastbrook-01:2.1", "eastbrook-01:4.1"]
    );
    assert_eq!(
        ids(&p.search_json(&["", "--where", "area=Northmoor", "--where", "mode=telephone"])).len(),
        3
    );
    // All must hold: known values that never meet find nothing (a value never seen, such as
    // mode=video, is now an error with a hint: filters::…).
    assert!(p
        .search_json(&["", "--where", "area=Eastbrook", "--where", "mode=telephone"])
        .is_empty());
    // Several roles: any of them.
    assert_eq!(
        p.search_json(&["", "--role", "lto_rep", "--role", "resident"])
            .len(),
        3
    );
}

#[test]
fn context_shows_neighbouring_paragraphs_of_the_same_interview() {
    let p = indexed();
    let hits = p.search_json(&["bureaucracy", "--context", "1"]);
    assert_eq!(
        hits[0]["context_before"][0]["segment_id"],
        "northmoor-01:3.1"
    );
    assert_eq!(hits[0]["context_after"].as_array().unwrap().len(), 0);
    let (out, _) = p.run(&["search", "listened", "-C", "1"], 0);
    assert!(out.contains("| Council officer: At the start"), "{out}");
    assert!(
        out.contains("| Interviewer: [00:12:31]") || out.contains("| Interviewer: What would"),
        "{out}"
    );
}

#[test]
fn csv_output_has_metadata_columns_and_no_names() {
    let p = indexed();
    let (out, _) = p.run(
        &[
            "search",
            "",
            "--format",
            "csv",
            "--include-interviewer",
            "-n",
            "100",
        ],
        0,
    );
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[1], "segment_id");
    assert!(headers.iter().any(|h| h == "meta:area"));
    assert_eq!(rdr.records().count(), 9);
    assert!(!out.contains("Dana"), "participant names are never shown");
}

#[test]
fn exit_codes_follow_grep() {
    let p = indexed();
    p.run(&["search", "trust"], 0);
    let (out, _) = p.run(&["search", "zebra"], 1);
    assert!(out.contains("no matching segments"));
    let (_, err) = p.run(&["search", "\"unclosed"], 2);
    assert!(
        err.contains("query, column 1: this quote is never closed"),
        "{err}"
    );
    let (_, err) = p.run(&["search", "x", "--where", "area"], 2);
    assert!(err.contains("KEY=VALUE"), "{err}");
}

#[test]
fn ranking_is_stable_across_rebuilds() {
    let p = indexed();
    let first = p.search_json(&["", "-n", "100"]);
    p.run(&["index", "--rebuild"], 0);
    let second = p.search_json(&["", "-n", "100"]);
    let order = |h: &[serde_json::Value]| {
        h.iter()
            .map(|x| x["segment_id"].to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(order(&first), order(&second));
}

#[test]
fn missing_project_or_corpus_is_an_error() {
    let p = Project::empty();
    std::fs::remove_dir(p.file("corpus")).unwrap();
    let (_, err) = p.run(&["index"], 2);
    assert!(err.contains("corpus folder not found"), "{err}");
    std::fs::write(p.file("corpus"), "not a folder").unwrap();
    let (_, err) = p.run(&["index"], 2);
    assert!(err.contains("the corpus is a file, not a folder"), "{err}");
    let (_, err) = p.run(&["--project", "/nonexistent/x", "index"], 2);
    assert!(err.contains("project folder not found"), "{err}");
}

#[test]
fn command_line_conventions() {
    let p = indexed();
    for shell in ["bash", "zsh", "fish"] {
        let (out, _) = p.run(&["completions", shell], 0);
        assert!(out.contains("qcode") && out.contains("export"), "{shell}");
    }
    let (man, _) = p.run(&["man"], 0);
    assert!(
        man.starts_with(".ie") || man.contains(".TH qcode"),
        "{}",
        &man[..200.min(man.len())]
    );
    // Every subcommand's --help has an example.
    for sub in [
        "index",
        "search",
        "segments",
        "code",
        "codes",
        "agree",
        "import",
        "export",
        "codebook",
        "completions",
        "man",
    ] {
        let (help, _) = p.run(&[sub, "--help"], 0);
        assert!(help.contains("Example"), "{sub} --help has no example");
    }
    for sub in [
        "quotes",
        "wide",
        "crosstab",
        "cooccur",
        "framework",
        "qdc",
        "qdpx",
    ] {
        let (help, _) = p.run(&["export", sub, "--help"], 0);
        assert!(
            help.contains("Example"),
            "export {sub} --help has no example"
        );
    }
    for sub in ["check", "test", "diff"] {
        let (help, _) = p.run(&["codebook", sub, "--help"], 0);
        assert!(
            help.contains("Example"),
            "codebook {sub} --help has no example"
        );
    }
    let (_, err) = p.run(&["index", "--rebuild", "--verbose"], 0);
    assert!(err.contains("indexed corpus/eastbrook-01.txt"), "{err}");
    let (_, err) = p.run(&["index", "--rebuild", "--quiet"], 0);
    assert!(err.is_empty(), "{err}");
    let (_, err) = p.run(&["search", "trust", "-v"], 0);
    assert!(err.contains("matching segments"), "{err}");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    // Outputs larger than a pipe's buffer, so the writes after the close fail.
    let p = indexed();
    let mut csv = String::from("id,text\n");
    for i in 0..3000 {
        csv.push_str(&format!(
            "r-{i},\"We trust the council and the officers, row {i}.\"\n"
        ));
    }
    p.write("corpus/big.csv", &csv);
    for args in [
        vec!["search", "", "-n", "3000"],
        vec!["export", "wide"],
        vec!["export", "quotes"],
        vec!["segments"],
    ] {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("qcode"))
            .current_dir(p.path())
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read one byte, then close the pipe.
        let mut out = child.stdout.take().unwrap();
        let mut byte = [0u8; 1];
        let _ = out.read(&mut byte);
        drop(out);
        let status = child.wait().unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            status.code() == Some(0) || status.code().is_none(),
            "{args:?}: {status:?} {err}"
        );
    }
}

/// NEAR in a search means what it means in a codebook: the segments a search `a NEAR/n b`
/// finds are exactly those a code with that pattern codes.
#[test]
fn near_in_search_finds_what_the_same_pattern_codes() {
    let p = crate::common::Project::new();
    p.write(
        "codebook/codes.toml",
        "[codes.near]\nlabel = \"Near\"\npatterns = ['meet* NEAR/3 officer*']\n",
    );
    p.write(
        "corpus/extra.txt",
        "---\nid: extra\nspeakers:\n  I: interviewer\n  P1: resident\n---\nI: And?\n\nP1: Officers came to every meeting.\n\nI: More?\n\nP1: A meeting, then much later, a long time after, one officer.\n",
    );
    let coded = crate::common::ids(&p.search_json(&["", "--code", "near"]));
    let found = crate::common::ids(&p.search_json(&["meet* NEAR/3 officer*"]));
    assert_eq!(found, coded);
    assert!(
        found.contains(&"extra:2.1".to_string()),
        "either order: {found:?}"
    );
    assert!(
        !found.contains(&"extra:4.1".to_string()),
        "too far apart: {found:?}"
    );
    let (_, err) = p.run(&["search", "trust OR (a NEAR/2 b)"], 2);
    assert!(err.contains("not inside OR or NOT"), "{err}");
    let (_, err) = p.run(&["search", "a NEAR/0 b"], 2);
    assert!(err.contains("NEAR distance"), "{err}");
}

/// `search --excel`: CSV a spreadsheet opens without running a participant's words.
#[test]
fn search_csv_for_excel_neutralises_formulas() {
    let p = crate::common::Project::new();
    p.write(
        "corpus/rows.csv",
        "id,role,text\nx1,resident,=1+1 we trust them\n",
    );
    let (out, _) = p.run(&["search", "trust", "--format", "csv", "--excel"], 0);
    assert!(
        out.starts_with('\u{feff}') && out.contains("\r\n"),
        "{out:?}"
    );
    assert!(out.contains("'=1+1 we trust them"), "{out}");
    let (out, _) = p.run(&["search", "trust", "--format", "csv"], 0);
    assert!(
        out.contains(",=1+1 we trust them"),
        "plain CSV is left as it is: {out}"
    );
    let (_, err) = p.run(&["search", "trust", "--excel"], 2);
    assert!(err.contains("--format csv only"), "{err}");
}

/// A search and its total as JSON: (hit ids in ranking order, total).
fn ranked(p: &Project, args: &[&str]) -> (Vec<String>, u64) {
    let mut all = vec!["search", "--format", "json"];
    all.extend_from_slice(args);
    let (out, _) = p.run(&all, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let hits = v["hits"].as_array().unwrap();
    let order = hits
        .iter()
        .map(|h| h["segment_id"].as_str().unwrap().to_string());
    (order.collect(), v["total"].as_u64().unwrap())
}

/// Enough segments for several 128-document postings blocks, of many lengths (so many scores,
/// and ties), interviewer turns among them scoring highest: the pruned ranking of a plain word
/// gives the hits and total that the whole query gives, whatever the limit and the path.
#[test]
fn a_pruned_ranking_leaves_out_interviewer_turns_and_counts_every_match() {
    let p = Project::empty();
    p.write("qcode.toml", "[project]\ncorpus = \"corpus\"\n");
    let mut tsv = String::from("segment_id\trole\ttext\n");
    let (mut respondents, mut everyone) = (0, 0);
    for i in 0..900 {
        let role = if i % 3 == 0 {
            "interviewer"
        } else {
            "participant"
        };
        // Interviewer turns are short (the highest scores); the others vary in length.
        let filler = "the council said that ".repeat(if role == "interviewer" { 0 } else { i % 7 });
        let text = match i % 5 {
            4 => format!("{filler}nothing to see"),
            _ => format!("{filler}trust {}", "again ".repeat(i % 4)),
        };
        if i % 5 != 4 {
            everyone += 1;
            respondents += u64::from(role != "interviewer");
        }
        tsv.push_str(&format!("s{i}\t{role}\t{text}\n"));
    }
    p.write("corpus/turns.tsv", &tsv);
    p.run(&["index"], 0);
    let (all, total) = ranked(&p, &["trust", "-n", "1000"]);
    assert_eq!(total, respondents);
    assert_eq!(all.len() as u64, respondents);
    let interviewer = |id: &String| id[1..].parse::<usize>().unwrap() % 3 == 0;
    assert!(!all.iter().any(interviewer), "{all:?}");
    // Each limit's hits are the head of the full ranking, and the total never moves.
    for n in ["1", "7", "20", "129"] {
        let (top, t) = ranked(&p, &["trust", "-n", n]);
        assert_eq!(t, respondents);
        assert_eq!(top[..], all[..top.len()], "-n {n}");
    }
    // A filter takes the other path (the whole query ranks): the same hits, in the same order.
    let (by_role, t) = ranked(&p, &["trust", "--role", "participant", "-n", "1000"]);
    assert_eq!((by_role, t), (all, respondents));
    let (with, t) = ranked(&p, &["trust", "--include-interviewer", "-n", "20"]);
    assert_eq!(t, everyone);
    assert!(with.iter().any(interviewer), "{with:?}");
}
