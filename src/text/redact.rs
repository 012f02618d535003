//! Finding and masking names: participants' declared names and the user's redaction list, in
//! every spelling a text may give them. Text and names are compared after the same
//! normalisation (Unicode NFKC per grapheme, so decomposed accents meet composed ones; lower
//! case; typographic apostrophes as `'`; dashes, underscores and runs of white space as one
//! space, so an id that joins a name's words with `-` is still the name), through one Aho-Corasick automaton
//! (no regex grows with the number of names). A name in a script written with spaces matches as
//! whole words; one in a script written without (Chinese, Japanese, Thai, …) matches anywhere.
//!
//! What is masked: each declared name whole, and each part of it of three letters or more alone,
//! unless the corpus uses that part as an ordinary word (the caller passes those `everyday`
//! words, found in lower case in the corpus): a display name made of everyday words ("Board
//! Room") is masked whole, never word by word. Every line of the redaction list is masked whole.

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, MatchKind};
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// What a masked name becomes in shown text.
pub const MASK: &str = "[REDACTED]";

/// Finds and masks names.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    automaton: Option<AhoCorasick>,
    /// Per pattern: whether it may match inside a word (scripts written without spaces).
    spaceless: Vec<bool>,
}

impl Redactor {
    /// `list`: the text of a redaction file, one name or place per line (`#` starts a comment).
    /// `names`: participants' names to mask.
    pub fn new(list: &str, names: &[String]) -> Result<Redactor, RedactError> {
        Redactor::with_everyday(list, names, &HashSet::new())
    }

    /// [`Redactor::new`], leaving alone the single name parts in `everyday` (lower case): words
    /// the corpus uses as ordinary words.
    pub fn with_everyday(
        list: &str,
        names: &[String],
        everyday: &HashSet<String>,
    ) -> Result<Redactor, RedactError> {
        let mut forms: Vec<String> = list
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .map(|l| normalise(l).0)
            .collect();
        for n in names {
            forms.push(normalise(n.trim()).0);
            forms.extend(name_parts(n).into_iter().filter(|p| !everyday.contains(p)));
        }
        // People (and file names) often write a name without its accents or apostrophe:
        // `Zoe OBrien`, `zoe-obrien.txt`.
        let plain: Vec<String> = forms.iter().flat_map(|f| folded(f)).collect();
        forms.extend(plain);
        // A form is matched between word boundaries: no separator at either end.
        let mut forms: Vec<String> = forms.iter().map(|f| f.trim().to_string()).collect();
        forms.retain(|f| !f.is_empty());
        forms.sort();
        forms.dedup();
        if forms.is_empty() {
            return Ok(Redactor::default());
        }
        let spaceless = forms.iter().map(|f| f.chars().any(is_spaceless)).collect();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&forms)
            .map_err(|e| RedactError(e.to_string()))?;
        Ok(Redactor {
            automaton: Some(automaton),
            spaceless,
        })
    }

    /// Whether there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.automaton.is_none()
    }

    /// The byte ranges of `text` holding a name, in order, not overlapping.
    pub fn find(&self, text: &str) -> Vec<(usize, usize)> {
        let Some(ac) = &self.automaton else {
            return Vec::new();
        };
        let (norm, map) = normalise(text);
        let mut out: Vec<(usize, usize)> = Vec::new();
        for m in ac.find_iter(&norm) {
            let (s, e) = (m.start(), m.end());
            let whole_words = boundary_before(&norm, s) && boundary_after(&norm, e);
            if !self.spaceless[m.pattern().as_usize()] && !whole_words {
                continue;
            }
            let (os, oe) = (map[s], map[e]);
            match out.last_mut() {
                Some(last) if os < last.1 => last.1 = last.1.max(oe),
                _ => out.push((os, oe)),
            }
        }
        out
    }

    /// Whether `text` names someone.
    pub fn mentions(&self, text: &str) -> bool {
        !self.find(text).is_empty()
    }

    /// `text` with every name replaced by [`MASK`].
    pub fn apply(&self, text: &str) -> String {
        self.apply_moving_spans(text, &[]).0
    }

    /// Mask with as many `█` as each name has characters, so no position in the text moves
    /// (for REFI-QDA sources, whose selections point into the text).
    pub fn apply_keeping_positions(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (s, e) in self.find(text) {
            out.push_str(&text[at..s]);
            out.push_str(&"█".repeat(text[s..e].chars().count()));
            at = e;
        }
        out.push_str(&text[at..]);
        out
    }

    /// [`Self::apply`], with `spans` (byte ranges into `text`, sorted, non-overlapping) moved
    /// onto the masked text: a span before or after a masked name shifts with it; a span that
    /// overlaps one grows to cover the mask whole (so no offset tells a name's length).
    pub fn apply_moving_spans(
        &self,
        text: &str,
        spans: &[(usize, usize)],
    ) -> (String, Vec<(usize, usize)>) {
        let (out, mut spans) = self.move_spans(text, spans);
        spans.dedup();
        (out, spans)
    }

    /// The masked text, and each span moved onto it (in the order given; see
    /// [`Self::apply_moving_spans`]).
    fn move_spans(&self, text: &str, spans: &[(usize, usize)]) -> (String, Vec<(usize, usize)>) {
        let found = self.find(text);
        if found.is_empty() {
            return (text.to_string(), spans.to_vec());
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for &(s, e) in &found {
            out.push_str(&text[at..s]);
            out.push_str(MASK);
            at = e;
        }
        out.push_str(&text[at..]);
        // Where an offset of `text` lands in `out`: inside a name, at the mask's start (for a
        // span's start) or end (for its end).
        let moved = |o: usize, end: bool| -> usize {
            let mut delta: isize = 0;
            for &(s, e) in &found {
                if o <= s || (o == s && !end) {
                    break;
                }
                let new_start = (s as isize + delta) as usize;
                if o < e {
                    return if end {
                        new_start + MASK.len()
                    } else {
                        new_start
                    };
                }
                delta += MASK.len() as isize - (e - s) as isize;
            }
            (o as isize + delta) as usize
        };
        let spans = spans
            .iter()
            .map(|&(s, e)| (moved(s, false), moved(e, true)))
            .collect();
        (out, spans)
    }

    /// [`Self::apply_moving_spans`] for spans in any order, each moved on its own: the i-th span
    /// given is the i-th returned (evidence hits keep their codes).
    pub fn apply_moving_each(
        &self,
        text: &str,
        spans: &[(usize, usize)],
    ) -> (String, Vec<(usize, usize)>) {
        self.move_spans(text, spans)
    }
}

/// A redactor that cannot be built (too many names for memory).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the names to mask cannot be searched for: {0}")]
pub struct RedactError(String);

/// A normalised form without its accents, without its apostrophes, and without both (those that
/// differ from it).
fn folded(form: &str) -> Vec<String> {
    use unicode_normalization::char::is_combining_mark;
    let bare: String = form
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .nfc()
        .collect();
    let no_apostrophe = |s: &str| s.replace('\'', "");
    let mut out = vec![bare.clone(), no_apostrophe(form), no_apostrophe(&bare)];
    out.retain(|f| f != form && f.chars().filter(|c| c.is_alphabetic()).count() >= 3);
    out.dedup();
    out
}

/// The parts of a name masked alone: words of three letters or more, normalised.
fn name_parts(name: &str) -> Vec<String> {
    name.split(|c: char| c.is_whitespace() || c == '-' || c == '_' || c == '.' || c == ',')
        .filter(|p| p.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .map(|p| normalise(p).0)
        .collect()
}

/// `text` normalised for comparing names (NFKC per grapheme, lower case, one apostrophe; dashes,
/// underscores and white space as one space, so `Mary-Kate`, `mary_kate` and a name broken
/// across lines meet, and an id made of a name with its spaces joined by `-` is the name), and
/// for each byte of it (and one past the end) the byte of `text` it comes from.
pub fn normalise(text: &str) -> (String, Vec<usize>) {
    // Plain ASCII, most text: byte by byte, nothing to compose (the same rules as below).
    if text.is_ascii() {
        let mut out = String::with_capacity(text.len());
        let mut map = Vec::with_capacity(text.len() + 1);
        for (at, b) in text.bytes().enumerate() {
            let c = match b {
                b'`' => '\'',
                b'-' | b'_' => ' ',
                b if b.is_ascii_whitespace() => ' ',
                b => b.to_ascii_lowercase() as char,
            };
            if c != ' ' || !out.ends_with(' ') {
                out.push(c);
                map.push(at);
            }
        }
        map.push(text.len());
        return (out, map);
    }
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len() + 1);
    for (at, g) in text.grapheme_indices(true) {
        let start = out.len();
        for c in g.nfkc().flat_map(char::to_lowercase) {
            let c = match c {
                '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{2032}' | '`' | '\u{00B4}' => '\'',
                '-' | '_' | '\u{2010}'..='\u{2015}' | '\u{2212}' => ' ',
                c if c.is_whitespace() => ' ',
                c => c,
            };
            // A run of separators is one: `Dana  Whitfield`, `Dana -\nWhitfield`.
            if c != ' ' || !out.ends_with(' ') {
                out.push(c);
            }
        }
        // Every byte of the grapheme's normal form comes from its start.
        map.extend(std::iter::repeat_n(at, out.len() - start));
    }
    map.push(text.len());
    (out, map)
}

/// Characters of scripts written without spaces between words: a name in them is found
/// anywhere, not only between word boundaries.
fn is_spaceless(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF   // Thai, Lao
        | 0x1000..=0x109F // Myanmar
        | 0x1780..=0x17FF // Khmer
        | 0x3040..=0x30FF // Hiragana, Katakana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0x20000..=0x2FFFF)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '\''
}

fn boundary_before(norm: &str, at: usize) -> bool {
    norm[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !is_word(c) || c == '\'')
}

fn boundary_after(norm: &str, at: usize) -> bool {
    let mut rest = norm[at..].chars();
    match rest.next() {
        None => true,
        // A possessive or an elision after the name (`Dana's`, `Dana’ll`) still ends it.
        Some('\'') => true,
        Some(c) => !is_word(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(names: &[&str]) -> Redactor {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        Redactor::new("", &names).unwrap()
    }

    #[test]
    fn user_list_is_case_insensitive_whole_words() {
        let r = Redactor::new("Fenwick Road\n# a comment\nnorthmoor\n", &[]).unwrap();
        assert_eq!(
            r.apply("On fenwick road in Northmoor, Northmoorland"),
            "On [REDACTED] in [REDACTED], Northmoorland"
        );
    }

    #[test]
    fn names_in_every_spelling() {
        let r = r(&["Zoë O’Brien-Ngata", "Åsa Lindqvist"]);
        for (text, want) in [
            ("ZOË O'BRIEN-NGATA spoke", "[REDACTED] spoke"),
            (
                "zoe\u{0308} o\u{2019}brien\u{2010}ngata spoke",
                "[REDACTED] spoke",
            ),
            ("A\u{030A}sa said", "[REDACTED] said"),
            ("ＬＩＮＤＱＶＩＳＴ said", "[REDACTED] said"),
            ("Lindqvist's point", "[REDACTED]'s point"),
            ("Lindqvistson is another", "Lindqvistson is another"),
            ("o'brien alone", "[REDACTED] alone"),
            (
                "Zoe OBrien-Ngata, without accents",
                "[REDACTED], without accents",
            ),
            ("file zoe-obrien", "file [REDACTED]-[REDACTED]"),
        ] {
            assert_eq!(r.apply(text), want, "{text}");
        }
    }

    #[test]
    fn dashes_underscores_and_line_breaks_join_a_names_words() {
        let r = r(&["Mary-Kate Oduya", "Al Bo"]);
        for text in [
            "case mary-kate-oduya:1.1",
            "MARY_KATE_ODUYA.txt",
            "Mary Kate\n  Oduya",
            "mary\u{2013}kate oduya",
        ] {
            assert!(r.apply(text).contains(MASK), "{text}");
            assert!(!r.apply(text).to_lowercase().contains("oduya"), "{text}");
        }
        assert_eq!(r.apply("from Al\nBo."), "from [REDACTED].");
        assert_eq!(r.apply("well-known"), "well-known");
    }

    #[test]
    fn names_without_spaces_are_found_inside_text() {
        let r = r(&["王小明", "สมชาย"]);
        assert_eq!(r.apply("我和王小明说过"), "我和[REDACTED]说过");
        assert_eq!(r.apply("คุณสมชายบอกว่า"), "คุณ[REDACTED]บอกว่า");
    }

    #[test]
    fn everyday_parts_are_masked_only_inside_the_whole_name() {
        let names = vec!["Board Room".to_string(), "Will Hart".to_string()];
        let everyday: HashSet<String> = ["board", "room", "will"].map(String::from).into();
        let r = Redactor::with_everyday("", &names, &everyday).unwrap();
        assert_eq!(
            r.apply("Board Room joined. The board will meet."),
            "[REDACTED] joined. The board will meet."
        );
        assert_eq!(
            r.apply("Will said Hart was late"),
            "Will said [REDACTED] was late"
        );
    }

    #[test]
    fn short_parts_are_not_masked_alone() {
        let r = r(&["Al Bo"]);
        assert_eq!(r.apply("Al said so"), "Al said so");
        assert_eq!(r.apply("Al Bo said so"), "[REDACTED] said so");
        assert_eq!(r.apply_keeping_positions("Hi Al Bo."), "Hi █████.");
    }

    #[test]
    fn spans_move_and_grow_over_masks() {
        let r = r(&["Dana Whitfield"]);
        let text = "Dana said the council met; Dana trusts the council.";
        let council: Vec<(usize, usize)> = text
            .match_indices("council")
            .map(|(i, m)| (i, i + m.len()))
            .collect();
        let (masked, spans) = r.apply_moving_spans(text, &council);
        assert_eq!(
            masked,
            "[REDACTED] said the council met; [REDACTED] trusts the council."
        );
        for (s, e) in spans {
            assert_eq!(&masked[s..e], "council");
        }
        // A span over a name covers the mask whole: its length says nothing of the name's.
        let (masked, spans) = r.apply_moving_spans("Dana said", &[(0, 9)]);
        assert_eq!(&masked[spans[0].0..spans[0].1], "[REDACTED] said");
        let (masked, spans) = r.apply_moving_spans("Dana said", &[(2, 4)]);
        assert_eq!(&masked[spans[0].0..spans[0].1], "[REDACTED]");
    }

    proptest::proptest! {
        #[test]
        fn masking_never_leaves_a_name_and_spans_stay_on_char_boundaries(
            words in proptest::collection::vec(
                proptest::sample::select(vec!["Dana", "DANA", "whitfield", "trust", "the", "Road", "é", "王小明", "x王小明y"]),
                0..20,
            ),
        ) {
            let r = Redactor::new("road", &["Dana Whitfield".into(), "王小明".into()]).unwrap();
            let text = words.join(" ");
            let spans: Vec<(usize, usize)> = text.match_indices("trust").map(|(i, m)| (i, i + m.len())).collect();
            let (masked, moved) = r.apply_moving_spans(&text, &spans);
            proptest::prop_assert_eq!(&masked, &r.apply(&text));
            proptest::prop_assert!(!r.mentions(&masked), "{}", masked);
            for (s, e) in moved {
                proptest::prop_assert!(masked.is_char_boundary(s) && masked.is_char_boundary(e));
            }
        }
    }
}
