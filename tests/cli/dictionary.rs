//! `qcode codebook import` and `qcode codebook export`: what an import writes always passes
//! `codebook check` (or nothing is written and the dictionary's line is named), and a codebook
//! exported as quanteda YAML imports back to the same codes.

use crate::common::Project;

/// The codes of the project's codebook as (id, parent), in order.
fn codes(p: &Project) -> Vec<(String, Option<String>)> {
    let (cb, _) = qcode::codebook::load(&p.file("codebook")).unwrap();
    cb.codes.into_iter().map(|c| (c.id, c.parent)).collect()
}

#[test]
fn a_yaml_export_imports_back_to_the_same_codes() {
    let p = Project::empty();
    p.write(
        "codebook/c.toml",
        r#"
[codes."C01.01"]
label = "Trust"
patterns = ["trust*", '"early win"', "a NEAR/3 b"]

[codes."C01.02"]
label = "Distrust"
parent = "C01.01"
patterns = ["fund_raise"]

[codes.null]
label = "Keys YAML reads as other things"
patterns = ["x"]

[codes."a: b"]
label = "A key with a colon"

[codes."- 1"]
label = "A key like a list item"
parent = "a: b"
patterns = ["'quoted'"]
"#,
    );
    p.run(
        &["codebook", "export", "--format", "yaml", "-o", "out.yml"],
        0,
    );
    let q = Project::empty();
    q.write(
        "out.yml",
        &std::fs::read_to_string(p.file("out.yml")).unwrap(),
    );
    q.run(&["codebook", "import", "out.yml"], 0);
    q.run(&["codebook", "check"], 0);
    let mut want = codes(&p);
    let mut got = codes(&q);
    want.sort();
    got.sort();
    assert_eq!(got, want);
    let (cb, _) = qcode::codebook::load(&q.file("codebook")).unwrap();
    let texts: Vec<&str> = cb.codes[0]
        .patterns
        .iter()
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(
        texts,
        ["trust*", "\"early win\""],
        "NEAR stays behind, in a comment"
    );
    assert_eq!(cb.code("C01.02").unwrap().patterns[0].text, "fund_raise");
}

#[test]
fn an_import_writes_what_check_accepts() {
    let p = Project::empty();
    p.write(
        "codebook/a.toml",
        "[codes.trust]\nlabel = \"Trust\"\npatterns = [\"trust\"]\n",
    );
    // Entries with pattern syntax, ids TOML must quote, a control character in a name, a
    // category whose slug the codebook already has.
    p.write(
        "dicts/syntax.yml",
        "\"C01.01\":\n  - a NEAR b\n  - /path/\n  - 'say \"no\"'\n  - tr*st\n\"x\\ty\\u0007\": [\"back\\\\slash\"]\n",
    );
    p.write("dicts/clash.lc3", "+TRUST\nfaith\n+Trust\nbelief\n");
    p.run(&["codebook", "import", "dicts/syntax.yml"], 0);
    p.run(&["codebook", "import", "dicts/clash.lc3"], 0);
    let (out, err) = p.run(&["codebook", "check"], 0);
    assert!(out.contains("5 codes"), "{out}{err}");
    let ids: Vec<String> = codes(&p).into_iter().map(|(id, _)| id).collect();
    assert!(ids.contains(&"trust_2".to_string()), "{ids:?}");
    assert!(ids.contains(&"trust_3".to_string()), "{ids:?}");
    assert!(ids.contains(&"C01.01".to_string()), "{ids:?}");
}

#[test]
fn an_import_that_would_not_check_is_refused_at_the_dictionarys_line() {
    let p = Project::empty();
    p.write("codebook/a.toml", "[codes.trust]\nlabel = \"Trust\"\n");
    let cases = [
        ("dicts/star.cat", "TRUST\n    HONEST* (1)\n    * (1)\n", "dicts/star.cat:3", "`*` alone"),
        ("dicts/smile.dic", "%\n1\tposemo\n%\ngood\t1\n:)\t1\n", "dicts/smile.dic:5", "no words"),
        (
            "dicts/twice.json",
            "{\"codes\": [\n{\"id\": \"a\"},\n{\"id\": \"a\"}]}",
            "dicts/twice.json:3",
            "already defined earlier",
        ),
        (
            "dicts/cycle.json",
            "{\"codes\": [\n{\"id\": \"a\", \"parent\": \"b\"},\n{\"id\": \"b\", \"parent\": \"a\"}]}",
            "dicts/cycle.json:2",
            "cycle of parents",
        ),
    ];
    for (file, text, at, what) in cases {
        p.write(file, text);
        let (_, err) = p.run(&["codebook", "import", file, "-o", "out/x.toml"], 2);
        assert!(err.contains(at), "{file}: {err}");
        assert!(err.contains(what), "{file}: {err}");
        assert!(!p.file("out/x.toml").exists(), "{file}: nothing written");
    }
    // A counting dictionary cannot join a codebook matched by rules, nor clash with its ids.
    p.write(
        "dicts/d.json",
        "{\"codes\": [{\"id\": \"x\", \"patterns\": [\"trust\"]}]}",
    );
    let (_, err) = p.run(&["codebook", "import", "dicts/d.json"], 2);
    assert!(err.contains("matched as a dictionary"), "{err}");
    assert!(!p.file("codebook/d.toml").exists());
    p.run(&["codebook", "check"], 0);
}
