//! Words of a text, as the codebook sees them: Unicode word segmentation (UAX #29), so "don't"
//! is one word and "co-production" two; typographic apostrophes read as `'`; a possessive `'s`
//! (or a plural possessive's final `'`) is dropped, so `council` matches "council's"; lowercased
//! unless the codebook is case-sensitive; and, when the codebook stems, the Snowball stem in the
//! codebook's language, from the same stemmer the index's stemmed field uses.

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
    /// Whose Snowball stemmer stems (`[codebook] language`).
    pub language: Language,
}

/// The languages a codebook can stem in: the Snowball stemmers tantivy ships, so coding and
/// search stem alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    Arabic,
    Danish,
    Dutch,
    #[default]
    English,
    Finnish,
    French,
    German,
    Greek,
    Hungarian,
    Italian,
    Norwegian,
    Portuguese,
    Romanian,
    Russian,
    Spanish,
    Swedish,
    Tamil,
    Turkish,
}

impl Language {
    /// Every language with its ISO 639-1 code and English name.
    pub const ALL: [(Language, &'static str, &'static str); 18] = [
        (Language::Arabic, "ar", "arabic"),
        (Language::Danish, "da", "danish"),
        (Language::Dutch, "nl", "dutch"),
        (Language::English, "en", "english"),
        (Language::Finnish, "fi", "finnish"),
        (Language::French, "fr", "french"),
        (Language::German, "de", "german"),
        (Language::Greek, "el", "greek"),
        (Language::Hungarian, "hu", "hungarian"),
        (Language::Italian, "it", "italian"),
        (Language::Norwegian, "no", "norwegian"),
        (Language::Portuguese, "pt", "portuguese"),
        (Language::Romanian, "ro", "romanian"),
        (Language::Russian, "ru", "russian"),
        (Language::Spanish, "es", "spanish"),
        (Language::Swedish, "sv", "swedish"),
        (Language::Tamil, "ta", "tamil"),
        (Language::Turkish, "tr", "turkish"),
    ];

    /// A language by its code (`hu`, `en-GB`, `nb`) or English name (`Hungarian`), any case.
    pub fn parse(s: &str) -> Option<Language> {
        let s = s.trim().to_lowercase();
        let code = s.split(['-', '_']).next().unwrap_or("");
        let code = match code {
            "nb" | "nn" => "no",
            c => c,
        };
        Language::ALL
            .iter()
            .find(|(_, c, n)| *c == code || *n == s)
            .map(|(l, _, _)| *l)
    }

    /// `ar, da, …, tr`: what a message lists.
    pub fn codes() -> String {
        Language::ALL.map(|(_, c, _)| c).join(", ")
    }

    pub fn code(self) -> &'static str {
        Language::ALL
            .iter()
            .find(|(l, _, _)| *l == self)
            .map_or("en", |(_, c, _)| c)
    }

    fn algorithm(self) -> frostem::Algorithm {
        use frostem::Algorithm as A;
        match self {
            Language::Arabic => A::Arabic,
            Language::Danish => A::Danish,
            Language::Dutch => A::Dutch,
            Language::English => A::English,
            Language::Finnish => A::Finnish,
            Language::French => A::French,
            Language::German => A::German,
            Language::Greek => A::Greek,
            Language::Hungarian => A::Hungarian,
            Language::Italian => A::Italian,
            Language::Norwegian => A::Norwegian,
            Language::Portuguese => A::Portuguese,
            Language::Romanian => A::Romanian,
            Language::Russian => A::Russian,
            Language::Spanish => A::Spanish,
            Language::Swedish => A::Swedish,
            Language::Tamil => A::Tamil,
            Language::Turkish => A::Turkish,
        }
    }
}

/// Snowball stem of a lowercase word in `language`. Stems are cached per thread: words repeat a
/// lot and the stemmer dominated coding time before the cache.
pub fn stem(word: &str, language: Language) -> String {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static CACHE: RefCell<(Language, Option<frostem::Stemmer>, HashMap<String, String>)> =
            RefCell::new((Language::English, None, HashMap::new()));
    }
    CACHE.with(|c| {
        let (lang, stemmer, cache) = &mut *c.borrow_mut();
        if *lang != language || stemmer.is_none() {
            *lang = language;
            *stemmer = Some(frostem::Stemmer::new(language.algorithm()));
            cache.clear();
        }
        if let Some(s) = cache.get(word) {
            return s.clone();
        }
        let s = stemmer.as_ref().expect("set above").stem(word).into_owned();
        // Bounded: a pathological corpus of unique words must not grow it without end.
        if cache.len() > 200_000 {
            cache.clear();
        }
        cache.insert(word.to_string(), s.clone());
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
            stem(&norm.to_lowercase(), opts.language)
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
        language: Language::English,
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

    #[test]
    fn languages_stem_with_their_own_snowball_stemmer() {
        let hu = TokenOptions {
            language: Language::Hungarian,
            ..LOWER_STEM
        };
        let t = tokenize("önkormányzattal önkormányzat", hu);
        assert_eq!(t[0].stem, t[1].stem, "{t:?}");
        assert_eq!(Language::parse("HU"), Some(Language::Hungarian));
        assert_eq!(Language::parse("en-GB"), Some(Language::English));
        assert_eq!(Language::parse("Norwegian"), Some(Language::Norwegian));
        assert_eq!(Language::parse("nb"), Some(Language::Norwegian));
        assert_eq!(Language::parse("klingon"), None);
    }
}
