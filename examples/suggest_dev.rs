//! The development runs behind the suggestions' choices (README, "Suggestions"): each variant of
//! the ranking scored on two dev sets, without the index or the command line.
//!
//! 1. The codebook's own examples, each held out in turn: the model is built without it, and
//!    the example is ranked among its dimension's codes by words alone (the patterns were
//!    written to match the examples, so they would give the answer away).
//! 2. Optionally, report quotes with a gold component (a CSV with `id`, `component` 1-5 and
//!    `text`, such as ../shared/data/report_quotes_dev.csv, which stays out of the repository),
//!    ranked with their pattern hits, as `qcode suggest` ranks them.
//!
//! 3. Optionally, the same quotes with another codebook's patterns: the bundled codebook before
//!    its patterns were widened on those quotes (commit 5d60a79, `git show
//!    5d60a79:codebook/components.toml`; the code texts are the same), a stand-in for quotes
//!    nobody fitted the patterns to.
//!
//! cargo run --release --example suggest_dev -- CODEBOOK_DIR [QUOTES.csv [UNFITTED_CODEBOOK_DIR]]

use qcode::codebook::{load, Codebook};
use qcode::coding::{evidence, Matcher};
use qcode::suggest::{pattern_part, rank, Idf, Model, Params, RankOptions, Score};

/// A variant: its name, the model's choices, and whether pattern hits count at all.
struct Variant {
    name: String,
    params: Params,
}

/// The variants tried, in the order they were tried (docs/suggestions-dev.md lists their
/// figures; those of the variants whose options qcode no longer has, naive Bayes, pattern
/// words and a spoken-English stop list, come from commit 27f538c's version of this file).
/// `first` is where the search started: cosine over every text of a code, words weighed by
/// their rarity among the codebook's texts, no stop words.
#[rustfmt::skip]
fn variants() -> Vec<Variant> {
    let first = Params {
        label: 1.0, definition: 1.0, use_when: 1.0, example: 1.0, dont_use_when: 1.0,
        counterexample: 1.0, clip: false, against: 0.5, patterns: 0.5, idf: Idf::Smooth,
        stop_words: false,
    };
    let none = Params { label: 0.0, definition: 0.0, use_when: 0.0, example: 0.0, dont_use_when: 0.0, counterexample: 0.0, ..first };
    let words = Params { patterns: 0.0, ..first };
    // After the first round: stop words, and rarity counted among codes.
    let c = Params { stop_words: true, idf: Idf::CodesSmooth, against: 0.0, ..words };
    let f = Params { example: 0.5, ..c };
    let g = Params { clip: true, against: 0.5, ..f };
    let v = |name: &str, params: Params| Variant { name: name.to_string(), params };
    let mut out = vec![
        v("patterns only", none),
        v("1. words, no warnings", Params { against: 0.0, ..words }),
        v("2. words, warnings 0.5", words),
        v("3. words, warnings 1", Params { against: 1.0, ..words }),
        v("4. words, warnings 0.25", Params { against: 0.25, ..words }),
        v("5. 2, probabilistic idf", Params { idf: Idf::Probabilistic, ..words }),
        v("6. 2, examples ×2", Params { example: 2.0, ..words }),
        v("7. 2, examples ×0.5", Params { example: 0.5, ..words }),
        v("8. 2, label ×0", Params { label: 0.0, ..words }),
        v("9. 2, definition and use_when ×2", Params { definition: 2.0, use_when: 2.0, ..words }),
    ];
    for b in [0.1, 0.25, 0.5, 1.0, 2.0] {
        out.push(v(&format!("10. 2 + patterns {b}"), Params { patterns: b, ..first }));
    }
    out.extend([
        v("17. 1, idf among codes", Params { idf: Idf::CodesSmooth, against: 0.0, ..words }),
        v("18. 1, probabilistic idf among codes", Params { idf: Idf::CodesProbabilistic, against: 0.0, ..words }),
        v("19. 18 + warnings 0.5", Params { idf: Idf::CodesProbabilistic, ..words }),
        v("20. 18 + warnings 0.25", Params { idf: Idf::CodesProbabilistic, against: 0.25, ..words }),
        v("21. 18, examples ×0.5", Params { idf: Idf::CodesProbabilistic, example: 0.5, against: 0.0, ..words }),
        v("22. 18, definition and use_when ×2", Params { idf: Idf::CodesProbabilistic, definition: 2.0, use_when: 2.0, against: 0.0, ..words }),
        v("B. 1 + stop words", Params { stop_words: true, against: 0.0, ..words }),
        v("C. B, idf among codes", c),
        v("D. B, probabilistic idf among codes", Params { idf: Idf::CodesProbabilistic, ..c }),
        v("E. B, probabilistic idf", Params { idf: Idf::Probabilistic, ..c }),
        v("C + warnings 0.25", Params { against: 0.25, ..c }),
        v("C + warnings 0.5", Params { against: 0.5, ..c }),
        v("F. C, examples ×0.5", f),
        v("C, examples ×2", Params { example: 2.0, ..c }),
        v("C, label ×2", Params { label: 2.0, ..c }),
        v("C, definition and use_when ×2", Params { definition: 2.0, use_when: 2.0, ..c }),
        v("F, examples ×0.35", Params { example: 0.35, ..f }),
        v("F, examples ×0.25", Params { example: 0.25, ..f }),
        v("F, label ×0.5", Params { label: 0.5, ..f }),
        v("F, label ×2", Params { label: 2.0, ..f }),
        v("F, use_when ×0", Params { use_when: 0.0, ..f }),
        v("F, definition ×0", Params { definition: 0.0, ..f }),
        v("F + warnings 0.25", Params { against: 0.25, ..f }),
        v("F + warnings 0.5", Params { against: 0.5, ..f }),
        v("F + warnings 1", Params { against: 1.0, ..f }),
        v("F + counterexamples only, 0.5", Params { dont_use_when: 0.0, against: 0.5, ..f }),
        v("F + dont_use_when only, 0.5", Params { counterexample: 0.0, against: 0.5, ..f }),
    ]);
    for w in [0.0, 0.5] {
        for b in [0.05, 0.1, 0.2, 0.3, 0.5, 1.0] {
            out.push(v(&format!("F + warnings {w} + patterns {b}"), Params { against: w, patterns: b, ..f }));
        }
    }
    out.extend([
        v("G. F + warnings 0.5, clipped", g),
        v("F + warnings 1, clipped", Params { against: 1.0, ..g }),
        v("F + warnings 2, clipped", Params { against: 2.0, ..g }),
    ]);
    for b in [0.1, 0.2, 0.3, 0.5, 1.0] {
        out.push(v(&format!("G + patterns {b}"), Params { patterns: b, ..g }));
    }
    out.push(v("chosen (Params::default())", Params::default()));
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::Path::new(args.get(1).expect("CODEBOOK_DIR"));
    let (codebook, _) = load(dir).unwrap_or_else(|e| panic!("{}", e[0]));
    let quotes = args.get(2).map(|p| read_quotes(std::path::Path::new(p)));
    // The codebook with patterns nobody fitted to the quotes: a stand-in for unseen quotes.
    let unfitted = args.get(3).map(|d| {
        load(std::path::Path::new(d))
            .unwrap_or_else(|e| panic!("{}", e[0]))
            .0
    });
    if std::env::var_os("SUGGEST_DEBUG").is_some() {
        let p = Params {
            patterns: 0.0,
            ..Params::default()
        };
        debug(&codebook, &p, quotes.as_deref().unwrap_or(&[]));
        return;
    }
    println!("| variant | examples top-1 | examples top-2 | component examples top-1 | counterexamples kept off top-1 | dev quotes top-1 | top-2 | uncoded | unfitted patterns: top-1 | top-2 | uncoded |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for v in variants() {
        let (n, t1, t2, cn, c1) = held_out(&codebook, &v.params);
        let (xn, xoff) = counter_held_out(&codebook, &v.params);
        let dev = match &quotes {
            Some(q) => {
                let (n, t1, t2, unc) = dev_quotes(&codebook, &v.params, q);
                format!("{} | {} | {unc}", pct(t1, n), pct(t2, n))
            }
            None => "- | - | -".into(),
        };
        let unfitted = match (&quotes, &unfitted) {
            (Some(q), Some(cb)) => {
                let (n, t1, t2, unc) = dev_quotes(cb, &v.params, q);
                format!("{} | {} | {unc}", pct(t1, n), pct(t2, n))
            }
            _ => "- | - | -".into(),
        };
        println!(
            "| {} | {} | {} | {} | {} | {dev} | {unfitted} |",
            v.name,
            pct(t1, n),
            pct(t2, n),
            pct(c1, cn),
            pct(xoff, xn)
        );
    }
}

fn pct(k: usize, n: usize) -> String {
    format!("{:.0}% ({k}/{n})", 100.0 * k as f64 / n.max(1) as f64)
}

/// Every example of every codable code held out and ranked by words alone: (examples, top-1,
/// top-2, component examples, component top-1).
fn held_out(codebook: &Codebook, params: &Params) -> (usize, usize, usize, usize, usize) {
    let words_only = Params {
        patterns: 0.0,
        ..*params
    };
    let (mut n, mut t1, mut t2, mut cn, mut c1) = (0, 0, 0, 0, 0);
    for (ci, code) in codebook.codes.iter().enumerate() {
        if !code.codable {
            continue;
        }
        for ei in 0..code.examples.len() {
            let mut cb = codebook.clone();
            let text = cb.codes[ci].examples.remove(ei);
            let model = Model::build(&cb, words_only);
            let scores = model.scores(&model.read(&text), &[]);
            let order = ranked_in(&cb, &scores, &code.dimension, 0.0);
            n += 1;
            t1 += usize::from(order.first() == Some(&ci));
            t2 += usize::from(order.iter().take(2).any(|&c| c == ci));
            if code.dimension == "component" {
                cn += 1;
                c1 += usize::from(order.first() == Some(&ci));
            }
        }
    }
    (n, t1, t2, cn, c1)
}

/// Every counterexample held out and ranked by words alone: (counterexamples, those whose code
/// is not ranked first).
fn counter_held_out(codebook: &Codebook, params: &Params) -> (usize, usize) {
    let words_only = Params {
        patterns: 0.0,
        ..*params
    };
    let (mut n, mut off) = (0, 0);
    for (ci, code) in codebook.codes.iter().enumerate() {
        if !code.codable {
            continue;
        }
        for ei in 0..code.counterexamples.len() {
            let mut cb = codebook.clone();
            let text = cb.codes[ci].counterexamples.remove(ei);
            let model = Model::build(&cb, words_only);
            let scores = model.scores(&model.read(&text), &[]);
            let order = ranked_in(&cb, &scores, &code.dimension, 0.0);
            n += 1;
            off += usize::from(order.first() != Some(&ci));
        }
    }
    (n, off)
}

/// Codes of `dimension` best first; `words_weight` 0 ranks by patterns alone.
fn ranked_in(cb: &Codebook, scores: &[Score], dimension: &str, _unused: f64) -> Vec<usize> {
    let opts = RankOptions {
        top: usize::MAX,
        dimensions: vec![dimension.to_string()],
        ..RankOptions::default()
    };
    rank(cb, scores, &opts)
        .into_iter()
        .map(|r| r.score.code as usize)
        .collect()
}

struct Quote {
    component: usize,
    text: String,
}

fn read_quotes(path: &std::path::Path) -> Vec<Quote> {
    let mut rdr = csv::Reader::from_path(path).expect("quotes CSV");
    let header = rdr.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).expect(n);
    let (c, t) = (col("component"), col("text"));
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            Quote {
                component: r[c].parse().unwrap(),
                text: r[t].to_string(),
            }
        })
        .collect()
}

/// The dev quotes ranked among the components with their pattern hits: (quotes, top-1, top-2,
/// uncoded). The gold component n is the codebook's n-th component.
fn dev_quotes(
    codebook: &Codebook,
    params: &Params,
    quotes: &[Quote],
) -> (usize, usize, usize, usize) {
    let model = Model::build(codebook, *params);
    let matcher = Matcher::new(codebook).unwrap();
    let components: Vec<usize> = (0..codebook.codes.len())
        .filter(|&i| codebook.codes[i].dimension == "component")
        .collect();
    let (mut t1, mut t2, mut unc) = (0, 0, 0);
    for q in quotes {
        let ev = evidence(codebook, &q.text, &matcher.code(&q.text));
        let mut scores = model.scores(&model.read(&q.text), &ev);
        // The patterns-only variant has no words: a quote no pattern reaches is uncoded.
        let words_off = params.label + params.definition + params.use_when + params.example == 0.0;
        if words_off {
            scores.retain(|s| s.hits > 0);
            for s in &mut scores {
                s.patterns = pattern_part(1.0, s.hits);
            }
        }
        let order = ranked_in(codebook, &scores, "component", 0.0);
        if order.is_empty() {
            unc += 1;
            continue;
        }
        let gold = components[q.component - 1];
        t1 += usize::from(order[0] == gold);
        t2 += usize::from(order.iter().take(2).any(|&c| c == gold));
    }
    (quotes.len(), t1, t2, unc)
}

/// With SUGGEST_DEBUG set: each dev quote's ranking by words alone, and the words behind it.
fn debug(codebook: &Codebook, params: &Params, quotes: &[Quote]) {
    let model = Model::build(codebook, *params);
    let components: Vec<usize> = (0..codebook.codes.len())
        .filter(|&i| codebook.codes[i].dimension == "component")
        .collect();
    for (qi, q) in quotes.iter().enumerate() {
        let seg = model.read(&q.text);
        let scores = model.scores(&seg, &[]);
        let order = ranked_in(codebook, &scores, "component", 0.0);
        let gold = components[q.component - 1];
        println!(
            "q#{qi} gold {} got {:?}",
            codebook.codes[gold].id,
            order
                .iter()
                .take(3)
                .map(|&c| {
                    let s = scores.iter().find(|s| s.code as usize == c).unwrap();
                    format!("{} {:.3}", codebook.codes[c].id, s.words)
                })
                .collect::<Vec<_>>()
        );
        for &c in order.iter().take(1).chain(std::iter::once(&gold)) {
            let w = model.words(&seg, c as u32);
            println!(
                "   {}: {:?}",
                codebook.codes[c].id,
                w.iter()
                    .take(8)
                    .map(|(w, x)| format!("{w} {x:.3}"))
                    .collect::<Vec<_>>()
            );
        }
    }
}
