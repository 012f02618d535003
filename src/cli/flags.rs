//! The flag groups several commands share, each declared once and turned once into the library
//! value the commands pass on: the segment filters ([`qcode::index::Filter`]) and the privacy
//! choice ([`qcode::privacy::Privacy`]).

use std::path::PathBuf;

use qcode::index::{Filter, WhereError};
use qcode::privacy::{Privacy, PrivacyError};

/// Which segments to read (search and every export that reads segments).
#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    /// Only segments spoken by this role (id, label or alias; repeatable: any of them).
    #[arg(long, value_name = "ROLE")]
    role: Vec<String>,
    /// Only segments by this speaker label, e.g. P1 (repeatable).
    #[arg(long, value_name = "LABEL")]
    speaker: Vec<String>,
    /// Only segments from this interview id (repeatable).
    #[arg(long, value_name = "ID")]
    interview: Vec<String>,
    /// Only segments whose metadata KEY equals VALUE, case-insensitively (repeatable: all must hold).
    #[arg(long = "where", value_name = "KEY=VALUE")]
    wheres: Vec<String>,
    /// Only segments coded with this code or one of its descendants (repeatable: any of them).
    #[arg(long, value_name = "ID")]
    code: Vec<String>,
    /// Only segments coded in this dimension: component, stakeholder, … (repeatable).
    #[arg(long, value_name = "DIM")]
    dimension: Vec<String>,
}

impl FilterArgs {
    /// The filter these flags ask for, with the command's own query and interviewer choice.
    pub fn filter(&self, query: String, include_interviewer: bool) -> Result<Filter, WhereError> {
        Ok(Filter {
            query,
            roles: self.role.clone(),
            speakers: self.speaker.clone(),
            interviews: self.interview.clone(),
            wheres: self
                .wheres
                .iter()
                .map(|w| Filter::parse_where(w))
                .collect::<Result<_, _>>()?,
            codes: self.code.clone(),
            dimensions: self.dimension.clone(),
            include_interviewer,
        })
    }
}

/// Whether participants' names are shown, and what else to mask (every command that shows or
/// writes participants' words).
#[derive(Debug, Clone, clap::Args)]
pub struct PrivacyArgs {
    /// Show participants' names declared in transcript headers (masked as [REDACTED] by
    /// default).
    #[arg(long)]
    with_names: bool,
    /// Names and places (one per line in FILE, `#` comments) to show as [REDACTED]: whole words,
    /// any case.
    #[arg(long, value_name = "FILE")]
    redact: Option<PathBuf>,
}

impl PrivacyArgs {
    /// The privacy choice, with the redaction list read.
    pub fn privacy(&self) -> Result<Privacy, PrivacyError> {
        Privacy::read(self.with_names, self.redact.as_deref())
    }
}
