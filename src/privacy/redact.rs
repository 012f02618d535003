//! Redaction: named people and places replaced by `[REDACTED]` in what qcode shows or writes.
//! Two lists: the user's (`--redact FILE`, whole words, any case) and the participants' names
//! declared in transcript headers (whole names and each part of three letters or more, as
//! capitalised), which are masked unless `--with-names` is given.

use regex::Regex;

pub const MASK: &str = "[REDACTED]";

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    any_case: Option<Regex>,
    exact_case: Option<Regex>,
}

fn alternation(words: &mut Vec<String>) -> Option<String> {
    words.retain(|w| !w.trim().is_empty());
    if words.is_empty() {
        return None;
    }
    // Longest first, so "Dana Whitfield" is masked whole rather than as "Dana" + "Whitfield".
    words.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    words.dedup();
    let alts: Vec<String> = words.iter().map(|w| regex::escape(w.trim())).collect();
    Some(format!(r"\b(?:{})\b", alts.join("|")))
}

impl Redactor {
    /// `list`: the text of a redaction file, one name or place per line (`#` starts a comment).
    /// `names`: participants' names to mask as written.
    pub fn new(list: &str, names: &[String]) -> Result<Redactor, regex::Error> {
        let mut user: Vec<String> = list
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
            .collect();
        let mut parts: Vec<String> = Vec::new();
        for n in names {
            parts.push(n.trim().to_string());
            parts.extend(
                n.split_whitespace()
                    .filter(|p| {
                        p.chars().count() >= 3 && p.chars().next().is_some_and(char::is_uppercase)
                    })
                    .map(str::to_string),
            );
        }
        Ok(Redactor {
            any_case: alternation(&mut user)
                .map(|p| Regex::new(&format!("(?i){p}")))
                .transpose()?,
            exact_case: alternation(&mut parts)
                .map(|p| Regex::new(&p))
                .transpose()?,
        })
    }

    pub fn apply(&self, text: &str) -> String {
        self.replace(text, |_| MASK.to_string())
    }

    /// Mask with as many `█` as each match has characters, so no position in the text moves
    /// (for REFI-QDA sources, whose selections point into the text).
    pub fn apply_keeping_positions(&self, text: &str) -> String {
        self.replace(text, |m| "█".repeat(m.chars().count()))
    }

    /// [`Self::apply`], with `spans` (byte ranges into `text`, sorted, non-overlapping) moved
    /// onto the masked text: a span before or after a masked word shifts with it, a span that
    /// overlaps a masked word is dropped (its words are gone).
    pub fn apply_moving_spans(
        &self,
        text: &str,
        spans: &[(usize, usize)],
    ) -> (String, Vec<(usize, usize)>) {
        let mut out = text.to_string();
        let mut spans = spans.to_vec();
        // Each list is one pass over the previous pass's output, as in `replace`.
        for re in [&self.exact_case, &self.any_case].into_iter().flatten() {
            let masked: Vec<(usize, usize)> =
                re.find_iter(&out).map(|m| (m.start(), m.end())).collect();
            if masked.is_empty() {
                continue;
            }
            spans.retain(|&(s, e)| !masked.iter().any(|&(ms, me)| s < me && ms < e));
            for span in &mut spans {
                // Every masked word before the span changes its length to the mask's.
                let delta: isize = masked
                    .iter()
                    .take_while(|&&(_, me)| me <= span.0)
                    .map(|&(ms, me)| MASK.len() as isize - (me - ms) as isize)
                    .sum();
                *span = (
                    span.0.saturating_add_signed(delta),
                    span.1.saturating_add_signed(delta),
                );
            }
            out = re.replace_all(&out, MASK).into_owned();
        }
        (out, spans)
    }

    fn replace(&self, text: &str, with: impl Fn(&str) -> String) -> String {
        let mut out = text.to_string();
        for re in [&self.exact_case, &self.any_case].into_iter().flatten() {
            if re.is_match(&out) {
                out = re
                    .replace_all(&out, |c: &regex::Captures| with(&c[0]))
                    .into_owned();
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_list_is_case_insensitive_whole_words() {
        let r = Redactor::new("Fenwick Road\n# a comment\nnorthmoor\n", &[]).unwrap();
        assert_eq!(
            r.apply("On fenwick road in Northmoor, Northmoorland"),
            "On [REDACTED] in [REDACTED], Northmoorland"
        );
    }

    #[test]
    fn participant_names_and_their_parts() {
        let r = Redactor::new("", &["Dana Whitfield".into(), "Al Bo".into()]).unwrap();
        assert_eq!(
            r.apply("Thanks, Dana. Dana Whitfield said so."),
            "Thanks, [REDACTED]. [REDACTED] said so."
        );
        // Short parts and lowercase words are left alone: "Al" and "al" are not masked.
        assert_eq!(r.apply("Al said dana"), "Al said dana");
        assert_eq!(r.apply("Al Bo"), "[REDACTED]");
        assert_eq!(r.apply_keeping_positions("Hi Dana."), "Hi ████.");
    }

    /// The spans of the words `words` in `text`, as a search highlights them.
    fn spans_of(text: &str, words: &[&str]) -> Vec<(usize, usize)> {
        let mut spans: Vec<(usize, usize)> = words
            .iter()
            .flat_map(|w| text.match_indices(w).map(|(i, m)| (i, i + m.len())))
            .collect();
        spans.sort_unstable();
        spans
    }

    fn marked(text: &str, spans: &[(usize, usize)]) -> String {
        let mut out = String::new();
        let mut at = 0;
        for &(s, e) in spans {
            out.push_str(&text[at..s]);
            out.push('«');
            out.push_str(&text[s..e]);
            out.push('»');
            at = e;
        }
        out.push_str(&text[at..]);
        out
    }

    #[test]
    fn highlights_move_onto_the_masked_text() {
        let r = Redactor::new("Fenwick Road", &["Dana Whitfield".into()]).unwrap();
        let text = "Dana said the council met on Fenwick Road; Dana trusts the council.";
        let (masked, spans) = r.apply_moving_spans(text, &spans_of(text, &["council"]));
        assert_eq!(
            marked(&masked, &spans),
            "[REDACTED] said the «council» met on [REDACTED]; [REDACTED] trusts the «council»."
        );
    }

    #[test]
    fn a_highlight_on_a_masked_word_is_dropped() {
        // The user searched a place that is also on the redaction list.
        let r = Redactor::new("Northmoor", &[]).unwrap();
        let text = "In Northmoor the council listens; Northmoor council.";
        let spans = spans_of(text, &["Northmoor", "council"]);
        let (masked, spans) = r.apply_moving_spans(text, &spans);
        assert_eq!(
            marked(&masked, &spans),
            "In [REDACTED] the «council» listens; [REDACTED] «council»."
        );
    }

    #[test]
    fn unmasked_text_keeps_its_spans() {
        let r = Redactor::new("", &["Dana Whitfield".into()]).unwrap();
        let text = "we trust them";
        assert_eq!(
            r.apply_moving_spans(text, &[(3, 8)]),
            (text.to_string(), vec![(3, 8)])
        );
    }

    proptest::proptest! {
        /// Whatever the text and the highlights, the masked text is what `apply` gives, and
        /// every span kept still covers the same words.
        #[test]
        fn moved_spans_cover_the_same_words(
            words in proptest::collection::vec(
                proptest::sample::select(vec!["Dana", "Whitfield", "trust", "the", "Road", "é", "council"]),
                0..20,
            ),
            pick in proptest::collection::vec(proptest::bool::ANY, 20),
        ) {
            let text = words.join(" ");
            let mut spans = Vec::new();
            let mut at = 0;
            for (w, p) in words.iter().zip(&pick) {
                if *p {
                    spans.push((at, at + w.len()));
                }
                at += w.len() + 1;
            }
            let r = Redactor::new("road", &["Dana Whitfield".into()]).unwrap();
            let (masked, moved) = r.apply_moving_spans(&text, &spans);
            proptest::prop_assert_eq!(&masked, &r.apply(&text));
            let before: Vec<&str> = spans.iter().map(|&(s, e)| &text[s..e]).collect();
            for &(s, e) in &moved {
                proptest::prop_assert!(before.contains(&&masked[s..e]));
            }
            proptest::prop_assert!(moved.windows(2).all(|w| w[0].1 <= w[1].0));
        }
    }
}
