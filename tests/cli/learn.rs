//! `qcode suggest --learn-from CODER` and `--evaluate`: suggestions learned from a coder's
//! codings, with their evidence, saved as proposals, cached and trained again when the codings
//! change, the same bytes whatever the thread count, and the errors when there is too little to
//! learn from.

use crate::common::{Project, ROLES};

const CODEBOOK: &str = r#"
[codebook]
name = "learn test"
version = "1"

[codes.rank]
label = "Ranking"
dimension = "tool"

[codes.filter]
label = "Filtering"
dimension = "tool"

[codes.lunch]
label = "Lunch"
dimension = "life"
"#;

/// An interview with four questions, each answered in one paragraph: `answers` in order
/// (ranking, weather, filters, lunch), as segments ID:2.1, ID:4.1, ID:6.1 and ID:8.1.
fn interview(id: &str, answers: [&str; 4]) -> String {
    let questions = [
        "What did you think of the ranking?",
        "How was the weather?",
        "Did you use the filters?",
        "And lunch?",
    ];
    let mut t = format!("---\nid: {id}\nspeakers:\n  I: interviewer\n  P1: Resident\n---\n");
    for (q, a) in questions.iter().zip(answers) {
        t.push_str(&format!("I: {q}\n\nP1: {a}\n\n"));
    }
    t
}

fn project() -> Project {
    let p = Project::empty();
    p.write("codebook/roles.toml", ROLES);
    p.write("codebook/codes.toml", CODEBOOK);
    let ivs = [
        (
            "a",
            [
                "The ranking showed the important features first.",
                "Cold and wet all week.",
                "The filters narrowed it down nicely.",
                "Lunch was late again.",
            ],
        ),
        (
            "b",
            [
                "I liked how the ranking put features in order.",
                "Sunny, mostly.",
                "Filters helped me find the outliers.",
                "Sandwiches, as usual.",
            ],
        ),
        (
            "c",
            [
                "The ranking of features saved me time.",
                "Rain in the morning.",
                "I used two filters together.",
                "Lunch was fine.",
            ],
        ),
        (
            "d",
            [
                "The ranking put the features that matter at the top.",
                "Foggy.",
                "With filters I looked at one group.",
                "Soup for lunch.",
            ],
        ),
        (
            "e",
            [
                "The ranking told me which features matter.",
                "Windy and cold.",
                "The filters were easy to use.",
                "No lunch today.",
            ],
        ),
    ];
    for (id, answers) in ivs {
        p.write(&format!("corpus/{id}.txt"), &interview(id, answers));
    }
    // Ann coded a to d; e is for suggestions.
    p.write(
        "codings/ann.csv",
        "segment_id,code,status\n\
         a:2.1,rank,\na:6.1,filter,\na:8.1,lunch,\n\
         b:2.1,rank,\nb:6.1,filter,\n\
         c:2.1,rank,\nc:6.1,filter,\n\
         d:2.1,rank,\nd:6.1,filter,\n",
    );
    p
}

/// The CSV's rows as maps of column to value.
fn rows(csv: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn learned_suggestions_name_the_terms_and_the_coders_segments_behind_them() {
    let p = project();
    let (out, _) = p.run(
        &[
            "suggest",
            "--learn-from",
            "ann",
            "--interview",
            "e",
            "--format",
            "csv",
        ],
        0,
    );
    assert!(
        out.starts_with("segment_id,code,code_label,dimension,rank,score,suggested,evidence\n"),
        "{out}"
    );
    let rows = rows(&out);
    let suggested: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r["suggested"] == "true")
        .map(|r| (r["segment_id"].as_str(), r["code"].as_str()))
        .collect();
    assert!(suggested.contains(&("e:2.1", "rank")), "{out}");
    assert!(suggested.contains(&("e:6.1", "filter")), "{out}");
    assert!(!suggested.contains(&("e:4.1", "rank")), "{out}");
    // lunch: one segment, too few to learn, never listed.
    assert!(rows.iter().all(|r| r["code"] != "lunch"), "{out}");
    let why = &rows
        .iter()
        .find(|r| r["segment_id"] == "e:2.1" && r["code"] == "rank")
        .unwrap()["evidence"];
    assert!(why.contains("≥ threshold"), "{why}");
    assert!(why.contains("ranking +"), "{why}");
    assert!(why.contains("asked: rank~"), "{why}");
    assert!(why.contains("; like "), "{why}");
    assert!(p.file(".qcode/learned/ann.json").exists());
}

#[test]
fn evaluate_rotates_through_the_coders_interviews() {
    let p = project();
    let (out, _) = p.run(
        &[
            "suggest",
            "--learn-from",
            "ann",
            "--evaluate",
            "--format",
            "csv",
        ],
        0,
    );
    let rows = rows(&out);
    let code = |c: &str| rows.iter().find(|r| r["code"] == c).unwrap();
    assert_eq!(code("rank")["examples"], "4");
    assert_eq!(code("rank")["interviews"], "4");
    assert_eq!(code("rank")["note"], "");
    assert!(
        code("lunch")["note"].starts_with("too few to learn"),
        "{out}"
    );
    assert_eq!(code("lunch")["fn"], "1");
    // Holding out any one interview leaves three: rank and filter are learned each time.
    assert_eq!(code("rank")["tp"], "4", "{out}");
    assert_eq!(code("rank")["fp"], "0", "{out}");
    let micro = code("(micro, learned codes)");
    assert_eq!(micro["examples"], "8");
    assert_eq!(micro["f1"], "1.000", "{out}");
    let all = code("(micro, all codes)");
    assert_eq!(all["fn"], "1", "{out}");
    // The table says the same.
    let (table, _) = p.run(&["suggest", "--learn-from", "ann", "--evaluate"], 0);
    assert!(
        table.contains("leaving out one of ann's 4 interviews"),
        "{table}"
    );
}

#[test]
fn saved_learned_suggestions_are_proposals_and_decisions_teach_the_next_model() {
    let p = project();
    p.run(
        &[
            "suggest",
            "--learn-from",
            "ann",
            "--interview",
            "e",
            "--save",
        ],
        0,
    );
    let saved = std::fs::read_to_string(p.file("codings/suggested.csv")).unwrap();
    assert!(saved.contains("e:2.1,rank,suggested,"), "{saved}");
    assert!(saved.contains("proposed"), "{saved}");
    let before = std::fs::read_to_string(p.file(".qcode/learned/ann.json")).unwrap();
    // A decision on e is training data next time: the model is trained again, with it.
    let mut codings = std::fs::read_to_string(p.file("codings/ann.csv")).unwrap();
    codings.push_str("e:6.1,filter,accepted\n");
    p.write("codings/ann.csv", &codings);
    p.run(&["suggest", "--learn-from", "ann", "--interview", "e"], 0);
    let after = std::fs::read_to_string(p.file(".qcode/learned/ann.json")).unwrap();
    assert_ne!(before, after);
    assert!(!before.contains("\"e:6.1\"") && after.contains("\"e:6.1\""));
}

#[test]
fn learned_output_is_the_same_bytes_whatever_the_thread_count_and_cache() {
    let p = project();
    let run = |threads: &str, args: &[&str]| {
        let out = p
            .qcode(args)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    for args in [
        &["suggest", "--learn-from", "ann", "--format", "csv"][..],
        &["suggest", "--learn-from", "ann", "--format", "json"][..],
        &[
            "suggest",
            "--learn-from",
            "ann",
            "--evaluate",
            "--format",
            "csv",
        ][..],
    ] {
        // Trained afresh on one thread, then on two, then read from the cache.
        let _ = std::fs::remove_dir_all(p.file(".qcode/learned"));
        let one = run("1", args);
        let _ = std::fs::remove_dir_all(p.file(".qcode/learned"));
        let two = run("2", args);
        let cached = run("2", args);
        assert!(!one.is_empty());
        assert_eq!(one, two, "{args:?}");
        assert_eq!(one, cached, "{args:?}");
    }
}

#[test]
fn too_little_to_learn_from_is_an_error_that_says_what_is_needed() {
    let p = project();
    let (_, err) = p.run(&["suggest", "--learn-from", "bob"], 2);
    assert!(
        err.contains("no coder `bob`") && err.contains("ann"),
        "{err}"
    );
    p.write(
        "codings/cy.csv",
        "segment_id,code\na:2.1,rank\na:6.1,filter\n",
    );
    let (_, err) = p.run(&["suggest", "--learn-from", "cy"], 2);
    assert!(
        err.contains("coder `cy` coded 1 interview(s); learning needs at least 2"),
        "{err}"
    );
    p.write(
        "codings/di.csv",
        "segment_id,code\na:2.1,rank\nb:2.1,rank\n",
    );
    let (_, err) = p.run(&["suggest", "--learn-from", "di"], 2);
    assert!(
        err.contains("no code has enough examples to learn"),
        "{err}"
    );
    let (_, err) = p.run(&["suggest", "--learn-from", "di", "--evaluate"], 2);
    assert!(
        err.contains("coded 2 interview(s); learning needs at least 3"),
        "{err}"
    );
    let (_, err) = p.run(&["suggest", "--evaluate"], 2);
    assert!(err.contains("--learn-from"), "{err}");
    let (_, err) = p.run(
        &["suggest", "--learn-from", "ann", "--evaluate", "--save"],
        2,
    );
    assert!(err.contains("cannot be used with"), "{err}");
}
