//! What a codebook edit does to the codings, before it is committed: which segments gain and
//! which lose which codes (a code counts with its ancestors, as everywhere).

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::{CompileError, Matcher};
use crate::codebook::Codebook;
use crate::transcript::Segment;

/// A code a segment gains (or loses) going from the old codebook to the new.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub segment: String,
    pub code: String,
    pub gained: bool,
}

/// Per code: segments coded under the old and under the new codebook.
pub type Counts = BTreeMap<String, (usize, usize)>;

/// One code's line of a codebook diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChange {
    pub code: String,
    /// Segments coded with it under the old codebook, and under the new.
    pub old: usize,
    pub new: usize,
    /// Segments that gain it, and segments that lose it.
    pub gained: usize,
    pub lost: usize,
}

/// What going from one codebook to another does to the respondent segments of a corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodebookDiff {
    /// How many segments were coded (respondent turns only).
    pub segments: usize,
    /// Every code a segment gains or loses, in segment then code order.
    pub changes: Vec<Change>,
    /// Every code of either codebook: the new codebook's in its order, then those only the old
    /// one had.
    pub codes: Vec<CodeChange>,
}

/// Code the respondent segments (interviewer turns are context, not data, as in the index)
/// with both codebooks and compare.
pub fn diff_codebooks(
    old: &Codebook,
    new: &Codebook,
    segments: &[Segment],
) -> Result<CodebookDiff, CompileError> {
    let pairs: Vec<(&str, &str)> = segments
        .iter()
        .filter(|s| !s.interviewer)
        .map(|s| (s.id.as_str(), s.text.as_str()))
        .collect();
    let (changes, counts) = diff_codings(old, new, &pairs)?;
    let mut moved: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for c in &changes {
        let m = moved.entry(c.code.as_str()).or_default();
        if c.gained {
            m.0 += 1;
        } else {
            m.1 += 1;
        }
    }
    let mut order: Vec<&str> = new.codes.iter().map(|c| c.id.as_str()).collect();
    for c in &old.codes {
        if !order.contains(&c.id.as_str()) {
            order.push(&c.id);
        }
    }
    let codes = order
        .into_iter()
        .map(|code| {
            let (old, new) = counts.get(code).copied().unwrap_or((0, 0));
            let (gained, lost) = moved.get(code).copied().unwrap_or((0, 0));
            CodeChange {
                code: code.to_string(),
                old,
                new,
                gained,
                lost,
            }
        })
        .collect();
    Ok(CodebookDiff {
        segments: pairs.len(),
        changes,
        codes,
    })
}

fn reached(cb: &Codebook, m: &Matcher, text: &str) -> BTreeSet<String> {
    m.code(text)
        .iter()
        .flat_map(|c| cb.ancestors_and_self(&cb.codes[c.code as usize].id))
        .collect()
}

/// Code every (id, text) with both codebooks, in parallel; changes come in segment then code
/// order. Fails when either codebook does not compile.
pub fn diff_codings(
    old: &Codebook,
    new: &Codebook,
    segments: &[(&str, &str)],
) -> Result<(Vec<Change>, Counts), CompileError> {
    let (mo, mn) = (Matcher::new(old)?, Matcher::new(new)?);
    let per: Vec<(BTreeSet<String>, BTreeSet<String>)> = segments
        .par_iter()
        .map(|(_, t)| (reached(old, &mo, t), reached(new, &mn, t)))
        .collect();
    let mut counts: Counts = BTreeMap::new();
    let mut changes = Vec::new();
    for ((id, _), (a, b)) in segments.iter().zip(&per) {
        for c in a {
            counts.entry(c.clone()).or_default().0 += 1;
        }
        for c in b {
            counts.entry(c.clone()).or_default().1 += 1;
        }
        changes.extend(b.difference(a).map(|c| Change {
            segment: id.to_string(),
            code: c.clone(),
            gained: true,
        }));
        changes.extend(a.difference(b).map(|c| Change {
            segment: id.to_string(),
            code: c.clone(),
            gained: false,
        }));
    }
    changes.sort();
    Ok((changes, counts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Code, Pattern};

    fn codebook(codes: &[(&str, Option<&str>, &str)]) -> Codebook {
        let mut cb = Codebook::empty();
        for (id, parent, pattern) in codes {
            let mut c = Code::new(id, id, "code");
            c.parent = parent.map(str::to_string);
            c.patterns = vec![Pattern::parse(pattern, cb.options).unwrap()];
            cb.codes.push(c);
        }
        cb
    }

    fn segment(id: &str, text: &str, interviewer: bool) -> Segment {
        let mut s = Segment::for_test(id, "iv", text);
        s.interviewer = interviewer;
        s
    }

    #[test]
    fn a_widened_pattern_gains_segments_and_a_dropped_code_loses_them() {
        let old = codebook(&[("trust", None, "trust"), ("council", None, "council")]);
        // `trust*` now reaches "trusted"; `council` is gone; `officers` is new, under `trust`.
        let new = codebook(&[
            ("trust", None, "trust*"),
            ("officers", Some("trust"), "officer"),
        ]);
        let segments = [
            segment("a:1.1", "we trust the council", false),
            segment("a:2.1", "they trusted the officer", false),
            segment("a:3.1", "the council trusted us", true),
        ];
        let d = diff_codebooks(&old, &new, &segments).unwrap();
        assert_eq!(d.segments, 2, "the interviewer's turn is not coded");
        let change = |segment: &str, code: &str, gained| Change {
            segment: segment.into(),
            code: code.into(),
            gained,
        };
        // `officers` brings its ancestor `trust`, as everywhere a code counts.
        assert_eq!(
            d.changes,
            [
                change("a:1.1", "council", false),
                change("a:2.1", "officers", true),
                change("a:2.1", "trust", true),
            ]
        );
        let line = |code: &str, old, new, gained, lost| CodeChange {
            code: code.into(),
            old,
            new,
            gained,
            lost,
        };
        assert_eq!(
            d.codes,
            [
                line("trust", 1, 2, 1, 0),
                line("officers", 0, 1, 1, 0),
                line("council", 1, 0, 0, 1),
            ]
        );
    }

    #[test]
    fn the_same_codebook_changes_nothing() {
        let cb = codebook(&[("trust", None, "trust*")]);
        let d = diff_codebooks(&cb, &cb, &[segment("a:1.1", "trusting", false)]).unwrap();
        assert!(d.changes.is_empty());
        assert_eq!(d.codes[0].old, 1);
        assert_eq!(d.codes[0].new, 1);
    }
}
