//! How far a person's review has come, per code: how many proposals they accepted, rejected,
//! and how many still wait (`qcode codes --coder NAME`). Proposals are the machine's codes and
//! the saved suggestions together, a segment and code proposed by both counted once; a code the
//! person gave by hand is theirs, not a proposal to decide.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::codings::{CoderView, Status, Store};
use crate::index::{Filter, IndexError, SearchIndex};

use super::queue::{build_queue, Proposal};
use super::session::state_in;
use super::{Source, SUGGESTED};

/// A code's review so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub accepted: usize,
    pub rejected: usize,
    pub pending: usize,
}

/// `person`'s review, by code id. Accepted and rejected count the person's decisions (each
/// segment once; the last row standing), pending the proposals they have not decided. The
/// index's view is set to the machine's while the proposals are read, then put back.
pub fn progress(
    index: &mut SearchIndex,
    person: &str,
) -> Result<BTreeMap<String, Progress>, IndexError> {
    let view = index.view().clone();
    index.set_view(CoderView::machine());
    let machine = build_queue(index, Source::Machine, &Filter::default());
    index.set_view(view);
    let machine = machine?;
    let store = index.store();
    let mut out: BTreeMap<String, Progress> = BTreeMap::new();
    for ((_, code), status) in decisions(store, person) {
        let p = out.entry(code).or_default();
        match status {
            Status::Accepted => p.accepted += 1,
            Status::Rejected => p.rejected += 1,
            _ => {}
        }
    }
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    let suggested = store
        .rows
        .iter()
        .map(|r| &r.row)
        .filter(|r| r.coder == SUGGESTED && r.status == Status::Proposed && !r.code.is_empty());
    let proposals = machine
        .proposals
        .iter()
        .map(|p| (p.segment_id.as_str(), p.code.as_str()))
        .chain(suggested.map(|r| (r.segment_id.as_str(), r.code.as_str())));
    for (seg, code) in proposals {
        if !seen.insert((seg, code)) {
            continue;
        }
        let p = Proposal {
            segment_id: seg.to_string(),
            code: code.to_string(),
            at: 0,
        };
        if state_in(store, person, &p).is_none() {
            out.entry(code.to_string()).or_default().pending += 1;
        }
    }
    Ok(out)
}

/// The person's decision on each (segment, code), the last row standing.
fn decisions(store: &Store, person: &str) -> HashMap<(String, String), Status> {
    let mut out = HashMap::new();
    for r in store.rows.iter().map(|r| &r.row) {
        if r.coder == person && !r.code.is_empty() && r.status != Status::Proposed {
            out.insert((r.segment_id.clone(), r.code.clone()), r.status);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::testing::indexed;
    use crate::project::Project;

    #[test]
    fn accepted_rejected_and_pending_per_code() {
        let (dir, mut index) = indexed(&[
            ("codebook/codes.toml", "[codes.trust]\nlabel = \"Trust\"\npatterns = [\"trust\"]\n\n[codes.money]\nlabel = \"Money\"\npatterns = [\"money\"]\n"),
            ("corpus/a.txt", "P1: We trust them.\n\nP1: Trust again, and money.\n\nP1: Nothing.\n"),
            ("codings/ann.csv", "segment_id,code,status\na:1.1,trust,rejected\na:2.1,money,accepted\na:3.1,trust,\n"),
            ("codings/suggested.csv", "segment_id,code,coder,status\na:3.1,money,suggested,proposed\na:2.1,money,suggested,proposed\n"),
        ]);
        index
            .refresh_codings(&Project::open(dir.path()).unwrap())
            .unwrap();
        let got = progress(&mut index, "ann").unwrap();
        assert_eq!(
            got["trust"],
            Progress {
                accepted: 0,
                rejected: 1,
                pending: 1
            }
        );
        assert_eq!(
            got["money"],
            Progress {
                accepted: 1,
                rejected: 0,
                pending: 1
            }
        );
    }
}
