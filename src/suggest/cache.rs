//! The model cached in `.qcode/`: read when it was built from this codebook, with these
//! choices, by this version of the model; built and written (atomically) otherwise. A cache
//! that cannot be read or written is no error: the model is built in memory instead.

use std::path::{Path, PathBuf};

use super::model::{Model, Params};
use crate::codebook::Codebook;

/// The cached model's file, in the project's `.qcode/`.
pub const CACHE_FILE: &str = "suggest-model.json";

/// Where a project whose derived data lives in `data_dir` caches its model.
pub fn cache_path(data_dir: &Path) -> PathBuf {
    data_dir.join(CACHE_FILE)
}

/// The model of `codebook` built with `params`, from the cache in `data_dir` when it fits, and
/// whether it came from there.
pub fn model_for(data_dir: &Path, codebook: &Codebook, params: Params) -> (Model, bool) {
    let path = cache_path(data_dir);
    if let Some(model) = read(&path).filter(|m| m.fits(codebook, &params)) {
        return (model.with_lookup(), true);
    }
    let model = Model::build(codebook, params);
    // A cache is only a shortcut: a read-only project still gets its suggestions.
    let _ = write(&path, &model);
    (model, false)
}

fn read(path: &Path) -> Option<Model> {
    crate::cache::read_json(path)
}

fn write(path: &Path, model: &Model) -> std::io::Result<()> {
    crate::cache::write_json(path, model)
}
