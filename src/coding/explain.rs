//! Why a text was coded as it was (`qcode code --explain` / `--text`): which codes apply, which
//! pattern fired on which words, and which matches did not count. The transparency a researcher
//! needs before trusting an automatic coding; the command line only renders this value.

use super::{evidence, CompileError, EvidenceHit, Matcher};
use crate::codebook::Codebook;

/// The coding of one text, explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The codes that apply, in the order the matcher gives them, each with its hits.
    pub codes: Vec<ExplainedCode>,
    /// Pattern matches that did not make a code apply: excluded, overlapped by a longer match of
    /// the same code, or too few for `min_hits`. They are what explains a missing code.
    pub dropped: Vec<DroppedMatch>,
    /// Every hit of every code that applies, as byte ranges into the text, sorted and merged
    /// where hits overlap or touch: the words to highlight.
    pub highlights: Vec<(usize, usize)>,
}

/// A code that applies, with its place in the hierarchy and the hits that applied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainedCode {
    pub id: String,
    /// The code's ancestors and the code, top-level code first.
    pub path: Vec<String>,
    pub label: String,
    pub dimension: String,
    pub min_hits: usize,
    /// The hits, with character offsets and the words they matched.
    pub hits: Vec<EvidenceHit>,
}

/// A pattern match that did not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedMatch {
    /// The id of the code whose pattern matched.
    pub code: String,
    /// The pattern as written.
    pub pattern: String,
    /// Character offsets into the text, end exclusive.
    pub start: u32,
    pub end: u32,
    /// The matched words, as written.
    pub text: String,
}

/// Code `text` with `codebook` and say why each code applies or a match did not count.
pub fn explain(codebook: &Codebook, text: &str) -> Result<Explanation, CompileError> {
    let matcher = Matcher::new(codebook)?;
    let codings = matcher.code(text);
    let codes = codings
        .iter()
        .zip(evidence(codebook, text, &codings))
        .map(|(c, ev)| {
            let code = &codebook.codes[c.code as usize];
            let mut path = codebook.ancestors_and_self(&code.id);
            path.reverse();
            ExplainedCode {
                id: code.id.clone(),
                path,
                label: code.label.clone(),
                dimension: code.dimension.clone(),
                min_hits: code.min_hits,
                hits: ev.hits,
            }
        })
        .collect();
    let chars: Vec<char> = text.chars().collect();
    // Raw matches of patterns (exclusions are not codes' evidence) that no coding kept.
    let dropped = matcher
        .raw_hits(text)
        .into_iter()
        .filter(|&(code, excl, pat, s, e)| {
            !excl
                && !codings.iter().any(|c| {
                    c.code == code
                        && c.hits
                            .iter()
                            .any(|h| h.pattern == pat && h.start == s && h.end == e)
                })
        })
        .map(|(code, _, pat, s, e)| {
            let c = &codebook.codes[code as usize];
            DroppedMatch {
                code: c.id.clone(),
                pattern: c.patterns[pat as usize].text.clone(),
                start: s,
                end: e,
                text: chars[s as usize..e as usize].iter().collect(),
            }
        })
        .collect();
    // Hits count characters; highlighting cuts the text, so it wants bytes.
    let byte_of: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain([text.len()])
        .collect();
    let spans = codings.iter().flat_map(|c| {
        c.hits
            .iter()
            .map(|h| (byte_of[h.start as usize], byte_of[h.end as usize]))
    });
    Ok(Explanation {
        codes,
        dropped,
        highlights: merge_spans(spans.collect()),
    })
}

/// Sort ranges and merge those that overlap or touch, so codes hitting the same words are
/// highlighted once.
fn merge_spans(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Code, Pattern};

    fn code(id: &str, parent: Option<&str>, patterns: &[&str], exclude: &[&str]) -> Code {
        let cb = Codebook::empty();
        let parse = |ps: &[&str]| -> Vec<Pattern> {
            ps.iter()
                .map(|p| Pattern::parse(p, cb.options).unwrap())
                .collect()
        };
        let mut c = Code::new(id, &id.to_uppercase(), "stakeholder");
        c.parent = parent.map(str::to_string);
        c.patterns = parse(patterns);
        c.exclude = parse(exclude);
        c
    }

    fn codebook() -> Codebook {
        let mut cb = Codebook::empty();
        cb.codes = vec![
            code("council", None, &["council*"], &[]),
            code("officers", Some("council"), &["officer*"], &[]),
            code("trust", None, &["trust"], &["\"local trust\""]),
        ];
        cb
    }

    #[test]
    fn a_code_is_explained_by_its_path_hits_and_highlighted_bytes() {
        let text = "Café: the officers and the Council";
        let e = explain(&codebook(), text).unwrap();
        let ids: Vec<&str> = e.codes.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["council", "officers"]);
        let officers = &e.codes[1];
        assert_eq!(officers.path, ["council", "officers"]);
        assert_eq!(officers.label, "OFFICERS");
        assert_eq!(officers.min_hits, 1);
        assert_eq!(officers.hits.len(), 1);
        let hit = &officers.hits[0];
        assert_eq!((hit.start, hit.end), (10, 18), "characters, not bytes");
        assert_eq!(hit.text, "officers");
        assert_eq!(hit.pattern, "officer*");
        // "é" is two bytes: the highlight is in bytes, so it starts one later than the hit.
        let words: Vec<&str> = e.highlights.iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(words, ["officers", "Council"]);
        assert!(e.dropped.is_empty());
    }

    #[test]
    fn an_excluded_match_is_listed_as_dropped() {
        let e = explain(&codebook(), "Local Trust and the officers").unwrap();
        assert!(e.codes.iter().all(|c| c.id != "trust"));
        assert_eq!(
            e.dropped,
            [DroppedMatch {
                code: "trust".into(),
                pattern: "trust".into(),
                start: 6,
                end: 11,
                text: "Trust".into(),
            }]
        );
    }

    #[test]
    fn no_code_applies_to_unrelated_text() {
        let e = explain(&codebook(), "nothing here").unwrap();
        assert!(e.codes.is_empty() && e.dropped.is_empty() && e.highlights.is_empty());
    }

    #[test]
    fn overlapping_and_touching_spans_merge() {
        assert_eq!(
            merge_spans(vec![(5, 9), (0, 3), (2, 4), (9, 12), (14, 15)]),
            [(0, 4), (5, 12), (14, 15)]
        );
    }
}
