//! Adding an alias to a role in place (`qcode roles --add LABEL ROLE`): the file that declares
//! the role is edited with toml_edit, so its comments, order and layout stay as the researcher
//! wrote them, and the codebook is loaded again with the edit before anything is written.

use std::path::PathBuf;

use super::{load_texts, Codebook};
use crate::diag::SourceError;
use crate::roles::{Match, RoleTable};
use crate::text::distance::closest;

/// Why an alias was not added.
#[derive(Debug, thiserror::Error)]
pub enum AliasError {
    #[error("no alias given: the label is empty")]
    Empty,
    #[error("unknown role `{role}`{}", did_you_mean(.suggestion))]
    UnknownRole {
        role: String,
        suggestion: Option<String>,
        /// Every role id, for the help.
        known: Vec<String>,
    },
    #[error("\"{label}\" is already an alias of role `{other}`, not `{role}`")]
    Taken {
        label: String,
        role: String,
        other: String,
    },
    #[error("cannot read {}: {error}", .path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{} is not TOML that can be edited: {error}", .path.display())]
    Unparsable { path: PathBuf, error: String },
    #[error("the codebook would not load with the alias added:\n{}", show(.0))]
    Invalid(Vec<SourceError>),
}

fn did_you_mean(s: &Option<String>) -> String {
    s.as_ref()
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

fn show(errors: &[SourceError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The edit `add_alias` asks for: the file and its new text (unwritten), or nothing to do.
#[derive(Debug)]
pub struct AliasEdit {
    pub path: PathBuf,
    /// The file's text with the alias added; None when the role has the alias already.
    pub text: Option<String>,
}

/// Add `label` as an alias of role `role` to the codebook file that declares the role. Refused:
/// an unknown role (with the nearest id), an alias another role has as written (a label another
/// role meets only by normalisation or a pattern may be added: an alias as written wins), and
/// an edit after which the codebook would not load.
pub fn add_alias(codebook: &Codebook, label: &str, role: &str) -> Result<AliasEdit, AliasError> {
    let label = label.trim();
    if label.is_empty() {
        return Err(AliasError::Empty);
    }
    let table = &codebook.roles;
    let Some(declared) = table.get(role) else {
        return Err(unknown_role(table, role));
    };
    let path = declared.file.clone();
    let now = table.assign(label);
    match now.how {
        Match::Exact if now.id == role => return Ok(AliasEdit { path, text: None }),
        Match::Exact => {
            return Err(AliasError::Taken {
                label: label.to_string(),
                role: role.to_string(),
                other: now.id,
            })
        }
        _ => {}
    }
    let text = std::fs::read_to_string(&path).map_err(|error| AliasError::Read {
        path: path.clone(),
        error,
    })?;
    let edited = with_alias(&text, role, label).map_err(|error| AliasError::Unparsable {
        path: path.clone(),
        error,
    })?;
    check_loads(codebook, &path, &edited)?;
    Ok(AliasEdit {
        path,
        text: Some(edited),
    })
}

/// The error for a role id the table does not have, with the role it most likely means: one
/// whose id is a slip away, or one the value is a label or alias of.
fn unknown_role(table: &RoleTable, role: &str) -> AliasError {
    let known: Vec<String> = table.iter().map(|r| r.id.clone()).collect();
    let suggestion = closest(role, known.iter().map(String::as_str))
        .map(str::to_string)
        .or_else(|| table.resolve(role).map(|r| r.id.clone()));
    AliasError::UnknownRole {
        role: role.to_string(),
        suggestion,
        known,
    }
}

/// The codebook loads with `path` read as `edited`: the edit breaks nothing (a glob alias that
/// does not compile, say).
fn check_loads(codebook: &Codebook, path: &PathBuf, edited: &str) -> Result<(), AliasError> {
    let mut files = Vec::new();
    for f in &codebook.files {
        let text = match f == path {
            true => edited.to_string(),
            false => std::fs::read_to_string(f).map_err(|error| AliasError::Read {
                path: f.clone(),
                error,
            })?,
        };
        files.push((f.clone(), text));
    }
    let dir = path.parent().unwrap_or(path).to_path_buf();
    load_texts(&dir, files)
        .map(|_| ())
        .map_err(AliasError::Invalid)
}

/// `text` with `alias` appended to `[roles.ROLE] aliases` (the list made if there is none),
/// everything else as written. A list written one alias a line gets the new one on a line of
/// its own, indented as the last.
pub fn with_alias(text: &str, role: &str, alias: &str) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    let table = doc
        .get_mut("roles")
        .and_then(|r| r.get_mut(role))
        .and_then(|t| t.as_table_like_mut())
        .ok_or_else(|| format!("no [roles.{role}] table"))?;
    let Some(list) = table.get_mut("aliases") else {
        let mut list = toml_edit::Array::new();
        list.push(alias);
        table.insert("aliases", toml_edit::value(list));
        return Ok(doc.to_string());
    };
    let list = list
        .as_array_mut()
        .ok_or_else(|| format!("[roles.{role}] aliases is not a list"))?;
    let mut value = toml_edit::Value::from(alias);
    if let Some(last) = list.iter().last() {
        // The last alias's own line break and indent, never a comment before it.
        let prefix = last.decor().prefix().and_then(|p| p.as_str()).unwrap_or("");
        if let Some(nl) = prefix.rfind('\n') {
            value
                .decor_mut()
                .set_prefix(format!("\n{}", &prefix[nl + 1..]));
        } else {
            value.decor_mut().set_prefix(" ");
        }
    }
    list.push_formatted(value);
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alias_joins_the_list_as_it_is_written() {
        let text = "# Roles, one per table.\n[roles.lto_rep]  # the LTO\nlabel = \"LTO representative\"\naliases = [\"LTO rep\", 'LTO'] # short forms\n\n[roles.chair]\nlabel = \"Chair\"\n";
        let got = with_alias(text, "lto_rep", "Locally Trusted Organisation (LTO) rep").unwrap();
        assert_eq!(
            got,
            text.replace(
                "'LTO'] # short forms",
                "'LTO', \"Locally Trusted Organisation (LTO) rep\"] # short forms"
            )
        );
        // No list yet: one is made, after the role's other keys.
        let got = with_alias(text, "chair", "Chairperson").unwrap();
        assert!(
            got.ends_with("[roles.chair]\nlabel = \"Chair\"\naliases = [\"Chairperson\"]\n"),
            "{got}"
        );
        assert!(got.starts_with("# Roles, one per table.\n[roles.lto_rep]  # the LTO\n"));
    }

    #[test]
    fn a_list_one_a_line_gets_a_line_and_keeps_its_comments() {
        let text = "[roles.chair]\nlabel = \"Chair\"\naliases = [\n    \"Chairman\", # older transcripts\n    \"Chairwoman\",\n]\n";
        let got = with_alias(text, "chair", "Chair of the partnership").unwrap();
        assert_eq!(
            got,
            "[roles.chair]\nlabel = \"Chair\"\naliases = [\n    \"Chairman\", # older transcripts\n    \"Chairwoman\",\n    \"Chair of the partnership\",\n]\n"
        );
        // An inline role table and a quote in the alias.
        let got = with_alias(
            "[roles]\nchair = { label = \"Chair\", aliases = [\"C\"] }\n",
            "chair",
            "The \"Chair\"",
        )
        .unwrap();
        assert!(
            got.contains("aliases = [\"C\", 'The \"Chair\"'] }"),
            "{got}"
        );
        let back: toml::Table = toml::from_str(&got).unwrap();
        assert_eq!(
            back["roles"]["chair"]["aliases"][1].as_str(),
            Some("The \"Chair\"")
        );
    }

    /// A codebook folder with roles in one file and codes in another.
    fn codebook(dir: &std::path::Path) -> Codebook {
        std::fs::write(
            dir.join("roles.toml"),
            "# Who is who.\n[roles.lto_rep]\nlabel = \"LTO representative\"\naliases = [\"LTO rep\"]\n\n[roles.chair]\nlabel = \"Chair\"\naliases = [\"*chair*\"]\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("codes.toml"),
            "[roles.witness]\nlabel = \"Witness\"\n",
        )
        .unwrap();
        super::super::load(dir).unwrap().0
    }

    #[test]
    fn an_alias_goes_to_the_file_that_declares_the_role() {
        let dir = tempfile::tempdir().unwrap();
        let cb = codebook(dir.path());
        let edit = add_alias(&cb, " Locally Trusted Org rep ", "lto_rep").unwrap();
        assert_eq!(edit.path, dir.path().join("roles.toml"));
        let text = edit.text.unwrap();
        assert!(text.starts_with("# Who is who.\n"), "{text}");
        assert!(
            text.contains("aliases = [\"LTO rep\", \"Locally Trusted Org rep\"]"),
            "{text}"
        );
        let edit = add_alias(&cb, "Witness 1", "witness").unwrap();
        assert_eq!(edit.path, dir.path().join("codes.toml"));
        // Nothing is written by add_alias itself.
        assert!(!std::fs::read_to_string(dir.path().join("roles.toml"))
            .unwrap()
            .contains("Org rep"));
        // Already there (as written, any case): nothing to do.
        assert!(add_alias(&cb, "lto REP", "lto_rep").unwrap().text.is_none());
        // A label a pattern of another role meets may be given to this one: an alias wins.
        assert!(add_alias(&cb, "Witness chair", "witness")
            .unwrap()
            .text
            .is_some());
    }

    #[test]
    fn an_unknown_role_a_taken_alias_and_a_bad_pattern_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cb = codebook(dir.path());
        let e = add_alias(&cb, "LTO", "lto_repp").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown role `lto_repp`; did you mean `lto_rep`?"
        );
        // A label given for the role: its id is meant.
        let e = add_alias(&cb, "LTO", "LTO representative").unwrap_err();
        assert!(e.to_string().ends_with("did you mean `lto_rep`?"), "{e}");
        let e = add_alias(&cb, "lto rep.", "chair").unwrap_err();
        assert_eq!(
            e.to_string(),
            "\"lto rep.\" is already an alias of role `lto_rep`, not `chair`"
        );
        let e = add_alias(&cb, "chair [acting", "chair").unwrap_err();
        assert!(e.to_string().contains("would not load"), "{e}");
        assert!(e.to_string().contains("is not a valid glob"), "{e}");
        assert!(matches!(
            add_alias(&cb, "  ", "chair"),
            Err(AliasError::Empty)
        ));
    }

    #[test]
    fn no_such_table_is_an_error() {
        assert!(with_alias("[roles.a]\nlabel = \"A\"\n", "b", "x").is_err());
        assert!(with_alias("[roles.a]\nlabel = \"A\"\naliases = \"x\"\n", "a", "y").is_err());
    }
}
