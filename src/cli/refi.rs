//! `qcode export qdpx`: the coded project assembled by the library as a REFI-QDA package, with
//! participants' names masked unless `--with-names`.

use anyhow::Result;

use qcode::export::Redactor;
use qcode::refi::assemble::{assemble, QdpxProject};

use super::index::open_fresh_index;
use super::Context;

pub fn qdpx(ctx: &Context, with_names: bool) -> Result<Vec<u8>> {
    let index = open_fresh_index(ctx)?;
    let mut project = assemble(&ctx.project, &index)?;
    mask_names(&mut project, with_names)?;
    Ok(project.into_qdpx(index.codebook())?)
}

/// REDACTION of the .qdpx: the one place its texts are masked. Each file's declared names are
/// replaced by as many `█` as they have characters, so no selection's position moves; with
/// `--with-names` nothing is masked.
fn mask_names(project: &mut QdpxProject, with_names: bool) -> Result<()> {
    if with_names {
        return Ok(());
    }
    for file in &mut project.files {
        let masker = Redactor::new("", &file.names)?;
        for source in &mut file.sources {
            source.text = masker.apply_keeping_positions(&source.text);
        }
    }
    Ok(())
}
