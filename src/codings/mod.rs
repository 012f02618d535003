//! The codings store: what people decided, kept in the project's `codings/*.csv` (one row a
//! coding, several coders to a file allowed), beside the codes the machine gives from the
//! codebook. Rows are read here ([`row`]); rows whose segment no longer exists are found again
//! from their interview, offsets and text, or reported as orphaned, never dropped.

pub mod import;
pub mod row;

pub use row::{now, read_rows, write_rows, CodingRow, Status, COLUMNS};

/// The project folder codings files live in.
pub const CODINGS_DIR: &str = "codings";
