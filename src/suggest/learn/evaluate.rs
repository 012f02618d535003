//! `qcode suggest --evaluate --learn-from CODER`: how good learned suggestions are, by
//! leave-one-interview-out on the coder's own codings (with more than [`MAX_FOLDS`]
//! interviews, every tenth interview is held out together). Each interview in turn is held out; a
//! model is trained on the others exactly as `--learn-from` trains (vocabulary, weights, and
//! thresholds chosen by leave-one-interview-out among those others), and its suggestions on the
//! held-out interview are compared with the coder's codings there. Nothing of the held-out
//! interview is seen before it is scored, so the figures are what to expect on an interview the
//! coder has not coded yet, as far as four or ten interviews can say.

use super::train::{counts, folds, train, Counts, Example, MAX_FOLDS};
use super::LearnParams;
use crate::codebook::Codebook;

/// One code's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeEval {
    pub code: String,
    /// Segments and interviews the coder gave the code (all of them, not one rotation's).
    pub positives: usize,
    pub interviews: usize,
    /// Whether there are enough examples to learn it ([`super::MIN_POSITIVES`] segments in
    /// [`super::MIN_INTERVIEWS`] interviews); a code without is never suggested, and counts
    /// only in [`Evaluation::all`].
    pub learned: bool,
    /// Over the held-out interviews, pooled.
    pub counts: Counts,
}

/// Every code's figures, and their micro averages.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Interviews rotated through.
    pub interviews: usize,
    /// Rotations: one per interview, up to [`MAX_FOLDS`].
    pub folds: usize,
    /// Codes the coder used, in codebook order.
    pub codes: Vec<CodeEval>,
    /// Summed over the learned codes.
    pub micro: Counts,
    /// Summed over every code the coder used: a code too rare to learn adds its segments as
    /// missed.
    pub all: Counts,
}

/// Evaluate learning from `examples` with `params`, one held-out interview at a time.
pub fn evaluate(examples: &[Example], codebook: &Codebook, params: &LearnParams) -> Evaluation {
    let mut codes: Vec<CodeEval> = counts(examples, codebook)
        .into_iter()
        .map(|c| CodeEval {
            learned: c.enough(),
            code: c.code,
            positives: c.positives,
            interviews: c.interviews,
            counts: Counts::default(),
        })
        .collect();
    let fold = folds(examples);
    let n_folds = fold.len().min(MAX_FOLDS);
    for f in 0..n_folds {
        let (rest, held): (Vec<Example>, Vec<Example>) = examples
            .iter()
            .cloned()
            .partition(|e| fold[e.interview.as_str()] != f);
        let model = train(&rest, codebook, "", params, "");
        let vectors: Vec<_> = held
            .iter()
            .map(|e| model.vocab.vector(&e.text, &e.question).0)
            .collect();
        for c in &mut codes {
            let m = model.codes.iter().find(|m| m.code == c.code);
            for (e, x) in held.iter().zip(&vectors) {
                let Some(label) = e.label(&c.code) else {
                    continue;
                };
                let said = match (c.learned, m) {
                    (true, Some(m)) => {
                        let logit = m.bias
                            + x.iter()
                                .map(|&(j, v)| m.weights[j as usize] * v)
                                .sum::<f64>();
                        super::model::sigmoid(logit) >= m.threshold
                    }
                    _ => false,
                };
                c.counts
                    .add(Counts::at(&[f64::from(u8::from(said))], &[label], 1.0));
            }
        }
    }
    let mut micro = Counts::default();
    let mut all = Counts::default();
    for c in &codes {
        all.add(c.counts);
        if c.learned {
            micro.add(c.counts);
        }
    }
    Evaluation {
        interviews: fold.len(),
        folds: n_folds,
        codes,
        micro,
        all,
    }
}
