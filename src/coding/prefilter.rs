//! A cheap, exact test that a plain ASCII word cannot match any word element of a codebook, by
//! its first three bytes alone, asked before the per-thread word cache: most words of a text
//! match nothing, and a word not looked up costs no cache miss in a table of tens of thousands.
//!
//! The test is a bitset over the first three bytes, each folded to 5 bits (`b & 31`, so `A` and
//! `a` share a slot: the test is case-blind, and folding only adds false positives). A word
//! element is found by its stem, so the bits must cover every word that stems to it, and a
//! word's first bytes are not always its stem's. For the English Snowball stemmer (the one
//! `frostem` ships, Snowball 3) a stem keeps the word's first three bytes except where:
//! - the stem is shorter than three bytes ("eb" from "ebbing"): any third byte;
//! - the stem's third byte is its last and an `e` or `i`, added or changed from `y` by the
//!   stemmer ("use" from "using", "cri" from "cry"): any third byte;
//! - consonant + `ying` becomes consonant + `ie` ("dying" → "die"): the `y` form too;
//! - the exception "skies" → "sky".
//!
//! Rules change only suffixes in R1 or later (from the third byte on). The tests below check the
//! claim on every word of up to four bytes and on stems with many suffixes; when this was
//! written, a one-off release run also checked every word of up to five letters, every
//! six-letter word over 16 letters rich in vowels and suffix letters (29 million in all) and
//! the 40,000 distinct words of the benchmark corpus, and found no miss, where dropping the
//! `ying` case alone made "dying" miss. A new `frostem` needs that check again. Other
//! stemmers are not covered: with them (or with a glob that starts with a wildcard, `*` among
//! them) there is no prefilter.

use crate::text::tokens::Language;

/// Slots: three bytes of 5 bits.
const SLOTS: usize = 1 << 15;

/// See the module doc.
#[derive(Debug, Clone)]
pub(super) struct Prefilter {
    bits: Box<[u64]>,
}

/// A word's slot: its first three bytes folded, 0 past its end.
#[inline]
fn slot(a: u8, b: u8, c: u8) -> usize {
    (usize::from(a & 31) << 10) | (usize::from(b & 31) << 5) | usize::from(c & 31)
}

impl Prefilter {
    /// Nothing passes until added.
    pub(super) fn empty() -> Prefilter {
        Prefilter {
            bits: vec![0u64; SLOTS / 64].into_boxed_slice(),
        }
    }

    /// Can a word whose first three bytes (zero past its end) are these match anything?
    #[inline]
    pub(super) fn may_match(&self, a: u8, b: u8, c: u8) -> bool {
        let s = slot(a, b, c);
        self.bits[s >> 6] & (1 << (s & 63)) != 0
    }

    fn set(&mut self, s: usize) {
        self.bits[s >> 6] |= 1 << (s & 63);
    }

    /// Every word beginning with `p` (at most three bytes; fewer leave the rest free).
    fn add_prefix(&mut self, p: &[u8]) {
        let free = |i: usize| -> std::ops::Range<u8> {
            match p.get(i) {
                Some(&b) => b & 31..(b & 31) + 1,
                None => 0..32,
            }
        };
        for a in free(0) {
            for b in free(1) {
                for c in free(2) {
                    self.set(slot(a, b, c));
                }
            }
        }
    }

    /// The word `w` itself, compared exactly (no stemming).
    pub(super) fn add_word(&mut self, w: &str) {
        let b = w.as_bytes();
        let at = |i: usize| b.get(i).copied().unwrap_or(0);
        self.set(slot(at(0), at(1), at(2)));
    }

    /// Every word beginning with the glob prefix `p`.
    pub(super) fn add_glob_prefix(&mut self, p: &str) {
        let b = p.as_bytes();
        self.add_prefix(&b[..b.len().min(3)]);
    }

    /// Every word the stemmer of `language` may stem to `stem`; false when that stemmer is not
    /// one this filter knows.
    pub(super) fn add_stem(&mut self, stem: &str, language: Language) -> bool {
        if language != Language::English {
            return false;
        }
        let s = stem.as_bytes();
        match s.len() {
            0 => {}
            1 | 2 => self.add_prefix(s),
            3 if matches!(s[2], b'e' | b'i') => {
                self.add_prefix(&s[..2]);
                if s[1..] == *b"ie" {
                    self.add_prefix(&[s[0], b'y', b'i']);
                }
            }
            _ => self.add_prefix(&s[..3]),
        }
        if stem == "sky" {
            self.add_prefix(b"ski");
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens::stem;

    /// Does the filter built from `w`'s stem alone let `w` through?
    fn covered(w: &str) -> bool {
        let mut f = Prefilter::empty();
        assert!(f.add_stem(&stem(w, Language::English), Language::English));
        let b = w.as_bytes();
        let at = |i: usize| b.get(i).copied().unwrap_or(0);
        f.may_match(at(0), at(1), at(2))
    }

    #[test]
    fn every_short_word_passes_the_filter_of_its_own_stem() {
        // Every word of up to four bytes over letters, a digit, `_` and `.`: the exhaustive
        // check of the module doc's claim (five letters take too long for a debug build).
        let alphabet: Vec<u8> = (b'a'..=b'z').chain([b'0', b'_', b'.']).collect();
        let mut words: Vec<Vec<u8>> = vec![Vec::new()];
        let mut bad = Vec::new();
        for len in 1..=4 {
            let mut next = Vec::new();
            for w in &words {
                for &c in &alphabet {
                    let mut v = w.clone();
                    v.push(c);
                    next.push(v);
                }
            }
            words = next;
            for w in &words {
                let w = std::str::from_utf8(w).expect("ASCII");
                if !covered(w) {
                    bad.push(w.to_string());
                }
            }
            assert!(bad.is_empty(), "length {len}: {bad:?}");
        }
    }

    #[test]
    fn words_with_suffixes_pass_the_filter_of_their_stems() {
        let starts = [
            "a", "e", "i", "o", "u", "y", "b", "d", "l", "t", "s", "sk", "ab", "eb", "us", "ag",
            "ow", "cr", "dr", "fl", "th", "ho", "hop", "ti", "ya", "ye", "yo",
        ];
        let ends = [
            "", "s", "es", "ies", "ied", "ed", "ing", "ingly", "edly", "eed", "eedly", "ying", "y",
            "ly", "ies", "ness", "ful", "ation", "ational", "ize", "izing", "ization", "biliti",
            "bility", "ibly", "ically", "ement", "ment", "ence", "ency", "ancy", "al", "ally",
            "ogy", "ogi", "li", "lessly", "fully", "ousness", "iveness", "e", "le",
        ];
        let mids = [
            "", "b", "bb", "t", "tt", "y", "i", "e", "at", "bl", "iz", "ss", "l", "n",
        ];
        for s in starts {
            for m in mids {
                for e in ends {
                    let w = format!("{s}{m}{e}");
                    assert!(covered(&w), "{w} → {}", stem(&w, Language::English));
                }
            }
        }
        for w in [
            "dying", "lying", "tying", "skies", "skis", "sky", "news", "early", "only", "idly",
            "gently", "ugly", "singly", "using", "ebbing", "aed", "eing", "cried",
        ] {
            assert!(covered(w), "{w} → {}", stem(w, Language::English));
        }
    }

    #[test]
    fn prefixes_and_exact_words_are_exact_on_their_bytes() {
        let mut f = Prefilter::empty();
        f.add_glob_prefix("co");
        f.add_word("xy");
        assert!(f.may_match(b'c', b'o', b'u'));
        assert!(f.may_match(b'C', b'O', 0));
        assert!(f.may_match(b'x', b'y', 0));
        assert!(!f.may_match(b'x', b'y', b'z'));
        assert!(!f.may_match(b'c', b'a', b't'));
        assert!(!f.add_stem("x", Language::Hungarian));
    }
}
