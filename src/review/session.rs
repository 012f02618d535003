//! One person's pass through a [`Queue`]: where they are, what they decided (before this session,
//! from the store, and during it), what they skipped, and the way back. It opens at the first
//! proposal still pending, so quitting and coming back resumes where they stopped; a decision
//! moves on to the next pending one after it; skipping leaves a proposal pending for next time.
//! The caller writes each decision to the person's codings first and tells the session after,
//! so the session never believes something that is not in the file.

use std::collections::BTreeSet;

use crate::codings::{Status, Store};

use super::queue::{Proposal, Queue};
use super::Verdict;

#[derive(Debug, Clone)]
pub struct Session {
    pub queue: Queue,
    pub person: String,
    /// The person's row on each proposal (accepted, rejected, or coded by hand), by index.
    states: Vec<Option<Status>>,
    /// The proposal shown; `None` once nothing pending is left after the last one.
    at: Option<usize>,
    /// The proposals shown before, most recent last (what `back` returns to).
    history: Vec<usize>,
    skipped: BTreeSet<usize>,
    pending: usize,
    /// Decisions made in this session.
    pub decided_now: usize,
}

impl Session {
    /// A session over `queue` for `person`, whose decisions so far `store` holds.
    pub fn new(queue: Queue, store: &Store, person: &str) -> Session {
        let states: Vec<Option<Status>> = queue
            .proposals
            .iter()
            .map(|p| state_in(store, person, p))
            .collect();
        let pending = states.iter().filter(|s| s.is_none()).count();
        let mut s = Session {
            queue,
            person: person.to_string(),
            states,
            at: None,
            history: Vec::new(),
            skipped: BTreeSet::new(),
            pending,
            decided_now: 0,
        };
        s.at = s.next_pending(0);
        s
    }

    /// The index of the proposal shown, if any.
    pub fn at(&self) -> Option<usize> {
        self.at
    }

    pub fn current(&self) -> Option<&Proposal> {
        self.at.map(|i| &self.queue.proposals[i])
    }

    /// The person's row on proposal `i` (none: pending).
    pub fn state(&self, i: usize) -> Option<Status> {
        self.states[i]
    }

    /// Proposals still pending (skipped ones included).
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// Proposals skipped in this session and still pending.
    pub fn skipped(&self) -> usize {
        self.skipped
            .iter()
            .filter(|&&i| self.states[i].is_none())
            .count()
    }

    /// The 1-based place of the proposal shown among all the queue's proposals.
    pub fn position(&self) -> Option<(usize, usize)> {
        self.at.map(|i| (i + 1, self.queue.proposals.len()))
    }

    /// Record that the proposal shown was decided (the caller has written it), and move on.
    pub fn decided(&mut self, verdict: Verdict) {
        let Some(i) = self.at else { return };
        if self.states[i].is_none() {
            self.pending -= 1;
        }
        self.states[i] = Some(verdict.status());
        self.decided_now += 1;
        self.advance(i);
    }

    /// Record that the person gave `code` to the shown proposal's segment by hand: a proposal
    /// of that code there needs no review any more.
    pub fn coded(&mut self, code: &str) {
        let Some(i) = self.at else { return };
        for j in self.same_segment(i) {
            if self.queue.proposals[j].code == code && self.states[j].is_none() {
                self.states[j] = Some(Status::Coded);
                self.pending -= 1;
            }
        }
    }

    /// Leave the proposal shown pending and move on.
    pub fn skip(&mut self) {
        if let Some(i) = self.at {
            self.skipped.insert(i);
            self.advance(i);
        }
    }

    /// Go back to the proposal shown before this one; false when there is none.
    pub fn back(&mut self) -> bool {
        match self.history.pop() {
            Some(i) => {
                self.at = Some(i);
                true
            }
            None => false,
        }
    }

    fn advance(&mut self, from: usize) {
        self.history.push(from);
        self.at = self.next_pending(from + 1);
    }

    /// The first proposal from `from` on that is pending and was not skipped.
    fn next_pending(&self, from: usize) -> Option<usize> {
        (from..self.states.len()).find(|&i| self.states[i].is_none() && !self.skipped.contains(&i))
    }

    /// The proposals on the same segment as proposal `i` (they are next to each other).
    fn same_segment(&self, i: usize) -> std::ops::Range<usize> {
        let at = self.queue.proposals[i].at;
        let p = &self.queue.proposals;
        let start = p[..i].iter().rev().take_while(|q| q.at == at).count();
        let end = p[i..].iter().take_while(|q| q.at == at).count();
        i - start..i + end
    }
}

/// The person's row on a proposal in the store: their decision, or their own coding of it.
pub fn state_in(store: &Store, person: &str, p: &Proposal) -> Option<Status> {
    let mut state = None;
    for r in store.for_segment(&p.segment_id) {
        if r.coder == person && r.code == p.code && r.status != Status::Proposed {
            // The last row of a file stands, as a later decision replaces an earlier one.
            state = Some(r.status);
        }
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codings::{CodingRow, StoredRow};

    fn queue(pairs: &[(&str, &str, usize)]) -> Queue {
        Queue {
            proposals: pairs
                .iter()
                .map(|&(s, c, at)| Proposal {
                    segment_id: s.into(),
                    code: c.into(),
                    at,
                })
                .collect(),
            ..Queue::default()
        }
    }

    fn store(rows: &[(&str, &str, Status)]) -> Store {
        Store::new(
            rows.iter()
                .map(|&(s, c, status)| StoredRow {
                    file: "codings/ann.csv".into(),
                    line: 2,
                    row: CodingRow {
                        segment_id: s.into(),
                        code: c.into(),
                        coder: "ann".into(),
                        status,
                        ..Default::default()
                    },
                    was: None,
                })
                .collect(),
            vec![],
            vec![],
        )
    }

    #[test]
    fn it_resumes_at_the_first_pending_and_moves_past_decisions_and_skips() {
        let q = queue(&[
            ("a:1", "trust", 0),
            ("a:1", "money", 0),
            ("a:2", "trust", 1),
        ]);
        let s = store(&[("a:1", "trust", Status::Rejected)]);
        let mut session = Session::new(q, &s, "ann");
        assert_eq!((session.at(), session.pending()), (Some(1), 2));
        session.skip();
        assert_eq!(session.at(), Some(2));
        session.decided(Verdict::Accept);
        assert_eq!((session.at(), session.pending()), (None, 1));
        assert_eq!(session.skipped(), 1);
        // Back to the decided one, and changing it counts it once.
        assert!(session.back());
        assert_eq!(session.state(2), Some(Status::Accepted));
        session.decided(Verdict::Reject);
        assert_eq!(
            (session.pending(), session.state(2)),
            (1, Some(Status::Rejected))
        );
        assert!(session.back() && session.back());
        assert_eq!(session.at(), Some(1));
    }

    #[test]
    fn a_code_given_by_hand_settles_its_proposal_and_others_peoples_rows_do_not() {
        let q = queue(&[("a:1", "trust", 0), ("a:1", "money", 0)]);
        let mut s = store(&[]);
        s.rows.push(StoredRow {
            row: CodingRow {
                segment_id: "a:1".into(),
                code: "trust".into(),
                coder: "bob".into(),
                status: Status::Accepted,
                ..Default::default()
            },
            file: "codings/bob.csv".into(),
            line: 2,
            was: None,
        });
        s.reindex();
        let mut session = Session::new(q, &s, "ann");
        assert_eq!(session.pending(), 2);
        session.coded("money");
        assert_eq!(
            (session.pending(), session.state(1)),
            (1, Some(Status::Coded))
        );
        session.decided(Verdict::Accept);
        assert_eq!(session.at(), None);
    }
}
