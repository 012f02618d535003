//! `codebook check` as a value: the project's codebook loaded (every error located), and its
//! warnings: what the loader noticed, and patterns that match nothing in the project's corpus.
//! The corpus is read, never written; the command line prints what this finds.

use std::fmt;

use rayon::prelude::*;

use super::{corpus_files, Project};
use crate::codebook::{load, Codebook};
use crate::coding::lint::{unused_patterns, UnusedPatterns};
use crate::coding::{CompileError, Matcher};
use crate::diag::{SourceError, Warning};
use crate::roles::RoleTable;
use crate::transcript::{parse_file, FileContext};

/// A warning about a codebook that loaded: worth a look, never fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Found while loading (a code without examples or patterns, …).
    Codebook(Warning),
    /// A code's patterns that match no respondent segment of the corpus; `location` is the
    /// code's file (relative to the project) and line.
    UnusedPatterns {
        location: String,
        unused: UnusedPatterns,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Codebook(w) => write!(f, "{w}"),
            Finding::UnusedPatterns { location, unused } => write!(f, "{location}: {unused}"),
        }
    }
}

/// A codebook without errors and what is worth a look in it.
#[derive(Debug, Clone)]
pub struct CodebookCheck {
    pub codebook: Codebook,
    /// The loader's warnings first, then unused patterns in codebook order.
    pub findings: Vec<Finding>,
    /// Codes (grouping codes aside) without patterns: valid, applied only by people.
    pub unpatterned: usize,
}

/// Why a codebook cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Every error in the codebook's files, each located.
    #[error("{} error(s) in the codebook", .0.len())]
    Codebook(Vec<SourceError>),
    /// Codes that load one by one but are too large to compile together; names the code.
    #[error(transparent)]
    Compile(#[from] CompileError),
}

/// Load the project's codebook, compile it, and lint it against the corpus. The codebook is
/// compiled before the corpus is read, so a codebook too large to compile is reported whether
/// or not there is a corpus.
pub fn check_codebook(project: &Project) -> Result<CodebookCheck, CheckError> {
    let (codebook, warnings) = load(&project.codebook_dir).map_err(CheckError::Codebook)?;
    let matcher = Matcher::new(&codebook)?;
    let texts = respondent_texts(project, &codebook.roles);
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut findings: Vec<Finding> = warnings.into_iter().map(Finding::Codebook).collect();
    findings.extend(
        unused_patterns(&codebook, &matcher, &texts)
            .into_iter()
            .map(|unused| Finding::UnusedPatterns {
                location: format!("{}:{}", project.relative(&unused.file), unused.line),
                unused,
            }),
    );
    let unpatterned = codebook
        .codes
        .iter()
        .filter(|c| c.codable && c.patterns.is_empty())
        .count();
    Ok(CodebookCheck {
        codebook,
        findings,
        unpatterned,
    })
}

/// The text of every respondent segment in the corpus (interviewer turns are not coded), read in
/// parallel, in file order. A file that cannot be listed, read or parsed only leaves fewer texts
/// to judge patterns by: `qcode index` is where such files are reported.
fn respondent_texts(project: &Project, roles: &RoleTable) -> Vec<String> {
    let files = corpus_files(project).unwrap_or_default();
    let parsed: Vec<_> = files
        .par_iter()
        .filter_map(|(rel, path)| {
            let bytes = std::fs::read(path).ok()?;
            // Only the texts count here, whatever ids and attributes they would be given.
            let ctx = FileContext::default();
            parse_file(&project.transcript, roles, rel, path, &bytes, &ctx).ok()
        })
        .collect();
    parsed
        .into_iter()
        .flat_map(|p| p.interviews)
        .flat_map(|iv| iv.segments)
        .filter(|s| !s.interviewer)
        .map(|s| s.text)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, Project) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let project = Project::open(dir.path()).unwrap();
        (dir, project)
    }

    const CODEBOOK: &str = "[codes.trust]\nlabel = \"Trust\"\npatterns = [\"trust*\", \"faith\"]\nexamples = [\"we trust\"]\n\n[codes.bare]\nlabel = \"Bare\"\n";

    #[test]
    fn loader_warnings_come_first_then_unused_patterns_located_in_the_project() {
        let (_dir, p) = project(&[
            ("codebook/a.toml", CODEBOOK),
            (
                "codebook/roles.toml",
                "[roles.interviewer]\nlabel = \"Interviewer\"\naliases = [\"I\"]\n",
            ),
            // The interviewer's "faith" is context, not data: it does not use the pattern.
            ("corpus/one.txt", "I: any faith?\n\nP1: We trusted them.\n"),
        ]);
        let check = check_codebook(&p).unwrap();
        assert_eq!(check.codebook.codes.len(), 2);
        let shown: Vec<String> = check.findings.iter().map(|f| f.to_string()).collect();
        // `bare` has no patterns: valid (only people apply it), counted, not warned about.
        assert_eq!(check.unpatterned, 1);
        assert_eq!(check.findings.len(), 1, "{shown:?}");
        let last = check.findings.last().unwrap();
        assert!(matches!(last, Finding::UnusedPatterns { .. }), "{shown:?}");
        assert_eq!(
            last.to_string(),
            "codebook/a.toml:1: 1 of 2 patterns of `trust` match nothing in the corpus (1 segments): faith"
        );
    }

    #[test]
    fn without_a_corpus_only_the_loader_speaks() {
        let (_dir, p) = project(&[("codebook/a.toml", CODEBOOK)]);
        let check = check_codebook(&p).unwrap();
        assert!(check
            .findings
            .iter()
            .all(|f| matches!(f, Finding::Codebook(_))));
    }

    #[test]
    fn errors_are_returned_located() {
        let (_dir, p) = project(&[(
            "codebook/a.toml",
            "[codes.x]\nlabel = \"X\"\npaterns = []\n",
        )]);
        let Err(CheckError::Codebook(errors)) = check_codebook(&p) else {
            panic!("a codebook error")
        };
        assert_eq!((errors[0].line, errors[0].col), (3, 1), "{}", errors[0]);
    }
}
