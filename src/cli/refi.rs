//! `qcode export qdpx`: the coded project assembled by the library as a REFI-QDA package,
//! masked at the privacy boundary (participants' names unless `--with-names`, and the
//! `--redact` list) with every position kept, positions counted as `--positions` says.

use anyhow::Result;

use qcode::refi::assemble::assemble;
use qcode::refi::Units;

use super::flags::PrivacyArgs;
use super::index::open_fresh_index;
use super::Context;

/// How `export qdpx` counts selection positions.
#[derive(Debug, clap::Args)]
pub struct QdpxArgs {
    /// codepoints (default: the REFI-QDA standard; ATLAS.ti, MAXQDA, QualCoder) or utf16 (for
    /// NVivo, which counts an emoji as two). Recorded in the package, so `qcode import qdpx`
    /// reads either back.
    #[arg(long, value_enum, default_value_t = UnitsArg::Codepoints)]
    positions: UnitsArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum UnitsArg {
    Codepoints,
    Utf16,
}

pub fn qdpx(ctx: &Context, args: &PrivacyArgs, qdpx: &QdpxArgs) -> Result<Vec<u8>> {
    let index = open_fresh_index(ctx)?;
    // Assembled from the real ids (sources are found by them), masked as a whole after.
    let mask = args.mask(ctx, &args.privacy()?, &index)?;
    let mut project = assemble(&ctx.project, &index)?;
    project.mask(&mask);
    let units = match qdpx.positions {
        UnitsArg::Codepoints => Units::CodePoints,
        UnitsArg::Utf16 => Units::Utf16,
    };
    Ok(project.into_qdpx(index.codebook(), units)?)
}
