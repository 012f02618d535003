//! The visual report: one self-contained HTML file (no network, no scripts) with the corpus
//! summary, a heatmap of codes of one dimension × speaker role (counts and row %, with its colour
//! scale), code frequencies as bars, each code's definition with its top quotes (by hits,
//! attributed by role and linked to their segment ids) and the respondent segments no code
//! reached. Charts are inline SVG built here. The same data give the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use quick_xml::escape::escape;

use crate::export::{crosstab, Cell, CountUnit, CrosstabOptions, Dataset, Var};
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

fn heatmap(ds: &Dataset, dimension: &str) -> String {
    let opts = CrosstabOptions {
        rows: Var::Dimension(dimension.to_string()),
        cols: Var::Role,
        by: None,
        count: CountUnit::Segments,
        percent: None,
    };
    let Ok(tables) = crosstab(ds, &opts) else {
        return String::new();
    };
    let Some(t) = tables.first() else {
        return String::new();
    };
    let cols: Vec<&String> = t.header[1..t.header.len() - 1].iter().collect();
    let rows: Vec<&Vec<Cell>> = t
        .rows
        .iter()
        .filter(|r| r[0] != Cell::text("Total"))
        .collect();
    let (cw, ch, left, top) = (76.0, 34.0, 150.0, 120.0);
    // The colour runs from 0 to the largest row share in the table, so differences show.
    let share = |r: &Vec<Cell>, cell: &Cell| -> f64 {
        match (r.last(), cell) {
            (Some(Cell::Int(t)), Cell::Int(n)) if *t > 0 => 100.0 * *n as f64 / *t as f64,
            _ => 0.0,
        }
    };
    let top_share = t
        .rows
        .iter()
        .filter(|r| r[0] != Cell::text("Total"))
        .flat_map(|r| r[1..r.len() - 1].iter().map(move |c| share(r, c)))
        .fold(0.0f64, f64::max)
        .max(1.0);
    let width = left + cw * cols.len() as f64 + 20.0;
    let height = top + ch * rows.len() as f64 + 70.0;
    let mut s = format!(
        r##"<svg id="heatmap" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{dimension} by speaker role">"##
    );
    for (j, c) in cols.iter().enumerate() {
        let x = left + cw * j as f64 + cw / 2.0;
        let _ = write!(
            s,
            r##"<text x="{x}" y="{}" transform="rotate(-35 {x} {})" font-size="11" text-anchor="start">{}</text>"##,
            top - 8.0,
            top - 8.0,
            esc(c)
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + ch * i as f64;
        let total = match r.last() {
            Some(Cell::Int(n)) => *n as f64,
            _ => 0.0,
        };
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>"##,
            left - 8.0,
            y + ch / 2.0 + 4.0,
            esc(&r[0].render())
        );
        for (j, cell) in r[1..r.len() - 1].iter().enumerate() {
            let n = match cell {
                Cell::Int(n) => *n as f64,
                _ => 0.0,
            };
            let pct = if total > 0.0 { 100.0 * n / total } else { 0.0 };
            let x = left + cw * j as f64;
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
    // The colour scale.
    let sy = top + ch * rows.len() as f64 + 25.0;
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
    s.push_str("</svg>");
    s
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
    let cb = &ds.codebook;
    let r = &opts.redactor;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#111}}\
         table{{border-collapse:collapse}}td,th{{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}}\
         blockquote{{margin:.5em 0;padding:.4em .8em;border-left:3px solid #4a6fa5;background:#f5f7fb}}\
         .attr{{color:#555;font-size:.9em}}h2{{margin-top:2em}}</style></head><body>\n",
        esc(&opts.title)
    );
    let interviews = ds.interviews();
    let coded = ds.items.iter().filter(|i| !i.codings.is_empty()).count();
    let _ = write!(
        h,
        "<h1>{}</h1>\n<section id=\"summary\"><h2>Corpus</h2><p>{} interviews, {} respondent segments, {} coded ({:.0}%), by the codebook <b>{}</b> {} (blake3 {}).</p>\n",
        esc(&opts.title),
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
    let _ = writeln!(
        h,
        "<section><h2>{} × speaker role</h2><p>Segments coded with each {} code, by who spoke; the percentage is of the row (a segment with two codes counts in both rows).</p><div style=\"overflow-x:auto\">{}</div></section>",
        esc(&opts.dimension),
        esc(&opts.dimension),
        heatmap(ds, &opts.dimension)
    );
    let _ = writeln!(h, "<section><h2>Code frequencies</h2><p>Respondent segments per code (a parent counts its children's).</p>{}</section>", bars(ds));
    h.push_str("<section id=\"codes\"><h2>Codes and their top quotes</h2>\n");
    for (ci, code) in cb.codes.iter().enumerate() {
        let mut quotes: Vec<(u32, &crate::export::Item)> = ds
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
                esc(&r.apply(&s.text)).replace('\n', "<br>"),
                esc(&s.attribution()),
                esc(&code.id),
                esc(&s.id),
                esc(&s.id)
            );
        }
        h.push_str("</article>\n");
    }
    h.push_str("</section>\n<section id=\"uncoded\"><h2>Respondent segments no code reached</h2><table><tr><th>Segment</th><th>Speaker</th><th>Text</th></tr>");
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
    h.push_str("</table></section>\n</body></html>\n");
    h
}
