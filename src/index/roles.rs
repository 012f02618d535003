//! Which role each speaker label in the corpus was given and how (`qcode roles`): read from the
//! index, which stores each segment's speaker label, role id and role label, and explained by
//! the role table the index was built with. For a label no role took, the roles it most likely
//! means.

use std::collections::BTreeMap;

use super::{IndexError, Load, SearchIndex};
use crate::roles::{role_words, Match, RoleTable};
use crate::text::distance::edit_distance;
use crate::transcript::DOCUMENT_ROLE;

/// At most this many likely roles are given for a label no role took.
const MAX_CLOSEST: usize = 3;
/// How alike (0 to 1) a label and a role's name must be for the role to be offered.
const MIN_LIKENESS: f64 = 0.5;
/// Letters alone must be closer: "Rodric Williams" and "Sir Wyn Williams" are half alike by
/// letters, and nothing alike as roles.
const MIN_LETTERS: f64 = 0.7;

/// How a label came by its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// The role table, by the speaker label ([`Match`]: exact, normalised, pattern, default;
    /// unmapped or ambiguous when a role was made from the label).
    Table(Match),
    /// The transcript's header declared the speaker's role, or a table's role column gave it
    /// (the speaker label itself names no role).
    Declared,
}

impl How {
    /// The word `qcode roles` shows.
    pub fn name(&self) -> &'static str {
        match self {
            How::Table(m) => m.name(),
            How::Declared => "declared",
        }
    }
}

/// A speaker label with the role its segments were given.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelRole {
    /// The speaker label as written (`P1`, `Cllr Jones`); may be a participant's name.
    pub speaker: String,
    pub role: String,
    /// The role's label, or for a role made from a label, that label as written.
    pub role_label: String,
    pub how: How,
    pub segments: usize,
    /// For a role made from a label: the roles it most likely means (for an ambiguous label,
    /// those that met it), best first.
    pub closest: Vec<String>,
}

impl LabelRole {
    /// No role of the table took the label: a role was made from it.
    pub fn unmapped(&self) -> bool {
        matches!(self.how, How::Table(Match::Unmapped | Match::Ambiguous(_)))
    }
}

impl SearchIndex {
    /// Every speaker label in the index with its role, in order of segments (most first), then
    /// label. Documents (no speaker) are left out.
    pub fn label_roles(&self) -> Result<Vec<LabelRole>, IndexError> {
        let load = Load {
            respondents_only: false,
            text: false,
            evidence: false,
        };
        let mut groups: BTreeMap<(String, String, String), usize> = BTreeMap::new();
        for (s, _) in self.segments(load, None)? {
            if s.speaker.is_empty() && s.role == DOCUMENT_ROLE {
                continue;
            }
            *groups.entry((s.speaker, s.role, s.role_label)).or_default() += 1;
        }
        let table = &self.codebook().roles;
        let mut out: Vec<LabelRole> = groups
            .into_iter()
            .map(|((speaker, role, role_label), n)| explain(table, speaker, role, role_label, n))
            .collect();
        out.sort_by(|a, b| {
            b.segments
                .cmp(&a.segments)
                .then_with(|| a.speaker.cmp(&b.speaker))
                .then_with(|| a.role.cmp(&b.role))
        });
        Ok(out)
    }
}

/// How `speaker`'s segments came by `role`: a role the table lacks was made from the label as
/// written (`role_label`); a table role the speaker label meets the same way came from it; any
/// other was declared.
fn explain(
    table: &RoleTable,
    speaker: String,
    role: String,
    role_label: String,
    segments: usize,
) -> LabelRole {
    let (how, closest) = if table.get(&role).is_none() {
        match table.assign(&role_label).how {
            Match::Ambiguous(ids) => (How::Table(Match::Ambiguous(ids.clone())), ids),
            _ => (
                How::Table(Match::Unmapped),
                closest_roles(table, &role_label),
            ),
        }
    } else {
        let a = table.assign(&speaker);
        match a.id == role {
            true => (How::Table(a.how), Vec::new()),
            false => (How::Declared, Vec::new()),
        }
    };
    LabelRole {
        speaker,
        role,
        role_label,
        how,
        segments,
        closest,
    }
}

/// The roles whose id, label or alias is most like `label` (words compared after forgiving
/// normalisation), best first; of equals, the one closer letter by letter, then by id.
pub fn closest_roles(table: &RoleTable, label: &str) -> Vec<String> {
    let words = role_words(label);
    let mut scored: Vec<(Likeness, &str)> = table
        .iter()
        .filter_map(|r| {
            let names = [r.id.as_str(), r.label.as_str()]
                .into_iter()
                .chain(r.aliases.iter().map(String::as_str));
            let best = names
                .map(|n| likeness(&words, &role_words(n)))
                .max_by(|a, b| a.cmp(b))?;
            (best.score >= MIN_LIKENESS).then_some((best, r.id.as_str()))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(MAX_CLOSEST)
        .map(|(_, id)| id.to_string())
        .collect()
}

/// How alike two labels are, 0 to 1: `score` decides, `letters` breaks ties.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Likeness {
    /// The better of the words they share (a word meets one it begins, "rep" →
    /// "representative", or one a slip away) over the longer's count, and `letters` if that
    /// is close ([`MIN_LETTERS`]).
    score: f64,
    /// One less the edit distance of the whole over its length.
    letters: f64,
}

impl Likeness {
    fn cmp(&self, other: &Likeness) -> std::cmp::Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| self.letters.total_cmp(&other.letters))
    }
}

fn likeness(a: &[String], b: &[String]) -> Likeness {
    if a.is_empty() || b.is_empty() {
        return Likeness {
            score: 0.0,
            letters: 0.0,
        };
    }
    let shared = a
        .iter()
        .filter(|w| b.iter().any(|v| word_meets(w, v)))
        .count();
    let by_words = shared as f64 / a.len().max(b.len()) as f64;
    let (x, y) = (a.join(" "), b.join(" "));
    let longest = x.chars().count().max(y.chars().count()) as f64;
    let letters = 1.0 - edit_distance(&x, &y) as f64 / longest;
    let score = match letters >= MIN_LETTERS {
        true => by_words.max(letters),
        false => by_words,
    };
    Likeness { score, letters }
}

fn word_meets(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    a == b
        || (short.chars().count() >= 3 && long.starts_with(short))
        || (short.chars().count() >= 5 && edit_distance(a, b) <= 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::testing::indexed;

    const ROLES: &str = r#"
[roles.interviewer]
label = "Interviewer"
aliases = ["I"]

[roles.lto_rep]
label = "LTO representative"
aliases = ["Locally Trusted Organisation representative"]

[roles.chair]
label = "Partnership chair"
aliases = ["Big Local partnership chair", "*chair*"]

[roles.councillor]
label = "Councillor"
aliases = ["/^cllr\\b/"]

[roles.cllr_chair]
label = "Councillor chair"
"#;

    const HEARING: &str = "---
id: hearing-1
speakers:
  W: {role: Resident volunteer, name: Dana Whitfield}
  LTO: Locally Trusted Organisation (LTO) representative
---
I: Who are you?

LTO: I represent the LTO.

The Big Local Partnership Chair: I chair the partnership.

Cllr Jones: I sit on the council.

Cllr Jones, chair: Both.

W: I volunteer.

Parish clerk: I keep the minutes.

Parish clerk: And the accounts.
";

    /// Labels of any length, with commas and lower case, as hearings write them.
    const ANY_LABEL: &str = "[transcript]\nspeaker_pattern = '^([^:]{1,80}):\\s+'\n";

    #[test]
    fn each_label_has_its_role_how_and_count() {
        let (_dir, index) = indexed(&[
            ("qcode.toml", ANY_LABEL),
            ("codebook/roles.toml", ROLES),
            ("corpus/hearing-1.txt", HEARING),
        ]);
        let rows = index.label_roles().unwrap();
        let got: Vec<(&str, &str, &str, usize)> = rows
            .iter()
            .map(|r| {
                (
                    r.speaker.as_str(),
                    r.role.as_str(),
                    r.how.name(),
                    r.segments,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("Parish clerk", "parish_clerk", "unmapped", 2),
                ("Cllr Jones", "councillor", "pattern", 1),
                ("Cllr Jones, chair", "cllr_jones_chair", "ambiguous", 1),
                ("I", "interviewer", "exact", 1),
                ("LTO", "lto_rep", "declared", 1),
                ("The Big Local Partnership Chair", "chair", "normalised", 1),
                ("W", "resident_volunteer", "unmapped", 1),
            ]
        );
        let ambiguous = &rows[2];
        assert_eq!(ambiguous.closest, ["chair", "councillor"]);
        // The role label a declaration gave is what the role was made from.
        assert_eq!(rows[6].role_label, "Resident volunteer");
    }

    #[test]
    fn the_closest_roles_are_those_alike_in_words_or_letters() {
        let mut t = RoleTable::default();
        t.add_file(std::path::Path::new("r.toml"), ROLES).unwrap();
        assert_eq!(closest_roles(&t, "LTO rep"), ["lto_rep"]);
        assert_eq!(closest_roles(&t, "Councilor"), ["councillor", "cllr_chair"]);
        assert_eq!(closest_roles(&t, "Big Local chair"), ["chair"]);
        assert_eq!(
            closest_roles(&t, "Council chair"),
            ["cllr_chair", "councillor", "chair"]
        );
        assert!(closest_roles(&t, "Parish clerk").is_empty());
        // Half the letters alike is not alike.
        let (a, b) = (
            role_words("Rodric Williams"),
            role_words("Sir Wyn Williams"),
        );
        assert!(likeness(&a, &b).score < MIN_LIKENESS);
    }
}
