//! The best-ranked hits of a search: by score, equal scores by the `rank` fast field (a hash of
//! the segment id, so the same corpus always ranks the same way, wherever tantivy put each
//! document).
//!
//! tantivy's own `TopDocs::tweak_score` computes the key of every matching document, reading
//! `rank` for each: on a 1 GB corpus a common word matches hundreds of thousands of segments and
//! that read was a quarter of a search's time, mostly page faults in the column. Here documents
//! are kept by score alone, every one at or above the lowest score that can still enter the top,
//! and `rank` is read only for those kept at the end (or to choose among very many equal
//! scores): about `limit` reads per segment. That lowest score
//! is also handed to tantivy's block-max pruning (`Weight::for_each_pruning`), which skips whole
//! blocks of postings that cannot reach it, as its own `TopDocs` does; lowered by a hair, so
//! that a document scoring exactly the lowest is still seen and its rank can break the tie.
//!
//! A search that leaves out the interviewer's turns and has no other filter ranks the text
//! query alone (block-max pruning works on plain term queries, not on a query with a must-not
//! clause) and passes over the turns of [`RankedTop::skipping`]'s term here, as tantivy passes
//! over deleted documents. The hits, their order and the tie-breaks are those of `tweak_score`
//! over the whole query (the tests compare the two).
//!
//! A search that cannot be pruned (a phrase, a prefix, a filter) scores every match; on a large
//! index [`collect`] runs it over the index's segments on several threads.

use std::sync::Arc;

use rayon::prelude::*;
use tantivy::collector::sort_key::NaturalComparator;
use tantivy::collector::{Collector, SegmentCollector, TopNComputer};
use tantivy::columnar::ColumnValues;
use tantivy::query::{EnableScoring, Query, Weight};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader, Term};

/// A hit's key: its score, then `u64::MAX - rank` (a higher key ranks first).
pub type RankKey = (Score, u64);

/// Hits with their keys, best first.
pub type Ranked = Vec<(RankKey, DocAddress)>;

/// The `limit` best hits by [`RankKey`], best first; equal keys by document address.
pub struct RankedTop {
    limit: usize,
    skip: Option<Term>,
}

impl RankedTop {
    pub fn with_limit(limit: usize) -> RankedTop {
        RankedTop {
            limit: limit.max(1),
            skip: None,
        }
    }

    /// Documents indexed with `term` are never hits (the interviewer's turns).
    pub fn skipping(self, term: Option<Term>) -> RankedTop {
        RankedTop { skip: term, ..self }
    }
}

/// The documents of one segment that hold a term of a fast `u64` field (the interviewer's
/// turns), told by the field's column: one read per document asked about. Their postings,
/// read in step with a search, cost a block decoded per seek where the search's documents are
/// sparse (most of a common word's count on a large index).
pub struct Skipped {
    column: Arc<dyn ColumnValues<u64>>,
    value: u64,
}

impl Skipped {
    /// `None` without a term; an error when its field is not a fast `u64` field.
    pub fn of(term: Option<&Term>, reader: &SegmentReader) -> tantivy::Result<Option<Skipped>> {
        let Some(term) = term else {
            return Ok(None);
        };
        let name = reader.schema().get_field_name(term.field());
        let value = term.value().as_u64().ok_or_else(|| {
            tantivy::TantivyError::InvalidArgument(format!("{name}: not a u64 term"))
        })?;
        let column = reader.fast_fields().u64(name)?;
        // Every document has the flag: its values are read directly, not through the lookup
        // of an optional column (a third of a count's time).
        let column = match column.index {
            tantivy::columnar::ColumnIndex::Full => column.values,
            _ => column.first_or_default_col(!value),
        };
        Ok(Some(Skipped { column, value }))
    }

    pub fn contains(&self, doc: DocId) -> bool {
        self.column.get_val(doc) == self.value
    }

    /// How many of `docs` are not skipped; `buf` is room for their values.
    fn count_kept(&self, docs: &[DocId], buf: &mut Vec<u64>) -> usize {
        buf.resize(docs.len(), 0);
        self.column.get_vals(docs, buf);
        buf.iter().filter(|&&v| v != self.value).count()
    }
}

/// How many documents match, leaving out those holding `skip` (and deleted ones); tantivy's
/// `Count` when nothing is skipped.
pub struct CountSkipping {
    pub skip: Option<Term>,
}

/// One segment's part of [`CountSkipping`].
pub struct SegmentCount {
    n: usize,
    skipped: Option<Skipped>,
}

impl Collector for CountSkipping {
    type Fruit = usize;
    type Child = SegmentCount;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentCount> {
        let skipped = Skipped::of(self.skip.as_ref(), reader)?;
        Ok(SegmentCount { n: 0, skipped })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    /// Alone (not beside a ranking), the count reads the matches a block at a time.
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<usize> {
        if self.skip.is_none() {
            return Ok(weight.count(reader)? as usize);
        }
        let mut count = self.for_segment(segment, reader)?;
        let alive = reader.alive_bitset();
        let mut buf = Vec::new();
        weight.for_each_no_score(reader, &mut |docs| match (alive, &count.skipped) {
            // The common case (no deletes): the block's flags read at once.
            (None, Some(skipped)) => count.n += skipped.count_kept(docs, &mut buf),
            _ => {
                for &doc in docs {
                    if !alive.is_some_and(|a| a.is_deleted(doc)) {
                        count.collect(doc, 0.0);
                    }
                }
            }
        })?;
        Ok(count.harvest())
    }

    fn merge_fruits(&self, fruits: Vec<usize>) -> tantivy::Result<usize> {
        Ok(fruits.into_iter().sum())
    }
}

impl SegmentCollector for SegmentCount {
    type Fruit = usize;

    fn collect(&mut self, doc: DocId, _: Score) {
        if !self.skipped.as_ref().is_some_and(|s| s.contains(doc)) {
            self.n += 1;
        }
    }

    fn harvest(self) -> usize {
        self.n
    }
}

/// One segment's part of [`RankedTop`]: the documents that may still be among the best, by
/// score alone; `rank` is read only for those left at the end (and, when very many share the
/// lowest score kept, for those to choose among them).
pub struct SegmentTop {
    limit: usize,
    /// Score, document, and `u64::MAX - rank` once read.
    kept: Vec<(Score, DocId, Option<u64>)>,
    /// The `limit`-th best score seen so far: no document below it can enter.
    lowest: Option<Score>,
    /// The `limit`-th best whole key seen so far, once known: a document scoring the same
    /// enters only with a rank at least as good. Many documents often share one score (every
    /// match of a glob or of `*` scores the same), and each is then turned away by one read of
    /// its rank instead of being kept until the next [`SegmentTop::trim`].
    bar: Option<RankKey>,
    rank: Option<Arc<dyn ColumnValues<u64>>>,
    segment: SegmentOrdinal,
    /// The documents that are never hits (the interviewer's turns).
    skipped: Option<Skipped>,
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
            limit: self.limit,
            kept: Vec::new(),
            lowest: None,
            bar: None,
            rank,
            segment,
            skipped: Skipped::of(self.skip.as_ref(), reader)?,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Ranked> {
        let mut top = self.for_segment(segment, reader)?;
        let alive = reader.alive_bitset();
        weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
            if !alive.is_some_and(|a| a.is_deleted(doc)) {
                top.collect(doc, score);
            }
            top.floor()
        })?;
        Ok(top.harvest())
    }

    fn merge_fruits(&self, fruits: Vec<Ranked>) -> tantivy::Result<Ranked> {
        let mut top = TopNComputer::new_with_comparator(self.limit, NaturalComparator);
        for (key, addr) in fruits.into_iter().flatten() {
            top.push(key, addr);
        }
        Ok(sorted(top))
    }
}

impl SegmentTop {
    /// The score a document must pass for the pruning to show it: just under the lowest score
    /// kept, so that one equal to it still reaches the rank (block maxima are sums in another
    /// order, so a relative margin, not one ulp).
    fn floor(&self) -> Score {
        match self.lowest {
            Some(lowest) => lowest - (lowest.abs() * 1e-5 + 1e-30),
            None => Score::MIN,
        }
    }

    /// Keep the documents scoring at least the `limit`-th best score (a superset of the best
    /// `limit` by the whole key); when too many share that score, the best `limit` by rank.
    fn trim(&mut self) {
        let k = self.limit;
        if self.kept.len() <= k {
            return;
        }
        self.kept
            .select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0));
        let kth = self.kept[k - 1].0;
        self.kept.retain(|c| c.0 >= kth);
        self.lowest = Some(kth);
        if self.kept.len() > 2 * k {
            let best = self.best();
            // Exactly `limit` kept, each with its key: the last is the bar to pass. It only
            // rises from here on, so until the next trim it is a bar too low, never too high.
            if best.len() == k {
                self.bar = best.last().map(|(key, _)| *key);
            }
            self.kept = best
                .into_iter()
                .map(|((score, key), doc)| (score, doc, Some(key)))
                .collect();
        }
    }

    /// `doc`'s key after its score: `u64::MAX - rank`.
    fn rank_key(&self, doc: DocId) -> u64 {
        u64::MAX - self.rank.as_ref().map_or(0, |c| c.get_val(doc))
    }

    /// The best `limit` of the kept documents by the whole key, ranks read where missing.
    fn best(&mut self) -> Vec<(RankKey, DocId)> {
        let mut top = TopNComputer::new_with_comparator(self.limit, NaturalComparator);
        let kept = std::mem::take(&mut self.kept);
        for (score, doc, key) in kept {
            let key = key.unwrap_or_else(|| self.rank_key(doc));
            top.push((score, key), doc);
        }
        sorted(top)
    }
}

impl SegmentCollector for SegmentTop {
    type Fruit = Ranked;

    fn collect(&mut self, doc: DocId, score: Score) {
        // Below the lowest score kept, no rank can lift a document in.
        if self.lowest.is_some_and(|lowest| score < lowest) {
            return;
        }
        if self.skipped.as_ref().is_some_and(|s| s.contains(doc)) {
            return;
        }
        // Tied with the bar: only a rank at least as good can enter (an equal key is kept, for
        // the final choice to order by document as it always does).
        let key = match self.bar {
            Some((bar, bar_key)) if score == bar => {
                let key = self.rank_key(doc);
                if key < bar_key {
                    return;
                }
                Some(key)
            }
            _ => None,
        };
        self.kept.push((score, doc, key));
        if self.kept.len() >= 4 * self.limit {
            self.trim();
        }
    }

    fn harvest(mut self) -> Ranked {
        let segment = self.segment;
        self.trim();
        self.best()
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

/// Documents from which [`collect`] reads an index's segments on several threads. Measured on
/// two cores: on the inquiry's 45 MB (about 270,000 segments, two index segments) it neither
/// gained nor lost; on 1 GB it cut the slowest searches by a fifth. On a small index starting
/// the threads (about 0.1 ms) is more than they could save.
const PARALLEL_DOCS: u32 = 200_000;

/// `searcher.search(query, collector)`, with the index's segments collected on rayon's threads
/// when there are several and enough documents: a phrase or prefix scores every match, and on
/// a large index that is most of a search's time. The fruits are merged in segment order, as
/// tantivy's own multi-threaded executor merges them, so the result does not depend on the
/// threads.
pub(super) fn collect<C: Collector>(
    searcher: &Searcher,
    query: &dyn Query,
    collector: &C,
) -> tantivy::Result<C::Fruit> {
    collect_from(searcher, query, collector, PARALLEL_DOCS)
}

/// [`collect`], on several threads from `min_docs` documents.
fn collect_from<C: Collector>(
    searcher: &Searcher,
    query: &dyn Query,
    collector: &C,
    min_docs: u32,
) -> tantivy::Result<C::Fruit> {
    let readers = searcher.segment_readers();
    let docs: u32 = readers.iter().map(|r| r.max_doc()).sum();
    if readers.len() < 2 || docs < min_docs || rayon::current_num_threads() < 2 {
        return searcher.search(query, collector);
    }
    let scoring = match collector.requires_scoring() {
        true => EnableScoring::enabled_from_searcher(searcher),
        false => EnableScoring::disabled_from_searcher(searcher),
    };
    let weight = query.weight(scoring)?;
    collector.check_schema(searcher.schema())?;
    let fruits = readers
        .par_iter()
        .enumerate()
        .map(|(ord, reader)| collector.collect_segment(weight.as_ref(), ord as u32, reader))
        .collect::<tantivy::Result<Vec<_>>>()?;
    collector.merge_fruits(fruits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, QueryParser, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, FAST, INDEXED, TEXT};
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
    /// whose rank is in `deleted` removed: many equal scores, as short repeated texts make. A
    /// document whose rank is a multiple of `aside` is flagged (`aside` 0: none is), as the
    /// interviewer's turns are.
    fn index(docs: &[(String, u64)], batches: usize, deleted: &[u64], aside: u64) -> Index {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let rank = schema.add_u64_field("rank", FAST | INDEXED);
        let flag = schema.add_u64_field("flag", INDEXED | FAST);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.set_merge_policy(Box::new(tantivy::merge_policy::NoMergePolicy));
        let per = docs.len().div_ceil(batches.max(1)).max(1);
        for chunk in docs.chunks(per) {
            for (t, r) in chunk {
                let flagged = aside > 0 && r % aside == 0;
                writer
                    .add_document(doc!(text => t.as_str(), rank => *r, flag => flagged as u64))
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

    /// The hits of `query` ranked here (flagged documents skipped) and by the reference (the
    /// query with a must-not clause on the flag, as the search used to build it).
    fn both(index: &Index, query: &str, limit: usize) -> (Ranked, Ranked) {
        let schema = index.schema();
        let text = schema.get_field("text").unwrap();
        let flag = Term::from_field_u64(schema.get_field("flag").unwrap(), 1);
        let q = QueryParser::for_index(index, vec![text])
            .parse_query(query)
            .unwrap();
        let whole = BooleanQuery::new(vec![
            (Occur::Must, q.box_clone()),
            (
                Occur::MustNot,
                Box::new(TermQuery::new(flag.clone(), IndexRecordOption::Basic)),
            ),
        ]);
        let searcher = index.reader().unwrap().searcher();
        // The count as well: the text's matches, the flagged and deleted ones left out.
        let counted = CountSkipping {
            skip: Some(flag.clone()),
        };
        let counted = searcher.search(&q, &counted).unwrap();
        assert_eq!(counted, whole.count(&searcher).unwrap(), "count of {query}");
        // Ranked and counted in one pass (as a phrase, a prefix or a filter is): the same.
        let top = RankedTop::with_limit(limit).skipping(Some(flag.clone()));
        let count = CountSkipping {
            skip: Some(flag.clone()),
        };
        let (one_pass, n) = collect_from(&searcher, q.as_ref(), &(top, count), 0).unwrap();
        assert_eq!(n, counted, "count of {query}, ranked beside");
        let reference_top = searcher.search(&whole, &reference(limit)).unwrap();
        assert_eq!(one_pass, reference_top, "{query}, ranked beside the count");
        let fast = RankedTop::with_limit(limit).skipping(Some(flag));
        let fast = searcher.search(&q, &fast).unwrap();
        let slow = searcher.search(&whole, &reference(limit)).unwrap();
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
        let index = index(&docs, 5, &[7919 % 1000], 0);
        for limit in [1, 3, 20, 49, 50, 51, 500] {
            let (fast, slow) = both(&index, "trust", limit);
            assert_eq!(fast, slow, "limit {limit}");
            assert_eq!(fast.len(), limit.min(149));
        }
    }

    /// Texts of many lengths and repeats: postings long enough for several blocks (128
    /// documents each), so that block-max pruning skips some of them.
    fn varied(picks: &[(u8, u8, u64)]) -> Vec<(String, u64)> {
        let words = ["trust", "council", "money", "people", "the"];
        picks
            .iter()
            .map(|(w, n, r)| {
                let text: Vec<&str> = (0..=*n as usize)
                    .map(|k| words[(*w as usize + k * k) % words.len()])
                    .collect();
                (text.join(" "), *r)
            })
            .collect()
    }

    #[test]
    fn pruned_blocks_and_skipped_documents_leave_the_top_as_it_was() {
        let picks: Vec<(u8, u8, u64)> = (0..3000u64)
            .map(|i| ((i % 5) as u8, ((i * 31) % 17) as u8, (i * 7919) % 2000))
            .collect();
        let index = index(&varied(&picks), 3, &[5, 77, 1999], 3);
        for query in [
            "trust",
            "trust OR money",
            "+trust +council",
            "\"trust council\"",
            "*",
        ] {
            for limit in [1, 10, 20, 200] {
                let (fast, slow) = both(&index, query, limit);
                assert_eq!(fast, slow, "{query} limit {limit}");
                assert_eq!(fast.len(), limit);
            }
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
            aside in 0u64..4,
            query in prop::sample::select(vec!["trust", "council", "trust council", "trust OR money", "\"trust council\""]),
        ) {
            let texts = ["trust", "trust council", "council money", "trust trust money", "money"];
            let docs: Vec<(String, u64)> = picks.iter().map(|(t, r)| (texts[*t].to_string(), *r)).collect();
            let index = index(&docs, batches, &deleted, aside);
            let (fast, slow) = both(&index, query, limit);
            prop_assert_eq!(fast, slow);
        }

        #[test]
        fn ranked_top_is_tweak_score_over_many_blocks(
            picks in prop::collection::vec((0u8..5, 0u8..12, 0u64..500), 300..1500),
            batches in 1usize..3,
            limit in 1usize..40,
            deleted in prop::collection::vec(0u64..500, 0..6),
            aside in 0u64..4,
            // Globs and `*` score every match the same: ties all the way, ranked by rank.
            query in prop::sample::select(vec!["trust", "people", "trust OR money", "+trust +people", "the OR council OR money", "peo*", "*"]),
        ) {
            let index = index(&varied(&picks), batches, &deleted, aside);
            let (fast, slow) = both(&index, query, limit);
            prop_assert_eq!(fast, slow);
        }

        #[test]
        fn segments_collected_on_several_threads_give_what_one_gives(
            picks in prop::collection::vec((0u8..5, 0u8..12, 0u64..500), 50..600),
            batches in 2usize..6,
            limit in 1usize..40,
            deleted in prop::collection::vec(0u64..500, 0..6),
            query in prop::sample::select(vec!["trust", "\"trust council\"", "peo*", "trust OR money", "*"]),
        ) {
            let index = index(&varied(&picks), batches, &deleted, 0);
            let text = index.schema().get_field("text").unwrap();
            let q = QueryParser::for_index(&index, vec![text]).parse_query(query).unwrap();
            let searcher = index.reader().unwrap().searcher();
            let collector = (RankedTop::with_limit(limit), tantivy::collector::Count);
            let one = searcher.search(&q, &collector).unwrap();
            // Two threads whatever the machine has, so the parallel path is the one taken.
            let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
            let several = pool.install(|| collect_from(&searcher, &q, &collector, 0)).unwrap();
            prop_assert_eq!(several, one);
        }
    }
}
