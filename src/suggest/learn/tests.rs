//! Learning on a small fixture worked out by hand: which segments are examples of what, which
//! codes each leave-one-interview-out rotation can learn, and the counts that follow.

use super::*;
use crate::codebook::{Code, Codebook};
use crate::codings::{CodingRow, Status, Store, StoredRow};
use crate::transcript::Segment;

fn codebook() -> Codebook {
    let mut cb = Codebook::empty();
    for id in ["rank", "lunch", "filter"] {
        cb.codes.push(Code::new(id, id, "topic"));
    }
    cb
}

fn store(rows: &[(&str, &str, Status)]) -> Store {
    Store::new(
        rows.iter()
            .enumerate()
            .map(|(i, &(seg, code, status))| StoredRow {
                file: "codings/ann.csv".into(),
                line: i + 2,
                row: CodingRow {
                    segment_id: seg.into(),
                    code: code.into(),
                    coder: "ann".into(),
                    status,
                    ..Default::default()
                },
                was: None,
            })
            .collect(),
        vec![],
        vec![],
    )
}

fn segment(id: &str, text: &str) -> Segment {
    let interview = id.split(':').next().unwrap();
    let turn = id[interview.len() + 1..].split('.').next().unwrap();
    let mut s = Segment::for_test(id, interview, text);
    s.turn = turn.parse().unwrap();
    s
}

/// Three interviews ann coded, one she never touched (d), one where she only decided a
/// proposal (e). `rank` is given to 4 segments in 3 interviews; `lunch` to 2 in 2.
fn fixture() -> (Vec<Segment>, Store) {
    let segments = vec![
        segment("a:1.1", "the ranking helps"),
        segment("a:2.1", "the weather is cold"),
        segment("a:3.1", "the ranking is clear"),
        segment("a:4.1", "lunch and weather"),
        segment("b:1.1", "ranking again"),
        segment("b:2.1", "weather again"),
        segment("b:3.1", "lunch with weather"),
        segment("c:1.1", "i like the ranking"),
        segment("c:2.1", "cold weather today"),
        segment("d:1.1", "the ranking, untouched"),
        segment("e:1.1", "the filters"),
        segment("e:2.1", "the ranking in e"),
    ];
    let c = Status::Coded;
    let rows = [
        ("a:1.1", "rank", c),
        ("a:3.1", "rank", c),
        ("a:4.1", "lunch", c),
        ("b:1.1", "rank", c),
        ("b:3.1", "lunch", c),
        ("c:1.1", "rank", c),
        // c:2.1 looked at, nothing applied.
        ("c:2.1", "", c),
        ("e:1.1", "rank", Status::Rejected),
        ("e:1.1", "filter", Status::Accepted),
    ];
    (segments, store(&rows))
}

fn params() -> LearnParams {
    LearnParams {
        features: FeatureParams {
            min_df: 1,
            question: false,
            ..FeatureParams::default()
        },
        ..LearnParams::default()
    }
}

#[test]
fn examples_are_the_coded_interviews_and_the_decisions_elsewhere() {
    let (segments, store) = fixture();
    let ex = examples(&store, "ann", &segments);
    let ids: Vec<&str> = ex.iter().map(|e| e.segment_id.as_str()).collect();
    // d is untouched; in e only the decided segment teaches, and only about what was decided.
    assert_eq!(
        ids,
        [
            "a:1.1", "a:2.1", "a:3.1", "a:4.1", "b:1.1", "b:2.1", "b:3.1", "c:1.1", "c:2.1",
            "e:1.1"
        ]
    );
    let e = &ex[9];
    assert_eq!(
        (e.label("rank"), e.label("filter"), e.label("lunch")),
        (Some(false), Some(true), None)
    );
    assert_eq!(ex[1].label("rank"), Some(false));
    assert_eq!(ex[0].label("rank"), Some(true));
    assert_eq!(interviews(&ex), ["a", "b", "c", "e"]);
    assert!(examples(&store, "bob", &segments).is_empty());
}

#[test]
fn leave_one_interview_out_counts_what_each_rotation_could_learn() {
    let (segments, store) = fixture();
    let ex = examples(&store, "ann", &segments);
    let ev = evaluate(&ex, &codebook(), &params());
    assert_eq!(ev.interviews, 4);
    let code = |id: &str| ev.codes.iter().find(|c| c.code == id).unwrap();
    // rank: 4 segments in a, b, c. Holding out a leaves 2 (b, c): too few, so a's two are
    // missed. Holding out b leaves 3 in a and c: learned, and b:1.1 ("ranking again") found,
    // b's weather and lunch not. Holding out c likewise finds c:1.1. e rejected rank on a
    // segment without the word: a true negative.
    let rank = code("rank");
    assert_eq!(
        (rank.positives, rank.interviews, rank.learned),
        (4, 3, true)
    );
    assert_eq!(
        rank.counts,
        Counts {
            tp: 2,
            fp: 0,
            fn_: 2
        }
    );
    // lunch: 2 segments, never learned; both missed. filter: 1 segment, likewise.
    let lunch = code("lunch");
    assert!(!lunch.learned);
    assert_eq!(
        lunch.counts,
        Counts {
            tp: 0,
            fp: 0,
            fn_: 2
        }
    );
    assert_eq!(
        code("filter").counts,
        Counts {
            tp: 0,
            fp: 0,
            fn_: 1
        }
    );
    assert_eq!(
        ev.micro,
        Counts {
            tp: 2,
            fp: 0,
            fn_: 2
        }
    );
    assert_eq!(
        ev.all,
        Counts {
            tp: 2,
            fp: 0,
            fn_: 5
        }
    );
    assert_eq!((ev.micro.precision(), ev.micro.recall()), (1.0, 0.5));
}

#[test]
fn a_trained_model_suggests_with_its_evidence() {
    let (segments, store) = fixture();
    let ex = examples(&store, "ann", &segments);
    let cb = codebook();
    check(&ex, &cb, "ann", MIN_INTERVIEWS).unwrap();
    let m = train(&ex, &cb, "ann", &params(), "k");
    let codes: Vec<&str> = m.codes.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, ["rank"]);
    assert_eq!(m.too_few.len(), 2);
    let ranker = LearnedRanker::new(&m, &cb, crate::suggest::RankOptions::default());
    let s = ranker.segment(&segment("d:1.1", "the ranking, untouched"), "");
    assert_eq!(s.len(), 1);
    assert!(s[0].suggested, "{:?}", s[0]);
    let why = s[0].why.describe();
    assert!(why.contains("ranking +"), "{why}");
    assert!(why.contains("; like a:"), "{why}");
    let s = ranker.segment(&segment("d:2.1", "cold weather"), "");
    assert!(!s[0].suggested, "{:?}", s[0]);
    // A cached model reads back to the same suggestions.
    let json = serde_json::to_string(&m).unwrap();
    let back: Learned = serde_json::from_str::<Learned>(&json)
        .unwrap()
        .with_lookup();
    assert_eq!(back, m);
}

#[test]
fn too_little_to_learn_is_an_error_that_says_why() {
    let (segments, store) = fixture();
    let ex = examples(&store, "ann", &segments);
    let cb = codebook();
    let only_a: Vec<Example> = ex.iter().filter(|e| e.interview == "a").cloned().collect();
    let e = check(&only_a, &cb, "ann", 2).unwrap_err();
    assert!(
        matches!(e, LearnError::TooFewInterviews { found: 1, .. }),
        "{e}"
    );
    let bc: Vec<Example> = ex
        .iter()
        .filter(|e| e.interview == "b" || e.interview == "c")
        .cloned()
        .collect();
    let e = check(&bc, &cb, "ann", 2).unwrap_err();
    assert!(
        e.to_string()
            .contains("2 segment(s) in 2 interview(s) of `rank`"),
        "{e}"
    );
    assert!(matches!(
        check(&[], &cb, "ann", 2),
        Err(LearnError::NoCodings(_))
    ));
}

#[test]
fn questions_are_the_interviewers_turn_before() {
    let mut q1 = segment("a:1.1", "Did the ranking help?");
    q1.interviewer = true;
    let mut q2 = segment("a:1.2", "And the filters?");
    q2.interviewer = true;
    let segs = vec![
        q1,
        q2,
        segment("a:2.1", "Yes."),
        segment("a:2.2", "Both."),
        segment("b:1.1", "New interview."),
    ];
    let q = questions(&segs);
    let asked = "Did the ranking help?\nAnd the filters?";
    assert_eq!(q, ["", "", asked, asked, ""]);
}
