//! Redaction: named people and places replaced by `[REDACTED]` in exported text. Two lists:
//! the user's (`--redact FILE`, whole words, any case) and the participants' names declared in
//! transcript headers (whole names and each part of three letters or more, as capitalised), which
//! are masked unless `--with-names` is given.

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
}
