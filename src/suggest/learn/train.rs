//! Training: a coder's codings as examples, one model per code with enough of them, and each
//! code's threshold chosen by leave-one-interview-out inside the training data.
//!
//! Which segments teach what: every respondent segment of an interview the coder coded (a row
//! of their own there, status empty) is an example for every code: positive where they gave the
//! code, negative elsewhere. Outside those interviews, a review decision teaches only its own
//! code: accepted is positive, rejected negative (a reviewer who decided one proposal on a
//! segment said nothing about the others). Interviews the coder never touched teach nothing.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use rayon::prelude::*;

use super::features::{questions, Sparse, Vocabulary};
use super::model::{fit, Fit};
use super::{CodeModel, LearnParams, Learned, Positive, ThresholdRule, TooFew, LEARN_VERSION};
use crate::codebook::Codebook;
use crate::codings::{Status, Store};
use crate::transcript::Segment;

/// A code needs positive examples on at least this many segments…
pub const MIN_POSITIVES: usize = 3;
/// …in at least this many interviews: leaving one interview out must leave a positive to learn
/// from, or no threshold can be chosen.
pub const MIN_INTERVIEWS: usize = 2;

/// One respondent segment as training data.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub segment_id: String,
    pub interview: String,
    pub text: String,
    /// The question it answers (see [`super::features::questions`]).
    pub question: String,
    /// In an interview the coder coded: an example for every code.
    pub full: bool,
    /// Codes the coder gave it (coded or accepted).
    pub positive: BTreeSet<String>,
    /// Codes the coder rejected on it.
    pub rejected: BTreeSet<String>,
}

impl Example {
    /// Whether this segment teaches anything about `code`, and if so whether it has it.
    pub fn label(&self, code: &str) -> Option<bool> {
        if self.positive.contains(code) {
            Some(true)
        } else if self.full || self.rejected.contains(code) {
            Some(false)
        } else {
            None
        }
    }
}

/// The examples `coder`'s rows in `store` give over `segments` (every segment of the corpus, in
/// transcript order; interviewer turns are not examples, since suggestions are never made for
/// them).
pub fn examples(store: &Store, coder: &str, segments: &[Segment]) -> Vec<Example> {
    let coded: HashSet<&str> = segments
        .iter()
        .filter(|s| {
            store
                .for_segment(&s.id)
                .any(|r| r.coder == coder && r.status == Status::Coded)
        })
        .map(|s| s.interview.as_str())
        .collect();
    segments
        .iter()
        .zip(questions(segments))
        .filter(|(s, _)| !s.interviewer)
        .filter_map(|(s, question)| {
            let full = coded.contains(s.interview.as_str());
            let positive: BTreeSet<String> = store
                .applied(coder, &s.id)
                .into_iter()
                .map(String::from)
                .collect();
            let rejected: BTreeSet<String> = store
                .decisions(coder, &s.id)
                .rejected
                .into_iter()
                .map(String::from)
                .collect();
            (full || !positive.is_empty() || !rejected.is_empty()).then(|| Example {
                segment_id: s.id.clone(),
                interview: s.interview.clone(),
                text: s.text.clone(),
                question,
                full,
                positive,
                rejected,
            })
        })
        .collect()
}

/// Folds at most: with more interviews than this, a fold holds out every tenth interview
/// (in sorted order), so training and `--evaluate` stay quick on a large study; with as many
/// or fewer, each fold is one interview.
pub const MAX_FOLDS: usize = 10;

/// Each interview's fold: its place among the sorted interviews, modulo [`MAX_FOLDS`].
pub fn folds(examples: &[Example]) -> std::collections::HashMap<&str, usize> {
    interviews(examples)
        .into_iter()
        .enumerate()
        .map(|(i, iv)| (iv, i % MAX_FOLDS))
        .collect()
}

/// The interviews among `examples`, sorted.
pub fn interviews(examples: &[Example]) -> Vec<&str> {
    let set: BTreeSet<&str> = examples.iter().map(|e| e.interview.as_str()).collect();
    set.into_iter().collect()
}

/// Each codebook code the examples have positives of, with how many segments and interviews,
/// in codebook order.
pub fn counts(examples: &[Example], codebook: &Codebook) -> Vec<TooFew> {
    let mut by_code: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for e in examples {
        for c in &e.positive {
            let entry = by_code.entry(c.as_str()).or_default();
            entry.0 += 1;
            entry.1.insert(&e.interview);
        }
    }
    codebook
        .codes
        .iter()
        .filter_map(|c| {
            let (n, ivs) = by_code.get(c.id.as_str())?;
            Some(TooFew {
                code: c.id.clone(),
                positives: *n,
                interviews: ivs.len(),
            })
        })
        .collect()
}

impl TooFew {
    /// Whether there are enough examples to learn the code.
    pub fn enough(&self) -> bool {
        self.positives >= MIN_POSITIVES && self.interviews >= MIN_INTERVIEWS
    }
}

/// The examples of one code: their indices and labels.
struct CodeData {
    rows: Vec<usize>,
    labels: Vec<bool>,
}

fn code_data(examples: &[Example], code: &str) -> CodeData {
    let mut d = CodeData {
        rows: Vec::new(),
        labels: Vec::new(),
    };
    for (i, e) in examples.iter().enumerate() {
        if let Some(l) = e.label(code) {
            d.rows.push(i);
            d.labels.push(l);
        }
    }
    d
}

/// Fit one code's model on the examples at `rows`.
fn fit_rows(
    vectors: &[Sparse],
    rows: &[usize],
    labels: &[bool],
    dim: usize,
    p: &LearnParams,
) -> Fit {
    let x: Vec<&Sparse> = rows.iter().map(|&i| &vectors[i]).collect();
    fit(&x, labels, dim, p.fit())
}

/// Each example's out-of-fold probability of `code`: from a model fitted without its
/// interview. None where the rest holds no positive (nothing to learn from). Folds are fitted
/// in parallel, each on its own, so the result is the same whatever the thread count.
fn out_of_fold(
    examples: &[Example],
    vectors: &[Sparse],
    data: &CodeData,
    dim: usize,
    p: &LearnParams,
) -> Vec<f64> {
    let fold = folds(examples);
    let held: Vec<Vec<(usize, f64)>> = (0..fold.len().min(MAX_FOLDS))
        .into_par_iter()
        .map(|f| fold_probabilities(examples, vectors, data, &fold, f, dim, p))
        .collect();
    let mut out = vec![0.0; data.rows.len()];
    for (k, prob) in held.into_iter().flatten() {
        out[k] = prob;
    }
    out
}

/// The probabilities fold `f`'s model gives its held-out examples, by their place in `data`.
fn fold_probabilities(
    examples: &[Example],
    vectors: &[Sparse],
    data: &CodeData,
    fold: &std::collections::HashMap<&str, usize>,
    f: usize,
    dim: usize,
    p: &LearnParams,
) -> Vec<(usize, f64)> {
    let (mut train, mut labels, mut held) = (Vec::new(), Vec::new(), Vec::new());
    for (k, (&i, &l)) in data.rows.iter().zip(&data.labels).enumerate() {
        if fold[examples[i].interview.as_str()] == f {
            held.push(k);
        } else {
            train.push(i);
            labels.push(l);
        }
    }
    if held.is_empty() || !labels.contains(&true) {
        return Vec::new();
    }
    let m = fit_rows(vectors, &train, &labels, dim, p);
    held.into_iter()
        .map(|k| (k, m.probability(&vectors[data.rows[k]])))
        .collect()
}

/// True and false positives and false negatives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Counts {
    pub fn add(&mut self, o: Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }

    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    pub fn f1(&self) -> f64 {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }

    /// The counts of suggesting where `score >= threshold`.
    pub fn at(scores: &[f64], labels: &[bool], threshold: f64) -> Counts {
        let mut c = Counts::default();
        for (&s, &l) in scores.iter().zip(labels) {
            match (s >= threshold, l) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, true) => c.fn_ += 1,
                (false, false) => {}
            }
        }
        c
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The threshold `rule` gives out-of-fold `scores` with `labels`. Prevalence: the k-th highest
/// score, k the positives, so the code is suggested about as often as the coder gave it (on the
/// dev data this beat best F1, which with two or three interviews often settles on "suggest
/// nearly everything"). Best F1: the one that
/// maximises F1 over the scores, put halfway down to the next lower score (the final model,
/// fitted on more data, is not held to the exact score of one held-out segment); ties go to the
/// higher threshold (fewer suggestions for the same F1). No F1 above 0: 1, never suggested.
pub fn choose_threshold(scores: &[f64], labels: &[bool], rule: ThresholdRule) -> f64 {
    let mut cands: Vec<f64> = scores.to_vec();
    cands.sort_by(|a, b| b.total_cmp(a));
    match rule {
        ThresholdRule::BestF1 => {}
        ThresholdRule::Fixed(t) => return t,
        ThresholdRule::Prevalence => {
            let k = labels.iter().filter(|&&l| l).count();
            return if k == 0 { 1.0 } else { cands[k - 1] };
        }
    }
    cands.dedup();
    let mut best: Option<(f64, usize)> = None;
    for (k, &t) in cands.iter().enumerate() {
        let f1 = Counts::at(scores, labels, t).f1();
        if f1 > 0.0 && best.is_none_or(|(b, _)| f1 > b) {
            best = Some((f1, k));
        }
    }
    match best {
        None => 1.0,
        Some((_, k)) => match cands.get(k + 1) {
            Some(&lower) => (cands[k] + lower) / 2.0,
            None => cands[k],
        },
    }
}

/// Train every code of `codebook` that `examples` have enough of. `key` names the training
/// data (see [`super::cache`]). Codes are fitted in parallel, each on its own: the result is
/// the same whatever the thread count.
pub fn train(
    examples: &[Example],
    codebook: &Codebook,
    coder: &str,
    params: &LearnParams,
    key: &str,
) -> Learned {
    let texts: Vec<(&str, &str)> = examples
        .iter()
        .map(|e| (e.text.as_str(), e.question.as_str()))
        .collect();
    let vocab = Vocabulary::build(&texts, codebook.options.language, params.features);
    let vectors: Vec<Sparse> = texts.iter().map(|(t, q)| vocab.vector(t, q).0).collect();
    let (learnable, too_few): (Vec<TooFew>, Vec<TooFew>) = counts(examples, codebook)
        .into_iter()
        .partition(TooFew::enough);
    let dim = vocab.len();
    let codes: Vec<CodeModel> = learnable
        .par_iter()
        .map(|c| train_code(examples, &vectors, c, dim, params))
        .collect();
    let mut positives: Vec<Positive> = Vec::new();
    let mut codes = codes;
    for (m, c) in codes.iter_mut().zip(&learnable) {
        for (i, e) in examples.iter().enumerate() {
            if e.positive.contains(&c.code) {
                m.examples.push(i as u32);
            }
        }
    }
    let used: BTreeSet<u32> = codes
        .iter()
        .flat_map(|m| m.examples.iter().copied())
        .collect();
    let renumber: BTreeMap<u32, u32> = used
        .iter()
        .enumerate()
        .map(|(k, &i)| (i, k as u32))
        .collect();
    for &i in &used {
        let e = &examples[i as usize];
        positives.push(Positive {
            segment_id: e.segment_id.clone(),
            text: e.text.clone(),
            question: e.question.clone(),
            vector: vectors[i as usize].clone(),
        });
    }
    for m in &mut codes {
        m.examples.iter_mut().for_each(|i| *i = renumber[i]);
    }
    Learned {
        version: LEARN_VERSION,
        key: key.to_string(),
        coder: coder.to_string(),
        params: *params,
        interviews: interviews(examples).len(),
        vocab,
        codes,
        too_few,
        positives,
        postings: Vec::new(),
    }
    .with_postings()
}

/// One code's model: fitted on all its examples, its threshold from leave-one-interview-out.
fn train_code(
    examples: &[Example],
    vectors: &[Sparse],
    count: &TooFew,
    dim: usize,
    p: &LearnParams,
) -> CodeModel {
    let data = code_data(examples, &count.code);
    let oof = out_of_fold(examples, vectors, &data, dim, p);
    let threshold = choose_threshold(&oof, &data.labels, p.threshold);
    let m = fit_rows(vectors, &data.rows, &data.labels, dim, p);
    CodeModel {
        code: count.code.clone(),
        weights: m.weights,
        bias: m.bias,
        threshold,
        positives: count.positives,
        interviews: count.interviews,
        loio: Counts::at(&oof, &data.labels, threshold),
        examples: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_f1_threshold_lies_halfway_to_the_next_score() {
        // Scores 0.9 (pos), 0.7 (neg), 0.6 (pos), 0.2 (neg): at 0.9 F1 2/3, at 0.6 F1 0.8.
        let t = choose_threshold(
            &[0.9, 0.7, 0.6, 0.2],
            &[true, false, true, false],
            ThresholdRule::BestF1,
        );
        assert!((t - 0.4).abs() < 1e-12, "{t}");
        // The positive scored lowest: only suggesting everything finds it.
        let t = choose_threshold(&[0.1, 0.9], &[true, false], ThresholdRule::BestF1);
        assert_eq!(t, 0.1);
        // No positive at all: never suggested.
        assert_eq!(
            choose_threshold(&[0.1, 0.9], &[false, false], ThresholdRule::BestF1),
            1.0
        );
        assert_eq!(
            choose_threshold(&[0.0, 0.0], &[true, false], ThresholdRule::BestF1),
            0.0
        );
        assert_eq!(
            choose_threshold(&[0.3], &[true], ThresholdRule::Fixed(0.5)),
            0.5
        );
    }

    #[test]
    fn counts_give_precision_recall_and_f1() {
        let c = Counts::at(&[0.9, 0.8, 0.1], &[true, false, true], 0.5);
        assert_eq!(
            c,
            Counts {
                tp: 1,
                fp: 1,
                fn_: 1
            }
        );
        assert_eq!((c.precision(), c.recall(), c.f1()), (0.5, 0.5, 0.5));
    }
}
