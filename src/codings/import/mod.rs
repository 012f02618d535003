//! Coded segments brought in by their text (`qcode import codings`): each row of a sheet
//! ([`sheet`]) names a document, a code path and the coded words; the words are found in the
//! document's source text with [`crate::text::locate`] and every segment they overlap gets a
//! coding row, with the share of it they cover. The code paths become a codebook file through
//! [`crate::codebook::tree`] (existing codes reused). Nothing here writes: the caller writes the
//! plan's rows and codebook file.

pub mod sheet;

use std::collections::HashMap;
use std::path::Path;

use super::CodingRow;
use crate::codebook::tree::{parse_code_path, plan_tree, TreeCode, TreePlan};
use crate::codebook::Codebook;
use crate::text::locate::{Haystack, Located};
use crate::transcript::Interview;
pub use sheet::{read_sheet, ColumnChoice, Sheet, SheetRow};

/// One interview as the locator searches it: the text its segments' offsets refer to.
#[derive(Debug, Clone)]
pub struct Document {
    pub interview: String,
    /// Its corpus file, relative to the project.
    pub source: String,
    pub text: String,
    /// Segments: id and char offsets in `text`.
    pub segments: Vec<(String, usize, usize)>,
    /// For a table corpus, where each segment's own text starts in `text`: a table's offsets
    /// count within a row's text, so rows get offsets within their segment.
    pub table: bool,
}

impl Document {
    /// A transcript's interview: the source text as is, the segments' own offsets.
    pub fn transcript(iv: &Interview, source_text: &str) -> Document {
        Document {
            interview: iv.id.clone(),
            source: iv.source.clone(),
            text: source_text.to_string(),
            segments: iv
                .segments
                .iter()
                .map(|s| (s.id.clone(), s.start, s.end))
                .collect(),
            table: false,
        }
    }

    /// An interview of a table corpus: its rows' texts joined by blank lines, so a coded text
    /// that runs over two rows is found too.
    pub fn table(iv: &Interview) -> Document {
        let mut text = String::new();
        let mut segments = Vec::new();
        for s in &iv.segments {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            let start = text.chars().count();
            text.push_str(&s.text);
            segments.push((s.id.clone(), start, start + s.text.chars().count()));
        }
        Document {
            interview: iv.id.clone(),
            source: iv.source.clone(),
            text,
            segments,
            table: true,
        }
    }

    /// The names a sheet may call it by (lowercase): its interview id, its file's name with and
    /// without the extension, and its path in the project.
    fn names(&self) -> Vec<String> {
        let path = Path::new(&self.source);
        let mut names = vec![self.interview.to_lowercase(), self.source.to_lowercase()];
        for part in [path.file_name(), path.file_stem()].into_iter().flatten() {
            names.push(part.to_string_lossy().to_lowercase());
        }
        names
    }
}

/// A row whose text was not located, with the closest place found and its score.
#[derive(Debug, Clone, PartialEq)]
pub struct NotLocated {
    pub row: usize,
    pub document: String,
    pub text: String,
    /// An excerpt of the closest place (empty when nothing was alike) and its score.
    pub closest: String,
    pub score: f64,
}

/// A row that could not be imported for what it lacks (no text, no code, no document name), or
/// whose text lies outside every segment (a header, a skipped line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub row: usize,
    pub reason: String,
}

/// What importing a sheet will do.
#[derive(Debug, Clone)]
pub struct CodingsImport {
    pub rows: Vec<CodingRow>,
    /// Sheet rows located exactly and approximately.
    pub exact: usize,
    pub approximate: usize,
    pub not_located: Vec<NotLocated>,
    /// Documents the sheet names that the corpus lacks, each once, with its count of rows.
    pub missing_documents: Vec<(String, usize)>,
    pub skipped: Vec<Skipped>,
    /// The codes: which ids the paths get, and the new codebook file.
    pub tree: TreePlan,
}

/// Who coded, and when.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions<'a> {
    pub coder: &'a str,
    pub time: &'a str,
    /// The sheet's file name, for the codebook file's header.
    pub name: &'a str,
}

/// Locate every row of `sheet` in `documents` and plan its coding rows and codes.
pub fn plan_codings(
    sheet: &Sheet,
    documents: &[Document],
    codebook: &Codebook,
    opts: ImportOptions<'_>,
) -> CodingsImport {
    let tree = plan_tree(&tree_codes(sheet), codebook, opts.name);
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, d) in documents.iter().enumerate() {
        for n in d.names() {
            let list = by_name.entry(n).or_default();
            if !list.contains(&i) {
                list.push(i);
            }
        }
    }
    let haystacks: Vec<Haystack> = documents.iter().map(|d| Haystack::new(&d.text)).collect();
    let mut plan = CodingsImport {
        rows: Vec::new(),
        exact: 0,
        approximate: 0,
        not_located: Vec::new(),
        missing_documents: Vec::new(),
        skipped: Vec::new(),
        tree,
    };
    for row in &sheet.rows {
        if let Some(reason) = lacking(row) {
            plan.skipped.push(Skipped {
                row: row.row,
                reason,
            });
            continue;
        }
        let Some(candidates) = lookup(&by_name, &row.document) else {
            // One entry per document however the rows write its name (P9, p9.docx).
            let key = stem_of(&row.document.to_lowercase());
            match plan
                .missing_documents
                .iter_mut()
                .find(|(d, _)| stem_of(&d.to_lowercase()) == key)
            {
                Some((_, n)) => *n += 1,
                None => plan.missing_documents.push((row.document.clone(), 1)),
            }
            continue;
        };
        plan.add(row, candidates, documents, &haystacks, opts);
    }
    plan
}

impl CodingsImport {
    /// Locate one row in its candidate documents and add its codings (or say why not).
    fn add(
        &mut self,
        row: &SheetRow,
        candidates: &[usize],
        documents: &[Document],
        haystacks: &[Haystack],
        opts: ImportOptions<'_>,
    ) {
        let best = candidates
            .iter()
            .filter_map(|&i| haystacks[i].locate(&row.text, None).map(|l| (i, l)))
            .max_by(|a, b| a.1.score.total_cmp(&b.1.score).then(b.0.cmp(&a.0)));
        let Some((doc, at)) = best else {
            self.not_located
                .push(not_located(row, candidates, documents, haystacks));
            return;
        };
        let rows = codings(row, &documents[doc], at, &self.tree, opts);
        if rows.is_empty() {
            self.skipped.push(Skipped {
                row: row.row,
                reason: format!(
                    "its text is found in {} but in no segment (a header or a skipped line?)",
                    documents[doc].source
                ),
            });
            return;
        }
        if at.exact {
            self.exact += 1;
        } else {
            self.approximate += 1;
        }
        self.rows.extend(rows);
    }
}

/// What a row lacks to be imported at all.
fn lacking(row: &SheetRow) -> Option<String> {
    let what = if row.document.is_empty() {
        "no document"
    } else if row.codes.iter().all(|c| parse_code_path(c).is_empty()) {
        "no code"
    } else if row.text.trim().is_empty() {
        "no text"
    } else {
        return None;
    };
    Some(what.to_string())
}

/// The documents a sheet's name for one means: by interview id, file name or path, with or
/// without its extension, any case.
fn lookup<'a>(by_name: &'a HashMap<String, Vec<usize>>, name: &str) -> Option<&'a [usize]> {
    let name = name.trim().to_lowercase();
    by_name
        .get(&name)
        .or_else(|| by_name.get(&stem_of(&name)))
        .map(Vec::as_slice)
}

/// A file name without its extension (the name itself when it has none).
fn stem_of(name: &str) -> String {
    Path::new(name)
        .file_stem()
        .map_or_else(|| name.to_string(), |s| s.to_string_lossy().to_string())
}

/// The sheet's code paths as a tree, in the order the sheet first names them.
fn tree_codes(sheet: &Sheet) -> Vec<TreeCode> {
    let mut seen = std::collections::HashSet::new();
    sheet
        .rows
        .iter()
        .flat_map(|r| &r.codes)
        .map(|c| parse_code_path(c))
        .filter(|p| !p.is_empty() && seen.insert(p.clone()))
        .map(TreeCode::bare)
        .collect()
}

/// One coding row per code and segment the located text overlaps.
fn codings(
    row: &SheetRow,
    doc: &Document,
    at: Located,
    tree: &TreePlan,
    opts: ImportOptions<'_>,
) -> Vec<CodingRow> {
    let mut out = Vec::new();
    for (id, start, end) in &doc.segments {
        let covered = at.end.min(*end).saturating_sub(at.start.max(*start));
        if covered == 0 {
            continue;
        }
        let overlap = covered as f64 / (end - start).max(1) as f64;
        // A table's offsets count within the row's own text.
        let (s, e) = if doc.table {
            (at.start.max(*start) - start, at.end.min(*end) - start)
        } else {
            (at.start, at.end)
        };
        for code in &row.codes {
            let path = parse_code_path(code);
            let Some(code) = tree.ids.get(&path) else {
                continue;
            };
            out.push(CodingRow {
                segment_id: id.clone(),
                code: code.clone(),
                coder: opts.coder.to_string(),
                overlap: Some(overlap.min(1.0)),
                source: doc.source.clone(),
                selection: row.row.to_string(),
                interview: doc.interview.clone(),
                start: Some(s),
                end: Some(e),
                text: row.text.clone(),
                time: opts.time.to_string(),
                ..Default::default()
            });
        }
    }
    out
}

/// A row not located: its closest place in any candidate document.
fn not_located(
    row: &SheetRow,
    candidates: &[usize],
    documents: &[Document],
    haystacks: &[Haystack],
) -> NotLocated {
    let closest = candidates
        .iter()
        .filter_map(|&i| haystacks[i].closest(&row.text).map(|l| (i, l)))
        .max_by(|a, b| a.1.score.total_cmp(&b.1.score).then(b.0.cmp(&a.0)));
    let (closest, score) = match closest {
        Some((i, l)) => (excerpt(&documents[i].text, l.start, l.end), l.score),
        None => (String::new(), 0.0),
    };
    NotLocated {
        row: row.row,
        document: row.document.clone(),
        text: row.text.clone(),
        closest,
        score,
    }
}

/// Chars `start..end` of `text` on one line, cut to about 80 characters.
pub fn excerpt(text: &str, start: usize, end: usize) -> String {
    let span: String = text
        .chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    short(&span)
}

/// A text on one line, cut to about 80 characters at a word.
pub fn short(text: &str) -> String {
    const MAX: usize = 80;
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= MAX {
        return one;
    }
    let cut: String = one.chars().take(MAX).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{cut} …")
}

#[cfg(test)]
mod tests;
