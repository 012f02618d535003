//! Lines of a text transcript that are not speech: headings (Markdown `#`, reST underlined
//! titles, stand-alone ALL-CAPS lines), oaths and affirmations (`*NAME (sworn).*`), bare times
//! (`10.30 am`, `[11:02]`) and stage directions (`(Short break)`, `[Laughter]`, `*(Pause)*`).
//! Hearing and court transcripts put these between turns; read as continuation lines they
//! would become quotes and be coded. Every rule is a cheap check of one line (or of a title
//! and its underline): a 45 MB corpus runs them on every line, so the one regex is compiled once
//! and only tried on lines that end in a parenthesis.

use std::sync::LazyLock;

use regex::Regex;

/// What a line that is not speech is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum NonSpeech<'a> {
    /// A heading, with its text without the markup: the section of the segments under it.
    Heading(&'a str),
    /// `*NAME (sworn).*`, `NAME (affirmed)`, `(sworn)`.
    Oath,
    /// A time alone on a line: `10.30 am`, `(10:30)`, `[11:02]`.
    Time,
    /// A whole line in brackets, parentheses or italics: `(Short break)`, `*The hearing adjourned*`.
    Direction,
}

/// reST adornment characters a title may be underlined (or overlined) with.
const ADORNMENT: [char; 5] = ['=', '-', '~', '^', '*'];

/// An oath or affirmation: up to six words of a name, then `(sworn)` or `(affirmed)`. The name's
/// first word is capitalised, so a sentence that happens to end so is not one.
static OATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:^(?-i:\p{Lu})[\p{L}.'’-]*(?:\s+[\p{L}][\p{L}.'’-]*){0,5}\s+\((?:sworn|affirmed)\)\.?$)")
        .expect("valid")
});

/// A heading marked up as one, which wins over a speaker label (`Questions From Counsel:`
/// underlined is a title, not a speaker): a Markdown `#` heading, a reST title underlined by
/// `next`, or one overlined by `line` and underlined by `after`. Gives its text and how many
/// lines it takes.
pub(super) fn marked_heading<'a>(
    line: &'a str,
    next: Option<&'a str>,
    after: Option<&str>,
) -> Option<(&'a str, usize)> {
    if let Some(title) = markdown_heading(line) {
        return Some((title, 1));
    }
    let next = next?;
    if let Some(c) = adornment(line) {
        // An overline: the title, then the same adornment again.
        let closes = after.and_then(adornment) == Some(c);
        let title = next.trim();
        if closes && !title.is_empty() && adornment(next).is_none() {
            return Some((title, 3));
        }
        return None;
    }
    let starts_text = line.chars().next().is_some_and(|c| !c.is_whitespace());
    let underline = adornment(next)?;
    let title = line.trim_end();
    let long_enough = next.trim_end().chars().count() >= title.chars().count();
    (starts_text && long_enough && underline.1 >= 3).then_some((title, 2))
}

/// `# Title`, `## Title ##`: its text (empty for a bare `#`).
fn markdown_heading(line: &str) -> Option<&str> {
    let hashes = line.len() - line.trim_start_matches('#').len();
    let rest = &line[hashes..];
    if hashes == 0 || hashes > 6 || !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let text = rest.trim();
    let closed = text.trim_end_matches('#');
    Some(match closed.is_empty() || closed.ends_with([' ', '\t']) {
        true => closed.trim_end(),
        false => text,
    })
}

/// A line of one adornment character repeated (trailing spaces aside): the character and how
/// many.
fn adornment(line: &str) -> Option<(char, usize)> {
    let line = line.trim_end();
    let c = line.chars().next().filter(|c| ADORNMENT.contains(c))?;
    line.chars().all(|x| x == c).then_some((c, line.len()))
}

/// A line that is not speech by the rules that apply only where it does not start a turn: an
/// oath, a time, a stage direction, or an ALL-CAPS heading. `standalone`: the line follows a
/// blank line (or another that is not speech, or the header); an ALL-CAPS line that continues a
/// paragraph is someone shouting.
pub(super) fn unmarked(line: &str, standalone: bool) -> Option<NonSpeech<'_>> {
    let t = line.trim();
    let (inner, italic) = match unwrap_italic(t) {
        Some(inner) => (inner, true),
        None => (t, false),
    };
    if inner.trim_end_matches('.').ends_with(')') && OATH.is_match(inner) {
        return Some(NonSpeech::Oath);
    }
    if let Some(content) = bracketed(inner) {
        let c = content.trim();
        return Some(if is_time(c) {
            NonSpeech::Time
        } else if c.eq_ignore_ascii_case("sworn") || c.eq_ignore_ascii_case("affirmed") {
            NonSpeech::Oath
        } else {
            NonSpeech::Direction
        });
    }
    if is_time(inner) {
        return Some(NonSpeech::Time);
    }
    if italic {
        return Some(NonSpeech::Direction);
    }
    (standalone && all_caps_heading(t)).then_some(NonSpeech::Heading(t))
}

/// The text inside `*…*` or `_…_` when that wraps the whole line (not bold `**…**`, and no
/// emphasis inside: `*really* I mean *it*` is speech).
fn unwrap_italic(t: &str) -> Option<&str> {
    for m in ['*', '_'] {
        let inner = t.strip_prefix(m).and_then(|r| r.strip_suffix(m));
        if let Some(inner) = inner {
            if !inner.is_empty() && !inner.starts_with(m) && !inner.contains(m) {
                return Some(inner.trim());
            }
        }
    }
    None
}

/// The text inside `(…)` or `[…]` when the bracket that opens the line closes only at its end
/// (`(a) one, (b) two)` is not one), ignoring a full stop after it.
fn bracketed(t: &str) -> Option<&str> {
    let t = t.strip_suffix('.').unwrap_or(t);
    let (open, close) = match t.chars().next()? {
        '(' => ('(', ')'),
        '[' => ('[', ']'),
        _ => return None,
    };
    let mut depth = 0usize;
    for (i, c) in t.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return (i + c.len_utf8() == t.len()).then(|| &t[1..i]);
            }
        }
    }
    None
}

/// `10.30`, `10:30:05`, `10.30 am`, `2 pm`, `11.00 a.m.`.
fn is_time(t: &str) -> bool {
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if !(1..=2).contains(&digits) {
        return false;
    }
    let mut rest = &t[digits..];
    let mut minutes = 0;
    while let Some(r) = rest.strip_prefix(['.', ':']) {
        let n = r.chars().take_while(char::is_ascii_digit).count();
        if n != 2 || minutes == 2 {
            return false;
        }
        rest = &r[2..];
        minutes += 1;
    }
    let meridiem = rest
        .trim_start()
        .to_ascii_lowercase()
        .replace(['.', ' '], "");
    match meridiem.as_str() {
        "" => minutes > 0,
        "am" | "pm" => true,
        _ => false,
    }
}

/// Two or more words, no lower-case letter, at least two capitals, no `LABEL:` colon, and not
/// a sentence (no closing `. ! ? … , ;`): `DAY 3 MORNING SESSION`, not `I SAID NO.`
fn all_caps_heading(t: &str) -> bool {
    if t.split_whitespace().nth(1).is_none()
        || t.contains(": ")
        || t.ends_with([':', '.', '!', '?', '…', ',', ';', '"', '”'])
        || t.chars().any(char::is_lowercase)
    {
        return false;
    }
    t.chars().filter(|c| c.is_uppercase()).take(2).count() == 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heading(lines: &[&'static str]) -> Option<(&'static str, usize)> {
        marked_heading(lines[0], lines.get(1).copied(), lines.get(2).copied())
    }

    #[test]
    fn markdown_headings_lose_their_markup() {
        assert_eq!(heading(&["# Opening"]), Some(("Opening", 1)));
        assert_eq!(
            heading(&["### Questions From Counsel: ###"]),
            Some(("Questions From Counsel:", 1))
        );
        assert_eq!(heading(&["#"]), Some(("", 1)));
        assert_eq!(heading(&["#hashtag"]), None);
        assert_eq!(heading(&["####### seven"]), None);
        assert_eq!(heading(&["C# is a language"]), None);
    }

    #[test]
    fn rest_titles_need_an_underline_at_least_as_long() {
        assert_eq!(
            heading(&["Examined by Ms Rowe", "==================="]),
            Some(("Examined by Ms Rowe", 2))
        );
        assert_eq!(
            heading(&["Questions From Counsel:", "-----------------------  "]),
            Some(("Questions From Counsel:", 2))
        );
        assert_eq!(heading(&["Day two", "~~~~~~~~~~"]), Some(("Day two", 2)));
        assert_eq!(
            heading(&["=======", "Part A", "======="]),
            Some(("Part A", 3))
        );
        // Too short, too few, indented, or no title: speech (or nothing) as before.
        assert_eq!(heading(&["A long line of speech", "-----"]), None);
        assert_eq!(heading(&["No", "--"]), None);
        assert_eq!(heading(&["   indented", "=========="]), None);
        assert_eq!(heading(&["=====", "Part A", "-----"]), None);
        assert_eq!(heading(&["Plain speech.", "More speech."]), None);
        assert_eq!(heading(&["Last line"]), None);
    }

    #[test]
    fn oaths_and_affirmations() {
        for l in [
            "*JANE ROE (sworn).*",
            "JOHN Q DOE (affirmed)",
            "(sworn)",
            "[affirmed]",
            "Dr Ann O'Neil (Sworn)",
        ] {
            assert_eq!(unmarked(l, false), Some(NonSpeech::Oath), "{l}");
        }
        for l in [
            "and then he was (sworn)",
            "I was sworn in.",
            "(sworn) in that year he said",
        ] {
            assert_ne!(unmarked(l, false), Some(NonSpeech::Oath), "{l}");
        }
    }

    #[test]
    fn bare_times() {
        for l in [
            "10.30 am",
            "(10:30)",
            "[11:02]",
            "*(2.00 pm)*",
            "14:05:33",
            "9 a.m.",
            "(11.00 am).",
        ] {
            assert_eq!(unmarked(l, false), Some(NonSpeech::Time), "{l}");
        }
        for l in [
            "10.30 am is when it started",
            "3",
            "100.00",
            "10.3",
            "10 and then",
        ] {
            assert_eq!(unmarked(l, false), None, "{l}");
        }
    }

    #[test]
    fn stage_directions_are_whole_lines() {
        for l in [
            "(Short break)",
            "[Laughter]",
            "*(The hearing adjourned)*",
            "*Pause*",
            "_(inaudible)_",
            "(The witness withdrew).",
        ] {
            assert_eq!(unmarked(l, false), Some(NonSpeech::Direction), "{l}");
        }
        for l in [
            "(a) the first, (b) the second",
            "(a) the contract (clause 4)",
            "I *really* mean *it*",
            "**Bold line**",
            "Yes (laughs)",
            "[sic] it was",
        ] {
            assert_eq!(unmarked(l, false), None, "{l}");
        }
    }

    #[test]
    fn all_caps_headings_stand_alone_and_are_not_sentences() {
        assert_eq!(
            unmarked("DAY 3 MORNING SESSION", true),
            Some(NonSpeech::Heading("DAY 3 MORNING SESSION"))
        );
        assert_eq!(
            unmarked("PART 2 - EVIDENCE", true),
            Some(NonSpeech::Heading("PART 2 - EVIDENCE"))
        );
        // Continuing a paragraph, a sentence, one word, a label, or lower case: speech.
        assert_eq!(unmarked("DAY 3 MORNING SESSION", false), None);
        for l in [
            "I SAID NO.",
            "WHAT DID YOU SAY?",
            "NO",
            "MR SMITH: HELLO",
            "Day 3 Session",
            "A 1",
        ] {
            assert_eq!(unmarked(l, true), None, "{l}");
        }
    }
}
