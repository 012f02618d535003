//! A CSV case as one plain-text source that keeps who said what: each row a paragraph opening
//! with its label, `[ROW-ID] ROLE: `, then its text, a blank line apart. Every REFI-QDA reader
//! shows the label with the text (a reader has no other place for a row's id and speaker inside a
//! source), selections point past it at the row's own text, and `qcode import qdpx` reads the
//! labels back ([`parse_rows`]) to rebuild the rows with their ids, so every coding ties to the
//! segment it was made on. The rows' other metadata goes to their cases' variables (see
//! [`super::assemble`]).

use std::collections::BTreeMap;

use super::Selection;

/// A CSV row as a source holds it: its id, speaker, text, metadata, and the codes it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: String,
    pub role_label: String,
    pub text: String,
    pub meta: BTreeMap<String, String>,
    /// Codes given to the whole row (none: no selection).
    pub codes: Vec<String>,
}

/// A row read back from a source's text: its label and where its text lies (code points).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRow {
    pub id: String,
    pub role_label: String,
    pub start: usize,
    pub end: usize,
}

/// The label a row's paragraph opens with. Line breaks in the id or role would break the
/// paragraph, so they become spaces.
pub fn label(id: &str, role_label: &str) -> String {
    let flat = |s: &str| s.replace(['\n', '\r'], " ");
    format!("[{}] {}: ", flat(id), flat(role_label))
}

/// The source text of `rows`, and a selection per coded row over its text (after its label).
pub fn render(rows: &[Row]) -> (String, Vec<Selection>) {
    let mut text = String::new();
    let mut at = 0;
    let mut selections = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            text.push_str("\n\n");
            at += 2;
        }
        let label = label(&row.id, &row.role_label);
        at += label.chars().count();
        text.push_str(&label);
        let start = at;
        at += row.text.chars().count();
        text.push_str(&row.text);
        if !row.codes.is_empty() {
            selections.push(Selection {
                segment: row.id.clone(),
                start,
                end: at,
                codes: row.codes.clone(),
                role_label: row.role_label.clone(),
            });
        }
    }
    (text, selections)
}

/// The rows of a text [`render`] wrote, or None when it is not such a text: it must open with a
/// label, and a row ends where a blank line is followed by the next label.
pub fn parse_rows(text: &str) -> Option<Vec<ParsedRow>> {
    let chars: Vec<char> = text.chars().collect();
    let mut rows = Vec::new();
    let mut at = 0;
    loop {
        let (id, role_label, start) = parse_label(&chars, at)?;
        let end = next_row(&chars, start).unwrap_or(chars.len());
        rows.push(ParsedRow {
            id,
            role_label,
            start,
            end,
        });
        if end == chars.len() {
            return Some(rows);
        }
        at = end + 2;
    }
}

/// Where the row after the one whose text starts at `from` begins: the `\n\n` before a label.
fn next_row(chars: &[char], from: usize) -> Option<usize> {
    (from..chars.len().saturating_sub(2))
        .find(|&i| chars[i] == '\n' && chars[i + 1] == '\n' && parse_label(chars, i + 2).is_some())
}

/// The label at `at`: its id, role and where the row's text starts.
fn parse_label(chars: &[char], at: usize) -> Option<(String, String, usize)> {
    if chars.get(at) != Some(&'[') {
        return None;
    }
    let line_end = (at..chars.len())
        .find(|&i| chars[i] == '\n')
        .unwrap_or(chars.len());
    let line = &chars[at + 1..line_end];
    let close =
        (0..line.len().saturating_sub(1)).find(|&i| line[i] == ']' && line[i + 1] == ' ')?;
    let rest = &line[close + 2..];
    let colon = (0..rest.len()).find(|&i| rest[i] == ':' && rest.get(i + 1) == Some(&' '))?;
    let id: String = line[..close].iter().collect();
    let role: String = rest[..colon].iter().collect();
    if id.is_empty() {
        return None;
    }
    Some((id, role, at + 1 + close + 2 + colon + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, role: &str, text: &str, codes: &[&str]) -> Row {
        Row {
            id: id.into(),
            role_label: role.into(),
            text: text.into(),
            meta: BTreeMap::new(),
            codes: codes.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn rows_render_labelled_and_parse_back() {
        let rows = [
            row("n-1", "Resident", "Yes", &[]),
            row(
                "n-2",
                "Cllr",
                "Naïve 🙂.\n\nSecond paragraph [x] too: yes.",
                &["trust"],
            ),
            row("n-3", "Council officer", "", &["a"]),
        ];
        let (text, sels) = render(&rows);
        assert_eq!(
            text,
            "[n-1] Resident: Yes\n\n[n-2] Cllr: Naïve 🙂.\n\nSecond paragraph [x] too: yes.\n\n[n-3] Council officer: "
        );
        let chars: Vec<char> = text.chars().collect();
        let slice = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
        assert_eq!(sels.len(), 2);
        assert_eq!(slice(sels[0].start, sels[0].end), rows[1].text);
        assert_eq!(sels[0].segment, "n-2");
        let parsed = parse_rows(&text).unwrap();
        let got: Vec<(&str, &str, String)> = parsed
            .iter()
            .map(|r| (r.id.as_str(), r.role_label.as_str(), slice(r.start, r.end)))
            .collect();
        assert_eq!(
            got,
            [
                ("n-1", "Resident", "Yes".to_string()),
                ("n-2", "Cllr", rows[1].text.clone()),
                ("n-3", "Council officer", String::new()),
            ]
        );
    }

    #[test]
    fn texts_without_labels_are_not_rows() {
        assert_eq!(parse_rows("P1: hello\n\nP2: there"), None);
        assert_eq!(parse_rows(""), None);
        assert_eq!(parse_rows("[] x: y"), None);
    }
}
