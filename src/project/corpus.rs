//! The corpus as the index reads it: its files, and what each file's interviews take from outside
//! it ([`FileContext`]). Ids: an interview no header names is named after its file; when two
//! corpus files share that name (`module-1/2023-07-12.txt`, `module-2/2023-07-12.txt`), both are
//! named by their path under the corpus folder (`module-1/2023-07-12`) instead, and `[project]
//! ids = "path"` names every file so. Which files share a name depends only on the corpus's
//! paths, so a file's id is the same whichever files changed since the last update. Attributes:
//! the folders a file lies in, and the cases sheet ([`super::cases`]).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::cases::{read_cases, CasesSheet, DEFAULT_SHEETS};
use super::{corpus_walk, IdRule, Listed, Project, Walked};
use crate::diag::{SourceError, Warning};
use crate::transcript::{name_id, path_id, Attributes, Cases, FileContext};

/// The metadata key of a file's folder when `[project] folders` does not name the levels.
pub const FOLDER_KEY: &str = "folder";

/// The corpus's files and what each is given.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// (path relative to the project, path), sorted, as [`corpus_files`] lists them.
    pub files: Vec<(String, PathBuf)>,
    /// Entries of the corpus folder left out as no regular file of it, with why.
    pub left_out: Vec<Warning>,
    /// The cases sheet, if the project has one.
    pub sheet: Option<CasesSheet>,
    corpus_dir: PathBuf,
    ids: IdRule,
    folders: Option<Vec<String>>,
    /// File names (as ids) two or more corpus files share.
    shared: HashSet<String>,
    /// Every regular file the corpus folder's listing holds: where sidecar headers are found.
    listed: Listed,
    /// The real paths of the folders read, sorted ([`Walked::folders`]).
    pub read_folders: Vec<PathBuf>,
}

impl Corpus {
    /// List the corpus and read the cases sheet (a malformed one is an error).
    pub fn open(project: &Project) -> Result<Corpus, SourceError> {
        let sheet_path = cases_path(project)?;
        let Walked {
            mut files,
            warnings: left_out,
            listed,
            folders: read_folders,
        } = corpus_walk(project)?;
        // A sheet kept inside the corpus folder is not a table of responses.
        if let Some(p) = &sheet_path {
            files.retain(|(_, f)| f != p);
        }
        let sheet = match &sheet_path {
            Some(p) => Some(read_cases(Path::new(&project.relative(p)), p)?),
            None => None,
        };
        let mut names: HashMap<String, usize> = HashMap::new();
        for (_, path) in &files {
            *names.entry(name_id(path)).or_default() += 1;
        }
        Ok(Corpus {
            files,
            left_out,
            sheet,
            corpus_dir: project.corpus_dir.clone(),
            ids: project.ids,
            folders: project.folders.clone(),
            shared: names
                .into_iter()
                .filter(|(_, n)| *n > 1)
                .map(|(k, _)| k)
                .collect(),
            listed,
            read_folders,
        })
    }

    /// The sidecar header of the corpus file at `path` (`NAME.yml`, else `NAME.yaml`, beside
    /// it), as [`crate::transcript::sidecar_path`] finds it but from the folder's listing: an
    /// update checks every file's freshness, and most have none.
    pub fn sidecar(&self, path: &Path) -> Option<PathBuf> {
        ["yml", "yaml"]
            .iter()
            .map(|e| path.with_extension(e))
            .find(|p| self.listed.contains(p))
    }

    /// What the file at `path` (one of [`Corpus::files`], or any file: one outside the corpus
    /// folder is given nothing but its name) is given.
    pub fn context(&self, path: &Path) -> FileContext {
        let Ok(in_corpus) = path.strip_prefix(&self.corpus_dir) else {
            return FileContext::default();
        };
        let by_path = self.ids == IdRule::Path || self.shared.contains(&name_id(path));
        FileContext {
            id: by_path.then(|| path_id(in_corpus)),
            folders: self.folder_attributes(in_corpus),
            cases: self
                .sheet
                .as_ref()
                .map(|s| s.cases.clone())
                .unwrap_or_else(|| Arc::new(Cases::default())),
        }
    }

    /// The attributes a file at `in_corpus` takes from its folders: `folder`, the folders'
    /// path, unless `[project] folders` names the levels (`["module", "day"]`: the first folder
    /// is the `module`, the second the `day`; deeper ones give nothing).
    fn folder_attributes(&self, in_corpus: &Path) -> Attributes {
        let dirs: Vec<String> = in_corpus
            .parent()
            .into_iter()
            .flat_map(|p| p.components())
            .map(|c| c.as_os_str().to_string_lossy().to_string())
            .filter(|c| !c.is_empty() && c != ".")
            .collect();
        match &self.folders {
            None if dirs.is_empty() => Attributes::new(),
            None => Attributes::from([(FOLDER_KEY.to_string(), dirs.join("/"))]),
            Some(names) => names.iter().cloned().zip(dirs).collect(),
        }
    }

    /// The cases sheet's warnings: rows naming no interview in `interviews`, or a speaker who
    /// does not speak in it (`speakers`: each interview's speaker labels and declared names).
    pub fn sheet_warnings(
        &self,
        interviews: &[&str],
        speakers: &HashMap<&str, HashSet<&str>>,
    ) -> Vec<Warning> {
        self.sheet
            .as_ref()
            .map(|s| s.unmatched(interviews, speakers))
            .unwrap_or_default()
    }
}

/// Where the cases sheet is: `[project] cases`, which must exist; else the one of
/// [`DEFAULT_SHEETS`] at the project root (two of them are an error: which is meant?).
fn cases_path(project: &Project) -> Result<Option<PathBuf>, SourceError> {
    if let Some(setting) = &project.cases {
        let path = project.root.join(&setting.path);
        if !path.is_file() {
            let config = project.root.join(super::CONFIG_FILE);
            return Err(SourceError::new(
                &config,
                setting.line,
                setting.col,
                format!("cases sheet `{}` not found", setting.path),
            )
            .with_source(&project.config_text)
            .with_help("give the path of a CSV or XLSX file, relative to the project folder"));
        }
        return Ok(Some(path));
    }
    let found: Vec<PathBuf> = DEFAULT_SHEETS
        .iter()
        .map(|n| project.root.join(n))
        .filter(|p| p.is_file())
        .collect();
    if found.len() > 1 {
        let names: Vec<String> = found.iter().map(|p| project.relative(p)).collect();
        return Err(SourceError::whole_file(
            &found[1],
            format!("two cases sheets: {}", names.join(" and ")),
        )
        .with_help(
            "remove one, or say which is meant with [project] cases = \"...\" in qcode.toml",
        ));
    }
    Ok(found.into_iter().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(config: &str, files: &[&str]) -> (tempfile::TempDir, Project) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(super::super::CONFIG_FILE), config).unwrap();
        for f in files {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "P1: hi\n").unwrap();
        }
        let p = Project::open(dir.path()).unwrap();
        (dir, p)
    }

    fn ids(corpus: &Corpus) -> Vec<String> {
        corpus
            .files
            .iter()
            .map(|(_, p)| corpus.context(p).fallback_id(p))
            .collect()
    }

    #[test]
    fn files_that_share_a_name_take_their_paths_and_the_others_keep_theirs() {
        let files = [
            "corpus/module-1/2023-07-12.txt",
            "corpus/module-2/2023-07-12.txt",
            "corpus/module-2/2023-07-13.txt",
            "corpus/top.txt",
        ];
        let (_d, p) = project("", &files);
        let c = Corpus::open(&p).unwrap();
        assert_eq!(
            ids(&c),
            [
                "module-1/2023-07-12",
                "module-2/2023-07-12",
                "2023-07-13",
                "top"
            ]
        );
        let (_d, p) = project("[project]\nids = 'path'\n", &files);
        let c = Corpus::open(&p).unwrap();
        assert_eq!(
            ids(&c),
            [
                "module-1/2023-07-12",
                "module-2/2023-07-12",
                "module-2/2023-07-13",
                "top"
            ]
        );
    }

    #[test]
    fn folders_are_attributes_named_by_level_or_as_one_path() {
        // Listed in path order: b.txt, then m1/day 2/a.txt.
        let files = ["corpus/m1/day 2/a.txt", "corpus/b.txt"];
        let (_d, p) = project("", &files);
        let c = Corpus::open(&p).unwrap();
        let of = |i: usize| c.context(&c.files[i].1).folders;
        assert_eq!(
            of(1),
            Attributes::from([("folder".into(), "m1/day 2".into())])
        );
        assert!(of(0).is_empty());
        let (_d, p) = project("[project]\nfolders = ['module']\n", &files);
        let c = Corpus::open(&p).unwrap();
        assert_eq!(
            c.context(&c.files[1].1).folders,
            Attributes::from([("module".into(), "m1".into())])
        );
        let (_d, p) = project("[project]\nfolders = []\n", &files);
        let c = Corpus::open(&p).unwrap();
        assert!(c.context(&c.files[1].1).folders.is_empty());
    }

    #[test]
    fn a_sidecar_is_found_in_the_listing_as_on_disk() {
        let files = [
            "corpus/a.txt",
            "corpus/a.yaml",
            "corpus/b.txt",
            "corpus/c.txt",
        ];
        let (d, p) = project("", &files);
        std::fs::create_dir_all(d.path().join("corpus/c.yml")).unwrap();
        let c = Corpus::open(&p).unwrap();
        for (_, path) in &c.files {
            assert_eq!(
                c.sidecar(path),
                crate::transcript::sidecar_path(path),
                "{path:?}"
            );
        }
        assert!(c.sidecar(&c.files[0].1).is_some());
    }

    #[test]
    fn the_sheet_is_found_and_never_read_as_the_corpus() {
        let (d, p) = project("[project]\ncorpus = '.'\n", &["a.txt"]);
        std::fs::write(d.path().join("cases.csv"), "id,area\na,North\n").unwrap();
        let c = Corpus::open(&p).unwrap();
        assert_eq!(c.files.len(), 1, "{:?}", c.files);
        assert_eq!(
            c.context(&c.files[0].1).cases.interviews["a"]["area"],
            "North"
        );
        std::fs::write(d.path().join("cases.xlsx"), "").unwrap();
        let e = Corpus::open(&p).unwrap_err();
        assert!(e.message.contains("two cases sheets"), "{e}");
        let (_d, p) = project("[project]\ncases = 'meta/sheet.csv'\n", &["corpus/a.txt"]);
        let e = Corpus::open(&p).unwrap_err();
        assert_eq!((e.line, e.col), (2, 10), "{e}");
        assert!(e.message.contains("not found"), "{e}");
    }
}
