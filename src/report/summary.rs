//! What the report shows, aggregated as the corpus streams past: counts per role and per code,
//! the dimension × role table, each code's top quotes (capped) and the uncoded segments as a
//! count plus a small sample. Only the capped quotes and the sample keep any text, so memory
//! does not grow with the corpus beyond the counts (one entry per interview, role and code).

use std::collections::{BTreeMap, BTreeSet};

use crate::codebook::Codebook;
use crate::export::{Dataset, Item};
use crate::index::{IndexError, Load, SearchIndex};

/// Segments read per window from the index: bounds memory whatever the corpus size.
const WINDOW: usize = 32_768;

/// The characters of an uncoded segment's text the sample keeps.
pub const SAMPLE_CHARS: usize = 240;

/// A segment as the report shows it: its id, attribution and (unmasked) text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub id: String,
    pub attribution: String,
    pub text: String,
}

/// One of a code's top quotes: the hits of the code (and its descendants) in the segment, and
/// the segment's place in corpus order (the tie-break).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub hits: u32,
    pub order: u64,
    pub segment: Shown,
}

/// How many quotes and uncoded samples to keep, and which dimension the heatmap shows.
#[derive(Debug, Clone)]
pub struct Limits {
    pub dimension: String,
    pub quotes_per_code: usize,
    pub uncoded_sample: usize,
}

/// The report's numbers and the few segments it quotes.
#[derive(Debug, Clone)]
pub struct Summary {
    pub codebook: Codebook,
    pub limits: Limits,
    /// Distinct interviews with a respondent segment.
    pub interviews: BTreeSet<String>,
    /// Respondent segments.
    pub segments: u64,
    /// Respondent segments with at least one coding.
    pub coded: u64,
    /// Respondent segments per speaker role label.
    pub roles: BTreeMap<String, u64>,
    /// Segments reaching each code (a parent counts its children's), by codebook index.
    pub per_code: Vec<u64>,
    /// Segments reaching each code of the dimension, by code index then role label.
    pub cells: BTreeMap<(usize, String), u64>,
    /// Per role, its segments reaching any code of the dimension (each counted once).
    pub role_coded: BTreeMap<String, u64>,
    /// Each code's top quotes, best first: most hits, then corpus order.
    pub quotes: Vec<Vec<Quote>>,
    /// Respondent segments no code reached.
    pub uncoded: u64,
    /// The first `uncoded_sample` of them in corpus order, whole (the page cuts them to
    /// [`SAMPLE_CHARS`] after masking: [`cut`]).
    pub uncoded_sample: Vec<Shown>,
}

impl Summary {
    pub fn new(codebook: Codebook, limits: Limits) -> Summary {
        let n = codebook.codes.len();
        Summary {
            codebook,
            limits,
            interviews: BTreeSet::new(),
            segments: 0,
            coded: 0,
            roles: BTreeMap::new(),
            per_code: vec![0; n],
            cells: BTreeMap::new(),
            role_coded: BTreeMap::new(),
            quotes: vec![Vec::new(); n],
            uncoded: 0,
            uncoded_sample: Vec::new(),
        }
    }

    /// The summary of a whole dataset held in memory.
    pub fn of(ds: &Dataset, limits: Limits) -> Summary {
        let mut s = Summary::new(ds.codebook.clone(), limits);
        s.add(ds);
        s
    }

    /// Reads the index's respondent segments a window at a time, in corpus order.
    pub fn read(index: &SearchIndex, limits: Limits) -> Result<Summary, IndexError> {
        let load = Load {
            respondents_only: true,
            text: true,
            // Hits are counted either way; the matched words are not shown.
            evidence: false,
        };
        let mut s = Summary::new(index.codebook().clone(), limits);
        for addrs in index.ordered_addresses()?.chunks(WINDOW) {
            let segments = index.segments_at(addrs, load, None)?;
            s.add(&Dataset::new(index.codebook().clone(), segments));
        }
        Ok(s)
    }

    /// Adds the items of `ds`, which come after every item added so far in corpus order.
    pub fn add(&mut self, ds: &Dataset) {
        for item in &ds.items {
            let order = self.segments;
            self.segments += 1;
            self.count(item);
            if item.codings.is_empty() {
                self.uncoded += 1;
                if self.uncoded_sample.len() < self.limits.uncoded_sample {
                    // Whole: it is cut when shown, after masking, so no part of a name
                    // survives a cut (there are at most `uncoded_sample` of them).
                    self.uncoded_sample.push(shown(item));
                }
                continue;
            }
            self.coded += 1;
            for &(ci, hits) in &item.reached {
                self.per_code[ci] += 1;
                self.offer(ci, hits, order, item);
            }
        }
    }

    /// The counts one item adds: its interview, role and its codes of the dimension.
    fn count(&mut self, item: &Item) {
        let seg = &item.segment;
        if !self.interviews.contains(&seg.interview) {
            self.interviews.insert(seg.interview.clone());
        }
        *self.roles.entry(seg.role_label.clone()).or_default() += 1;
        let mut in_dimension = false;
        for &(ci, _) in &item.reached {
            if self.codebook.codes[ci].dimension == self.limits.dimension {
                in_dimension = true;
                *self.cells.entry((ci, seg.role_label.clone())).or_default() += 1;
            }
        }
        if in_dimension {
            *self.role_coded.entry(seg.role_label.clone()).or_default() += 1;
        }
    }

    /// Keeps the segment among code `ci`'s top quotes if it ranks in the cap: most hits first,
    /// then earliest in corpus order (so later segments never displace an equal earlier one).
    fn offer(&mut self, ci: usize, hits: u32, order: u64, item: &Item) {
        let cap = self.limits.quotes_per_code;
        let top = &mut self.quotes[ci];
        let at = top.partition_point(|q| {
            (q.hits, std::cmp::Reverse(q.order)) >= (hits, std::cmp::Reverse(order))
        });
        if at >= cap {
            return;
        }
        top.insert(
            at,
            Quote {
                hits,
                order,
                segment: shown(item),
            },
        );
        top.truncate(cap);
    }

    /// The share (in percent) of `role`'s segments coded in the dimension that reach code `ci`.
    pub fn role_share(&self, role: &str, ci: usize) -> f64 {
        let n = self
            .cells
            .get(&(ci, role.to_string()))
            .copied()
            .unwrap_or(0);
        match self.role_coded.get(role) {
            Some(&t) if t > 0 => 100.0 * n as f64 / t as f64,
            _ => 0.0,
        }
    }
}

fn shown(item: &Item) -> Shown {
    Shown {
        id: item.segment.id.clone(),
        attribution: item.segment.attribution(),
        text: item.segment.text.clone(),
    }
}

/// The first [`SAMPLE_CHARS`] characters of `text`, with an ellipsis when there was more.
pub fn cut(text: &str) -> String {
    let mut out: String = text.chars().take(SAMPLE_CHARS).collect();
    if text.chars().nth(SAMPLE_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::{Evidence, EvidenceHit};
    use crate::transcript::Segment;

    const CODEBOOK: &str = r#"
[codebook]
name = "t"
version = "1"

[codes.trust]
label = "Trust"
dimension = "component"
patterns = ["trust"]
examples = ["trust"]

[codes.money]
label = "Money"
dimension = "component"
patterns = ["money"]
examples = ["money"]
"#;

    fn codebook() -> Codebook {
        crate::codebook::load_texts(
            std::path::Path::new("c"),
            vec![("c/a.toml".into(), CODEBOOK.to_string())],
        )
        .unwrap()
        .0
    }

    /// Segment `n` (paragraph `n` of interview i1) by `role`, with `hits` hits per code.
    fn seg(n: u32, role: &str, codes: &[(&str, usize)]) -> (Segment, Vec<Evidence>) {
        let mut s = Segment::for_test(&format!("i1:1.{n}"), "i1", &format!("text {n}"));
        s.paragraph = n;
        s.role_label = role.into();
        let ev = codes
            .iter()
            .map(|&(c, hits)| Evidence {
                code: c.into(),
                hits: vec![EvidenceHit::default(); hits],
                ..Evidence::default()
            })
            .collect();
        (s, ev)
    }

    fn limits(quotes: usize, sample: usize) -> Limits {
        Limits {
            dimension: "component".into(),
            quotes_per_code: quotes,
            uncoded_sample: sample,
        }
    }

    fn ids(quotes: &[Quote]) -> Vec<&str> {
        quotes.iter().map(|q| q.segment.id.as_str()).collect()
    }

    #[test]
    fn quotes_are_capped_most_hits_first_then_corpus_order() {
        let segs = vec![
            seg(1, "Resident", &[("trust", 1)]),
            seg(2, "Resident", &[("trust", 3)]),
            seg(3, "Resident", &[("trust", 1)]),
            seg(4, "Resident", &[("trust", 3)]),
            seg(5, "Resident", &[("trust", 2)]),
        ];
        let s = Summary::of(&Dataset::new(codebook(), segs.clone()), limits(3, 10));
        assert_eq!(ids(&s.quotes[0]), ["i1:1.2", "i1:1.4", "i1:1.5"]);
        assert_eq!(s.per_code[0], 5);
        // The same whether the corpus comes in one window or one segment at a time.
        let mut w = Summary::new(codebook(), limits(3, 10));
        for one in segs {
            w.add(&Dataset::new(codebook(), vec![one]));
        }
        assert_eq!(w.quotes, s.quotes);
        // A cap of 0 keeps none, yet every segment is counted.
        let none = Summary::of(
            &Dataset::new(codebook(), vec![seg(1, "R", &[("trust", 1)])]),
            limits(0, 10),
        );
        assert!(none.quotes[0].is_empty());
        assert_eq!(none.per_code[0], 1);
    }

    #[test]
    fn uncoded_segments_are_counted_and_the_first_few_kept_cut() {
        let mut segs: Vec<_> = (1..=25).map(|n| seg(n, "Resident", &[])).collect();
        segs.insert(0, seg(26, "Resident", &[("money", 1)]));
        let s = Summary::of(&Dataset::new(codebook(), segs), limits(3, 4));
        assert_eq!((s.uncoded, s.coded, s.segments), (25, 1, 26));
        // The first four in corpus order (interview, turn, paragraph), not in the order given.
        let sample: Vec<&str> = s.uncoded_sample.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(sample, ["i1:1.1", "i1:1.2", "i1:1.3", "i1:1.4"]);
        // A long segment is kept whole, and cut to its first characters (with an ellipsis)
        // when shown.
        let mut long = seg(1, "Resident", &[]);
        long.0.text = "x".repeat(SAMPLE_CHARS + 5);
        let s = Summary::of(&Dataset::new(codebook(), vec![long]), limits(3, 4));
        assert_eq!(s.uncoded_sample[0].text.chars().count(), SAMPLE_CHARS + 5);
        let shown = cut(&s.uncoded_sample[0].text);
        assert_eq!(shown.chars().count(), SAMPLE_CHARS + 1);
        assert!(shown.ends_with('…'));
    }

    /// The sample is masked before it is cut: a name the cut would split never shows in part.
    #[test]
    fn a_name_at_the_cut_is_masked_whole() {
        let mut long = seg(1, "Resident", &[]);
        long.0.text = format!("{} Okafor spoke at length.", "x".repeat(SAMPLE_CHARS - 4));
        let s = Summary::of(&Dataset::new(codebook(), vec![long]), limits(3, 4));
        let opts = crate::report::ReportOptions {
            title: "t".into(),
            redactor: crate::privacy::Redactor::new("", &["Maya Okafor".to_string()]).unwrap(),
            coders: None,
        };
        let page = crate::report::render(&s, &opts);
        assert!(!page.contains("Oka"), "part of a name survived the cut");
        assert!(page.contains("[RE"), "the mask is what was cut");
    }

    #[test]
    fn role_shares_are_of_the_roles_segments_coded_in_the_dimension() {
        let segs = vec![
            seg(1, "Resident", &[("trust", 1), ("money", 1)]),
            seg(2, "Resident", &[("trust", 1)]),
            seg(3, "Resident", &[("money", 1)]),
            seg(4, "Resident", &[("trust", 1)]),
            seg(5, "Resident", &[]),
            seg(6, "Officer", &[("money", 1)]),
        ];
        let s = Summary::of(&Dataset::new(codebook(), segs), limits(3, 10));
        // Resident: 4 coded segments, 3 touch trust and 2 money (one touches both).
        assert_eq!(s.role_coded["Resident"], 4);
        assert_eq!(s.role_share("Resident", 0), 75.0);
        assert_eq!(s.role_share("Resident", 1), 50.0);
        assert_eq!(s.role_share("Officer", 1), 100.0);
        assert_eq!(s.role_share("Officer", 0), 0.0);
        assert_eq!(s.role_share("Nobody", 0), 0.0);
        assert_eq!(s.roles["Resident"], 5);
    }
}
