//! One dictionary entry as a pattern of our codebook. An entry is words (a word, a phrase, globs
//! with `*` and `?`), never an operator: where the entry as written would read as pattern syntax
//! (a quote, the word `NEAR`, a leading `/` that makes a regex) it is written so that it reads as
//! the same words; where it cannot be (no words at all, `*` alone, an entry a counting
//! dictionary cannot hold), the import refuses it, with the reason.

use super::DictFormat;
use crate::codebook::pattern::{dictionary_entry, Pattern, PatternError, PatternKind};
use crate::codebook::Matching;
use crate::text::tokens::TokenOptions;

/// Why an entry cannot be a pattern: the message names the entry; the help says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EntryError {
    pub message: String,
    pub help: String,
}

/// The pattern for `entry`, an entry of a dictionary of this format.
pub(super) fn to_pattern(entry: &str, format: DictFormat) -> Result<String, EntryError> {
    let words = words(entry, format);
    let refuse = |e: PatternError| EntryError {
        message: format!("the entry {entry:?} cannot be a pattern: {}", e.message),
        help: format!("edit or remove the entry in the dictionary ({})", e.help),
    };
    match format.matching() {
        Matching::Dictionary => {
            let pattern = written(&words);
            dictionary_entry(&pattern).map_err(refuse)?;
            Ok(pattern)
        }
        Matching::Rules => {
            let pattern = written(&words);
            if reads_as_words(&pattern).is_ok() {
                return Ok(pattern);
            }
            let pattern = repaired(&words);
            reads_as_words(&pattern).map_err(refuse)?;
            Ok(pattern)
        }
    }
}

/// The words of an entry. WordStat and LIWC join the words of a phrase with `_` (and Lexicoder
/// files are read the same way); in quanteda YAML and JSON `_` is part of a word, as it is to the
/// tokenizer (quanteda joins compound tokens with it).
fn words(entry: &str, format: DictFormat) -> Vec<&str> {
    let joins_with_underscore = matches!(
        format,
        DictFormat::WordStat | DictFormat::Liwc | DictFormat::Lexicoder
    );
    entry
        .split(|c: char| c.is_whitespace() || (c == '_' && joins_with_underscore))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Words as a pattern: one word as it is, several as a quoted phrase.
fn written(words: &[&str]) -> String {
    match words {
        [one] => one.to_string(),
        _ => format!("\"{}\"", words.join(" ")),
    }
}

/// Words as a pattern that cannot read as syntax: quotes dropped (the tokenizer never puts one
/// inside a word, so the words are the same), `NEAR` lowercase (an imported codebook ignores
/// case), and a word starting with `/` quoted, so it is not a regex.
fn repaired(words: &[&str]) -> String {
    let cleaned = words
        .iter()
        .map(|w| w.replace('"', " ").replace("NEAR", "near"))
        .collect::<Vec<_>>()
        .join(" ");
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    match words.as_slice() {
        [one] if !one.starts_with('/') => one.to_string(),
        _ => format!("\"{}\"", words.join(" ")),
    }
}

/// Does the pattern parse, as a word, phrase or glob (not NEAR, not a regex)?
fn reads_as_words(pattern: &str) -> Result<(), PatternError> {
    let options = TokenOptions {
        stem: false,
        case_sensitive: false,
        language: crate::text::Language::English,
    };
    match Pattern::parse(pattern, options)?.kind {
        PatternKind::Seq(_) => Ok(()),
        PatternKind::Near { .. } | PatternKind::Regex(_) => Err(PatternError {
            at: 0,
            message: "it reads as NEAR or a regex".into(),
            help: "a dictionary entry is words".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(entry: &str) -> Result<String, EntryError> {
        to_pattern(entry, DictFormat::Yaml)
    }

    #[test]
    fn words_and_phrases_as_written() {
        assert_eq!(rules("trust*").unwrap(), "trust*");
        assert_eq!(rules("early  win").unwrap(), "\"early win\"");
        assert_eq!(rules("fund_raise").unwrap(), "fund_raise");
        assert_eq!(
            to_pattern("fund_raise", DictFormat::WordStat).unwrap(),
            "\"fund raise\""
        );
        assert_eq!(rules("tr*st").unwrap(), "tr*st", "rules take inner globs");
        assert_eq!(
            rules("NEAR").unwrap(),
            "NEAR",
            "kept where it reads as a word"
        );
    }

    #[test]
    fn entries_that_read_as_syntax_are_written_as_their_words() {
        assert_eq!(rules("a NEAR b").unwrap(), "\"a near b\"");
        assert_eq!(rules("a NEAR/3 b").unwrap(), "\"a near/3 b\"");
        assert_eq!(rules("/path/").unwrap(), "\"/path/\"");
        assert_eq!(rules("/x").unwrap(), "\"/x\"");
        assert_eq!(rules("say \"no\"").unwrap(), "\"say no\"");
        assert_eq!(rules("\"health service\"").unwrap(), "\"health service\"");
        assert_eq!(rules("a\"b").unwrap(), "\"a b\"");
    }

    #[test]
    fn entries_without_words_are_refused() {
        for bad in ["", ":)", "*", "\"\"", "--"] {
            let e = rules(bad).unwrap_err();
            assert!(e.message.contains("cannot be a pattern"), "{bad}: {e:?}");
        }
    }

    #[test]
    fn a_counting_dictionary_takes_words_phrases_and_trailing_globs() {
        let json = |e: &str| to_pattern(e, DictFormat::Json);
        assert_eq!(json("lack of trust").unwrap(), "\"lack of trust\"");
        assert_eq!(json("fund_raise").unwrap(), "fund_raise");
        assert_eq!(json("trust*").unwrap(), "trust*");
        for bad in [
            "tr*st",
            "wom?n",
            "/x/",
            "a NEAR/2 b",
            "say \"no\"",
            "",
            "-*",
        ] {
            assert!(json(bad).is_err(), "{bad}");
        }
    }
}
