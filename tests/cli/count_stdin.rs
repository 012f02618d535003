//! `qcode count - -o -`: a corpus read from standard input, its code × role counts written to
//! standard output in long form (`code_id<TAB>role<TAB>count`, no header), as an engine that
//! pipes each partition through qcode (Spark's RDD.pipe, Hadoop streaming) runs it: the same
//! counts as the file, and the tables of two halves add up to the whole's.

use std::collections::BTreeMap;

use crate::common::Project;

const DICT: &str = r#"{"codes": [
 {"id": "T", "name": "TRUST", "parent": null, "patterns": ["trust", "trust*", "lack of trust"]},
 {"id": "C", "name": "COUNCIL", "parent": null, "patterns": ["council", "officer*"]},
 {"id": "M", "name": "MONEY", "parent": null, "patterns": ["fund*", "money"]}
]}"#;

const HEADER: &str = "segment_id\trole\ttext";

/// A corpus of 60 rows over three roles, varied enough that every code meets every role.
fn rows() -> Vec<String> {
    let words = [
        "trust",
        "council",
        "money",
        "the",
        "funding",
        "lack of trust",
        "officers",
        "Trusted",
    ];
    (0..60)
        .map(|i| {
            let n = 1 + (i * 5) % 11;
            let text: Vec<&str> = (0..n).map(|k| words[(i + k * 3) % words.len()]).collect();
            let role = ["participant", "interviewer", "observer"][i % 3];
            format!("s{i}\t{role}\t{}", text.join(" "))
        })
        .collect()
}

fn tsv(rows: &[String]) -> String {
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

/// `qcode count` with `args`, `input` on standard input; its standard output.
fn count(p: &Project, args: &[&str], input: &str) -> String {
    let out = p.qcode(args).write_stdin(input).output().expect("runs");
    assert!(
        out.status.success(),
        "qcode {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A long-form table as (code, role) → count, adding up lines for the same pair.
fn add_up(tables: &[&str]) -> BTreeMap<(String, String), u64> {
    let mut sum = BTreeMap::new();
    for line in tables.iter().flat_map(|t| t.lines()) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 3, "not code, role, count: {line:?}");
        *sum.entry((f[0].to_string(), f[1].to_string())).or_default() +=
            f[2].parse::<u64>().expect("a count");
    }
    sum
}

#[test]
fn standard_input_counts_as_the_same_file_does() {
    let p = Project::empty();
    p.write("dict.json", DICT);
    let corpus = tsv(&rows());
    p.write("corpus.tsv", &corpus);
    let piped = count(
        &p,
        &["count", "-", "--codebook", "dict.json", "-o", "-"],
        &corpus,
    );
    let from_file = count(
        &p,
        &["count", "corpus.tsv", "--codebook", "dict.json", "-o", "-"],
        "",
    );
    assert_eq!(piped, from_file);
    assert!(!piped.is_empty() && !piped.contains("code_id"), "{piped}");
    // And the same counts as the matrix the file's run writes.
    count(
        &p,
        &[
            "count",
            "corpus.tsv",
            "--codebook",
            "dict.json",
            "-o",
            "out/run",
        ],
        "",
    );
    let matrix = std::fs::read_to_string(p.file("out/run.matrix.tsv")).unwrap();
    let mut lines = matrix.lines();
    let roles: Vec<&str> = lines.next().unwrap().split('\t').skip(1).collect();
    let mut expected = BTreeMap::new();
    for line in lines {
        let mut f = line.split('\t');
        let code = f.next().unwrap();
        for (role, n) in roles.iter().zip(f) {
            let n: u64 = n.parse().unwrap();
            if n > 0 {
                expected.insert((code.to_string(), role.to_string()), n);
            }
        }
    }
    assert_eq!(add_up(&[&piped]), expected);
    // Standard input may be written to files too.
    count(
        &p,
        &["count", "-", "--codebook", "dict.json", "-o", "out/piped"],
        &corpus,
    );
    assert_eq!(
        std::fs::read_to_string(p.file("out/piped.matrix.tsv")).unwrap(),
        matrix
    );
}

#[test]
fn the_tables_of_two_halves_add_up_to_the_whole() {
    let p = Project::empty();
    p.write("dict.json", DICT);
    let rows = rows();
    let whole = count(
        &p,
        &["count", "-", "--codebook", "dict.json", "-o", "-"],
        &tsv(&rows),
    );
    let (a, b) = rows.split_at(23);
    let args = ["count", "-", "--codebook", "dict.json", "-o", "-"];
    let first = count(&p, &args, &tsv(a));
    let second = count(&p, &args, &tsv(b));
    assert_eq!(add_up(&[&first, &second]), add_up(&[&whole]));
    // Partitions an engine hands over carry no header: --columns names the columns.
    let cols = ["--columns", "segment_id,role,text"];
    let bare = |part: &[String]| format!("{}\n", part.join("\n"));
    let first = count(&p, &[&args[..], &cols[..]].concat(), &bare(a));
    let second = count(&p, &[&args[..], &cols[..]].concat(), &bare(b));
    assert_eq!(add_up(&[&first, &second]), add_up(&[&whole]));
}

#[test]
fn csv_on_standard_input_is_asked_for() {
    let p = Project::empty();
    p.write("dict.json", DICT);
    let rows = rows();
    let csv: Vec<String> = rows.iter().map(|r| r.replace('\t', ",")).collect();
    let csv = format!("segment_id,role,text\n{}\n", csv.join("\n"));
    let args = ["count", "-", "--codebook", "dict.json", "-o", "-"];
    let as_csv = count(&p, &[&args[..], &["--format", "csv"]].concat(), &csv);
    assert_eq!(as_csv, count(&p, &args, &tsv(&rows)));
}
