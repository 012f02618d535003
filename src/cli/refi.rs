//! `qcode export qdpx`: the coded project assembled by the library as a REFI-QDA package,
//! masked at the privacy boundary (participants' names unless `--with-names`, and the
//! `--redact` list) with every position kept.

use anyhow::Result;

use qcode::refi::assemble::assemble;

use super::flags::PrivacyArgs;
use super::index::open_fresh_index;
use super::Context;

pub fn qdpx(ctx: &Context, args: &PrivacyArgs) -> Result<Vec<u8>> {
    let index = open_fresh_index(ctx)?;
    // Assembled from the real ids (sources are found by them), masked as a whole after.
    let mask = args.mask(ctx, &args.privacy()?, &index)?;
    let mut project = assemble(&ctx.project, &index)?;
    project.mask(&mask);
    Ok(project.into_qdpx(index.codebook())?)
}
