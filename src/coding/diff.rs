//! What a codebook edit does to the codings, before it is committed: which segments gain and
//! which lose which codes (a code counts with its ancestors, as everywhere).

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::{CompileError, Matcher};
use crate::codebook::Codebook;

/// A code a segment gains (or loses) going from the old codebook to the new.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub segment: String,
    pub code: String,
    pub gained: bool,
}

/// Per code: segments coded under the old and under the new codebook.
pub type Counts = BTreeMap<String, (usize, usize)>;

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
