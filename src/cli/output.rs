//! Shared output helpers: how highlighted text is rendered, and the --format choice.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable text for a terminal or a pager.
    Table,
    Csv,
    Json,
}

/// How to mark matching words: bold on a terminal (unless NO_COLOR is set), «brackets» otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Marks {
    pub open: &'static str,
    pub close: &'static str,
}

impl Marks {
    pub const BRACKETS: Marks = Marks {
        open: "«",
        close: "»",
    };
    pub const BOLD: Marks = Marks {
        open: "\x1b[1m",
        close: "\x1b[0m",
    };

    pub fn for_stdout() -> Marks {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if std::io::stdout().is_terminal() && !no_color {
            Marks::BOLD
        } else {
            Marks::BRACKETS
        }
    }
}

/// Write `bytes` to stdout with participants' names masked (the inspection commands show text
/// but have no --with-names: names are always masked there).
pub fn print_masked(bytes: &[u8], names: &[String]) -> anyhow::Result<()> {
    use std::io::Write;
    let r = qcode::export::Redactor::new("", names)?;
    let text = String::from_utf8_lossy(bytes);
    let mut out = std::io::stdout().lock();
    out.write_all(r.apply(&text).as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Write to a temporary file beside `path`, then rename it into place: a reader never sees a
/// half-written file, and a failed export leaves none behind.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = temp_beside(path)?;
    tmp.write_all(bytes)
        .with_context(|| format!("cannot write {} (disk full?)", path.display()))?;
    persist(tmp, path)
}

/// A temporary file in `path`'s folder, to be [`persist`]ed over `path` once complete (dropped
/// unpersisted, it disappears).
pub fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::NamedTempFile::new_in(&dir).with_context(|| {
        format!(
            "cannot write to {}: check the folder exists and is writable",
            dir.display()
        )
    })?;
    // A temporary file is private (0600); the export is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .ok();
    }
    Ok(tmp)
}

/// Move a complete temporary file into place.
pub fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    tmp.as_file().sync_all().ok();
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// `--where KEY=VALUE` flags as pairs.
pub fn parse_wheres(flags: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    flags
        .iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                Ok((k.trim().to_string(), v.trim().to_string()))
            }
            _ => anyhow::bail!("--where {w:?}: write KEY=VALUE, e.g. --where area=Northmoor"),
        })
        .collect()
}

/// `text` with each byte range in `spans` (sorted, non-overlapping) wrapped in marks.
pub fn mark(text: &str, spans: &[(usize, usize)], marks: Marks) -> String {
    let mut out = String::with_capacity(text.len() + spans.len() * 4);
    let mut at = 0;
    for &(s, e) in spans {
        if s < at || e > text.len() {
            continue;
        }
        out.push_str(&text[at..s]);
        out.push_str(marks.open);
        out.push_str(&text[s..e]);
        out.push_str(marks.close);
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_wrap_spans() {
        assert_eq!(
            mark("we trust them", &[(3, 8)], Marks::BRACKETS),
            "we «trust» them"
        );
        assert_eq!(mark("ab", &[], Marks::BRACKETS), "ab");
    }
}
