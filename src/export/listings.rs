//! Exports that list quotes: one row per segment × code (quotes), one row per segment with a
//! column per code (wide), and the Framework Method matrix of cases × codes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use super::dataset::{Dataset, Item};
use super::table::{Cell, Table};
use super::ExportError;
use crate::codebook::Codebook;
use crate::codings::view::label;
use crate::index::{Filter, SearchIndex};
use crate::privacy::{Privacy, PrivacyError, Redactor};

/// Options shared by the listing exports.
#[derive(Debug, Clone, Default)]
pub struct ListingOptions {
    /// Codebook indices of the codes to include (None: all).
    pub codes: Option<Vec<usize>>,
    /// Add a `speaker_name` column (off by default: quotes are attributed by role).
    pub with_names: bool,
    pub redactor: Redactor,
    /// wide: hit counts instead of 0/1.
    pub counts: bool,
    /// The `meta:` columns (None: the keys the dataset's segments have). A streamed export
    /// passes the corpus's keys so every window of rows has the same columns.
    pub meta_keys: Option<Vec<String>>,
    /// Several coders are read: their tags (as codings carry them), and listings gain a
    /// `coder` column (wide: a row per segment and coder).
    pub coders: Option<Vec<String>>,
}

impl ListingOptions {
    /// The options of a listing of `index`'s segments chosen by `filter`: the codes the filter
    /// names (see [`code_selection`]), the user's privacy choice with the index's participants'
    /// names, and the corpus's metadata keys as columns (the same whatever the filter, so
    /// listings of different subsets line up).
    pub fn for_index(
        index: &SearchIndex,
        filter: &Filter,
        privacy: &Privacy,
        counts: bool,
    ) -> Result<ListingOptions, PrivacyError> {
        Ok(ListingOptions {
            codes: code_selection(index.codebook(), filter),
            with_names: privacy.with_names,
            redactor: privacy.redactor_for_index(index)?,
            counts,
            meta_keys: Some(index.shown_meta_keys()),
            coders: index.view().several().then(|| index.view().tags()),
        })
    }
}

/// The codes quotes and wide show: those the filter asks for by `codes` (with their
/// descendants) or `dimensions`, else all (`None`). A filter on codes chooses the columns too,
/// so a listing about trust is not padded with every other code.
pub fn code_selection(cb: &Codebook, filter: &Filter) -> Option<Vec<usize>> {
    if filter.codes.is_empty() && filter.dimensions.is_empty() {
        return None;
    }
    Some(
        (0..cb.codes.len())
            .filter(|&i| {
                let code = &cb.codes[i];
                filter.dimensions.contains(&code.dimension)
                    || cb
                        .ancestors_and_self(&code.id)
                        .iter()
                        .any(|a| filter.codes.contains(a))
            })
            .collect(),
    )
}

fn base_header(with_names: bool) -> Vec<String> {
    let mut h: Vec<&str> = vec!["segment_id", "interview", "turn", "paragraph", "speaker"];
    if with_names {
        h.push("speaker_name");
    }
    h.extend(["role", "role_label", "attribution"]);
    h.into_iter().map(str::to_string).collect()
}

fn base_cells(item: &Item, opts: &ListingOptions) -> Vec<Cell> {
    let s = &item.segment;
    let mut row = vec![
        Cell::text(&s.id),
        Cell::text(&s.interview),
        Cell::Int(s.turn as i64),
        Cell::Int(s.paragraph as i64),
        Cell::text(opts.redactor.apply(&s.speaker)),
    ];
    if opts.with_names {
        row.push(Cell::text(s.speaker_name.clone().unwrap_or_default()));
    }
    row.extend([
        Cell::text(&s.role),
        Cell::text(&s.role_label),
        Cell::text(s.attribution()),
    ]);
    row
}

fn selected(ds: &Dataset, opts: &ListingOptions) -> Vec<usize> {
    opts.codes
        .clone()
        .unwrap_or_else(|| (0..ds.codebook.codes.len()).collect())
}

/// One row per (segment, code applied to it), with the hits and the words that matched.
pub fn quotes(ds: &Dataset, opts: &ListingOptions) -> Table {
    let keys = opts.meta_keys.clone().unwrap_or_else(|| ds.meta_keys());
    let codes = selected(ds, opts);
    let mut header = base_header(opts.with_names);
    if opts.coders.is_some() {
        header.push("coder".into());
    }
    header
        .extend(["code", "code_label", "dimension", "hits", "matched", "text"].map(str::to_string));
    header.extend(keys.iter().map(|k| format!("meta:{k}")));
    // Looked up per coding: a code's place in the codebook and whether it is listed.
    let place: HashMap<&str, usize> = ds
        .codebook
        .codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let mut listed = vec![false; ds.codebook.codes.len()];
    for &ci in &codes {
        listed[ci] = true;
    }
    let rows: Vec<Vec<Vec<Cell>>> = ds
        .items
        .par_iter()
        .map(|item| {
            let mut out = Vec::new();
            // The cells every row of this segment shares, masked once however many codes it has.
            let mut shared: Option<(Vec<Cell>, Cell, Vec<Cell>)> = None;
            for ev in &item.codings {
                let Some(&ci) = place.get(ev.code.as_str()) else {
                    continue;
                };
                if !listed[ci] {
                    continue;
                }
                let code = &ds.codebook.codes[ci];
                let mut matched: Vec<String> = Vec::new();
                for h in &ev.hits {
                    let w = opts.redactor.apply(&h.text.replace('\n', " "));
                    if !matched.contains(&w) {
                        matched.push(w);
                    }
                }
                let (base, text, meta) = shared.get_or_insert_with(|| {
                    (
                        base_cells(item, opts),
                        Cell::text(opts.redactor.apply(&item.segment.text)),
                        keys.iter().map(|k| meta_cell(item, k)).collect(),
                    )
                });
                let mut row = base.clone();
                if opts.coders.is_some() {
                    row.push(Cell::text(label(&ev.coder)));
                }
                row.extend([
                    Cell::text(&code.id),
                    Cell::text(&code.label),
                    Cell::text(&code.dimension),
                    Cell::Int(ev.hits.len() as i64),
                    Cell::text(matched.join("; ")),
                    text.clone(),
                ]);
                row.extend(meta.iter().cloned());
                out.push(row);
            }
            out
        })
        .collect();
    Table {
        name: "quotes".into(),
        title: "Coded quotes: one row per segment and code".into(),
        header,
        rows: rows.into_iter().flatten().collect(),
        group: None,
    }
}

/// The codes one coder's codings of `item` reach (each code and its ancestors, by codebook
/// index), with their hits.
fn reached_by(ds: &Dataset, item: &Item, tag: &str) -> BTreeMap<usize, u32> {
    let mut out = BTreeMap::new();
    for ev in item.codings.iter().filter(|e| e.coder == tag) {
        for a in ds.codebook.ancestors_and_self(&ev.code) {
            if let Some(i) = ds.codebook.codes.iter().position(|c| c.id == a) {
                *out.entry(i).or_default() += ev.hits.len() as u32;
            }
        }
    }
    out
}

fn meta_cell(item: &Item, key: &str) -> Cell {
    item.segment
        .meta
        .get(key)
        .map(|v| Cell::text(v.clone()))
        .unwrap_or(Cell::Empty)
}

/// One row per segment (coded or not), one column per code: 0/1, or hits with `counts`.
pub fn wide(ds: &Dataset, opts: &ListingOptions) -> Table {
    let keys = opts.meta_keys.clone().unwrap_or_else(|| ds.meta_keys());
    let codes = selected(ds, opts);
    let mut header = base_header(opts.with_names);
    if opts.coders.is_some() {
        header.push("coder".into());
    }
    header.extend(keys.iter().map(|k| format!("meta:{k}")));
    header.push("text".into());
    header.extend(codes.iter().map(|&c| ds.codebook.codes[c].id.clone()));
    // One row per segment, or per segment and coder when several are read.
    let coders: Vec<Option<&str>> = match &opts.coders {
        None => vec![None],
        Some(tags) => tags.iter().map(|t| Some(t.as_str())).collect(),
    };
    let rows: Vec<Vec<Vec<Cell>>> = ds
        .items
        .par_iter()
        .map(|item| {
            coders
                .iter()
                .map(|coder| {
                    let mut row = base_cells(item, opts);
                    if let Some(tag) = coder {
                        row.push(Cell::text(label(tag)));
                    }
                    row.extend(keys.iter().map(|k| meta_cell(item, k)));
                    row.push(Cell::text(opts.redactor.apply(&item.segment.text)));
                    let reached = coder.map(|tag| reached_by(ds, item, tag));
                    row.extend(codes.iter().map(|&c| {
                        let (hits, reaches) = match &reached {
                            None => (item.hits(c), item.reaches(c)),
                            Some(r) => r.get(&c).map_or((0, false), |&h| (h, true)),
                        };
                        Cell::Int(if opts.counts {
                            hits as i64
                        } else {
                            reaches as i64
                        })
                    }));
                    row
                })
                .collect()
        })
        .collect();
    let rows = rows.into_iter().flatten().collect();
    Table {
        name: "wide".into(),
        title: format!(
            "Segments × codes ({})",
            if opts.counts { "hits" } else { "1 = coded" }
        ),
        header,
        rows,
        group: None,
    }
}

#[derive(Debug, Clone)]
pub struct FrameworkOptions {
    /// The dimension whose codes are the columns.
    pub dimension: String,
    /// Each quote is cut to this many characters.
    pub max_chars: usize,
    /// A cell holds quotes up to this many characters; the rest are counted in a note at its
    /// end. Bounds the matrix's memory: one case of a large corpus (a table is one interview)
    /// would otherwise hold every quote of a code in one cell.
    pub max_cell_chars: usize,
    pub redactor: Redactor,
}

/// The Framework Method matrix: one row per interview (case), one column per code of a
/// dimension; each cell the case's quotes for that code, in transcript order. Built window by
/// window: segments arrive in transcript order (a window
/// at a time, so a corpus never has to be in memory at once) and only the cells grow.
pub struct Framework<'a> {
    codebook: &'a crate::codebook::Codebook,
    opts: &'a FrameworkOptions,
    codes: Vec<usize>,
    keys: Vec<String>,
    cases: BTreeMap<String, Case>,
}

#[derive(Default)]
struct Case {
    roles: BTreeSet<String>,
    /// Per metadata key: the value all the case's segments share so far; `None` once two
    /// differ (interview-level metadata is what every segment agrees on).
    meta: Vec<Option<Option<String>>>,
    /// Per selected code, the quotes so far, separated by blank lines (one string, not a
    /// list: joining would copy them).
    quotes: Vec<String>,
    /// Per selected code, the characters in its cell so far.
    chars: Vec<usize>,
    /// Per selected code, the quotes left out once the cell was full.
    cut: Vec<u64>,
}

impl<'a> Framework<'a> {
    /// The codes of `opts.dimension` are the columns; `keys` the metadata columns.
    pub fn new(
        codebook: &'a crate::codebook::Codebook,
        opts: &'a FrameworkOptions,
        keys: Vec<String>,
    ) -> Result<Framework<'a>, ExportError> {
        let codes: Vec<usize> = codebook
            .codes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.dimension == opts.dimension)
            .map(|(i, _)| i)
            .collect();
        if codes.is_empty() {
            let dims: BTreeSet<&str> = codebook
                .codes
                .iter()
                .map(|c| c.dimension.as_str())
                .collect();
            return Err(ExportError::NoCodesOfDimension {
                dimension: opts.dimension.clone(),
                dimensions: dims.into_iter().map(str::to_string).collect(),
            });
        }
        Ok(Framework {
            codebook,
            opts,
            codes,
            keys,
            cases: BTreeMap::new(),
        })
    }

    /// Add the next segments (in transcript order).
    pub fn add(&mut self, ds: &Dataset) {
        // The quotes of each segment, formatted in parallel; then appended in order.
        let quotes: Vec<Option<String>> = ds
            .items
            .par_iter()
            .map(|i| {
                self.codes.iter().any(|&c| i.reaches(c)).then(|| {
                    let text = self.opts.redactor.apply(&i.segment.text).replace('\n', " ");
                    format!("[{}] {}", i.segment.id, trim(&text, self.opts.max_chars))
                })
            })
            .collect();
        let (n_keys, n_codes) = (self.keys.len(), self.codes.len());
        for (item, quote) in ds.items.iter().zip(quotes) {
            let s = &item.segment;
            let case = self
                .cases
                .entry(s.interview.clone())
                .or_insert_with(|| Case {
                    meta: vec![Some(None); n_keys],
                    quotes: vec![String::new(); n_codes],
                    chars: vec![0; n_codes],
                    cut: vec![0; n_codes],
                    ..Case::default()
                });
            let first = case.roles.is_empty();
            if !case.roles.contains(&s.role_label) {
                case.roles.insert(s.role_label.clone());
            }
            for (k, slot) in self.keys.iter().zip(&mut case.meta) {
                let v = s.meta.get(k);
                match slot {
                    _ if first => *slot = Some(v.cloned()),
                    Some(same) if same.as_ref() != v => *slot = None,
                    _ => {}
                }
            }
            if let Some(q) = quote {
                let n = q.chars().count() + 2;
                for k in (0..n_codes).filter(|&k| item.reaches(self.codes[k])) {
                    case.push(k, &q, n, self.opts.max_cell_chars);
                }
            }
        }
    }

    /// The matrix's header: the case, its roles, the metadata columns, then one per code.
    pub fn header(&self) -> Vec<String> {
        let mut header: Vec<String> = vec!["interview".into(), "roles".into()];
        header.extend(self.keys.iter().map(|k| format!("meta:{k}")));
        header.extend(
            self.codes
                .iter()
                .map(|&c| self.codebook.codes[c].id.clone()),
        );
        header
    }

    /// The rows of the cases no later segment can add to, taken out in id order: segments come
    /// in interview order, so every case but the last one seen is complete. Written as they
    /// finish, the matrix never holds more than a case or so, whatever the corpus size.
    pub fn take_finished(&mut self) -> Vec<Vec<Cell>> {
        let open = match self.cases.keys().next_back() {
            Some(last) => self.cases.split_off(&last.clone()),
            None => return Vec::new(),
        };
        let done = std::mem::replace(&mut self.cases, open);
        done.into_iter()
            .map(|(id, case)| case_row(id, case))
            .collect()
    }

    /// The matrix, cases in id order.
    pub fn table(self) -> Table {
        let header = self.header();
        let rows = self
            .cases
            .into_iter()
            .map(|(id, case)| case_row(id, case))
            .collect();
        Table {
            name: "framework".into(),
            title: format!(
                "Framework matrix: interviews × {} codes",
                self.opts.dimension
            ),
            header,
            rows,
            group: None,
        }
    }
}

impl Case {
    /// Append quote `q` (`n` characters with its separator) to code `k`'s cell, or count it as
    /// left out when the cell would pass `max` characters.
    fn push(&mut self, k: usize, q: &str, n: usize, max: usize) {
        if self.cut[k] > 0 || self.chars[k] + n > max {
            self.cut[k] += 1;
            return;
        }
        let cell = &mut self.quotes[k];
        if !cell.is_empty() {
            cell.push_str("\n\n");
        }
        cell.push_str(q);
        self.chars[k] += n;
    }
}

/// The note ending a cell that was full: how many quotes it leaves out and where they are.
pub fn cut_note(n: u64) -> String {
    format!("[…{n} more quote(s) left out: the cell is full (--max-cell-chars); `qcode export quotes` lists every quote]")
}

/// One case's row: its id, roles, shared metadata and quotes per code.
fn case_row(id: String, case: Case) -> Vec<Cell> {
    let mut row = vec![
        Cell::text(id),
        Cell::text(case.roles.into_iter().collect::<Vec<_>>().join("; ")),
    ];
    row.extend(case.meta.into_iter().map(|m| match m {
        Some(Some(v)) => Cell::text(v),
        _ => Cell::Empty,
    }));
    row.extend(case.quotes.into_iter().zip(case.cut).map(|(mut q, cut)| {
        if cut > 0 {
            if !q.is_empty() {
                q.push_str("\n\n");
            }
            q.push_str(&cut_note(cut));
        }
        if q.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(q)
        }
    }));
    row
}

/// At most `max` characters, cut at a word boundary when possible, with an ellipsis.
fn trim(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let at = cut
        .rfind(' ')
        .filter(|&i| i > cut.len() / 2)
        .unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

#[cfg(test)]
mod tests {
    use super::{code_selection, trim};
    use crate::codebook::{Code, Codebook};
    use crate::index::Filter;

    #[test]
    fn a_filter_on_codes_chooses_the_columns() {
        let mut cb = Codebook::empty();
        for (id, parent, dim) in [
            ("council", None, "stakeholder"),
            ("councillors", Some("council"), "stakeholder"),
            ("trust", None, "component"),
            ("dialogue", None, "component"),
        ] {
            let mut code = Code::new(id, id, dim);
            code.parent = parent.map(str::to_string);
            cb.codes.push(code);
        }
        let select = |codes: &[&str], dims: &[&str]| {
            let f = Filter {
                codes: codes.iter().map(|c| c.to_string()).collect(),
                dimensions: dims.iter().map(|d| d.to_string()).collect(),
                // Other conditions choose segments, not columns.
                roles: vec!["resident".into()],
                ..Filter::default()
            };
            code_selection(&cb, &f)
        };
        assert_eq!(select(&[], &[]), None);
        // A code brings its descendants; a dimension all its codes; together, either.
        assert_eq!(select(&["council"], &[]), Some(vec![0, 1]));
        assert_eq!(select(&["councillors"], &[]), Some(vec![1]));
        assert_eq!(select(&[], &["component"]), Some(vec![2, 3]));
        assert_eq!(
            select(&["councillors"], &["component"]),
            Some(vec![1, 2, 3])
        );
        assert_eq!(select(&["nothing"], &[]), Some(vec![]));
    }

    #[test]
    fn trims_at_a_word() {
        assert_eq!(trim("short", 10), "short");
        assert_eq!(trim("we met every month in the hall", 14), "we met every…");
    }
}
