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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TokenOptions {
    pub stem: bool,
    pub case_sensitive: bool,
    /// Whose Snowball stemmer stems (`[codebook] language`).
    pub language: Language,
}

/// The languages a codebook can stem in: the Snowball stemmers tantivy ships, so coding and
/// search stem alike.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
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
    let mut w = String::new();
    normalise_into(word, case_sensitive, &mut w);
    w
}

/// [`normalise_word`] into `out` (cleared first), so a caller normalising many words reuses
/// one buffer: plain ASCII, the bulk of English text, then allocates nothing.
pub fn normalise_into(word: &str, case_sensitive: bool, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        out.push_str(word);
        if !case_sensitive {
            out.make_ascii_lowercase();
        }
    } else {
        let w: String = word
            .chars()
            .map(|c| if c == '’' || c == 'ʼ' { '\'' } else { c })
            .collect();
        match case_sensitive {
            true => out.push_str(&w),
            false => out.push_str(&w.to_lowercase()),
        }
    }
    if out.len() > 2 && (out.ends_with("'s") || out.ends_with("'S")) {
        out.truncate(out.len() - 2);
    } else if out.len() > 1 && out.ends_with('\'') {
        out.pop();
    }
}

/// Call `f(byte offset, word)` for each word of `text`, exactly the words and offsets of
/// `unicode_word_indices` (UAX #29), but fast where the text is ASCII. The crate has an ASCII
/// path only for a wholly ASCII text; here a text with a few curly apostrophes or accents is cut
/// at ASCII whitespace, where UAX #29 always breaks, and only the pieces that are not ASCII go
/// through the full rules. The one context that crosses whitespace, a combining mark (or other
/// Extend, Format or ZWJ character) attaching to the space before it (WB4), sends the whole
/// text through the full rules.
pub fn for_each_word<'t>(text: &'t str, mut f: impl FnMut(usize, &'t str)) {
    if text.is_ascii() {
        ascii_words(text, 0, &mut f);
        return;
    }
    let bytes = text.as_bytes();
    if attaches_to_space(text) {
        for (b, w) in text.unicode_word_indices() {
            f(b, w);
        }
        return;
    }
    // The ASCII stretches between the pieces that hold a non-ASCII byte go to the ASCII path
    // whole (a stretch per piece cost a 64-byte block's work per word).
    let mut at = 0;
    while let Some(i) = bytes[at..].iter().position(|&b| !b.is_ascii()) {
        let i = at + i;
        let start = bytes[at..i]
            .iter()
            .rposition(|&b| is_ascii_space(b))
            .map_or(at, |k| at + k + 1);
        let end = bytes[i..]
            .iter()
            .position(|&b| is_ascii_space(b))
            .map_or(bytes.len(), |k| i + k);
        // Every end is at an ASCII byte or the text's edge: a char boundary.
        ascii_words(&text[at..start], at, &mut f);
        for (b, w) in text[start..end].unicode_word_indices() {
            f(start + b, w);
        }
        at = end;
    }
    ascii_words(&text[at..], at, &mut f);
}

/// The words of an ASCII `text` (at `offset` in the whole), as the crate's own ASCII path
/// splits them, without the segments between words it also makes and then filters out: runs
/// of letters, digits and `_`, joined across `.` `'` `:` between letters (WB6, WB7) and across
/// `.` `,` `;` `'` between digits (WB11, WB12); a run of `_` alone is no word.
///
/// A 64-byte block at a time: a bitmask of the word bytes (see [`word_byte_bits`]), the rare
/// joiners added to it (only a non-word byte between two word bytes is asked), and the words'
/// starts and ends read off the mask's changes with `trailing_zeros`, with no branch per byte
/// and none per word that the CPU cannot foresee (starts and ends alternate). Splitting the
/// benchmark's 100 MB of segment text alone took 235 ms a byte at a time.
fn ascii_words<'t>(text: &'t str, offset: usize, f: &mut impl FnMut(usize, &'t str)) {
    let b = text.as_bytes();
    let n = b.len();
    let mut next = word_byte_bits(b, 0);
    // Was the byte before the block a word byte (as read, and with joiners added)?
    let (mut raw_before, mut in_word) = (0u64, false);
    let mut start = 0;
    let mut base = 0;
    while base < n {
        let raw = next;
        next = if base + 64 < n {
            word_byte_bits(b, base + 64)
        } else {
            0
        };
        let mut mask = raw;
        let mut between = !raw & (raw << 1 | raw_before) & (raw >> 1 | next << 63);
        while between != 0 {
            let j = base + between.trailing_zeros() as usize;
            if joins(b[j], b[j - 1], b[j + 1]) {
                mask |= 1 << (j - base);
            }
            between &= between - 1;
        }
        // Each set bit a start or an end, in turn.
        let mut changes = mask ^ (mask << 1 | u64::from(in_word));
        while changes != 0 {
            let at = base + changes.trailing_zeros() as usize;
            if in_word {
                emit(text, offset, start, at, f);
            } else {
                start = at;
            }
            in_word = !in_word;
            changes &= changes - 1;
        }
        raw_before = raw >> 63;
        base += 64;
    }
    if in_word {
        emit(text, offset, start, n, f);
    }
}

/// The word `text[start..end]`, unless it is a run of `_` alone (it has no joiner: joiners
/// join letters and digits).
#[inline]
fn emit<'t>(
    text: &'t str,
    offset: usize,
    start: usize,
    end: usize,
    f: &mut impl FnMut(usize, &'t str),
) {
    let b = text.as_bytes();
    if b[start] != b'_' || b[start..end].iter().any(|&c| c != b'_') {
        f(offset + start, &text[start..end]);
    }
}

/// Bit `k` set where byte `at + k` of ASCII `b` is a letter, digit or `_`, for the 64 bytes from
/// `at` (none past the end). With SSE2 (every x86_64 CPU has it) sixteen bytes are compared at
/// once: over the benchmark's 100 MB, 26 ms against 60 ms for the portable way.
#[inline]
fn word_byte_bits(b: &[u8], at: usize) -> u64 {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    // SAFETY: the function only needs SSE2, which this build's target has (the cfg above).
    return unsafe { word_byte_bits_sse2(b, at) };
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    word_byte_bits_swar(b, at)
}

/// The 16 bytes of `b` from `at` (zero past its end) as two little-endian machine words.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline]
fn sixteen(b: &[u8], at: usize) -> (u64, u64) {
    let mut w = [0u8; 16];
    match b.get(at..at + 16) {
        Some(c) => w.copy_from_slice(c),
        None => {
            let rest = &b[at.min(b.len())..];
            w[..rest.len()].copy_from_slice(rest);
        }
    }
    let (lo, hi) = w.split_at(8);
    let word = |h: &[u8]| u64::from_le_bytes(h.try_into().expect("8 bytes"));
    (word(lo), word(hi))
}

/// [`word_byte_bits`] with SSE2's byte compares (signed: ASCII bytes are below 0x80).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
fn word_byte_bits_sse2(b: &[u8], at: usize) -> u64 {
    use std::arch::x86_64::*;
    let between = |v: __m128i, lo: u8, hi: u8| {
        let above = _mm_cmpgt_epi8(v, _mm_set1_epi8(lo as i8 - 1));
        _mm_and_si128(above, _mm_cmplt_epi8(v, _mm_set1_epi8(hi as i8 + 1)))
    };
    let mut bits = 0u64;
    for k in 0..4 {
        let (lo, hi) = sixteen(b, at + 16 * k);
        let v = _mm_set_epi64x(hi as i64, lo as i64);
        let digit = between(v, b'0', b'9');
        // `| 0x20` folds A-Z onto a-z and moves no other byte into a-z.
        let letter = between(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', b'z');
        let under = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'_' as i8));
        let word = _mm_or_si128(_mm_or_si128(digit, letter), under);
        bits |= u64::from(_mm_movemask_epi8(word) as u16) << (16 * k);
    }
    bits
}

/// [`word_byte_bits`] without SIMD: eight bytes at a time, each byte compared by adding to it,
/// which carries into its high bit and never into the next byte since ASCII bytes are below
/// 0x80.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline]
fn word_byte_bits_swar(b: &[u8], at: usize) -> u64 {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = 0x80 * ONES;
    // Bytes at least `c` (for 0 < c <= 0x80): their high bit.
    let at_least = |v: u64, c: u64| (v + (0x80 - c) * ONES) & HIGH;
    let mut bits = 0u64;
    for k in 0..8 {
        let from = (at + 8 * k).min(b.len());
        let v = match b.get(from..from + 8) {
            Some(w) => u64::from_le_bytes(w.try_into().expect("8 bytes")),
            None => {
                let mut w = [0u8; 8];
                let rest = &b[from..];
                w[..rest.len()].copy_from_slice(rest);
                u64::from_le_bytes(w)
            }
        };
        let digit = at_least(v, b'0'.into()) & !at_least(v, u64::from(b'9') + 1);
        // `| 0x20` folds A-Z onto a-z and moves no other byte into a-z.
        let folded = v | (0x20 * ONES);
        let letter = at_least(folded, b'a'.into()) & !at_least(folded, u64::from(b'z') + 1);
        let under = !((v ^ (u64::from(b'_') * ONES)) + 0x7f * ONES) & HIGH;
        let high = (digit | letter | under) >> 7;
        // Gather each byte's flag (bit 8j) into bit j of the top byte.
        let byte = high.wrapping_mul(0x0102_0408_1020_4080) >> 56;
        bits |= byte << (8 * k);
    }
    bits
}

/// Does `c`, between `prev` and `next`, join them into one word?
#[inline]
fn joins(c: u8, prev: u8, next: u8) -> bool {
    match c {
        b'.' | b'\'' => {
            (prev.is_ascii_digit() && next.is_ascii_digit())
                || (prev.is_ascii_alphabetic() && next.is_ascii_alphabetic())
        }
        b',' | b';' => prev.is_ascii_digit() && next.is_ascii_digit(),
        b':' => prev.is_ascii_alphabetic() && next.is_ascii_alphabetic(),
        _ => false,
    }
}

/// ASCII whitespace: UAX #29 breaks before and after it (spaces join only each other).
#[inline]
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// Does a non-ASCII character right after ASCII whitespace join the whitespace's segment (an
/// Extend, Format or ZWJ character, WB4)? Then cutting at whitespace could change the words.
fn attaches_to_space(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut buf = [0u8; 5];
    for i in 1..bytes.len() {
        if bytes[i] >= 0x80 && is_ascii_space(bytes[i - 1]) {
            let c = text[i..].chars().next().expect("a char starts here");
            buf[0] = bytes[i - 1];
            let n = 1 + c.encode_utf8(&mut buf[1..]).len();
            let pair = std::str::from_utf8(&buf[..n]).expect("ASCII then one char");
            if pair.split_word_bounds().next().map_or(0, str::len) > 1 {
                return true;
            }
        }
    }
    false
}

/// Split `text` into tokens.
pub fn tokenize(text: &str, opts: TokenOptions) -> Vec<Token> {
    let mut out = Vec::new();
    let (mut byte_at, mut char_at) = (0, 0);
    for_each_word(text, |b, word| {
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
    });
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

    /// The fast word splitter against the crate's, on text mixing ASCII with the characters
    /// that change UAX #29's answer: curly apostrophes, accents, combining marks and joiners
    /// after whitespace, CR LF, digits with separators.
    mod split {
        use proptest::prelude::*;

        fn piece() -> impl Strategy<Value = String> {
            const P: &[&str] = &[
                "trust", "Council", "don't", "e.g", "3.5", "1,000", "a_b", "_", " ", "  ", "\t",
                "\r\n", "\n", ".", "'", ",", ":", "’", "café", "naïve", "\u{301}", "\u{93e}",
                "\u{200d}", "\u{200b}", "—", "“", "日本", "🇬🇧", "ǅ", "Σ", "__", "a1", "x.y.z",
                "2;3", "4:5", "b'", "9'",
            ];
            prop::sample::select(P).prop_map(str::to_string)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            #[test]
            fn for_each_word_equals_unicode_word_indices(
                ps in prop::collection::vec(piece(), 0..24)
            ) {
                use unicode_segmentation::UnicodeSegmentation;
                let text: String = ps.concat();
                let want: Vec<(usize, &str)> = text.unicode_word_indices().collect();
                let mut got = Vec::new();
                super::super::for_each_word(&text, |b, w| got.push((b, w)));
                prop_assert_eq!(got, want);
                // The same pieces without the non-ASCII ones: the all-ASCII path.
                let ascii: String = ps.iter().filter(|p| p.is_ascii()).map(String::as_str).collect();
                let want: Vec<(usize, &str)> = ascii.unicode_word_indices().collect();
                let mut got = Vec::new();
                super::super::for_each_word(&ascii, |b, w| got.push((b, w)));
                prop_assert_eq!(got, want);
            }

            /// Long texts: words and joiners across the 64-byte blocks of the ASCII path.
            #[test]
            fn for_each_word_equals_unicode_word_indices_on_long_text(
                ps in prop::collection::vec(piece(), 0..160)
            ) {
                use unicode_segmentation::UnicodeSegmentation;
                for text in [ps.concat(), ps.iter().filter(|p| p.is_ascii()).map(String::as_str).collect()] {
                    let want: Vec<(usize, &str)> = text.unicode_word_indices().collect();
                    let mut got = Vec::new();
                    super::super::for_each_word(&text, |b, w| got.push((b, w)));
                    prop_assert_eq!(got, want);
                }
            }
        }
    }

    #[test]
    fn word_byte_bits_marks_letters_digits_and_underscore_at_every_place() {
        let ascii: Vec<u8> = (0u8..128).collect();
        // Every byte at every place of a block, and blocks cut short by the text's end.
        for shift in 0..64 {
            let text: Vec<u8> = ascii
                .iter()
                .cycle()
                .skip(shift)
                .take(200)
                .copied()
                .collect();
            for at in (0..text.len()).step_by(64) {
                let bits = super::word_byte_bits(&text, at);
                // The portable way too, wherever the tests run.
                assert_eq!(bits, super::word_byte_bits_swar(&text, at));
                for k in 0..64 {
                    let want = text
                        .get(at + k)
                        .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_');
                    assert_eq!(
                        bits >> k & 1 == 1,
                        want,
                        "byte {:?} at {}",
                        text.get(at + k),
                        at + k
                    );
                }
            }
        }
    }

    /// Normalising as it was written before the buffer-reusing version: the oracle.
    fn plain_normalise(word: &str, case_sensitive: bool) -> String {
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

    #[test]
    fn normalise_into_reuses_a_buffer_and_agrees() {
        let mut buf = String::from("left over");
        let words = [
            "Council's",
            "residents'",
            "DON'T",
            "Café’s",
            "ΣΑΣ",
            "x's",
            "'",
            "'s",
            "Trust",
        ];
        for w in words {
            for cs in [false, true] {
                normalise_into(w, cs, &mut buf);
                assert_eq!(buf, plain_normalise(w, cs), "{w} {cs}");
            }
        }
        assert_eq!(normalise_word("Council's", false), "council");
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
