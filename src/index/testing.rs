//! For tests across the library: a throwaway project of given files, indexed and opened, as
//! every command sees it.

use super::{update, SearchIndex, UpdateOptions};
use crate::codebook::load_codebook;
use crate::project::Project;

/// A project in a temporary folder holding `files` (path relative to the project, text),
/// indexed and opened. Keep the folder as long as the index is used.
pub(crate) fn indexed(files: &[(&str, &str)]) -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let project = Project::open(dir.path()).unwrap();
    update(&project, UpdateOptions::default(), &|_, _| {}).unwrap();
    let codebook = load_codebook(&project.codebook_dir).unwrap();
    let index = SearchIndex::open(&project, codebook).unwrap();
    (dir, index)
}
