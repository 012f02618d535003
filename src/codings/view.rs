//! Whose codings a command reads: the machine's, a person's, a person's review of the machine's,
//! or several at once (`--coder`, default `[coding] use` in qcode.toml). [`CoderView::apply`]
//! turns the machine's codings of a segment into the chosen coders' codings, each tagged with
//! its coder, so every command that reads codings reads them through one rule.

use std::collections::BTreeSet;

use crate::codebook::Codebook;
use crate::coding::Evidence;

use super::store::Store;

/// The reserved coder name for the codebook's patterns.
pub const MACHINE: &str = "machine";
/// The reserved name for the machine and every person in the store.
pub const ALL: &str = "all";
/// The prefix of a reviewed view: `reviewed:NAME`.
pub const REVIEWED: &str = "reviewed:";

/// One coder whose codings are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coder {
    Machine,
    Person(String),
    /// The machine's codes with this person's decisions in place of them, segment by segment.
    Reviewed(String),
}

impl Coder {
    /// The name shown in a `coder` column (empty for the machine, which [`Coder::label`] names).
    fn tag(&self) -> String {
        match self {
            Coder::Machine => String::new(),
            Coder::Person(n) => n.clone(),
            Coder::Reviewed(n) => format!("{REVIEWED}{n}"),
        }
    }
}

/// The label of a coding's coder for people: `machine` for the machine's.
pub fn label(coder: &str) -> &str {
    if coder.is_empty() {
        MACHINE
    } else {
        coder
    }
}

/// A coder named that has no codings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no coder `{name}` in codings/; {}", if known.is_empty() { "no one has coded yet (`qcode code add` records a coding)".to_string() } else { format!("the coders are: machine, {}", known.join(", ")) })]
pub struct UnknownCoder {
    pub name: String,
    pub known: Vec<String>,
}

/// The coders a command reads, in the order asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoderView {
    pub coders: Vec<Coder>,
}

impl Default for CoderView {
    fn default() -> CoderView {
        CoderView::machine()
    }
}

impl CoderView {
    pub fn machine() -> CoderView {
        CoderView {
            coders: vec![Coder::Machine],
        }
    }

    /// The view `asked` names (`--coder`, repeatable), else `default` (`[coding] use`).
    /// `people` are the coders the store has; a name that is none of them is an error, so a
    /// typo never reads as "no codings".
    pub fn parse(
        asked: &[String],
        default: &str,
        people: &[String],
    ) -> Result<CoderView, UnknownCoder> {
        let names: Vec<&str> = if asked.is_empty() {
            vec![default]
        } else {
            asked.iter().map(String::as_str).collect()
        };
        let mut coders = Vec::new();
        let known = |n: &str| -> Result<String, UnknownCoder> {
            people
                .iter()
                .find(|p| p.as_str() == n)
                .cloned()
                .ok_or_else(|| UnknownCoder {
                    name: n.into(),
                    known: people.to_vec(),
                })
        };
        for name in names {
            let name = name.trim();
            let more = match name {
                MACHINE | "" => vec![Coder::Machine],
                ALL => std::iter::once(Coder::Machine)
                    .chain(people.iter().map(|p| Coder::Person(p.clone())))
                    .collect(),
                n if n.starts_with(REVIEWED) => {
                    vec![Coder::Reviewed(known(&n[REVIEWED.len()..])?)]
                }
                n => vec![Coder::Person(known(n)?)],
            };
            for c in more {
                if !coders.contains(&c) {
                    coders.push(c);
                }
            }
        }
        Ok(CoderView { coders })
    }

    /// The coders' tags as codings carry them (empty for the machine), in order: the rows a
    /// listing gives each segment when several coders are read.
    pub fn tags(&self) -> Vec<String> {
        self.coders.iter().map(Coder::tag).collect()
    }

    /// Only the machine: what the index holds, with nothing to change.
    pub fn machine_only(&self) -> bool {
        self.coders == [Coder::Machine]
    }

    /// More than one coder: outputs gain a `coder` column.
    pub fn several(&self) -> bool {
        self.coders.len() > 1
    }

    /// Whether a person's codings are read (they may be on interviewer turns, which the
    /// machine never codes).
    pub fn reads_people(&self) -> bool {
        self.coders.iter().any(|c| !matches!(c, Coder::Machine))
    }

    /// The codings of segment `id` as the chosen coders see it, given the machine's: for each
    /// coder in order, its codes in codebook order, tagged with the coder.
    pub fn apply(
        &self,
        id: &str,
        machine: Vec<Evidence>,
        store: &Store,
        codebook: &Codebook,
    ) -> Vec<Evidence> {
        if self.machine_only() {
            return machine;
        }
        let mut out = Vec::new();
        for coder in &self.coders {
            let start = out.len();
            match coder {
                Coder::Machine => out.extend(machine.iter().cloned()),
                Coder::Person(name) => {
                    out.extend(store.applied(name, id).into_iter().map(person(coder)))
                }
                Coder::Reviewed(name) => {
                    let d = store.decisions(name, id);
                    let theirs = store.applied(name, id);
                    if !d.nothing_else {
                        // The machine's codes stand unless the person rejected them (or coded
                        // the code themselves: it is then theirs, listed once).
                        out.extend(
                            machine
                                .iter()
                                .filter(|e| {
                                    !d.rejected.contains(e.code.as_str())
                                        && !theirs.contains(e.code.as_str())
                                })
                                .map(|e| Evidence {
                                    coder: coder.tag(),
                                    ..e.clone()
                                }),
                        );
                    }
                    out.extend(theirs.into_iter().map(person(coder)));
                }
            }
            let order = |e: &Evidence| codebook.codes.iter().position(|c| c.id == e.code);
            out[start..].sort_by_key(|e| (order(e).unwrap_or(usize::MAX), e.code.clone()));
        }
        out
    }

    /// The segments a person's codings may change: where the result can differ from the
    /// machine's codes alone.
    pub fn touched<'a>(&'a self, store: &'a Store) -> BTreeSet<&'a str> {
        let mut ids = BTreeSet::new();
        for c in &self.coders {
            if let Coder::Person(n) | Coder::Reviewed(n) = c {
                ids.extend(store.segments_of(n));
            }
        }
        ids
    }

    /// Whether a person the view reads has rows for segment `id`.
    pub fn touched_by(&self, store: &Store, id: &str) -> bool {
        store.for_segment(id).any(|r| {
            self.coders.iter().any(|c| match c {
                Coder::Person(n) | Coder::Reviewed(n) => &r.coder == n,
                Coder::Machine => false,
            })
        })
    }

    /// Whether the machine's codes count where no person's codings change them.
    pub fn machine_counts(&self) -> bool {
        self.coders
            .iter()
            .any(|c| matches!(c, Coder::Machine | Coder::Reviewed(_)))
    }
}

/// A person's code as evidence: no hits (a judgement, not a pattern), tagged with the coder.
fn person(coder: &Coder) -> impl Fn(&str) -> Evidence + '_ {
    move |code| Evidence {
        code: code.into(),
        hits: Vec::new(),
        coder: coder.tag(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::Code;
    use crate::codings::{CodingRow, Status, StoredRow};

    fn store(rows: &[(&str, &str, &str, Status)]) -> Store {
        Store::new(
            rows.iter()
                .enumerate()
                .map(|(i, &(seg, code, coder, status))| StoredRow {
                    file: "codings/x.csv".into(),
                    line: i + 2,
                    row: CodingRow {
                        segment_id: seg.into(),
                        code: code.into(),
                        coder: coder.into(),
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

    fn codebook() -> Codebook {
        let mut cb = Codebook::empty();
        for id in ["trust", "dialogue", "power"] {
            cb.codes.push(Code::new(id, id, "component"));
        }
        cb
    }

    fn machine(codes: &[&str]) -> Vec<Evidence> {
        codes
            .iter()
            .map(|c| Evidence {
                code: c.to_string(),
                ..Default::default()
            })
            .collect()
    }

    fn codes(v: &[Evidence]) -> Vec<(String, String)> {
        v.iter()
            .map(|e| (e.code.clone(), e.coder.clone()))
            .collect()
    }

    #[test]
    fn names_are_checked_and_all_expands() {
        let people = vec!["ann".to_string(), "bob".to_string()];
        assert!(CoderView::parse(&[], "machine", &people)
            .unwrap()
            .machine_only());
        let v = CoderView::parse(&["all".into()], "machine", &people).unwrap();
        assert_eq!(v.coders.len(), 3);
        let e = CoderView::parse(&["anne".into()], "machine", &people).unwrap_err();
        assert!(e.to_string().contains("ann, bob"), "{e}");
        let v = CoderView::parse(&[], "reviewed:ann", &people).unwrap();
        assert_eq!(v.coders, [Coder::Reviewed("ann".into())]);
    }

    #[test]
    fn a_person_sees_only_their_codes() {
        let s = store(&[
            ("a:1", "power", "ann", Status::Coded),
            ("a:1", "trust", "ann", Status::Rejected),
            ("a:1", "dialogue", "bob", Status::Coded),
        ]);
        let v = CoderView::parse(&["ann".into()], "machine", &s.coders()).unwrap();
        let got = v.apply("a:1", machine(&["trust"]), &s, &codebook());
        assert_eq!(codes(&got), [("power".into(), "ann".into())]);
    }

    #[test]
    fn a_review_replaces_the_machines_decisions_segment_by_segment() {
        let s = store(&[
            ("a:1", "trust", "ann", Status::Rejected),
            ("a:1", "power", "ann", Status::Accepted),
            ("a:2", "", "ann", Status::Coded),
        ]);
        let v = CoderView::parse(&["reviewed:ann".into()], "machine", &s.coders()).unwrap();
        let cb = codebook();
        let got = v.apply("a:1", machine(&["trust", "dialogue"]), &s, &cb);
        let tag = "reviewed:ann".to_string();
        assert_eq!(
            codes(&got),
            [
                ("dialogue".into(), tag.clone()),
                ("power".into(), tag.clone())
            ]
        );
        // "Looked, applied nothing": the machine's codes do not stand.
        assert!(v.apply("a:2", machine(&["trust"]), &s, &cb).is_empty());
        // Not reviewed: the machine's codes.
        assert_eq!(
            codes(&v.apply("a:3", machine(&["trust"]), &s, &cb)),
            [("trust".into(), tag)]
        );
    }

    #[test]
    fn several_coders_are_listed_in_the_order_asked() {
        let s = store(&[("a:1", "trust", "ann", Status::Coded)]);
        let v =
            CoderView::parse(&["ann".into(), "machine".into()], "machine", &s.coders()).unwrap();
        let got = v.apply("a:1", machine(&["trust"]), &s, &codebook());
        assert_eq!(
            codes(&got),
            [
                ("trust".into(), "ann".into()),
                ("trust".into(), String::new())
            ]
        );
        assert!(v.several());
    }
}
