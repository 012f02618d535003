//! Exports: the coded quotes and the matrices that go into a report or into R/SPSS. The data come
//! from the index (segments with their codings), are aggregated in parallel (rayon fold/reduce)
//! into [`Table`]s with rows and columns in a stable order, and are written as CSV (optionally
//! Excel-safe), JSON, XLSX or a terminal table, or in Taguette's layouts. The matrices, and the
//! listings and framework matrix as CSV, stream a window of segments at a time. Quotes are attributed by role; participants' names appear
//! only when asked for, and a redaction list masks named people and places (see
//! [`crate::privacy`]).

mod dataset;
mod listings;
mod matrices;
mod stream;
mod table;
mod taguette;
mod write;

pub use dataset::{Dataset, Item};
pub use listings::{code_selection, quotes, wide, Framework, FrameworkOptions, ListingOptions};
pub use matrices::{
    cooccur, crosstab, Cooccur, CountUnit, Crosstab, CrosstabOptions, Measure, Percent, Var,
};
pub use stream::{
    kept_addresses, load, stream_cooccur, stream_crosstab, stream_framework, stream_framework_csv,
    stream_listing, Listing, StreamError, DEFAULT_WINDOW, MATRIX_LOAD,
};
pub use table::{Cell, Export, ExportMeta, Table};
pub use taguette::{taguette_codebook, taguette_highlights, taguette_tags};
pub use write::{
    cut_warning, neutralise, write_csv, write_csv_header, write_csv_rows, write_json, write_table,
    write_xlsx, CsvFlavour, CutCell, XlsxFile, ABOUT_SHEET, XLSX_CELL_LIMIT,
};

/// A problem with what was asked for (an unknown variable, a bad option).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("unknown variable `{name}`: use role, code, meta:KEY or a code dimension ({})", .dimensions.join(", "))]
    UnknownVariable {
        name: String,
        /// The codebook's dimensions.
        dimensions: Vec<String>,
    },
    #[error("no codes of dimension `{dimension}`; the codebook has: {}", .dimensions.join(", "))]
    NoCodesOfDimension {
        dimension: String,
        /// The codebook's dimensions.
        dimensions: Vec<String>,
    },
    #[error("--count hits needs codes on the rows or the columns (code or a dimension)")]
    HitsWithoutCodes,
}
