//! Finding a coding's segment again. Segment ids say where a paragraph sits (`interview:turn.
//! paragraph`), so an edited transcript, another reading mode or a renamed file moves them; a
//! row keeps its interview, offsets and coded words so it can follow its words. A row whose id
//! still holds its words stays; else its words are looked for in its interview (near where they
//! were) and the row is tied to every segment they overlap; else it is an orphan, said so.

use crate::text::locate::locate;

use super::row::CodingRow;

/// A segment as anchoring sees it.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub id: &'a str,
    /// Offsets in the source text (characters).
    pub start: usize,
    pub end: usize,
    pub text: &'a str,
}

/// Where a row belongs now.
#[derive(Debug, Clone, PartialEq)]
pub enum Anchor {
    /// Its segment id still holds its words.
    Kept,
    /// Its words are now in these segments, each with the share of it they cover.
    Moved(Vec<(String, f64)>),
    /// Nowhere: why, for the user.
    Orphan(String),
}

/// Tie `row` to `segments`, its interview's segments in transcript order.
pub fn anchor(row: &CodingRow, segments: &[Place<'_>]) -> Anchor {
    let current = segments.iter().find(|s| s.id == row.segment_id);
    let words = row.text.trim();
    if let Some(s) = current {
        if words.is_empty() || holds(s.text, words) {
            return Anchor::Kept;
        }
    }
    if words.is_empty() {
        let spans: Vec<(usize, usize)> = segments.iter().map(|s| (s.start, s.end)).collect();
        return match (row.start, row.end) {
            (Some(a), Some(b)) if b > a => moved(segments, overlapping(&spans, a, b))
                .unwrap_or_else(|| {
                    Anchor::Orphan(format!(
                        "nothing is at characters {a}-{b} of its interview any more"
                    ))
                }),
            _ => {
                Anchor::Orphan("its segment is gone and it has no coded text to find it by".into())
            }
        };
    }
    // The interview's text as its segments hold it, each paragraph after a blank line.
    let mut text = String::new();
    let mut spans = Vec::with_capacity(segments.len());
    for s in segments {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        let at = spans.last().map_or(0, |&(_, e): &(usize, usize)| e + 2);
        text.push_str(s.text);
        spans.push((at, at + s.text.chars().count()));
    }
    // Near where the words were: the segment that held the old start.
    let near = row.start.and_then(|o| {
        segments
            .iter()
            .zip(&spans)
            .find(|(s, _)| s.start <= o && o < s.end.max(s.start + 1))
            .map(|(s, &(a, _))| a + (o - s.start))
    });
    match locate(words, &text, near) {
        // Words over several segments (an import's span over turns, with the speaker labels
        // the segments leave out), or found only approximately (a typo in a coded-segments
        // sheet): the row stays where it is while its words still reach its segment, so each
        // of a span's rows is not moved onto every segment of the span.
        Some(found) => {
            let to = overlapping(&spans, found.start, found.end);
            let here = current.and_then(|c| segments.iter().position(|s| s.id == c.id));
            if here.is_some_and(|h| to.iter().any(|&(i, _)| i == h)) {
                return Anchor::Kept;
            }
            moved(segments, to)
                .unwrap_or_else(|| Anchor::Orphan("its text was found between segments".into()))
        }
        None => {
            let interview = match row.interview.as_str() {
                "" => interview_of(&row.segment_id),
                i => i,
            };
            Anchor::Orphan(format!("its text is no longer in interview `{interview}`"))
        }
    }
}

/// Whether a segment's text still holds the coded words, or the words hold the segment (a
/// coding that spans several segments holds each of them).
fn holds(segment: &str, words: &str) -> bool {
    let exact = |needle: &str, hay: &str| locate(needle, hay, None).is_some_and(|l| l.exact);
    exact(words, segment) || (!segment.trim().is_empty() && exact(segment.trim(), words))
}

/// The spans that overlap `a..b`, by position, each with the share of it covered.
fn overlapping(spans: &[(usize, usize)], a: usize, b: usize) -> Vec<(usize, f64)> {
    spans
        .iter()
        .enumerate()
        .filter_map(|(i, &(s, e))| {
            let covered = b.min(e).saturating_sub(a.max(s));
            (covered > 0).then(|| (i, covered as f64 / (e - s).max(1) as f64))
        })
        .collect()
}

/// The row moved to these segments (by position), if any.
fn moved(segments: &[Place<'_>], to: Vec<(usize, f64)>) -> Option<Anchor> {
    (!to.is_empty()).then(|| {
        Anchor::Moved(
            to.into_iter()
                .map(|(i, share)| (segments[i].id.to_string(), share))
                .collect(),
        )
    })
}

/// The interview part of a segment id (`northmoor-01:6.3` → `northmoor-01`).
pub fn interview_of(segment_id: &str) -> &str {
    segment_id.rsplit_once(':').map_or(segment_id, |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, text: &str, start: Option<usize>) -> CodingRow {
        CodingRow {
            segment_id: id.into(),
            code: "trust".into(),
            coder: "ann".into(),
            interview: "a".into(),
            text: text.into(),
            start,
            end: start.map(|s| s + text.chars().count()),
            ..Default::default()
        }
    }

    fn places<'a>(texts: &[(&'a str, &'a str)]) -> Vec<Place<'a>> {
        let mut at = 0;
        texts
            .iter()
            .map(|&(id, text)| {
                let n = text.chars().count();
                let p = Place {
                    id,
                    start: at,
                    end: at + n,
                    text,
                };
                at += n + 2;
                p
            })
            .collect()
    }

    #[test]
    fn a_segment_that_still_holds_its_words_keeps_them() {
        let segs = places(&[
            ("a:1.1", "We met the council."),
            ("a:2.1", "They listened."),
        ]);
        assert_eq!(
            anchor(&row("a:2.1", "They listened.", Some(21)), &segs),
            Anchor::Kept
        );
    }

    #[test]
    fn words_follow_an_inserted_turn() {
        // A turn was inserted before: `a:2.1` now holds other words.
        let segs = places(&[
            ("a:1.1", "We met the council."),
            ("a:2.1", "A new question?"),
            ("a:3.1", "They listened, at last."),
        ]);
        let got = anchor(&row("a:2.1", "They listened", Some(21)), &segs);
        match got {
            Anchor::Moved(v) => {
                assert_eq!(v.len(), 1);
                assert_eq!(v[0].0, "a:3.1");
                assert!(v[0].1 > 0.5 && v[0].1 < 1.0);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rows_of_a_span_or_of_a_typo_stay_on_segments_their_words_reach() {
        let segs = places(&[
            ("a:1.1", "We met the council."),
            ("a:2.1", "They listened at last."),
        ]);
        // An import's rows for words over both turns, the speaker label included.
        for id in ["a:1.1", "a:2.1"] {
            let r = row(id, "the council. P1: They listened", Some(7));
            assert_eq!(anchor(&r, &segs), Anchor::Kept, "{id}");
        }
        let r = row("a:2.1", "They listned at last.", Some(20));
        assert_eq!(anchor(&r, &segs), Anchor::Kept);
    }

    #[test]
    fn words_across_two_segments_tie_to_both() {
        let segs = places(&[
            ("a:1.1", "We met the council."),
            ("a:1.2", "They listened."),
        ]);
        let got = anchor(&row("a:9.9", "the council. They listened", None), &segs);
        let Anchor::Moved(v) = got else {
            panic!("{got:?}")
        };
        assert_eq!(
            v.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
            ["a:1.1", "a:1.2"]
        );
    }

    #[test]
    fn words_that_are_gone_make_an_orphan() {
        let segs = places(&[("a:1.1", "We met the council.")]);
        let got = anchor(
            &row("a:2.1", "Something else entirely was said here", None),
            &segs,
        );
        assert!(
            matches!(got, Anchor::Orphan(ref why) if why.contains("no longer")),
            "{got:?}"
        );
        let got = anchor(&row("a:2.1", "", None), &segs);
        assert!(matches!(got, Anchor::Orphan(_)));
    }
}
