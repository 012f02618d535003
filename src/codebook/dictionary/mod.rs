//! Dictionaries from other tools, as codebooks: WordStat `.cat`, LIWC `.dic`, Lexicoder `.lc3`,
//! quanteda YAML and a JSON list of codes are read into categories (with their hierarchy) and
//! written as our TOML; and a codebook is written as quanteda YAML. Weights and scores
//! (WordStat's `(1)`, LIWC's category numbers) are not patterns: they are dropped, and the
//! converted file says so.
//!
//! Layers: this file holds the types and reads a dictionary file (bytes, decoding, located
//! errors); `import` decides what an import writes (which format, which file, which ids, a TOML
//! that loads with the codebook it joins); `parse` reads each format's text into categories;
//! `entry` turns one entry into a pattern (or says why it cannot be one); `write` serialises
//! through the `toml` and `serde_norway` crates.

mod entry;
mod import;
mod parse;
mod write;

use std::collections::BTreeMap;
use std::path::Path;

pub use import::{
    code_ids, convert, import_dictionary, import_target, Converted, ImportError, ImportRequest,
    Imported,
};
pub use parse::parse_dictionary;
pub use write::{to_toml, to_yaml};

use super::Matching;
use crate::diag::SourceError;

/// One category: a name, its parent (index into the list) and its entries as patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// The category's own id, when the format has one (a JSON id, a quanteda key); else the id
    /// is a slug of the name.
    pub id: Option<String>,
    pub name: String,
    pub parent: Option<usize>,
    /// The entries, each already a pattern of our codebook that loads (see `entry`).
    pub patterns: Vec<String>,
}

/// Which kind of file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DictFormat {
    WordStat,
    Liwc,
    Lexicoder,
    Yaml,
    /// `{"codes": [{"id", "name", "parent", "patterns": [...]}]}`: the shape of the benchmark
    /// codebooks in ../shared/bench and of simple dictionary exports; counted as a dictionary.
    Json,
}

impl DictFormat {
    pub fn from_extension(ext: &str) -> Option<DictFormat> {
        match ext.to_ascii_lowercase().as_str() {
            "cat" => Some(DictFormat::WordStat),
            "dic" => Some(DictFormat::Liwc),
            "lc3" | "lcd" => Some(DictFormat::Lexicoder),
            "yml" | "yaml" => Some(DictFormat::Yaml),
            "json" => Some(DictFormat::Json),
            _ => None,
        }
    }

    /// The format a file's extension names.
    pub fn from_path(path: &Path) -> Option<DictFormat> {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(DictFormat::from_extension)
    }

    /// How the converted codebook matches: a JSON codebook counts as its tools count (the
    /// benchmark's format); the others are word lists for rules.
    pub fn matching(self) -> Matching {
        match self {
            DictFormat::Json => Matching::Dictionary,
            _ => Matching::Rules,
        }
    }

    /// The format's name, for the converted file's comment.
    pub fn name(self) -> &'static str {
        match self {
            DictFormat::WordStat => "WordStat",
            DictFormat::Liwc => "LIWC",
            DictFormat::Lexicoder => "Lexicoder",
            DictFormat::Yaml => "quanteda YAML",
            DictFormat::Json => "JSON",
        }
    }
}

/// A problem with a dictionary file: the line (1-based; 0 for the whole file), what is wrong,
/// and how to fix it when there is more to say than the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DictError {
    pub line: usize,
    pub message: String,
    pub help: Option<String>,
}

impl DictError {
    fn new(line: usize, message: impl Into<String>) -> DictError {
        DictError {
            line,
            message: message.into(),
            help: None,
        }
    }
}

/// The ids of the codebook an import joins, each with where it is defined (`file:line`).
pub type Taken = BTreeMap<String, String>;

/// Read a dictionary file: decoded (UTF-8, UTF-16 or Windows-1252) and parsed; errors name the
/// file and, where there is one, the line.
pub fn read_dictionary(path: &Path, format: DictFormat) -> Result<Vec<Category>, SourceError> {
    read(path, format, &Taken::new())
}

pub(super) fn read(
    path: &Path,
    format: DictFormat,
    taken: &Taken,
) -> Result<Vec<Category>, SourceError> {
    let bytes = std::fs::read(path)
        .map_err(|e| SourceError::whole_file(path, format!("cannot read: {e}")))?;
    let text = crate::text::decode(&bytes)
        .map_err(|e| SourceError::whole_file(path, e.to_string()))?
        .text;
    parse::parse(&text, format, taken).map_err(|e| {
        let located = SourceError::new(path, e.line, 0, e.message).with_source(&text);
        match e.help {
            Some(help) => located.with_help(help),
            None => located,
        }
    })
}

#[cfg(test)]
mod tests;
