//! Scoring one segment against every code: the cosine between the segment's words and the code's
//! (its warnings subtracted), plus what the code's pattern hits add. Every score is a sum of
//! parts a reader can check: one per shared word, and one for the pattern hits.

use std::collections::HashMap;

use super::model::{token_options, Model};
use crate::coding::Evidence;
use crate::text::tokens::tokenize;

/// A segment's words as the model sees them: each word the codebook uses, with its weight in
/// the segment's unit vector (every word of the segment counts in its length).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SegmentTerms {
    /// (word id, weight), sorted by id.
    pub known: Vec<(u32, f64)>,
    /// The word as first written in the segment (lowercase), for each of `known`.
    pub written: Vec<String>,
}

/// One code's score for one segment, and its parts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Index of the code in the codebook.
    pub code: u32,
    /// The words' part: the sum of [`Model::words`]' contributions.
    pub words: f64,
    /// The patterns' part.
    pub patterns: f64,
    /// The code's pattern hits in the segment.
    pub hits: usize,
}

impl Score {
    pub fn total(&self) -> f64 {
        self.words + self.patterns
    }
}

impl Model {
    /// Read a segment's words.
    pub fn read(&self, text: &str) -> SegmentTerms {
        let tokens = tokenize(text, token_options(self.language));
        // Known words: (count, first token); words the codebook never uses: count.
        let mut tf: HashMap<u32, (u32, usize)> = HashMap::new();
        let mut unseen: HashMap<&str, u32> = HashMap::new();
        for (i, t) in tokens.iter().enumerate() {
            if !self.counts(&t.norm) {
                continue;
            }
            match self.term_id(&t.stem) {
                Some(id) => tf.entry(id).or_insert((0, i)).0 += 1,
                None => *unseen.entry(t.stem.as_str()).or_default() += 1,
            }
        }
        let weight = |n: u32, idf: f64| (1.0 + f64::from(n).ln()) * idf;
        let mut known: Vec<(u32, f64, usize)> = tf
            .into_iter()
            .map(|(id, (n, first))| (id, weight(n, self.idf[id as usize]), first))
            .collect();
        known.sort_unstable_by_key(|k| k.0);
        let mut unseen: Vec<f64> = unseen
            .into_values()
            .map(|n| weight(n, self.unseen_idf))
            .collect();
        // Summed in one order whatever the hash map's: the same bytes out on every run.
        unseen.sort_unstable_by(f64::total_cmp);
        let len = known
            .iter()
            .map(|k| k.1 * k.1)
            .chain(unseen.iter().map(|w| w * w))
            .sum::<f64>()
            .sqrt();
        if len == 0.0 {
            return SegmentTerms::default();
        }
        SegmentTerms {
            written: known.iter().map(|k| tokens[k.2].norm.clone()).collect(),
            known: known.into_iter().map(|(id, w, _)| (id, w / len)).collect(),
        }
    }

    /// Every ranked code's score for a segment read by [`Model::read`] whose codings (the
    /// machine's, with their hits) are `codings`, in codebook order.
    pub fn scores(&self, seg: &SegmentTerms, codings: &[Evidence]) -> Vec<Score> {
        let mut words = vec![0.0; self.code_ids.len()];
        for &(t, w) in &seg.known {
            for p in &self.postings[t as usize] {
                words[p.code as usize] += w * p.weight;
            }
        }
        let mut hits = vec![0usize; self.code_ids.len()];
        for ev in codings.iter().filter(|e| e.coder.is_empty()) {
            if let Some(i) = self.code_ids.iter().position(|c| *c == ev.code) {
                hits[i] += ev.hits.len();
            }
        }
        (0..self.code_ids.len())
            .filter(|&i| self.ranked[i])
            .map(|i| Score {
                code: i as u32,
                words: words[i],
                patterns: pattern_part(self.params.patterns, hits[i]),
                hits: hits[i],
            })
            .collect()
    }

    /// The words a segment shares with a code, each with what it adds to (or, from the code's
    /// warnings, takes from) the code's score, largest first; they sum to [`Score::words`].
    pub fn words(&self, seg: &SegmentTerms, code: u32) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = seg
            .known
            .iter()
            .zip(&seg.written)
            .filter_map(|(&(t, w), written)| {
                let p = self.postings[t as usize].iter().find(|p| p.code == code)?;
                Some((written.clone(), w * p.weight))
            })
            .collect();
        out.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.cmp(&b.0)));
        out
    }
}

/// What `hits` pattern hits add to a score whose patterns' weight is `weight`.
pub fn pattern_part(weight: f64, hits: usize) -> f64 {
    if hits == 0 {
        0.0
    } else {
        weight * (1.0 - 0.5f64.powi(hits.min(64) as i32))
    }
}
