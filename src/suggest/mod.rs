//! Suggestions: every code ranked for every respondent segment by the codebook's own words
//! (label, definition, `use_when`, examples; `dont_use_when` and counterexamples against) and
//! the codebook's pattern hits, with the evidence for each score. Pure: the command line reads
//! the index, calls [`suggest`], and writes what it returns.
//!
//! The model ([`model`]) is built from the codebook alone and cached in `.qcode/` under the
//! codebook's hash ([`cache`]); scoring ([`score`]) is per segment, so suggestions for a segment
//! depend only on its text, its pattern hits and the codebook, whatever the thread count.

mod assign;
mod bits;
pub mod cache;
pub mod learn;
pub mod model;
mod rank;
mod save;
pub mod score;
pub mod stopwords;

pub use assign::{make_assign, RankAssign};
pub use model::{Idf, Model, Params, MODEL_VERSION};
pub use rank::{rank, suggest, RankOptions, Ranked, Ranker, Suggestion, Why};
pub use save::{proposals, proposals_for, withdrawn, SUGGESTED};
pub use score::{pattern_part, Score, SegmentTerms};

#[cfg(test)]
mod tests;
