//! Reviewing proposed codings: a person accepts or rejects, one at a time, the codes the machine
//! gives (its codebook patterns) or the suggestions saved in codings/ (coder `suggested`, status
//! `proposed`), before any figure counts them as theirs. The queue of what is still to decide, in
//! corpus order ([`queue`]); a session walking it with back and skip ([`session`]); the rows a
//! decision writes ([`decision`]); and the spreadsheet round trip for those who would rather
//! decide in Excel or LibreOffice ([`sheet`]). Nothing here draws or reads keys: `qcode review`
//! does that, and writes what this module says to write.
//!
//! A proposal is pending for a person while they have no row of their own for its segment and
//! code: accepted, rejected, or coded by hand (a code they gave themselves needs no review).
//! Reading through `[coding] use = "reviewed:NAME"` then counts their decisions where they exist
//! and the machine's codes elsewhere (see [`crate::codings::view`]).

pub mod progress;
pub mod queue;
pub mod session;
pub mod sheet;

use crate::codings::edit::Removal;
use crate::codings::{CodingRow, Status};
use crate::transcript::Segment;

pub use progress::{progress, Progress};
pub use queue::{build_queue, Proposal, Queue, Shown};
pub use session::Session;

/// The coder whose rows with status `proposed` are suggestions (`qcode suggest --save`).
pub const SUGGESTED: &str = "suggested";

/// Whose proposals are reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// The codes the codebook's patterns give.
    #[default]
    Machine,
    /// Rows of coder `suggested` with status `proposed` in codings/.
    Suggested,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Machine => "machine",
            Source::Suggested => SUGGESTED,
        }
    }
}

/// A person's decision on a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Reject,
}

impl Verdict {
    pub fn status(self) -> Status {
        match self {
            Verdict::Accept => Status::Accepted,
            Verdict::Reject => Status::Rejected,
        }
    }

    /// A `decision` cell: `accept`/`reject`, `a`/`r` (also `accepted`, `rejected`, `yes`, `no`,
    /// `y`, `n`), any case; `Ok(None)` for an empty cell (not decided yet).
    pub fn parse(cell: &str) -> Result<Option<Verdict>, NotADecision> {
        match cell.trim().to_lowercase().as_str() {
            "" => Ok(None),
            "accept" | "a" | "accepted" | "yes" | "y" => Ok(Some(Verdict::Accept)),
            "reject" | "r" | "rejected" | "no" | "n" => Ok(Some(Verdict::Reject)),
            _ => Err(NotADecision(cell.trim().to_string())),
        }
    }
}

/// A `decision` cell that says neither accept nor reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a decision")]
pub struct NotADecision(pub String);

/// What deciding `code` on `segment` writes to `person`'s codings: their earlier decision on it
/// (if any) taken out, and a row with the decision added, carrying the segment's interview,
/// offsets and words so it follows them if the id moves.
pub fn decision(
    segment: &Segment,
    code: &str,
    person: &str,
    verdict: Verdict,
) -> (CodingRow, Removal) {
    let mut row = CodingRow::for_segment(segment, code, person, "");
    row.status = verdict.status();
    let removal = Removal {
        segment_id: segment.id.clone(),
        code: code.into(),
        coder: person.into(),
    };
    (row, removal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_parse_in_any_case_and_empty_is_not_yet() {
        assert_eq!(Verdict::parse(" Accept "), Ok(Some(Verdict::Accept)));
        assert_eq!(Verdict::parse("R"), Ok(Some(Verdict::Reject)));
        assert_eq!(Verdict::parse("REJECT"), Ok(Some(Verdict::Reject)));
        assert_eq!(Verdict::parse(""), Ok(None));
        assert!(Verdict::parse("maybe").is_err());
    }

    #[test]
    fn a_decision_replaces_the_persons_earlier_one() {
        let s = Segment::for_test("a:1.1", "a", "We trust them.");
        let (row, removal) = decision(&s, "trust", "ann", Verdict::Reject);
        assert_eq!(row.status, Status::Rejected);
        assert_eq!((row.coder.as_str(), row.interview.as_str()), ("ann", "a"));
        assert_eq!(row.text, "We trust them.");
        assert_eq!(
            (removal.segment_id.as_str(), removal.code.as_str()),
            ("a:1.1", "trust")
        );
    }
}
