//! Privacy: on a project whose transcripts declare participants' names (and whose text mentions
//! them), no command's output contains a declared name unless --with-names is given.

use std::io::Read;

use crate::common::{Project, ROLES};

const NAMES: [&str; 4] = ["Maya", "Okafor", "Tomasz", "Wierzbicki"];

fn project() -> Project {
    let p = Project::empty();
    p.write("codebook/roles.toml", ROLES);
    p.write("codebook/codes.toml", crate::common::CODEBOOK);
    p.write(
        "corpus/one.txt",
        "---\nid: one\narea: Westfold\nspeakers:\n  I: interviewer\n  P1: {role: Resident, name: Maya Okafor}\n  P2: {role: Council officer, name: Tomasz Wierzbicki}\n---\nI: Thanks, Maya. What about the council?\n\nP1: Maya here: we trust the council. Tomasz listened.\n\nP2: Officers like me, Tomasz Wierzbicki, hold a monthly meeting.\n",
    );
    p.write(
        "corpus/rows.csv",
        "id,role,name,text\nr-1,Resident,Maya Okafor,Maya says the council listened.\n",
    );
    p.write(
        "codings/h.csv",
        "segment_id,code\none:2.1,dialogue\none:3.1,trust\nr-1,trust\n",
    );
    p
}

fn assert_clean(what: &str, text: &str) {
    for n in NAMES {
        assert!(!text.contains(n), "{what} shows `{n}`:\n{text}");
    }
}

fn unzip_all(path: &std::path::Path) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut all = String::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut s = String::new();
        let _ = f.read_to_string(&mut s);
        all.push_str(&s);
    }
    all
}

#[test]
fn no_declared_name_in_any_output() {
    let p = project();
    let runs: Vec<Vec<&str>> = vec![
        vec!["index"],
        vec!["search", "council", "--include-interviewer", "-C", "2"],
        vec!["search", "council", "--format", "csv"],
        vec!["search", "council", "--format", "json"],
        vec!["segments", "--include-interviewer"],
        vec!["segments", "--format", "json"],
        vec!["code", "--explain", "one:2.1"],
        vec!["codes", "--uncoded"],
        vec!["codes", "--format", "json", "--uncoded"],
        vec!["export", "quotes"],
        vec!["export", "quotes", "--format", "json"],
        vec!["export", "wide"],
        vec!["export", "crosstab", "--rows", "role", "--cols", "code"],
        vec!["export", "cooccur"],
        vec!["export", "framework", "--of", "component"],
        vec!["export", "qdc"],
        vec!["agree", "codings/h.csv"],
        vec!["agree", "codings/h.csv", "--disagreements"],
        vec!["codebook", "diff", "codebook", "--list"],
        vec!["codebook", "check"],
        vec!["suggest"],
        vec!["suggest", "--format", "csv"],
        vec!["suggest", "--format", "json"],
    ];
    for args in &runs {
        let out = p.qcode(args).output().unwrap();
        assert!(
            out.status.code().unwrap() <= 1,
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_clean(
            &format!("{args:?} stdout"),
            &String::from_utf8_lossy(&out.stdout),
        );
        assert_clean(
            &format!("{args:?} stderr"),
            &String::from_utf8_lossy(&out.stderr),
        );
    }
    p.run(&["export", "quotes", "-o", "q.xlsx"], 0);
    assert_clean("quotes.xlsx", &unzip_all(&p.file("q.xlsx")));
    p.run(&["export", "qdpx", "-o", "p.qdpx"], 0);
    assert_clean("project.qdpx", &unzip_all(&p.file("p.qdpx")));
}

#[test]
fn with_names_shows_them() {
    let p = project();
    let (out, _) = p.run(&["export", "quotes", "--with-names"], 0);
    assert!(
        out.contains("Maya Okafor") && out.contains("Tomasz Wierzbicki"),
        "{out}"
    );
    let (out, _) = p.run(&["search", "council", "--with-names"], 0);
    assert!(out.contains("Maya here"), "{out}");
    p.run(&["export", "qdpx", "-o", "p.qdpx", "--with-names"], 0);
    assert!(unzip_all(&p.file("p.qdpx")).contains("Maya Okafor"));
}

/// Every command that shows or writes participants' words takes the same two flags:
/// `--with-names` shows the declared names, `--redact FILE` masks a list whatever
/// `--with-names` says.
#[test]
fn every_command_showing_words_takes_the_privacy_flags() {
    let p = project();
    // An uncoded segment (so codes --uncoded and the report list it) naming a street, and a
    // human coding that disagrees with the machine on it.
    p.write(
        "corpus/street.txt",
        "P1: Maya and I met on Fenwick Road, near the old mill.\n",
    );
    p.write("codings/s.csv", "segment_id,code\nstreet:1.1,trust\n");
    p.write("places.txt", "fenwick road # a street\n");
    let text = |args: &[&str]| -> String {
        if args[0] == "report" {
            let mut all = args.to_vec();
            all.extend(["-o", "r.html"]);
            p.run(&all, 0);
            std::fs::read_to_string(p.file("r.html")).unwrap()
        } else {
            p.run(args, 0).0
        }
    };
    for args in [
        &["search", "mill"][..],
        &["export", "wide"],
        &["segments"],
        &["codes", "--uncoded"],
        &["agree", "codings/s.csv", "--disagreements"],
        &["report"],
    ] {
        let plain = text(args);
        assert!(plain.contains("Fenwick Road"), "{args:?}: {plain}");
        assert_clean(&format!("{args:?}"), &plain);
        let shown = text(&[args, &["--with-names"]].concat());
        assert!(shown.contains("Maya"), "{args:?} --with-names: {shown}");
        let listed = text(&[args, &["--with-names", "--redact", "places.txt"]].concat());
        assert!(
            listed.contains("Maya") && !listed.contains("Fenwick"),
            "{args:?} --redact: {listed}"
        );
        let listed = text(&[args, &["--redact", "places.txt"]].concat());
        assert!(!listed.contains("Fenwick"), "{args:?} --redact: {listed}");
        assert_clean(&format!("{args:?} --redact"), &listed);
    }
    let (_, err) = p.run(&["report", "--redact", "missing.txt"], 2);
    assert!(
        err.contains("cannot read the redaction list missing.txt"),
        "{err}"
    );
}

/// A participant named in a file name, a Zoom-style label, metadata and the text in several
/// spellings: ids and labels go by pseudonym, private keys are left out, every spelling is
/// masked, and a search for the name finds nothing and says why.
#[test]
fn ids_labels_metadata_and_spellings_pass_one_boundary() {
    let p = Project::empty();
    p.write("codebook/roles.toml", ROLES);
    p.write("codebook/codes.toml", crate::common::CODEBOOK);
    p.write("qcode.toml", "[privacy]\nprivate = [\"notes\"]\n");
    p.write(
        "corpus/zoe-obrien.txt",
        "---\nnotes: call with Zoë\narea: Westfold\nowner: O’Brien household\nspeakers:\n  I: interviewer\n  Zoë O’Brien (she/her): {role: Resident, name: Zoë O’Brien}\n---\nI: What about the council?\n\nZoë O’Brien (she/her): ZOË O'BRIEN here: we trust the council. Zoe\u{0308} o’brien agrees, and O'Brien's neighbours.\n",
    );
    let (out, err) = p.run(
        &["search", "trust", "--format", "json", "--context", "1"],
        0,
    );
    let all = format!("{out}{err}").to_lowercase();
    for n in ["zoë", "zoe\u{0308}", "o'brien", "o’brien", "obrien"] {
        assert!(!all.contains(n), "{n} in {all}");
    }
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let hit = &v["hits"][0];
    assert_eq!(hit["segment_id"], "case-01:2.1");
    assert_eq!(hit["interview"], "case-01");
    assert_eq!(hit["speaker"], "speaker-01");
    assert!(hit["meta"].get("notes").is_none(), "{hit}");
    assert_eq!(hit["meta"]["owner"], "[REDACTED] household");
    let table = std::fs::read_to_string(p.file("pseudonyms.csv")).unwrap();
    assert!(table.starts_with("kind,real,pseudonym\n") && table.contains("case-01"));
    // The table is appended to, never rewritten: a second run leaves it as it is.
    p.run(&["export", "quotes"], 0);
    assert_eq!(
        std::fs::read_to_string(p.file("pseudonyms.csv")).unwrap(),
        table
    );
    let (out, _) = p.run(&["export", "quotes"], 0);
    assert!(
        !out.contains("meta:notes") && !out.to_lowercase().contains("brien"),
        "{out}"
    );
    let (_, err) = p.run(&["search", "O'Brien"], 1);
    assert!(err.contains("names are not searchable"), "{err}");
    // With --with-names: real ids and labels.
    let (out, _) = p.run(&["search", "trust", "--with-names", "--format", "csv"], 0);
    assert!(
        out.contains("zoe-obrien:2.1") && out.contains("Zoë O’Brien (she/her)"),
        "{out}"
    );
}

/// A project whose file name, interview id and metadata hold a declared name, and whose CSV
/// speaker labels look like names nobody declared.
fn leaky_project() -> Project {
    let p = Project::empty();
    p.write("codebook/roles.toml", ROLES);
    p.write("codebook/codes.toml", crate::common::CODEBOOK);
    p.write(
        "corpus/Dana Whitfield.txt",
        "---\narea: Northmoor\nnotes: call with Dana Whitfield\nspeakers:\n  I: interviewer\n  P1: {role: Resident, name: Dana Whitfield}\n---\nI: And the council?\n\nP1: We trust the council now.\n",
    );
    p.write(
        "corpus/rows.csv",
        "id,role,speaker,text\n\
         r-1,Resident,Priya (she/her),The council listened.\n\
         r-2,Resident,priya.raman@example.org,We trust the officers.\n\
         r-3,Resident,Owen Hale | Westfold Trust,Meetings helped.\n\
         r-4,,Council Officer,We met monthly.\n\
         r-5,Resident,P4,Paperwork took months.\n",
    );
    // Zoom labels no reader takes for a speaker: the cue joins the turn before, as words.
    p.write(
        "corpus/call.vtt",
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nSam: And the council?\n\n\
         2\n00:00:05.000 --> 00:00:09.000\nAsha Rao (she/her): We trust the council.\n",
    );
    p
}

#[test]
fn privacy_check_reports_names_in_the_project_without_printing_them() {
    let p = leaky_project();
    let (out, err) = p.run(&["privacy", "check"], 1);
    for want in [
        "a declared name (2 words) in the file name corpus/[REDACTED].txt",
        "a declared name (2 words) in the interview id case-01 (corpus/[REDACTED].txt)",
        "a declared name (2 words) in the metadata `notes` of interview case-01 (corpus/[REDACTED].txt)",
        "a label that looks like a name (pronouns in brackets) but is not declared as one in the speaker label of r-1 (corpus/rows.csv)",
        "a label that looks like a name (an e-mail address) but is not declared as one in the speaker label of r-2 (corpus/rows.csv)",
        "a label that looks like a name (a name and an organisation) but is not declared as one in the speaker label of r-3 (corpus/rows.csv)",
        "a label that looks like a name (pronouns in brackets) but is not declared as one in the text of call:1.1 (corpus/call.vtt)",
    ] {
        assert!(out.contains(want), "missing `{want}` in:\n{out}");
    }
    // A role the table knows, and a code, are not names.
    assert!(!out.contains("r-4") && !out.contains("r-5"), "{out}");
    assert!(err.contains("7 finding(s) in the project"), "{err}");
    for text in [&out, &err] {
        for n in [
            "Dana",
            "Whitfield",
            "Priya",
            "priya",
            "Owen",
            "Hale",
            "Asha",
            "Rao",
        ] {
            assert!(!text.contains(n), "`{n}` in:\n{text}");
        }
    }
    // Asked for, the names are shown.
    let (out, _) = p.run(&["privacy", "check", "--with-names"], 1);
    assert!(
        out.contains(
            "in the interview id Dana-Whitfield (corpus/Dana Whitfield.txt): `Dana-Whitfield`"
        ),
        "{out}"
    );
    assert!(
        out.contains("speaker label `Priya (she/her)` of r-1"),
        "{out}"
    );
    let (csv, _) = p.run(&["privacy", "check", "--format", "csv"], 1);
    assert!(
        csv.starts_with("kind,found,file,place,words\ndeclared-name,"),
        "{csv}"
    );
    let (json, _) = p.run(&["privacy", "check", "--format", "json"], 1);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 7);
    assert_eq!(v["findings"][3]["kind"], "undeclared-name");
}

#[test]
fn privacy_check_locates_names_and_listed_words_in_files() {
    let p = leaky_project();
    p.run(&["export", "quotes", "--with-names", "-o", "named.csv"], 0);
    p.run(&["export", "quotes", "-o", "masked.json"], 0);
    p.write("places.txt", "Fenwick Road\n");
    p.write("notes.md", "# Notes\n\nWe walked down fenwick road.\n");
    let (out, _) = p.run(
        &[
            "privacy",
            "check",
            "named.csv",
            "masked.json",
            "notes.md",
            "--redact",
            "places.txt",
        ],
        1,
    );
    assert!(
        out.contains("a declared name (2 words) at named.csv:"),
        "{out}"
    );
    assert!(out.contains(", column segment_id\n"), "{out}");
    assert!(
        out.contains("a --redact word (2 words) at notes.md:3\n"),
        "{out}"
    );
    assert!(
        !out.contains("masked.json"),
        "a masked export holds no name:\n{out}"
    );
    assert!(
        !out.contains("Whitfield") && !out.contains("fenwick"),
        "{out}"
    );
}

#[test]
fn a_clean_project_passes_and_unreadable_files_are_errors() {
    // The standard project declares a name in a header, and holds it nowhere else.
    let p = Project::coded();
    let (out, err) = p.run(&["privacy", "check"], 0);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains(
            "no participant's name, --redact word or undeclared name found in the project"
        ),
        "{err}"
    );
    let (_, err) = p.run(&["privacy", "check", "missing.csv"], 2);
    assert!(err.contains("error: missing.csv: cannot read:"), "{err}");
    p.write("bad.json", "{\n  \"a\": [1,\n");
    let (_, err) = p.run(&["privacy", "check", "bad.json"], 2);
    assert!(
        err.contains("error: bad.json:3: not readable JSON"),
        "{err}"
    );
    let (_, err) = p.run(&["privacy", "check", "--redact", "missing.txt"], 2);
    assert!(
        err.contains("cannot read the redaction list missing.txt"),
        "{err}"
    );
    p.write("bad.xlsx", "not a zip");
    let (_, err) = p.run(&["privacy", "check", "bad.xlsx"], 2);
    assert!(
        err.contains("error: bad.xlsx: not a readable XLSX file"),
        "{err}"
    );
}

/// Tables cut long cells to their width: a name is masked first, so no part of it survives a
/// cut through it (a name in a script without spaces is found only whole).
#[test]
fn a_name_cut_by_a_tables_width_is_masked_first() {
    let p = Project::empty();
    p.write("codebook/roles.toml", ROLES);
    p.write("codebook/codes.toml", crate::common::CODEBOOK);
    // The name starts at the 69th character: the cut (at 69 and an ellipsis) runs through it.
    let text = format!("{}王小明 said we trust the council.", "x".repeat(68));
    p.write(
        "corpus/a.txt",
        &format!("---\nspeakers:\n  P1: {{role: Resident, name: 王小明}}\n---\nP1: {text}\n"),
    );
    p.write("codings/h.csv", "segment_id,code\na:1.1,dialogue\n");
    p.write("old.toml", "[codebook]\nname = \"old\"\n");
    p.run(&["memo", "a:1.1", &text, "--coder", "ann"], 0);
    for args in [
        &["codebook", "diff", "old.toml", "--list"][..],
        &["agree", "codings/h.csv", "--disagreements"],
        &["memos"],
    ] {
        let (out, _) = p.run(args, 0);
        assert!(out.contains("x["), "{args:?} shows no mask:\n{out}");
        assert!(!out.contains('王'), "{args:?}:\n{out}");
    }
}
