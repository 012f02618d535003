//! The index: segments stored in tantivy under `.qcode/index/`, kept up to date incrementally
//! (see [`writer`]), searched by words, phrases, prefixes, role, speaker and metadata (see
//! [`search`]), and read in bulk, in transcript order, for exports (see [`read`]). Everything
//! here is derived from the corpus and codebook and can be rebuilt.

mod check;
mod codings;
mod directory;
mod filter;
mod manifest;
mod mask;
mod merge;
mod near;
mod prefix;
mod query;
mod read;
mod roles;
mod schema;
mod search;
#[cfg(test)]
pub(crate) mod testing;
mod top;
mod warm;
mod watch;
mod writer;

pub use check::{FilterError, Hint, Kind, Unknown};
pub use codings::{codings_files, CodingsReport, STORE_FILE};
pub use filter::{Filter, WhereError};
pub use manifest::{FileEntry, Manifest};
pub use mask::{Mask, PARTICIPANT_ROLE};
pub use query::{parse_query, QueryError, QueryNode};
pub use read::Load;
pub use roles::{closest_roles, How, LabelRole};
pub use schema::{build_schema, register_tokenizers, SCHEMA_VERSION};
pub use search::{Hit, SearchIndex, SearchRequest, SearchResults};
pub use warm::WarmIndex;
pub use writer::{
    update, Assign, IndexLock, MakeAssign, Opened, UpdateOptions, UpdateReport, WRITER_BUDGET,
};

use std::path::{Path, PathBuf};

use crate::codebook::Codebook;
use crate::diag::SourceError;
use crate::project::Project;

/// The tantivy index, inside the project's `.qcode/`.
pub const INDEX_DIR: &str = "index";
/// Held while the index is written, so two qcode processes never write at once.
pub const LOCK_FILE: &str = "lock";

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(
        "the index is locked by another qcode process ({0}); wait for it to finish and try again"
    )]
    Locked(PathBuf),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", tantivy_message(path, source))]
    Tantivy {
        path: PathBuf,
        source: tantivy::TantivyError,
    },
    #[error("no index yet in {0}; run `qcode index` first")]
    Missing(PathBuf),
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Filter(#[from] FilterError),
    #[error("unknown code `{0}`; `qcode codes` lists the codebook's codes")]
    UnknownCode(String),
    #[error(transparent)]
    Codebook(#[from] crate::codebook::CodebookErrors),
    #[error(transparent)]
    Compile(#[from] crate::coding::CompileError),
    #[error("qcode.toml asks for [coding] assign = \"ranked\", but this index update was given no ranking to assign by")]
    NoRanking,
}

/// What a tantivy error means to the user: a file that cannot be read or written is named with
/// the system's reason (a full disk, permissions); anything else is a damaged index, which a
/// rebuild mends. Never tantivy's own words alone.
fn tantivy_message(path: &Path, e: &tantivy::TantivyError) -> String {
    match e {
        tantivy::TantivyError::IoError(io) => {
            format!("cannot read or write the index in {}: {io}", path.display())
        }
        tantivy::TantivyError::LockFailure(..) => format!(
            "the index in {} is locked by another process; wait for it to finish and try again",
            path.display()
        ),
        _ => format!(
            "the index in {} is damaged; run `qcode index --rebuild`",
            path.display()
        ),
    }
}

impl IndexError {
    pub fn io(path: &Path, source: std::io::Error) -> IndexError {
        IndexError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
    pub fn tantivy(path: &Path, source: tantivy::TantivyError) -> IndexError {
        IndexError::Tantivy {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// blake3 over everything besides the corpus that decides what the index holds: the schema
/// version, qcode.toml (less `[coding]`, which mostly chooses what is read), how the machine
/// codes (`[coding] assign` and its keys, and what assigns by rank, when anything does), and the
/// codebook (whose own hash covers each file's name and content, so the files are not read a
/// second time).
pub fn settings_hash(
    project: &Project,
    codebook: &Codebook,
    assign: Option<&dyn Assign>,
) -> String {
    let mut h = blake3::Hasher::new();
    h.update(&SCHEMA_VERSION.to_le_bytes());
    h.update(project.index_settings.as_bytes());
    // Only when ranked: indexes coded by patterns keep the hash they always had.
    if project.assign.by == crate::project::AssignBy::Ranked {
        h.update(project.assign.describe().as_bytes());
    }
    if let Some(a) = assign {
        h.update(a.fingerprint().as_bytes());
    }
    h.update(codebook.hash.as_bytes());
    h.finalize().to_hex().to_string()
}
