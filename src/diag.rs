//! Diagnostics that point into a file: a path, a 1-based line and column, what is wrong, how to fix
//! it, and the offending source line with a caret under the column. Every parser in the library
//! reports bad input through [`SourceError`], so the CLI can print them all the same way.

use std::fmt;
use std::path::{Path, PathBuf};

/// An error located in a source file (a transcript, a CSV corpus, qcode.toml, a codebook).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub path: PathBuf,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column in characters; 0 when unknown.
    pub col: usize,
    pub message: String,
    /// How to fix it, in one sentence.
    pub help: Option<String>,
    /// The text of the offending line, for the caret display.
    pub source_line: Option<String>,
}

impl SourceError {
    pub fn new(path: &Path, line: usize, col: usize, message: impl Into<String>) -> SourceError {
        SourceError {
            path: path.to_path_buf(),
            line,
            col,
            message: message.into(),
            help: None,
            source_line: None,
        }
    }

    /// An error about a whole file (unreadable, empty, binary).
    pub fn whole_file(path: &Path, message: impl Into<String>) -> SourceError {
        SourceError::new(path, 0, 0, message)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> SourceError {
        self.help = Some(help.into());
        self
    }

    /// Attach the offending line, taken from the full text of the file.
    pub fn with_source(mut self, text: &str) -> SourceError {
        if self.line > 0 {
            self.source_line = text
                .split('\n')
                .nth(self.line - 1)
                .map(|l| l.trim_end_matches('\r').to_string());
        }
        self
    }

    /// `path:line:col`, or as much of it as is known.
    pub fn location(&self) -> String {
        match (self.line, self.col) {
            (0, _) => self.path.display().to_string(),
            (l, 0) => format!("{}:{}", self.path.display(), l),
            (l, c) => format!("{}:{}:{}", self.path.display(), l, c),
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location(), self.message)?;
        if let Some(src) = &self.source_line {
            let num = self.line.to_string();
            let pad = " ".repeat(num.len());
            // Long lines (a 50 MB line is possible) are cut around the column.
            let chars: Vec<char> = src.chars().collect();
            let col = self.col.max(1) - 1;
            let from = col.saturating_sub(60);
            let to = (col + 60).min(chars.len());
            let shown: String = chars[from.min(to)..to].iter().collect();
            let lead = if from > 0 { "…" } else { "" };
            write!(f, "\n{pad} |\n{num} | {lead}{shown}")?;
            if self.col > 0 {
                let caret_at = col - from + lead.chars().count();
                write!(f, "\n{pad} | {}^", " ".repeat(caret_at))?;
            }
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SourceError {}

/// Where each line of a text starts: [`line_col`] for many offsets of one text, each found by a
/// binary search instead of a count from the start (which makes locating every code of a
/// 20,000-code codebook quadratic).
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// 1-based line and column (in characters) of a byte offset in `text` (the text indexed),
    /// as [`line_col`] gives them.
    pub fn line_col(&self, text: &str, byte: usize) -> (usize, usize) {
        let byte = floor_char_boundary(text, byte.min(text.len()));
        let line = self.starts.partition_point(|&s| s <= byte).max(1);
        let start = self.starts[line - 1].min(byte);
        (line, text[start..byte].chars().count() + 1)
    }
}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, byte: usize) -> (usize, usize) {
    let byte = byte.min(text.len());
    let before = &text[..floor_char_boundary(text, byte)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A non-fatal problem: the input was read, but something deserves a look.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Warning {
    pub location: String,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let t = "ab\nçé: x\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        // byte 7 is after "çé:" (2+2+1 bytes) on line 2
        assert_eq!(line_col(t, 8), (2, 4));
    }

    #[test]
    fn the_line_index_agrees_with_line_col_everywhere() {
        let t = "ab\nçé: x\n\nz";
        let index = LineIndex::new(t);
        for byte in 0..=t.len() + 2 {
            assert_eq!(index.line_col(t, byte), line_col(t, byte), "byte {byte}");
        }
    }

    #[test]
    fn display_shows_caret_under_column() {
        let e = SourceError::new(Path::new("a.txt"), 2, 3, "bad")
            .with_source("first\nxxYzz\n")
            .with_help("fix it");
        let s = e.to_string();
        assert!(s.starts_with("a.txt:2:3: bad"), "{s}");
        assert!(s.contains("2 | xxYzz\n  |   ^"), "{s}");
        assert!(s.ends_with("help: fix it"));
    }
}
