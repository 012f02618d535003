//! Every size is bounded: qcode.toml's `[limits]` table, and the classes of careless or hostile
//! input it bounds. Each fixture is made here: a zip bomb posing as a Word file, a package with
//! a source larger than the bound and one whose source is a file outside it, a header nested too
//! deep, a dictionary with too many entries, a codebook of 20,000 codes and one 4,000 codes deep.
//! None of these asserts a time; each would hang the suite if its quadratic (or worse) came back.

use std::io::Write;

use crate::common::Project;

/// A zip at `rel` in `p` holding each (name, bytes), deflated.
fn zip(p: &Project, rel: &str, entries: &[(&str, &[u8])]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(p.file(rel)).unwrap());
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, bytes) in entries {
        z.start_file(*name, o).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

/// A word/document.xml with `n` bytes of spaces inside one paragraph: it deflates about a
/// thousandfold.
fn bomb_xml(n: usize) -> Vec<u8> {
    let mut xml = b"<w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>P1: hello".to_vec();
    xml.extend(std::iter::repeat_n(b' ', n));
    xml.extend_from_slice(b"</w:t></w:r></w:p></w:body></w:document>");
    xml
}

#[test]
fn a_zip_bomb_posing_as_a_word_file_is_skipped_and_the_rest_indexed() {
    let p = Project::new();
    zip(
        &p,
        "corpus/bomb.docx",
        &[("word/document.xml", &bomb_xml(40 << 20))],
    );
    let (_, err) = p.run(&["index"], 1);
    assert!(err.contains("corpus/bomb.docx"), "{err}");
    assert!(err.contains("[limits] zip_ratio"), "{err}");
    assert!(
        err.contains("raise zip_ratio under [limits] in qcode.toml"),
        "{err}"
    );
    assert!(err.contains("2 indexed"), "{err}");
    // Raised ratio, lowered size: the size is what stops it now.
    p.write(
        "qcode.toml",
        "[limits]\nzip_ratio = 100000\nunzipped_mb = 8\n",
    );
    let (_, err) = p.run(&["index"], 1);
    assert!(err.contains("[limits] unzipped_mb"), "{err}");
}

#[test]
fn a_corpus_file_over_file_mb_is_skipped_with_the_setting_named() {
    let p = Project::new();
    p.write("qcode.toml", "[limits]\nfile_mb = 1\n");
    let big = format!("P1: {}\n", "word ".repeat(300_000));
    p.write("corpus/big.txt", &big);
    let (_, err) = p.run(&["index"], 1);
    assert!(
        err.contains(
            "corpus/big.txt: the file is 2 MB, more than 1 MB, the limit ([limits] file_mb)"
        ),
        "{err}"
    );
    assert!(err.contains("2 indexed"), "{err}");
}

#[test]
fn a_header_nested_too_deep_is_refused_and_many_speakers_stay_linear() {
    let p = Project::new();
    let deep: String = (0..200)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    p.write("corpus/deep.txt", &format!("---\n{deep}---\nP1: hello\n"));
    let flow = format!("x: {}{}\n", "[".repeat(20_000), "]".repeat(20_000));
    p.write("corpus/flow.txt", &format!("---\n{flow}---\nP1: hello\n"));
    let (_, err) = p.run(&["index"], 1);
    assert!(err.contains("corpus/deep.txt:18:"), "{err}");
    assert!(
        err.contains(
            "the metadata header nests more than 16 levels deep, the limit ([limits] header_depth)"
        ),
        "{err}"
    );
    assert!(err.contains("corpus/flow.txt:2:"), "{err}");
    // A sidecar too.
    p.write("corpus/side.txt", "P1: hello\n");
    p.write("corpus/side.yml", &deep);
    let (_, err) = p.run(&["index"], 1);
    assert!(err.contains("corpus/side.yml:17:"), "{err}");
    // 20,000 speakers: each located by one pass, not a scan per speaker (quadratic: a minute).
    let speakers: String = (0..20_000).map(|i| format!("  P{i}: resident\n")).collect();
    p.write(
        "corpus/many.txt",
        &format!("---\nspeakers:\n{speakers}---\nP1: hello\n"),
    );
    let (_, err) = p.run(&["index"], 1);
    assert!(!err.contains("corpus/many.txt"), "{err}");
}

#[test]
fn a_dictionary_over_its_entries_limit_is_an_error_and_a_large_one_loads() {
    let p = Project::new();
    let dict = |n: usize| {
        let codes: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"id": "c{i}", "name": "Code {i}", "patterns": ["w{i}"]}}"#))
            .collect();
        format!(r#"{{"codes": [{}]}}"#, codes.join(","))
    };
    p.write("rows.tsv", "id\ttext\nr1\thello w5 there\n");
    p.write("big.json", &dict(30_000));
    // 30,000 codes: their ids and lines are found in linear time.
    p.run(
        &["count", "rows.tsv", "--codebook", "big.json", "-o", "out/a"],
        0,
    );
    p.write("qcode.toml", "[limits]\ndictionary_entries = 1000\n");
    let (_, err) = p.run(
        &["count", "rows.tsv", "--codebook", "big.json", "-o", "out/b"],
        2,
    );
    assert!(
        err.contains("big.json: the dictionary has 30000 entries, more than 1000, the limit ([limits] dictionary_entries)"),
        "{err}"
    );
    assert!(!p.file("out/b.counts.tsv").exists());
}

#[test]
fn a_project_codebook_that_is_a_dictionary_is_read_within_the_projects_limit() {
    // The codebook the index and searches use, not only `count --codebook`, keeps qcode.toml's
    // `[limits] dictionary_entries`: lowered, a larger dictionary is refused; raised, it loads.
    let p = Project::new();
    let codes: Vec<String> = (0..30)
        .map(|i| format!(r#"{{"id": "c{i}", "name": "Code {i}", "patterns": ["w{i}"]}}"#))
        .collect();
    p.write(
        "dict.json",
        &format!(r#"{{"codes": [{}]}}"#, codes.join(",")),
    );
    p.write(
        "qcode.toml",
        "[project]\ncodebook = \"dict.json\"\n[limits]\ndictionary_entries = 10\n",
    );
    let (_, err) = p.run(&["index"], 2);
    assert!(
        err.contains(
            "the dictionary has 30 entries, more than 10, the limit ([limits] dictionary_entries)"
        ),
        "{err}"
    );
    p.write(
        "qcode.toml",
        "[project]\ncodebook = \"dict.json\"\n[limits]\ndictionary_entries = 30\n",
    );
    p.run(&["index"], 0);
    let (out, _) = p.run(&["codes"], 0);
    assert!(out.contains("c29"), "{out}");
}

#[test]
fn search_bounds_are_limits_settings() {
    let p = Project::new();
    p.run(&["index"], 0);
    let (_, err) = p.run(&["search", "trust", "--limit", "100001"], 2);
    assert!(err.contains("[limits] search_limit"), "{err}");
    p.write(
        "qcode.toml",
        "[limits]\nsearch_limit = 5\nsearch_context = 2\n",
    );
    let (_, err) = p.run(&["search", "trust", "--limit", "6"], 2);
    assert!(
        err.contains("--limit 6 is more than 5 ([limits] search_limit"),
        "{err}"
    );
    let (_, err) = p.run(&["search", "trust", "--context", "3"], 2);
    assert!(
        err.contains("--context 3 is more than 2 paragraphs"),
        "{err}"
    );
    p.write("qcode.toml", "[limits]\nfile_mb = 0\n");
    let (_, err) = p.run(&["search", "trust"], 2);
    assert!(
        err.contains("qcode.toml:2:11: [limits] file_mb must be at least 1, not 0"),
        "{err}"
    );
    p.write("qcode.toml", "[limits]\nfile_gb = 1\n");
    let (_, err) = p.run(&["search", "trust"], 2);
    assert!(err.contains("unknown field `file_gb`"), "{err}");
}

/// A package with one source stored inside (`text`) and one whose text is a file outside it.
fn package(p: &Project, name: &str, text: &[u8]) {
    let qde = r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="x" origin="t">
<Sources><TextSource guid="33333333-3333-3333-3333-333333333333" name="inside" plainTextPath="internal://a.txt"/>
<TextSource guid="33333333-3333-3333-3333-333333333334" name="outside" plainTextPath="relative://../../etc/passwd"/>
<TextSource guid="33333333-3333-3333-3333-333333333335" name="far" plainTextPath="file:///etc/passwd"/>
</Sources></Project>"#;
    zip(
        p,
        name,
        &[("project.qde", qde.as_bytes()), ("sources/a.txt", text)],
    );
}

#[test]
fn a_package_source_over_the_limit_aborts_and_one_outside_it_is_left_out() {
    let p = Project::empty();
    p.write("codebook/codes.toml", crate::common::CODEBOOK);
    package(&p, "ok.qdpx", b"P1: We trust them.\n");
    let (_, err) = p.run(&["import", "qdpx", "ok.qdpx"], 0);
    assert!(
        err.contains("source `outside` is not imported: its text is not plain text inside the package (relative://../../etc/passwd)"),
        "{err}"
    );
    assert!(err.contains("source `far` is not imported"), "{err}");
    let texts: Vec<_> = std::fs::read_dir(p.file("corpus"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    assert_eq!(texts, ["inside.txt"]);

    let q = Project::empty();
    q.write("codebook/codes.toml", crate::common::CODEBOOK);
    q.write(
        "qcode.toml",
        "[limits]\nunzipped_mb = 1\nzip_ratio = 100000\n",
    );
    let big = format!("P1: {}\n", "We trust them. ".repeat(100_000));
    package(&q, "big.qdpx", big.as_bytes());
    let (_, err) = q.run(&["import", "qdpx", "big.qdpx"], 2);
    assert!(
        err.contains("source `inside`: sources/a.txt inflates to more than 1 MB, the limit ([limits] unzipped_mb)"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(q.file("corpus")).unwrap().count(), 0);
}

#[test]
fn twenty_thousand_codes_and_a_chain_four_thousand_deep_check_and_list() {
    let wide = Project::new();
    let codes: String = (0..20_000)
        .map(|i| {
            format!("[codes.c{i}]\nlabel = \"Code {i}\"\npatterns = [\"w{i}\"]\nexamples = [\"w{i}\"]\n\n")
        })
        .collect();
    wide.write("codebook/codes.toml", &codes);
    wide.run(&["codebook", "check"], 0);
    // Each code's examples against its family: found once, not by a scan of every code.
    wide.run(&["codebook", "test"], 0);
    let deep = Project::new();
    let chain: String = (0..4_000)
        .map(|i| {
            let parent = if i > 0 {
                format!("parent = \"c{}\"\n", i - 1)
            } else {
                String::new()
            };
            format!("[codes.c{i}]\nlabel = \"Code {i}\"\npatterns = [\"w{i}\"]\n{parent}\n")
        })
        .collect();
    deep.write("codebook/codes.toml", &chain);
    deep.run(&["codebook", "check"], 0);
    deep.run(&["index"], 0);
    // A cycle at the end of a long chain is still found, once per code on it.
    deep.write(
        "codebook/codes.toml",
        &format!("{chain}[codes.x]\nlabel = \"X\"\nparent = \"y\"\n\n[codes.y]\nlabel = \"Y\"\nparent = \"x\"\n"),
    );
    let (_, err) = deep.run(&["codebook", "check"], 1);
    assert!(
        err.contains("codes form a cycle of parents: x → y → x"),
        "{err}"
    );
    assert!(
        err.contains("codes form a cycle of parents: y → x → y"),
        "{err}"
    );
}

/// The corpus walk reads regular files only: a pipe, a link to a device or to a file outside
/// the corpus is left out with a warning (reading one hangs or never ends); link loops end and
/// a folder is read once, under its real path. Run with a timeout: a regression hangs.
#[cfg(unix)]
#[test]
fn the_corpus_walk_reads_regular_files_only_and_ends_on_link_loops() {
    use std::os::unix::fs::symlink;
    let p = Project::new();
    p.write("corpus/sub/real.txt", "P1: We trust the real one.\n");
    p.write("outside.txt", "P1: Never read.\n");
    let c = |rel: &str| p.file(&format!("corpus/{rel}"));
    // Two loops (each alone made the walk exponential with the other).
    symlink(p.file("corpus"), c("loop1")).unwrap();
    symlink(c("sub"), c("sub/loop2")).unwrap();
    symlink(c("sub"), c("alias")).unwrap();
    symlink("/dev/zero", c("zero.txt")).unwrap();
    symlink(p.file("outside.txt"), c("out.txt")).unwrap();
    symlink(c("sub/real.txt"), c("inside.txt")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(c("pipe.txt"))
        .status()
        .is_ok_and(|s| s.success());
    if fifo {
        symlink(c("pipe.txt"), c("pipe-link.txt")).unwrap();
    }
    let out = p
        .qcode(&["index"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("corpus/zero.txt: a symbolic link to /dev/zero, outside the corpus folder: not followed"), "{err}");
    assert!(err.contains("corpus/out.txt: a symbolic link to "), "{err}");
    assert!(
        err.contains("corpus/loop1: a symbolic link to a folder read already"),
        "{err}"
    );
    assert!(
        err.contains("corpus/alias: a symbolic link to a folder read already"),
        "{err}"
    );
    if fifo {
        assert!(
            err.contains(
                "corpus/pipe.txt: not a regular file (a pipe, device or socket): not read"
            ),
            "{err}"
        );
        assert!(
            err.contains("corpus/pipe-link.txt: a symbolic link to "),
            "{err}"
        );
    }
    // The two interviews, the real file, and the link to it inside the corpus.
    assert!(err.contains("4 files: 4 indexed"), "{err}");
    assert!(!err.contains("Never read"), "{err}");
}
