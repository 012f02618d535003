//! The shape of the code, held by a test. Data flows one way:
//!
//! ```text
//! text, roles → transcript, codebook → coding → project → index → suggest, privacy → review
//!             → export, agree, refi → report → cli
//! ```
//!
//! Each library module (a folder or file directly under `src/`) may use only the modules of the
//! layers before its own; the command line (`src/cli`, `src/main.rs`) may use everything. And the library
//! never prints: only the command line decides what the user sees; nor does it use the crates
//! only the binary needs (clap, anyhow, indicatif, …). The table is written once,
//! here; the README's "Architecture" section describes it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The library's modules in layers, in the order data flows: a module may use the modules of
/// the layers before its own, never those of its own layer or later ones (so transcript and
/// codebook never use each other). The command line (`src/cli`, `src/main.rs`) may use all.
/// Modules named here that do not exist yet are the places the next pieces of work go.
const LAYERS: &[&[&str]] = &[
    // Errors located in a file, and the JSON caches in .qcode/: used by all.
    &["diag", "cache"],
    // Leaves: decoding, normalisation, tokens and stems; the role table and slugs.
    &["text", "roles"],
    // Transcripts and codebooks both stand on the leaves.
    &["transcript", "codebook"],
    // Pure code on values: the matcher, example checks, classifiers.
    &["coding"],
    // People's codings beside the machine's: the store's rows, re-anchoring, coder views.
    &["codings"],
    // The project folder and qcode.toml: which files are the corpus, how they are read.
    &["project"],
    &["index"],
    // After the index: suggestions, and the privacy boundary every output passes.
    &["suggest", "privacy"],
    &["review"],
    // The outputs.
    &["export", "agree", "refi"],
    &["report"],
];

/// What `module` may use, or None when it is in no layer.
fn allowed(module: &str) -> Option<Vec<&'static str>> {
    let layer = LAYERS.iter().position(|l| l.contains(&module))?;
    Some(
        LAYERS[..layer]
            .iter()
            .flat_map(|l| l.iter().copied())
            .collect(),
    )
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file belongs to: `src/index/search.rs` → `index`, `src/diag.rs` → `diag`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The code of a file without its comments (doc links are not dependencies) and string literals
/// (a message may mention `crate::x`).
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_str = false;
        let mut prev = '\0';
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if !in_str && c == '/' && chars.get(i + 1) == Some(&'/') {
                break;
            }
            if c == '"' && prev != '\\' && !(prev == '\'' && chars.get(i + 1) == Some(&'\'')) {
                in_str = !in_str;
            } else if !in_str {
                out.push(c);
            }
            prev = if prev == '\\' && c == '\\' { '\0' } else { c };
            i += 1;
        }
        out.push('\n');
    }
    out
}

/// Every top-level module of the crate a piece of code names: `crate::x::…`, and each item of
/// `crate::{x::…, y}`.
fn crate_modules_used(code: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut rest = code;
    while let Some(pos) = rest.find("crate::") {
        let before = rest[..pos].chars().last();
        rest = &rest[pos + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // e.g. `mycrate::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => item_start = true,
                    c if depth == 1 && item_start && (c.is_alphabetic() || c == '_') => {
                        used.insert(ident_at(&group[i..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let ident = ident_at(rest);
            if !ident.is_empty() {
                used.insert(ident);
            }
        }
    }
    used
}

fn ident_at(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Printing macros and handles: the library returns values and errors; the binary prints.
fn prints(code: &str) -> Option<&'static str> {
    [
        "println!",
        "print!",
        "eprintln!",
        "eprint!",
        "dbg!",
        "stdout()",
        "stderr()",
    ]
    .into_iter()
    .find(|m| {
        code.match_indices(m).any(|(i, _)| {
            !code[..i]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    })
}

/// Crates only the binary uses: the library's API must not depend on them (a library user gets
/// typed errors, not anyhow's; no command-line parser; no progress bars; no global allocator).
const BINARY_ONLY: &[&str] = &[
    "anyhow",
    "clap",
    "clap_complete",
    "clap_mangen",
    "indicatif",
    "mimalloc",
    "ratatui",
    "crossterm",
];

fn binary_only_crate(code: &str) -> Option<&'static str> {
    BINARY_ONLY.iter().copied().find(|c| {
        code.match_indices(&format!("{c}::")).any(|(i, _)| {
            !code[..i]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
        })
    })
}

/// Every breach of the table, of "the library never prints" and of "binary-only crates stay in
/// the binary", as messages.
fn violations(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (file, text) in files {
        let module = file
            .trim_start_matches("src/")
            .split(['/', '.'])
            .next()
            .unwrap()
            .to_string();
        if module == "cli" || module == "main" || module == "lib" {
            continue;
        }
        let code = code_only(text);
        let Some(allowed) = allowed(&module) else {
            out.push(format!(
                "{file}: module `{module}` is not in the table of allowed dependencies \
                 (tests/cli/architecture.rs): place it there"
            ));
            continue;
        };
        for used in crate_modules_used(&code) {
            if used != module && !allowed.contains(&used.as_str()) {
                out.push(format!(
                    "{file}: `{module}` uses `{used}`, which the table does not allow \
                     (data flows one way; see tests/cli/architecture.rs)"
                ));
            }
        }
        if let Some(c) = binary_only_crate(&code) {
            out.push(format!(
                "{file}: the library uses `{c}`, a crate only the binary may use"
            ));
        }
        if let Some(m) = prints(&code) {
            out.push(format!(
                "{file}: the library prints ({m}); return a value or a warning instead"
            ));
        }
    }
    out
}

#[test]
fn modules_depend_only_on_what_the_table_allows_and_the_library_never_prints() {
    let src = src_dir();
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    assert!(
        paths.len() > 20,
        "found only {} files under src/",
        paths.len()
    );
    let files: Vec<(String, String)> = paths
        .iter()
        .map(|p| {
            let rel = format!("src/{}", p.strip_prefix(&src).unwrap().display());
            (rel.replace('\\', "/"), std::fs::read_to_string(p).unwrap())
        })
        .collect();
    for (file, _) in &files {
        let m = module_of(&src, &src.join(file.trim_start_matches("src/")));
        assert!(!m.is_empty(), "{file}");
    }
    let v = violations(&files);
    assert!(v.is_empty(), "{}", v.join("\n"));
}

#[test]
fn the_checker_catches_what_it_must() {
    let f = |path: &str, text: &str| vec![(path.to_string(), text.to_string())];
    // A cycle back up the flow.
    assert_eq!(
        violations(&f("src/transcript/text.rs", "use crate::codebook::Code;")).len(),
        1
    );
    // Siblings never use each other, grouped imports included.
    assert_eq!(
        violations(&f(
            "src/codebook/mod.rs",
            "use crate::{diag::SourceError, transcript::Segment};"
        ))
        .len(),
        1
    );
    assert_eq!(
        violations(&f(
            "src/text/mod.rs",
            "fn f() { crate::roles::slug(\"x\"); }"
        ))
        .len(),
        1
    );
    // Printing from the library.
    assert_eq!(
        violations(&f("src/index/mod.rs", "fn f() { eprintln!(\"hi\"); }")).len(),
        1
    );
    // A binary-only crate in the library.
    assert_eq!(
        violations(&f(
            "src/index/mod.rs",
            "fn f() -> anyhow::Result<()> { Ok(()) }"
        ))
        .len(),
        1
    );
    // A module nobody placed in the table.
    assert_eq!(violations(&f("src/stray.rs", "")).len(), 1);
    // What is allowed, and what only looks like a dependency.
    assert!(violations(&f(
        "src/export/mod.rs",
        "use crate::{index::SearchIndex, privacy::Redactor};\n// crate::cli::x\nconst S: &str = \"crate::cli\";"
    ))
    .is_empty());
    assert!(violations(&f("src/cli/mod.rs", "use qcode::report; println!(\"x\");")).is_empty());
}
