//! Scores and evidence on codebooks small enough to work out by hand.

use super::*;
use crate::codebook::{Code, Codebook};
use crate::coding::{Evidence, EvidenceHit};
use crate::text::tokens::{Language, TokenOptions};
use crate::transcript::Segment;

fn codebook(codes: Vec<Code>) -> Codebook {
    Codebook {
        codes,
        options: TokenOptions {
            stem: true,
            case_sensitive: false,
            language: Language::English,
        },
        hash: "test".into(),
        ..Codebook::empty()
    }
}

fn code(id: &str, label: &str, dimension: &str) -> Code {
    Code::new(id, label, dimension)
}

/// Two codes of one dimension, labelled "Trust" and "Money", nothing else.
fn two() -> Codebook {
    codebook(vec![code("a", "Trust", "d"), code("b", "Money", "d")])
}

fn close(x: f64, y: f64) -> bool {
    (x - y).abs() < 1e-6
}

fn hits(code: &str, pattern: &str, n: usize) -> Evidence {
    Evidence {
        code: code.into(),
        hits: vec![
            EvidenceHit {
                pattern: pattern.into(),
                ..Default::default()
            };
            n
        ],
        coder: String::new(),
    }
}

#[test]
fn scores_are_cosines_worked_out_by_hand() {
    // Two codes, so a word in one of them weighs ln(1 + 2/1) = ln 3, and so does a word the
    // codebook never uses. Each code's vector is its one word. The segment's weights are
    // (1 + ln 2)·ln 3 for "trust" (twice), ln 3 for "money" and for "budget" (unknown):
    // a = (1 + ln 2) / √((1 + ln 2)² + 2), b = 1 / √((1 + ln 2)² + 2).
    let cb = two();
    let m = Model::build(&cb, Params::default());
    assert_eq!(m.terms, ["money", "trust"]);
    assert!(close(m.idf[0], 3f64.ln()) && close(m.unseen_idf, 3f64.ln()));
    let seg = m.read("The trust, trust and money budget.");
    let s = m.scores(&seg, &[]);
    let len = ((1.0 + 2f64.ln()).powi(2) + 2.0).sqrt();
    assert!(close(s[0].words, (1.0 + 2f64.ln()) / len), "{s:?}");
    assert!(close(s[1].words, 1.0 / len), "{s:?}");
    assert!(close(s[0].words, 0.767495) && close(s[1].words, 0.453295));
    // "the" and "and" are stop words: they neither match nor lengthen the segment.
    assert_eq!(seg.written, ["money", "trust"]);
}

#[test]
fn pattern_hits_add_half_then_less() {
    let cb = two();
    let m = Model::build(&cb, Params::default());
    let seg = m.read("money");
    let s = m.scores(&seg, &[hits("a", "trust", 2), hits("b", "money", 1)]);
    // 0.3 × (1 − 2⁻²) and 0.3 × (1 − 2⁻¹); a person's coding (a coder) adds nothing.
    assert!(close(s[0].patterns, 0.225) && close(s[1].patterns, 0.15));
    assert_eq!((s[0].hits, s[1].hits), (2, 1));
    let person = Evidence {
        coder: "ann".into(),
        ..hits("a", "", 0)
    };
    assert_eq!(m.scores(&seg, &[person])[0].patterns, 0.0);
    assert!(
        close(s[1].total(), 0.15 + 1.0),
        "one shared word, all of the segment"
    );
}

#[test]
fn warnings_take_weight_off_shared_words_never_below_zero() {
    // a: label "Trust money", counterexample "money". With two codes, "trust" weighs ln 3
    // and "money" (in both) ln 2; a's label at unit length, less half its counterexample's
    // (all "money"): money ln 2 / √(ln²3 + ln²2) − 0.5 = 0.033601, trust 0.845737.
    let mut a = code("a", "Trust money", "d");
    a.counterexamples = vec!["Money.".into()];
    let cb = codebook(vec![a, code("b", "Money", "d")]);
    let m = Model::build(&cb, Params::default());
    let seg = m.read("trust money");
    let words = m.words(&seg, 0);
    let (l3, l2) = (3f64.ln(), 2f64.ln());
    let len = (l3 * l3 + l2 * l2).sqrt();
    let seg_len = len; // the segment is the same two words, once each
    assert_eq!(words[0].0, "trust");
    assert!(close(words[0].1, (l3 / seg_len) * (l3 / len)), "{words:?}");
    assert!(
        close(words[1].1, (l2 / seg_len) * (l2 / len - 0.5)),
        "{words:?}"
    );
    // A counterexample's word that a's own text lacks weighs nothing, not less than nothing.
    let mut a = code("a", "Trust", "d");
    a.counterexamples = vec!["Money.".into()];
    let m = Model::build(
        &codebook(vec![a, code("b", "Money", "d")]),
        Params::default(),
    );
    let s = m.scores(&m.read("money"), &[]);
    assert_eq!(s[0].words, 0.0);
}

#[test]
fn ranks_are_within_dimensions_ties_in_codebook_order() {
    let cb = codebook(vec![
        code("a", "Trust", "d"),
        code("b", "Money", "d"),
        code("c", "Council", "e"),
        code("g", "Group", "e"),
    ]);
    let m = Model::build(&cb, Params::default());
    let s = m.scores(&m.read("money talks"), &[]);
    let r = rank(&cb, &s, &RankOptions::default());
    let got: Vec<(&str, usize)> = r
        .iter()
        .map(|r| (cb.codes[r.score.code as usize].id.as_str(), r.rank))
        .collect();
    assert_eq!(got, [("b", 1), ("a", 2), ("c", 1), ("g", 2)]);
    let opts = RankOptions {
        top: 1,
        min_score: 0.5,
        dimensions: vec!["E".into()],
        ..RankOptions::default()
    };
    let r = rank(&cb, &s, &opts);
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].score.code, r[0].suggested), (2, false));
}

#[test]
fn grouping_codes_are_never_ranked() {
    let mut g = code("g", "Money matters", "d");
    g.codable = false;
    let cb = codebook(vec![g, code("b", "Money", "d")]);
    let m = Model::build(&cb, Params::default());
    let s = m.scores(&m.read("money"), &[]);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].code, 1);
}

#[test]
fn evidence_reads_as_parts_that_add_up() {
    let cb = two();
    let m = Model::build(&cb, Params::default());
    let ranker = Ranker {
        model: &m,
        codebook: &cb,
        opts: RankOptions::default(),
    };
    let seg = Segment::for_test("x:1.1", "x", "Trust, trust: that is all.");
    let out = ranker.segment(&seg, &[hits("a", "trust", 2)]);
    assert_eq!(out[0].code, "a");
    assert_eq!(
        out[0].why.describe(),
        "patterns +0.225: trust ×2; words +1.000: trust +1.000"
    );
    assert!(close(out[0].score, 1.225));
    assert_eq!(out[1].why.describe(), "no pattern hits, no shared words");
    assert_eq!((out[1].rank, out[1].suggested), (2, true));
    let mut iv = seg.clone();
    iv.interviewer = true;
    assert!(ranker.segment(&iv, &[]).is_empty());
}

#[test]
fn long_evidence_lists_eight_words_and_counts_the_rest() {
    let why = Why {
        patterns: 0.0,
        hits: vec![],
        words: 0.5,
        terms: (0..10).map(|i| (format!("w{i}"), 0.05)).collect(),
    };
    assert!(
        why.describe().ends_with("w7 +0.050, … (2 more)"),
        "{}",
        why.describe()
    );
}

#[test]
fn a_cached_model_scores_as_the_built_one() {
    let dir = tempfile::tempdir().unwrap();
    let cb = two();
    let (built, cached) = cache::model_for(dir.path(), &cb, Params::default());
    assert!(!cached);
    let (read, cached) = cache::model_for(dir.path(), &cb, Params::default());
    assert!(cached);
    assert_eq!(read, built);
    // Another codebook (its hash) or other choices: built again, and the cache replaced.
    let other = Codebook {
        hash: "other".into(),
        ..two()
    };
    assert!(!cache::model_for(dir.path(), &other, Params::default()).1);
    let p = Params {
        against: 1.0,
        ..Params::default()
    };
    assert!(!cache::model_for(dir.path(), &other, p).1);
    std::fs::write(cache::cache_path(dir.path()), "not json").unwrap();
    assert!(!cache::model_for(dir.path(), &other, p).1);
}

#[test]
fn the_bundled_codebooks_model_reads_back_bit_for_bit() {
    // Decimal JSON would read some weights back a bit off, and reorder words of equal weight.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("codebook");
    let cb = crate::codebook::load_codebook(&dir).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let (built, _) = cache::model_for(cache.path(), &cb, Params::default());
    let (read, cached) = cache::model_for(cache.path(), &cb, Params::default());
    assert!(cached);
    assert!(read == built, "the cached model differs from the built one");
}

#[test]
fn ranked_assignment_adds_the_best_code_a_dimension_lacks() {
    let cb = codebook(vec![
        code("a", "Trust", "d"),
        code("b", "Money", "d"),
        code("c", "Council", "e"),
    ]);
    let m = Model::build(&cb, Params::default());
    let opts = RankOptions {
        top: 1,
        dimensions: vec!["d".into()],
        ..RankOptions::default()
    };
    let assign = RankAssign::new(m, cb, opts);
    let seg = Segment::for_test("x:1.1", "x", "money and the council");
    let c = hits("c", "council", 1);
    let got = crate::index::Assign::assign(&assign, &seg, vec![c.clone()]);
    let b = Evidence {
        code: "b".into(),
        ..Default::default()
    };
    assert_eq!(got, [b, c.clone()]);
    // A code the patterns gave already is not added twice.
    let b = hits("b", "money", 1);
    let got = crate::index::Assign::assign(&assign, &seg, vec![b.clone(), c.clone()]);
    assert_eq!(got, [b, c]);
}

#[test]
fn proposals_replace_earlier_ones_on_the_segments_covered() {
    use crate::codings::{CodingRow, Status};
    let seg = Segment::for_test("x:1.1", "x", "money");
    let s = |code: &str, suggested| Suggestion {
        segment_id: "x:1.1".into(),
        code: code.into(),
        code_label: String::new(),
        dimension: "d".into(),
        rank: 1,
        score: 0.5,
        suggested,
        why: Why {
            patterns: 0.0,
            hits: vec![],
            words: 0.0,
            terms: vec![],
        },
    };
    let rows = proposals(&[s("a", true), s("b", false)], &[&seg]);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].code.as_str(),
            rows[0].coder.as_str(),
            rows[0].status
        ),
        ("a", SUGGESTED, Status::Proposed)
    );
    assert_eq!(rows[0].text, "money");
    let old = |seg: &str, code: &str, status| CodingRow {
        segment_id: seg.into(),
        code: code.into(),
        coder: SUGGESTED.into(),
        status,
        ..Default::default()
    };
    let existing = [
        old("x:1.1", "a", Status::Proposed),
        old("x:1.1", "c", Status::Proposed),
        old("x:1.1", "d", Status::Accepted),
        old("y:1.1", "c", Status::Proposed),
    ];
    let covered = ["x:1.1"].into_iter().collect();
    let gone = withdrawn(&existing, &covered, &rows);
    assert_eq!(gone.len(), 1);
    assert_eq!(
        (gone[0].segment_id.as_str(), gone[0].code.as_str()),
        ("x:1.1", "c")
    );
}
