//! The review as a spreadsheet: `qcode export review` writes one row per pending proposal
//! (segment × proposed code) with an empty `decision` column; the person fills it in Excel or
//! LibreOffice (`accept`/`reject`, or `a`/`r`, any case; empty = not yet) and `qcode import
//! review` reads it back, CSV (any delimiter, with or without a BOM, CRLF or LF) or XLSX (shared
//! strings or inline). A row whose segment or code no longer exists is reported with its row
//! number, never dropped silently.

use std::collections::HashMap;
use std::path::Path;

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DocProperties, ExcelDateTime, Format, Workbook,
    XlsxError,
};

use crate::codings::import::sheet::read_cells;
use crate::codings::Status;
use crate::diag::SourceError;
use crate::index::{IndexError, Load, SearchIndex};
use crate::privacy::Redactor;
use crate::transcript::Segment;

use super::queue::Queue;
use super::session::Session;
use super::{Source, Verdict};

/// The sheet's columns, in order.
pub const HEADER: [&str; 6] = [
    "segment_id",
    "code",
    "code_label",
    "evidence",
    "text",
    "decision",
];

/// One row of the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub segment_id: String,
    pub code: String,
    pub code_label: String,
    /// The words that made the machine propose the code (or the suggested words and reason).
    pub evidence: String,
    pub text: String,
    /// Empty for a pending proposal; `accept`/`reject` for one already decided.
    pub decision: String,
}

impl SheetRow {
    fn cells(&self) -> [&str; 6] {
        [
            &self.segment_id,
            &self.code,
            &self.code_label,
            &self.evidence,
            &self.text,
            &self.decision,
        ]
    }
}

/// The rows for `session`'s proposals: the pending ones, or (`all`) every one, those decided
/// with their decision filled in. Participants' words pass through `redactor`.
pub fn sheet_rows(
    index: &SearchIndex,
    session: &Session,
    all: bool,
    redactor: &Redactor,
) -> Result<Vec<SheetRow>, IndexError> {
    let queue = &session.queue;
    let chosen: Vec<usize> = (0..queue.proposals.len())
        .filter(|&i| match session.state(i) {
            None => true,
            Some(Status::Accepted | Status::Rejected) => all,
            Some(_) => false,
        })
        .collect();
    let ids: std::collections::HashSet<String> = chosen
        .iter()
        .map(|&i| queue.proposals[i].segment_id.clone())
        .collect();
    let load = Load {
        respondents_only: false,
        text: true,
        evidence: true,
    };
    let segments: HashMap<String, (Segment, Vec<crate::coding::Evidence>)> = index
        .segments(load, Some(&ids))?
        .into_iter()
        .map(|(s, e)| (s.id.clone(), (s, e)))
        .collect();
    let codebook = index.codebook();
    let mut rows = Vec::with_capacity(chosen.len());
    for i in chosen {
        let p = &queue.proposals[i];
        let Some((segment, machine)) = segments.get(&p.segment_id) else {
            continue;
        };
        rows.push(SheetRow {
            segment_id: p.segment_id.clone(),
            code: p.code.clone(),
            code_label: codebook
                .code(&p.code)
                .map(|c| c.label.clone())
                .unwrap_or_default(),
            evidence: redactor.apply(&evidence(index, queue, segment, machine, &p.code)),
            text: redactor.apply(&segment.text),
            decision: match session.state(i) {
                Some(Status::Accepted) => "accept".into(),
                Some(Status::Rejected) => "reject".into(),
                _ => String::new(),
            },
        });
    }
    Ok(rows)
}

/// A proposal's evidence in one cell: the matched words (`; ` between), or the suggested words
/// and reason.
fn evidence(
    index: &SearchIndex,
    queue: &Queue,
    segment: &Segment,
    machine: &[crate::coding::Evidence],
    code: &str,
) -> String {
    let mut words: Vec<String> = Vec::new();
    match queue.of {
        Source::Machine => {
            for h in machine
                .iter()
                .filter(|e| e.code == code)
                .flat_map(|e| &e.hits)
            {
                let w = h.text.replace('\n', " ");
                if !words.contains(&w) {
                    words.push(w);
                }
            }
        }
        Source::Suggested => {
            for r in index.store().for_segment(&segment.id).filter(|r| {
                r.coder == super::SUGGESTED && r.status == Status::Proposed && r.code == code
            }) {
                for w in [r.text.trim(), r.memo.trim()] {
                    if !w.is_empty() && w != segment.text.trim() && !words.iter().any(|x| x == w) {
                        words.push(w.to_string());
                    }
                }
            }
        }
    }
    words.join("; ")
}

/// The sheet as CSV for a spreadsheet program: UTF-8 with a BOM, CRLF line ends, and text
/// that a spreadsheet would take for a formula made inert with a leading `'` (the `decision`,
/// `segment_id` and `code` cells are never changed, so they read back as written).
pub fn write_csv(rows: &[SheetRow]) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(&mut out);
    // Writing to memory cannot fail.
    w.write_record(HEADER).expect("write to memory");
    for r in rows {
        let cells = r.cells();
        let safe: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if matches!(i, 2..=4) {
                    crate::text::spreadsheet::inert(c).into_owned()
                } else {
                    c.to_string()
                }
            })
            .collect();
        w.write_record(&safe).expect("write to memory");
    }
    w.flush().expect("write to memory");
    drop(w);
    out
}

/// The sheet as XLSX: the header bold and frozen, the text wrapped, and the `decision` column
/// offering accept / reject (other values, such as `a` or `r`, are let through with a warning).
/// Every cell is a string, never a formula. The creation date is fixed, so the same review
/// gives the same bytes.
pub fn write_xlsx(rows: &[SheetRow]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1)?)
            .set_author("qcode"),
    );
    let ws = wb.add_worksheet();
    ws.set_name("review")?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (c, width) in [22, 16, 20, 30, 70, 10].into_iter().enumerate() {
        ws.set_column_width(c as u16, width)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.cells().iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            if c == 4 {
                ws.write_string_with_format(r, c as u16, *cell, &wrap)?;
            } else {
                ws.write_string(r, c as u16, *cell)?;
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    if !rows.is_empty() {
        let choice = DataValidation::new()
            .allow_list_strings(&["accept", "reject"])?
            .ignore_blank(true)
            .set_error_style(DataValidationErrorStyle::Warning);
        ws.add_data_validation(1, 5, rows.len() as u32, 5, &choice)?;
    }
    wb.save_to_buffer()
}

/// A decision read from a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// The row's number in the sheet (the header is row 1 of a CSV file; an XLSX row is the
    /// worksheet's).
    pub row: usize,
    pub segment_id: String,
    pub code: String,
    pub verdict: Verdict,
}

/// What a filled-in sheet holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decisions {
    pub decided: Vec<Decided>,
    /// Rows with an empty `decision`: not decided yet.
    pub undecided: usize,
}

/// Read the decisions of a filled-in sheet. Columns are found by name (any case, any order,
/// other columns ignored); a `decision` that is not accept, reject, a, r (any case) or empty is
/// an error naming its row and column, and nothing is read.
pub fn read_decisions(path: &Path, bytes: &[u8]) -> Result<Decisions, SourceError> {
    let rows = read_cells(path, bytes)?;
    let Some(((head_row, header), body)) = rows.split_first() else {
        return Err(SourceError::whole_file(path, "the sheet is empty")
            .with_help("`qcode export review` writes one to fill in"));
    };
    let col = |name: &str| {
        header.iter().position(|h| {
            h.trim()
                .trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case(name)
        })
    };
    let (Some(seg), Some(code), Some(decision)) = (col("segment_id"), col("code"), col("decision"))
    else {
        return Err(SourceError::new(
            path,
            *head_row,
            1,
            format!(
                "a review sheet needs the columns segment_id, code and decision; its columns are: {}",
                header.join(", ")
            ),
        )
        .with_help("`qcode export review` writes one to fill in; keep its header row"));
    };
    let mut out = Decisions::default();
    for (n, cells) in body {
        let cell = |c: usize| cells.get(c).map(|s| s.trim()).unwrap_or("");
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let verdict = Verdict::parse(cell(decision)).map_err(|e| {
            SourceError::new(path, *n, decision + 1, format!("row {n}: {e}")).with_help(
                "write accept or reject (a or r will do, any case); leave it empty to decide later",
            )
        })?;
        match verdict {
            None => out.undecided += 1,
            Some(verdict) => out.decided.push(Decided {
                row: *n,
                segment_id: cell(seg).to_string(),
                code: cell(code).to_string(),
                verdict,
            }),
        }
    }
    Ok(out)
}

/// A decision that cannot be recorded, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unrecorded {
    pub row: usize,
    pub segment_id: String,
    pub code: String,
    pub why: String,
}

/// A sheet's decisions checked against the index.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// Each decision to record, with its segment.
    pub ok: Vec<(Decided, Segment)>,
    pub unrecorded: Vec<Unrecorded>,
}

/// The decisions that can be recorded, each with its segment, and those that cannot: a segment
/// or a code that no longer exists, a grouping code, a row decided again further down (the
/// later one is recorded).
pub fn resolve(index: &SearchIndex, decisions: Vec<Decided>) -> Result<Resolved, IndexError> {
    let mut ok: Vec<(Decided, Segment)> = Vec::new();
    let mut bad = Vec::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for d in decisions {
        let why = match index.codebook().code(&d.code) {
            _ if d.segment_id.is_empty() => Some("no segment_id".to_string()),
            None => Some(format!("no code `{}` in the codebook", d.code)),
            Some(c) if !c.codable => Some(format!("`{}` is a grouping code", d.code)),
            Some(_) => None,
        };
        let segment = match why {
            Some(_) => None,
            None => index.segment(&d.segment_id)?.map(|(s, _)| s),
        };
        match (why, segment) {
            (Some(why), _) => bad.push(unrecorded(&d, why)),
            (None, None) => bad.push(unrecorded(
                &d,
                format!(
                    "no segment `{}` in the index (edited or removed since the sheet was written?)",
                    d.segment_id
                ),
            )),
            (None, Some(s)) => {
                let key = (d.segment_id.clone(), d.code.clone());
                if let Some(&earlier) = seen.get(&key) {
                    let before: &mut (Decided, Segment) = &mut ok[earlier];
                    bad.push(unrecorded(
                        &before.0,
                        format!("decided again in row {} (that one is recorded)", d.row),
                    ));
                    *before = (d, s);
                } else {
                    seen.insert(key, ok.len());
                    ok.push((d, s));
                }
            }
        }
    }
    bad.sort_by_key(|u| u.row);
    Ok(Resolved {
        ok,
        unrecorded: bad,
    })
}

fn unrecorded(d: &Decided, why: String) -> Unrecorded {
    Unrecorded {
        row: d.row,
        segment_id: d.segment_id.clone(),
        code: d.code.clone(),
        why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seg: &str, text: &str) -> SheetRow {
        SheetRow {
            segment_id: seg.into(),
            code: "trust".into(),
            code_label: "Trust".into(),
            evidence: "trust".into(),
            text: text.into(),
            decision: String::new(),
        }
    }

    #[test]
    fn csv_has_a_bom_crlf_and_inert_formulas_and_reads_back() {
        let bytes = write_csv(&[row("a:1.1", "=1+1 \"quoted\"\nnext line")]);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("\u{feff}segment_id,code,code_label,evidence,text,decision\r\n"));
        assert!(
            text.contains("\"'=1+1 \"\"quoted\"\"\nnext line\""),
            "{text}"
        );
        let filled = text
            .replace(",\r\n", ",A\r\n")
            .replacen(",decision,A", ",decision,", 1);
        let back = read_decisions(Path::new("r.csv"), filled.as_bytes()).unwrap();
        assert_eq!(back.decided.len(), 1);
        assert_eq!(back.decided[0].verdict, Verdict::Accept);
        assert_eq!(back.decided[0].row, 2);
    }

    #[test]
    fn xlsx_reads_back_with_its_decisions() {
        let mut rows = vec![row("a:1.1", "one"), row("a:1.2", "two")];
        rows[1].decision = "Reject".into();
        let bytes = write_xlsx(&rows).unwrap();
        assert_eq!(bytes, write_xlsx(&rows).unwrap(), "deterministic");
        let back = read_decisions(Path::new("r.xlsx"), &bytes).unwrap();
        assert_eq!(back.undecided, 1);
        assert_eq!(
            (back.decided[0].row, back.decided[0].verdict),
            (3, Verdict::Reject)
        );
    }

    #[test]
    fn a_bad_decision_names_its_row_and_column_and_a_missing_column_is_explained() {
        let e = read_decisions(
            Path::new("r.csv"),
            b"code;segment_id;decision\ntrust;a:1;maybe\n",
        )
        .unwrap_err();
        assert_eq!((e.line, e.col), (2, 3), "{e}");
        assert!(e.to_string().contains("`maybe` is not a decision"), "{e}");
        let e = read_decisions(Path::new("r.csv"), b"segment_id,code\na:1,trust\n").unwrap_err();
        assert!(
            e.to_string().contains("segment_id, code and decision"),
            "{e}"
        );
    }
}
