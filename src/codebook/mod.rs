//! The codebook: the files in the project's codebook/ folder. For now this owns the role table
//! (`[roles]`), which maps the speaker labels written in transcripts to canonical role ids.

mod roles;

pub use roles::{normalise_label, slug, Role, RoleTable, INTERVIEWER_ROLE};

use std::path::{Path, PathBuf};

use crate::diag::SourceError;

/// Every `*.toml` file directly in `dir`, sorted by name (the order files combine in).
pub fn codebook_files(dir: &Path) -> Result<Vec<PathBuf>, SourceError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| SourceError::whole_file(dir, format!("cannot read codebook folder: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Load the role tables of every codebook file in `dir` into one table.
pub fn load_roles(dir: &Path) -> Result<RoleTable, SourceError> {
    let mut table = RoleTable::default();
    for path in codebook_files(dir)? {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| SourceError::whole_file(&path, format!("cannot read: {e}")))?;
        table.add_file(&path, &text)?;
    }
    Ok(table)
}
