//! Whether a [`Filter`] names things the index holds: a role, speaker, interview, metadata key or
//! value, code or dimension that nothing could match is a typo far more often than a question,
//! so it is an error with a "did you mean …?" hint (or the values there are), never a silent
//! "no matching segments". The values come from the index's term dictionaries (and the
//! codebook and manifest), so checking reads no document.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use tantivy::schema::Field;

use super::schema::meta_term;
use super::{Filter, IndexError, SearchIndex};
use crate::roles::{normalise_label, slug};
use crate::text::closest;

/// Known values listed in a hint when none is close: enough to see the pattern, not a wall.
pub const LISTED: usize = 12;

/// What a filter names that the index does not hold, one line each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FilterError(pub Vec<Unknown>);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(Unknown::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

/// Which kind of value was not found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Role,
    Speaker,
    Interview,
    MetaKey,
    /// A value never seen for this metadata key.
    MetaValue(String),
    Code,
    Dimension,
}

/// One value not found, with the flag it came from and the hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    pub kind: Kind,
    /// The flag as written on the command line (`--role`, `--of`).
    pub flag: String,
    pub value: String,
    pub hint: Hint,
}

/// What to try instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hint {
    /// A known value one slip of the keyboard away.
    DidYouMean(String),
    /// The first [`LISTED`] known values, and how many more there are.
    Known(Vec<String>, usize),
}

impl Hint {
    /// The closest of `known` to `value`, or the known values listed.
    fn for_value(value: &str, known: &[String]) -> Hint {
        match closest(value, known.iter().map(String::as_str)) {
            Some(c) => Hint::DidYouMean(c.to_string()),
            None => Hint::Known(
                known.iter().take(LISTED).cloned().collect(),
                known.len().saturating_sub(LISTED),
            ),
        }
    }
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (v, flag) = (&self.value, &self.flag);
        match &self.kind {
            Kind::Role => write!(f, "unknown role `{v}` in {flag}")?,
            Kind::Speaker => write!(f, "unknown speaker `{v}` in {flag}")?,
            Kind::Interview => write!(f, "unknown interview `{v}` in {flag}")?,
            Kind::MetaKey => write!(f, "unknown metadata key `{v}` in {flag}")?,
            Kind::MetaValue(k) => write!(f, "no segment has {k} = `{v}` ({flag} {k}={v})")?,
            Kind::Code => write!(f, "unknown code `{v}` in {flag}")?,
            Kind::Dimension => write!(f, "unknown dimension `{v}` in {flag}")?,
        }
        match &self.hint {
            Hint::DidYouMean(c) => write!(f, "; did you mean `{c}`?"),
            Hint::Known(known, _) if known.is_empty() => write!(f, "; the index holds none"),
            Hint::Known(known, more) => {
                write!(f, "; known: {}", known.join(", "))?;
                match more {
                    0 => Ok(()),
                    n => write!(f, " and {n} more"),
                }
            }
        }
    }
}

impl Filter {
    /// Every value this filter names that nothing in the index could match, compared as the
    /// search compares them: roles by id, label or alias (any case) or as indexed; speakers and
    /// metadata any case; interviews, codes and dimensions exactly.
    pub fn check(&self, index: &SearchIndex) -> Result<(), IndexError> {
        let mut unknown = Vec::new();
        unknown.extend(self.unknown_roles(index)?);
        if !self.speakers.is_empty() {
            let known = index.terms(index.fields.speaker_key)?;
            let named = self.speakers.iter().map(|s| (s, normalise_label(s)));
            unknown.extend(missing(named, &known, Kind::Speaker, "--speaker"));
        }
        if !self.interviews.is_empty() {
            let known = index.terms(index.fields.interview)?;
            let named = self.interviews.iter().map(|i| (i, i.clone()));
            unknown.extend(missing(named, &known, Kind::Interview, "--interview"));
        }
        unknown.extend(self.unknown_wheres(index)?);
        if !self.codes.is_empty() {
            let known: BTreeSet<String> = index
                .codebook()
                .codes
                .iter()
                .map(|c| c.id.clone())
                .collect();
            let named = self.codes.iter().map(|c| (c, c.clone()));
            unknown.extend(missing(named, &known, Kind::Code, "--code"));
        }
        for d in &self.dimensions {
            unknown.extend(index.unknown_dimension(d, "--dimension")?);
        }
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(FilterError(unknown).into())
        }
    }

    /// Roles that neither the role table resolves nor any segment was indexed with.
    fn unknown_roles(&self, index: &SearchIndex) -> Result<Vec<Unknown>, IndexError> {
        if self.roles.is_empty() {
            return Ok(Vec::new());
        }
        let table = &index.codebook().roles;
        let indexed = index.terms(index.fields.role)?;
        let mut ids: BTreeSet<String> = indexed.clone();
        ids.extend(table.iter().map(|r| r.id.clone()));
        // A slip may be of a label or alias as much as of an id; the list shows ids only.
        let mut names: Vec<String> = ids.iter().cloned().collect();
        for r in table.iter() {
            names.push(r.label.clone());
            names.extend(r.aliases.iter().cloned());
        }
        let ids: Vec<String> = ids.into_iter().collect();
        Ok(self
            .roles
            .iter()
            .filter(|r| table.resolve(r).is_none() && !indexed.contains(&slug(r)))
            .map(|r| Unknown {
                kind: Kind::Role,
                flag: "--role".into(),
                value: r.clone(),
                hint: match closest(r, names.iter().map(String::as_str)) {
                    Some(c) => Hint::DidYouMean(c.to_string()),
                    None => Hint::for_value(r, &ids),
                },
            })
            .collect())
    }

    /// `--where` keys no indexed file has, and values no segment has for a known key.
    fn unknown_wheres(&self, index: &SearchIndex) -> Result<Vec<Unknown>, IndexError> {
        if self.wheres.is_empty() {
            return Ok(Vec::new());
        }
        // key (lowercase, as indexed) → (the key as the manifest spells it, its values).
        let mut meta: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
        for k in index.manifest.meta_keys() {
            meta.entry(k.to_lowercase()).or_insert((k, BTreeSet::new()));
        }
        for term in index.terms(index.fields.meta)? {
            if let Some((k, v)) = term.split_once('=') {
                let entry = meta
                    .entry(k.to_string())
                    .or_insert((k.to_string(), BTreeSet::new()));
                entry.1.insert(v.to_string());
            }
        }
        let keys: Vec<String> = meta.values().map(|(k, _)| k.clone()).collect();
        let mut out = Vec::new();
        for (k, v) in &self.wheres {
            let indexed = meta_term(k, v);
            let (key, value) = indexed.split_once('=').expect("meta_term joins with =");
            match meta.get(key) {
                None => out.push(Unknown {
                    kind: Kind::MetaKey,
                    flag: "--where".into(),
                    value: k.clone(),
                    hint: Hint::for_value(k, &keys),
                }),
                Some((_, values)) if !values.contains(value) => {
                    let values: Vec<String> = values.iter().cloned().collect();
                    out.push(Unknown {
                        kind: Kind::MetaValue(k.clone()),
                        flag: "--where".into(),
                        value: v.clone(),
                        hint: Hint::for_value(value, &values),
                    })
                }
                Some(_) => {}
            }
        }
        Ok(out)
    }
}

/// The values named (as written, as compared) that `known` lacks.
fn missing<'a>(
    named: impl Iterator<Item = (&'a String, String)>,
    known: &BTreeSet<String>,
    kind: Kind,
    flag: &str,
) -> Vec<Unknown> {
    let list: Vec<String> = known.iter().cloned().collect();
    named
        .filter(|(_, compared)| !known.contains(compared))
        .map(|(written, _)| Unknown {
            kind: kind.clone(),
            flag: flag.to_string(),
            value: written.clone(),
            hint: Hint::for_value(written, &list),
        })
        .collect()
}

impl SearchIndex {
    /// `dim` as a code dimension named by `flag` (`--dimension`, `--of`): an error unless a
    /// code of the codebook or an indexed segment has it.
    pub fn check_dimension(&self, dim: &str, flag: &str) -> Result<(), IndexError> {
        match self.unknown_dimension(dim, flag)? {
            None => Ok(()),
            Some(u) => Err(FilterError(vec![u]).into()),
        }
    }

    fn unknown_dimension(&self, dim: &str, flag: &str) -> Result<Option<Unknown>, IndexError> {
        let mut known = self.terms(self.fields.dimension)?;
        known.extend(self.codebook().codes.iter().map(|c| c.dimension.clone()));
        let dim = dim.to_string();
        Ok(missing(
            std::iter::once((&dim, dim.clone())),
            &known,
            Kind::Dimension,
            flag,
        )
        .pop())
    }

    /// Every term of a raw (untokenized) field, across the index's segments: the values a
    /// filter on it can match. Read from the term dictionaries alone.
    fn terms(&self, field: Field) -> Result<BTreeSet<String>, IndexError> {
        let searcher = self.reader.searcher();
        let mut out = BTreeSet::new();
        for seg in searcher.segment_readers() {
            let inverted = seg
                .inverted_index(field)
                .map_err(|e| IndexError::tantivy(self.dir(), e))?;
            let mut stream = inverted
                .terms()
                .stream()
                .map_err(|e| IndexError::io(self.dir(), e))?;
            while stream.advance() {
                out.insert(String::from_utf8_lossy(stream.key()).into_owned());
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODES: &str = r#"
[roles.resident]
label = "Resident"
aliases = ["local"]

[codes.trust]
label = "Trust"
dimension = "component"
patterns = ["trust"]

[codes.council]
label = "The council"
dimension = "stakeholder"
patterns = ["council"]

[codes.unused]
label = "Never coded"
dimension = "tone"
patterns = ["zzzz"]
"#;

    /// Two interviews: a declared role, a role nobody declared, an `area` on each.
    fn indexed() -> (tempfile::TempDir, SearchIndex) {
        crate::index::testing::indexed(&[
            ("codebook/codes.toml", CODES),
            (
                "corpus/a.txt",
                "---\nid: a\narea: Westfold\nspeakers:\n  P1: {role: Resident}\n---\n\
             P1: We trust the council.\n",
            ),
            (
                "corpus/b.txt",
                "---\nid: b\nArea: Eastbrook\nspeakers:\n  W: {role: Ward Clerk}\n---\n\
             W: The council listened.\n",
            ),
        ])
    }

    /// The problems `filter` has, one line each.
    fn problems(index: &SearchIndex, filter: Filter) -> Vec<String> {
        match filter.check(index) {
            Ok(()) => Vec::new(),
            Err(IndexError::Filter(e)) => e.0.iter().map(Unknown::to_string).collect(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn what_the_index_holds_passes_in_any_case_the_search_allows() {
        let (_dir, index) = indexed();
        let ok = Filter {
            roles: vec![
                "resident".into(),
                "RESIDENT".into(),
                "Local".into(),
                "ward clerk".into(),
                "ward_clerk".into(),
            ],
            speakers: vec!["p1".into(), "W".into()],
            interviews: vec!["a".into(), "b".into()],
            wheres: vec![
                ("AREA".into(), "westfold".into()),
                ("area".into(), "EASTBROOK".into()),
            ],
            codes: vec!["trust".into()],
            // A dimension of the codebook that no segment is coded in yet is no typo.
            dimensions: vec!["stakeholder".into(), "tone".into()],
            ..Filter::default()
        };
        assert_eq!(problems(&index, ok), Vec::<String>::new());
        assert_eq!(problems(&index, Filter::default()), Vec::<String>::new());
    }

    #[test]
    fn each_unknown_value_is_named_with_the_nearest_or_the_known_ones() {
        let (_dir, index) = indexed();
        let bad = Filter {
            roles: vec!["residnet".into(), "mayor".into()],
            speakers: vec!["P3".into()],
            interviews: vec!["A".into()],
            wheres: vec![
                ("aera".into(), "x".into()),
                ("area".into(), "Westfol".into()),
                ("area".into(), "".into()),
            ],
            codes: vec!["trsut".into()],
            dimensions: vec!["nosuchdim".into()],
            ..Filter::default()
        };
        assert_eq!(
            problems(&index, bad),
            [
                "unknown role `residnet` in --role; did you mean `resident`?",
                "unknown role `mayor` in --role; known: resident, ward_clerk",
                "unknown speaker `P3` in --speaker; did you mean `p1`?",
                "unknown interview `A` in --interview; did you mean `a`?",
                // Files spell it `area` and `Area`; either matches, the first in order is shown.
                "unknown metadata key `aera` in --where; did you mean `Area`?",
                "no segment has area = `Westfol` (--where area=Westfol); did you mean `westfold`?",
                "no segment has area = `` (--where area=); known: eastbrook, westfold",
                "unknown code `trsut` in --code; did you mean `trust`?",
                "unknown dimension `nosuchdim` in --dimension; known: component, stakeholder, tone",
            ]
        );
    }

    #[test]
    fn a_long_list_is_cut_and_an_empty_one_said() {
        let known: Vec<String> = (0..20).map(|i| format!("value{i:02}")).collect();
        let hint = Hint::for_value("zzzzzzzz", &known);
        assert_eq!(hint, Hint::Known(known[..LISTED].to_vec(), 8));
        let u = Unknown {
            kind: Kind::Dimension,
            flag: "--of".into(),
            value: "x".into(),
            hint: Hint::for_value("x", &[]),
        };
        assert_eq!(
            u.to_string(),
            "unknown dimension `x` in --of; the index holds none"
        );
        let long = Unknown { hint, ..u };
        assert!(long.to_string().ends_with("value11 and 8 more"), "{long}");
    }

    #[test]
    fn a_dimension_flag_of_another_command_is_checked_alike() {
        let (_dir, index) = indexed();
        assert!(index.check_dimension("component", "--of").is_ok());
        let err = index.check_dimension("componnet", "--of").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown dimension `componnet` in --of; did you mean `component`?"
        );
    }
}
