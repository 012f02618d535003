//! Codebooks whose patterns each load but are too large to compile together: every command that
//! compiles the codebook exits 2 with an error naming the code and the line it is defined on,
//! what is too large and what to do, and leaves no output behind; none panics. Likewise a search
//! query nested too deep to parse.

use crate::common::Project;

/// A small code, then `big` (defined on line 7, below a comment that names it) with these
/// patterns.
fn codebook(patterns: &[String]) -> String {
    let quoted: Vec<String> = patterns.iter().map(|p| format!("'{p}'")).collect();
    format!(
        "[codes.small]\nlabel = \"Small\"\npatterns = [\"council\"]\n\n# [codes.big] holds the big ones\n\n[codes.big]\nlabel = \"Big\"\npatterns = [{}]\n",
        quoted.join(", ")
    )
}

/// Each command that compiles the codebook, with what it must print.
fn each_command_refuses(p: &Project, expected: &str) {
    p.write(
        "corpus.tsv",
        "segment_id\ttext\ns1\tThe council listened.\n",
    );
    let commands: &[&[&str]] = &[
        &["codebook", "check"],
        &["codebook", "test"],
        &["index"],
        &["search", "council"],
        &[
            "count",
            "corpus.tsv",
            "--codebook",
            "codebook/codes.toml",
            "-o",
            "out/run",
        ],
    ];
    for args in commands {
        let (_, err) = p.run(args, 2);
        assert!(err.contains(expected), "qcode {args:?}: {err}");
        assert!(err.contains("\n  help: use fewer"), "qcode {args:?}: {err}");
        assert!(!err.contains("panicked"), "qcode {args:?}: {err}");
    }
    assert!(!p.file("out").exists(), "count left output behind");
}

#[test]
fn twenty_big_regexes_are_a_located_error_not_a_panic() {
    let p = Project::new();
    // Each compiles to just under the 1 MiB a single regex may take; 20 need more than the
    // 16 MiB all of a codebook's regexes may take together.
    let regexes: Vec<String> = (0..20).map(|i| format!("/x{i}\\w{{20}}/")).collect();
    p.write("codebook/codes.toml", &codebook(&regexes));
    each_command_refuses(
        &p,
        "error: codebook/codes.toml:7: code `big`: its 20 regex patterns compile to more than 16777216 bytes",
    );
}

#[test]
fn five_thousand_inner_globs_are_a_located_error_not_a_panic() {
    let p = Project::new();
    let globs: Vec<String> = (0..5000).map(|i| format!("*abc{i}*")).collect();
    p.write("codebook/codes.toml", &codebook(&globs));
    each_command_refuses(
        &p,
        "error: codebook/codes.toml:7: code `big`: its 5000 globs with a wildcard in front or inside compile to more than 10485760 bytes",
    );
}

#[test]
fn five_thousand_trailing_globs_are_looked_up_and_compile() {
    // `abc*` globs are a prefix lookup, not compiled: as many as you like.
    let p = Project::new();
    let globs: Vec<String> = (0..5000).map(|i| format!("abc{i}*")).collect();
    p.write("codebook/codes.toml", &codebook(&globs));
    let (out, _) = p.run(&["codebook", "check"], 0);
    assert!(out.contains("2 codes, 5001 patterns"), "{out}");
}

#[test]
fn a_query_nested_thousands_deep_is_an_error_not_a_stack_overflow() {
    let p = Project::coded();
    for query in [
        format!("{}trust{}", "(".repeat(5000), ")".repeat(5000)),
        format!("{}trust", "-".repeat(5000)),
    ] {
        let (_, err) = p.run(&["search", "--", &query], 2);
        assert!(
            err.contains("error: query, column 101: brackets and NOT/- nest more than 100 deep"),
            "{err}"
        );
    }
}
