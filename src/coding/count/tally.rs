//! Coding rows and adding up: each run of rows is coded on its own (in parallel) into its output
//! bytes and per-label tallies; [`Tallier`] merges runs in corpus order into the code × role
//! matrix, resolving each distinct role label once through the role table.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use super::read::{line_of, Row, TsvBlock};
use super::{input_error, write, CountError, Counter, Tally};
use crate::coding::Matcher;
use crate::diag::SourceError;
use crate::roles::RoleTable;
use crate::transcript::table::resolve_role;

/// What one run of rows gave.
pub(super) struct RunOut {
    pub out: Vec<u8>,
    /// Rows split by the run itself (TSV).
    pub segments: u64,
    /// Per role label as written, in order of first appearance in the run: occurrences per code.
    pub roles: Vec<(Vec<u8>, Vec<u64>)>,
    pub coded: u64,
}

/// Code `rows` (of `buf`; `tsv` when they are TSV rows, for error lines) and write their counts.
pub(super) fn code_run(
    buf: &[u8],
    rows: &[Row],
    tsv: Option<&TsvBlock>,
    path: &Path,
    counter: Counter<'_>,
) -> Result<RunOut, SourceError> {
    let mut counts = vec![0u32; counter.code_ids.len()];
    let mut run = RunOut {
        segments: 0,
        out: Vec::with_capacity(rows.len() * 32),
        roles: Vec::new(),
        coded: 0,
    };
    let mut itoa = itoa::Buffer::new();
    for row in rows {
        let text = std::str::from_utf8(&buf[row.text.clone()]).map_err(|e| {
            SourceError::new(
                path,
                tsv.map_or(row.line, |t| line_of(buf, t, row.id.start)) as usize,
                0,
                format!("invalid UTF-8 at byte {} of the text", e.valid_up_to() + 1),
            )
            .with_help("save the file as UTF-8 (in Excel: CSV UTF-8; in a text editor: Save with Encoding)")
        })?;
        code_text(counter.matcher, text, &mut counts);
        if counts.iter().all(|&c| c == 0) {
            continue;
        }
        run.coded += 1;
        let role = &buf[row.role.clone()];
        let slot = match run.roles.iter().position(|(r, _)| r == role) {
            Some(i) => i,
            None => {
                run.roles.push((role.to_vec(), vec![0; counts.len()]));
                run.roles.len() - 1
            }
        };
        for (sum, &n) in run.roles[slot].1.iter_mut().zip(&counts) {
            *sum += n as u64;
        }
        write::counts(
            &mut run.out,
            &buf[row.id.clone()],
            &counts,
            counter.code_ids,
            &mut itoa,
        );
    }
    Ok(run)
}

/// Each code's count in `text`, into `counts`: every occurrence (dictionary), or the hits that
/// applied it (rules).
fn code_text(matcher: &Matcher, text: &str, counts: &mut [u32]) {
    counts.iter_mut().for_each(|c| *c = 0);
    match matcher {
        Matcher::Dictionary(m) => {
            m.count(text, counts);
            m.apply_min_hits(counts);
        }
        Matcher::Rules(_) => {
            for c in matcher.code(text) {
                counts[c.code as usize] = c.hits.len() as u32;
            }
        }
    }
}

/// The matrix and totals, merged from runs in corpus order.
pub(super) struct Tallier<'a> {
    roles: &'a RoleTable,
    /// The matrix's columns: role ids, in order of first appearance.
    columns: Vec<String>,
    /// A role label as written → its column: each label is resolved once, not per row.
    by_label: HashMap<Vec<u8>, usize>,
    by_id: HashMap<String, usize>,
    matrix: Vec<Vec<u64>>,
    pub segments: u64,
    coded: u64,
    pub bytes: u64,
}

impl<'a> Tallier<'a> {
    pub fn new(n_codes: usize, roles: &'a RoleTable) -> Tallier<'a> {
        Tallier {
            roles,
            columns: Vec::new(),
            by_label: HashMap::new(),
            by_id: HashMap::new(),
            matrix: vec![Vec::new(); n_codes],
            segments: 0,
            coded: 0,
            bytes: 0,
        }
    }

    /// Write each run's rows and add up its tallies, in order; the first bad row stops it.
    pub fn merge<W: Write>(
        &mut self,
        runs: Vec<Result<RunOut, SourceError>>,
        out: &mut W,
    ) -> Result<(), CountError> {
        for run in runs {
            let run = run.map_err(input_error)?;
            out.write_all(&run.out)?;
            self.coded += run.coded;
            self.segments += run.segments;
            for (label, counts) in run.roles {
                let col = self.column(label);
                for (c, n) in counts.iter().enumerate() {
                    self.matrix[c][col] += n;
                }
            }
        }
        Ok(())
    }

    /// The column of a role label: the role id the index would give it (so `Cllr` and
    /// `Councillor` share one when the role table says so).
    fn column(&mut self, label: Vec<u8>) -> usize {
        if let Some(&c) = self.by_label.get(&label) {
            return c;
        }
        let id = resolve_role(self.roles, &String::from_utf8_lossy(&label)).id;
        let next = self.columns.len();
        let col = *self.by_id.entry(id.clone()).or_insert(next);
        if col == next {
            self.columns.push(id);
            for row in &mut self.matrix {
                row.push(0);
            }
        }
        self.by_label.insert(label, col);
        col
    }

    pub fn finish(self) -> Tally {
        Tally {
            roles: self.columns,
            matrix: self.matrix,
            segments: self.segments,
            coded: self.coded,
            bytes: self.bytes,
        }
    }
}
