//! `qcode export qdpx`: the coded project assembled by the library as a REFI-QDA package,
//! masked at the privacy boundary (participants' names unless `--with-names`, and the
//! `--redact` list) with every position kept.

use anyhow::Result;

use qcode::privacy::Privacy;
use qcode::refi::assemble::assemble;

use super::index::open_fresh_index;
use super::Context;

pub fn qdpx(ctx: &Context, privacy: &Privacy) -> Result<Vec<u8>> {
    let index = open_fresh_index(ctx)?;
    let mut project = assemble(&ctx.project, &index)?;
    project.mask(privacy)?;
    Ok(project.into_qdpx(index.codebook())?)
}
