//! How the index writer merges segments: tantivy's log merge policy, with no merge larger
//! than [`MAX_MERGE_BYTES`] on disk, one merge at a time.
//!
//! Why: a merge reads every file of the segments it merges through memory maps, so while it
//! runs they are part of the process's resident memory. Left to itself the log policy merges
//! ever larger segments (eight of 700,000 documents into one of 5.5 million on a 10 GB
//! corpus), and indexing 10 GB peaked at 6.9 GB of memory. Bounded, a merge touches at most
//! [`MAX_MERGE_BYTES`] of segments: a large corpus ends as more segments of about that size
//! (Lucene's tiered policy caps merged segments in the same way), which a search barely feels.

use std::collections::HashMap;
use std::path::PathBuf;

use tantivy::index::{SegmentComponent, SegmentId, SegmentMeta};
use tantivy::merge_policy::{LogMergePolicy, MergeCandidate, MergePolicy};

/// The most bytes of segment files one merge reads (and so about its result's size).
pub const MAX_MERGE_BYTES: u64 = 512 << 20;

/// The components a merge reads.
const READ: [SegmentComponent; 6] = [
    SegmentComponent::Postings,
    SegmentComponent::Positions,
    SegmentComponent::Terms,
    SegmentComponent::Store,
    SegmentComponent::FastFields,
    SegmentComponent::FieldNorms,
];

/// tantivy's log merge policy over the segments small enough to merge, each of its merges cut
/// into runs of at most `max_bytes`.
#[derive(Debug)]
pub(crate) struct BoundedMerges {
    dir: PathBuf,
    max_bytes: u64,
    log: LogMergePolicy,
}

impl BoundedMerges {
    pub(crate) fn new(dir: PathBuf, max_bytes: u64) -> BoundedMerges {
        BoundedMerges {
            dir,
            max_bytes,
            log: LogMergePolicy::default(),
        }
    }

    /// A segment's size on disk (a file not there counts nothing: it is being written).
    fn bytes(&self, meta: &SegmentMeta) -> u64 {
        READ.iter()
            .filter_map(|c| std::fs::metadata(self.dir.join(meta.relative_path(c.clone()))).ok())
            .map(|m| m.len())
            .sum()
    }
}

impl MergePolicy for BoundedMerges {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let size: HashMap<SegmentId, u64> =
            segments.iter().map(|s| (s.id(), self.bytes(s))).collect();
        // A segment of half the bound or more has nothing to merge with inside the bound.
        let small: Vec<SegmentMeta> = segments
            .iter()
            .filter(|s| size[&s.id()] < self.max_bytes / 2)
            .cloned()
            .collect();
        self.log
            .compute_merge_candidates(&small)
            .into_iter()
            .flat_map(|c| runs(c.0, |id| size[id], self.max_bytes))
            .map(MergeCandidate)
            .collect()
    }
}

/// `ids` cut, in order, into runs whose sizes add up to at most `max`; a run of one segment
/// is no merge and is dropped.
fn runs<T>(ids: Vec<T>, size: impl Fn(&T) -> u64, max: u64) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut run: Vec<T> = Vec::new();
    let mut bytes = 0;
    for id in ids {
        let s = size(&id);
        if !run.is_empty() && bytes + s > max {
            out.push(std::mem::take(&mut run));
            bytes = 0;
        }
        bytes += s;
        run.push(id);
    }
    out.push(run);
    out.retain(|r| r.len() > 1);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn runs_stay_under_the_bound_and_drop_single_segments() {
        let sizes = [100, 100, 100, 250, 100, 400];
        let got = runs((0..sizes.len()).collect(), |&i| sizes[i], 300);
        assert_eq!(got, vec![vec![0, 1, 2]]);
        assert_eq!(runs(vec![0, 1], |_| 10, 20), vec![vec![0, 1]]);
        assert!(runs(Vec::<usize>::new(), |_| 1, 5).is_empty());
    }

    proptest! {
        /// Every run of two or more fits the bound, keeps the order, and no segment is in
        /// two runs.
        #[test]
        fn runs_fit(sizes in proptest::collection::vec(1u64..200, 0..40), max in 50u64..600) {
            let got = runs((0..sizes.len()).collect(), |&i| sizes[i], max);
            let flat: Vec<usize> = got.iter().flatten().copied().collect();
            prop_assert!(flat.windows(2).all(|w| w[0] < w[1]));
            for r in &got {
                prop_assert!(r.len() > 1);
                prop_assert!(r.iter().map(|&i| sizes[i]).sum::<u64>() <= max);
            }
        }
    }

    /// An index written under the policy: many small commits end merged, and no segment
    /// grows past the bound.
    #[test]
    fn small_segments_merge_within_the_bound() {
        use tantivy::schema::{Schema, STORED, TEXT};
        let dir = tempfile::tempdir().unwrap();
        let mut builder = Schema::builder();
        let text = builder.add_text_field("text", TEXT | STORED);
        let index = tantivy::Index::create_in_dir(dir.path(), builder.build()).unwrap();
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        let max = 64 << 10;
        writer.set_merge_policy(Box::new(BoundedMerges::new(dir.path().to_path_buf(), max)));
        for c in 0..24 {
            for i in 0..200 {
                let body = format!("commit {c} doc {i} {}", "word ".repeat(i % 13));
                writer.add_document(tantivy::doc!(text => body)).unwrap();
            }
            writer.commit().unwrap();
        }
        writer.wait_merging_threads().unwrap();
        let metas = index.searchable_segment_metas().unwrap();
        assert!(metas.len() < 24, "nothing merged: {} segments", metas.len());
        let policy = BoundedMerges::new(dir.path().to_path_buf(), max);
        for m in &metas {
            assert!(
                policy.bytes(m) <= max,
                "a segment of {} bytes",
                policy.bytes(m)
            );
        }
        let n: u32 = metas.iter().map(|m| m.num_docs()).sum();
        assert_eq!(n, 24 * 200);
    }
}
