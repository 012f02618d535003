//! Gathering the coders to compare: the machine's codings as read from the index, human coders
//! kept to the index's segments and to one name each, and the codes and gold coder asked for,
//! checked against the codebook and the coders. The command line reads the files and says what
//! was dropped; what is dropped and what is refused is decided here.

use super::{AgreeOptions, Coder, MACHINE};
use crate::codebook::Codebook;
use crate::coding::Evidence;
use crate::transcript::Segment;

/// Why the coders cannot be compared as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgreeError {
    /// Two coders (in one file or in two) have the same name: their codings would be merged.
    #[error("coder `{0}` appears twice; give each coder one name")]
    DuplicateCoder(String),
    /// The gold coder is none of the coders.
    #[error("no coder `{gold}`; the coders are: {}", coders.join(", "))]
    NoSuchCoder { gold: String, coders: Vec<String> },
    /// A code asked for is not in the codebook.
    #[error("unknown code `{0}`; `qcode codes` lists the codebook's codes")]
    UnknownCode(String),
}

impl Coder {
    /// The machine as a coder: the codes the index holds for each segment. It looked at every
    /// segment but the interviewer's, whose questions are not coded.
    pub fn machine(segments: &[(Segment, Vec<Evidence>)]) -> Coder {
        let units = segments
            .iter()
            .filter(|(s, _)| !s.interviewer)
            .map(|(s, ev)| (s.id.clone(), ev.iter().map(|e| e.code.clone()).collect()))
            .collect();
        Coder {
            name: MACHINE.into(),
            units,
        }
    }

    /// Every coder of the codings store, in name order (see [`Coder::from_rows`]).
    pub fn from_store(store: &crate::codings::Store) -> Vec<Coder> {
        Coder::from_rows(store.rows.iter().map(|r| &r.row))
    }

    /// The coders of `rows`, in name order: a unit for each segment a coder has a row for (the
    /// codes coded or accepted; rejected and empty rows say it was looked at). Proposed rows
    /// are no one's decision yet and are left out.
    pub fn from_rows<'a>(rows: impl Iterator<Item = &'a crate::codings::CodingRow>) -> Vec<Coder> {
        let mut coders: std::collections::BTreeMap<String, Coder> = Default::default();
        for r in rows {
            if r.status == crate::codings::Status::Proposed {
                continue;
            }
            let c = coders.entry(r.coder.clone()).or_insert_with(|| Coder {
                name: r.coder.clone(),
                units: Default::default(),
            });
            let codes = c.units.entry(r.segment_id.clone()).or_default();
            if r.status.applies() && !r.code.is_empty() {
                codes.insert(r.code.clone());
            }
        }
        coders.into_values().collect()
    }

    /// Keep only the units `is_segment` knows (a codings file may name segments the index no
    /// longer has); gives the ids dropped, in id order.
    pub fn retain_segments(&mut self, is_segment: impl Fn(&str) -> bool) -> Vec<String> {
        let dropped: Vec<String> = self
            .units
            .keys()
            .filter(|u| !is_segment(u))
            .cloned()
            .collect();
        if !dropped.is_empty() {
            self.units.retain(|u, _| is_segment(u));
        }
        dropped
    }
}

/// Add `coder` to those compared; its name must be new, or two coders' codings would be read
/// as one.
pub fn add_coder(coders: &mut Vec<Coder>, coder: Coder) -> Result<(), AgreeError> {
    if coders.iter().any(|o| o.name == coder.name) {
        return Err(AgreeError::DuplicateCoder(coder.name));
    }
    coders.push(coder);
    Ok(())
}

impl AgreeOptions {
    /// The options for comparing `coders`: the codes named and every code of `dimensions` (in
    /// that order; none: every code), and `gold`, which must be one of the coders. Each code
    /// named must be in the codebook.
    pub fn select(
        codebook: &Codebook,
        coders: &[Coder],
        codes: &[String],
        dimensions: &[String],
        gold: Option<&str>,
    ) -> Result<AgreeOptions, AgreeError> {
        if let Some(g) = gold {
            if !coders.iter().any(|c| c.name == g) {
                return Err(AgreeError::NoSuchCoder {
                    gold: g.to_string(),
                    coders: coders.iter().map(|c| c.name.clone()).collect(),
                });
            }
        }
        if let Some(c) = codes.iter().find(|c| codebook.code(c).is_none()) {
            return Err(AgreeError::UnknownCode(c.clone()));
        }
        let mut selected: Vec<String> = codes.to_vec();
        selected.extend(
            codebook
                .codes
                .iter()
                .filter(|c| dimensions.contains(&c.dimension))
                .map(|c| c.id.clone()),
        );
        Ok(AgreeOptions {
            codes: (!selected.is_empty()).then_some(selected),
            gold: gold.map(str::to_string),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::codebook::Code;

    fn coder(name: &str, units: &[&str]) -> Coder {
        Coder {
            name: name.into(),
            units: units
                .iter()
                .map(|u| (u.to_string(), BTreeSet::new()))
                .collect(),
        }
    }

    fn codebook() -> Codebook {
        let mut cb = Codebook::empty();
        cb.codes.push(Code::new("trust", "Trust", "stance"));
        cb.codes
            .push(Code::new("council", "Council", "stakeholder"));
        cb.codes.push(Code::new("dialogue", "Dialogue", "stance"));
        cb
    }

    #[test]
    fn the_machine_codes_every_segment_but_the_interviewers() {
        let mut asked = Segment::for_test("iv:1.1", "iv", "How was it?");
        asked.interviewer = true;
        let answered = Segment::for_test("iv:2.1", "iv", "We trusted them.");
        let silent = Segment::for_test("iv:3.1", "iv", "Nothing.");
        let evidence = |code: &str| Evidence {
            code: code.into(),
            ..Evidence::default()
        };
        let m = Coder::machine(&[
            (asked, vec![evidence("trust")]),
            (answered, vec![evidence("trust"), evidence("council")]),
            (silent, vec![]),
        ]);
        assert_eq!(m.name, MACHINE);
        let expected: BTreeMap<String, BTreeSet<String>> = [
            (
                "iv:2.1".to_string(),
                ["council", "trust"].map(String::from).into(),
            ),
            ("iv:3.1".to_string(), BTreeSet::new()),
        ]
        .into();
        assert_eq!(m.units, expected);
    }

    #[test]
    fn units_not_in_the_index_are_dropped_and_named() {
        let mut c = coder("ann", &["b", "x", "a", "y"]);
        let dropped = c.retain_segments(|u| u == "a" || u == "b");
        assert_eq!(dropped, ["x", "y"]);
        assert_eq!(c.units.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert!(c.retain_segments(|_| true).is_empty());
    }

    #[test]
    fn a_coder_name_is_taken_once() {
        let mut coders = vec![coder("ann", &["a"])];
        add_coder(&mut coders, coder("bob", &["a"])).unwrap();
        let e = add_coder(&mut coders, coder("ann", &["b"])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "coder `ann` appears twice; give each coder one name"
        );
        assert_eq!(coders.len(), 2);
        assert_eq!(coders[0].units.len(), 1, "the first ann is kept as she was");
    }

    #[test]
    fn codes_are_those_named_then_those_of_the_dimensions() {
        let cb = codebook();
        let coders = [coder("ann", &[]), coder("bob", &[])];
        let dims = ["stance".to_string()];
        let o =
            AgreeOptions::select(&cb, &coders, &["council".into()], &dims, Some("bob")).unwrap();
        assert_eq!(
            o.codes.as_deref(),
            Some(&["council", "trust", "dialogue"].map(String::from)[..])
        );
        assert_eq!(o.gold.as_deref(), Some("bob"));
        let all = AgreeOptions::select(&cb, &coders, &[], &[], None).unwrap();
        assert_eq!((all.codes, all.gold), (None, None));
    }

    #[test]
    fn an_unknown_gold_or_code_is_refused_gold_first() {
        let cb = codebook();
        let coders = [coder("ann", &[]), coder("bob", &[])];
        let e = AgreeOptions::select(&cb, &coders, &["nope".into()], &[], Some("cy")).unwrap_err();
        assert_eq!(e.to_string(), "no coder `cy`; the coders are: ann, bob");
        let e = AgreeOptions::select(&cb, &coders, &["trust".into(), "nope".into()], &[], None)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown code `nope`; `qcode codes` lists the codebook's codes"
        );
    }
}
