//! A codebook is code, so it has tests: every example of a code must be coded with it (or with
//! one of its descendants), and no counterexample may be. Codes no pattern of theirs (or their
//! descendants') applies are people's to apply: their examples are not tested.

use std::collections::{HashMap, HashSet};

use super::{CompileError, Matcher};
use crate::codebook::Codebook;

/// The outcome of one example or counterexample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleCheck {
    pub code: String,
    /// true for an example, false for a counterexample.
    pub example: bool,
    /// 1-based position in the code's list.
    pub number: usize,
    pub text: String,
    pub passed: bool,
    /// The codes the text was given (ids).
    pub coded: Vec<String>,
}

/// Check every example and counterexample of every code (once the codebook compiles).
pub fn test_examples(codebook: &Codebook) -> Result<Vec<ExampleCheck>, CompileError> {
    let matcher = Matcher::new(codebook)?;
    let children = children(codebook);
    let mut out = Vec::new();
    for (ci, code) in codebook.codes.iter().enumerate() {
        if code.examples.is_empty() && code.counterexamples.is_empty() {
            continue;
        }
        let family = family(ci, &children);
        // A code no pattern of its family applies is applied by people only: its examples
        // document it for them and test nothing.
        if family
            .iter()
            .all(|&c| codebook.codes[c].patterns.is_empty())
        {
            continue;
        }
        let lists = [(true, &code.examples), (false, &code.counterexamples)];
        for (example, list) in lists {
            for (i, text) in list.iter().enumerate() {
                let found = matcher.code(text);
                let hit = found.iter().any(|c| family.contains(&(c.code as usize)));
                let coded = found
                    .iter()
                    .map(|c| codebook.codes[c.code as usize].id.clone())
                    .collect();
                out.push(ExampleCheck {
                    code: code.id.clone(),
                    example,
                    number: i + 1,
                    text: text.clone(),
                    passed: hit == example,
                    coded,
                });
            }
        }
    }
    Ok(out)
}

/// Each code's children (indices into the codebook's codes), found once: asking the codebook
/// for each code's descendants scanned every code per code, quadratic in 20,000 codes.
fn children(codebook: &Codebook) -> Vec<Vec<usize>> {
    let index: HashMap<&str, usize> = codebook
        .codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let mut children = vec![Vec::new(); codebook.codes.len()];
    for (i, c) in codebook.codes.iter().enumerate() {
        if let Some(&p) = c.parent.as_deref().and_then(|p| index.get(p)) {
            children[p].push(i);
        }
    }
    children
}

/// A code and its descendants (indices), each once even should the parents loop.
fn family(code: usize, children: &[Vec<usize>]) -> HashSet<usize> {
    let mut family = HashSet::from([code]);
    let mut todo = vec![code];
    while let Some(c) = todo.pop() {
        for &child in &children[c] {
            if family.insert(child) {
                todo.push(child);
            }
        }
    }
    family
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Code, Pattern};

    fn code(id: &str, parent: Option<&str>, pattern: &str) -> Code {
        let mut c = Code::new(id, id, "code");
        c.parent = parent.map(str::to_string);
        c.patterns = vec![Pattern::parse(pattern, Codebook::empty().options).unwrap()];
        c
    }

    #[test]
    fn examples_must_be_coded_and_counterexamples_must_not() {
        let mut council = code("council", None, "council*");
        council.examples = vec!["the council".into(), "an officer".into(), "nothing".into()];
        council.counterexamples = vec!["a parish".into(), "the councillors".into()];
        let mut cb = Codebook::empty();
        cb.codes = vec![council, code("officers", Some("council"), "officer*")];
        let checks = test_examples(&cb).unwrap();
        let outcome: Vec<(bool, usize, bool)> = checks
            .iter()
            .map(|c| (c.example, c.number, c.passed))
            .collect();
        // An officer is coded with a descendant of `council`, which counts as `council`.
        assert_eq!(
            outcome,
            [
                (true, 1, true),
                (true, 2, true),
                (true, 3, false),
                (false, 1, true),
                (false, 2, false),
            ]
        );
        assert_eq!(checks[1].coded, ["officers"]);
        assert!(checks[2].coded.is_empty());
        assert_eq!(checks[4].text, "the councillors");
        assert!(checks.iter().all(|c| c.code == "council"));
    }

    #[test]
    fn codes_only_people_apply_are_not_tested() {
        let mut by_hand = Code::new("by_hand", "By hand", "code");
        by_hand.examples = vec!["anything".into()];
        let mut cb = Codebook::empty();
        cb.codes = vec![by_hand];
        assert!(test_examples(&cb).unwrap().is_empty());
    }
}
