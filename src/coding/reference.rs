//! The reference matcher: the pattern semantics written as plainly as possible (every pattern
//! tried at every word), slow and obviously right. Property tests check that the fast matcher
//! gives exactly the same codings and spans on random codebooks and texts.

use super::{Coding, Hit};
use crate::codebook::pattern::glob_match;
use crate::codebook::{Codebook, Elem, PatternKind};
use crate::text::tokens::{tokenize, Token};

fn elem_matches(e: &Elem, t: &Token, stem: bool) -> bool {
    match e {
        Elem::Word(w) => (if stem { &t.stem } else { &t.norm }) == w,
        Elem::Glob(g) => glob_match(g, &t.norm),
    }
}

fn occurrences(seq: &[Elem], toks: &[Token], stem: bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for i in 0..toks.len() {
        if i + seq.len() <= toks.len()
            && (0..seq.len()).all(|k| elem_matches(&seq[k], &toks[i + k], stem))
        {
            out.push((i, i + seq.len()));
        }
    }
    out
}

/// NEAR as the README states it: take occurrences in text order; an unused one pairs with the
/// nearest unused occurrence of the other side starting after it, at most `within` words later.
fn near(left: &[(usize, usize)], right: &[(usize, usize)], within: usize) -> Vec<(usize, usize)> {
    let mut events: Vec<((usize, usize), usize, usize)> = Vec::new(); // (span, side, index)
    for (i, &sp) in left.iter().enumerate() {
        events.push((sp, 0, i));
    }
    for (i, &sp) in right.iter().enumerate() {
        events.push((sp, 1, i));
    }
    events.sort();
    let mut used = [vec![false; left.len()], vec![false; right.len()]];
    let mut hits = Vec::new();
    for &((s, e), side, i) in &events {
        if used[side][i] {
            continue;
        }
        let other = if side == 0 { right } else { left };
        let mut best: Option<usize> = None;
        for (j, &(os, oe)) in other.iter().enumerate() {
            if used[1 - side][j] || os < e || os - e > within {
                continue;
            }
            let better = match best {
                None => true,
                Some(b) => (os, oe, j) < (other[b].0, other[b].1, b),
            };
            if better {
                best = Some(j);
            }
        }
        if let Some(j) = best {
            used[side][i] = true;
            used[1 - side][j] = true;
            hits.push((s, other[j].1));
        }
    }
    hits.sort();
    hits
}

pub fn reference_code(cb: &Codebook, text: &str) -> Vec<Coding> {
    let stem = cb.options.stem;
    let toks = tokenize(text, cb.options);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let char_of = |b: usize| {
        chars
            .iter()
            .position(|&(cb, _)| cb == b)
            .unwrap_or(chars.len()) as u32
    };
    let mut out = Vec::new();
    for (ci, code) in cb.codes.iter().enumerate() {
        let spans_of = |p: &crate::codebook::Pattern| -> Vec<(u32, u32)> {
            match &p.kind {
                PatternKind::Seq(seq) => occurrences(seq, &toks, stem)
                    .into_iter()
                    .map(|(s, e)| (toks[s].start as u32, toks[e - 1].end as u32))
                    .collect(),
                PatternKind::Near {
                    left,
                    right,
                    within,
                } => near(
                    &occurrences(left, &toks, stem),
                    &occurrences(right, &toks, stem),
                    *within,
                )
                .into_iter()
                .map(|(s, e)| (toks[s].start as u32, toks[e - 1].end as u32))
                .collect(),
                PatternKind::Regex(re) => re
                    .find_iter(text)
                    .filter(|m| !m.is_empty())
                    .map(|m| (char_of(m.start()), char_of(m.end())))
                    .collect(),
            }
        };
        let excluded: Vec<(u32, u32)> = code.exclude.iter().flat_map(&spans_of).collect();
        let mut candidates: Vec<Hit> = Vec::new();
        for (pi, p) in code.patterns.iter().enumerate() {
            for (s, e) in spans_of(p) {
                if excluded.iter().all(|&(xs, xe)| xe <= s || e <= xs) {
                    candidates.push(Hit {
                        pattern: pi as u32,
                        start: s,
                        end: e,
                    });
                }
            }
        }
        // Leftmost first; at the same start the longest; then the earlier pattern.
        candidates.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end - h.start), h.pattern));
        let mut kept: Vec<Hit> = Vec::new();
        for h in candidates {
            if kept.iter().all(|k| k.end <= h.start || h.end <= k.start) {
                kept.push(h);
            }
        }
        if !kept.is_empty() && kept.len() >= code.min_hits {
            out.push(Coding {
                code: ci as u32,
                hits: kept,
            });
        }
    }
    out
}

/// The dictionary semantics, plainly: every entry tried at every character of the text; a
/// match needs a non-word character (or the text's edge) before it and, unless it is a glob,
/// after it; a glob extends to the end of its word. Hits as (code, pattern, start, end) in
/// characters, sorted as the fast matcher sorts them.
pub fn reference_dictionary(cb: &Codebook, text: &str) -> Vec<(u32, u32, u32, u32)> {
    let chars: Vec<char> = text.chars().collect();
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let fold = !cb.options.case_sensitive;
    let same = |a: char, b: char| {
        if fold {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let mut out = Vec::new();
    for (ci, code) in cb.codes.iter().enumerate() {
        for (pi, p) in code.patterns.iter().enumerate() {
            let e = crate::codebook::dictionary_entry(&p.text).unwrap();
            let key: Vec<char> = e.key.chars().collect();
            for s in 0..chars.len() {
                let end = s + key.len();
                if end > chars.len() || !key.iter().zip(&chars[s..end]).all(|(&k, &t)| same(k, t)) {
                    continue;
                }
                if s > 0 && word(chars[s - 1]) {
                    continue;
                }
                let mut stop = end;
                if e.glob {
                    while stop < chars.len() && word(chars[stop]) {
                        stop += 1;
                    }
                } else if end < chars.len() && word(chars[end]) {
                    continue;
                }
                out.push((ci as u32, pi as u32, s as u32, stop as u32));
            }
        }
    }
    out.sort_unstable_by_key(|&(c, p, s, e)| (c, s, e, p));
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codebook::{Code, Pattern};
    use crate::coding::Matcher;
    use crate::text::tokens::TokenOptions;

    const WORDS: &[&str] = &[
        "trust",
        "trusted",
        "Trusting",
        "council",
        "council's",
        "councils",
        "meet",
        "meeting",
        "listen",
        "listened",
        "local",
        "honest",
        "co-production",
        "win",
        "wins",
        "early",
        "the",
        "we",
        "Local",
        "officers",
        "don't",
        "Council’s",
        "TRUST",
        "naïve",
        // Words whose stems do not begin with their first three bytes, and short words: the
        // cases of the matcher's prefilter (src/coding/prefilter.rs).
        "dying",
        "die",
        "Dies",
        "using",
        "use",
        "sky",
        "skies",
        "cry",
        "cried",
        "ebbing",
        "ebb",
        "x",
        "ab",
    ];

    fn word() -> impl Strategy<Value = String> {
        prop::sample::select(WORDS).prop_map(str::to_string)
    }

    /// A pattern element as written: a word, a prefix glob, a glob with `?`, or `*`.
    fn elem() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => word(),
            2 => (word(), 1usize..4).prop_map(|(w, n)| {
                let w: String = w.to_lowercase().chars().filter(|c| c.is_alphabetic()).take(n).collect();
                format!("{w}*")
            }),
            1 => word().prop_map(|w| {
                let mut c: Vec<char> = w.to_lowercase().chars().filter(|c| c.is_alphabetic()).collect();
                if c.len() > 1 { c[1] = '?'; }
                c.into_iter().collect()
            }),
            1 => Just("*".to_string()),
        ]
    }

    fn seq() -> impl Strategy<Value = String> {
        prop::collection::vec(elem(), 1..4).prop_map(|es| {
            if es.len() == 1 {
                es[0].clone()
            } else {
                format!("\"{}\"", es.join(" "))
            }
        })
    }

    fn pattern() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => seq(),
            2 => (seq(), seq(), 1usize..5).prop_map(|(a, b, n)| format!("{a} NEAR/{n} {b}")),
            1 => Just("/trust\\w*|meet/".to_string()),
            1 => Just("/local council/".to_string()),
        ]
    }

    fn codebook() -> impl Strategy<Value = Codebook> {
        let code = (
            prop::collection::vec(pattern(), 1..5),
            prop::collection::vec(pattern(), 0..2),
            1usize..3,
        );
        // Case-sensitive one time in four.
        let cs = prop::sample::select(&[false, false, false, true][..]);
        (prop::collection::vec(code, 1..4), any::<bool>(), cs).prop_map(|(codes, stem, cs)| {
            let opts = TokenOptions {
                stem,
                case_sensitive: cs,
                language: crate::text::Language::English,
            };
            let mut cb = Codebook::empty();
            cb.options = opts;
            for (i, (pats, excl, min_hits)) in codes.into_iter().enumerate() {
                let parse = |ps: Vec<String>| -> Vec<Pattern> {
                    ps.iter()
                        .filter_map(|p| Pattern::parse(p, opts).ok())
                        .collect()
                };
                let mut code = Code::new(&format!("c{i}"), &format!("Code {i}"), "code");
                code.patterns = parse(pats);
                code.exclude = parse(excl);
                code.min_hits = min_hits;
                cb.codes.push(code);
            }
            cb
        })
    }

    fn text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            6 => word(),
            1 => Just(",".to_string()),
            1 => Just("—".to_string()),
            1 => Just("café".to_string()),
            1 => Just("\n".to_string()),
        ];
        prop::collection::vec(piece, 0..30).prop_map(|ps| ps.join(" "))
    }

    /// A random counting dictionary: words, phrases and trailing globs drawn from the same
    /// words as the texts, so they hit, overlap and repeat across codes.
    fn dictionary() -> impl Strategy<Value = Codebook> {
        let entry = prop_oneof![
            3 => word(),
            2 => (word(), 1usize..5).prop_map(|(w, n)| {
                let w: String = w.chars().filter(|c| c.is_ascii_alphanumeric()).take(n).collect();
                if w.is_empty() { "trust*".to_string() } else { format!("{w}*") }
            }),
            2 => prop::collection::vec(word(), 2..4).prop_map(|ws| format!("\"{}\"", ws.join(" "))),
        ];
        let code = (prop::collection::vec(entry, 1..6), 1usize..3);
        (prop::collection::vec(code, 1..4), any::<bool>()).prop_map(|(codes, case_sensitive)| {
            let opts = TokenOptions {
                stem: false,
                case_sensitive,
                language: crate::text::Language::English,
            };
            let mut cb = Codebook::empty();
            cb.options = opts;
            cb.matching = crate::codebook::Matching::Dictionary;
            for (i, (pats, min_hits)) in codes.into_iter().enumerate() {
                let mut code = Code::new(&format!("c{i}"), &format!("Code {i}"), "code");
                code.patterns = pats
                    .iter()
                    .map(|p| Pattern {
                        text: p.clone(),
                        kind: PatternKind::Seq(Vec::new()),
                    })
                    .collect();
                code.min_hits = min_hits;
                cb.codes.push(code);
            }
            cb
        })
    }

    fn dictionary_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            6 => word(),
            1 => Just(",".to_string()),
            1 => Just("’".to_string()),
            1 => Just("café".to_string()),
            1 => Just("_".to_string()),
            1 => Just("TRUST".to_string()),
        ];
        let sep = prop_oneof![4 => Just(" "), 1 => Just(""), 1 => Just("-")];
        prop::collection::vec((piece, sep), 0..30)
            .prop_map(|ps| ps.into_iter().map(|(p, s)| format!("{p}{s}")).collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn dictionary_matcher_equals_reference(cb in dictionary(), texts in prop::collection::vec(dictionary_text(), 1..4)) {
            let m = crate::coding::dictionary::DictionaryMatcher::new(&cb).unwrap();
            for t in &texts {
                let fast = m.raw_hits(t);
                prop_assert_eq!(&fast, &reference_dictionary(&cb, t), "text: {:?}", t);
                // Counting gives the same totals as listing.
                let mut counts = vec![0u32; cb.codes.len()];
                m.count(t, &mut counts);
                for (ci, n) in counts.iter().enumerate() {
                    prop_assert_eq!(*n as usize, fast.iter().filter(|h| h.0 == ci as u32).count());
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn fast_matcher_equals_reference(cb in codebook(), texts in prop::collection::vec(text(), 1..4)) {
            let m = Matcher::new(&cb).unwrap();
            for t in &texts {
                prop_assert_eq!(m.code(t), reference_code(&cb, t), "text: {:?}", t);
            }
        }

        /// The word cache is per thread and per compiled codebook: two codebooks used in turn
        /// on one thread must each see their own words' elements, every time.
        #[test]
        fn matchers_used_in_turn_keep_their_own_words(
            a in codebook(), b in codebook(), texts in prop::collection::vec(text(), 1..4)
        ) {
            let (ma, mb) = (Matcher::new(&a).unwrap(), Matcher::new(&b).unwrap());
            for _ in 0..2 {
                for t in &texts {
                    prop_assert_eq!(ma.code(t), reference_code(&a, t), "text: {:?}", t);
                    prop_assert_eq!(mb.code(t), reference_code(&b, t), "text: {:?}", t);
                }
            }
        }
    }

    #[test]
    fn a_few_cases_by_hand() {
        let opts = TokenOptions {
            stem: true,
            case_sensitive: false,
            language: crate::text::Language::English,
        };
        let mut cb = Codebook::empty();
        cb.options = opts;
        let p = |s: &str| Pattern::parse(s, opts).unwrap();
        let mut code = Code::new("trust", "Trust", "component");
        code.patterns = vec![
            p("trust"),
            p("\"trust fund\""),
            p("honest* NEAR/2 council*"),
        ];
        code.exclude = vec![p("\"Local Trust\"")];
        cb.codes.push(code);
        let m = Matcher::new(&cb).unwrap();
        let hits = |t: &str| {
            m.code(t)
                .first()
                .map(|c| c.hits.clone())
                .unwrap_or_default()
        };
        // Stemming: trusted, trusting.
        assert_eq!(hits("We trusted them").len(), 1);
        // The funder is not trust.
        assert!(hits("Local Trust funded it").is_empty());
        // Longest match wins: "trust fund" once, not trust + trust fund.
        let h = hits("the trust fund");
        assert_eq!(
            h,
            vec![Hit {
                pattern: 1,
                start: 4,
                end: 14
            }]
        );
        // NEAR in either order, at most 2 words between.
        assert_eq!(hits("the council was very honest").len(), 1);
        assert!(hits("the council was not at all honest").is_empty());
        assert_eq!(m.code("trust trust").len(), 1);
        assert_eq!(m.code("trust trust")[0].hits.len(), 2);
    }
}
