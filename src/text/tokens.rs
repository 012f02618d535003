//! Words of a text, as the codebook sees them: Unicode word segmentation (UAX #29), so "don't"
//! is one word and "co-production" two; typographic apostrophes read as `'`; a possessive `'s`
//! (or a plural possessive's final `'`) is dropped, so `council` matches "council's"; lowercased
//! unless the codebook is case-sensitive; and, when the codebook stems, the English Snowball
//! stem from the same stemmer tantivy's `en_stem` uses.

use unicode_segmentation::UnicodeSegmentation;

/// One word of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Character (Unicode scalar) offsets in the text, end exclusive.
    pub start: usize,
    pub end: usize,
    /// The normalised word (see the module docs).
    pub norm: String,
    /// Its stem, when stemming is on (else empty).
    pub stem: String,
}

/// How words are normalised; fixed per codebook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenOptions {
    pub stem: bool,
    pub case_sensitive: bool,
}

/// English Snowball stem of a lowercase word. Stems are cached per thread: words repeat a lot
/// and the stemmer dominated coding time before the cache.
pub fn stem(word: &str) -> String {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static STEMMER: frostem::Stemmer = frostem::Stemmer::new(frostem::Algorithm::English);
        static CACHE: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
    }
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if let Some(s) = c.get(word) {
            return s.clone();
        }
        let s = STEMMER.with(|st| st.stem(word).into_owned());
        // Bounded: a pathological corpus of unique words must not grow it without end.
        if c.len() > 200_000 {
            c.clear();
        }
        c.insert(word.to_string(), s.clone());
        s
    })
}

/// Normalise one word as a token would be.
pub fn normalise_word(word: &str, case_sensitive: bool) -> String {
    // Fast path: plain ASCII, the bulk of English text, needs one allocation.
    if word.is_ascii() && !word.contains('\'') {
        return if case_sensitive {
            word.to_string()
        } else {
            word.to_ascii_lowercase()
        };
    }
    let mut w: String = word
        .chars()
        .map(|c| if c == '’' || c == 'ʼ' { '\'' } else { c })
        .collect();
    if !case_sensitive {
        w = w.to_lowercase();
    }
    if w.len() > 2 && (w.ends_with("'s") || w.ends_with("'S")) {
        w.truncate(w.len() - 2);
    } else if w.len() > 1 && w.ends_with('\'') {
        w.pop();
    }
    w
}

/// Split `text` into tokens.
pub fn tokenize(text: &str, opts: TokenOptions) -> Vec<Token> {
    let mut out = Vec::new();
    let (mut byte_at, mut char_at) = (0, 0);
    for (b, word) in text.unicode_word_indices() {
        char_at += text[byte_at..b].chars().count();
        byte_at = b;
        let len = word.chars().count();
        let norm = normalise_word(word, opts.case_sensitive);
        let stem = if opts.stem {
            stem(&norm.to_lowercase())
        } else {
            String::new()
        };
        out.push(Token {
            start: char_at,
            end: char_at + len,
            norm,
            stem,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOWER_STEM: TokenOptions = TokenOptions {
        stem: true,
        case_sensitive: false,
    };

    fn norms(text: &str) -> Vec<String> {
        tokenize(text, LOWER_STEM)
            .into_iter()
            .map(|t| t.norm)
            .collect()
    }

    #[test]
    fn words_apostrophes_and_hyphens() {
        assert_eq!(
            norms("The council’s co-production, don't!"),
            ["the", "council", "co", "production", "don't"]
        );
        assert_eq!(norms("residents' views"), ["residents", "views"]);
    }

    #[test]
    fn offsets_are_characters() {
        let t = tokenize("café – trust", LOWER_STEM);
        assert_eq!((t[0].start, t[0].end), (0, 4));
        assert_eq!((t[1].start, t[1].end), (7, 12));
        assert_eq!(t[1].norm, "trust");
    }

    #[test]
    fn stems_match_tantivy_en_stem() {
        let t = tokenize("listening meetings trusted", LOWER_STEM);
        let stems: Vec<&str> = t.iter().map(|t| t.stem.as_str()).collect();
        assert_eq!(stems, ["listen", "meet", "trust"]);
    }
}
