//! An imported project's codes as ours: its code tree (hierarchy, colours, descriptions and
//! notes, grouping codes) planned as a codebook file beside the project's codebook
//! ([`crate::codebook::tree`]), existing codes reused, and every code GUID mapped to the id its
//! codings are recorded under. The file is checked to load with the codebook it joins before
//! anything is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::guid;
use super::import::{ImportedCode, ImportedProject};
use crate::codebook::tree::{plan_tree, TreeCode, TreePlan};
use crate::codebook::{is_color, load_texts, Codebook, CodebookErrors};

/// What an import does to the codebook.
#[derive(Debug, Clone)]
pub struct CodesPlan {
    pub tree: TreePlan,
    /// Where the tree's file goes (a free name in codebook/, after the package); written only
    /// when the tree has new codes ([`TreePlan::toml`]).
    pub path: PathBuf,
    /// Their code GUID (uppercase) → our code id.
    pub ids: BTreeMap<String, String>,
}

impl CodesPlan {
    /// The id a code GUID is recorded under, if the package defines that code.
    pub fn id(&self, guid: &str) -> Option<&str> {
        self.ids.get(&guid.to_uppercase()).map(String::as_str)
    }
}

/// Plan the package's codes as `codebook_dir/STEM.toml` beside `codebook` (STEM: the package's
/// file stem). A file that would not load with the codebook is refused here, with its errors.
pub fn plan_codes(
    imported: &ImportedProject,
    codebook: &Codebook,
    codebook_dir: &Path,
    stem: &str,
) -> Result<CodesPlan, CodebookErrors> {
    let (codes, paths) = code_tree(imported, codebook);
    let tree = plan_tree(&codes, codebook, stem);
    let (path, _) =
        super::import_plan::free_path(codebook_dir, stem, "toml", tree.toml.as_deref(), &[]);
    if let Some(toml) = &tree.toml {
        joins(codebook, codebook_dir, &path, toml)?;
    }
    let ids = paths
        .into_iter()
        .filter_map(|(g, p)| tree.ids.get(&p).map(|id| (g, id.clone())))
        .collect();
    Ok(CodesPlan { tree, path, ids })
}

/// The tree of the package's codes (parents before children, as the package nests them) and
/// each code's path by its GUID (uppercase). A code that is one of qcode's (by its GUID) is
/// named by our label, so it is reused whatever the package calls it.
fn code_tree(
    imported: &ImportedProject,
    codebook: &Codebook,
) -> (Vec<TreeCode>, BTreeMap<String, Vec<String>>) {
    let mut paths: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut codes = Vec::new();
    for c in &imported.codes {
        let ours = codebook
            .codes
            .iter()
            .find(|k| guid("code", &k.id).eq_ignore_ascii_case(&c.guid));
        let name = match ours {
            Some(k) => k.label.clone(),
            None => name_of(c),
        };
        let mut path = c
            .parent
            .as_ref()
            .and_then(|p| paths.get(&p.to_uppercase()))
            .cloned()
            .unwrap_or_default();
        path.push(name);
        paths.insert(c.guid.to_uppercase(), path.clone());
        codes.push(TreeCode {
            path,
            color: c.color.as_deref().and_then(color),
            description: description(imported, c),
            codable: c.codable,
        });
    }
    (codes, paths)
}

/// A code's name as a label: trimmed, one line; "unnamed" when it has none.
fn name_of(c: &ImportedCode) -> String {
    let name = c.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        "unnamed".into()
    } else {
        name
    }
}

/// A REFI-QDA colour (`#RRGGBB` or `#RGB`) as the codebook takes it (`#RRGGBB`); anything else
/// is dropped.
fn color(c: &str) -> Option<String> {
    let hex = c.strip_prefix('#')?;
    let long = match hex.len() {
        3 => hex.chars().flat_map(|d| [d, d]).collect(),
        _ => hex.to_string(),
    };
    let c = format!("#{long}");
    is_color(&c).then_some(c)
}

/// A code's description and the text of the notes it refers to, a blank line apart.
fn description(imported: &ImportedProject, c: &ImportedCode) -> String {
    let notes = c.notes.iter().filter_map(|n| imported.note(n));
    std::iter::once(c.description.trim())
        .chain(notes)
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Whether `toml`, written at `path`, loads with the codebook's files: the tree's file must
/// never leave the project's codebook broken.
fn joins(
    codebook: &Codebook,
    codebook_dir: &Path,
    path: &Path,
    toml: &str,
) -> Result<(), CodebookErrors> {
    let mut files = Vec::new();
    for f in &codebook.files {
        let text = std::fs::read_to_string(f).map_err(|e| {
            CodebookErrors(vec![crate::diag::SourceError::whole_file(
                f,
                format!("cannot read: {e}"),
            )])
        })?;
        files.push((f.clone(), text));
    }
    files.push((path.to_path_buf(), toml.to_string()));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    load_texts(codebook_dir, files)
        .map(|_| ())
        .map_err(CodebookErrors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{load, Code};

    fn code(guid: &str, name: &str, parent: Option<&str>) -> ImportedCode {
        ImportedCode {
            guid: guid.into(),
            name: name.into(),
            parent: parent.map(str::to_string),
            color: None,
            codable: true,
            description: String::new(),
            notes: Vec::new(),
        }
    }

    #[test]
    fn the_package_s_tree_becomes_a_codebook_file_reusing_ours() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("codes.toml"),
            "[codes.trust]\nlabel = \"Trust\"\npatterns = [\"trust\"]\nexamples = [\"trust\"]\n",
        )
        .unwrap();
        let (cb, _) = load(d.path()).unwrap();
        let mut health = code("c1", "Health", None);
        health.codable = false;
        health.color = Some("#f00".into());
        health.description = " Body. ".into();
        health.notes = vec!["N1".into()];
        let mut renamed = code(&guid("code", "trust"), "Vertrauen", Some("C1"));
        renamed.color = Some("blue".into());
        let imported = ImportedProject {
            codes: vec![health, renamed, code("C3", "  Care\n home ", Some("c1"))],
            notes: vec![super::super::import::ImportedNote {
                guid: "N1".into(),
                name: "n".into(),
                text: "And mind.".into(),
            }],
            ..Default::default()
        };
        let plan = plan_codes(&imported, &cb, d.path(), "nvivo").unwrap();
        assert_eq!(plan.path, d.path().join("nvivo.toml"));
        assert_eq!(plan.id("C1"), Some("health"));
        assert_eq!(
            plan.id(&guid("code", "trust").to_lowercase()),
            Some("trust")
        );
        assert_eq!(plan.id("c3"), Some("care_home"));
        assert_eq!(plan.id("C9"), None);
        assert_eq!(plan.tree.new_codes, ["health", "care_home"]);
        assert_eq!(plan.tree.reused, ["trust"]);
        std::fs::write(&plan.path, plan.tree.toml.unwrap()).unwrap();
        let (cb, _) = load(d.path()).unwrap();
        let h = cb.code("health").unwrap();
        assert_eq!((h.codable, h.color.as_deref()), (false, Some("#ff0000")));
        assert_eq!(h.definition, "Body.\n\nAnd mind.");
        assert_eq!(cb.code("care_home").unwrap().label, "Care home");
        assert_eq!(
            cb.code("care_home").unwrap().parent.as_deref(),
            Some("health")
        );
        assert_eq!(cb.code("trust").unwrap().parent, None, "never redefined");
    }

    #[test]
    fn a_file_that_would_break_the_codebook_is_refused() {
        let d = tempfile::tempdir().unwrap();
        // A codebook with a header that the new file cannot disagree with is fine; one whose
        // own codes are broken is refused before anything is written.
        let mut cb = Codebook::empty();
        let mut c = Code::new("x", "X", "d");
        c.parent = Some("missing".into());
        cb.codes.push(c);
        let bad = d.path().join("bad.toml");
        std::fs::write(&bad, "[codes.x]\nlabel = \"X\"\nparent = \"missing\"\n").unwrap();
        cb.files = vec![bad];
        let imported = ImportedProject {
            codes: vec![code("C1", "New", None)],
            ..Default::default()
        };
        assert!(plan_codes(&imported, &cb, d.path(), "p").is_err());
    }
}
