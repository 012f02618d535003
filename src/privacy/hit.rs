//! A search hit made fit to show: its text, speaker label, context paragraphs and matched words
//! masked, and its highlights moved onto the masked text.

use super::Redactor;
use crate::index::Hit;

/// Mask everything of `hit` that shows participants' words. The highlights are placed after
/// masking (a masked word is no longer highlighted; the others move with the text), so marks
/// never land inside `[REDACTED]` or on the wrong word.
pub fn redact_hit(hit: &mut Hit, r: &Redactor) {
    let (text, highlights) = r.apply_moving_spans(&hit.segment.text, &hit.highlights);
    hit.segment.text = text;
    hit.highlights = highlights;
    hit.segment.speaker = r.apply(&hit.segment.speaker);
    for c in hit.before.iter_mut().chain(hit.after.iter_mut()) {
        c.text = r.apply(&c.text);
    }
    for ev in &mut hit.codings {
        for h in &mut ev.hits {
            h.text = r.apply(&h.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::{Evidence, EvidenceHit};
    use crate::transcript::Segment;

    fn segment(text: &str) -> Segment {
        Segment {
            speaker: "Dana".into(),
            speaker_name: Some("Dana Whitfield".into()),
            ..Segment::for_test("a:1.1", "a", text)
        }
    }

    #[test]
    fn every_shown_part_is_masked_and_highlights_follow() {
        let text = "Dana Whitfield: the council listened.";
        let mut hit = Hit {
            segment: segment(text),
            score: 1.0,
            highlights: vec![(20, 27)],
            codings: vec![Evidence {
                code: "dialogue".into(),
                hits: vec![EvidenceHit {
                    text: "Dana listened".into(),
                    ..EvidenceHit::default()
                }],
                coder: String::new(),
            }],
            before: vec![segment("Thanks, Dana.")],
            after: vec![segment("Whitfield again")],
        };
        let r = Redactor::new("", &["Dana Whitfield".into()]).unwrap();
        redact_hit(&mut hit, &r);
        assert_eq!(hit.segment.text, "[REDACTED]: the council listened.");
        let (s, e) = hit.highlights[0];
        assert_eq!(&hit.segment.text[s..e], "council");
        assert_eq!(hit.segment.speaker, "[REDACTED]");
        assert_eq!(hit.before[0].text, "Thanks, [REDACTED].");
        assert_eq!(hit.after[0].text, "[REDACTED] again");
        assert_eq!(hit.codings[0].hits[0].text, "[REDACTED] listened");
    }
}
