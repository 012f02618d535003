//! Forgiving readings of a role label, for matching labels written differently from the role
//! table: "The Locally Trusted Organisation (LTO) Representative" is read as "locally trusted
//! organisation lto representative", "locally trusted organisation representative" (the
//! parenthesis dropped) and "lto representative" (the words it abbreviates replaced by it), so it
//! meets an alias written any of those ways.

/// Words whose loss never changes who is meant. Dropped only before another word: "Witness A"
/// keeps its letter.
const ARTICLES: &[&str] = &["a", "an", "the"];

/// Words an abbreviation may skip: "Department for Education (DE)".
const MINOR: &[&str] = &["of", "and", "for", "&"];

/// At most this many readings of one label: each parenthesis triples them.
const MAX_READINGS: usize = 27;

/// One reading of a label: its words, lowercase, without punctuation or articles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub words: Vec<String>,
    /// How many parentheses were dropped to read it so: a reading that drops less is closer
    /// to what was written, and wins when two roles meet the label.
    pub dropped: u8,
}

impl Reading {
    /// What two readings are compared by: the words run together, so "Vice-Chair", "Vice
    /// Chair" and "vicechair" meet, and "co-ordinator" meets "coordinator".
    pub fn key(&self) -> String {
        self.words.concat()
    }

    /// The words with single spaces, for glob and regex aliases.
    pub fn spaced(&self) -> String {
        self.words.join(" ")
    }
}

/// A word outside parentheses, or the words of one parenthesis.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    /// A word, and whether a full stop follows it ("A." is an initial, not an article).
    Word(String, bool),
    Group(Vec<String>),
}

/// Every reading of `label`, closest to what was written first, without duplicates.
pub fn readings(label: &str) -> Vec<Reading> {
    let pieces = drop_articles(pieces(label));
    let mut out = vec![Reading {
        words: Vec::new(),
        dropped: 0,
    }];
    for piece in pieces {
        match piece {
            Piece::Word(w, _) => out.iter_mut().for_each(|r| r.words.push(w.clone())),
            Piece::Group(g) => out = out.iter().flat_map(|r| with_group(r, &g)).collect(),
        }
        out.truncate(MAX_READINGS);
    }
    out.sort_by_key(|r| r.dropped);
    let mut seen = std::collections::HashSet::new();
    out.retain(|r| seen.insert(r.key()));
    out
}

/// The ways to read a parenthesis after `r`: kept as words, dropped, or standing for the words
/// before it that it abbreviates.
fn with_group(r: &Reading, group: &[String]) -> Vec<Reading> {
    let mut kept = r.clone();
    kept.words.extend(group.iter().cloned());
    let mut out = vec![kept];
    if let [abbr] = group {
        if let Some(n) = abbreviates(&r.words, abbr) {
            let mut words = r.words[..r.words.len() - n].to_vec();
            words.push(abbr.clone());
            out.push(Reading {
                words,
                dropped: r.dropped,
            });
        }
    }
    out.push(Reading {
        words: r.words.clone(),
        dropped: r.dropped.saturating_add(1),
    });
    out
}

/// How many of the last `words` `abbr` abbreviates by their initials ("lto" of "locally trusted
/// organisation": 3), minor words between them skipped; None if it does not.
fn abbreviates(words: &[String], abbr: &str) -> Option<usize> {
    let letters: Vec<char> = abbr.chars().collect();
    if letters.len() < 2 {
        return None;
    }
    let mut want = letters.len();
    let mut taken = 0;
    for w in words.iter().rev() {
        if want == 0 {
            break;
        }
        if w.starts_with(letters[want - 1]) {
            want -= 1;
        } else if !MINOR.contains(&w.as_str()) {
            return None;
        }
        taken += 1;
    }
    (want == 0).then_some(taken)
}

/// Articles go, except the last word and an initial ("A. Smith").
fn drop_articles(pieces: Vec<Piece>) -> Vec<Piece> {
    let last_word = pieces
        .iter()
        .rposition(|p| matches!(p, Piece::Word(..)))
        .unwrap_or(0);
    pieces
        .into_iter()
        .enumerate()
        .filter(|(i, p)| match p {
            Piece::Word(w, dotted) => *i >= last_word || *dotted || !ARTICLES.contains(&w.as_str()),
            Piece::Group(_) => true,
        })
        .map(|(_, p)| p)
        .collect()
}

/// Words and parentheses (round or square), lowercase; an apostrophe joins ("Director's" →
/// "directors"), any other punctuation separates.
fn pieces(label: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut group: Option<Vec<String>> = None;
    let mut word = String::new();
    for c in label.chars() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
            continue;
        }
        if matches!(c, '\'' | '’') && !word.is_empty() {
            continue;
        }
        if !word.is_empty() {
            let w = std::mem::take(&mut word);
            match group.as_mut() {
                Some(g) => g.push(w),
                None => out.push(Piece::Word(w, c == '.')),
            }
        }
        match c {
            '(' | '[' if group.is_none() => group = Some(Vec::new()),
            ')' | ']' => {
                if let Some(g) = group.take().filter(|g| !g.is_empty()) {
                    out.push(Piece::Group(g));
                }
            }
            _ => {}
        }
    }
    if !word.is_empty() {
        match group.as_mut() {
            Some(g) => g.push(word),
            None => out.push(Piece::Word(word, false)),
        }
    }
    // An unclosed parenthesis still holds its words apart.
    if let Some(g) = group.filter(|g| !g.is_empty()) {
        out.push(Piece::Group(g));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(label: &str) -> Vec<(String, u8)> {
        readings(label)
            .into_iter()
            .map(|r| (r.spaced(), r.dropped))
            .collect()
    }

    #[test]
    fn a_parenthesised_abbreviation_is_kept_dropped_or_stands_for_its_words() {
        assert_eq!(
            keys("Locally Trusted Organisation (LTO) representative"),
            vec![
                ("locally trusted organisation lto representative".into(), 0),
                ("lto representative".into(), 0),
                ("locally trusted organisation representative".into(), 1),
            ]
        );
        // Minor words inside the abbreviated phrase are skipped, or taken by their initial.
        let r = keys("Department for Education (DE) officer");
        assert!(r.contains(&("de officer".into(), 0)), "{r:?}");
        let r = keys("Department for Education (DfE) officer");
        assert!(r.contains(&("dfe officer".into(), 0)), "{r:?}");
        // A parenthesis that abbreviates nothing is kept or dropped.
        assert_eq!(
            keys("Ward Councillor (Lab)"),
            vec![
                ("ward councillor lab".into(), 0),
                ("ward councillor".into(), 1)
            ]
        );
    }

    #[test]
    fn case_punctuation_and_articles_do_not_count() {
        let key = |l: &str| readings(l)[0].key();
        assert_eq!(
            key("The Big Local Partnership Chair"),
            "biglocalpartnershipchair"
        );
        assert_eq!(
            key("  big local partnership chair. "),
            "biglocalpartnershipchair"
        );
        assert_eq!(key("Vice-Chair"), key("vice chair"));
        assert_eq!(key("Chair of the Board"), "chairofboard");
        assert_eq!(key("Director's assistant"), "directorsassistant");
        assert_eq!(key("An officer"), "officer");
    }

    #[test]
    fn a_letter_that_is_no_article_stays() {
        assert_eq!(readings("Witness A")[0].spaced(), "witness a");
        assert_eq!(readings("A. Smith")[0].spaced(), "a smith");
        assert_eq!(readings("The")[0].spaced(), "the");
    }

    #[test]
    fn odd_input_gives_a_reading() {
        assert_eq!(readings("")[0].key(), "");
        assert_eq!(keys("Chair (unclosed"), keys("Chair (unclosed)"));
        assert!(readings("(a)(b)(c)(d)(e)(f)(g)").len() <= MAX_READINGS);
    }
}
