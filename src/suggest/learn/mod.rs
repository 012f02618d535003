//! Suggestions learned from a researcher's own codings (`qcode suggest --learn-from CODER`): one
//! logistic regression per code over TF-IDF of the segment's words, stems and bigrams
//! ([`features`], [`model`]), trained on the coder's codings ([`train`]) with each code's
//! threshold chosen by leave-one-interview-out, and scored honestly by the same rotation with
//! nothing of the held-out interview seen ([`evaluate`]). The model is cached in `.qcode/`
//! under a hash of what it was trained on ([`cache`]); suggestions for a segment ([`rank`])
//! depend only on its text and the model, whatever the thread count.

pub mod cache;
pub mod evaluate;
pub mod features;
pub mod model;
pub mod rank;
pub mod train;

use serde::{Deserialize, Serialize};

pub use evaluate::{evaluate, CodeEval, Evaluation};
pub use features::{questions, FeatureParams, Sparse, Vocabulary};
pub use rank::{suggest_learned, LearnedRanker, LearnedSuggestion, LearnedWhy};
pub use train::{examples, interviews, train, Counts, Example, MIN_INTERVIEWS, MIN_POSITIVES};

/// Bumped whenever what a learned model holds or how it is trained changes: a cached model of
/// another version is trained again.
pub const LEARN_VERSION: u32 = 1;

/// How a code's threshold is set, from the probabilities leave-one-interview-out gives the
/// training segments (each from a model that never saw its interview).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum ThresholdRule {
    /// The one that maximises F1 over the leave-one-interview-out probabilities.
    BestF1,
    /// A fixed probability.
    Fixed(f64),
    /// The one that suggests the code, over the leave-one-interview-out probabilities, as often
    /// as the coder gave it.
    Prevalence,
}

/// The choices a model is trained with. [`LearnParams::default`] is what `qcode suggest
/// --learn-from` uses; the others were tried on the dev data (README, "Learned suggestions").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LearnParams {
    pub features: FeatureParams,
    /// The inverse of the L2 penalty's strength.
    pub c: f64,
    /// Each class weighs half of the loss (see [`model`]).
    pub balanced: bool,
    pub threshold: ThresholdRule,
}

impl Default for LearnParams {
    fn default() -> LearnParams {
        LearnParams {
            features: FeatureParams::default(),
            c: 10.0,
            balanced: true,
            threshold: ThresholdRule::Prevalence,
        }
    }
}

impl LearnParams {
    pub fn fit(&self) -> model::FitParams {
        model::FitParams {
            c: self.c,
            balanced: self.balanced,
        }
    }
}

/// A code the coder used, with how many segments and interviews they gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TooFew {
    pub code: String,
    pub positives: usize,
    pub interviews: usize,
}

/// One code's learned model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeModel {
    pub code: String,
    /// A weight per vocabulary feature.
    #[serde(with = "crate::suggest::bits::exact_list")]
    pub weights: Vec<f64>,
    #[serde(with = "crate::suggest::bits::exact")]
    pub bias: f64,
    /// A segment is suggested the code when its probability is at least this.
    #[serde(with = "crate::suggest::bits::exact")]
    pub threshold: f64,
    /// Segments and interviews the coder gave the code.
    pub positives: usize,
    pub interviews: usize,
    /// What leave-one-interview-out made of the code at `threshold` (chosen on the same
    /// rotation, so optimistic: `--evaluate` is the honest figure).
    pub loio: Counts,
    /// The coder's segments with the code, as indices into [`Learned::positives`].
    pub examples: Vec<u32>,
}

/// A segment the coder gave a code: shown as one of the most similar to a suggestion's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Positive {
    pub segment_id: String,
    pub text: String,
    pub question: String,
    /// Its vector, made again from the text when a cached model is read.
    #[serde(skip)]
    pub vector: Sparse,
}

/// Every code learned from one coder's codings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Learned {
    pub version: u32,
    /// The hash of what the model was trained on (see [`cache::key`]).
    pub key: String,
    pub coder: String,
    pub params: LearnParams,
    /// Interviews the examples came from.
    pub interviews: usize,
    pub vocab: Vocabulary,
    /// Codes learned, in codebook order.
    pub codes: Vec<CodeModel>,
    /// Codes the coder used too little to learn, in codebook order.
    pub too_few: Vec<TooFew>,
    pub positives: Vec<Positive>,
    /// For each feature, the positives that have it, with its weight there: what finds a
    /// segment's most similar positives in one pass.
    #[serde(skip)]
    postings: Vec<Vec<(u32, f64)>>,
}

impl Learned {
    /// Make what a cache does not hold again: the vocabulary's lookup, the positives' vectors
    /// and their postings.
    pub fn with_lookup(mut self) -> Learned {
        self.vocab = self.vocab.with_lookup();
        for p in &mut self.positives {
            p.vector = self.vocab.vector(&p.text, &p.question).0;
        }
        self.with_postings()
    }

    fn with_postings(mut self) -> Learned {
        self.postings = vec![Vec::new(); self.vocab.len()];
        for (i, p) in self.positives.iter().enumerate() {
            for &(j, v) in &p.vector {
                self.postings[j as usize].push((i as u32, v));
            }
        }
        self
    }

    /// The cosine of `x` with every positive, by index.
    pub fn similarities(&self, x: &Sparse) -> Vec<f64> {
        let mut out = vec![0.0; self.positives.len()];
        for &(j, v) in x {
            for &(i, w) in &self.postings[j as usize] {
                out[i as usize] += v * w;
            }
        }
        out
    }
}

/// Why a coder's codings cannot be learned from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LearnError {
    #[error("coder `{0}` has no codings on respondent segments to learn from")]
    NoCodings(String),
    #[error("coder `{coder}` coded {found} interview(s); learning needs at least {needed}: one is held out at a time to choose thresholds (and, with --evaluate, one more to score)")]
    TooFewInterviews {
        coder: String,
        found: usize,
        needed: usize,
    },
    #[error("no code has enough examples to learn: a code needs {MIN_POSITIVES} segments in {MIN_INTERVIEWS} interviews, and coder `{coder}` has at most {best}")]
    NothingToLearn { coder: String, best: String },
}

/// Check that `examples` can train a model: at least `needed` interviews and a code with
/// enough examples.
pub fn check(
    examples: &[Example],
    codebook: &crate::codebook::Codebook,
    coder: &str,
    needed: usize,
) -> Result<(), LearnError> {
    if examples.is_empty() {
        return Err(LearnError::NoCodings(coder.into()));
    }
    let found = interviews(examples).len();
    if found < needed {
        return Err(LearnError::TooFewInterviews {
            coder: coder.into(),
            found,
            needed,
        });
    }
    let counts = train::counts(examples, codebook);
    if !counts.iter().any(TooFew::enough) {
        let best = counts
            .iter()
            .max_by_key(|c| (c.positives, c.interviews))
            .map(|c| {
                format!(
                    "{} segment(s) in {} interview(s) of `{}`",
                    c.positives, c.interviews, c.code
                )
            })
            .unwrap_or_else(|| "no code of the codebook".into());
        return Err(LearnError::NothingToLearn {
            coder: coder.into(),
            best,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
