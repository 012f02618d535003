//! The visual report: one self-contained HTML file (no network, no scripts) with the corpus
//! summary, a heatmap of codes of one dimension × speaker role (counts and row %, with its colour
//! scale), the same counts as each role's emphasis (% of the role's coded segments), code
//! frequencies as bars, each code's definition with its top quotes (capped: most hits, then
//! corpus order; attributed by role and linked to their segment ids) and the count of respondent
//! segments no code reached with the first few of them. Charts are inline SVG built here. What it
//! shows is aggregated as the corpus streams past ([`Summary`]), so a corpus of any size renders
//! as a page of bounded size. The same data give the same bytes.

mod summary;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use quick_xml::escape::escape;

use crate::privacy::Redactor;

pub use summary::{Limits, Quote, Shown, Summary, SAMPLE_CHARS};

/// How the report is written (what it shows is in the [`Summary`]'s [`Limits`]).
pub struct ReportOptions {
    pub title: String,
    pub redactor: Redactor,
    /// Whose codings the report shows, when not the machine's alone (`ann`, `reviewed:ann`):
    /// said under the heading, so a reader knows who coded what they read.
    pub coders: Option<String>,
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

/// A table drawn as a heatmap: each cell's count and its share (percent) of its row's
/// denominator, which colours it.
struct Grid {
    /// The SVG's id; its colour scale's and gradient's ids derive from it (unique in the page).
    id: &'static str,
    label: String,
    rows: Vec<String>,
    cols: Vec<String>,
    /// (count, share in percent) per row and column.
    cells: Vec<Vec<(u64, f64)>>,
    /// What the share is of, for the tooltips and the scale.
    of: &'static str,
}

/// The codes of the dimension that some segment reaches (codebook order) and the roles of the
/// segments that reach one (by label).
fn axes(s: &Summary) -> (Vec<usize>, Vec<String>) {
    let codes: BTreeSet<usize> = s.cells.keys().map(|(c, _)| *c).collect();
    (
        codes.into_iter().collect(),
        s.role_coded.keys().cloned().collect(),
    )
}

/// Codes × roles, each cell's share of the code's segments (a row: which roles it comes from).
fn code_grid(s: &Summary) -> Grid {
    let (codes, roles) = axes(s);
    let cells = codes
        .iter()
        .map(|&c| {
            let row: Vec<u64> = roles
                .iter()
                .map(|r| s.cells.get(&(c, r.clone())).copied().unwrap_or(0))
                .collect();
            let total: u64 = row.iter().sum();
            row.iter()
                .map(|&n| {
                    (
                        n,
                        if total > 0 {
                            100.0 * n as f64 / total as f64
                        } else {
                            0.0
                        },
                    )
                })
                .collect()
        })
        .collect();
    Grid {
        id: "heatmap",
        label: format!("{} by speaker role", s.limits.dimension),
        rows: codes
            .iter()
            .map(|&c| s.codebook.codes[c].id.clone())
            .collect(),
        cols: roles,
        cells,
        of: "of the row",
    }
}

/// Roles × codes, each cell's share of the role's coded segments (a row: the role's emphasis).
fn role_grid(s: &Summary) -> Grid {
    let (codes, roles) = axes(s);
    let cells = roles
        .iter()
        .map(|r| {
            codes
                .iter()
                .map(|&c| {
                    let n = s.cells.get(&(c, r.clone())).copied().unwrap_or(0);
                    (n, s.role_share(r, c))
                })
                .collect()
        })
        .collect();
    Grid {
        id: "role-emphasis",
        label: format!("speaker role by {}", s.limits.dimension),
        rows: roles.clone(),
        cols: codes
            .iter()
            .map(|&c| s.codebook.codes[c].id.clone())
            .collect(),
        cells,
        of: "of the role's coded segments",
    }
}

/// A grid as inline SVG, with its colour scale; empty when it has no rows.
fn heatmap(g: &Grid) -> String {
    if g.rows.is_empty() {
        return String::new();
    }
    // The colour runs from 0 to the largest share in the table, so differences show.
    let top_share = g
        .cells
        .iter()
        .flatten()
        .map(|c| c.1)
        .fold(0.0f64, f64::max)
        .max(1.0);
    let width = LEFT + CELL_W * g.cols.len() as f64 + 20.0;
    let height = TOP + CELL_H * g.rows.len() as f64 + 70.0;
    let mut s = format!(
        r##"<svg id="{}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{}">"##,
        g.id,
        esc(&g.label)
    );
    column_labels(&mut s, &g.cols);
    for (i, row) in g.rows.iter().enumerate() {
        heatmap_row(
            &mut s,
            TOP + CELL_H * i as f64,
            g,
            row,
            &g.cells[i],
            top_share,
        );
    }
    colour_scale(
        &mut s,
        g,
        TOP + CELL_H * g.rows.len() as f64 + 25.0,
        top_share,
    );
    s.push_str("</svg>");
    s
}

/// The column names above the columns, slanted so long ones fit.
fn column_labels(s: &mut String, cols: &[String]) {
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

/// One row at height `y`: its label, then a cell per column coloured by its share (against
/// `top_share`), with the count and the share written in it and in its tooltip.
fn heatmap_row(
    s: &mut String,
    y: f64,
    g: &Grid,
    label: &str,
    cells: &[(u64, f64)],
    top_share: f64,
) {
    let (cw, ch) = (CELL_W, CELL_H);
    let _ = write!(
        s,
        r##"<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>"##,
        LEFT - 8.0,
        y + ch / 2.0 + 4.0,
        esc(label)
    );
    for (j, &(n, pct)) in cells.iter().enumerate() {
        let x = LEFT + cw * j as f64;
        // Light text on the darker cells, so the numbers stay readable.
        let fg = if pct / top_share > 0.6 {
            "#fff"
        } else {
            "#111"
        };
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{y}" width="{cw}" height="{ch}" fill="{}" stroke="#fff"><title>{}: {n} segments, {pct:.1}% {}</title></rect><text x="{}" y="{}" font-size="11" text-anchor="middle" fill="{fg}">{n} · {pct:.0}%</text>"##,
            colour(pct / top_share),
            esc(&format!("{label} × {}", g.cols[j])),
            g.of,
            x + cw / 2.0,
            y + ch / 2.0 + 4.0
        );
    }
}

/// The colour scale at height `sy`: the gradient from 0% to `top_share`, labelled at both ends.
fn colour_scale(s: &mut String, g: &Grid, sy: f64, top_share: f64) {
    let left = LEFT;
    // The first heatmap keeps the ids it always had; others get their own.
    let (scale, gradient) = if g.id == "heatmap" {
        ("colour-scale".to_string(), "scale".to_string())
    } else {
        (format!("{}-scale", g.id), format!("{}-gradient", g.id))
    };
    let _ = write!(
        s,
        r##"<defs><linearGradient id="{gradient}"><stop offset="0" stop-color="{}"/><stop offset="1" stop-color="{}"/></linearGradient></defs>"##,
        colour(0.0),
        colour(1.0)
    );
    let _ = write!(
        s,
        r##"<g id="{scale}"><rect x="{left}" y="{sy}" width="200" height="12" fill="url(#{gradient})" stroke="#999"/><text x="{left}" y="{}" font-size="11">0%</text><text x="{}" y="{}" font-size="11" text-anchor="end">{top_share:.0}% {}</text></g>"##,
        sy + 26.0,
        left + 200.0,
        sy + 26.0,
        g.of
    );
}

/// Segments per code as horizontal bars.
fn bars(s: &Summary) -> String {
    let max = s.per_code.iter().copied().max().unwrap_or(0).max(1) as f64;
    let (left, bh, w) = (190.0, 18.0, 420.0);
    let height = bh * s.per_code.len() as f64 + 10.0;
    let mut out = format!(
        r##"<svg id="frequencies" xmlns="http://www.w3.org/2000/svg" width="{}" height="{height}" role="img" aria-label="segments per code">"##,
        left + w + 60.0
    );
    for (i, (code, n)) in s.codebook.codes.iter().zip(&s.per_code).enumerate() {
        let y = bh * i as f64 + 4.0;
        let bw = w * *n as f64 / max;
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text><rect x="{left}" y="{y}" width="{bw:.1}" height="{}" fill="#4a6fa5"/><text x="{}" y="{}" font-size="11">{n}</text>"##,
            left - 6.0,
            y + 12.0,
            esc(&code.id),
            bh - 4.0,
            left + bw + 4.0,
            y + 12.0
        );
    }
    out.push_str("</svg>");
    out
}

/// The whole report of `s` (see [`Summary::read`] and [`Summary::of`]).
pub fn render(s: &Summary, opts: &ReportOptions) -> String {
    let dim = esc(&s.limits.dimension);
    let mut h = String::new();
    head(&mut h, &opts.title);
    summary(&mut h, s, &opts.title);
    if let Some(who) = &opts.coders {
        let _ = writeln!(h, "<p>Codings shown: <b>{}</b>.</p>", esc(who));
    }
    let _ = writeln!(
        h,
        "<section><h2>{dim} × speaker role</h2><p>Segments coded with each {dim} code, by who spoke; the percentage is of the row (a segment with two codes counts in both rows).</p><div style=\"overflow-x:auto\">{}</div></section>",
        heatmap(&code_grid(s))
    );
    let _ = writeln!(
        h,
        "<section id=\"emphasis\"><h2>Each role's emphasis</h2><p>The same counts by role: the percentage is of the role's segments coded with any {dim} code, so a row shows what that role talks about (a segment with two codes counts in both columns, so a row can add up to more than 100%).</p><div style=\"overflow-x:auto\">{}</div></section>",
        heatmap(&role_grid(s))
    );
    let _ = writeln!(h, "<section><h2>Code frequencies</h2><p>Respondent segments per code (a parent counts its children's).</p>{}</section>", bars(s));
    let _ = writeln!(
        h,
        "<section id=\"codes\"><h2>Codes and their top quotes</h2><p>At most {} quotes per code: the segments with the most hits of the code (its children's included), ties in corpus order.</p>",
        s.limits.quotes_per_code
    );
    for ci in 0..s.codebook.codes.len() {
        code_article(&mut h, s, ci, &opts.redactor);
    }
    h.push_str("</section>\n");
    uncoded(&mut h, s, &opts.redactor);
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
fn summary(h: &mut String, s: &Summary, title: &str) {
    let cb = &s.codebook;
    let _ = write!(
        h,
        "<h1>{}</h1>\n<section id=\"summary\"><h2>Corpus</h2><p>{} interviews, {} respondent segments, {} coded ({:.0}%), by the codebook <b>{}</b> {} (blake3 {}).</p>\n",
        esc(title),
        s.interviews.len(),
        s.segments,
        s.coded,
        if s.segments == 0 { 0.0 } else { 100.0 * s.coded as f64 / s.segments as f64 },
        esc(&cb.name),
        esc(&cb.version),
        &cb.hash[..12.min(cb.hash.len())]
    );
    h.push_str("<table><tr><th>Speaker role</th><th>Segments</th></tr>");
    for (role, n) in &s.roles {
        let _ = write!(h, "<tr><td>{}</td><td>{n}</td></tr>", esc(role));
    }
    h.push_str("</table></section>\n");
}

/// One code's article: its label, id, dimension and definition, then its top quotes (already
/// ranked and capped), masked, each attributed and linked to its own anchor.
fn code_article(h: &mut String, s: &Summary, ci: usize, r: &Redactor) {
    let code = &s.codebook.codes[ci];
    let _ = write!(
        h,
        "<article id=\"code-{}\"><h3>{} <small>({}, {})</small></h3><p>{}</p>",
        esc(&code.id),
        esc(&code.label),
        esc(&code.id),
        esc(&code.dimension),
        esc(&code.definition)
    );
    if s.per_code[ci] == 0 {
        h.push_str("<p><i>No segment is coded with it.</i></p>");
    } else if s.per_code[ci] > s.quotes[ci].len() as u64 {
        let _ = write!(
            h,
            "<p class=\"attr\">{} of {} segments shown.</p>",
            s.quotes[ci].len(),
            s.per_code[ci]
        );
    }
    for q in &s.quotes[ci] {
        let seg = &q.segment;
        let _ = write!(
            h,
            "<blockquote id=\"q-{}-{}\">{}<div class=\"attr\">{} · <a href=\"#q-{}-{}\">{}</a> · {} hit(s)</div></blockquote>",
            esc(&code.id),
            esc(&seg.id),
            esc(&r.apply(&seg.text)).replace('\n', "<br>"),
            esc(&seg.attribution),
            esc(&code.id),
            esc(&seg.id),
            esc(&seg.id),
            q.hits
        );
    }
    h.push_str("</article>\n");
}

/// How many respondent segments no code reached, and the first few of them in corpus order,
/// each masked, then cut to its first 240 characters.
fn uncoded(h: &mut String, s: &Summary, r: &Redactor) {
    let _ = write!(
        h,
        "<section id=\"uncoded\"><h2>Respondent segments no code reached</h2><p><b id=\"uncoded-count\">{}</b> of {} respondent segments are uncoded; the first {} in corpus order:</p><table><tr><th>Segment</th><th>Speaker</th><th>Text</th></tr>",
        s.uncoded,
        s.segments,
        s.uncoded_sample.len()
    );
    for seg in &s.uncoded_sample {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&seg.id),
            esc(&seg.attribution),
            // Masked first, then cut: a cut must never leave the start of a name.
            esc(&summary::cut(&r.apply(&seg.text)))
        );
    }
    h.push_str("</table></section>\n");
}
