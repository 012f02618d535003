//! The role table: role id → label and aliases. Speaker labels in transcripts are spelled every
//! which way ("LTO rep", "Locally Trusted Organisation representative"); the table maps them all to
//! one id (`lto_rep`) so searches and matrices count them together.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::diag::{line_col, SourceError};

/// One canonical role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub id: String,
    pub label: String,
    pub aliases: Vec<String>,
}

/// All roles, with a lookup from normalised alias to role id.
#[derive(Debug, Clone, Default)]
pub struct RoleTable {
    roles: BTreeMap<String, Role>,
    by_alias: HashMap<String, String>,
}

/// Spans kept, so an error points at the role or alias itself, never at a comment or another
/// table that happens to contain the same text.
#[derive(Debug, Deserialize)]
struct RawFile {
    #[serde(default)]
    roles: BTreeMap<Spanned<String>, Spanned<RawRole>>,
    // Other tables (codes, options) belong to other parts of the codebook.
    #[serde(flatten)]
    _rest: toml::Table,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    label: Spanned<String>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
}

/// The id of the role whose speakers ask the questions: kept as context, not coded or searched.
pub const INTERVIEWER_ROLE: &str = "interviewer";

/// A role given to a label ([`RoleTable::assign`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    pub id: String,
    pub label: String,
    /// The role table knows the label (else the role was made from it).
    pub known: bool,
}

impl RoleTable {
    /// Add the `[roles]` of one codebook file. An alias claimed by two roles is an error.
    pub fn add_file(&mut self, path: &Path, text: &str) -> Result<(), SourceError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            SourceError::new(path, line, col, e.message().trim().to_string())
                .with_source(text)
                .with_help(
                    "a role is written [roles.ID] with label = \"...\" and aliases = [\"...\"]",
                )
        })?;
        let at = |span: std::ops::Range<usize>| line_col(text, span.start);
        for (key, table) in raw.roles {
            let id = key.get_ref().clone();
            if self.roles.contains_key(&id) {
                let (l, c) = at(table.span());
                return Err(
                    SourceError::new(path, l, c, format!("role `{id}` is defined twice"))
                        .with_source(text)
                        .with_help("role ids must be unique across all codebook files"),
                );
            }
            let r = table.into_inner();
            // The id, the label and each alias, each with where it is written.
            let mut names = vec![
                (id.clone(), key.span()),
                (r.label.get_ref().clone(), r.label.span()),
            ];
            names.extend(r.aliases.iter().map(|a| (a.get_ref().clone(), a.span())));
            for (name, span) in names {
                let key = normalise_label(&name);
                match self.by_alias.get(&key) {
                    Some(other) if other != &id => {
                        let (l, c) = at(span);
                        return Err(SourceError::new(
                            path,
                            l,
                            c,
                            format!("alias \"{name}\" belongs to both `{other}` and `{id}`"),
                        )
                        .with_source(text)
                        .with_help("keep each alias under one role only"));
                    }
                    _ => {
                        self.by_alias.insert(key, id.clone());
                    }
                }
            }
            self.roles.insert(
                id.clone(),
                Role {
                    id,
                    label: r.label.into_inner(),
                    aliases: r.aliases.into_iter().map(Spanned::into_inner).collect(),
                },
            );
        }
        Ok(())
    }

    /// The role a label (as written in a transcript header or CSV) stands for.
    pub fn resolve(&self, label: &str) -> Option<&Role> {
        self.by_alias
            .get(&normalise_label(label))
            .and_then(|id| self.roles.get(id))
    }

    /// The role id and label `label` is given: the table's role when it knows the label, else a
    /// role made from it (its [`slug`], the label as written). The one rule every reader and
    /// filter follows, so how labels map to roles changes here and nowhere else.
    pub fn assign(&self, label: &str) -> Assigned {
        match self.resolve(label) {
            Some(r) => Assigned {
                id: r.id.clone(),
                label: r.label.clone(),
                known: true,
            },
            None => Assigned {
                id: slug(label),
                label: label.to_string(),
                known: false,
            },
        }
    }

    pub fn get(&self, id: &str) -> Option<&Role> {
        self.roles.get(id)
    }

    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Role> {
        self.roles.values()
    }
}

/// Lowercase, single spaces, no punctuation or spaces at either end: "  LTO Rep. " → "lto rep".
pub fn normalise_label(s: &str) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    let joined = words.join(" ").to_lowercase();
    joined
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

/// A role id made from a label nobody declared: "Ward Councillor (Lab)" → "ward_councillor_lab".
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.to_lowercase().chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.is_empty() {
        "unknown".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: &str = r#"
[roles.lto_rep]
label = "LTO representative"
aliases = ["LTO rep", "Locally Trusted Organisation representative"]

[roles.councillor]
label = "Councillor"
aliases = ["Cllr", "Elected member"]
"#;

    #[test]
    fn aliases_resolve_whatever_the_spelling() {
        let mut t = RoleTable::default();
        t.add_file(Path::new("roles.toml"), ROLES).unwrap();
        assert_eq!(t.resolve("  lto REP. ").unwrap().id, "lto_rep");
        assert_eq!(
            t.resolve("Locally Trusted Organisation  representative")
                .unwrap()
                .id,
            "lto_rep"
        );
        assert_eq!(t.resolve("cllr").unwrap().id, "councillor");
        assert_eq!(t.resolve("councillor").unwrap().label, "Councillor");
        assert!(t.resolve("Resident").is_none());
    }

    #[test]
    fn a_label_is_assigned_the_tables_role_or_one_made_from_it() {
        let mut t = RoleTable::default();
        t.add_file(Path::new("roles.toml"), ROLES).unwrap();
        let known = t.assign("Cllr");
        assert_eq!((known.id.as_str(), known.known), ("councillor", true));
        assert_eq!(known.label, "Councillor");
        let made = t.assign("Ward Officer");
        assert_eq!(
            (made.id.as_str(), made.label.as_str()),
            ("ward_officer", "Ward Officer")
        );
        assert!(!made.known);
    }

    #[test]
    fn alias_in_two_roles_is_an_error_with_location() {
        let mut t = RoleTable::default();
        let text = format!("{ROLES}\n[roles.member]\nlabel = \"Member\"\naliases = [\"Cllr\"]\n");
        let e = t.add_file(Path::new("r.toml"), &text).unwrap_err();
        assert!(e.message.contains("belongs to both"), "{e}");
        // The second "Cllr", where the conflict is, not the first.
        assert_eq!((e.line, e.col), (12, 12), "{e}");
    }

    #[test]
    fn errors_point_past_comments_that_hold_the_same_text() {
        // Each file is added after ROLES; a comment naming the alias (or the table) comes first.
        let error = |text: &str| {
            let mut t = RoleTable::default();
            t.add_file(Path::new("a.toml"), ROLES).unwrap();
            t.add_file(Path::new("r.toml"), text).unwrap_err()
        };
        let e = error("# \"Cllr\" is a councillor; see [roles.councillor]\n[roles.member]\nlabel = \"Member\"\naliases = [\"x\", \"Cllr\"]\n");
        assert!(
            e.message
                .contains("alias \"Cllr\" belongs to both `councillor` and `member`"),
            "{e}"
        );
        assert_eq!((e.line, e.col), (4, 17), "{e}");
        // A label and an id are located too.
        let e = error("# label = \"Councillor\"\n[roles.x]\nlabel = \"Councillor\"\n");
        assert_eq!((e.line, e.col), (3, 9), "{e}");
        let e = error("# roles.cllr\n[roles.cllr]\nlabel = \"C\"\n");
        assert_eq!((e.line, e.col), (2, 8), "{e}");
        // A role defined twice is located on its table, not on a comment naming it.
        let e = error("# [roles.lto_rep]\n\n[roles.lto_rep]\nlabel = \"L\"\n");
        assert!(e.message.contains("role `lto_rep` is defined twice"), "{e}");
        assert_eq!((e.line, e.col), (3, 1), "{e}");
    }

    #[test]
    fn unknown_key_in_a_role_is_an_error() {
        let mut t = RoleTable::default();
        let e = t
            .add_file(
                Path::new("r.toml"),
                "[roles.x]\nlabel = \"X\"\nalias = [\"y\"]\n",
            )
            .unwrap_err();
        assert!(e.message.contains("unknown field"), "{e}");
    }

    #[test]
    fn slugs_are_readable() {
        assert_eq!(slug("Ward Councillor (Lab)"), "ward_councillor_lab");
        assert_eq!(slug("Sir Wyn Williams"), "sir_wyn_williams");
        assert_eq!(slug("--"), "unknown");
    }
}
