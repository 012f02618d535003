//! Automatic coding: every pattern kind, exclusions, hierarchy, stemming, codebook errors,
//! re-coding after an edit, and the codebook's own tests.

use crate::common::{ids, Project, CODEBOOK};

fn coded(p: &Project, code: &str) -> Vec<String> {
    ids(&p.search_json(&["", "--code", code, "-n", "100"]))
}

#[test]
fn each_pattern_kind_codes_the_right_segments() {
    let p = Project::coded();
    p.run(&["index"], 0);
    // Word by stem ("trust" ↔ "Trust", eastbrook 2.1), NEAR (honest … money), phrase with a glob.
    assert_eq!(
        coded(&p, "trust"),
        ["eastbrook-01:2.1", "eastbrook-01:4.1", "northmoor-01:4.1"]
    );
    // Stemming: "listen" codes "listened"; a regex; a `?` glob (bureaucracy).
    assert_eq!(
        coded(&p, "dialogue"),
        ["northmoor-01:2.1", "northmoor-01:2.2", "northmoor-01:4.1"]
    );
    // Interviewer turns are never coded ("council" is in the first question).
    assert!(!coded(&p, "council").contains(&"northmoor-01:1.1".to_string()));
}

#[test]
fn exclusions_drop_overlapping_hits() {
    let p = Project::coded();
    p.write(
        "corpus/funder.txt",
        "P1: Local Trust funded the hall.\n\nP1: We trust Local Trust.\n",
    );
    p.run(&["index"], 0);
    let hits = coded(&p, "trust");
    assert!(!hits.contains(&"funder:1.1".to_string()), "{hits:?}");
    assert!(hits.contains(&"funder:2.1".to_string()), "{hits:?}");
}

#[test]
fn a_parent_code_includes_its_children() {
    let p = Project::coded();
    p.run(&["index"], 0);
    // "officers" is a child of "council": eastbrook 4.1 mentions officers only.
    assert_eq!(coded(&p, "officers"), ["eastbrook-01:4.1"]);
    assert!(coded(&p, "council").contains(&"eastbrook-01:4.1".to_string()));
    let (out, _) = p.run(&["codes", "--format", "csv"], 0);
    let council = out.lines().find(|l| l.starts_with("council,")).unwrap();
    assert!(council.contains(",stakeholder,,0,2,1,"), "{out}");
    let (out, _) = p.run(&["codes"], 0);
    assert!(
        out.contains("  officers"),
        "children are indented under their parent:\n{out}"
    );
}

#[test]
fn search_shows_codes_and_filters_by_dimension() {
    let p = Project::coded();
    let (out, _) = p.run(&["search", "bureaucracy"], 0);
    assert!(
        out.contains("codes: trust ×1 (honest about the money), dialogue ×1 (Bureaucracy)"),
        "{out}"
    );
    let hits = p.search_json(&["", "--dimension", "stakeholder", "-n", "100"]);
    assert_eq!(ids(&hits), ["eastbrook-01:2.1", "eastbrook-01:4.1"]);
    let hit = hits
        .iter()
        .find(|h| h["segment_id"] == "eastbrook-01:2.1")
        .unwrap();
    let codings = hit["codings"].as_array().unwrap();
    assert_eq!(
        codings[0]["code"], "trust",
        "codings come in codebook order"
    );
    let ev = &codings[1];
    assert_eq!(ev["code"], "council");
    assert_eq!(ev["hits"][0]["pattern"], "council");
    assert_eq!(ev["hits"][0]["text"], "council");
    let (_, err) = p.run(&["search", "", "--code", "nope"], 2);
    assert!(err.contains("unknown code `nope`"), "{err}");
}

#[test]
fn explain_shows_which_pattern_fired_where() {
    let p = Project::coded();
    let (out, _) = p.run(&["code", "--explain", "northmoor-01:4.1"], 0);
    assert!(out.contains("«honest about the money»"), "{out}");
    assert!(
        out.contains("chars 3..25  pattern honest* NEAR/3 money"),
        "{out}"
    );
    assert!(
        out.contains("dialogue (Dialogue, component): 1 hit(s)"),
        "{out}"
    );
    let (out, _) = p.run(&["code", "--text", "Local Trust and the officers"], 0);
    assert!(out.contains("council > officers"), "{out}");
    assert!(out.contains("matches that did not count"), "{out}");
    assert!(out.contains("trust: «Trust» pattern trust"), "{out}");
    let (_, err) = p.run(&["code", "--explain", "nope:1.1"], 2);
    assert!(err.contains("no segment `nope:1.1`"), "{err}");
}

#[test]
fn editing_the_codebook_recodes_everything() {
    let p = Project::coded();
    p.run(&["index"], 0);
    assert!(coded(&p, "dialogue")
        .iter()
        .all(|id| !id.starts_with("eastbrook")));
    p.write(
        "codebook/codes.toml",
        &CODEBOOK.replace(
            r#"patterns = ["listen","#,
            r#"patterns = ["decision*", "listen","#,
        ),
    );
    let (_, err) = p.run(&["index"], 0);
    assert!(
        err.contains("rebuilt the index: qcode.toml or the codebook changed"),
        "{err}"
    );
    assert!(coded(&p, "dialogue").contains(&"eastbrook-01:2.1".to_string()));
}

#[test]
fn uncoded_segments_are_counted_and_listed() {
    let p = Project::coded();
    p.write("corpus/quiet.txt", "P1: Nothing relevant here at all.\n");
    let (out, _) = p.run(&["codes", "--uncoded"], 0);
    assert!(
        out.contains("uncoded: 1 of 6 respondent segments (16.7%)"),
        "{out}"
    );
    assert!(out.contains("quiet:1.1"), "{out}");
}

#[test]
fn codebook_test_checks_examples_and_counterexamples() {
    let p = Project::coded();
    let (out, _) = p.run(&["codebook", "test"], 0);
    assert!(out.contains("9 passed, 0 failed"), "{out}");
    p.write(
        "codebook/codes.toml",
        &CODEBOOK.replace("\"The building was quiet.\"", "\"Nobody listened.\""),
    );
    let (out, _) = p.run(&["codebook", "test"], 1);
    assert!(
        out.contains(
            "FAIL dialogue counterexample 1: should not be coded `dialogue`, but got dialogue"
        ),
        "{out}"
    );
    assert!(out.contains("8 passed, 1 failed"), "{out}");
}

#[test]
fn codebook_check_reports_each_kind_of_error_with_location() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "[codes.x\nlabel = \"X\"\n",
            "codes2.toml:1:9: unclosed table",
            "TOML syntax",
        ),
        (
            "[codes.x]\nlabel = \"X\"\ncolour = \"red\"\n",
            "codes2.toml:3:1: unknown field `colour`",
            "unknown key",
        ),
        (
            "[codes.x]\nlabel = \"X\"\npatterns = ['\"open']\n",
            "codes2.toml:3:14: bad pattern",
            "unbalanced quote",
        ),
        (
            "[codes.x]\nlabel = \"X\"\npatterns = [\"a NEAR b\"]\n",
            "NEAR needs a distance",
            "NEAR without a distance",
        ),
        (
            "[codes.x]\nlabel = \"X\"\npatterns = [\"/(a/\"]\n",
            "invalid regex",
            "invalid regex",
        ),
        (
            "[codes.trust]\nlabel = \"Again\"\n",
            "code `trust` is already defined in",
            "duplicate id",
        ),
        (
            "[codes.x]\nlabel = \"X\"\nparent = \"nobody\"\n",
            "codes2.toml:3:10: code `x` has an unknown parent `nobody`",
            "unknown parent",
        ),
        (
            "[codes.x]\nlabel = \"X\"\nparent = \"y\"\n[codes.y]\nlabel = \"Y\"\nparent = \"x\"\n",
            "cycle of parents",
            "cycle",
        ),
    ];
    for (text, expect, what) in cases {
        let p = Project::coded();
        p.write("codebook/codes2.toml", text);
        let (_, err) = p.run(&["codebook", "check"], 1);
        assert!(
            err.contains(expect),
            "{what}: expected {expect:?} in\n{err}"
        );
        assert!(err.contains("help:"), "{what}: a hint\n{err}");
        // Indexing with a broken codebook is an error, and leaves no index behind.
        let (_, err) = p.run(&["index"], 2);
        assert!(err.contains("problem(s) in the codebook"), "{what}: {err}");
    }
}

#[test]
fn codebook_check_warns_about_unused_patterns_and_missing_examples() {
    let p = Project::coded();
    p.write(
        "codebook/codes2.toml",
        "[codes.extra]\nlabel = \"Extra\"\npatterns = [\"zeppelin\", \"council\"]\n",
    );
    let (out, err) = p.run(&["codebook", "check"], 0);
    assert!(
        err.contains("1 of 2 patterns of `extra` match nothing in the corpus"),
        "{err}"
    );
    assert!(err.contains("code `extra` has no examples"), "{err}");
    assert!(out.contains("5 codes"), "{out}");
}

#[test]
fn codebook_diff_shows_gains_and_losses_before_commit() {
    let p = Project::coded();
    p.write("old/codes.toml", CODEBOOK);
    // New: dialogue also codes "decision*" (eastbrook 2.1 gains it); trust drops its NEAR rule
    // (northmoor 4.1 loses trust).
    let new = CODEBOOK
        .replace(
            r#"patterns = ["listen","#,
            r#"patterns = ["decision*", "listen","#,
        )
        .replace(r#""honest* NEAR/3 money", "#, "");
    p.write("codebook/codes.toml", &new);
    let (out, _) = p.run(&["codebook", "diff", "old", "--format", "csv"], 0);
    assert!(out.contains("trust,3,2,0,1"), "{out}");
    assert!(out.contains("dialogue,3,4,1,0"), "{out}");
    assert!(out.contains("council,2,2,0,0"), "{out}");
    let (out, _) = p.run(
        &[
            "codebook",
            "diff",
            "old/codes.toml",
            "codebook/codes.toml",
            "--list",
            "--format",
            "csv",
        ],
        0,
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[1].starts_with("eastbrook-01:2.1,dialogue,+,"),
        "{out}"
    );
    assert!(lines[2].starts_with("northmoor-01:4.1,trust,-,"), "{out}");
    let (_, err) = p.run(&["codebook", "diff", "missing.toml"], 2);
    assert!(err.contains("no such codebook"), "{err}");
}

#[test]
fn dictionaries_import_as_codebooks_and_export_as_yaml() {
    let p = Project::new();
    p.write("dicts/trust.cat", "TRUST\n    HONEST* (1)\n    EARLY WIN (1)\n    DISTRUST\n        SUSPICIOUS (2)\nDIALOGUE\n    LISTEN* (1)\n");
    p.write(
        "dicts/liwc.dic",
        "%\n1\tposemo\n2\tnegemo\n%\ngood\t1\nbureaucra*\t2\n",
    );
    p.write("dicts/lex.lc3", "+POSITIVE\nbetter\n+NEGATIVE\nwrong\n");
    p.write("dicts/policy.yml", "economy:\n  jobs:\n    - jobs\n    - employ*\n  money:\n    - money\nhealth:\n  - nhs\n  - \"health service\"\n");
    for f in ["trust.cat", "liwc.dic", "lex.lc3", "policy.yml"] {
        p.run(&["codebook", "import", &format!("dicts/{f}")], 0);
    }
    let (out, _) = p.run(&["codebook", "check"], 0);
    assert!(out.contains("11 codes"), "{out}");
    // The imported codes code the corpus: listen* (dialogue), bureaucra* (negemo), wrong, money.
    assert!(!p.search_json(&["", "--code", "dialogue"]).is_empty());
    assert_eq!(
        crate::common::ids(&p.search_json(&["", "--code", "negemo"])),
        ["northmoor-01:4.1"]
    );
    assert_eq!(
        crate::common::ids(&p.search_json(&["", "--code", "economy"])),
        ["northmoor-01:4.1"],
        "money → economy via its child"
    );
    // Never overwritten.
    let (_, err) = p.run(&["codebook", "import", "dicts/lex.lc3"], 2);
    assert!(err.contains("exists; choose another name with -o"), "{err}");
    // Round trip through quanteda YAML keeps categories, hierarchy and entries.
    p.run(
        &["codebook", "export", "--format", "yaml", "-o", "out.yml"],
        0,
    );
    let yaml = std::fs::read_to_string(p.file("out.yml")).unwrap();
    let back: serde_norway::Value = serde_norway::from_str(&yaml).unwrap();
    assert_eq!(back["economy"]["jobs"][1], "employ*");
    assert_eq!(back["health"][1], "health service");
    assert_eq!(
        back["trust"]["trust"][1], "early win",
        "a parent's own entries under its own name"
    );
    assert_eq!(back["trust"]["distrust"][0], "suspicious");
    let q = Project::empty();
    q.write("policy.yml", &yaml);
    q.write("corpus/a.txt", "P1: Jobs and the health service.\n");
    q.run(
        &["codebook", "import", "policy.yml", "--dimension", "policy"],
        0,
    );
    assert_eq!(
        crate::common::ids(&q.search_json(&["", "--code", "economy"])),
        ["a:1.1"]
    );
    assert_eq!(
        crate::common::ids(&q.search_json(&["", "--code", "health"])),
        ["a:1.1"]
    );
}
