//! Crash safety: `qcode index` killed with SIGKILL at random moments, then run again, leaves an
//! index equal to a clean rebuild; searches run meanwhile never fail. Slow, so ignored by
//! default: `cargo test --release --test cli crash -- --ignored --nocapture`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::Project;

/// The demo corpus copied `n` times with fresh interview and row ids.
fn big_project(n: usize) -> Project {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let p = Project::empty();
    std::fs::create_dir_all(p.file("codebook")).unwrap();
    for e in std::fs::read_dir(root.join("codebook")).unwrap() {
        let path = e.unwrap().path();
        std::fs::copy(&path, p.file("codebook").join(path.file_name().unwrap())).unwrap();
    }
    for e in std::fs::read_dir(root.join("corpus")).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        for i in 0..n {
            if name.ends_with(".txt") {
                let t = text.replacen("\nid: ", &format!("\nid: c{i}-"), 1);
                p.write(&format!("corpus/c{i}-{name}"), &t);
            } else if name.ends_with(".csv") {
                let t: String = text
                    .lines()
                    .enumerate()
                    .map(|(j, l)| {
                        if j == 0 {
                            format!("{l}\n")
                        } else {
                            // Row ids and the interview (table) column get the copy's prefix.
                            let l = l.replacen(",workshop-", &format!(",c{i}-workshop-"), 1);
                            format!("c{i}-{l}\n")
                        }
                    })
                    .collect();
                p.write(&format!("corpus/c{i}-{name}"), &t);
            }
        }
    }
    p
}

/// What an index answers, to compare two indexes.
fn fingerprint(p: &Project) -> Vec<String> {
    let mut out = Vec::new();
    let (codes, _) = p.run(&["codes", "--format", "json", "--quiet"], 0);
    out.push(codes);
    for q in ["council", "trust*", "\"monthly meeting\"", "meet* -council"] {
        let hits = p.search_json(&[q, "-n", "50", "--quiet"]);
        let mut ids: Vec<String> = hits.iter().map(|h| h["segment_id"].to_string()).collect();
        ids.sort();
        out.push(format!("{q}: {}", ids.join(" ")));
    }
    out
}

#[test]
#[ignore = "slow: kills `qcode index` 30 times"]
fn killed_index_recovers_to_a_clean_rebuild() {
    let p = big_project(30);
    let reference = big_project(30);
    let started = Instant::now();
    reference.run(&["index", "--quiet"], 0);
    let full = started.elapsed();
    let expected = fingerprint(&reference);
    println!("clean index of the test corpus: {full:?}");
    let bin = assert_cmd::cargo::cargo_bin("qcode");
    let mut kills = 0;
    for round in 0..30u64 {
        // Kill three kinds of run: a first index from nothing, a --rebuild over a finished (or
        // half-written) index, and an incremental run over twenty changed files, which are put
        // back before the recovery run so it must end equal to the reference.
        let mut changed = Vec::new();
        let args: &[&str] = match round % 3 {
            0 => {
                let _ = std::fs::remove_dir_all(p.file(".qcode"));
                &["index", "--quiet"]
            }
            1 => &["index", "--rebuild", "--quiet"],
            _ => {
                for i in 0..20 {
                    let f = p.file(&format!("corpus/c{i}-eastbrook-02.txt"));
                    let t = std::fs::read_to_string(&f).unwrap();
                    std::fs::write(&f, format!("{t}\nP1: An extra word in round {round}.\n"))
                        .unwrap();
                    changed.push((f, t));
                }
                &["index", "--quiet"]
            }
        };
        let mut child = Command::new(&bin)
            .current_dir(p.path())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill at a pseudo-random moment within the time a full index takes.
        let wait = full.as_millis() as u64 * ((round * 7919) % 100) / 100;
        std::thread::sleep(Duration::from_millis(wait));
        // A search meanwhile answers from the last commit (or finds no index yet), never fails
        // in another way.
        let s = Command::new(&bin)
            .current_dir(p.path())
            .args(["search", "council", "--quiet"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&s.stderr);
        assert!(
            s.status.code() != Some(2) || err.contains("no index yet"),
            "round {round}: {err}"
        );
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        let _ = child.wait();
        for (f, t) in changed {
            std::fs::write(f, t).unwrap();
        }
        p.run(&["index", "--quiet"], 0);
        assert_eq!(
            fingerprint(&p),
            expected,
            "round {round} (killed after {wait} ms)"
        );
    }
    println!("{kills} of 30 runs killed mid-index; every recovery equalled a clean rebuild");
    assert!(kills >= 15, "the kills must land while indexing ({kills})");
}
