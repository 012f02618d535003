//! Coding: the codebook compiled into a [`Matcher`] that finds every hit of every code in one
//! pass over a segment's words, applied to segments in parallel. Every coding keeps its evidence:
//! which pattern fired, on which characters.

pub mod count;
pub mod dictionary;
pub mod diff;
mod error;
mod examples;
pub mod explain;
pub mod lint;
mod matcher;
mod prefilter;
#[cfg(test)]
mod reference;
mod word_table;

pub use error::{CodeAt, CompileError, Part, GLOB_SET_LIMIT, REGEX_SET_LIMIT};
pub use examples::{test_examples, ExampleCheck};

use dictionary::DictionaryMatcher;
use matcher::RuleMatcher;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::codebook::{Codebook, Matching};
use crate::transcript::Segment;

/// A codebook compiled once for coding many segments, by the engine its `matching` names.
#[derive(Debug, Clone)]
pub enum Matcher {
    Rules(Box<RuleMatcher>),
    Dictionary(DictionaryMatcher),
}

impl Matcher {
    /// Compile `codebook`. Every pattern was checked when it loaded; this fails only when
    /// they are too many or too large together, and then says which code to change.
    pub fn new(codebook: &Codebook) -> Result<Matcher, CompileError> {
        Ok(match codebook.matching {
            Matching::Rules => Matcher::Rules(Box::new(RuleMatcher::new(codebook)?)),
            Matching::Dictionary => Matcher::Dictionary(DictionaryMatcher::new(codebook)?),
        })
    }

    /// All codings of one text (a segment), by code index, hits in text order.
    pub fn code(&self, text: &str) -> Vec<Coding> {
        match self {
            Matcher::Rules(m) => m.code(text),
            Matcher::Dictionary(m) => m.code(text),
        }
    }

    /// Every pattern match before exclusions, overlaps and `min_hits` are applied, as
    /// (code, is an exclusion, pattern index, start, end): what `codebook check` counts.
    pub fn raw_hits(&self, text: &str) -> Vec<(u32, bool, u32, u32, u32)> {
        match self {
            Matcher::Rules(m) => m.raw_hits(text),
            Matcher::Dictionary(m) => m
                .raw_hits(text)
                .into_iter()
                .map(|(c, p, s, e)| (c, false, p, s, e))
                .collect(),
        }
    }
}

/// One hit: the pattern (index into the code's patterns) and the characters it matched, as
/// offsets into the segment's text (end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Hit {
    pub pattern: u32,
    pub start: u32,
    pub end: u32,
}

/// A code applied to a segment, with the hits that applied it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coding {
    /// Index of the code in the codebook.
    pub code: u32,
    pub hits: Vec<Hit>,
}

/// Code every segment that should be coded (interviewer turns are context, not data) in
/// parallel. The result is in segment order whatever the thread count.
pub fn code_segments(matcher: &Matcher, segments: &[Segment]) -> Vec<Vec<Coding>> {
    segments
        .par_iter()
        .map(|s| {
            if s.interviewer {
                Vec::new()
            } else {
                matcher.code(&s.text)
            }
        })
        .collect()
}

/// A coding with names instead of indices: what is stored with a segment and shown to people.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub code: String,
    pub hits: Vec<EvidenceHit>,
    /// Who applied the code: empty for the machine (the codebook's patterns, which `hits`
    /// trace), else a coder's name from the codings store (no hits: a person's judgement).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub coder: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceHit {
    pub pattern: String,
    pub start: u32,
    pub end: u32,
    /// The matched words, as written.
    pub text: String,
}

/// Name the codes and patterns of `codings` and quote the matched words from `text`.
pub fn evidence(codebook: &Codebook, text: &str, codings: &[Coding]) -> Vec<Evidence> {
    if codings.is_empty() {
        return Vec::new();
    }
    let quote = quoter(text);
    codings
        .iter()
        .map(|c| {
            let code = &codebook.codes[c.code as usize];
            Evidence {
                code: code.id.clone(),
                hits: c
                    .hits
                    .iter()
                    .map(|h| EvidenceHit {
                        pattern: code.patterns[h.pattern as usize].text.clone(),
                        start: h.start,
                        end: h.end,
                        text: quote(h.start, h.end),
                    })
                    .collect(),
                coder: String::new(),
            }
        })
        .collect()
}

/// The characters `start..end` of `text`: a slice of it when it is ASCII, else found through a
/// table of where each character starts, built once per text (and only for a coded one).
fn quoter(text: &str) -> impl Fn(u32, u32) -> String + '_ {
    let ascii = text.is_ascii();
    let starts: Vec<usize> = match ascii {
        true => Vec::new(),
        false => text.char_indices().map(|(b, _)| b).collect(),
    };
    move |s, e| {
        let at = |c: u32| match ascii {
            true => c as usize,
            false => starts.get(c as usize).copied().unwrap_or(text.len()),
        };
        text[at(s)..at(e)].to_string()
    }
}

/// How often each pattern matches across segments, before exclusions and overlaps: keyed by
/// (code index, is an exclusion, pattern index). Computed in parallel.
pub fn pattern_counts(
    matcher: &Matcher,
    texts: &[&str],
) -> std::collections::HashMap<(u32, bool, u32), usize> {
    use std::collections::HashMap;
    texts
        .par_iter()
        .fold(
            HashMap::new,
            |mut acc: HashMap<(u32, bool, u32), usize>, t| {
                for (code, excl, pat, _, _) in matcher.raw_hits(t) {
                    *acc.entry((code, excl, pat)).or_default() += 1;
                }
                acc
            },
        )
        .reduce(HashMap::new, |mut a, b| {
            for (k, v) in b {
                *a.entry(k).or_default() += v;
            }
            a
        })
}
