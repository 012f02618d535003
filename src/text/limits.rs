//! Bounds on what one input may cost, as qcode.toml's `[limits]` table sets them: how large a
//! corpus file read whole may be, what one entry of a zip package (.docx, .qdpx) may inflate to
//! and by how much, how deep a YAML header may nest, how many entries a dictionary may hold, and
//! how many matches and paragraphs of context `search` shows. A careless or hostile file over a
//! bound is an error that names the file and the setting to raise, never a hang or an abort.
//! The project reads the table; the readers that need a bound are handed the [`Limits`].

use std::io::Read;

/// One mebibyte: the unit of the size settings.
pub const MB: u64 = 1 << 20;

/// Every bound, each named after its key in `[limits]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `file_mb`: a corpus file read whole (tables at least as large as the streaming threshold
    /// are read a batch at a time and not bound by it).
    pub file_mb: u64,
    /// `unzipped_mb`: what one entry of a .docx or .qdpx may inflate to.
    pub unzipped_mb: u64,
    /// `zip_ratio`: how many times its compressed size an entry may inflate to (checked once
    /// it passes [`RATIO_FROM`]: a small entry of spaces may well inflate a thousandfold).
    pub zip_ratio: u64,
    /// `header_depth`: how deep a transcript's YAML header or a sidecar may nest.
    pub header_depth: usize,
    /// `dictionary_entries`: entries of a dictionary read as a codebook.
    pub dictionary_entries: usize,
    /// `search_limit`: the most matches `search --limit` may ask for.
    pub search_limit: usize,
    /// `search_context`: the most paragraphs `search --context` may ask for.
    pub search_context: usize,
}

/// The bytes an entry may inflate to before its ratio is looked at.
pub const RATIO_FROM: u64 = MB;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            file_mb: 256,
            unzipped_mb: 256,
            zip_ratio: 200,
            header_depth: 16,
            dictionary_entries: 200_000,
            search_limit: 100_000,
            search_context: 1_000,
        }
    }
}

/// The keys of `[limits]`, for the help of a misspelt one.
pub const LIMIT_KEYS: &str =
    "file_mb, unzipped_mb, zip_ratio, header_depth, dictionary_entries, search_limit, search_context";

/// An input over a bound: what was over, and the help naming the setting to raise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct OverLimit {
    pub message: String,
    pub help: String,
}

impl OverLimit {
    /// `what` (e.g. "word/document.xml inflates to") over `limit` of setting `key`.
    pub fn new(
        what: impl std::fmt::Display,
        key: &str,
        limit: impl std::fmt::Display,
    ) -> OverLimit {
        OverLimit {
            message: format!("{what} more than {limit}, the limit ([limits] {key})"),
            help: format!(
                "if the file is meant to be this large, raise {key} under [limits] in qcode.toml"
            ),
        }
    }
}

impl Limits {
    /// A file of `size` bytes, to be read whole: over `file_mb`?
    pub fn check_file(&self, size: u64) -> Result<(), OverLimit> {
        if size > self.file_mb.saturating_mul(MB) {
            return Err(OverLimit::new(
                format!("the file is {} MB,", size.div_ceil(MB)),
                "file_mb",
                format!("{} MB", self.file_mb),
            ));
        }
        Ok(())
    }

    /// Read one zip entry (`name`, `compressed` bytes in the package) whole, stopping as soon as
    /// it inflates past `unzipped_mb` or, once past [`RATIO_FROM`], past `zip_ratio` times its
    /// compressed size: a zip bomb costs at most the bound, never the memory it asks for.
    pub fn read_entry(
        &self,
        name: &str,
        compressed: u64,
        mut entry: impl Read,
    ) -> Result<Vec<u8>, EntryError> {
        let max = self.unzipped_mb.saturating_mul(MB);
        let ratio_max = compressed
            .max(1)
            .saturating_mul(self.zip_ratio)
            .max(RATIO_FROM);
        let mut out = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match entry.read(&mut buf) {
                Ok(0) => return Ok(out),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(EntryError::Io(e)),
            };
            out.extend_from_slice(&buf[..n]);
            let len = out.len() as u64;
            if len > max {
                return Err(EntryError::Over(OverLimit::new(
                    format!("{name} inflates to"),
                    "unzipped_mb",
                    format!("{} MB", self.unzipped_mb),
                )));
            }
            if len > ratio_max {
                return Err(EntryError::Over(OverLimit::new(
                    format!("{name} ({compressed} bytes in the package) inflates to"),
                    "zip_ratio",
                    format!("{} times its size (a zip bomb?)", self.zip_ratio),
                )));
            }
        }
    }
}

/// Why a zip entry could not be read: over a bound, or unreadable.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    #[error("{0}")]
    Over(OverLimit),
    #[error("{0}")]
    Io(std::io::Error),
}

/// Where `yaml` first nests deeper than `max`, scanned once (linear, whatever the nesting):
/// block levels by their indentation, flow levels by brackets outside quotes and comments. An
/// upper bound of what a YAML parser sees, close enough to refuse a header before parsing it.
pub fn yaml_too_deep(yaml: &str, max: usize) -> Option<usize> {
    let mut indents: Vec<usize> = Vec::new();
    let mut offset = 0;
    for line in yaml.split_inclusive('\n') {
        let body = line.trim_start_matches([' ', '\t']);
        let indent = line.len() - body.len();
        let content = body.trim_end();
        if !content.is_empty() && !content.starts_with('#') {
            while indents.last().is_some_and(|&i| i >= indent) {
                indents.pop();
            }
            indents.push(indent);
            // `- - - a` opens a level per dash.
            let dashes = content.split(' ').take_while(|w| *w == "-").count();
            let mut level = indents.len() + dashes;
            if level > max {
                return Some(offset + indent);
            }
            let mut quote: Option<char> = None;
            for (i, c) in content.char_indices() {
                match (quote, c) {
                    (Some(q), c) if c == q => quote = None,
                    (Some(_), _) => {}
                    (None, '"' | '\'') => quote = Some(c),
                    (None, '#') => break,
                    (None, '[' | '{') => {
                        level += 1;
                        if level > max {
                            return Some(offset + indent + i);
                        }
                    }
                    (None, ']' | '}') => level = level.saturating_sub(1),
                    _ => {}
                }
            }
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zip_bomb_stops_at_the_ratio_and_a_large_entry_at_the_size() {
        let limits = Limits::default();
        let zeros = std::io::repeat(0).take(10 * MB);
        let e = limits.read_entry("x.xml", 1000, zeros).unwrap_err();
        assert!(e.to_string().contains("[limits] zip_ratio"), "{e}");
        let small = Limits {
            unzipped_mb: 1,
            ..Limits::default()
        };
        let e = small
            .read_entry("x.xml", 10 * MB, std::io::repeat(b'a').take(2 * MB))
            .unwrap_err();
        assert!(e.to_string().contains("[limits] unzipped_mb"), "{e}");
        let ok = limits.read_entry("x.xml", 10, &b"hello"[..]).unwrap();
        assert_eq!(ok, b"hello");
    }

    /// The deepest level `yaml` reaches.
    fn depth(yaml: &str) -> usize {
        (0..)
            .find(|&max| yaml_too_deep(yaml, max).is_none())
            .unwrap()
    }

    #[test]
    fn yaml_depth_counts_blocks_flows_and_dashes_but_not_quoted_brackets() {
        assert_eq!(depth("a: 1\nb: 2\n"), 1);
        assert_eq!(depth("speakers:\n  P1: {role: r, age: [1, 2]}\n"), 4);
        assert_eq!(depth("a: '[[[['\n"), 1);
        assert_eq!(depth("a: [[[1]]] # {{{{\n"), 4);
        assert_eq!(depth("a:\n - - - x\n"), 5);
        let deep: String = (0..100)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert_eq!(depth(&deep), 100);
        assert_eq!(yaml_too_deep(&deep, 16), deep.find(" k16:").map(|i| i + 1));
        let flow = format!("x: {}{}", "[".repeat(50), "]".repeat(50));
        assert_eq!(depth(&flow), 51);
        assert_eq!(yaml_too_deep(&flow, 16), Some(3 + 15));
    }

    #[test]
    fn a_file_over_file_mb_names_the_setting() {
        let e = Limits::default().check_file(300 * MB).unwrap_err();
        assert_eq!(
            e.message,
            "the file is 300 MB, more than 256 MB, the limit ([limits] file_mb)"
        );
        assert!(Limits::default().check_file(MB).is_ok());
    }
}
