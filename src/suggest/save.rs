//! `qcode suggest --save`: suggestions as proposals of the coder `suggested`
//! (`codings/suggested.csv`, status `proposed`), which a person then accepts or rejects in their
//! own file. Saving again replaces the proposals on the segments it covers: those no longer
//! suggested are withdrawn, those still suggested stay as they were (their time too), and rows
//! of any other kind in the file are kept.

use std::collections::{HashMap, HashSet};

use super::rank::Suggestion;
use crate::codings::edit::Removal;
use crate::codings::{CodingRow, Status};
use crate::transcript::Segment;

/// The coder suggestions are saved as.
pub const SUGGESTED: &str = "suggested";

/// The rows to save: one per suggestion that reached the threshold, proposed by `suggested`.
pub fn proposals(suggestions: &[Suggestion], segments: &[&Segment]) -> Vec<CodingRow> {
    let suggested = suggestions.iter().filter(|s| s.suggested);
    proposals_for(
        suggested.map(|s| (s.segment_id.as_str(), s.code.as_str())),
        segments,
    )
}

/// The rows to save for suggested (segment id, code) pairs, whatever suggested them (the
/// codebook's words, or a model learned from a coder).
pub fn proposals_for<'a>(
    suggested: impl IntoIterator<Item = (&'a str, &'a str)>,
    segments: &[&Segment],
) -> Vec<CodingRow> {
    let by_id: HashMap<&str, &Segment> = segments.iter().map(|s| (s.id.as_str(), *s)).collect();
    suggested
        .into_iter()
        .filter_map(|(id, code)| {
            let seg = by_id.get(id)?;
            let mut row = CodingRow::for_segment(seg, code, SUGGESTED, "");
            row.status = Status::Proposed;
            Some(row)
        })
        .collect()
}

/// The proposals in `existing` (a codings file's rows) to take out: those of `suggested` on a
/// segment in `covered` that `new` no longer proposes.
pub fn withdrawn(
    existing: &[CodingRow],
    covered: &HashSet<&str>,
    new: &[CodingRow],
) -> Vec<Removal> {
    let kept: HashSet<(&str, &str)> = new
        .iter()
        .map(|r| (r.segment_id.as_str(), r.code.as_str()))
        .collect();
    let mut out: Vec<Removal> = existing
        .iter()
        .filter(|r| r.coder == SUGGESTED && r.status == Status::Proposed)
        .filter(|r| covered.contains(r.segment_id.as_str()))
        .filter(|r| !kept.contains(&(r.segment_id.as_str(), r.code.as_str())))
        .map(|r| Removal {
            segment_id: r.segment_id.clone(),
            code: r.code.clone(),
            coder: SUGGESTED.into(),
        })
        .collect();
    out.dedup();
    out
}
