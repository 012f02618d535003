//! The pattern language of codebook rules, parsed into a small AST:
//! `word`, `word*` / `wo?d` (globs on the unstemmed word), `"a phrase"` (consecutive words, globs
//! allowed), `a NEAR/n b` (at most n words between them, either order; each side a word, glob or
//! phrase) and `/regex/` over the raw text.

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use crate::text::tokens::{normalise_word, stem, TokenOptions};

/// Compiled regexes may not exceed this (bytes of compiled program): a clear error, not
/// exhausted memory.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// One word position of a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Elem {
    /// A word: matches a token with the same key (the stem when stemming, else the normalised word).
    Word(String),
    /// A glob over the normalised, unstemmed token: `*` any characters, `?` exactly one.
    Glob(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum PatternKind {
    /// One word or a phrase: consecutive tokens.
    Seq(Vec<Elem>),
    /// Both sides, at most `within` words apart, in either order.
    Near {
        left: Vec<Elem>,
        right: Vec<Elem>,
        within: usize,
    },
    Regex(#[serde(with = "regex_source")] Regex),
}

/// A parsed pattern and the text it was written as (shown as evidence).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pattern {
    pub text: String,
    pub kind: PatternKind,
}

/// A pattern error: what is wrong, at which character of the pattern (0-based), and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub at: usize,
    pub message: String,
    pub help: String,
}

fn err(at: usize, message: impl Into<String>, help: impl Into<String>) -> PatternError {
    PatternError {
        at,
        message: message.into(),
        help: help.into(),
    }
}

impl Pattern {
    /// Parse `text` for a codebook with these token options.
    pub fn parse(text: &str, opts: TokenOptions) -> Result<Pattern, PatternError> {
        let t = text.trim();
        let lead = text.len() - text.trim_start().len();
        if t.is_empty() {
            return Err(err(
                0,
                "empty pattern",
                "write a word, a \"phrase\", a NEAR rule or a /regex/",
            ));
        }
        let kind = if t.len() >= 2 && t.starts_with('/') && t.ends_with('/') {
            PatternKind::Regex(slashed_regex(&t[1..t.len() - 1], lead, opts)?)
        } else if t.starts_with('/') {
            return Err(err(lead, "a regex must end with `/`", "write /regex/"));
        } else if let Some(i) = t.find(" NEAR") {
            near(t, i, lead, opts)?
        } else if t.contains("NEAR/") {
            return Err(err(
                lead,
                "NEAR needs a word on each side",
                "e.g. council* NEAR/5 listen*",
            ));
        } else {
            PatternKind::Seq(seq(t, lead, opts)?)
        };
        Ok(Pattern {
            text: t.to_string(),
            kind,
        })
    }
}

/// A compiled regex kept (in the codebook cache) as its source, flags included, and compiled
/// again within the same size limit when read.
mod regex_source {
    use regex::{Regex, RegexBuilder};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(re: &Regex, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(re.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Regex, D::Error> {
        let source = String::deserialize(d)?;
        RegexBuilder::new(&source)
            .size_limit(super::REGEX_SIZE_LIMIT)
            .build()
            .map_err(serde::de::Error::custom)
    }
}

/// The regex between a pattern's slashes; `lead` is where the opening slash is in the pattern.
fn slashed_regex(body: &str, lead: usize, opts: TokenOptions) -> Result<Regex, PatternError> {
    // The flag goes into the pattern text so a RegexSet built from it behaves the same.
    let source = if opts.case_sensitive {
        body.to_string()
    } else {
        format!("(?i){body}")
    };
    let re = RegexBuilder::new(&source)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => err(
                lead,
                format!("regex is too large (compiled size over {limit} bytes)"),
                "simplify it, or split it into several patterns",
            ),
            e => err(
                lead + 1,
                format!(
                    "invalid regex: {}",
                    e.to_string().lines().last().unwrap_or("")
                ),
                "regex syntax is Rust's (docs.rs/regex); escape / as \\/ is not needed inside",
            ),
        })?;
    if re.is_match("") {
        return Err(err(
            lead,
            "this regex matches empty text",
            "a regex must match at least one character",
        ));
    }
    Ok(re)
}

/// `left NEAR/n right`, where `t` is the trimmed pattern (at `lead` in what was written) and
/// ` NEAR` starts at byte `i` of it.
fn near(t: &str, i: usize, lead: usize, opts: TokenOptions) -> Result<PatternKind, PatternError> {
    let after = &t[i + 5..];
    let rest = after.strip_prefix('/').ok_or_else(|| {
        err(
            lead + i + 1,
            "NEAR needs a distance",
            "write NEAR/n, e.g. council* NEAR/5 listen*",
        )
    })?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let within: usize = digits.parse().map_err(|_| {
        err(
            lead + i + 6,
            "NEAR needs a distance",
            "write NEAR/n, e.g. council* NEAR/5 listen*",
        )
    })?;
    if within == 0 || within > 100 {
        return Err(err(
            lead + i + 6,
            "NEAR distance must be between 1 and 100",
            "e.g. NEAR/5",
        ));
    }
    let right_at = i + 5 + 1 + digits.len();
    if !t[right_at..].starts_with(' ') {
        return Err(err(
            lead + right_at,
            "NEAR/n must be followed by a space and a word",
            "e.g. council* NEAR/5 listen*",
        ));
    }
    let left = seq(&t[..i], lead, opts)?;
    let right = seq(&t[right_at..], lead + right_at, opts)?;
    Ok(PatternKind::Near {
        left,
        right,
        within,
    })
}

/// A word, glob or phrase (quoted or not: several words are always a phrase).
fn seq(s: &str, offset: usize, opts: TokenOptions) -> Result<Vec<Elem>, PatternError> {
    let trimmed = s.trim();
    let lead = offset + (s.len() - s.trim_start().len());
    let quotes = trimmed.matches('"').count();
    let body = if quotes == 0 {
        trimmed
    } else if quotes == 2
        && trimmed.starts_with('"')
        && trimmed.ends_with('"')
        && trimmed.len() >= 2
    {
        &trimmed[1..trimmed.len() - 1]
    } else if quotes % 2 == 1 {
        let at = trimmed.rfind('"').unwrap_or(0);
        return Err(err(
            lead + at,
            "this quote is never closed",
            "a phrase is written \"like this\"",
        ));
    } else {
        let at = trimmed.find('"').unwrap_or(0);
        return Err(err(
            lead + at,
            "quotes must surround the whole phrase",
            "write \"a phrase\", or NEAR between two phrases",
        ));
    };
    let mut elems = Vec::new();
    for word in body.split_whitespace() {
        if word.contains(['*', '?']) {
            // A glob: split at punctuation the tokenizer also splits at, keep the wildcards.
            for piece in word.split(|c: char| !(c.is_alphanumeric() || "*?'’".contains(c))) {
                if piece.is_empty() {
                    continue;
                }
                if piece.contains(['*', '?']) {
                    let g = normalise_word(piece, opts.case_sensitive);
                    elems.push(Elem::Glob(g));
                } else {
                    elems.push(word_elem(piece, opts));
                }
            }
        } else {
            for (_, w) in unicode_segmentation::UnicodeSegmentation::unicode_word_indices(word) {
                elems.push(word_elem(w, opts));
            }
        }
    }
    if elems.is_empty() {
        return Err(err(
            lead,
            "this pattern has no words",
            "write letters or digits, e.g. trust or \"early win*\"",
        ));
    }
    if elems.len() == 1 && matches!(&elems[0], Elem::Glob(g) if g.chars().all(|c| c == '*')) {
        return Err(err(
            lead,
            "`*` alone matches every word",
            "give the glob some letters, e.g. trust*",
        ));
    }
    Ok(elems)
}

fn word_elem(w: &str, opts: TokenOptions) -> Elem {
    let norm = normalise_word(w, opts.case_sensitive);
    if opts.stem {
        Elem::Word(stem(&norm.to_lowercase(), opts.language))
    } else {
        Elem::Word(norm)
    }
}

/// Does a glob (`*`, `?`) match a whole word? The simple recursive definition, used by the
/// reference matcher and for rare globs; the fast matcher compiles globs to regexes.
pub fn glob_match(glob: &str, word: &str) -> bool {
    fn go(g: &[char], w: &[char]) -> bool {
        match (g.first(), w.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&g[1..], w) || (!w.is_empty() && go(g, &w[1..])),
            (Some('?'), Some(_)) => go(&g[1..], &w[1..]),
            (Some(a), Some(b)) if a == b => go(&g[1..], &w[1..]),
            _ => false,
        }
    }
    let g: Vec<char> = glob.chars().collect();
    let w: Vec<char> = word.chars().collect();
    go(&g, &w)
}

/// A pattern of a counting dictionary (`matching = "dictionary"`): the literal text to find,
/// words separated by single spaces, and whether it ends in a glob (`trust*`: any word starting
/// with `trust`). Accepted: `word`, `stem*`, `"a phrase"` (its last word may end in `*`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DictEntry {
    pub key: String,
    pub glob: bool,
}

/// Read `text` as a dictionary entry; the error points at the offending character.
pub fn dictionary_entry(text: &str) -> Result<DictEntry, PatternError> {
    let help = "a dictionary codebook takes words, phrases and trailing globs (`trust*`); \
                NEAR, regexes and other wildcards need matching = \"rules\"";
    let lead = text.len() - text.trim_start().len();
    let mut body = text.trim();
    let mut offset = lead;
    if body.len() >= 2 && body.starts_with('"') && body.ends_with('"') {
        body = &body[1..body.len() - 1];
        offset += 1;
    }
    if body.starts_with('/') {
        return Err(err(offset, "a regex is not a dictionary entry", help));
    }
    if let Some(i) = body.find(" NEAR/") {
        return Err(err(offset + i + 1, "NEAR is not a dictionary entry", help));
    }
    if let Some(i) = body.find(['?', '"']) {
        return Err(err(
            offset + i,
            format!("`{}` has no meaning in a dictionary entry", &body[i..i + 1]),
            help,
        ));
    }
    let glob = body.ends_with('*');
    let stem = body.strip_suffix('*').unwrap_or(body);
    if let Some(i) = stem.find('*') {
        return Err(err(offset + i, "`*` may only end the entry", help));
    }
    let key = stem.split_whitespace().collect::<Vec<_>>().join(" ");
    if key.is_empty() {
        return Err(err(
            offset,
            "empty dictionary entry",
            "write a word, a phrase or a glob",
        ));
    }
    if glob && !stem.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        return Err(err(
            offset + stem.len() - 1,
            "a glob must follow a letter or digit",
            "write `trust*`, not `trust *` or `-*`",
        ));
    }
    Ok(DictEntry { key, glob })
}

#[cfg(test)]
mod tests {
    use super::*;

    const O: TokenOptions = TokenOptions {
        stem: true,
        case_sensitive: false,
        language: crate::text::Language::English,
    };

    fn elems(p: &str) -> Vec<Elem> {
        match Pattern::parse(p, O).unwrap().kind {
            PatternKind::Seq(e) => e,
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn words_globs_phrases() {
        assert_eq!(elems("Listening"), [Elem::Word("listen".into())]);
        assert_eq!(elems("bureaucra*"), [Elem::Glob("bureaucra*".into())]);
        assert_eq!(
            elems("\"early win*\""),
            [Elem::Word("earli".into()), Elem::Glob("win*".into())]
        );
        assert_eq!(
            elems("co-production"),
            [Elem::Word("co".into()), Elem::Word("product".into())]
        );
        assert_eq!(elems("council's"), [Elem::Word("council".into())]);
        assert_eq!(elems("\"kept * informed\"").len(), 3);
    }

    #[test]
    fn near_and_regex() {
        match Pattern::parse("council* NEAR/6 \"listen to\"", O)
            .unwrap()
            .kind
        {
            PatternKind::Near {
                left,
                right,
                within,
            } => {
                assert_eq!(within, 6);
                assert_eq!(left, [Elem::Glob("council*".into())]);
                assert_eq!(right.len(), 2);
            }
            k => panic!("{k:?}"),
        }
        assert!(matches!(
            Pattern::parse("/cash ?machine/", O).unwrap().kind,
            PatternKind::Regex(_)
        ));
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = Pattern::parse("\"early win*", O).unwrap_err();
        assert_eq!(e.at, 0);
        assert!(e.message.contains("never closed"));
        let e = Pattern::parse("council NEAR listen", O).unwrap_err();
        assert_eq!(e.at, 8);
        assert!(e.message.contains("distance"));
        assert!(Pattern::parse("a NEAR/0 b", O).is_err());
        assert!(Pattern::parse("/(unclosed/", O)
            .unwrap_err()
            .message
            .contains("invalid regex"));
        assert!(Pattern::parse("/a*/", O)
            .unwrap_err()
            .message
            .contains("empty"));
        assert!(Pattern::parse("*", O).is_err());
        assert!(Pattern::parse("--", O).is_err());
        let big = format!("/{}/", "(a|b|c|d)?".repeat(20000));
        assert!(Pattern::parse(&big, O)
            .unwrap_err()
            .message
            .contains("too large"));
    }

    #[test]
    fn glob_matching() {
        assert!(glob_match("trust*", "trust"));
        assert!(glob_match("trust*", "trustworthy"));
        assert!(!glob_match("trust*", "distrust"));
        assert!(glob_match("*trust*", "distrustful"));
        assert!(glob_match("wom?n", "women"));
        assert!(!glob_match("wom?n", "woman's"));
    }
}
