//! Agreement between coders: human codings files (CSV: `segment_id`, `code`, optional `coder`)
//! and the machine's codings, compared unit by unit — the unit is the segment — per code and
//! overall. The statistics live in [`stats`] and gathering the coders (the machine, human coders
//! kept to the index, the codes and gold coder asked for) in `coders`; this module reads codings
//! and lines them up.

mod coders;
pub mod stats;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub use coders::{add_coder, AgreeError};

use crate::codebook::Codebook;
use crate::diag::{SourceError, Warning};
use stats::{cohen_kappa, krippendorff_alpha_nominal, percent_agreement, precision_recall, Prf};

/// One coder's judgements: for each unit (segment id) the coder looked at, the codes applied
/// (an empty set: looked at, applied none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coder {
    pub name: String,
    pub units: BTreeMap<String, BTreeSet<String>>,
}

/// The name of the coder made from the current codebook.
pub const MACHINE: &str = "machine";

/// Read a codings CSV as the codings store reads it (`segment_id` and `code` columns, an
/// optional `coder` column, default the file name; several coders per file allowed), each
/// coder's rows made units as [`Coder::from_rows`] says. A row without a `segment_id` (one
/// found by its interview and text) is tied only when the file is in the project's codings/.
pub fn read_codings(path: &Path, text: &str) -> Result<Vec<Coder>, SourceError> {
    let rows = crate::codings::read_rows(path, text)?;
    Ok(Coder::from_rows(
        rows.iter().filter(|r| !r.segment_id.is_empty()),
    ))
}

/// Which codes to compare, and who is gold.
#[derive(Debug, Clone, Default)]
pub struct AgreeOptions {
    /// Code ids (None: every code of the codebook, plus any the coders used).
    pub codes: Option<Vec<String>>,
    /// The coder taken as right, for precision, recall and F1 of the others.
    pub gold: Option<String>,
}

/// Agreement on one code (or, for `code == None`, pooled over all codes compared).
#[derive(Debug, Clone, PartialEq)]
pub struct CodeAgreement {
    pub code: Option<String>,
    /// Units coded by at least two coders.
    pub units: usize,
    /// How many of those units each coder applied the code to.
    pub applied: Vec<usize>,
    /// Mean pairwise percent agreement.
    pub percent: Option<f64>,
    /// Cohen's κ, when there are exactly two coders.
    pub kappa: Option<f64>,
    pub alpha: Option<f64>,
    /// Against gold, for each other coder (in coder order, gold skipped).
    pub prf: Vec<(String, Prf)>,
}

/// A unit on which coders disagree about a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    pub segment: String,
    pub code: String,
    pub with: Vec<String>,
    pub without: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    pub coders: Vec<String>,
    pub per_code: Vec<CodeAgreement>,
    pub overall: CodeAgreement,
    pub disagreements: Vec<Disagreement>,
    pub warnings: Vec<Warning>,
}

/// A code and all its ancestors, so a coder who applied `councillors` also applied `council`.
fn reach(codebook: &Codebook, codes: &BTreeSet<String>) -> BTreeSet<String> {
    codes
        .iter()
        .flat_map(|c| codebook.ancestors_and_self(c))
        .collect()
}

/// Compare coders code by code over the units each pair has in common.
pub fn compare(codebook: &Codebook, coders: &[Coder], opts: &AgreeOptions) -> Agreement {
    let known: BTreeSet<&str> = codebook.codes.iter().map(|c| c.id.as_str()).collect();
    let used: BTreeSet<String> = coders
        .iter()
        .flat_map(|c| c.units.values().flatten().cloned())
        .collect();
    let unknown: Vec<&String> = used
        .iter()
        .filter(|u| !known.contains(u.as_str()))
        .collect();
    let mut warnings: Vec<Warning> = unknown
        .iter()
        .map(|u| Warning {
            location: "codings".into(),
            message: format!("code `{u}` is not in the codebook"),
        })
        .collect();
    let codes: Vec<String> = match &opts.codes {
        Some(c) => c.clone(),
        None => codebook
            .codes
            .iter()
            .map(|c| c.id.clone())
            .chain(unknown.into_iter().cloned())
            .collect(),
    };
    let judge = Judge::new(codebook, coders, &codes, opts.gold.as_deref());
    let mut per_code = Vec::new();
    let mut disagreements = Vec::new();
    for c in &codes {
        per_code.push(judge.agreement(Some(c)));
        disagreements.extend(judge.disagreements(c));
    }
    disagreements.sort_by(|a, b| (&a.segment, &a.code).cmp(&(&b.segment, &b.code)));
    let overall = judge.agreement(None);
    if coders.len() < 2 {
        warnings.push(Warning {
            location: "codings".into(),
            message: "only one coder: nothing to compare".into(),
        });
    }
    Agreement {
        coders: coders.iter().map(|c| c.name.clone()).collect(),
        per_code,
        overall,
        disagreements,
        warnings,
    }
}

/// What each code is judged on: every coder's codes per unit (with their ancestors), the
/// units at least two coders saw, the codes compared and the gold coder.
struct Judge<'a> {
    coders: &'a [Coder],
    /// For each coder, the codes it applied to each unit it saw, ancestors included.
    reached: Vec<BTreeMap<&'a str, BTreeSet<String>>>,
    /// Units seen by at least two coders, in id order.
    units: Vec<&'a str>,
    codes: &'a [String],
    /// The gold coder's index.
    gold: Option<usize>,
}

impl<'a> Judge<'a> {
    fn new(
        codebook: &Codebook,
        coders: &'a [Coder],
        codes: &'a [String],
        gold: Option<&str>,
    ) -> Self {
        let reached: Vec<BTreeMap<&str, BTreeSet<String>>> = coders
            .iter()
            .map(|c| {
                c.units
                    .iter()
                    .map(|(u, cs)| (u.as_str(), reach(codebook, cs)))
                    .collect()
            })
            .collect();
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &reached {
            for u in r.keys() {
                *seen.entry(u).or_default() += 1;
            }
        }
        let units: Vec<&str> = seen
            .into_iter()
            .filter(|(_, n)| *n >= 2)
            .map(|(u, _)| u)
            .collect();
        Judge {
            coders,
            reached,
            units,
            codes,
            gold: gold.and_then(|g| coders.iter().position(|c| c.name == g)),
        }
    }

    /// Coder `ci`'s judgement of code `c` on unit `u`: 1 applied, 0 not, None not seen.
    fn value(&self, ci: usize, u: &str, c: &str) -> Option<u32> {
        self.reached[ci].get(u).map(|cs| cs.contains(c) as u32)
    }

    /// The (unit, code) items judged: for one code, every unit with it; pooled (`None`), every
    /// unit × every compared code.
    fn items<'s>(&'s self, code: Option<&'s str>) -> Vec<(&'s str, &'s str)> {
        match code {
            Some(c) => self.units.iter().map(|u| (*u, c)).collect(),
            None => self
                .units
                .iter()
                .flat_map(|u| self.codes.iter().map(move |c| (*u, c.as_str())))
                .collect(),
        }
    }

    /// Both coders' values on the items both judged.
    fn pairs(&self, items: &[(&str, &str)], a: usize, b: usize) -> Vec<(u32, u32)> {
        items
            .iter()
            .filter_map(|(u, c)| Some((self.value(a, u, c)?, self.value(b, u, c)?)))
            .collect()
    }

    /// Agreement on one code, or pooled over all compared codes (`None`).
    fn agreement(&self, code: Option<&str>) -> CodeAgreement {
        let n = self.coders.len();
        let items = self.items(code);
        let mut pct = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                pct.extend(percent_agreement(&self.pairs(&items, a, b)));
            }
        }
        let kappa = (n == 2)
            .then(|| cohen_kappa(&self.pairs(&items, 0, 1)))
            .flatten();
        let alpha_units: Vec<Vec<u32>> = items
            .iter()
            .map(|(u, c)| (0..n).filter_map(|ci| self.value(ci, u, c)).collect())
            .collect();
        let applied = (0..n)
            .map(|ci| {
                items
                    .iter()
                    .filter(|(u, c)| self.value(ci, u, c) == Some(1))
                    .count()
            })
            .collect();
        CodeAgreement {
            code: code.map(str::to_string),
            units: self.units.len(),
            applied,
            percent: (!pct.is_empty()).then(|| pct.iter().sum::<f64>() / pct.len() as f64),
            kappa,
            alpha: krippendorff_alpha_nominal(&alpha_units),
            prf: self.prf(&items),
        }
    }

    /// Precision, recall and F1 of each other coder against gold (none without gold).
    fn prf(&self, items: &[(&str, &str)]) -> Vec<(String, Prf)> {
        let Some(g) = self.gold else {
            return Vec::new();
        };
        (0..self.coders.len())
            .filter(|&o| o != g)
            .map(|o| {
                let pairs: Vec<(bool, bool)> = self
                    .pairs(items, g, o)
                    .into_iter()
                    .map(|(gv, ov)| (gv == 1, ov == 1))
                    .collect();
                (self.coders[o].name.clone(), precision_recall(&pairs))
            })
            .collect()
    }

    /// The units where some coders applied code `c` and others who saw the unit did not.
    fn disagreements(&self, c: &str) -> Vec<Disagreement> {
        let mut dis = Vec::new();
        for u in &self.units {
            let (with, without): (Vec<usize>, Vec<usize>) = (0..self.coders.len())
                .filter(|&ci| self.value(ci, u, c).is_some())
                .partition(|&ci| self.value(ci, u, c) == Some(1));
            if !with.is_empty() && !without.is_empty() {
                let names =
                    |cs: Vec<usize>| cs.iter().map(|&i| self.coders[i].name.clone()).collect();
                dis.push(Disagreement {
                    segment: u.to_string(),
                    code: c.to_string(),
                    with: names(with),
                    without: names(without),
                });
            }
        }
        dis
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coder(name: &str, units: &[(&str, &[&str])]) -> Coder {
        Coder {
            name: name.into(),
            units: units
                .iter()
                .map(|(u, cs)| (u.to_string(), cs.iter().map(|c| c.to_string()).collect()))
                .collect(),
        }
    }

    #[test]
    fn reads_codings_with_several_coders() {
        let cs = read_codings(Path::new("h.csv"), "segment_id,code,coder\na:1.1,trust,ann\na:1.1,dialogue,ann\na:1.2,,ann\na:1.1,trust,bob\n").unwrap();
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0].name, "ann");
        assert_eq!(cs[0].units["a:1.1"].len(), 2);
        assert!(cs[0].units["a:1.2"].is_empty());
        let e = read_codings(Path::new("h.csv"), "id,code\n1,x\n").unwrap_err();
        assert!(e.message.contains("segment_id"));
    }

    #[test]
    fn compares_on_common_units_with_hierarchy() {
        let mut cb = Codebook::empty();
        for (id, parent) in [
            ("council", None),
            ("councillors", Some("council")),
            ("trust", None),
        ] {
            let mut code = crate::codebook::Code::new(id, id, "x");
            code.parent = parent.map(str::to_string);
            cb.codes.push(code);
        }
        let a = coder(
            "ann",
            &[
                ("s1", &["councillors"]),
                ("s2", &["trust"]),
                ("s3", &[]),
                ("s4", &["trust"]),
            ],
        );
        let b = coder(
            "bob",
            &[
                ("s1", &["council"]),
                ("s2", &["trust"]),
                ("s3", &["trust"]),
                ("s9", &["trust"]),
            ],
        );
        let r = compare(
            &cb,
            &[a, b],
            &AgreeOptions {
                codes: None,
                gold: Some("ann".into()),
            },
        );
        // Units both saw: s1, s2, s3.
        let council = &r.per_code[0];
        assert_eq!(council.units, 3);
        assert_eq!(council.percent, Some(1.0), "councillors reaches council");
        let trust = &r.per_code[2];
        assert_eq!(trust.applied, vec![1, 2]);
        assert!((trust.percent.unwrap() - 2.0 / 3.0).abs() < 1e-9);
        // κ: p_o = 2/3, p_e = (1/3·2/3) + (2/3·1/3) = 4/9 → κ = (6/9 − 4/9)/(5/9) = 0.4.
        assert!((trust.kappa.unwrap() - 0.4).abs() < 1e-9);
        let prf = trust.prf[0].1;
        assert_eq!((prf.true_pos, prf.false_pos, prf.false_neg), (1, 1, 0));
        assert_eq!(r.disagreements.len(), 2, "{:?}", r.disagreements);
        assert_eq!(
            r.disagreements.iter().filter(|d| d.code == "trust").count(),
            1
        );
    }
}
