//! qcode.toml's `[limits]` table: each bound on what one input may cost
//! ([`crate::text::Limits`]), a positive whole number; a key left out keeps its default, and a
//! bad value is an error located at it.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::diag::{line_col, SourceError};
use crate::text::Limits;

/// `[limits]` as written.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLimits {
    file_mb: Option<Spanned<i64>>,
    unzipped_mb: Option<Spanned<i64>>,
    zip_ratio: Option<Spanned<i64>>,
    header_depth: Option<Spanned<i64>>,
    dictionary_entries: Option<Spanned<i64>>,
    search_limit: Option<Spanned<i64>>,
    search_context: Option<Spanned<i64>>,
}

/// The limits qcode.toml sets, over the defaults; a value below 1 is an error at it.
pub(super) fn limits(raw: &RawLimits, path: &Path, text: &str) -> Result<Limits, SourceError> {
    let mut l = Limits::default();
    let value = |key: &str, v: &Option<Spanned<i64>>| -> Result<Option<u64>, SourceError> {
        let Some(v) = v else { return Ok(None) };
        let n = *v.get_ref();
        if n < 1 {
            let (line, col) = line_col(text, v.span().start);
            return Err(SourceError::new(
                path,
                line,
                col,
                format!("[limits] {key} must be at least 1, not {n}"),
            )
            .with_source(text)
            .with_help(format!(
                "{key} is a bound on what one input may cost; leave it out for its default"
            )));
        }
        Ok(Some(n as u64))
    };
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    if let Some(n) = value("file_mb", &raw.file_mb)? {
        l.file_mb = n;
    }
    if let Some(n) = value("unzipped_mb", &raw.unzipped_mb)? {
        l.unzipped_mb = n;
    }
    if let Some(n) = value("zip_ratio", &raw.zip_ratio)? {
        l.zip_ratio = n;
    }
    if let Some(n) = value("header_depth", &raw.header_depth)? {
        l.header_depth = size(n);
    }
    if let Some(n) = value("dictionary_entries", &raw.dictionary_entries)? {
        l.dictionary_entries = size(n);
    }
    if let Some(n) = value("search_limit", &raw.search_limit)? {
        l.search_limit = size(n);
    }
    if let Some(n) = value("search_context", &raw.search_context)? {
        l.search_context = size(n);
    }
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Limits, SourceError> {
        #[derive(Deserialize)]
        struct T {
            limits: RawLimits,
        }
        let raw: T = toml::from_str(text).unwrap();
        limits(&raw.limits, Path::new("qcode.toml"), text)
    }

    #[test]
    fn limits_keep_their_defaults_unless_set_and_a_bad_one_is_located() {
        let l = read("[limits]\nfile_mb = 5\nsearch_limit = 10\n").unwrap();
        assert_eq!(l.file_mb, 5);
        assert_eq!(l.search_limit, 10);
        assert_eq!(l.header_depth, Limits::default().header_depth);
        let e = read("[limits]\nheader_depth = 0\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 16));
        assert!(e.message.contains("header_depth must be at least 1"), "{e}");
    }
}
