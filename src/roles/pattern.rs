//! Aliases that are patterns: a glob (`*chair*`) or a regex between slashes (`/^cllr\b/`), for
//! the labels a role table cannot list one by one ("Cllr Jones", "Cllr Patel", …).

/// A regex alias may compile to at most this many bytes: a role table's patterns are few and
/// short, so a bigger one is a mistake, not a need.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A compiled pattern alias.
#[derive(Debug, Clone)]
pub enum AliasPattern {
    Glob(globset::GlobMatcher),
    Regex(regex::Regex),
}

/// Is `alias` a pattern? A regex is written between slashes; a glob has one of `* ? [ {`.
pub fn is_pattern(alias: &str) -> bool {
    is_regex(alias) || alias.contains(['*', '?', '[', '{'])
}

fn is_regex(alias: &str) -> bool {
    alias.len() > 2 && alias.starts_with('/') && alias.ends_with('/')
}

/// Kept (in the codebook cache) as the alias it was compiled from, and compiled again when read.
impl serde::Serialize for AliasPattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            AliasPattern::Glob(g) => s.serialize_str(g.glob().glob()),
            AliasPattern::Regex(r) => s.serialize_str(&format!("/{}/", r.as_str())),
        }
    }
}

impl<'de> serde::Deserialize<'de> for AliasPattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<AliasPattern, D::Error> {
        let alias = String::deserialize(d)?;
        AliasPattern::new(&alias).map_err(serde::de::Error::custom)
    }
}

impl AliasPattern {
    /// Compile a pattern alias ([`is_pattern`]); the error says what is wrong with it.
    pub fn new(alias: &str) -> Result<AliasPattern, String> {
        if is_regex(alias) {
            return regex::RegexBuilder::new(&alias[1..alias.len() - 1])
                .case_insensitive(true)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map(AliasPattern::Regex)
                .map_err(|e| format!("is not a valid regex: {}", one_line(&e.to_string())));
        }
        globset::GlobBuilder::new(alias.trim())
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map(|g| AliasPattern::Glob(g.compile_matcher()))
            .map_err(|e| format!("is not a valid glob: {}", e.kind()))
    }

    /// Does the pattern meet `text`? A glob must match all of it, a regex any part (anchor it
    /// with `^` and `$`); neither minds case.
    pub fn is_match(&self, text: &str) -> bool {
        match self {
            AliasPattern::Glob(g) => g.is_match(text),
            AliasPattern::Regex(r) => r.is_match(text),
        }
    }
}

/// The regex crate's message spans several lines with a caret; the error shows its own.
fn one_line(msg: &str) -> String {
    msg.lines()
        .rev()
        .find(|l| l.trim_start().starts_with("error:"))
        .map(|l| {
            l.trim_start()
                .trim_start_matches("error:")
                .trim()
                .to_string()
        })
        .unwrap_or_else(|| msg.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_regexes_are_told_from_plain_aliases() {
        assert!(is_pattern("*chair*"));
        assert!(is_pattern("witness ?"));
        assert!(is_pattern("/^cllr\\b/"));
        assert!(!is_pattern("Cllr"));
        assert!(!is_pattern("officer, housing dept"));
        assert!(!is_pattern("/"));
        assert!(!is_pattern("//"));
    }

    #[test]
    fn globs_match_the_whole_label_and_regexes_any_part_ignoring_case() {
        let g = AliasPattern::new("*chair*").unwrap();
        assert!(g.is_match("The Big Local Partnership Chair"));
        assert!(!g.is_match("Councillor"));
        let g = AliasPattern::new("cllr *").unwrap();
        assert!(g.is_match("CLLR Jones / Patel"));
        let r = AliasPattern::new("/^cllr\\b/").unwrap();
        assert!(r.is_match("Cllr Jones"));
        assert!(!r.is_match("Cllrs"));
        assert!(!r.is_match("Ex-Cllr Jones"));
    }

    #[test]
    fn a_bad_pattern_says_why() {
        let e = AliasPattern::new("[chair").unwrap_err();
        assert!(e.starts_with("is not a valid glob: "), "{e}");
        let e = AliasPattern::new("/(cllr/").unwrap_err();
        assert!(e.starts_with("is not a valid regex: "), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }
}
