//! The bundled demo project (corpus/ and codebook/ at the repository root) works as the README says.

use std::path::Path;

use crate::common::Project;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

/// A copy of the demo project, so the test never writes into the repository.
fn demo() -> Project {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let p = Project::empty();
    copy_dir(&root.join("corpus"), &p.file("corpus"));
    copy_dir(&root.join("codebook"), &p.file("codebook"));
    p
}

#[test]
fn demo_corpus_indexes_cleanly_with_every_role_known() {
    let p = demo();
    let (_, err) = p.run(&["index"], 0);
    assert!(
        !err.contains("not in the codebook's role table"),
        "every demo role label has an alias:\n{err}"
    );
    assert!(!err.contains("skipped"), "{err}");
    // At least 16 interviews and the workshop tables.
    let ivs: usize = err
        .split("the index holds ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(ivs >= 17, "{err}");
}

#[test]
fn demo_search_by_role_finds_quotes() {
    let p = demo();
    p.run(&["index"], 0);
    for role in ["council_officer", "councillor", "lto_rep", "resident"] {
        let hits = p.search_json(&["", "--role", role]);
        assert!(!hits.is_empty(), "no segments for {role}");
        assert!(hits.iter().all(|h| h["role"] == role));
    }
    let hits = p.search_json(&["meeting*", "--where", "area=Northmoor"]);
    assert!(!hits.is_empty());
}

/// The complete codebook example in the README parses, and its examples pass its own tests.
#[test]
fn readme_codebook_example_is_valid() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("## The codebook")
        .nth(1)
        .expect("a codebook section");
    let toml = section
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let p = Project::new();
    std::fs::remove_file(p.file("codebook/roles.toml")).unwrap();
    p.write("codebook/example.toml", toml);
    p.run(&["codebook", "check"], 0);
    let (out, _) = p.run(&["codebook", "test"], 0);
    assert!(out.contains("3 passed, 0 failed"), "{out}");
}

/// The README's first command: the component × role matrix of the demo project, as a table.
#[test]
fn demo_main_job_prints_the_component_by_role_matrix() {
    let p = demo();
    let (out, _) = p.run(
        &[
            "export",
            "crosstab",
            "--rows",
            "role",
            "--cols",
            "component",
            "--format",
            "table",
        ],
        0,
    );
    let header = out.lines().nth(1).unwrap();
    for c in [
        "recognise",
        "trust",
        "dialogue",
        "flexibility",
        "ownership",
        "Total",
    ] {
        assert!(header.contains(c), "{out}");
    }
    for role in [
        "Council officer",
        "Councillor",
        "LTO representative",
        "Resident",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(role)),
            "{role} missing:\n{out}"
        );
    }
    assert!(out.lines().last().unwrap().starts_with("Total"), "{out}");
}

/// `qcode agree` on the demo project against a human coder's components for the first ten
/// respondent paragraphs of northmoor-01 (tests/cli/fixtures/demo_bea.csv). The bundled
/// codebook gives: 4.2 trust; 6.1, 6.2 recognise; 6.3 dialogue; 10.1 trust + flexibility;
/// 10.2, 10.3 flexibility. Bea: 4.2 ownership; the rest the same, without trust. By hand:
///   recognise, dialogue, flexibility: 100%, κ = α = 1
///   trust: 80%, p_e = .2·0 + .8·1 = .8 → κ = 0; α = 1 − 19·4/(2·18·2) = −0.056
///   ownership: 90%, κ = 0; α = 1 − 19·2/(2·19·1) = 0
///   pooled (50 decisions): 94%, p_e = .16·.14 + .84·.86 = .7448 → κ = .765;
///     α = 1 − 99·6/(2·15·85) = .767; gold Bea: P 6/8 = .75, R 6/7 = .857, F1 .8
#[test]
fn demo_agreement_against_a_human_coder() {
    let p = demo();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/fixtures/demo_bea.csv");
    std::fs::copy(src, p.file("bea.csv")).unwrap();
    let (out, _) = p.run(
        &[
            "agree",
            "bea.csv",
            "--gold",
            "bea",
            "--dimension",
            "component",
            "--format",
            "csv",
        ],
        0,
    );
    let records: Vec<csv::StringRecord> = csv::Reader::from_reader(out.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    let row = |code: &str| -> Vec<String> {
        let r = records
            .iter()
            .find(|r| &r[1] == code)
            .unwrap_or_else(|| panic!("{code}: {out}"));
        r.iter().skip(5).map(str::to_string).collect()
    };
    assert_eq!(row("recognise")[..3], ["100.0", "1.000", "1.000"]);
    assert_eq!(row("trust")[..3], ["80.0", "0.000", "-0.056"]);
    assert_eq!(row("dialogue")[..3], ["100.0", "1.000", "1.000"]);
    assert_eq!(row("flexibility")[..3], ["100.0", "1.000", "1.000"]);
    assert_eq!(row("ownership")[..3], ["90.0", "0.000", "0.000"]);
    assert_eq!(
        row("(all codes, pooled)"),
        ["94.0", "0.765", "0.767", "0.750", "0.857", "0.800"]
    );
}
