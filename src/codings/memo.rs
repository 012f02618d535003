//! Memos: what a researcher writes down about a segment or a code, kept in the project as
//! Markdown a person can read and edit (`memos/CODER.md`, one file per coder, newest last):
//!
//! ```text
//! ## segment northmoor-01:6.3 · 2026-11-30T10:04:00Z
//!
//! The monthly meeting again: compare with eastbrook.
//! ```
//!
//! A line of the memo's own text that starts with `## ` is written as `\## `, so it is never
//! read as the start of another memo.

use std::path::Path;

use crate::diag::SourceError;

/// The project folder memo files live in.
pub const MEMOS_DIR: &str = "memos";

/// What a memo is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    Segment(String),
    Code(String),
}

impl Target {
    fn kind(&self) -> &'static str {
        match self {
            Target::Segment(_) => "segment",
            Target::Code(_) => "code",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Target::Segment(id) | Target::Code(id) => id,
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind(), self.id())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memo {
    pub coder: String,
    pub target: Target,
    /// UTC, RFC 3339.
    pub time: String,
    pub text: String,
}

impl Memo {
    /// The memo as it is appended to its coder's file.
    pub fn entry(&self) -> String {
        let body: Vec<String> = self
            .text
            .trim()
            .lines()
            .map(|l| {
                if l.starts_with("## ") {
                    format!("\\{l}")
                } else {
                    l.to_string()
                }
            })
            .collect();
        format!(
            "## {} · {}\n\n{}\n\n",
            self.target,
            self.time,
            body.join("\n")
        )
    }
}

/// A coder's memo file with `memo` appended: `existing` is its text (`None`: no file yet, which
/// starts with a title), newest last, a blank line between memos.
pub fn appended(existing: Option<&str>, memo: &Memo) -> String {
    let mut text = match existing {
        Some(t) => t.to_string(),
        None => format!("# Memos of {}\n\n", memo.coder),
    };
    if !text.ends_with("\n\n") {
        text.push_str(if text.ends_with('\n') { "\n" } else { "\n\n" });
    }
    text.push_str(&memo.entry());
    text
}

/// The memos of one coder's file (`coder` is the file's stem). Text before the first heading
/// (a title the researcher added) is not a memo and is skipped.
pub fn parse(path: &Path, coder: &str, text: &str) -> Result<Vec<Memo>, SourceError> {
    let mut memos: Vec<Memo> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if let Some(head) = line.strip_prefix("## ") {
            let (target, time) = head.split_once(" · ").unwrap_or((head, ""));
            let target = match target.trim().split_once(' ') {
                Some(("segment", id)) => Target::Segment(id.trim().into()),
                Some(("code", id)) => Target::Code(id.trim().into()),
                _ => {
                    return Err(SourceError::new(path, n + 1, 4, "a memo heading needs `segment ID` or `code ID`")
                        .with_source(text)
                        .with_help("memo headings read `## segment northmoor-01:6.3 · TIME` or `## code trust · TIME`"))
                }
            };
            memos.push(Memo {
                coder: coder.into(),
                target,
                time: time.trim().into(),
                text: String::new(),
            });
        } else if let Some(m) = memos.last_mut() {
            let line = line
                .strip_prefix('\\')
                .filter(|l| l.starts_with("## "))
                .unwrap_or(line);
            m.text.push_str(line);
            m.text.push('\n');
        }
    }
    for m in &mut memos {
        m.text = m.text.trim().to_string();
    }
    Ok(memos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memos_round_trip_through_their_file() {
        let a = Memo {
            coder: "ann".into(),
            target: Target::Segment("a:1.1".into()),
            time: "2026-11-30T10:00:00Z".into(),
            text: "First line.\n## not a heading\nlast".into(),
        };
        let b = Memo {
            target: Target::Code("trust".into()),
            text: "About trust.".into(),
            ..a.clone()
        };
        let file = format!("# Ann's memos\n\n{}{}", a.entry(), b.entry());
        assert_eq!(
            parse(Path::new("memos/ann.md"), "ann", &file).unwrap(),
            [a, b]
        );
    }

    #[test]
    fn a_heading_without_a_target_is_an_error_at_its_line() {
        let e = parse(
            Path::new("m.md"),
            "ann",
            "## segment a:1 · t\n\nx\n\n## whatever\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 5);
    }
}
