//! Why a codebook that loaded cannot be compiled into a matcher. Every pattern was checked on
//! its own when the codebook loaded (a regex over its own limit is a located pattern error);
//! what is left is their sum. All the codebook's regexes go into one set, all its globs with a
//! wildcard in front or inside (`*abc*`, `a?c`) into another, all the entries of a dictionary
//! into one automaton, and each has a limit. So the error names the code to change (the first
//! that is too large alone, else the one with the most patterns), where it is defined, what is
//! too large and what to do instead.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use regex::{RegexSet, RegexSetBuilder};

use crate::codebook::Codebook;

/// Compiled size allowed for all of a codebook's regex patterns together: 16 of the largest
/// single regex a pattern may be.
pub const REGEX_SET_LIMIT: usize = crate::codebook::pattern::REGEX_SIZE_LIMIT * 16;

/// Compiled size allowed for all of a codebook's globs with a wildcard in front or inside (the
/// regex crate's default limit, which is what they always had).
pub const GLOB_SET_LIMIT: usize = 10 << 20;

/// A code and where it is defined, as an error names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeAt {
    pub id: String,
    /// The codebook file (empty for a code built in memory).
    pub file: PathBuf,
    /// 1-based line of the code's table (0 when unknown).
    pub line: usize,
}

impl CodeAt {
    pub(super) fn of(codebook: &Codebook, code: u32) -> CodeAt {
        codebook
            .codes
            .get(code as usize)
            .map(|c| CodeAt {
                id: c.id.clone(),
                file: c.file.clone(),
                line: c.line,
            })
            .unwrap_or_default()
    }
}

impl fmt::Display for CodeAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.file.as_os_str().is_empty(), self.line) {
            (true, _) => {}
            (false, 0) => write!(f, "{}: ", self.file.display())?,
            (false, l) => write!(f, "{}:{l}: ", self.file.display())?,
        }
        write!(f, "code `{}`", self.id)
    }
}

/// The part of the rules matcher that is compiled as one set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `/regex/` patterns.
    Regexes,
    /// Globs with a wildcard in front or inside; `trust*` and plain words are looked up, not
    /// compiled, so they never count.
    Globs,
}

impl Part {
    fn help(self) -> &'static str {
        match self {
            Part::Regexes => {
                "use fewer or simpler regexes: words, phrases and globs (`trust*`) cost almost nothing, while counted repeats (`\\w{20}`) and large classes cost most"
            }
            Part::Globs => {
                "use fewer or narrower globs with a wildcard in front or inside (`*abc*`, `a?c`): each is compiled, while words and trailing globs (`abc*`) are looked up and cost almost nothing"
            }
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Regexes => "regex patterns",
            Part::Globs => "globs with a wildcard in front or inside",
        })
    }
}

/// A codebook that loaded but cannot be compiled into a matcher.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// One code's patterns of one part are over the limit by themselves.
    #[error("{code}: its {count} {part} compile to more than {limit} bytes, the limit for the whole codebook\n  help: {}", part.help())]
    CodeTooLarge {
        code: CodeAt,
        part: Part,
        count: usize,
        limit: usize,
    },
    /// Each code's patterns fit, but not all of the codebook's together: the code with the
    /// most is named.
    #[error("{code}: the codebook's {total} {part} compile to more than {limit} bytes together, and this code has the most of them ({count})\n  help: {}", part.help())]
    CodebookTooLarge {
        code: CodeAt,
        part: Part,
        count: usize,
        total: usize,
        limit: usize,
    },
    /// The regex engine refused a set for another reason than its size (patterns are checked
    /// when the codebook loads, so this is not expected; it is reported, not a panic).
    #[error("{code}: its {part} cannot be compiled together: {error}")]
    Rejected {
        code: CodeAt,
        part: Part,
        error: regex::Error,
    },
    /// A dictionary's entries do not fit in one automaton.
    #[error("{code}: the dictionary's {total} entries do not fit in one automaton ({error}), and this code has the most of them ({count})\n  help: use fewer entries, or split the dictionary into several codebooks and count with each (`qcode count --codebook FILE`)")]
    Dictionary {
        code: CodeAt,
        count: usize,
        total: usize,
        error: aho_corasick::BuildError,
    },
}

impl CompileError {
    /// The code the error names.
    pub fn code(&self) -> &CodeAt {
        match self {
            CompileError::CodeTooLarge { code, .. }
            | CompileError::CodebookTooLarge { code, .. }
            | CompileError::Rejected { code, .. }
            | CompileError::Dictionary { code, .. } => code,
        }
    }
}

/// Compile `sources`, (code index, pattern) in codebook order, into one set of at most `limit`
/// bytes, or say which code to change.
pub(super) fn regex_set(
    codebook: &Codebook,
    part: Part,
    sources: &[(u32, String)],
    limit: usize,
) -> Result<RegexSet, CompileError> {
    let build = |pats: &[&str]| RegexSetBuilder::new(pats).size_limit(limit).build();
    let all: Vec<&str> = sources.iter().map(|(_, p)| p.as_str()).collect();
    let error = match build(&all) {
        Ok(set) => return Ok(set),
        Err(e) => e,
    };
    // Only on failure: each code's patterns alone, so the code named is one that, changed,
    // makes the difference.
    let mut by_code: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
    for (code, p) in sources {
        by_code.entry(*code).or_default().push(p);
    }
    let mut heaviest: Option<(u32, usize)> = None;
    for (&code, pats) in &by_code {
        match build(pats) {
            Ok(_) => {}
            Err(regex::Error::CompiledTooBig(_)) => {
                return Err(CompileError::CodeTooLarge {
                    code: CodeAt::of(codebook, code),
                    part,
                    count: pats.len(),
                    limit,
                })
            }
            Err(error) => {
                return Err(CompileError::Rejected {
                    code: CodeAt::of(codebook, code),
                    part,
                    error,
                })
            }
        }
        if heaviest.is_none_or(|(_, n)| pats.len() > n) {
            heaviest = Some((code, pats.len()));
        }
    }
    let (code, count) = heaviest.unwrap_or_default();
    let code = CodeAt::of(codebook, code);
    Err(match error {
        regex::Error::CompiledTooBig(_) => CompileError::CodebookTooLarge {
            code,
            part,
            count,
            total: sources.len(),
            limit,
        },
        error => CompileError::Rejected { code, part, error },
    })
}

/// The code with the most of `codes` (code indices, one per entry), the first of equals, and
/// how many it has.
pub(super) fn most_entries(codes: impl Iterator<Item = u32>) -> (u32, usize) {
    let mut n: BTreeMap<u32, usize> = BTreeMap::new();
    for c in codes {
        *n.entry(c).or_default() += 1;
    }
    n.into_iter()
        .fold(None, |best: Option<(u32, usize)>, (c, k)| match best {
            Some((_, m)) if m >= k => best,
            _ => Some((c, k)),
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Code, Pattern};
    use crate::text::tokens::TokenOptions;

    /// A codebook of codes with these patterns, each code defined at line 10 × its number.
    fn codebook(codes: &[(&str, Vec<String>)]) -> Codebook {
        let mut cb = Codebook::empty();
        for (i, (id, patterns)) in codes.iter().enumerate() {
            let mut code = Code::new(id, id, "code");
            code.file = PathBuf::from("codebook/c.toml");
            code.line = 10 * (i + 1);
            code.patterns = patterns
                .iter()
                .map(|p| {
                    Pattern::parse(
                        p,
                        TokenOptions {
                            stem: false,
                            case_sensitive: false,
                            language: crate::text::Language::English,
                        },
                    )
                    .unwrap()
                })
                .collect();
            cb.codes.push(code);
        }
        cb
    }

    /// Regexes that each pass the loader's limit; 20 of them do not fit in one set.
    fn big_regexes(from: usize, n: usize) -> Vec<String> {
        (from..from + n)
            .map(|i| format!("/x{i}\\w{{20}}/"))
            .collect()
    }

    fn sources(cb: &Codebook) -> Vec<(u32, String)> {
        cb.codes
            .iter()
            .enumerate()
            .flat_map(|(ci, c)| {
                c.patterns.iter().filter_map(move |p| match &p.kind {
                    crate::codebook::PatternKind::Regex(re) => {
                        Some((ci as u32, re.as_str().to_string()))
                    }
                    _ => None,
                })
            })
            .collect()
    }

    #[test]
    fn a_code_too_large_alone_is_named_with_its_line() {
        let cb = codebook(&[
            ("small", big_regexes(0, 1)),
            ("big", big_regexes(1, 20)),
            ("after", big_regexes(21, 1)),
        ]);
        let e = regex_set(&cb, Part::Regexes, &sources(&cb), REGEX_SET_LIMIT).unwrap_err();
        assert!(
            matches!(e, CompileError::CodeTooLarge { count: 20, .. }),
            "{e:?}"
        );
        assert_eq!(e.code().id, "big");
        let msg = e.to_string();
        assert!(
            msg.starts_with("codebook/c.toml:20: code `big`: its 20 regex patterns compile to more than 16777216 bytes"),
            "{msg}"
        );
        assert!(msg.contains("help: use fewer or simpler regexes"), "{msg}");
    }

    #[test]
    fn codes_too_large_only_together_name_the_one_with_most() {
        // 7 + 8 + 7 regexes: each code fits alone, all 22 do not.
        let cb = codebook(&[
            ("a", big_regexes(0, 7)),
            ("b", big_regexes(7, 8)),
            ("c", big_regexes(15, 7)),
        ]);
        let e = regex_set(&cb, Part::Regexes, &sources(&cb), REGEX_SET_LIMIT).unwrap_err();
        assert!(
            matches!(
                e,
                CompileError::CodebookTooLarge {
                    count: 8,
                    total: 22,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(
            e.to_string().starts_with("codebook/c.toml:20: code `b`: the codebook's 22 regex patterns compile to more than 16777216 bytes together, and this code has the most of them (8)"),
            "{e}"
        );
    }

    #[test]
    fn sets_within_the_limit_compile() {
        let cb = codebook(&[("a", big_regexes(0, 3)), ("b", big_regexes(3, 3))]);
        let set = regex_set(&cb, Part::Regexes, &sources(&cb), REGEX_SET_LIMIT).unwrap();
        assert_eq!(set.len(), 6);
    }

    #[test]
    fn a_code_built_in_memory_is_named_without_a_location() {
        let at = CodeAt {
            id: "x".into(),
            ..CodeAt::default()
        };
        assert_eq!(at.to_string(), "code `x`");
    }

    #[test]
    fn most_entries_takes_the_first_of_equals() {
        assert_eq!(most_entries([2, 1, 2, 1, 0].into_iter()), (1, 2));
        assert_eq!(most_entries([3, 3, 3, 0].into_iter()), (3, 3));
        assert_eq!(most_entries(std::iter::empty()), (0, 0));
    }
}
