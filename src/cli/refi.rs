//! Building a REFI-QDA project from the index and the corpus files (read, never modified).

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};

use qcode::coding::Evidence;
use qcode::export::Redactor;
use qcode::refi::{project_qdpx, Case, Selection, Source};
use qcode::transcript::{source_text, Segment};

use super::index::open_fresh_index;
use super::Context;

fn selection(s: &Segment, ev: &[Evidence], start: usize, end: usize) -> Selection {
    Selection {
        segment: s.id.clone(),
        start,
        end,
        codes: ev.iter().map(|e| e.code.clone()).collect(),
        role_label: s.role_label.clone(),
    }
}

pub fn qdpx(ctx: &Context, with_names: bool) -> Result<Vec<u8>> {
    let index = open_fresh_index(ctx)?;
    let mut by_interview: BTreeMap<String, Vec<(Segment, Vec<Evidence>)>> = BTreeMap::new();
    for (s, ev) in index.all_segments()? {
        by_interview
            .entry(s.interview.clone())
            .or_default()
            .push((s, ev));
    }
    let mut sources = Vec::new();
    let mut cases = Vec::new();
    for (rel, entry) in &index.manifest.files {
        let path = ctx.project.root.join(rel);
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        // The text segment offsets refer to (for VTT, SRT, otter.ai and Word files, their rendering).
        let text = source_text(rel, &path, &bytes)?.0;
        let names = if with_names {
            Vec::new()
        } else {
            entry.names.clone()
        };
        let masker = Redactor::new("", &names)?;
        let is_csv = rel.to_lowercase().ends_with(".csv");
        let mut file_source: Option<Source> = (!is_csv).then(|| Source {
            key: rel.clone(),
            name: rel.rsplit('/').next().unwrap_or(rel).to_string(),
            text: masker.apply_keeping_positions(&text),
            selections: Vec::new(),
        });
        for iv in &entry.interviews {
            let segs = by_interview.get(iv).map(Vec::as_slice).unwrap_or(&[]);
            let mut variables: BTreeMap<String, String> = BTreeMap::new();
            if let Some((first, _)) = segs.first() {
                for (k, v) in &first.meta {
                    if segs.iter().all(|(s, _)| s.meta.get(k) == Some(v)) {
                        variables.insert(k.clone(), v.clone());
                    }
                }
            }
            let mut roles: Vec<&str> = segs
                .iter()
                .filter(|(s, _)| !s.interviewer)
                .map(|(s, _)| s.role_label.as_str())
                .collect();
            roles.sort();
            roles.dedup();
            variables.insert("role".into(), roles.join("; "));
            let key = match &mut file_source {
                Some(src) => {
                    for (s, ev) in segs.iter().filter(|(_, ev)| !ev.is_empty()) {
                        src.selections.push(selection(s, ev, s.start, s.end));
                    }
                    src.key.clone()
                }
                None => {
                    // A CSV case becomes one source: its rows, a blank line apart.
                    let mut text = String::new();
                    let mut selections = Vec::new();
                    for (i, (s, ev)) in segs.iter().enumerate() {
                        if i > 0 {
                            text.push_str("\n\n");
                        }
                        let start = text.chars().count();
                        text.push_str(&s.text);
                        if !ev.is_empty() {
                            selections.push(selection(
                                s,
                                ev,
                                start,
                                start + s.text.chars().count(),
                            ));
                        }
                    }
                    let key = format!("{rel}#{iv}");
                    sources.push(Source {
                        key: key.clone(),
                        name: iv.clone(),
                        text: masker.apply_keeping_positions(&text),
                        selections,
                    });
                    key
                }
            };
            cases.push(Case {
                name: iv.clone(),
                variables,
                sources: vec![key],
            });
        }
        if let Some(src) = file_source {
            sources.push(src);
        }
    }
    let root = if ctx.project.root.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        &ctx.project.root
    };
    let name = root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
        .unwrap_or_else(|| "qcode project".into());
    Ok(project_qdpx(
        &name,
        index.codebook(),
        "qcode machine coding",
        &sources,
        &cases,
    )?)
}
