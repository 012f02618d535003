//! The flag groups several commands share, each declared once and turned once into the library
//! value the commands pass on: the segment filters ([`qcode::index::Filter`]), the privacy
//! choice ([`qcode::privacy::Privacy`]) and whose codings are read
//! ([`qcode::codings::CoderView`]).

use std::path::PathBuf;

use qcode::codings::{CoderView, UnknownCoder};
use qcode::index::{Filter, SearchIndex, WhereError};
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
#[derive(Debug, Clone, Default, clap::Args)]
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

    /// Set the privacy boundary on `index`: every read from now on is masked (names, ids and
    /// labels by pseudonym, private metadata left out), and so is every message. Pseudonyms
    /// the project's table lacks are appended to it.
    pub fn apply(&self, ctx: &super::Context, index: &mut SearchIndex) -> anyhow::Result<Privacy> {
        let privacy = self.privacy()?;
        let mask = self.mask(ctx, &privacy, index)?;
        index.set_mask(mask);
        Ok(privacy)
    }

    /// The privacy boundary for `index` (see [`PrivacyArgs::apply`]), not set on it: for a
    /// command that reads the real ids first and masks what it writes (a .qdpx).
    pub fn mask(
        &self,
        ctx: &super::Context,
        privacy: &Privacy,
        index: &SearchIndex,
    ) -> anyhow::Result<qcode::index::Mask> {
        mask_for(ctx, privacy, index)
    }
}

/// The privacy boundary for `index` as a command without the privacy flags has it: names
/// masked, ids and labels naming someone by pseudonym (see [`PrivacyArgs::mask`]).
pub fn default_mask(
    ctx: &super::Context,
    index: &SearchIndex,
) -> anyhow::Result<qcode::index::Mask> {
    mask_for(ctx, &Privacy::default(), index)
}

/// The boundary `privacy` asks for, its new pseudonyms appended, messages masked alike.
fn mask_for(
    ctx: &super::Context,
    privacy: &Privacy,
    index: &SearchIndex,
) -> anyhow::Result<qcode::index::Mask> {
    let (mask, new) = privacy.mask(&ctx.project, index)?;
    append_pseudonyms(ctx, &new)?;
    super::output::set_stderr_mask(mask.redactor.clone());
    Ok(mask)
}

/// Add `rows` to the project's pseudonyms table (created with its header when new): rows are
/// only ever appended, so a pseudonym never changes.
fn append_pseudonyms(
    ctx: &super::Context,
    rows: &[qcode::privacy::pseudonyms::Row],
) -> anyhow::Result<()> {
    use std::io::Write as _;
    if rows.is_empty() {
        return Ok(());
    }
    let path = ctx
        .project
        .root
        .join(qcode::privacy::pseudonyms::PSEUDONYMS_FILE);
    let new_file = !path.exists();
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    f.write_all(qcode::privacy::pseudonyms::lines(rows, new_file).as_bytes())?;
    ctx.note(format!(
        "{} new pseudonym(s) for ids and labels naming a participant, in {}",
        rows.len(),
        ctx.project.relative(&path)
    ));
    Ok(())
}

/// Whose codings to read (every command that reads codings).
#[derive(Debug, Clone, clap::Args)]
pub struct CoderArgs {
    /// Read this coder's codings: `machine`, a coder's name from codings/, `reviewed:NAME`
    /// (NAME's decisions replace the machine's, segment by segment) or `all` (repeatable;
    /// default: qcode.toml's `[coding] use`, else `machine`).
    #[arg(long, value_name = "NAME")]
    coder: Vec<String>,
}

impl CoderArgs {
    /// The one coder named, for a command that records codings (`what` names the flag that
    /// asks for it): a person's name, not a reserved one.
    pub fn single(&self, what: &str) -> Result<String, anyhow::Error> {
        match self.coder.as_slice() {
            [one] => person(one, what),
            _ => anyhow::bail!("{what} needs one --coder NAME: the person whose codings these are"),
        }
    }

    /// The view these flags ask for, checked against the coders `index`'s store has, and set
    /// on the index.
    pub fn apply(&self, default: &str, index: &mut SearchIndex) -> Result<(), UnknownCoder> {
        let view = CoderView::parse(&self.coder, default, &index.store().coders())?;
        index.set_view(view);
        Ok(())
    }
}

/// `name` as the person a command (`what`) records codings under: not a reserved name, and a
/// file name (see [`CoderArgs::single`]).
pub fn person(name: &str, what: &str) -> Result<String, anyhow::Error> {
    if is_reserved(name) {
        anyhow::bail!("{what} records codings as a person: `{name}` is a reserved coder name; give your own name with --coder NAME")
    }
    if !is_file_name(name) {
        anyhow::bail!("`{name}` cannot name a coder: a coder's codings go to codings/NAME.csv, so use letters, digits, spaces, `-`, `_` or `.` (not first)")
    }
    Ok(name.trim().to_string())
}

/// Names that choose coders rather than name one.
fn is_reserved(name: &str) -> bool {
    let n = name.trim();
    n == qcode::codings::MACHINE
        || n == qcode::codings::ALL
        || n.starts_with(qcode::codings::REVIEWED)
}

/// A coder's name is a file name too (codings/NAME.csv, memos/NAME.md): nothing that could
/// leave the folder or hide the file.
fn is_file_name(name: &str) -> bool {
    let n = name.trim();
    !n.is_empty()
        && n.chars().count() <= 64
        && !n.starts_with('.')
        && n.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'))
}
