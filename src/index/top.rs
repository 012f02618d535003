//! The best-ranked hits of a search: by score, equal scores by the `rank` fast field (a hash of
//! the segment id, so the same corpus always ranks the same way, wherever tantivy put each
//! document).
//!
//! tantivy's own `TopDocs::tweak_score` computes the key of every matching document, reading
//! `rank` for each: on a 1 GB corpus a common word matches hundreds of thousands of segments and
//! that read was a quarter of a search's time, mostly page faults in the column. Here `rank` is
//! read only for a document whose score could still enter the top (one at or above the lowest
//! score kept so far); every other document is passed over on its score alone. The hits, their
//! order and the tie-breaks are those of `tweak_score` (the tests compare the two).

use std::sync::Arc;
use tantivy::collector::sort_key::NaturalComparator;
use tantivy::collector::{Collector, SegmentCollector, TopNComputer};

use tantivy::columnar::ColumnValues;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// A hit's key: its score, then `u64::MAX - rank` (a higher key ranks first).
pub type RankKey = (Score, u64);

/// Hits with their keys, best first.
pub type Ranked = Vec<(RankKey, DocAddress)>;

/// The `limit` best hits by [`RankKey`], best first; equal keys by document address.
pub struct RankedTop {
    limit: usize,
}

impl RankedTop {
    pub fn with_limit(limit: usize) -> RankedTop {
        RankedTop {
            limit: limit.max(1),
        }
    }
}

/// One segment's part of [`RankedTop`].
pub struct SegmentTop {
    top: TopNComputer<RankKey, DocId, NaturalComparator>,
    rank: Option<Arc<dyn ColumnValues<u64>>>,
    segment: SegmentOrdinal,
}

impl Collector for RankedTop {
    type Fruit = Ranked;
    type Child = SegmentTop;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTop> {
        let rank = reader
            .fast_fields()
            .u64("rank")
            .ok()
            .map(|c| c.first_or_default_col(0));
        Ok(SegmentTop {
            top: TopNComputer::new_with_comparator(self.limit, NaturalComparator),
            rank,
            segment,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Ranked>) -> tantivy::Result<Ranked> {
        let mut top = TopNComputer::new_with_comparator(self.limit, NaturalComparator);
        for (key, addr) in fruits.into_iter().flatten() {
            top.push(key, addr);
        }
        Ok(sorted(top))
    }
}

impl SegmentCollector for SegmentTop {
    type Fruit = Ranked;

    fn collect(&mut self, doc: DocId, score: Score) {
        // Below the lowest score kept, no rank can lift a document in: its key is never read.
        if let Some((lowest, _)) = self.top.threshold {
            if score < lowest {
                return;
            }
        }
        let rank = self.rank.as_ref().map_or(0, |c| c.get_val(doc));
        self.top.push((score, u64::MAX - rank), doc);
    }

    fn harvest(self) -> Ranked {
        let segment = self.segment;
        sorted(self.top)
            .into_iter()
            .map(|(key, doc)| (key, DocAddress::new(segment, doc)))
            .collect()
    }
}

fn sorted<D: Ord>(top: TopNComputer<RankKey, D, NaturalComparator>) -> Vec<(RankKey, D)> {
    top.into_sorted_vec()
        .into_iter()
        .map(|c| (c.sort_key, c.doc))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::QueryParser;
    use tantivy::schema::{Schema, FAST, TEXT};
    use tantivy::{doc, Index, IndexWriter};

    /// What tantivy's `tweak_score` gives for the same key: the reference.
    fn reference(limit: usize) -> impl Collector<Fruit = Ranked> {
        TopDocs::with_limit(limit.max(1)).tweak_score(|seg: &SegmentReader| {
            let rank = seg
                .fast_fields()
                .u64("rank")
                .ok()
                .map(|c| c.first_or_default_col(0));
            move |doc: DocId, score: Score| {
                (
                    score,
                    u64::MAX - rank.as_ref().map(|c| c.get_val(doc)).unwrap_or(0),
                )
            }
        })
    }

    /// An index of `docs` (text, rank), committed in `batches` segments, with the documents
    /// whose rank is in `deleted` removed: many equal scores, as short repeated texts make.
    fn index(docs: &[(String, u64)], batches: usize, deleted: &[u64]) -> Index {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let rank = schema.add_u64_field("rank", FAST);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.set_merge_policy(Box::new(tantivy::merge_policy::NoMergePolicy));
        let per = docs.len().div_ceil(batches.max(1)).max(1);
        for chunk in docs.chunks(per) {
            for (t, r) in chunk {
                writer
                    .add_document(doc!(text => t.as_str(), rank => *r))
                    .unwrap();
            }
            writer.commit().unwrap();
        }
        for r in deleted {
            writer.delete_term(tantivy::Term::from_field_u64(rank, *r));
        }
        writer.commit().unwrap();
        index
    }

    fn both(index: &Index, query: &str, limit: usize) -> (Ranked, Ranked) {
        let text = index.schema().get_field("text").unwrap();
        let q = QueryParser::for_index(index, vec![text])
            .parse_query(query)
            .unwrap();
        let searcher = index.reader().unwrap().searcher();
        let fast = searcher.search(&q, &RankedTop::with_limit(limit)).unwrap();
        let slow = searcher.search(&q, &reference(limit)).unwrap();
        (fast, slow)
    }

    #[test]
    fn equal_scores_are_ranked_by_rank_as_tweak_score_ranks_them() {
        let docs: Vec<(String, u64)> = (0..200u64)
            .map(|i| {
                (
                    ["trust the council", "trust", "council", "trust trust"][(i % 4) as usize]
                        .to_string(),
                    (i * 7919) % 1000,
                )
            })
            .collect();
        let index = index(&docs, 5, &[7919 % 1000]);
        for limit in [1, 3, 20, 49, 50, 51, 500] {
            let (fast, slow) = both(&index, "trust", limit);
            assert_eq!(fast, slow, "limit {limit}");
            assert_eq!(fast.len(), limit.min(149));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn ranked_top_is_tweak_score(
            picks in prop::collection::vec((0usize..5, 0u64..40), 1..120),
            batches in 1usize..6,
            limit in 1usize..30,
            deleted in prop::collection::vec(0u64..40, 0..4),
            query in prop::sample::select(vec!["trust", "council", "trust council", "trust OR money", "\"trust council\""]),
        ) {
            let texts = ["trust", "trust council", "council money", "trust trust money", "money"];
            let docs: Vec<(String, u64)> = picks.iter().map(|(t, r)| (texts[*t].to_string(), *r)).collect();
            let index = index(&docs, batches, &deleted);
            let (fast, slow) = both(&index, query, limit);
            prop_assert_eq!(fast, slow);
        }
    }
}
