//! The benchmark harness's smoke run (bench/harness.py --smoke): on a 1 MB corpus it runs every
//! step once (generate, qcode count beside pyahocorasick, the S1 check, index, bare tantivy,
//! searches, exports, the results table), so the harness cannot rot. It checks that the harness
//! works and that qcode's counts equal pyahocorasick's; it never judges a time.
//! Needs ../shared/bench, /usr/bin/time and a Python with numpy, wordfreq and pyahocorasick
//! (BENCH_PYTHON; .ci/run sets one up). Without ../shared/bench it says it skipped; with it,
//! a missing tool fails the test under CI=true and elsewhere makes it say it skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common;

fn python() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("BENCH_PYTHON").map(PathBuf::from),
        Some(root.join("target/bench-venv/bin/python")),
        std::env::var_os("BENCH_WORK").map(|w| PathBuf::from(w).join("venv/bin/python")),
    ];
    candidates.into_iter().flatten().find(|p| {
        Command::new(p)
            .args(["-c", "import numpy, wordfreq, ahocorasick"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
fn harness_smoke_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared");
    if !common::data(
        shared.join("bench/run_bench.py").exists(),
        "../shared/bench is not here (it is not part of the repository)",
    ) {
        return;
    }
    // With ../shared/bench here, every tool the harness needs must be too when CI=true.
    if !common::tool(
        Path::new("/usr/bin/time").exists(),
        "/usr/bin/time is missing (Debian package `time`; .ci/run installs it)",
    ) {
        return;
    }
    let py = python();
    if !common::tool(
        py.is_some(),
        "no Python with numpy, wordfreq and pyahocorasick; set BENCH_PYTHON (.ci/run makes target/bench-venv)",
    ) {
        return;
    }
    let py = py.expect("found above");
    let qcode = assert_cmd::cargo::cargo_bin("qcode");
    let bare = qcode.parent().unwrap().join("examples/bare_tantivy");
    if !common::tool(
        bare.exists(),
        &format!(
            "{} is not built (plain `cargo test` builds the examples, `cargo test --test cli` does not)",
            bare.display()
        ),
    ) {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let results = work.path().join("RESULTS.md");
    let out = Command::new(&py)
        .arg(root.join("bench/harness.py"))
        .arg("--smoke")
        // The --scale path too, on a corpus small enough for a test.
        .arg("--scale")
        .arg("2MB")
        .arg("--work")
        .arg(work.path())
        .arg("--shared")
        .arg(&shared)
        .arg("--python")
        .arg(&py)
        .arg("--qcode")
        .arg(&qcode)
        .arg("--bare")
        .arg(&bare)
        .arg("--results")
        .arg(&results)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "harness failed:\n{err}");
    let res: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.path().join("results.json")).unwrap()).unwrap();
    let s1 = &res["steps"]["s1_check"];
    assert_eq!(s1["seg_rows_equal"], true, "{s1}");
    assert_eq!(s1["matrix_equal"], true, "{s1}");
    assert!(s1["rows"].as_u64().unwrap() > 1000, "{s1}");
    assert_eq!(res["steps"]["search"]["n"], 100);
    assert_eq!(res["steps"]["exports"].as_object().unwrap().len(), 5);
    let md = std::fs::read_to_string(&results).unwrap();
    for row in [
        "per-segment output equals pyahocorasick S1",
        "throughput vs bare tantivy",
        "no-op re-index",
        "p99",
        "export quotes",
        "## Targets (issue #21)",
        "full matcher",
        "`qcode --version` p50",
        "index 2MB: throughput vs bare tantivy",
        "export cooccur, 2MB index",
    ] {
        assert!(md.contains(row), "RESULTS.md lacks `{row}`:\n{md}");
    }
    println!(
        "harness smoke run passed ({} S1 rows identical)",
        s1["rows"]
    );
}
