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
