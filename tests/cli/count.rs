//! `qcode count`: streaming dictionary counts without an index, checked by hand on a small
//! corpus; JSON dictionaries loaded directly and through `codebook import`; TSV corpora indexed.

use crate::common::Project;

/// The benchmark's codebook shape: ids with dots, a parent, a pattern in two codes.
const DICT: &str = r#"{"codes": [
 {"id": "T", "name": "TRUST", "parent": null, "patterns": ["trust", "trust*", "lack of trust", "issues"]},
 {"id": "T.1", "name": "TRUST/sub1", "parent": "T", "patterns": ["issues", "council"]},
 {"id": "M", "name": "MONEY", "parent": null, "patterns": ["fund*", "money"]}
]}"#;

const TSV: &str = "segment_id\trole\ttext
s1\tparticipant\tDistrust issues: the Council's trust fund.
s2\tinterviewer\tNo money, no TRUST, lack of trust.
s3\tobserver\tTrustworthy funders don\u{2019}t fund_raise.
s4\tparticipant\tNothing here.
";

// Worked by hand (every occurrence counts; a word is ASCII letters, digits and _):
// s1: "Distrust" is not "trust" (no boundary before it); issues → T and T.1; Council('s) → T.1;
//     trust → T twice (trust, trust*); fund → M.              T 3, T.1 2, M 1
// s2: money → M; TRUST → T twice; "lack of trust" → T, and its trust twice more. T 5, M 1
// s3: Trustworthy → trust* only; funders → fund*; fund_raise → fund* (_ is a word
//     character, so the glob runs on to the end of the word).  T 1, M 2
const SEG: &str = "segment_id\tcode_id\tcount
s1\tT\t3
s1\tT.1\t2
s1\tM\t1
s2\tT\t5
s2\tM\t1
s3\tT\t1
s3\tM\t2
";
const MATRIX: &str = "code_id\tparticipant\tinterviewer\tobserver
T\t3\t5\t1
T.1\t2\t0\t0
M\t1\t1\t2
";

#[test]
fn counts_every_occurrence_as_worked_out_by_hand() {
    let p = Project::empty();
    p.write("dict.json", DICT);
    p.write("data/corpus.tsv", TSV);
    let (_, err) = p.run(
        &[
            "count",
            "data/corpus.tsv",
            "--codebook",
            "dict.json",
            "-o",
            "out/run",
        ],
        0,
    );
    assert!(
        err.contains("counted 4 segments (3 coded), 15 code occurrences"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(p.file("out/run.seg.tsv")).unwrap(),
        SEG
    );
    assert_eq!(
        std::fs::read_to_string(p.file("out/run.matrix.tsv")).unwrap(),
        MATRIX
    );
    // The corpus is read, never written.
    assert_eq!(
        std::fs::read_to_string(p.file("data/corpus.tsv")).unwrap(),
        TSV
    );
}

#[test]
fn csv_input_and_an_imported_codebook_give_the_same_counts() {
    let p = Project::empty();
    p.write("dict.json", DICT);
    // The same rows as CSV, columns in another order, s1's text quoted across two lines.
    p.write(
        "responses.csv",
        "text,id,role\n\"Distrust issues:\nthe Council's trust fund.\",s1,participant\n\
         \"No money, no TRUST, lack of trust.\",s2,interviewer\n\
         Trustworthy funders don\u{2019}t fund_raise.,s3,observer\nNothing here.,s4,participant\n",
    );
    p.run(&["codebook", "import", "dict.json"], 0);
    let toml = std::fs::read_to_string(p.file("codebook/dict.toml")).unwrap();
    assert!(toml.contains("matching = \"dictionary\""), "{toml}");
    assert!(toml.contains("[codes.\"T.1\"]"), "{toml}");
    // No --codebook: the project's, now the imported TOML.
    p.run(
        &["count", "responses.csv", "-o", "csv", "--summary-json"],
        0,
    );
    assert_eq!(std::fs::read_to_string(p.file("csv.seg.tsv")).unwrap(), SEG);
    assert_eq!(
        std::fs::read_to_string(p.file("csv.matrix.tsv")).unwrap(),
        MATRIX
    );
}

#[test]
fn output_is_the_same_whatever_the_thread_count() {
    let p = Project::empty();
    p.write("dict.json", DICT);
    let words = [
        "trust",
        "issues",
        "council",
        "money",
        "the",
        "fund",
        "lack of trust",
        "we",
    ];
    let mut tsv = String::from("segment_id\trole\ttext\n");
    for i in 0..4000usize {
        let text: Vec<&str> = (0..(3 + i % 17))
            .map(|k| words[(i * 5 + k * 3) % 8])
            .collect();
        tsv.push_str(&format!(
            "r{i}\t{}\t{}\n",
            ["a", "b", "c"][i % 3],
            text.join(" ")
        ));
    }
    p.write("big.tsv", &tsv);
    let mut outs = Vec::new();
    for threads in ["1", "2", "3"] {
        let out = p
            .qcode(&["count", "big.tsv", "--codebook", "dict.json", "-o", threads])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(out.status.success());
        outs.push((
            std::fs::read(p.file(&format!("{threads}.seg.tsv"))).unwrap(),
            std::fs::read(p.file(&format!("{threads}.matrix.tsv"))).unwrap(),
        ));
    }
    assert!(outs[0].0.len() > 40_000);
    assert_eq!(outs[0], outs[1]);
    assert_eq!(outs[0], outs[2]);
}

#[test]
fn bad_input_names_file_and_line_and_leaves_nothing() {
    let p = Project::empty();
    p.write("dict.json", DICT);
    p.write(
        "bad.tsv",
        "segment_id\trole\ttext\ns1\tparticipant\ttrust\ns2\tparticipant\n",
    );
    let (_, err) = p.run(
        &["count", "bad.tsv", "--codebook", "dict.json", "-o", "x"],
        2,
    );
    assert!(err.contains("bad.tsv:3"), "{err}");
    assert!(err.contains("has 2 columns, the header 3"), "{err}");
    assert!(!p.file("x.seg.tsv").exists() && !p.file("x.matrix.tsv").exists());
    let leftovers: Vec<_> = std::fs::read_dir(p.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A dictionary codebook refuses what a dictionary cannot count, pointing at it.
    p.write(
        "codebook/c.toml",
        "[codebook]\nmatching = \"dictionary\"\n\n[codes.a]\nlabel = \"A\"\npatterns = [\"trust\", \"a NEAR/2 b\"]\n",
    );
    let (_, err) = p.run(&["count", "bad.tsv", "-o", "y"], 2);
    assert!(err.contains("c.toml:6:25"), "{err}");
    assert!(err.contains("NEAR is not a dictionary entry"), "{err}");
}

#[test]
fn a_tsv_corpus_is_indexed_searched_and_explained_with_a_dictionary_codebook() {
    let p = Project::empty();
    p.write("codebook/dict.json", DICT);
    p.write(
        "qcode.toml",
        "[project]\ncorpus = \"corpus\"\ncodebook = \"codebook/dict.json\"\n",
    );
    p.write("corpus/bench.tsv", TSV);
    p.run(&["index"], 0);
    let hits = p.search_json(&["--code", "T.1"]);
    assert_eq!(crate::common::ids(&hits), vec!["s1"]);
    let hits = p.search_json(&["money", "--include-interviewer"]);
    assert_eq!(crate::common::ids(&hits), vec!["s2"]);
    // Every occurrence is evidence, overlaps included: lack of trust, trust, trust*.
    let (out, _) = p.run(&["code", "--text", "lack of trust"], 0);
    assert!(out.contains("lack of trust"), "{out}");
    assert_eq!(out.matches("trust*").count(), 1, "{out}");
}

/// One table, one meaning: the same CSV (a `speaker` column and no `role`) gives the same role
/// ids to `qcode count`'s matrix as to the index (search, export), mapped labels through the
/// codebook's `[roles]`, other labels as slugs.
#[test]
fn count_and_the_index_read_a_table_alike() {
    let p = Project::empty();
    p.write("codebook/roles.toml", crate::common::ROLES);
    p.write("codebook/codes.toml", crate::common::CODEBOOK);
    p.write(
        "corpus/rows.csv",
        "id,speaker,text\nr1,Cllr,We trust the council.\nr2,Councillor,Trust takes time.\n\
         r3,Ward Officer,I trust them.\nr4,,Trust is earned.\nr5,Cllr,   \n",
    );
    p.run(&["index"], 0);
    let hits = p.search_json(&["trust", "-n", "10"]);
    let role = |id: &str| {
        hits.iter().find(|h| h["segment_id"] == id).unwrap()["role"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let roles: Vec<String> = ["r1", "r2", "r3", "r4"].iter().map(|id| role(id)).collect();
    assert_eq!(
        roles,
        ["councillor", "councillor", "ward_officer", "unknown"]
    );
    let (_, err) = p.run(&["count", "corpus/rows.csv", "-o", "out/c"], 0);
    // r5 has no text: not a segment, for count as for the index.
    assert!(err.contains("counted 4 segments (4 coded)"), "{err}");
    let matrix = std::fs::read_to_string(p.file("out/c.matrix.tsv")).unwrap();
    assert_eq!(
        matrix.lines().next().unwrap(),
        "code_id\tcouncillor\tward_officer\tunknown"
    );
    assert!(matrix.contains("\ntrust\t2\t1\t1\n"), "{matrix}");
}
