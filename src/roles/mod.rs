//! The role table: role id → label and aliases. Speaker labels in transcripts are spelled every
//! which way ("LTO rep", "Locally Trusted Organisation (LTO) representative", "The Big Local
//! Partnership Chair"); the table maps them all to one id (`lto_rep`) so searches and matrices
//! count them together. A label meets a role, in this order: as written (case, spacing and
//! punctuation at the ends aside); after forgiving normalisation ([`key`]: all punctuation,
//! articles, parenthesised abbreviations); by a glob or regex alias ([`pattern`]); as the table's
//! default role. A label two roles meet at the same step is left unmapped, never guessed.

mod key;
mod pattern;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diag::{line_col, SourceError};
pub use pattern::is_pattern;
use pattern::AliasPattern;

/// One canonical role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub id: String,
    pub label: String,
    /// Aliases matched as words (the patterns apart).
    pub aliases: Vec<String>,
    /// Glob and regex aliases, as written.
    pub patterns: Vec<String>,
    /// The codebook file that declares the role (where `qcode roles --add` writes).
    pub file: PathBuf,
}

/// All roles, with their lookups.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RoleTable {
    roles: BTreeMap<String, Role>,
    /// [`normalise_label`] of each id, label and alias → role id: a match as written.
    by_alias: HashMap<String, String>,
    /// Each forgiving reading's key of each id, label and alias → the roles it stands for, with
    /// the fewest parentheses dropped to read it so.
    by_key: HashMap<String, BTreeMap<String, u8>>,
    /// Pattern aliases with their roles.
    patterns: Vec<(String, AliasPattern)>,
    /// The role a label no alias meets is given, if the table names one.
    default: Option<String>,
}

/// Spans kept, so an error points at the role or alias itself, never at a comment or another
/// table that happens to contain the same text.
#[derive(Debug, Deserialize)]
struct RawFile {
    #[serde(default)]
    roles: BTreeMap<Spanned<String>, Spanned<RawRole>>,
    // Other tables (codes, options) belong to other parts of the codebook: serde passes over
    // keys a struct does not name (no `deny_unknown_fields` here), building nothing for them.
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
    /// This role takes every label no alias meets.
    default: Option<Spanned<bool>>,
}

/// Where in a file, in bytes.
type Span = std::ops::Range<usize>;

/// Makes an error located at a span of the file being read: (where, message, help).
type Locate<'a> = dyn Fn(Span, String, &str) -> SourceError + 'a;

/// The id of the role whose speakers ask the questions: kept as context, not coded or searched.
pub const INTERVIEWER_ROLE: &str = "interviewer";

/// How a label met its role ([`RoleTable::assign`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// The role's id, label or an alias, ignoring case, extra spaces and punctuation at the ends.
    Exact,
    /// An id, label or alias, after forgiving normalisation (punctuation, articles,
    /// parenthesised abbreviations).
    Normalised,
    /// A glob or regex alias.
    Pattern,
    /// No alias: the table's default role.
    Default,
    /// No role: one was made from the label.
    Unmapped,
    /// These roles (two or more, sorted) met the label at the same step, so none was given it:
    /// a role was made from the label.
    Ambiguous(Vec<String>),
}

impl Match {
    /// The word `qcode roles` shows.
    pub fn name(&self) -> &'static str {
        match self {
            Match::Exact => "exact",
            Match::Normalised => "normalised",
            Match::Pattern => "pattern",
            Match::Default => "default",
            Match::Unmapped => "unmapped",
            Match::Ambiguous(_) => "ambiguous",
        }
    }

    /// An alias (of any kind) met the label.
    pub fn is_alias(&self) -> bool {
        matches!(self, Match::Exact | Match::Normalised | Match::Pattern)
    }
}

/// A role given to a label ([`RoleTable::assign`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    pub id: String,
    pub label: String,
    /// The role table gave the role (an alias or its default), else the role was made from it.
    pub known: bool,
    pub how: Match,
}

impl RoleTable {
    /// Add the `[roles]` of one codebook file. An alias claimed by two roles, a pattern that
    /// does not compile and a second default role are errors.
    pub fn add_file(&mut self, path: &Path, text: &str) -> Result<(), SourceError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            SourceError::new(path, line, col, e.message().trim().to_string())
                .with_source(text)
                .with_help(
                    "a role is written [roles.ID] with label = \"...\" and aliases = [\"...\"]",
                )
        })?;
        let at = |span: Span, msg: String, help: &str| {
            let (l, c) = line_col(text, span.start);
            SourceError::new(path, l, c, msg)
                .with_source(text)
                .with_help(help)
        };
        for (key, table) in raw.roles {
            if self.roles.contains_key(key.get_ref()) {
                return Err(at(
                    table.span(),
                    format!("role `{}` is defined twice", key.get_ref()),
                    "role ids must be unique across all codebook files",
                ));
            }
            let role = self.add_role(&key, table.into_inner(), path, &at)?;
            self.roles.insert(role.id.clone(), role);
        }
        Ok(())
    }

    /// Index one role's id, label and aliases, compile its patterns, note it if it is the
    /// default; errors located by `at`.
    fn add_role(
        &mut self,
        key: &Spanned<String>,
        r: RawRole,
        path: &Path,
        at: &Locate,
    ) -> Result<Role, SourceError> {
        let id = key.get_ref().clone();
        self.set_default(&id, r.default.as_ref(), at)?;
        let (patterns, plain): (Vec<_>, Vec<_>) =
            r.aliases.iter().partition(|a| is_pattern(a.get_ref()));
        // The id, the label and each alias, each with where it is written.
        let names = [
            (key.get_ref(), key.span()),
            (r.label.get_ref(), r.label.span()),
        ]
        .into_iter()
        .chain(plain.iter().map(|a| (a.get_ref(), a.span())));
        for (name, span) in names {
            self.add_name(&id, name).map_err(|other| {
                at(
                    span,
                    format!("alias \"{name}\" belongs to both `{other}` and `{id}`"),
                    "keep each alias under one role only",
                )
            })?;
        }
        for p in &patterns {
            let compiled = AliasPattern::new(p.get_ref()).map_err(|why| {
                let msg = format!("alias \"{}\" of role `{id}` {why}", p.get_ref());
                at(p.span(), msg, PATTERN_HELP)
            })?;
            self.patterns.push((id.clone(), compiled));
        }
        Ok(Role {
            label: r.label.get_ref().clone(),
            aliases: plain.iter().map(|a| a.get_ref().clone()).collect(),
            patterns: patterns.iter().map(|a| a.get_ref().clone()).collect(),
            file: path.to_path_buf(),
            id,
        })
    }

    /// Make `id` the default role when its table says `default = true`; one role only.
    fn set_default(
        &mut self,
        id: &str,
        default: Option<&Spanned<bool>>,
        at: &Locate,
    ) -> Result<(), SourceError> {
        let Some(d) = default.filter(|d| *d.get_ref()) else {
            return Ok(());
        };
        if let Some(other) = &self.default {
            return Err(at(
                d.span(),
                format!("roles `{other}` and `{id}` are both the default role"),
                "write default = true under one role only: the role every label no alias meets is given",
            ));
        }
        self.default = Some(id.to_string());
        Ok(())
    }

    /// Index one id, label or plain alias of role `id`; Err(the other role) when another role
    /// has it as written.
    fn add_name(&mut self, id: &str, name: &str) -> Result<(), String> {
        let exact = normalise_label(name);
        match self.by_alias.get(&exact) {
            Some(other) if other != id => return Err(other.clone()),
            _ => self.by_alias.insert(exact, id.to_string()),
        };
        for r in key::readings(name) {
            let dropped = self.by_key.entry(r.key()).or_default();
            let d = dropped.entry(id.to_string()).or_insert(r.dropped);
            *d = (*d).min(r.dropped);
        }
        Ok(())
    }

    /// The role an alias of which meets `label`, if exactly one does ([`Match::is_alias`]).
    pub fn resolve(&self, label: &str) -> Option<&Role> {
        let (id, how) = self.find(label);
        id.filter(|_| how.is_alias())
            .and_then(|id| self.roles.get(id))
    }

    /// The role id and label `label` is given: the table's role when an alias meets the label,
    /// else its default role, else a role made from it (its [`slug`], the label as written), and
    /// how. The one rule every reader and filter follows, so how labels map to roles changes
    /// here and nowhere else.
    pub fn assign(&self, label: &str) -> Assigned {
        let (id, how) = self.find(label);
        let id = match (&how, id) {
            (Match::Ambiguous(_), _) => None,
            (_, Some(id)) => Some(id),
            (_, None) => self.default.as_deref(),
        };
        match id.and_then(|id| self.roles.get(id)) {
            Some(r) => Assigned {
                id: r.id.clone(),
                label: r.label.clone(),
                known: true,
                how: if how == Match::Unmapped {
                    Match::Default
                } else {
                    how
                },
            },
            None => Assigned {
                id: slug(label),
                label: label.to_string(),
                known: false,
                how,
            },
        }
    }

    /// The role an alias meets `label` with, step by step; Unmapped or Ambiguous with no role.
    fn find(&self, label: &str) -> (Option<&str>, Match) {
        if let Some(id) = self.by_alias.get(&normalise_label(label)) {
            return (Some(id), Match::Exact);
        }
        let readings = key::readings(label);
        let found = self.by_readings(&readings);
        let found = match found.is_empty() {
            true => self.by_patterns(label, &readings),
            false => found,
        };
        match found.as_slice() {
            [] => (None, Match::Unmapped),
            [(id, how)] => (Some(id), how.clone()),
            _ => (
                None,
                Match::Ambiguous(found.iter().map(|(id, _)| id.to_string()).collect()),
            ),
        }
    }

    /// The roles whose names meet a reading of the label with the fewest parentheses dropped
    /// on both sides.
    fn by_readings(&self, readings: &[key::Reading]) -> Vec<(&str, Match)> {
        let mut best: BTreeMap<&str, u16> = BTreeMap::new();
        for r in readings {
            for (id, d) in self.by_key.get(&r.key()).into_iter().flatten() {
                let total = u16::from(r.dropped) + u16::from(*d);
                let b = best.entry(id.as_str()).or_insert(total);
                *b = (*b).min(total);
            }
        }
        let Some(least) = best.values().min().copied() else {
            return Vec::new();
        };
        best.into_iter()
            .filter(|(_, d)| *d == least)
            .map(|(id, _)| (id, Match::Normalised))
            .collect()
    }

    /// The roles a pattern alias of which meets the label as written (spaces collapsed) or any
    /// of its readings.
    fn by_patterns(&self, label: &str, readings: &[key::Reading]) -> Vec<(&str, Match)> {
        if self.patterns.is_empty() {
            return Vec::new();
        }
        let written = label.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut texts = vec![written];
        texts.extend(readings.iter().map(key::Reading::spaced));
        let ids: BTreeSet<&str> = self
            .patterns
            .iter()
            .filter(|(_, p)| texts.iter().any(|t| p.is_match(t)))
            .map(|(id, _)| id.as_str())
            .collect();
        ids.into_iter().map(|id| (id, Match::Pattern)).collect()
    }

    /// The role id a `--role` filter value stands for: the role an alias of which meets it,
    /// else its slug (a role made from a label). Never the default role: a value no alias
    /// meets must not filter for everything the default took.
    pub fn filter_id(&self, value: &str) -> String {
        self.resolve(value)
            .map(|r| r.id.clone())
            .unwrap_or_else(|| slug(value))
    }

    pub fn get(&self, id: &str) -> Option<&Role> {
        self.roles.get(id)
    }

    /// The role every label no alias meets is given, if the table names one.
    pub fn default_role(&self) -> Option<&Role> {
        self.default.as_deref().and_then(|id| self.roles.get(id))
    }

    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Role> {
        self.roles.values()
    }
}

/// The help of an alias pattern that does not compile.
const PATTERN_HELP: &str = "an alias with * ? [ or { is a glob (`*chair*`: the whole label, any case); one between slashes is a regex (`/^cllr\\b/`: any part of the label, any case); write other aliases without those characters";

/// A label's words as roles are matched by (lowercase, no punctuation, no articles), for
/// scoring how alike a label and a role's name are.
pub fn role_words(label: &str) -> Vec<String> {
    key::readings(label).swap_remove(0).words
}

/// Lowercase, single spaces, no punctuation or spaces at either end: "  LTO Rep. " → "lto rep".
/// A label as written, for a role's exact match and for a speaker's key (a speaker "Smith
/// (Chair)" stays apart from "Smith", which the forgiving readings would not keep).
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

    /// The issue's labels and the aliases they must meet.
    const FORGIVING: &str = r#"
[roles.lto_rep]
label = "LTO representative"
aliases = ["Locally Trusted Organisation representative"]

[roles.chair]
label = "Chair"
aliases = ["Big Local partnership chair", "*chair*"]

[roles.councillor]
label = "Councillor"
aliases = ["/^cllr\\b/", "Elected member"]

[roles.other]
label = "Other"
"#;

    fn table(text: &str) -> RoleTable {
        let mut t = RoleTable::default();
        t.add_file(Path::new("roles.toml"), text).unwrap();
        t
    }

    fn how(t: &RoleTable, label: &str) -> (String, Match) {
        let a = t.assign(label);
        (a.id, a.how)
    }

    #[test]
    fn labels_meet_aliases_after_case_punctuation_articles_and_abbreviations() {
        let t = table(FORGIVING);
        let normalised = |id: &str| (id.to_string(), Match::Normalised);
        for label in [
            "Locally Trusted Organisation (LTO) representative",
            "The Locally Trusted Organisation representative",
            "LOCALLY-TRUSTED ORGANISATION REPRESENTATIVE:",
            "The LTO Representative",
            "an L.T.O. representative",
        ] {
            assert_eq!(how(&t, label), normalised("lto_rep"), "{label}");
        }
        // Written as in the table: an exact match.
        assert_eq!(how(&t, "lto representative").1, Match::Exact);
        assert_eq!(
            how(&t, "The Big Local Partnership Chair"),
            normalised("chair")
        );
        // The alias may carry the parenthesis, the label not; the id is read as words too.
        let t2 = table(
            "[roles.lto_rep]\nlabel = \"Locally Trusted Organisation (LTO) representative\"\n",
        );
        assert_eq!(how(&t2, "LTO Rep."), normalised("lto_rep"));
        assert_eq!(how(&t2, "LTO officer").1, Match::Unmapped);
        assert_eq!(how(&t2, "the LTO representative"), normalised("lto_rep"));
        assert_eq!(
            how(&t2, "Locally Trusted Organisation Representative"),
            normalised("lto_rep")
        );
    }

    #[test]
    fn globs_and_regexes_meet_what_no_alias_does() {
        let t = table(FORGIVING);
        let pattern = |id: &str| (id.to_string(), Match::Pattern);
        assert_eq!(how(&t, "Vice chair (acting)"), pattern("chair"));
        assert_eq!(how(&t, "Chairperson"), pattern("chair"));
        assert_eq!(how(&t, "Cllr Jones"), pattern("councillor"));
        assert_eq!(how(&t, "CLLR PATEL"), pattern("councillor"));
        assert_eq!(how(&t, "Ex-Cllr Patel").1, Match::Unmapped);
        // A pattern alias is not a name: `resolve` finds the role, the did-you-mean lists not.
        assert_eq!(t.resolve("cllr jones").unwrap().id, "councillor");
        assert_eq!(
            t.get("chair").unwrap().aliases,
            ["Big Local partnership chair"]
        );
        assert_eq!(t.get("chair").unwrap().patterns, ["*chair*"]);
    }

    #[test]
    fn an_exact_match_wins_over_a_pattern_and_two_patterns_are_no_match() {
        let text = format!("{FORGIVING}\n[roles.cllr_chair]\nlabel = \"Councillor chair\"\naliases = [\"Cllr Chair\"]\n");
        let t = table(&text);
        // Both patterns meet it, and so does an alias: the alias wins.
        assert_eq!(how(&t, "cllr chair"), ("cllr_chair".into(), Match::Exact));
        // Both patterns, no alias: left unmapped, named both.
        let a = t.assign("Cllr Smith, chair");
        assert_eq!(
            a.how,
            Match::Ambiguous(vec!["chair".into(), "councillor".into()])
        );
        assert_eq!((a.id.as_str(), a.known), ("cllr_smith_chair", false));
        assert!(t.resolve("Cllr Smith, chair").is_none());
    }

    #[test]
    fn two_roles_meeting_a_label_by_normalisation_is_no_match() {
        let t = table("[roles.a]\nlabel = \"A\"\naliases = [\"Vice-Chair\"]\n[roles.b]\nlabel = \"B\"\naliases = [\"The Vice Chair\"]\n[roles.c]\nlabel = \"C\"\ndefault = true\n");
        // As written, each is its own role's.
        assert_eq!(how(&t, "vice-chair"), ("a".into(), Match::Exact));
        assert_eq!(how(&t, "the vice chair"), ("b".into(), Match::Exact));
        // Read forgivingly, both: neither, nor the default.
        let a = t.assign("Vice chair");
        assert_eq!(a.how, Match::Ambiguous(vec!["a".into(), "b".into()]));
        assert_eq!(a.id, "vice_chair");
        // A reading that drops a parenthesis loses to one that keeps it.
        let t = table("[roles.a]\nlabel = \"Chair\"\n[roles.b]\nlabel = \"Chair (Lab)\"\n");
        assert_eq!(how(&t, "The Chair").0, "a");
        assert_eq!(how(&t, "the chair lab").0, "b");
    }

    #[test]
    fn the_default_role_takes_what_no_alias_meets() {
        let t = table(&FORGIVING.replace("label = \"Other\"", "label = \"Other\"\ndefault = true"));
        assert_eq!(t.default_role().unwrap().id, "other");
        let a = t.assign("Parish clerk");
        assert_eq!((a.id.as_str(), a.label.as_str()), ("other", "Other"));
        assert_eq!((a.known, a.how), (true, Match::Default));
        // An alias still wins; a filter never means the default.
        assert_eq!(how(&t, "Cllr Jones").0, "councillor");
        assert!(t.resolve("Parish clerk").is_none());
        assert_eq!(t.filter_id("Parish clerk"), "parish_clerk");
        assert_eq!(t.filter_id("other"), "other");
        // Without one, a label keeps its slug.
        let t = table(FORGIVING);
        assert!(t.default_role().is_none());
        assert_eq!(
            how(&t, "Parish clerk"),
            ("parish_clerk".into(), Match::Unmapped)
        );
    }

    #[test]
    fn bad_patterns_and_a_second_default_are_located_errors() {
        let error = |text: &str| {
            let mut t = RoleTable::default();
            t.add_file(
                Path::new("a.toml"),
                "[roles.x]\nlabel = \"X\"\ndefault = true\n",
            )
            .unwrap();
            t.add_file(Path::new("r.toml"), text).unwrap_err()
        };
        let e = error("[roles.c]\nlabel = \"C\"\naliases = [\"Cllr\", \"[cllr\"]\n");
        assert!(
            e.message
                .contains("alias \"[cllr\" of role `c` is not a valid glob"),
            "{e}"
        );
        assert_eq!(
            (e.path.as_path(), e.line, e.col),
            (Path::new("r.toml"), 3, 20),
            "{e}"
        );
        assert!(
            e.help.as_deref().unwrap().contains("between slashes"),
            "{e}"
        );
        let e = error("# \"/(cllr/\"\n[roles.c]\nlabel = \"C\"\naliases = [\"/(cllr/\"]\n");
        assert!(e.message.contains("is not a valid regex"), "{e}");
        assert_eq!((e.line, e.col), (4, 12), "{e}");
        let e = error("[roles.y]\nlabel = \"Y\"\ndefault = true\n");
        assert!(
            e.message
                .contains("roles `x` and `y` are both the default role"),
            "{e}"
        );
        assert_eq!((e.line, e.col), (3, 11), "{e}");
        // `default = false` is no default.
        let mut t = RoleTable::default();
        t.add_file(
            Path::new("a.toml"),
            "[roles.x]\nlabel = \"X\"\ndefault = false\n",
        )
        .unwrap();
        assert!(t.default_role().is_none());
    }

    #[test]
    fn slugs_are_readable() {
        assert_eq!(slug("Ward Councillor (Lab)"), "ward_councillor_lab");
        assert_eq!(slug("Sir Wyn Williams"), "sir_wyn_williams");
        assert_eq!(slug("--"), "unknown");
    }
}
