//! A real REFI-QDA reader reads our .qdpx as it is: pyqdpx (Python), run by the interpreter
//! `READERS_PYTHON` names (`.ci/run` makes target/readers-venv with it), sees every coding of
//! the package with the right code, coder and text — CSV rows and transcripts, after an emoji
//! (pyqdpx counts positions in UTF-16 units as NVivo does, so the package is exported with
//! `--positions utf16`). Without `READERS_PYTHON` or pyqdpx the test fails under CI=true and
//! says SKIPPED otherwise.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::common::Project;

/// The Python `READERS_PYTHON` names, if it can import pyqdpx.
fn pyqdpx_python() -> Option<String> {
    let python = std::env::var("READERS_PYTHON").ok()?;
    let ok = Command::new(&python)
        .args(["-c", "import pyqdpx"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(python)
}

fn script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/readers/pyqdpx_read.py")
}

/// (segment id, code label, text) of every quote of `export quotes`.
fn quotes(p: &Project) -> BTreeSet<(String, String, String)> {
    let (csv, _) = p.run(&["export", "quotes", "--with-names"], 0);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let head = r.headers().unwrap().clone();
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    let (seg, code, text) = (col("segment_id"), col("code_label"), col("text"));
    r.records()
        .map(Result::unwrap)
        .map(|rec| (rec[seg].into(), rec[code].into(), rec[text].into()))
        .collect()
}

#[test]
fn pyqdpx_reads_every_coding_with_its_text() {
    let found = pyqdpx_python();
    if !crate::common::tool(
        found.is_some(),
        "READERS_PYTHON is not set to a Python with pyqdpx (.ci/run makes target/readers-venv; or python3 -m venv v && v/bin/pip install pyqdpx, then READERS_PYTHON=v/bin/python; pyqdpx 0.1.7 and later need Python 3.12, so on 3.11 install pyqdpx==0.1.5), so no real reader read the .qdpx",
    ) {
        return;
    }
    let python = found.unwrap();
    let p = Project::coded();
    p.write(
        "corpus/emoji.txt",
        "---\nid: emoji-01\nspeakers:\n  P1: Resident\n---\nP1: Café 👍 first.\n\nP1: We 🎉 trust the council now.\n",
    );
    p.write(
        "corpus/notes.csv",
        "id,interview,role,area,text\nn-1,table-1,Resident,North,Naïve 🙂 trust.\nn-2,table-1,Cllr,South,The council listened.\n",
    );
    p.run(
        &[
            "export",
            "qdpx",
            "--positions",
            "utf16",
            "--with-names",
            "-o",
            "p.qdpx",
        ],
        0,
    );
    let out = Command::new(&python)
        .arg(script())
        .arg(p.file("p.qdpx"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut read = BTreeSet::new();
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["user"], "qcode machine coding", "{line}");
        let description = v["description"].as_str().unwrap();
        let segment = description.split_once(" (").map_or(description, |d| d.0);
        let fields = (
            segment,
            v["code"].as_str().unwrap(),
            v["text"].as_str().unwrap(),
        );
        read.insert((fields.0.into(), fields.1.into(), fields.2.into()));
    }
    let expected = quotes(&p);
    assert!(
        expected.iter().any(|(s, _, _)| s == "n-1")
            && expected.iter().any(|(s, _, _)| s == "emoji-01:2.1"),
        "{expected:?}"
    );
    assert_eq!(read, expected, "pyqdpx's codings and texts, then qcode's");
    assert_eq!(stdout.lines().count(), expected.len(), "each coding once");
}
