//! `a NEAR/n b` in a search, with the codebook's meaning: the index finds the segments holding
//! both sides (a fast superset), and the codebook's own matcher keeps those where they are at
//! most `n` words apart, either order — so a NEAR pattern that codes a segment finds it in
//! search, and the other way round.

use super::query::{QueryError, QueryNode};
use crate::codebook::{Code, Codebook, Matching, Pattern};
use crate::coding::Matcher;

/// The NEAR expressions every hit must satisfy.
pub(super) struct NearFilter {
    matcher: Matcher,
    count: usize,
}

impl NearFilter {
    /// The filter for `node`'s NEAR expressions (none: `None`). NEAR is supported where every
    /// hit must satisfy it: the whole query, or one of the terms it ANDs.
    pub fn new(node: &QueryNode, codebook: &Codebook) -> Result<Option<NearFilter>, QueryError> {
        let mut texts = Vec::new();
        match node {
            QueryNode::Near { text, .. } => texts.push(text.clone()),
            QueryNode::And(items) => {
                for i in items {
                    match i {
                        QueryNode::Near { text, .. } => texts.push(text.clone()),
                        other => refuse_nested(other)?,
                    }
                }
            }
            other => refuse_nested(other)?,
        }
        if texts.is_empty() {
            return Ok(None);
        }
        let mut cb = Codebook::empty();
        cb.options = codebook.options;
        cb.matching = Matching::Rules;
        for (i, t) in texts.iter().enumerate() {
            let pattern = Pattern::parse(t, codebook.options).map_err(|e| QueryError {
                col: 1,
                message: format!("`{t}`: {} ({})", e.message, e.help),
            })?;
            let mut code = Code::new(&format!("near{i}"), t, "near");
            code.patterns.push(pattern);
            cb.codes.push(code);
        }
        let matcher = Matcher::new(&cb).map_err(|e| QueryError {
            col: 1,
            message: e.to_string(),
        })?;
        Ok(Some(NearFilter {
            matcher,
            count: texts.len(),
        }))
    }

    /// Whether `text` satisfies every NEAR expression.
    pub fn keeps(&self, text: &str) -> bool {
        self.matcher.code(text).len() == self.count
    }
}

/// NEAR under OR or NOT would need the whole query evaluated per segment: said plainly instead.
fn refuse_nested(node: &QueryNode) -> Result<(), QueryError> {
    let nested = |n: &QueryNode| contains_near(n);
    if nested(node) {
        return Err(QueryError {
            col: 1,
            message: "NEAR works on the whole query or on terms it ANDs, not inside OR or NOT; split the search or put NEAR at the top".into(),
        });
    }
    Ok(())
}

fn contains_near(node: &QueryNode) -> bool {
    match node {
        QueryNode::Near { .. } => true,
        QueryNode::And(v) | QueryNode::Or(v) => v.iter().any(contains_near),
        QueryNode::Not(n) => contains_near(n),
        _ => false,
    }
}
