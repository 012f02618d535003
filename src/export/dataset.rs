//! The rows every export is computed from: respondent segments with their codings, and for each
//! the codes it reaches (a code and all its ancestors) with their hit counts.

use std::collections::{BTreeSet, HashMap, HashSet};

use rayon::prelude::*;

use super::table::ExportMeta;
use crate::codebook::Codebook;
use crate::coding::Evidence;
use crate::transcript::Segment;

#[derive(Debug, Clone)]
pub struct Item {
    pub segment: Segment,
    /// Direct codings, in codebook order, with evidence.
    pub codings: Vec<Evidence>,
    /// Codes reached, as codebook indices in ascending order, with the hits of the code and its
    /// descendants in this segment.
    pub reached: Vec<(usize, u32)>,
}

impl Item {
    pub fn reaches(&self, code: usize) -> bool {
        self.reached
            .binary_search_by_key(&code, |&(c, _)| c)
            .is_ok()
    }

    pub fn hits(&self, code: usize) -> u32 {
        self.reached
            .binary_search_by_key(&code, |&(c, _)| c)
            .map(|i| self.reached[i].1)
            .unwrap_or(0)
    }
}

#[derive(Debug, Clone)]
pub struct Dataset {
    pub codebook: Codebook,
    /// In interview, turn, paragraph order.
    pub items: Vec<Item>,
}

impl Dataset {
    /// Respondent segments, and interviewer turns a person coded (the machine never codes
    /// them: they are context unless a person says otherwise). Filters are
    /// applied when reading the index ([`crate::index::SearchIndex::segments`]).
    pub fn new(codebook: Codebook, segments: Vec<(Segment, Vec<Evidence>)>) -> Dataset {
        let index: HashMap<&str, usize> = codebook
            .codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        let ancestors: Vec<Vec<usize>> = codebook
            .codes
            .iter()
            .map(|c| {
                codebook
                    .ancestors_and_self(&c.id)
                    .iter()
                    .filter_map(|a| index.get(a.as_str()).copied())
                    .collect()
            })
            .collect();
        let mut items: Vec<Item> = segments
            .into_par_iter()
            // An interviewer's turn is data only where a person coded it.
            .filter(|(s, ev)| !s.interviewer || ev.iter().any(|e| !e.coder.is_empty()))
            .map(|(segment, codings)| {
                let mut reached: HashMap<usize, u32> = HashMap::new();
                for c in &codings {
                    if let Some(&ci) = index.get(c.code.as_str()) {
                        for &a in &ancestors[ci] {
                            *reached.entry(a).or_default() += c.hits.len() as u32;
                        }
                    }
                }
                let mut reached: Vec<(usize, u32)> = reached.into_iter().collect();
                reached.sort_unstable();
                Item {
                    segment,
                    codings,
                    reached,
                }
            })
            .collect();
        items.par_sort_by(|a, b| {
            let (a, b) = (&a.segment, &b.segment);
            (&a.interview, a.turn, a.paragraph).cmp(&(&b.interview, b.turn, b.paragraph))
        });
        Dataset { codebook, items }
    }

    pub fn interviews(&self) -> usize {
        self.items
            .iter()
            .map(|i| i.segment.interview.as_str())
            .collect::<HashSet<_>>()
            .len()
    }

    /// Every metadata key any segment has, sorted.
    pub fn meta_keys(&self) -> Vec<String> {
        let keys: BTreeSet<&String> = self
            .items
            .iter()
            .flat_map(|i| i.segment.meta.keys())
            .collect();
        keys.into_iter().cloned().collect()
    }

    pub fn meta(&self, export: &str) -> ExportMeta {
        ExportMeta::new(&self.codebook, export, self.items.len(), self.interviews())
    }
}
