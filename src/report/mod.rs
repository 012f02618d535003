//! The visual report: one self-contained HTML file (no network, no scripts) with the corpus
//! summary, a heatmap of codes of one dimension × speaker role (counts and row %, with its colour
//! scale), code frequencies as bars, each code's definition with its top quotes (by hits,
//! attributed by role and linked to their segment ids) and the respondent segments no code
//! reached. Charts are inline SVG built here. The same data give the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use quick_xml::escape::escape;

use crate::export::{crosstab, Cell, CountUnit, CrosstabOptions, Dataset, Item, Table, Var};
use crate::privacy::Redactor;

pub struct ReportOptions {
    /// The dimension on the heatmap's rows (e.g. `component`).
    pub dimension: String,
    /// Quotes shown per code.
    pub quotes_per_code: usize,
    pub title: String,
    pub redactor: Redactor,
}

fn esc(s: &str) -> String {
    escape(s).into_owned()
}

/// White to deep blue as `t` goes from 0 to 1.
fn colour(t: f64) -> String {
    let t = t.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(247.0, 8.0),
        mix(251.0, 69.0),
        mix(255.0, 148.0)
    )
}

// The heatmap's layout: each cell's width and height, and the room left of the cells (row
// labels) and above them (the slanted column labels).
const CELL_W: f64 = 76.0;
const CELL_H: f64 = 34.0;
const LEFT: f64 = 150.0;
const TOP: f64 = 120.0;

/// Segments coded with each code of `dimension` × speaker role, with totals; none when the
/// dimension has no codes.
fn dimension_by_role(ds: &Dataset, dimension: &str) -> Option<Table> {
    let opts = CrosstabOptions {
        rows: Var::Dimension(dimension.to_string()),
        cols: Var::Role,
        by: None,
        count: CountUnit::Segments,
        percent: None,
    };
    crosstab(ds, &opts).ok()?.into_iter().next()
}

/// A cell's share of its row's total (the row's last cell), in percent; 0 for an empty row.
fn share(row: &[Cell], cell: &Cell) -> f64 {
    match (row.last(), cell) {
        (Some(Cell::Int(t)), Cell::Int(n)) if *t > 0 => 100.0 * *n as f64 / *t as f64,
        _ => 0.0,
    }
}

/// The heatmap of `dimension` × speaker role as inline SVG, with its colour scale; empty when
/// the dimension has no codes.
fn heatmap(ds: &Dataset, dimension: &str) -> String {
    let Some(t) = dimension_by_role(ds, dimension) else {
        return String::new();
    };
    let cols: Vec<&String> = t.header[1..t.header.len() - 1].iter().collect();
    let rows: Vec<&Vec<Cell>> = t
        .rows
        .iter()
        .filter(|r| r[0] != Cell::text("Total"))
        .collect();
    // The colour runs from 0 to the largest row share in the table, so differences show.
    let top_share = rows
        .iter()
        .flat_map(|r| r[1..r.len() - 1].iter().map(move |c| share(r, c)))
        .fold(0.0f64, f64::max)
        .max(1.0);
    let width = LEFT + CELL_W * cols.len() as f64 + 20.0;
    let height = TOP + CELL_H * rows.len() as f64 + 70.0;
    let mut s = format!(
        r##"<svg id="heatmap" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{dimension} by speaker role">"##
    );
    column_labels(&mut s, &cols);
    for (i, r) in rows.iter().enumerate() {
        heatmap_row(&mut s, TOP + CELL_H * i as f64, r, &cols, top_share);
    }
    colour_scale(&mut s, TOP + CELL_H * rows.len() as f64 + 25.0, top_share);
    s.push_str("</svg>");
    s
}

/// The role names above the columns, slanted so long ones fit.
fn column_labels(s: &mut String, cols: &[&String]) {
    for (j, c) in cols.iter().enumerate() {
        let x = LEFT + CELL_W * j as f64 + CELL_W / 2.0;
        let _ = write!(
            s,
            r##"<text x="{x}" y="{}" transform="rotate(-35 {x} {})" font-size="11" text-anchor="start">{}</text>"##,
            TOP - 8.0,
            TOP - 8.0,
            esc(c)
        );
    }
}

/// One code's row at height `y`: its label, then a cell per role coloured by its share of the
/// row (against `top_share`), with the count and the share written in it and in its tooltip.
fn heatmap_row(s: &mut String, y: f64, r: &[Cell], cols: &[&String], top_share: f64) {
    let (cw, ch) = (CELL_W, CELL_H);
    let _ = write!(
        s,
        r##"<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>"##,
        LEFT - 8.0,
        y + ch / 2.0 + 4.0,
        esc(&r[0].render())
    );
    for (j, cell) in r[1..r.len() - 1].iter().enumerate() {
        let n = match cell {
            Cell::Int(n) => *n as f64,
            _ => 0.0,
        };
        let pct = share(r, cell);
        let x = LEFT + cw * j as f64;
        // Light text on the darker cells, so the numbers stay readable.
        let fg = if pct / top_share > 0.6 {
            "#fff"
        } else {
            "#111"
        };
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{y}" width="{cw}" height="{ch}" fill="{}" stroke="#fff"><title>{}: {n} segments, {pct:.1}% of the row</title></rect><text x="{}" y="{}" font-size="11" text-anchor="middle" fill="{fg}">{n} · {pct:.0}%</text>"##,
            colour(pct / top_share),
            esc(&format!("{} × {}", r[0].render(), cols[j])),
            x + cw / 2.0,
            y + ch / 2.0 + 4.0
        );
    }
}

/// The colour scale at height `sy`: the gradient from 0% to `top_share`, labelled at both ends.
fn colour_scale(s: &mut String, sy: f64, top_share: f64) {
    let left = LEFT;
    s.push_str(r##"<defs><linearGradient id="scale"><stop offset="0" stop-color=""##);
    s.push_str(&colour(0.0));
    s.push_str(r##""/><stop offset="1" stop-color=""##);
    s.push_str(&colour(1.0));
    s.push_str(r##""/></linearGradient></defs>"##);
    let _ = write!(
        s,
        r##"<g id="colour-scale"><rect x="{left}" y="{sy}" width="200" height="12" fill="url(#scale)" stroke="#999"/><text x="{left}" y="{}" font-size="11">0%</text><text x="{}" y="{}" font-size="11" text-anchor="end">{top_share:.0}% of the row</text></g>"##,
        sy + 26.0,
        left + 200.0,
        sy + 26.0
    );
}

fn bars(ds: &Dataset) -> String {
    let counts: Vec<(String, usize)> = (0..ds.codebook.codes.len())
        .map(|c| {
            (
                ds.codebook.codes[c].id.clone(),
                ds.items.iter().filter(|i| i.reaches(c)).count(),
            )
        })
        .collect();
    let max = counts.iter().map(|c| c.1).max().unwrap_or(0).max(1) as f64;
    let (left, bh, w) = (190.0, 18.0, 420.0);
    let height = bh * counts.len() as f64 + 10.0;
    let mut s = format!(
        r##"<svg id="frequencies" xmlns="http://www.w3.org/2000/svg" width="{}" height="{height}" role="img" aria-label="segments per code">"##,
        left + w + 60.0
    );
    for (i, (id, n)) in counts.iter().enumerate() {
        let y = bh * i as f64 + 4.0;
        let bw = w * *n as f64 / max;
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text><rect x="{left}" y="{y}" width="{bw:.1}" height="{}" fill="#4a6fa5"/><text x="{}" y="{}" font-size="11">{n}</text>"##,
            left - 6.0,
            y + 12.0,
            esc(id),
            bh - 4.0,
            left + bw + 4.0,
            y + 12.0
        );
    }
    s.push_str("</svg>");
    s
}

/// The whole report.
pub fn render(ds: &Dataset, opts: &ReportOptions) -> String {
    let mut h = String::new();
    head(&mut h, &opts.title);
    summary(&mut h, ds, &opts.title);
    let _ = writeln!(
        h,
        "<section><h2>{} × speaker role</h2><p>Segments coded with each {} code, by who spoke; the percentage is of the row (a segment with two codes counts in both rows).</p><div style=\"overflow-x:auto\">{}</div></section>",
        esc(&opts.dimension),
        esc(&opts.dimension),
        heatmap(ds, &opts.dimension)
    );
    let _ = writeln!(h, "<section><h2>Code frequencies</h2><p>Respondent segments per code (a parent counts its children's).</p>{}</section>", bars(ds));
    h.push_str("<section id=\"codes\"><h2>Codes and their top quotes</h2>\n");
    for ci in 0..ds.codebook.codes.len() {
        code_article(&mut h, ds, ci, opts);
    }
    h.push_str("</section>\n");
    uncoded(&mut h, ds, &opts.redactor);
    h.push_str("</body></html>\n");
    h
}

/// The document's head: its title and the one inline style sheet (nothing is fetched).
fn head(h: &mut String, title: &str) {
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#111}}\
         table{{border-collapse:collapse}}td,th{{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}}\
         blockquote{{margin:.5em 0;padding:.4em .8em;border-left:3px solid #4a6fa5;background:#f5f7fb}}\
         .attr{{color:#555;font-size:.9em}}h2{{margin-top:2em}}</style></head><body>\n",
        esc(title)
    );
}

/// The heading and the corpus summary: interviews, segments, the share coded, the codebook
/// (with its hash, so a reader can tell which version coded it) and segments per role.
fn summary(h: &mut String, ds: &Dataset, title: &str) {
    let cb = &ds.codebook;
    let interviews = ds.interviews();
    let coded = ds.items.iter().filter(|i| !i.codings.is_empty()).count();
    let _ = write!(
        h,
        "<h1>{}</h1>\n<section id=\"summary\"><h2>Corpus</h2><p>{} interviews, {} respondent segments, {} coded ({:.0}%), by the codebook <b>{}</b> {} (blake3 {}).</p>\n",
        esc(title),
        interviews,
        ds.items.len(),
        coded,
        if ds.items.is_empty() { 0.0 } else { 100.0 * coded as f64 / ds.items.len() as f64 },
        esc(&cb.name),
        esc(&cb.version),
        &cb.hash[..12.min(cb.hash.len())]
    );
    let mut roles: BTreeMap<&str, usize> = BTreeMap::new();
    for i in &ds.items {
        *roles.entry(i.segment.role_label.as_str()).or_default() += 1;
    }
    h.push_str("<table><tr><th>Speaker role</th><th>Segments</th></tr>");
    for (role, n) in &roles {
        let _ = write!(h, "<tr><td>{}</td><td>{n}</td></tr>", esc(role));
    }
    h.push_str("</table></section>\n");
}

/// One code's article: its label, id, dimension and definition, then its top quotes (most hits
/// first, ties by segment id), masked, each attributed and linked to its own anchor.
fn code_article(h: &mut String, ds: &Dataset, ci: usize, opts: &ReportOptions) {
    let code = &ds.codebook.codes[ci];
    let mut quotes: Vec<(u32, &Item)> = ds
        .items
        .iter()
        .filter(|i| i.reaches(ci))
        .map(|i| (i.hits(ci), i))
        .collect();
    quotes.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.segment.id.cmp(&b.1.segment.id))
    });
    let _ = write!(
        h,
        "<article id=\"code-{}\"><h3>{} <small>({}, {})</small></h3><p>{}</p>",
        esc(&code.id),
        esc(&code.label),
        esc(&code.id),
        esc(&code.dimension),
        esc(&code.definition)
    );
    if quotes.is_empty() {
        h.push_str("<p><i>No segment is coded with it.</i></p>");
    }
    for (hits, item) in quotes.iter().take(opts.quotes_per_code) {
        let s = &item.segment;
        let _ = write!(
            h,
            "<blockquote id=\"q-{}-{}\">{}<div class=\"attr\">{} · <a href=\"#q-{}-{}\">{}</a> · {hits} hit(s)</div></blockquote>",
            esc(&code.id),
            esc(&s.id),
            esc(&opts.redactor.apply(&s.text)).replace('\n', "<br>"),
            esc(&s.attribution()),
            esc(&code.id),
            esc(&s.id),
            esc(&s.id)
        );
    }
    h.push_str("</article>\n");
}

/// The respondent segments no code reached, each cut to its first 240 characters and masked.
fn uncoded(h: &mut String, ds: &Dataset, r: &Redactor) {
    h.push_str("<section id=\"uncoded\"><h2>Respondent segments no code reached</h2><table><tr><th>Segment</th><th>Speaker</th><th>Text</th></tr>");
    for i in ds.items.iter().filter(|i| i.codings.is_empty()) {
        let text: String = i.segment.text.chars().take(240).collect();
        let more = if i.segment.text.chars().count() > 240 {
            "…"
        } else {
            ""
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}{more}</td></tr>",
            esc(&i.segment.id),
            esc(&i.segment.attribution()),
            esc(&r.apply(&text))
        );
    }
    h.push_str("</table></section>\n");
}
