//! The shape every export takes before it is written: named tables of typed cells, plus the
//! metadata that makes an export reproducible (codebook name, version and hash, corpus size).

use serde::Serialize;

/// One cell. Numbers stay numbers so spreadsheets and JSON get them typed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A number shown with this many decimals.
    Num(f64, #[serde(skip)] u8),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// As written in CSV and terminal tables.
    pub fn render(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Num(x, d) => format!("{:.*}", *d as usize, x),
            Cell::Empty => String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// Short name (an XLSX sheet name).
    pub name: String,
    /// What the table shows, in words.
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// For one of several tables split by a variable: (variable, value). Stacked CSV output
    /// puts the value in a first column named after the variable.
    pub group: Option<(String, String)>,
}

/// What produced an export: recorded in JSON and in the XLSX "about" sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportMeta {
    pub qcode_version: String,
    pub export: String,
    pub codebook_name: String,
    pub codebook_version: String,
    pub codebook_hash: String,
    /// Respondent segments and interviews the export was computed from (after filters).
    pub segments: usize,
    pub interviews: usize,
}

impl ExportMeta {
    /// What an export records of where it came from: this qcode, the codebook, and how many
    /// respondent segments and interviews it was computed from.
    pub fn new(
        codebook: &crate::codebook::Codebook,
        export: &str,
        segments: usize,
        interviews: usize,
    ) -> ExportMeta {
        ExportMeta {
            qcode_version: env!("CARGO_PKG_VERSION").to_string(),
            export: export.to_string(),
            codebook_name: codebook.name.clone(),
            codebook_version: codebook.version.clone(),
            codebook_hash: codebook.hash.clone(),
            segments,
            interviews,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Export {
    pub meta: ExportMeta,
    pub tables: Vec<Table>,
}
