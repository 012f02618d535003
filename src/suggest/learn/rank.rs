//! Learned suggestions for one segment: each learned code's probability, ranked within its
//! dimension, `suggested` where it reaches the code's threshold, with the evidence: the
//! weighted features that fired and the coder's three most similar segments with the code.

use std::collections::HashMap;

use rayon::prelude::*;

use super::model::sigmoid;
use super::{CodeModel, Learned};
use crate::codebook::Codebook;
use crate::coding::Evidence;
use crate::suggest::RankOptions;
use crate::transcript::Segment;

/// Features listed in an evidence line at most; the rest are counted.
const TERMS_SHOWN: usize = 6;
/// The coder's segments with the code shown as most like the suggested one.
const SIMILAR_SHOWN: usize = 3;

/// Why a code got its probability.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnedWhy {
    pub probability: f64,
    pub threshold: f64,
    pub bias: f64,
    /// What the segment's features add to the log-odds, in all.
    pub features: f64,
    /// Each feature that fired, as the segment writes it, with what it adds, largest first.
    pub terms: Vec<(String, f64)>,
    /// The coder's segments with the code most like this one, with their cosine.
    pub similar: Vec<(String, f64)>,
}

impl LearnedWhy {
    /// One line: `0.812 ≥ threshold 0.340; log-odds −1.900 + 2.310: highlighting +0.620, …;
    /// like P3:12.1 0.42, P1:5.2 0.31`.
    pub fn describe(&self) -> String {
        let cmp = if self.probability >= self.threshold {
            "≥"
        } else {
            "<"
        };
        let mut out = format!(
            "{:.3} {cmp} threshold {:.3}; log-odds {:.3} {:+.3}",
            self.probability, self.threshold, self.bias, self.features
        );
        let shown: Vec<String> = self
            .terms
            .iter()
            .filter(|(_, w)| format!("{w:.3}") != "0.000" && format!("{w:.3}") != "-0.000")
            .map(|(t, w)| format!("{t} {w:+.3}"))
            .collect();
        if !shown.is_empty() {
            let more = shown.len().saturating_sub(TERMS_SHOWN);
            out.push_str(": ");
            out.push_str(&shown[..shown.len().min(TERMS_SHOWN)].join(", "));
            if more > 0 {
                out.push_str(&format!(", … ({more} more)"));
            }
        }
        let like: Vec<String> = self
            .similar
            .iter()
            .map(|(id, c)| format!("{id} {c:.2}"))
            .collect();
        if !like.is_empty() {
            out.push_str("; like ");
            out.push_str(&like.join(", "));
        }
        out
    }
}

/// One learned suggestion: a code for a segment, its rank in its dimension, its probability
/// and why (the same fields as a zero-shot suggestion, with the learned model's reason).
pub type LearnedSuggestion = crate::suggest::Suggestion<LearnedWhy>;

/// A learned model, the codebook, and which codes to list.
pub struct LearnedRanker<'a> {
    learned: &'a Learned,
    codebook: &'a Codebook,
    opts: RankOptions,
    /// Each learned code's index in the codebook.
    at: Vec<usize>,
}

impl<'a> LearnedRanker<'a> {
    /// `opts.top` codes of each dimension are listed, and every suggested one besides
    /// (`opts.min_score` is not used: each code has its own threshold).
    pub fn new(learned: &'a Learned, codebook: &'a Codebook, opts: RankOptions) -> Self {
        let index: HashMap<&str, usize> = codebook
            .codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        let at = learned
            .codes
            .iter()
            .map(|m| index.get(m.code.as_str()).copied().unwrap_or(usize::MAX))
            .collect();
        LearnedRanker {
            learned,
            codebook,
            opts,
            at,
        }
    }

    /// The listed codes of one respondent segment answering `question` (an interviewer's turn
    /// gets none).
    pub fn segment(&self, segment: &Segment, question: &str) -> Vec<LearnedSuggestion> {
        if segment.interviewer {
            return Vec::new();
        }
        let (x, shown) = self.learned.vocab.vector(&segment.text, question);
        let sims = self.learned.similarities(&x);
        let scored: Vec<(usize, f64)> = self
            .learned
            .codes
            .iter()
            .enumerate()
            .filter(|&(k, _)| {
                self.at[k] != usize::MAX && self.opts.allows(self.codebook, self.at[k])
            })
            .map(|(k, m)| {
                (
                    k,
                    m.bias
                        + x.iter()
                            .map(|&(j, v)| m.weights[j as usize] * v)
                            .sum::<f64>(),
                )
            })
            .collect();
        let mut out = Vec::new();
        for dim in dimensions(self.codebook) {
            let mut of_dim: Vec<&(usize, f64)> = scored
                .iter()
                .filter(|(k, _)| self.codebook.codes[self.at[*k]].dimension == dim)
                .collect();
            of_dim.sort_by(|a, b| b.1.total_cmp(&a.1).then(self.at[a.0].cmp(&self.at[b.0])));
            for (i, &&(k, logit)) in of_dim.iter().enumerate() {
                let m = &self.learned.codes[k];
                let p = sigmoid(logit);
                let suggested = p >= m.threshold;
                if i >= self.opts.top && !suggested {
                    continue;
                }
                let code = &self.codebook.codes[self.at[k]];
                out.push(LearnedSuggestion {
                    segment_id: segment.id.clone(),
                    code: code.id.clone(),
                    code_label: code.label.clone(),
                    dimension: code.dimension.clone(),
                    rank: i + 1,
                    score: p,
                    suggested,
                    why: self.why(m, &x, &shown, &sims, logit),
                });
            }
        }
        out
    }

    fn why(
        &self,
        m: &CodeModel,
        x: &super::Sparse,
        shown: &HashMap<u32, String>,
        sims: &[f64],
        logit: f64,
    ) -> LearnedWhy {
        let mut terms: Vec<(String, f64)> = x
            .iter()
            .map(|&(j, v)| (shown[&j].clone(), m.weights[j as usize] * v))
            .collect();
        terms.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.cmp(&b.0)));
        let mut similar: Vec<(usize, f64)> = m
            .examples
            .iter()
            .map(|&i| (i as usize, sims[i as usize]))
            .filter(|(_, c)| *c > 0.0)
            .collect();
        similar.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        LearnedWhy {
            probability: sigmoid(logit),
            threshold: m.threshold,
            bias: m.bias,
            features: logit - m.bias,
            terms,
            similar: similar
                .into_iter()
                .take(SIMILAR_SHOWN)
                .map(|(i, c)| (self.learned.positives[i].segment_id.clone(), c))
                .collect(),
        }
    }
}

/// The codebook's dimensions in the order it first uses them.
fn dimensions(codebook: &Codebook) -> Vec<&str> {
    let mut dims: Vec<&str> = Vec::new();
    for c in &codebook.codes {
        if !dims.contains(&c.dimension.as_str()) {
            dims.push(&c.dimension);
        }
    }
    dims
}

/// Learned suggestions for every segment, in the order given, each answering the question
/// `questions` gives its id (none: no question): scored in parallel, each on its own, so the
/// result is the same whatever the thread count.
pub fn suggest_learned(
    ranker: &LearnedRanker,
    segments: &[(Segment, Vec<Evidence>)],
    questions: &HashMap<String, std::sync::Arc<str>>,
) -> Vec<LearnedSuggestion> {
    segments
        .par_iter()
        .map(|(s, _)| ranker.segment(s, questions.get(&s.id).map_or("", |q| q)))
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect()
}
