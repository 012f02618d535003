//! The codings store: what people decided, kept in the project's `codings/*.csv` (one row a
//! coding, several coders to a file allowed), beside the codes the machine gives from the
//! codebook. Rows are read in [`row`]; the store the index keeps, every row tied to a segment
//! that exists now, is [`store`]; whose codings a command reads, and how a person's review
//! replaces the machine's codes, is [`view`]; coded segments brought in by their text, [`import`].

pub mod anchor;
pub mod edit;
pub mod import;
pub mod memo;
pub mod row;
pub mod store;
pub mod view;

pub use row::{now, read_rows, write_rows, CodingRow, Status, COLUMNS};
pub use store::{Orphan, Store, StoredRow};
pub use view::{Coder, CoderView, UnknownCoder, ALL, MACHINE, REVIEWED};

/// The project folder codings files live in.
pub const CODINGS_DIR: &str = "codings";
