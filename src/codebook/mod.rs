//! The codebook: the TOML files in the project's codebook/ folder, combined into one. It owns the
//! codes (documented the way qualitative codebooks are: definition, when to use, when not to,
//! examples, counterexamples) with the patterns that apply them, the code hierarchy, and the role
//! table that maps speaker labels to canonical roles.

mod alias;
mod cache;
pub mod dictionary;
mod load;
pub mod pattern;
pub mod tree;

pub use alias::{add_alias, with_alias, AliasEdit, AliasError};
pub use cache::{load_cached, load_shared};
pub use load::{is_color, load, load_path, load_path_within, load_texts};
pub use pattern::{dictionary_entry, DictEntry, Elem, Pattern, PatternError, PatternKind};

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diag::SourceError;
use crate::roles::RoleTable;
use crate::text::tokens::TokenOptions;

/// How a codebook's patterns are matched (`matching = "rules" | "dictionary"` in `[codebook]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Matching {
    /// Words by Unicode segmentation, possessives dropped, optional stemming; within a code
    /// overlapping hits count once (leftmost, longest); exclusions, NEAR, regexes, min_hits.
    #[default]
    Rules,
    /// A counting dictionary, as WordStat, LIWC or pyahocorasick count: every occurrence of
    /// every entry counts, overlaps included; a word is a run of ASCII letters, digits and `_`;
    /// entries are words, phrases and trailing globs (`trust*`); no stemming, no exclusions.
    Dictionary,
}

/// One code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Code {
    pub id: String,
    pub label: String,
    /// component, stakeholder, principle, stance, … (default `code`).
    pub dimension: String,
    pub parent: Option<String>,
    pub definition: String,
    pub use_when: String,
    pub dont_use_when: String,
    pub examples: Vec<String>,
    pub counterexamples: Vec<String>,
    pub patterns: Vec<Pattern>,
    /// Hits overlapping a hit of one of these are dropped.
    pub exclude: Vec<Pattern>,
    /// Hits a segment needs for the code to apply.
    pub min_hits: usize,
    /// `#RRGGBB`, as written (other tools show the code in it; REFI-QDA carries it).
    pub color: Option<String>,
    /// False for a grouping code (`codable = false`): it only gathers its children, has no
    /// patterns, and nobody applies it.
    pub codable: bool,
    /// Where the code is defined.
    pub file: PathBuf,
    pub line: usize,
}

impl Code {
    /// A code with an id, label and dimension, and nothing else yet (no patterns, min_hits 1):
    /// for building codebooks in code rather than from files.
    pub fn new(id: &str, label: &str, dimension: &str) -> Code {
        Code {
            id: id.into(),
            label: label.into(),
            dimension: dimension.into(),
            parent: None,
            definition: String::new(),
            use_when: String::new(),
            dont_use_when: String::new(),
            examples: Vec::new(),
            counterexamples: Vec::new(),
            patterns: Vec::new(),
            exclude: Vec::new(),
            min_hits: 1,
            color: None,
            codable: true,
            file: PathBuf::new(),
            line: 0,
        }
    }
}

/// All codebook files of a project, combined.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Codebook {
    pub name: String,
    pub version: String,
    pub language: String,
    pub options: TokenOptions,
    /// How patterns are matched: by rules over words (the default) or as a counting dictionary.
    pub matching: Matching,
    /// In file order, then order of appearance.
    pub codes: Vec<Code>,
    pub roles: RoleTable,
    /// blake3 of every codebook file (names and contents): recorded with codings and exports.
    pub hash: String,
    pub files: Vec<PathBuf>,
    /// Each code's place in `codes`, made on the first look-up by id.
    #[serde(skip)]
    pub by_id: CodeIndex,
}

/// Where each code is in [`Codebook::codes`], by id: a look-up is one hash, so walking parents
/// (depth, ancestors) of every code stays near linear. Made on the first look-up; every hit is
/// checked against `codes` and a miss searches them, so `codes` changed after it is still
/// right, only slower.
#[derive(Debug, Clone, Default)]
pub struct CodeIndex(std::sync::OnceLock<HashMap<String, usize>>);

impl Codebook {
    /// An empty codebook (no codes, no roles): what a project without codebook/ gets.
    pub fn empty() -> Codebook {
        Codebook {
            name: "codebook".into(),
            version: "0".into(),
            language: "en".into(),
            options: TokenOptions {
                stem: false,
                case_sensitive: false,
                language: crate::text::Language::English,
            },
            matching: Matching::Rules,
            codes: Vec::new(),
            roles: RoleTable::default(),
            hash: blake3::hash(b"").to_hex().to_string(),
            files: Vec::new(),
            by_id: CodeIndex::default(),
        }
    }

    pub fn code(&self, id: &str) -> Option<&Code> {
        let index = self.by_id.0.get_or_init(|| {
            let mut index = HashMap::with_capacity(self.codes.len());
            for (i, c) in self.codes.iter().enumerate() {
                index.entry(c.id.clone()).or_insert(i);
            }
            index
        });
        let hit = index.get(id).and_then(|&i| self.codes.get(i));
        match hit.filter(|c| c.id == id) {
            Some(c) => Some(c),
            None => self.codes.iter().find(|c| c.id == id),
        }
    }

    /// The code and every code below it (children, grandchildren, …), in codebook order.
    pub fn with_descendants(&self, id: &str) -> Vec<&Code> {
        self.codes
            .iter()
            .filter(|c| self.ancestors_and_self(&c.id).iter().any(|a| a == id))
            .collect()
    }

    /// `id`, its parent, its parent's parent, … (cycles are rejected when loading).
    pub fn ancestors_and_self(&self, id: &str) -> Vec<String> {
        let mut out = vec![id.to_string()];
        // A set beside the list once the chain is long: a 4,000-deep chain is walked in 4,000
        // steps, not 4,000², and a short one (every real one) costs no hashing.
        let mut seen: HashSet<String> = HashSet::new();
        let mut cur = self.code(id).and_then(|c| c.parent.clone());
        while let Some(p) = cur {
            let again = match out.len() {
                0..=32 => out.contains(&p),
                _ => {
                    if seen.is_empty() {
                        seen.extend(out.iter().cloned());
                    }
                    !seen.insert(p.clone())
                }
            };
            if again {
                break;
            }
            cur = self.code(&p).and_then(|c| c.parent.clone());
            out.push(p);
        }
        out
    }

    /// Depth in the hierarchy (0 for a top-level code).
    pub fn depth(&self, id: &str) -> usize {
        // Counted without collecting the chain; loading rejects cycles, and a codebook built
        // otherwise is still bounded by its number of codes.
        let mut depth = 0;
        let mut cur = self.code(id).and_then(|c| c.parent.as_deref());
        while let Some(p) = cur.filter(|_| depth < self.codes.len()) {
            depth += 1;
            cur = self.code(p).and_then(|c| c.parent.as_deref());
        }
        depth
    }
}

/// Every `*.toml` file directly in `dir`, sorted by name (the order files combine in).
pub fn codebook_files(dir: &Path) -> Result<Vec<PathBuf>, SourceError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| SourceError::whole_file(dir, format!("cannot read codebook folder: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Errors from loading a codebook, as one error value.
#[derive(Debug, thiserror::Error)]
#[error("{}\n{} problem(s) in the codebook; run `qcode codebook check` for the full list", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"), .0.len())]
pub struct CodebookErrors(pub Vec<SourceError>);

/// Load the project's codebook, as an error value fit for `?`: a folder of TOML files (none
/// yet is an empty codebook), or one file (TOML, or a dictionary in a format `codebook import`
/// reads, such as the benchmark's JSON).
pub fn load_codebook(path: &Path) -> Result<Codebook, CodebookErrors> {
    load_codebook_within(path, &crate::text::Limits::default())
}

/// [`load_codebook`] within qcode.toml's `[limits]` (a dictionary file's entries).
pub fn load_codebook_within(
    path: &Path,
    limits: &crate::text::Limits,
) -> Result<Codebook, CodebookErrors> {
    let loaded = if path.is_file() {
        load::load_path_within(path, limits)
    } else {
        load(path)
    };
    loaded.map(|(cb, _)| cb).map_err(CodebookErrors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    const GOOD: &str = r#"
[codebook]
name = "test"
version = "1.2"
stem = true

[codes.council]
label = "The council"
dimension = "stakeholder"
patterns = ["council*"]
examples = ["the council"]

[codes.officers]
label = "Officers"
dimension = "stakeholder"
parent = "council"
patterns = ["officer"]
examples = ["an officer"]
"#;

    #[test]
    fn loads_codes_in_order_with_hierarchy() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "a.toml", GOOD);
        write(
            d.path(),
            "roles.toml",
            "[roles.resident]\nlabel = \"Resident\"\n",
        );
        let (cb, w) = load(d.path()).unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(cb.name, "test");
        assert!(cb.options.stem);
        let ids: Vec<&str> = cb.codes.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["council", "officers"]);
        assert_eq!(cb.with_descendants("council").len(), 2);
        assert_eq!(cb.ancestors_and_self("officers"), ["officers", "council"]);
        assert_eq!(cb.roles.resolve("resident").unwrap().id, "resident");
        assert_eq!(cb.codes[1].line, 13);
    }

    fn errors(files: &[(&str, &str)]) -> Vec<SourceError> {
        let d = tempfile::tempdir().unwrap();
        for (n, t) in files {
            write(d.path(), n, t);
        }
        load(d.path()).unwrap_err()
    }

    #[test]
    fn every_problem_is_located() {
        let e = errors(&[("a.toml", "[codes.x]\nlabel = \"X\"\npaterns = [\"a\"]\n")]);
        assert_eq!((e[0].line, e[0].col), (3, 1), "{}", e[0]);
        assert!(e[0].message.contains("unknown field"));

        let e = errors(&[(
            "a.toml",
            "[codes.x]\nlabel = \"X\"\npatterns = [\"ok\", \"council NEAR listen\"]\n",
        )]);
        assert_eq!((e[0].line, e[0].col), (3, 28), "{}", e[0]);
        assert!(e[0].message.contains("NEAR needs a distance"));

        let e = errors(&[
            ("a.toml", "[codes.x]\nlabel = \"X\"\n"),
            ("b.toml", "[codes.x]\nlabel = \"Y\"\n"),
        ]);
        assert!(e[0].message.contains("already defined in"), "{}", e[0]);
        assert!(e[0].path.ends_with("b.toml"));

        let e = errors(&[("a.toml", "[codes.x]\nlabel = \"X\"\nparent = \"nope\"\n")]);
        assert!(e[0].message.contains("unknown parent `nope`"), "{}", e[0]);
        assert_eq!(e[0].line, 3);

        let e = errors(&[(
            "a.toml",
            "[codes.a]\nlabel = \"A\"\nparent = \"b\"\n[codes.b]\nlabel = \"B\"\nparent = \"a\"\n",
        )]);
        assert!(
            e.iter().any(|e| e.message.contains("cycle of parents")),
            "{e:?}"
        );

        let e = errors(&[(
            "a.toml",
            "[codes.x]\nlabel = \"X\"\npatterns = [\"\\\"open\"]\n",
        )]);
        assert!(e[0].message.contains("never closed"), "{}", e[0]);

        let e = errors(&[("a.toml", "[codes.x\nlabel = 1\n")]);
        assert_eq!(e[0].line, 1);
    }

    #[test]
    fn a_code_without_patterns_is_valid_and_one_with_patterns_needs_examples() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            "a.toml",
            "[codes.x]\nlabel = \"X\"\n[codes.y]\nlabel = \"Y\"\npatterns = [\"y\"]\n",
        );
        let (_, w) = load(d.path()).unwrap();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].message.contains("`y` has no examples"), "{w:?}");
    }

    #[test]
    fn colours_and_grouping_codes() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            "a.toml",
            "[codes.g]\nlabel = \"G\"\ncodable = false\ncolor = \"#1f77B4\"\n[codes.x]\nlabel = \"X\"\nparent = \"g\"\n",
        );
        let (cb, _) = load(d.path()).unwrap();
        assert!(!cb.codes[0].codable);
        assert_eq!(cb.codes[0].color.as_deref(), Some("#1f77B4"));
        assert!(cb.codes[1].codable);
        assert_eq!(cb.codes[1].color, None);

        for bad in ["red", "#12345", "#1234567", "#GGGGGG", "1F77B4"] {
            let e = errors(&[(
                "a.toml",
                &format!("[codes.x]\nlabel = \"X\"\ncolor = \"{bad}\"\n"),
            )]);
            assert_eq!((e[0].line, e[0].col), (3, 10), "{}", e[0]);
            assert!(e[0].message.contains("is not a colour"), "{}", e[0]);
        }
        let e = errors(&[("a.toml", "[codes.x]\nlabel = \"X\"\ncolor = 3\n")]);
        assert_eq!(e[0].line, 3, "{}", e[0]);

        let e = errors(&[(
            "a.toml",
            "[codes.g]\nlabel = \"G\"\ncodable = false\npatterns = [\"g\"]\n",
        )]);
        assert_eq!((e[0].line, e[0].col), (4, 13), "{}", e[0]);
        assert!(e[0].message.contains("grouping code"), "{}", e[0]);
    }

    #[test]
    fn dictionary_matching_is_checked_where_it_is_written() {
        let e = errors(&[("a.toml", "[codebook]\nmatching = \"fuzzy\"\n")]);
        assert_eq!((e[0].line, e[0].col), (2, 12), "{}", e[0]);
        assert!(e[0].message.contains("unknown matching `fuzzy`"));

        let e = errors(&[(
            "a.toml",
            "[codebook]\nmatching = \"dictionary\"\nstem = true\n",
        )]);
        assert!(
            e[0].message.contains("stem = true cannot be combined"),
            "{}",
            e[0]
        );

        let e = errors(&[(
            "a.toml",
            "[codebook]\nmatching = \"dictionary\"\n[codes.x]\nlabel = \"X\"\npatterns = [\"tr*st\"]\nexclude = [\"a\"]\n",
        )]);
        assert_eq!((e[0].line, e[0].col), (5, 16), "{}", e[0]);
        assert!(
            e[0].message.contains("`*` may only end the entry"),
            "{}",
            e[0]
        );
        assert!(e[1].message.contains("has exclusions"), "{}", e[1]);

        // Matching must agree across files, like stem and case.
        let e = errors(&[
            ("a.toml", "[codebook]\nmatching = \"dictionary\"\n"),
            ("b.toml", "[codebook]\nmatching = \"rules\"\n"),
        ]);
        assert!(e[0].message.contains("options differ"), "{}", e[0]);

        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            "a.toml",
            "[codebook]\nmatching = \"dictionary\"\n[codes.\"C01.01\"]\nlabel = \"X\"\npatterns = [\"trust*\", '\"lack of trust\"', \"don't\"]\n",
        );
        let (cb, _) = load(d.path()).unwrap();
        assert_eq!(cb.matching, Matching::Dictionary);
        assert_eq!(cb.codes[0].id, "C01.01");
        assert_eq!(cb.codes[0].patterns.len(), 3);
    }
}
