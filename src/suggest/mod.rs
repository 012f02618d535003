//! Suggestions: every code ranked for every respondent segment by the codebook's own words
//! (label, definition, `use_when`, examples; `dont_use_when` and counterexamples against) and
//! the codebook's pattern hits, with the evidence for each score. Pure: the command line reads
//! the index, calls [`suggest`], and writes what it returns.
//!
//! The model ([`model`]) is built from the codebook alone and cached in `.qcode/` under the
//! codebook's hash ([`cache`]); scoring ([`score`]) is per segment, so suggestions for a segment
//! depend only on its text, its pattern hits and the codebook, whatever the thread count.

pub mod model;
pub mod score;
pub mod stopwords;

pub use model::{Idf, Model, Params, MODEL_VERSION};
pub use score::{pattern_part, Score, SegmentTerms};

use crate::codebook::Codebook;

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
    /// Whether `opts` lets code `i` of `codebook` be ranked.
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
        out.extend(
            of_dim
                .into_iter()
                .take(opts.top)
                .enumerate()
                .map(|(i, s)| Ranked {
                    score: *s,
                    rank: i + 1,
                    suggested: s.total() >= opts.min_score,
                }),
        );
    }
    out
}
