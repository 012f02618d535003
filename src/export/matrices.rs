//! Counting exports: crosstabs of any two variables (role, a code dimension, all codes, or a
//! metadata field), optionally split by a third, and code co-occurrence. Counts are a parallel
//! fold/reduce over segments; rows and columns come out in a fixed order (codes in codebook
//! order, roles by label, metadata values alphabetically with "(none)" last), so the same data
//! give the same table whatever the thread count.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rayon::prelude::*;

use super::dataset::{Dataset, Item};
use super::table::{Cell, Table};
use super::ExportError;
use crate::codebook::Codebook;

/// A variable of a crosstab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Var {
    /// The speaker's role (one per segment), shown by label.
    Role,
    /// Every code the segment reaches (a code and its ancestors).
    Code,
    /// The codes of one dimension the segment reaches (`component`, `stakeholder`, …).
    Dimension(String),
    /// A metadata field; a segment without it counts under "(none)".
    Meta(String),
}

/// A value of a variable; the derived order is the order of rows and columns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Val {
    Code(usize),
    Text(String),
    Missing,
}

impl Var {
    pub fn parse(s: &str, codebook: &Codebook) -> Result<Var, ExportError> {
        let dims: BTreeSet<&str> = codebook
            .codes
            .iter()
            .map(|c| c.dimension.as_str())
            .collect();
        Ok(match s {
            "role" => Var::Role,
            "code" => Var::Code,
            _ if s.starts_with("meta:") && s.len() > 5 => Var::Meta(s[5..].to_lowercase()),
            _ if dims.contains(s) => Var::Dimension(s.to_string()),
            _ => {
                return Err(ExportError::UnknownVariable {
                    name: s.to_string(),
                    dimensions: dims.into_iter().map(str::to_string).collect(),
                })
            }
        })
    }

    pub fn name(&self) -> String {
        match self {
            Var::Role => "role".into(),
            Var::Code => "code".into(),
            Var::Dimension(d) => d.clone(),
            Var::Meta(k) => format!("meta:{k}"),
        }
    }

    fn is_code(&self) -> bool {
        matches!(self, Var::Code | Var::Dimension(_))
    }

    fn values(&self, item: &Item, cb: &Codebook) -> Vec<Val> {
        match self {
            Var::Role => vec![Val::Text(item.segment.role_label.clone())],
            Var::Code => item.reached.iter().map(|&(c, _)| Val::Code(c)).collect(),
            Var::Dimension(d) => item
                .reached
                .iter()
                .filter(|&&(c, _)| &cb.codes[c].dimension == d)
                .map(|&(c, _)| Val::Code(c))
                .collect(),
            Var::Meta(k) => vec![item
                .segment
                .meta
                .get(k)
                .map(|v| Val::Text(v.clone()))
                .unwrap_or(Val::Missing)],
        }
    }
}

fn label(v: &Val, cb: &Codebook) -> String {
    match v {
        Val::Code(c) => cb.codes[*c].id.clone(),
        Val::Text(t) => t.clone(),
        Val::Missing => "(none)".into(),
    }
}

/// What a cell counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountUnit {
    Segments,
    /// Distinct interviews (cases).
    Interviews,
    /// Pattern hits of the code on the rows (or, failing that, on the columns).
    Hits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Percent {
    Row,
    Col,
    Total,
}

#[derive(Debug, Clone)]
pub struct CrosstabOptions {
    pub rows: Var,
    pub cols: Var,
    pub by: Option<Var>,
    pub count: CountUnit,
    pub percent: Option<Percent>,
}

/// Segments, interviews and hits of one cell or margin.
#[derive(Debug, Default, Clone)]
struct Tally {
    segments: u64,
    interviews: HashSet<String>,
    hits: u64,
}

impl Tally {
    fn add(&mut self, item: &Item, hits: u64, unit: CountUnit) {
        self.segments += 1;
        self.hits += hits;
        if unit == CountUnit::Interviews {
            self.interviews.insert(item.segment.interview.clone());
        }
    }
    fn merge(&mut self, o: Tally) {
        self.segments += o.segments;
        self.hits += o.hits;
        self.interviews.extend(o.interviews);
    }
}

#[derive(Debug, Default)]
struct Acc {
    cells: HashMap<(Val, Val), Tally>,
    rows: HashMap<Val, Tally>,
    cols: HashMap<Val, Tally>,
    all: Tally,
}

impl Acc {
    fn merge(mut self, o: Acc) -> Acc {
        for (k, t) in o.cells {
            self.cells.entry(k).or_default().merge(t);
        }
        for (k, t) in o.rows {
            self.rows.entry(k).or_default().merge(t);
        }
        for (k, t) in o.cols {
            self.cols.entry(k).or_default().merge(t);
        }
        self.all.merge(o.all);
        self
    }
}

/// Crosstab of `rows` × `cols` (one table, or one per value of `by`), with totals.
/// Segments and interviews in the margins are distinct counts (a segment coded with two
/// components counts once in its row's total); hits in the margins are sums of the cells.
pub fn crosstab(ds: &Dataset, opts: &CrosstabOptions) -> Result<Vec<Table>, ExportError> {
    let mut counter = Crosstab::new(opts)?;
    counter.add(ds);
    Ok(counter.tables(&ds.codebook))
}

/// A crosstab counted a window of segments at a time ([`Crosstab::add`]): only the tallies
/// are held, never the segments. Tallies are sums and sets, so the tables do not depend on
/// how the segments were split into windows.
#[derive(Debug)]
pub struct Crosstab {
    opts: CrosstabOptions,
    /// One accumulator per group (`None` when the table is not split).
    groups: BTreeMap<Option<Val>, Acc>,
}

impl Crosstab {
    /// An empty crosstab; refused when hits are counted and neither variable is a code.
    pub fn new(opts: &CrosstabOptions) -> Result<Crosstab, ExportError> {
        if opts.count == CountUnit::Hits && !opts.rows.is_code() && !opts.cols.is_code() {
            return Err(ExportError::HitsWithoutCodes);
        }
        let mut groups = BTreeMap::new();
        // An unsplit crosstab has its one table even with no segments.
        if opts.by.is_none() {
            groups.insert(None, Acc::default());
        }
        Ok(Crosstab {
            opts: opts.clone(),
            groups,
        })
    }

    /// Counts the segments of `ds` into the tallies.
    pub fn add(&mut self, ds: &Dataset) {
        let cb = &ds.codebook;
        let groups: Vec<(Option<Val>, Vec<&Item>)> = match &self.opts.by {
            None => vec![(None, ds.items.iter().collect())],
            Some(by) => {
                let mut g: BTreeMap<Val, Vec<&Item>> = BTreeMap::new();
                for item in &ds.items {
                    for v in by.values(item, cb) {
                        g.entry(v).or_default().push(item);
                    }
                }
                g.into_iter().map(|(k, v)| (Some(k), v)).collect()
            }
        };
        for (by_val, items) in groups {
            let acc = items
                .par_iter()
                .fold(Acc::default, |acc, item| self.count(acc, item, cb))
                .reduce(Acc::default, Acc::merge);
            let slot = self.groups.entry(by_val).or_default();
            *slot = std::mem::take(slot).merge(acc);
        }
    }

    /// `acc` with one segment counted in its cells and margins.
    fn count(&self, mut acc: Acc, item: &Item, cb: &Codebook) -> Acc {
        let opts = &self.opts;
        let rv = opts.rows.values(item, cb);
        let cv = opts.cols.values(item, cb);
        if rv.is_empty() || cv.is_empty() {
            return acc;
        }
        let hits = |r: &Val, c: &Val| -> u64 {
            match (opts.rows.is_code(), r, c) {
                (true, Val::Code(r), _) => item.hits(*r) as u64,
                (false, _, Val::Code(c)) => item.hits(*c) as u64,
                _ => 0,
            }
        };
        for r in &rv {
            for c in &cv {
                acc.cells.entry((r.clone(), c.clone())).or_default().add(
                    item,
                    hits(r, c),
                    opts.count,
                );
            }
            acc.rows
                .entry(r.clone())
                .or_default()
                .add(item, 0, opts.count);
        }
        for c in &cv {
            acc.cols
                .entry(c.clone())
                .or_default()
                .add(item, 0, opts.count);
        }
        acc.all.add(item, 0, opts.count);
        acc
    }

    /// The tables: one, or one per group in value order, sharing their columns.
    pub fn tables(self, cb: &Codebook) -> Vec<Table> {
        // Split tables share their columns, so they stack into one CSV.
        let col_vals: BTreeSet<Val> = self
            .groups
            .values()
            .flat_map(|a| a.cols.keys().cloned())
            .collect();
        let opts = &self.opts;
        self.groups
            .into_iter()
            .map(|(by, acc)| render(cb, opts, by.as_ref(), &col_vals, acc))
            .collect()
    }
}

/// One table's numbers, read from its accumulator as the unit counts them.
struct Counts<'a> {
    acc: &'a Acc,
    unit: CountUnit,
    row_vals: BTreeSet<&'a Val>,
    col_vals: &'a BTreeSet<Val>,
}

impl<'a> Counts<'a> {
    fn new(acc: &'a Acc, unit: CountUnit, col_vals: &'a BTreeSet<Val>) -> Counts<'a> {
        Counts {
            acc,
            unit,
            row_vals: acc.rows.keys().collect(),
            col_vals,
        }
    }

    /// A tally as the unit counts it; nothing counted is 0.
    fn value(&self, t: Option<&Tally>) -> f64 {
        t.map(|t| match self.unit {
            CountUnit::Segments => t.segments as f64,
            CountUnit::Interviews => t.interviews.len() as f64,
            CountUnit::Hits => t.hits as f64,
        })
        .unwrap_or(0.0)
    }

    fn cell(&self, r: &Val, c: &Val) -> f64 {
        self.value(self.acc.cells.get(&(r.clone(), c.clone())))
    }

    // Margins: distinct units (a segment in two cells of a row counts once in its total),
    // except hits, which add up.
    fn row_total(&self, r: &Val) -> f64 {
        if self.unit == CountUnit::Hits {
            self.col_vals.iter().map(|c| self.cell(r, c)).sum()
        } else {
            self.value(self.acc.rows.get(r))
        }
    }

    fn col_total(&self, c: &Val) -> f64 {
        if self.unit == CountUnit::Hits {
            self.row_vals.iter().map(|r| self.cell(r, c)).sum()
        } else {
            self.value(self.acc.cols.get(c))
        }
    }

    fn grand(&self) -> f64 {
        if self.unit == CountUnit::Hits {
            self.row_vals.iter().map(|r| self.row_total(r)).sum()
        } else {
            self.value(Some(&self.acc.all))
        }
    }
}

/// A count as shown: the count itself, or its share of the base `percent` names (the row's
/// total, the column's or the grand total), to one decimal; a share of nothing is 0.
fn shown(percent: Option<Percent>, x: f64, row_base: f64, col_base: f64, grand: f64) -> Cell {
    let pct = |base: f64| Cell::Num(if base > 0.0 { 100.0 * x / base } else { 0.0 }, 1);
    match percent {
        None => Cell::Int(x as i64),
        Some(Percent::Row) => pct(row_base),
        Some(Percent::Col) => pct(col_base),
        Some(Percent::Total) => pct(grand),
    }
}

/// The table's rows: one per row value with its total, then the column totals.
fn body(cb: &Codebook, counts: &Counts, percent: Option<Percent>) -> Vec<Vec<Cell>> {
    let grand = counts.grand();
    let show = |x: f64, row_base: f64, col_base: f64| shown(percent, x, row_base, col_base, grand);
    let mut rows = Vec::new();
    for r in &counts.row_vals {
        let rt = counts.row_total(r);
        let mut row = vec![Cell::text(label(r, cb))];
        row.extend(
            counts
                .col_vals
                .iter()
                .map(|c| show(counts.cell(r, c), rt, counts.col_total(c))),
        );
        row.push(show(rt, rt, grand));
        rows.push(row);
    }
    let mut total = vec![Cell::text("Total")];
    total.extend(
        counts
            .col_vals
            .iter()
            .map(|c| show(counts.col_total(c), grand, counts.col_total(c))),
    );
    total.push(show(grand, grand, grand));
    rows.push(total);
    rows
}

/// The title: the two variables, what the cells count and, for a split table, its group.
fn title(opts: &CrosstabOptions, by_title: &str) -> String {
    let what = match opts.count {
        CountUnit::Segments => "segments",
        CountUnit::Interviews => "interviews",
        CountUnit::Hits => "hits",
    };
    let pct = match opts.percent {
        None => "",
        Some(Percent::Row) => ", row %",
        Some(Percent::Col) => ", column %",
        Some(Percent::Total) => ", % of total",
    };
    format!(
        "{} × {} ({what}{pct}{by_title})",
        opts.rows.name(),
        opts.cols.name()
    )
}

/// One table (one group, when split) from its tally: the header, the rows with their totals,
/// and a title saying what the cells count.
fn render(
    cb: &Codebook,
    opts: &CrosstabOptions,
    by: Option<&Val>,
    col_vals: &BTreeSet<Val>,
    acc: Acc,
) -> Table {
    let counts = Counts::new(&acc, opts.count, col_vals);
    let mut header = vec![format!("{} \\ {}", opts.rows.name(), opts.cols.name())];
    header.extend(col_vals.iter().map(|c| label(c, cb)));
    header.push("Total".into());
    let rows = body(cb, &counts, opts.percent);
    let (name, by_title, group) = match (by, &opts.by) {
        (Some(v), Some(var)) => (
            label(v, cb),
            format!(", {} = {}", var.name(), label(v, cb)),
            Some((var.name(), label(v, cb))),
        ),
        _ => ("crosstab".to_string(), String::new(), None),
    };
    Table {
        name,
        title: title(opts, &by_title),
        header,
        rows,
        group,
    }
}

/// How co-occurrence is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Segments coded with both (the diagonal: segments coded with the code).
    Count,
    /// n12 / (n1 + n2 − n12), ATLAS.ti's c-coefficient.
    Jaccard,
}

/// Code × code co-occurrence over segments, for all codes or one dimension's.
pub fn cooccur(
    ds: &Dataset,
    dimension: Option<&str>,
    measure: Measure,
) -> Result<Table, ExportError> {
    let mut counter = Cooccur::new(&ds.codebook, dimension, measure)?;
    counter.add(ds);
    Ok(counter.table(&ds.codebook))
}

/// Co-occurrence counted a window of segments at a time ([`Cooccur::add`]): only the `k × k`
/// counts are held, never the segments; counts add up, so the window does not matter.
#[derive(Debug)]
pub struct Cooccur {
    dimension: Option<String>,
    measure: Measure,
    /// The chosen codes (codebook indices), in codebook order.
    codes: Vec<usize>,
    pairs: PairCounts,
}

impl Cooccur {
    /// Nothing counted yet; refused when `dimension` has no codes.
    pub fn new(
        cb: &Codebook,
        dimension: Option<&str>,
        measure: Measure,
    ) -> Result<Cooccur, ExportError> {
        let codes: Vec<usize> = (0..cb.codes.len())
            .filter(|&c| dimension.is_none_or(|d| cb.codes[c].dimension == d))
            .collect();
        if codes.is_empty() {
            return Err(ExportError::NoCodesOfDimension {
                dimension: dimension.unwrap_or("").to_string(),
                dimensions: cb
                    .codes
                    .iter()
                    .map(|c| c.dimension.clone())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            });
        }
        let k = codes.len();
        Ok(Cooccur {
            dimension: dimension.map(str::to_string),
            measure,
            codes,
            pairs: PairCounts {
                k,
                n: vec![0; k * k],
            },
        })
    }

    /// Counts the segments of `ds`.
    pub fn add(&mut self, ds: &Dataset) {
        self.pairs.add(ds, &self.codes);
    }

    /// The code × code table, codes in codebook order.
    pub fn table(&self, cb: &Codebook) -> Table {
        let codes = &self.codes;
        let mut header = vec!["code".to_string()];
        header.extend(codes.iter().map(|&c| cb.codes[c].id.clone()));
        let rows = codes
            .iter()
            .enumerate()
            .map(|(a, &code)| {
                let mut row = vec![Cell::text(&cb.codes[code].id)];
                row.extend((0..codes.len()).map(|b| self.pairs.cell(a, b, self.measure)));
                row
            })
            .collect();
        let m = match self.measure {
            Measure::Count => "segments coded with both",
            Measure::Jaccard => "Jaccard",
        };
        Table {
            name: "cooccurrence".into(),
            title: format!(
                "Code co-occurrence ({m}{})",
                self.dimension
                    .as_deref()
                    .map(|d| format!(", {d} codes"))
                    .unwrap_or_default()
            ),
            header,
            rows,
            group: None,
        }
    }
}

/// Segments coded with each pair of the chosen codes (by their place among them), the diagonal
/// holding each code's own segments.
#[derive(Debug)]
struct PairCounts {
    k: usize,
    /// Row-major `k × k`.
    n: Vec<u64>,
}

impl PairCounts {
    /// Adds the segments of `ds`, a parallel fold: each thread counts into its own matrix, and
    /// the matrices add up, so the counts do not depend on the thread count.
    fn add(&mut self, ds: &Dataset, codes: &[usize]) {
        let k = self.k;
        let pos: HashMap<usize, usize> = codes.iter().enumerate().map(|(i, &c)| (c, i)).collect();
        let n = ds
            .items
            .par_iter()
            .fold(
                || vec![0u64; k * k],
                |mut m, item| {
                    let here: Vec<usize> = item
                        .reached
                        .iter()
                        .filter_map(|(c, _)| pos.get(c).copied())
                        .collect();
                    for &a in &here {
                        for &b in &here {
                            m[a * k + b] += 1;
                        }
                    }
                    m
                },
            )
            .reduce(|| vec![0u64; k * k], add_counts);
        self.n = add_counts(std::mem::take(&mut self.n), n);
    }

    fn get(&self, a: usize, b: usize) -> u64 {
        self.n[a * self.k + b]
    }

    /// The cell for codes `a` × `b`: the count, or Jaccard to three decimals (0 when neither
    /// code has a segment).
    fn cell(&self, a: usize, b: usize, measure: Measure) -> Cell {
        let n12 = self.get(a, b);
        match measure {
            Measure::Count => Cell::Int(n12 as i64),
            Measure::Jaccard => {
                let union = self.get(a, a) + self.get(b, b) - n12;
                Cell::Num(
                    if union == 0 {
                        0.0
                    } else {
                        n12 as f64 / union as f64
                    },
                    3,
                )
            }
        }
    }
}

/// Two count matrices added cell by cell.
fn add_counts(mut a: Vec<u64>, b: Vec<u64>) -> Vec<u64> {
    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
    a
}
