//! Another tool's code tree as a codebook file: paths such as `Health > Trust` (NVivo's nodes,
//! MAXQDA's `A\B`, ATLAS.ti's `A::B`) become codes with their hierarchy, colours and
//! descriptions. Every prefix of a path is a code too (the parents). Codes the project already
//! has (by id or label, any case) are reused, never redefined; only new codes are written.
//! The plan is made without writing anything; the caller writes [`TreePlan::toml`].

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::Codebook;
use crate::roles::slug;

/// `A > B > C`, `A\B\C`, `A::B` (and a plain name) as its labels, trimmed, empty parts dropped.
pub fn parse_code_path(s: &str) -> Vec<String> {
    s.split("::")
        .flat_map(|p| p.split(['>', '\\']))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// One code of the tree, by its path of labels from the top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeCode {
    pub path: Vec<String>,
    /// `#RRGGBB`, when the tool gave one (anything else is dropped by the caller).
    pub color: Option<String>,
    pub description: String,
    /// False for a grouping code (REFI-QDA `isCodable="false"`).
    pub codable: bool,
}

impl TreeCode {
    /// A code with only its path: codable, no colour, no description (a parent the tree only
    /// names on the way to its children).
    pub fn bare(path: Vec<String>) -> TreeCode {
        TreeCode {
            path,
            color: None,
            description: String::new(),
            codable: true,
        }
    }
}

/// What a tree adds to a codebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreePlan {
    /// The new file's text; None when every code already exists.
    pub toml: Option<String>,
    /// Every path (and every prefix of it) → code id.
    pub ids: BTreeMap<Vec<String>, String>,
    /// Ids of the codes the file defines, in tree order.
    pub new_codes: Vec<String>,
    /// Ids of existing codes the tree names, in tree order, each once.
    pub reused: Vec<String>,
}

/// Plan the codebook file for `codes` beside `existing` (`name`: where the tree came from, for
/// the file's header comment). Deterministic: the same tree and codebook give the same file.
pub fn plan_tree(codes: &[TreeCode], existing: &Codebook, name: &str) -> TreePlan {
    let nodes = nodes(codes);
    let mut leaves: HashMap<String, usize> = HashMap::new();
    for n in &nodes {
        *leaves.entry(slug(leaf(&n.path))).or_default() += 1;
    }
    let mut taken: HashSet<String> = existing.codes.iter().map(|c| c.id.to_lowercase()).collect();
    let mut plan = TreePlan {
        toml: None,
        ids: BTreeMap::new(),
        new_codes: Vec::new(),
        reused: Vec::new(),
    };
    let mut written = Vec::new();
    for n in &nodes {
        let shared = leaves[&slug(leaf(&n.path))] > 1;
        if let Some(id) = reusable(existing, &n.path, shared) {
            if !plan.reused.contains(&id) {
                plan.reused.push(id.clone());
            }
            plan.ids.insert(n.path.clone(), id);
            continue;
        }
        let id = new_id(&n.path, shared, &taken);
        taken.insert(id.to_lowercase());
        let parent = (n.path.len() > 1).then(|| plan.ids[&n.path[..n.path.len() - 1]].clone());
        plan.ids.insert(n.path.clone(), id.clone());
        plan.new_codes.push(id.clone());
        written.push((id, parent, n));
    }
    if !written.is_empty() {
        plan.toml = Some(to_toml(&written, name));
    }
    plan
}

fn leaf(path: &[String]) -> &str {
    path.last().map(String::as_str).unwrap_or_default()
}

/// Every path of the tree and every prefix of it, each once, parents before children, in the
/// order the tree first names them. A path the tree gives twice keeps its first description and
/// colour; a parent the tree never gives itself is bare.
fn nodes(codes: &[TreeCode]) -> Vec<TreeCode> {
    let given: HashMap<&[String], &TreeCode> =
        codes.iter().rev().map(|c| (c.path.as_slice(), c)).collect();
    let mut seen: HashSet<&[String]> = HashSet::new();
    let mut out = Vec::new();
    for c in codes {
        for n in 1..=c.path.len() {
            let prefix = &c.path[..n];
            if seen.insert(prefix) {
                out.push(match given.get(prefix) {
                    Some(g) => (*g).clone(),
                    None => TreeCode::bare(prefix.to_vec()),
                });
            }
        }
    }
    out
}

/// The existing code a path names: one whose label or id is the leaf (any case), or, where two
/// codes of the tree share the leaf, only one whose id is the whole path's slug and whose label is
/// the leaf (a label alone would merge them into one).
fn reusable(existing: &Codebook, path: &[String], shared: bool) -> Option<String> {
    let l = leaf(path);
    let found = if shared {
        let whole = slug(&path.join(" "));
        existing
            .codes
            .iter()
            .find(|c| c.id.eq_ignore_ascii_case(&whole) && same(&c.label, l))
    } else {
        existing
            .codes
            .iter()
            .find(|c| c.label.to_lowercase() == l.to_lowercase())
            .or_else(|| {
                existing
                    .codes
                    .iter()
                    .find(|c| c.id.to_lowercase() == l.to_lowercase())
            })
    };
    found.map(|c| c.id.clone())
}

/// Whether two names are the same but for case.
fn same(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// A new code's id: the leaf's slug, else (two leaves of that name, or the slug taken by another
/// code) the whole path's, else that with `_2`, `_3`, … until free.
fn new_id(path: &[String], shared: bool, taken: &HashSet<String>) -> String {
    let whole = slug(&path.join(" "));
    let base = if shared {
        whole.clone()
    } else {
        slug(leaf(path))
    };
    let base = if taken.contains(&base) { whole } else { base };
    if !taken.contains(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|id| !taken.contains(id))
        .expect("some suffix is free")
}

#[derive(serde::Serialize)]
struct TomlFile<'a> {
    codes: TomlCodes<'a>,
}

#[derive(serde::Serialize)]
struct TomlCode<'a> {
    label: &'a str,
    dimension: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<&'a str>,
    #[serde(skip_serializing_if = "is_true")]
    codable: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    definition: &'a str,
}

fn is_true(b: &bool) -> bool {
    *b
}

/// Codes by id, in tree order (a map type would sort them).
struct TomlCodes<'a>(Vec<(&'a str, TomlCode<'a>)>);

impl Serialize for TomlCodes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (id, code) in &self.0 {
            map.serialize_entry(id, code)?;
        }
        map.end()
    }
}

/// The new codes as codebook TOML, with a header saying where they came from and how they were
/// named. No `[codebook]` table: the file joins a codebook whose options it must not change.
fn to_toml(written: &[(String, Option<String>, &TreeCode)], name: &str) -> String {
    let codes = written
        .iter()
        .map(|(id, parent, n)| {
            let code = TomlCode {
                label: leaf(&n.path),
                dimension: slug(&n.path[0]),
                parent: parent.as_deref(),
                color: n.color.as_deref().filter(|c| super::is_color(c)),
                codable: n.codable,
                definition: n.description.trim(),
            };
            (id.as_str(), code)
        })
        .collect();
    let mut out = format!(
        "# The code tree of {}, imported by qcode.\n\
         # Labels are the tree's names; ids are their slugs (the whole path's where two codes share\n\
         # a name); `parent` keeps the hierarchy; `dimension` is the slug of each code's top-level\n\
         # ancestor. Codes the codebook already had were reused, not redefined. These codes have\n\
         # no patterns: people apply them; add patterns to let the machine apply them too.\n\n",
        one_line(name)
    );
    // Strings, booleans and tables of them always serialise.
    out.push_str(
        &toml::to_string(&TomlFile {
            codes: TomlCodes(codes),
        })
        .expect("plain TOML"),
    );
    out
}

/// A name as one line of a comment.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{load, Code};

    fn path(s: &str) -> Vec<String> {
        parse_code_path(s)
    }

    #[test]
    fn paths_in_every_tool_s_notation() {
        assert_eq!(path("A > B > C"), ["A", "B", "C"]);
        assert_eq!(path(r"A\B\C"), ["A", "B", "C"]);
        assert_eq!(path("A::B"), ["A", "B"]);
        assert_eq!(path("  Trust  "), ["Trust"]);
        assert_eq!(path(" > A >> B \\ "), ["A", "B"]);
        assert!(path("  ").is_empty());
    }

    fn code(p: &str, color: Option<&str>, description: &str, codable: bool) -> TreeCode {
        TreeCode {
            path: path(p),
            color: color.map(str::to_string),
            description: description.into(),
            codable,
        }
    }

    /// A bundled-style codebook: a header with options and a code with patterns, and a role.
    const BUNDLED: &str = "[codebook]\nname = \"study\"\nstem = true\n\n[codes.trust]\nlabel = \"Trust\"\ndimension = \"component\"\npatterns = [\"trust\"]\nexamples = [\"we trust\"]\n\n[codes.care_home]\nlabel = \"Care home\"\n";

    fn existing(dir: &std::path::Path) -> Codebook {
        std::fs::write(dir.join("codes.toml"), BUNDLED).unwrap();
        load(dir).unwrap().0
    }

    fn tree() -> Vec<TreeCode> {
        vec![
            code(
                "Health > Care",
                Some("#FF0000"),
                "Care given.\nAnd received.",
                true,
            ),
            code("Health > Trust", None, "", true),
            code("Health > Trust > Doctors", Some("#00ff00"), "", true),
            code("Economy > Trust", None, "", true),
            code("Economy", Some("#0000FF"), "Money \"matters\"", false),
            code("Covid::Care Home", None, "", true),
            code("Koronavírus: a járvány", None, "", true),
        ]
    }

    #[test]
    fn a_tree_becomes_a_file_that_loads_with_the_codebook() {
        let d = tempfile::tempdir().unwrap();
        let cb = existing(d.path());
        let plan = plan_tree(&tree(), &cb, "nvivo.qdpx");
        let ids = |p: &str| plan.ids[&path(p)].as_str();
        // Trust is shared by two leaves: both get their path's slug; Care Home is reused by
        // label (any case); the others get their leaf's slug.
        assert_eq!(ids("Health"), "health");
        assert_eq!(ids("Health > Care"), "care");
        assert_eq!(ids("Health > Trust"), "health_trust");
        assert_eq!(ids("Health > Trust > Doctors"), "doctors");
        assert_eq!(ids("Economy > Trust"), "economy_trust");
        assert_eq!(ids("Covid > Care Home"), "care_home");
        assert_eq!(plan.reused, ["care_home"]);
        assert_eq!(
            plan.new_codes,
            [
                "health",
                "care",
                "health_trust",
                "doctors",
                "economy",
                "economy_trust",
                "covid",
                "koronavírus_a_járvány"
            ]
        );
        let toml = plan.toml.clone().unwrap();
        assert!(toml.starts_with("# The code tree of nvivo.qdpx"), "{toml}");
        std::fs::write(d.path().join("nvivo.toml"), &toml).unwrap();
        let (cb, warnings) = load(d.path()).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        let get = |id: &str| cb.code(id).unwrap_or_else(|| panic!("{id}\n{toml}"));
        assert_eq!(get("doctors").parent.as_deref(), Some("health_trust"));
        assert_eq!(get("doctors").dimension, "health");
        assert_eq!(get("doctors").color.as_deref(), Some("#00ff00"));
        assert_eq!(get("care").definition, "Care given.\nAnd received.");
        assert_eq!(get("care").label, "Care");
        assert_eq!(get("covid").parent, None);
        assert!(!get("economy").codable);
        assert_eq!(get("economy").definition, "Money \"matters\"");
        assert_eq!(get("economy_trust").parent.as_deref(), Some("economy"));
        assert_eq!(get("koronavírus_a_járvány").label, "Koronavírus: a járvány");
        assert_eq!(cb.code("trust").unwrap().patterns.len(), 1, "not redefined");
        assert_eq!(
            plan_tree(&tree(), &existing(d.path()), "nvivo.qdpx").toml,
            None
        );
    }

    #[test]
    fn the_same_tree_gives_the_same_file() {
        let cb = Codebook::empty();
        let a = plan_tree(&tree(), &cb, "x");
        assert_eq!(a, plan_tree(&tree(), &cb, "x"));
    }

    #[test]
    fn a_reimported_tree_reuses_every_code() {
        let d = tempfile::tempdir().unwrap();
        let plan = plan_tree(&tree(), &Codebook::empty(), "x");
        std::fs::write(d.path().join("x.toml"), plan.toml.unwrap()).unwrap();
        let cb = load(d.path()).unwrap().0;
        let again = plan_tree(&tree(), &cb, "x");
        assert_eq!(again.toml, None);
        assert_eq!(again.ids, plan.ids);
        assert_eq!(again.reused, plan.new_codes);
    }

    #[test]
    fn a_slug_taken_by_another_label_falls_back_to_the_path_then_a_number() {
        let mut cb = Codebook::empty();
        cb.codes
            .push(Code::new("local_knowledge", "Local know-how", "x"));
        cb.codes
            .push(Code::new("a_local_knowledge", "Something else", "x"));
        cb.codes
            .push(Code::new("trust", "Trust in the council", "x"));
        let tree = [
            code("A > Local knowledge!", None, "", true),
            code("Local knowledge", None, "", true),
        ];
        let plan = plan_tree(&tree, &cb, "x");
        assert_eq!(
            plan.ids[&path("A > Local knowledge!")],
            "a_local_knowledge_2"
        );
        assert_eq!(plan.ids[&path("Local knowledge")], "local_knowledge_2");
        // A leaf written as an existing id (any case) is that code.
        let plan = plan_tree(&[code("TRUST", None, "", true)], &cb, "x");
        assert_eq!(plan.reused, ["trust"]);
    }
}
