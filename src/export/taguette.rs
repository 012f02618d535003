//! Taguette's two CSV layouts: a codebook it imports (`tag`, `description`) and highlights as
//! Taguette exports them (`id`, `document`, `tag`, `content`), which `qcode import codings`
//! reads back. A code's tag is its label, as Taguette shows tags; where the label would not
//! lead back to that one code (two codes share it, it names another code's id, or it holds a
//! path separator `>` `\` `::` that an import splits on), the code's id is its tag instead.

use std::collections::HashMap;

use super::dataset::Dataset;
use super::table::{Cell, Table};
use crate::codebook::Codebook;
use crate::privacy::Redactor;

/// Each code's Taguette tag, by code id (see the module's rule).
pub fn taguette_tags(cb: &Codebook) -> HashMap<String, String> {
    let mut names: HashMap<String, usize> = HashMap::new();
    for c in &cb.codes {
        *names.entry(c.label.to_lowercase()).or_default() += 1;
    }
    let ids: std::collections::HashSet<String> =
        cb.codes.iter().map(|c| c.id.to_lowercase()).collect();
    cb.codes
        .iter()
        .map(|c| {
            let l = c.label.to_lowercase();
            let unique = names[&l] == 1 && (!ids.contains(&l) || l == c.id.to_lowercase());
            let plain = !c.label.trim().is_empty()
                && c.label.trim() == c.label
                && !c.label.contains(['>', '\\'])
                && !c.label.contains("::");
            let tag = if unique && plain { &c.label } else { &c.id };
            (c.id.clone(), tag.clone())
        })
        .collect()
}

/// The codebook as Taguette's codebook import reads it: one row per code, its tag and its
/// definition.
pub fn taguette_codebook(cb: &Codebook) -> Table {
    let tags = taguette_tags(cb);
    Table {
        name: "codebook".into(),
        title: format!("Codebook {} {} as Taguette tags", cb.name, cb.version),
        header: vec!["tag".into(), "description".into()],
        rows: cb
            .codes
            .iter()
            .map(|c| vec![Cell::text(&tags[&c.id]), Cell::text(&c.definition)])
            .collect(),
        group: None,
    }
}

/// Codings as Taguette's highlights: one row per segment and code, numbered from 1, the
/// document being the interview and the content the segment's text (masked by `redactor`).
pub fn taguette_highlights(ds: &Dataset, redactor: &Redactor) -> Table {
    let tags = taguette_tags(&ds.codebook);
    let mut rows = Vec::new();
    for item in &ds.items {
        let text = redactor.apply(&item.segment.text);
        // Several coders' codings of a segment with one code are one highlight.
        let mut seen = std::collections::HashSet::new();
        for ev in &item.codings {
            let Some(tag) = tags.get(&ev.code).filter(|_| seen.insert(&ev.code)) else {
                continue;
            };
            rows.push(vec![
                Cell::Int(rows.len() as i64 + 1),
                Cell::text(&item.segment.interview),
                Cell::text(tag),
                Cell::text(text.as_str()),
            ]);
        }
    }
    Table {
        name: "highlights".into(),
        title: "Codings as Taguette highlights: one row per segment and code".into(),
        header: ["id", "document", "tag", "content"]
            .map(str::to_string)
            .to_vec(),
        rows,
        group: None,
    }
}
