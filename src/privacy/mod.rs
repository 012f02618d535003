//! The privacy boundary every output passes: built here, once per command, from the user's
//! [`Privacy`] choice (show names or not, a redaction list), the names the corpus declares, the
//! project's pseudonyms table and its private metadata keys, and set on the index
//! ([`crate::index::Mask`]), whose every read is then masked: text, ids, labels, roles,
//! metadata and evidence, before any export, report or printer sees them.

pub mod audit;
pub mod pseudonyms;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::index::{Manifest, Mask, SearchIndex};
use crate::project::Project;
use pseudonyms::{Pseudonyms, Row, PSEUDONYMS_FILE};

pub use crate::text::redact::{RedactError, Redactor, MASK};

/// What the user asked for: whether participants' names may be shown, and which other names and
/// places to mask. Built once per command (the redaction list is read here, once) and turned into
/// a [`Redactor`] for each set of names with [`Privacy::redactor`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Privacy {
    /// Show the participants' names declared in transcript headers (masked by default).
    pub with_names: bool,
    /// The text of the user's redaction list: one name or place per line, `#` comments.
    pub redact_list: String,
}

/// A redaction set-up that cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error("cannot read the redaction list {path}")]
    ReadList {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The names and list cannot be searched for (memory).
    #[error(transparent)]
    Pattern(#[from] RedactError),
    /// The pseudonyms table cannot be read.
    #[error(transparent)]
    Table(#[from] crate::diag::SourceError),
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
}

impl Privacy {
    /// The user's choice, reading the redaction list at `redact` (if given) now.
    pub fn read(with_names: bool, redact: Option<&Path>) -> Result<Privacy, PrivacyError> {
        let redact_list = match redact {
            Some(path) => {
                std::fs::read_to_string(path).map_err(|source| PrivacyError::ReadList {
                    path: path.to_path_buf(),
                    source,
                })?
            }
            None => String::new(),
        };
        Ok(Privacy {
            with_names,
            redact_list,
        })
    }

    /// The redactor for text whose participants are `names` (the index's manifest names, or
    /// those a parse found): their names are masked unless the user asked to see them, and the
    /// redaction list always is.
    pub fn redactor(&self, names: &[String]) -> Result<Redactor, PrivacyError> {
        let names: &[String] = if self.with_names { &[] } else { names };
        Ok(Redactor::new(&self.redact_list, names)?)
    }

    /// The redactor for what `index` holds: the names its transcripts declare, each part of
    /// them left alone where the corpus uses it as an ordinary word.
    pub fn redactor_for_index(&self, index: &SearchIndex) -> Result<Redactor, PrivacyError> {
        if self.with_names {
            return Ok(Redactor::new(&self.redact_list, &[])?);
        }
        let names = person_names(index.manifest.names(), &index.codebook().roles);
        let everyday = everyday_parts(index, &names)?;
        Ok(Redactor::with_everyday(
            &self.redact_list,
            &names,
            &everyday,
        )?)
    }

    /// The privacy boundary for `index`'s reads: its redactor, pseudonyms for the ids and
    /// labels that name someone (read from the project's table; the rows it lacks are returned
    /// for the caller to append), and the private metadata keys.
    pub fn mask(
        &self,
        project: &Project,
        index: &SearchIndex,
    ) -> Result<(Mask, Vec<Row>), PrivacyError> {
        let path = project.root.join(PSEUDONYMS_FILE);
        let table = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(PrivacyError::ReadList { path, source }),
        };
        let key = MaskKey {
            privacy: self.clone(),
            manifest: index.manifest.clone(),
            codebook: index.codebook_shared().clone(),
            generation: index.generation(),
            table: table.clone(),
            private: project.private_keys.clone(),
        };
        let kept = LAST_MASK.with_borrow(|last| {
            last.as_ref()
                .filter(|(k, _)| *k == key)
                .map(|(_, mask)| mask.clone())
        });
        if let Some(mask) = kept {
            return Ok((mask, Vec::new()));
        }
        let (mask, new) = self.mask_anew(project, index, &path, table)?;
        // Rows to append change the table: the next mask is made from the table with them.
        LAST_MASK.set(new.is_empty().then(|| (key, mask.clone())));
        Ok((mask, new))
    }

    fn mask_anew(
        &self,
        project: &Project,
        index: &SearchIndex,
        path: &Path,
        table: Option<String>,
    ) -> Result<(Mask, Vec<Row>), PrivacyError> {
        #[cfg(test)]
        MASKS_MADE.set(MASKS_MADE.get() + 1);
        let redactor = self.redactor_for_index(index)?;
        let mut mask = Mask {
            redactor,
            private: project.private_keys.clone(),
            with_names: self.with_names,
            ..Mask::default()
        };
        if self.with_names {
            return Ok((mask, Vec::new()));
        }
        let mut table = match table {
            Some(text) => Pseudonyms::read(path, &text)?,
            None => Pseudonyms::default(),
        };
        let (interviews, speakers) = (index.manifest.interviews(), index.manifest.speakers());
        let new = table.extend(&mask.redactor, &interviews, &speakers);
        // Every id and label the index holds is shown as decided here, once: one that names
        // no one as it is (every one that names someone has a pseudonym now). Reads then look
        // them up instead of searching each segment's ids for names again.
        mask.interviews = table.interviews.into_iter().collect();
        mask.speakers = table.speakers.into_iter().collect();
        for iv in interviews {
            mask.interviews.entry(iv.clone()).or_insert(iv);
        }
        for label in speakers {
            mask.speakers.entry(label.clone()).or_insert(label);
        }
        Ok((mask, new))
    }
}

/// Everything a [`Mask`] is made from, as one process holds it. The index's manifest and
/// codebook are compared by identity: each is shared, never changed once made, and held here,
/// so another can never take its place in memory. With the same segments, the same choice, the
/// same pseudonyms table and the same private keys, the mask made is the same one.
///
/// Why: `qcode serve` makes the mask for every search, and on the inquiry that took a quarter
/// of a served search (the names gathered and sorted, the pseudonyms table checked). A
/// process that makes one mask (any other command) never finds one kept.
struct MaskKey {
    privacy: Privacy,
    manifest: Arc<Manifest>,
    codebook: Arc<crate::codebook::Codebook>,
    generation: tantivy::SearcherGeneration,
    /// The pseudonyms table's text; `None` when there is none yet.
    table: Option<String>,
    private: Vec<String>,
}

thread_local! {
    /// The mask this thread made last, under what it was made from (one thread answers
    /// `qcode serve`'s searches).
    static LAST_MASK: std::cell::RefCell<Option<(MaskKey, Mask)>> = const { std::cell::RefCell::new(None) };
}

#[cfg(test)]
thread_local! {
    /// How many masks this thread made anew (not found kept).
    static MASKS_MADE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl PartialEq for MaskKey {
    fn eq(&self, other: &MaskKey) -> bool {
        Arc::ptr_eq(&self.manifest, &other.manifest)
            && Arc::ptr_eq(&self.codebook, &other.codebook)
            && self.generation == other.generation
            && self.privacy == other.privacy
            && self.table == other.table
            && self.private == other.private
    }
}

/// Those of `names` that name people: not a role the table knows. A recording's speakers are
/// declared names, and one labelled `Interviewer` would otherwise mask that word everywhere and
/// turn every interviewer into a participant.
pub fn person_names(names: Vec<String>, roles: &crate::roles::RoleTable) -> Vec<String> {
    names
        .into_iter()
        .filter(|n| roles.resolve(n).is_none())
        .collect()
}

/// The single parts of `names` the corpus writes in lower case (ordinary words there).
fn everyday_parts(
    index: &SearchIndex,
    names: &[String],
) -> Result<std::collections::HashSet<String>, PrivacyError> {
    let mut parts: Vec<String> = names
        .iter()
        .flat_map(|n| n.split(|c: char| !c.is_alphanumeric() && c != '\''))
        .filter(|p| p.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect();
    parts.sort();
    parts.dedup();
    // A few hundred segments per part are plenty to meet an ordinary word.
    Ok(index.lowercase_words(&parts, 200)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["Maya Okafor".to_string()]
    }

    #[test]
    fn names_are_masked_by_default_and_shown_when_asked() {
        let text = "Maya Okafor lives on Fenwick Road.";
        let masked = Privacy::default().redactor(&names()).unwrap();
        assert_eq!(masked.apply(text), "[REDACTED] lives on Fenwick Road.");
        let shown = Privacy {
            with_names: true,
            ..Privacy::default()
        };
        assert_eq!(shown.redactor(&names()).unwrap().apply(text), text);
    }

    #[test]
    fn the_redaction_list_holds_with_or_without_names() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("redact.txt");
        std::fs::write(&list, "fenwick road # a street\n").unwrap();
        for with_names in [false, true] {
            let p = Privacy::read(with_names, Some(&list)).unwrap();
            let out = p
                .redactor(&names())
                .unwrap()
                .apply("Maya Okafor, Fenwick Road");
            assert!(out.ends_with(", [REDACTED]"), "{out}");
            assert_eq!(out.starts_with("Maya Okafor"), with_names, "{out}");
        }
    }

    #[test]
    fn a_name_that_is_a_role_is_no_persons_name() {
        let mut roles = crate::roles::RoleTable::default();
        roles
            .add_file(
                Path::new("roles.toml"),
                "[roles.interviewer]\nlabel = \"Interviewer\"\naliases = [\"Moderator\"]\n",
            )
            .unwrap();
        let names = vec![
            "Interviewer".into(),
            "moderator".into(),
            "Maya Okafor".into(),
        ];
        assert_eq!(person_names(names, &roles), ["Maya Okafor"]);
    }

    /// A mask made again from the same index, choice, table and keys is the one kept; a
    /// change to any of them makes it anew, with what changed.
    #[test]
    fn a_mask_is_made_once_for_the_same_index_table_and_choice() {
        let transcript = |name: &str| {
            format!("---\nid: one\nspeakers:\n  I: interviewer\n  P1: {{role: Resident, name: {name}}}\n---\nI: Hello.\n\nP1: We trust the council.\n")
        };
        let (dir, index) =
            crate::index::testing::indexed(&[("corpus/one.txt", &transcript("Maya Okafor"))]);
        let project = Project::open(dir.path()).unwrap();
        let shown = |p: &Privacy, index: &SearchIndex| {
            let (mask, new) = p.mask(&project, index).unwrap();
            assert!(new.is_empty());
            mask.redactor.apply("Maya Okafor and Tomasz Wierzbicki")
        };
        let made = || MASKS_MADE.get();
        let before = made();
        let p = Privacy::default();
        assert_eq!(shown(&p, &index), "[REDACTED] and Tomasz Wierzbicki");
        assert_eq!(shown(&p, &index), "[REDACTED] and Tomasz Wierzbicki");
        assert_eq!(made() - before, 1, "the second mask is the first one");
        // Another choice.
        let with_names = Privacy {
            with_names: true,
            ..Privacy::default()
        };
        assert_eq!(
            shown(&with_names, &index),
            "Maya Okafor and Tomasz Wierzbicki"
        );
        assert_eq!(made() - before, 2);
        // A pseudonyms table written since.
        std::fs::write(dir.path().join(PSEUDONYMS_FILE), pseudonyms::HEADER).unwrap();
        assert_eq!(shown(&p, &index), "[REDACTED] and Tomasz Wierzbicki");
        assert_eq!(made() - before, 3);
        // Another participant, indexed and opened anew: masked at once.
        std::fs::write(
            dir.path().join("corpus/one.txt"),
            transcript("Tomasz Wierzbicki"),
        )
        .unwrap();
        crate::index::update(&project, Default::default(), &|_, _| {}).unwrap();
        let reopened = SearchIndex::open(&project, project.codebook().unwrap()).unwrap();
        assert_eq!(shown(&p, &reopened), "Maya Okafor and [REDACTED]");
        assert_eq!(made() - before, 4);
    }

    #[test]
    fn a_missing_list_names_its_path() {
        let err = Privacy::read(false, Some(Path::new("no/such/list.txt"))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot read the redaction list no/such/list.txt"
        );
        assert!(std::error::Error::source(&err).is_some());
    }
}
