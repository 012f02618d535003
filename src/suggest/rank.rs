//! Ranking: each dimension's codes ordered by score for one segment, the best kept, and each
//! kept code's evidence (the pattern hits and the shared words, with what each adds).

use rayon::prelude::*;

use super::model::Model;
use super::score::Score;
use crate::codebook::Codebook;
use crate::coding::Evidence;
use crate::transcript::Segment;

/// A code's place among its dimension's codes for one segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranked {
    pub score: Score,
    /// 1 for the best code of its dimension.
    pub rank: usize,
    /// Whether the score reaches the threshold asked for.
    pub suggested: bool,
}

/// Which codes to rank and how many to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct RankOptions {
    /// Codes kept per dimension.
    pub top: usize,
    /// A code is suggested when its score is at least this.
    pub min_score: f64,
    /// Only codes of these dimensions (empty: every dimension).
    pub dimensions: Vec<String>,
    /// Only these codes and their descendants (empty: every code).
    pub codes: Vec<String>,
}

impl Default for RankOptions {
    fn default() -> RankOptions {
        RankOptions {
            top: 2,
            min_score: 0.0,
            dimensions: Vec::new(),
            codes: Vec::new(),
        }
    }
}

impl RankOptions {
    /// Whether these options let code `i` of `codebook` be ranked.
    pub fn allows(&self, codebook: &Codebook, i: usize) -> bool {
        let code = &codebook.codes[i];
        let dim_ok = self.dimensions.is_empty()
            || self
                .dimensions
                .iter()
                .any(|d| d.eq_ignore_ascii_case(&code.dimension));
        let code_ok = self.codes.is_empty()
            || codebook
                .ancestors_and_self(&code.id)
                .iter()
                .any(|a| self.codes.contains(a));
        dim_ok && code_ok
    }
}

/// The best `opts.top` codes of each dimension, dimensions in the order the codebook first
/// uses them, codes by score (ties: codebook order).
pub fn rank(codebook: &Codebook, scores: &[Score], opts: &RankOptions) -> Vec<Ranked> {
    let mut dims: Vec<&str> = Vec::new();
    for c in &codebook.codes {
        if !dims.contains(&c.dimension.as_str()) {
            dims.push(&c.dimension);
        }
    }
    let mut out = Vec::new();
    for dim in dims {
        let mut of_dim: Vec<&Score> = scores
            .iter()
            .filter(|s| codebook.codes[s.code as usize].dimension == dim)
            .filter(|s| opts.allows(codebook, s.code as usize))
            .collect();
        of_dim.sort_by(|a, b| b.total().total_cmp(&a.total()).then(a.code.cmp(&b.code)));
        let kept = of_dim.into_iter().take(opts.top).enumerate();
        out.extend(kept.map(|(i, s)| Ranked {
            score: *s,
            rank: i + 1,
            suggested: s.total() >= opts.min_score,
        }));
    }
    out
}

/// Why a code scored what it did: its patterns' part with their hits, and its words' part with
/// each shared word's share, largest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Why {
    pub patterns: f64,
    /// Each pattern that hit, as written in the codebook, with its hits, in order of first hit.
    pub hits: Vec<(String, usize)>,
    pub words: f64,
    /// Each shared word as first written in the segment, with what it adds.
    pub terms: Vec<(String, f64)>,
}

/// Shared words listed in an evidence line at most; the rest are counted.
const TERMS_SHOWN: usize = 8;

impl Why {
    /// One line: `patterns +0.150: knowledge ×1; words +0.064: knowledge +0.058, paid +0.006`.
    /// Every number is what that part adds to the score, to three decimals.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.hits.is_empty() {
            let hits: Vec<String> = self.hits.iter().map(|(p, n)| format!("{p} ×{n}")).collect();
            parts.push(format!(
                "patterns +{:.3}: {}",
                self.patterns,
                hits.join(", ")
            ));
        }
        let shown: Vec<String> = self
            .terms
            .iter()
            .filter(|(_, w)| format!("{w:.3}") != "0.000")
            .map(|(t, w)| format!("{t} {w:+.3}"))
            .collect();
        if !shown.is_empty() {
            let more = shown.len().saturating_sub(TERMS_SHOWN);
            let mut list = shown[..shown.len().min(TERMS_SHOWN)].join(", ");
            if more > 0 {
                list.push_str(&format!(", … ({more} more)"));
            }
            parts.push(format!("words {:+.3}: {list}", self.words));
        }
        if parts.is_empty() {
            "no pattern hits, no shared words".into()
        } else {
            parts.join("; ")
        }
    }
}

/// One suggestion: a code for a segment, its rank in its dimension, its score and why. `W` is
/// the kind of reason: the zero-shot ranker's [`Why`], or the learned model's.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion<W = Why> {
    pub segment_id: String,
    pub code: String,
    pub code_label: String,
    pub dimension: String,
    pub rank: usize,
    pub score: f64,
    pub suggested: bool,
    pub why: W,
}

/// The model, the codebook it was built from, and which codes to keep.
pub struct Ranker<'a> {
    pub model: &'a Model,
    pub codebook: &'a Codebook,
    pub opts: RankOptions,
}

impl Ranker<'_> {
    /// The kept codes of one respondent segment whose machine codings are `codings` (an
    /// interviewer's turn gets none: the machine never codes one).
    pub fn segment(&self, segment: &Segment, codings: &[Evidence]) -> Vec<Suggestion> {
        if segment.interviewer {
            return Vec::new();
        }
        let seg = self.model.read(&segment.text);
        let scores = self.model.scores(&seg, codings);
        rank(self.codebook, &scores, &self.opts)
            .into_iter()
            .map(|r| {
                let code = &self.codebook.codes[r.score.code as usize];
                Suggestion {
                    segment_id: segment.id.clone(),
                    code: code.id.clone(),
                    code_label: code.label.clone(),
                    dimension: code.dimension.clone(),
                    rank: r.rank,
                    score: r.score.total(),
                    suggested: r.suggested,
                    why: Why {
                        patterns: r.score.patterns,
                        hits: pattern_hits(codings, &code.id),
                        words: r.score.words,
                        terms: self.model.words(&seg, r.score.code),
                    },
                }
            })
            .collect()
    }
}

/// Each pattern of `code` that hit, with its hits, in order of first hit (the machine's
/// codings only).
fn pattern_hits(codings: &[Evidence], code: &str) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    let machine = codings
        .iter()
        .filter(|e| e.coder.is_empty() && e.code == code);
    for h in machine.flat_map(|e| &e.hits) {
        match out.iter_mut().find(|(p, _)| *p == h.pattern) {
            Some((_, n)) => *n += 1,
            None => out.push((h.pattern.clone(), 1)),
        }
    }
    out
}

/// Suggestions for every segment, in the order given: scored in parallel, each on its own, so
/// the result is the same whatever the thread count.
pub fn suggest(ranker: &Ranker, segments: &[(Segment, Vec<Evidence>)]) -> Vec<Suggestion> {
    segments
        .par_iter()
        .map(|(s, ev)| ranker.segment(s, ev))
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect()
}
