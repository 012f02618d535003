//! What `qcode count` writes: per-segment rows (`segment_id, code_id, count`, tab-separated) and
//! the code × role matrix, and where.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::Tally;

/// The first line of the per-segment output.
pub(super) const HEADER: &[u8] = b"segment_id\tcode_id\tcount\n";

/// One segment's nonzero counts, a line each, codes in codebook order.
pub(super) fn counts(
    out: &mut Vec<u8>,
    id: &[u8],
    counts: &[u32],
    code_ids: &[String],
    itoa: &mut itoa::Buffer,
) {
    for (code, &n) in code_ids.iter().zip(counts) {
        if n > 0 {
            out.extend_from_slice(id);
            out.push(b'\t');
            out.extend_from_slice(code.as_bytes());
            out.push(b'\t');
            out.extend_from_slice(itoa.format(n).as_bytes());
            out.push(b'\n');
        }
    }
}

/// The code × role matrix as TSV: `code_id`, then one column per role id.
pub fn write_matrix<W: Write>(
    tally: &Tally,
    code_ids: &[String],
    out: &mut W,
) -> std::io::Result<()> {
    write!(out, "code_id")?;
    for r in &tally.roles {
        write!(out, "\t{r}")?;
    }
    writeln!(out)?;
    for (c, id) in code_ids.iter().enumerate() {
        write!(out, "{id}")?;
        for n in &tally.matrix[c] {
            write!(out, "\t{n}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The code × role counts in long form, one `code_id<TAB>role<TAB>count` line per nonzero
/// count (codes in codebook order, roles as in the matrix), with no header: the tables of the
/// parts of a corpus, concatenated, add up by (code, role) to the table of the whole, which is
/// what an engine that runs `qcode count - -o -` per partition does with them.
pub fn write_long<W: Write>(
    tally: &Tally,
    code_ids: &[String],
    out: &mut W,
) -> std::io::Result<()> {
    for (c, id) in code_ids.iter().enumerate() {
        for (role, n) in tally.roles.iter().zip(&tally.matrix[c]) {
            if *n > 0 {
                writeln!(out, "{id}\t{role}\t{n}")?;
            }
        }
    }
    Ok(())
}

/// The two output files of a prefix: `PREFIX.seg.tsv` and `PREFIX.matrix.tsv`.
pub fn output_paths(prefix: &Path) -> (PathBuf, PathBuf) {
    let p = prefix.as_os_str().to_owned();
    let with = |ext: &str| {
        let mut s = p.clone();
        s.push(ext);
        PathBuf::from(s)
    };
    (with(".seg.tsv"), with(".matrix.tsv"))
}
