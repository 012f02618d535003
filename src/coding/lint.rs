//! The part of the codebook's lint that needs the matcher: patterns that match nothing in a
//! corpus, likely a typo or a word nobody uses. What the loader finds by itself (located errors,
//! codes without examples) comes from `codebook::load`; `project::check_codebook` puts both
//! together over the project's corpus.

use std::fmt;
use std::path::PathBuf;

use super::{pattern_counts, Matcher};
use crate::codebook::Codebook;

/// Patterns of one code that match none of the texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnusedPatterns {
    pub code: String,
    /// Where the code is defined.
    pub file: PathBuf,
    pub line: usize,
    /// How many patterns the code has.
    pub patterns: usize,
    /// The patterns that matched nothing, as written, in the code's order.
    pub unused: Vec<String>,
    /// How many texts were tried.
    pub segments: usize,
}

impl fmt::Display for UnusedPatterns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} patterns of `{}` match nothing in the corpus ({} segments): {}",
            self.unused.len(),
            self.patterns,
            self.code,
            self.segments,
            self.unused.join(", ")
        )
    }
}

/// Every code with patterns that match none of `texts` (before exclusions and overlaps: a
/// pattern that matches only to be excluded is still used), in codebook order. No texts, no
/// findings: an empty corpus says nothing about the patterns.
pub fn unused_patterns(
    codebook: &Codebook,
    matcher: &Matcher,
    texts: &[&str],
) -> Vec<UnusedPatterns> {
    if texts.is_empty() {
        return Vec::new();
    }
    let counts = pattern_counts(matcher, texts);
    codebook
        .codes
        .iter()
        .enumerate()
        .filter_map(|(ci, code)| {
            let unused: Vec<String> = (0..code.patterns.len())
                .filter(|&pi| !counts.contains_key(&(ci as u32, false, pi as u32)))
                .map(|pi| code.patterns[pi].text.clone())
                .collect();
            (!unused.is_empty()).then(|| UnusedPatterns {
                code: code.id.clone(),
                file: code.file.clone(),
                line: code.line,
                patterns: code.patterns.len(),
                unused,
                segments: texts.len(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Code, Pattern};

    fn codebook() -> Codebook {
        let mut cb = Codebook::empty();
        let mut code = |id: &str, patterns: &[&str], exclude: &[&str]| {
            let parse = |ps: &[&str]| -> Vec<Pattern> {
                ps.iter()
                    .map(|p| Pattern::parse(p, cb.options).unwrap())
                    .collect()
            };
            let mut c = Code::new(id, id, "code");
            c.patterns = parse(patterns);
            c.exclude = parse(exclude);
            c.file = PathBuf::from("codebook/a.toml");
            c.line = 3 * cb.codes.len() + 1;
            cb.codes.push(c);
        };
        code("trust", &["trust*", "\"good faith\"", "relyance"], &[]);
        code("council", &["council"], &["\"parish council\""]);
        code("none", &[], &[]);
        cb
    }

    #[test]
    fn patterns_that_match_no_text_are_found_per_code() {
        let texts = ["We trusted them.", "The parish council met."];
        let cb = codebook();
        let found = unused_patterns(&cb, &Matcher::new(&cb).unwrap(), &texts);
        // `council` matched, if only to be excluded; `none` has no patterns to judge.
        assert_eq!(
            found,
            [UnusedPatterns {
                code: "trust".into(),
                file: PathBuf::from("codebook/a.toml"),
                line: 1,
                patterns: 3,
                unused: vec!["\"good faith\"".into(), "relyance".into()],
                segments: 2,
            }]
        );
        assert_eq!(
            found[0].to_string(),
            "2 of 3 patterns of `trust` match nothing in the corpus (2 segments): \"good faith\", relyance"
        );
    }

    #[test]
    fn no_texts_no_findings() {
        let cb = codebook();
        assert!(unused_patterns(&cb, &Matcher::new(&cb).unwrap(), &[]).is_empty());
    }
}
