//! What `qcode import qdpx` will do with a project read from another tool, decided before
//! anything is written: which of its codes are ours, where each text source goes in the corpus
//! (a new file, never overwriting one; or the file already holding that text), which segments
//! each coded selection ties to and by how much, and where the codings file goes. The library
//! only reads (the corpus and codings folders, to find free names); the caller writes the plan.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::guid;
use super::import::{
    lf_text, to_lf_offsets, ImportedProject, ImportedSelection, ImportedSource, Positions,
};
use crate::codebook::Codebook;
use crate::diag::SourceError;
use crate::project::Project;
use crate::roles::slug;
use crate::transcript::{parse_file, Segment};

/// Their codes mapped to ours: by qcode's GUID (a qcode export), else by label or id (any case),
/// else a new id made from their name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeMap {
    /// Their code GUID → our code id.
    pub ids: BTreeMap<String, String>,
    /// Their codes the codebook does not have, in their order.
    pub unknown: Vec<UnknownCode>,
}

/// A code of theirs that is not in the codebook, and the id its codings are recorded under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    pub name: String,
    pub recorded_as: String,
}

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "code `{}` is not in the codebook; recorded as `{}`",
            self.name, self.recorded_as
        )
    }
}

impl CodeMap {
    pub fn new(imported: &ImportedProject, codebook: &Codebook) -> CodeMap {
        let mut map = CodeMap {
            ids: BTreeMap::new(),
            unknown: Vec::new(),
        };
        for c in &imported.codes {
            let ours = codebook
                .codes
                .iter()
                .find(|k| guid("code", &k.id).eq_ignore_ascii_case(&c.guid))
                .or_else(|| {
                    codebook.codes.iter().find(|k| {
                        k.label.eq_ignore_ascii_case(&c.name) || k.id.eq_ignore_ascii_case(&c.name)
                    })
                })
                .map(|k| k.id.clone());
            let id = ours.unwrap_or_else(|| {
                let recorded_as = slug(&c.name);
                map.unknown.push(UnknownCode {
                    name: c.name.clone(),
                    recorded_as: recorded_as.clone(),
                });
                recorded_as
            });
            map.ids.insert(c.guid.clone(), id);
        }
        map
    }
}

/// A selection whose positions do not fit its source: the positions were counted another way.
#[derive(Debug, thiserror::Error)]
#[error("selection {selection} of source `{source_name}` runs from {start} to {end}, past the end of its text ({positions} positions as {mode:?}); try another --positions")]
pub struct PositionsError {
    pub selection: String,
    pub source_name: String,
    pub start: usize,
    pub end: usize,
    /// The last position the source has, counted as `mode` says.
    pub positions: usize,
    pub mode: Positions,
}

/// A text source's place in the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSource {
    pub path: PathBuf,
    /// `path` relative to the project, as segment sources and messages name it.
    pub rel: String,
    pub text: String,
    /// The corpus already holds this text at `path`: nothing to write.
    pub present: bool,
}

/// A source whose text has no speaker turns: it is written, but its codings tie to nothing.
#[derive(Debug, Clone)]
pub struct Unsegmented(pub SourceError);

impl fmt::Display for Unsegmented {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n  (its codings cannot be tied to segments)", self.0)
    }
}

/// One row of the codings file: a code a coder gave a selection, on one segment it overlaps.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedCoding {
    pub segment_id: String,
    pub code: String,
    pub coder: String,
    /// The share of the segment the selection covers, 0 to 1.
    pub overlap: f64,
    /// The corpus file the selection's source was written to (relative to the project).
    pub source: String,
    /// The selection's GUID.
    pub selection: String,
}

/// The codings file's columns.
pub const CODINGS_HEADER: [&str; 6] = [
    "segment_id",
    "code",
    "coder",
    "overlap",
    "source",
    "selection",
];

impl ImportedCoding {
    /// The row as written (overlap to three decimals).
    pub fn record(&self) -> [String; 6] {
        [
            self.segment_id.clone(),
            self.code.clone(),
            self.coder.clone(),
            format!("{:.3}", self.overlap),
            self.source.clone(),
            self.selection.clone(),
        ]
    }
}

/// Everything an import writes, and what it could not tie.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    /// Every text source, in the project's order.
    pub sources: Vec<PlannedSource>,
    /// Sources without speaker turns, in order.
    pub unsegmented: Vec<Unsegmented>,
    /// Every coding tied to a segment, sorted by row, each row once.
    pub codings: Vec<ImportedCoding>,
    /// A free name in the project's codings/ folder, after the package's file name.
    pub codings_path: PathBuf,
}

impl ImportPlan {
    /// The codings file's bytes (CSV with [`CODINGS_HEADER`]), ready for `qcode agree`.
    pub fn codings_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(CODINGS_HEADER)?;
        for c in &self.codings {
            w.write_record(c.record())?;
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }
}

/// Plan the import of `imported` (read from `package`) into `project`: every selection is
/// checked against its source before anything else, so a bad package writes nothing. `coder`
/// names every coding's coder (default: the package's user names, else "imported").
pub fn plan_import(
    project: &Project,
    codebook: &Codebook,
    imported: &ImportedProject,
    code_map: &CodeMap,
    mode: Positions,
    coder: Option<&str>,
    package: &Path,
) -> Result<ImportPlan, PositionsError> {
    let maps = position_maps(imported, mode)?;
    let mut sources: Vec<PlannedSource> = Vec::new();
    let mut unsegmented = Vec::new();
    let mut codings = Vec::new();
    for (s, map) in imported.sources.iter().zip(maps) {
        let planned = place(project, s, &sources);
        let parsed = parse_file(
            &project.transcript,
            &codebook.roles,
            &planned.rel,
            &planned.path,
            s.text.as_bytes(),
        );
        let rel = planned.rel.clone();
        sources.push(planned);
        let parsed = match parsed {
            Ok(p) => p,
            Err(e) => {
                unsegmented.push(Unsegmented(e));
                continue;
            }
        };
        debug_assert_eq!(lf_text(&s.text).chars().count(), *map.last().unwrap_or(&0));
        let segments: Vec<&Segment> = parsed
            .interviews
            .iter()
            .flat_map(|iv| &iv.segments)
            .collect();
        for sel in &s.selections {
            let who = |user: &Option<String>| coder_name(coder, &imported.users, user, sel);
            let span = (map[sel.start], map[sel.end]);
            codings.extend(tie(sel, span, &segments, code_map, &who, &rel));
        }
    }
    // The file reads sorted, each row once (a selection may carry a code twice).
    codings.sort_by_cached_key(ImportedCoding::record);
    codings.dedup_by(|a, b| a.record() == b.record());
    let codings_dir = project.root.join("codings");
    let (codings_path, _) = free_path(
        &codings_dir,
        &file_stem(&package.to_string_lossy()),
        "csv",
        None,
        &[],
    );
    Ok(ImportPlan {
        sources,
        unsegmented,
        codings,
        codings_path,
    })
}

/// Each source's map from the tool's positions to LF code points, once every selection is
/// known to fit its source (start before end, end within the text): the first that does not
/// is refused.
fn position_maps(
    imported: &ImportedProject,
    mode: Positions,
) -> Result<Vec<Vec<usize>>, PositionsError> {
    let mut maps = Vec::new();
    for s in &imported.sources {
        let map = to_lf_offsets(&s.text, mode);
        if let Some(sel) = s
            .selections
            .iter()
            .find(|sel| sel.start > sel.end || sel.end >= map.len())
        {
            return Err(PositionsError {
                selection: sel.guid.clone(),
                source_name: s.name.clone(),
                start: sel.start,
                end: sel.end,
                positions: map.len() - 1,
                mode,
            });
        }
        maps.push(map);
    }
    Ok(maps)
}

/// Where source `s` goes in the corpus: a file named after it that neither exists nor is
/// `planned` for an earlier source, or the one already holding its text.
fn place(project: &Project, s: &ImportedSource, planned: &[PlannedSource]) -> PlannedSource {
    let planned: Vec<(&Path, &str)> = planned
        .iter()
        .map(|p| (p.path.as_path(), p.text.as_str()))
        .collect();
    let (path, present) = free_path(
        &project.corpus_dir,
        &file_stem(&s.name),
        "txt",
        Some(&s.text),
        &planned,
    );
    PlannedSource {
        rel: project.relative(&path),
        path,
        text: s.text.clone(),
        present,
    }
}

/// Who gave a coding: the `coder` the caller named, else the coding's user, else the
/// selection's, by their name in the package; "imported" when none is known.
fn coder_name(
    coder: Option<&str>,
    users: &BTreeMap<String, String>,
    user: &Option<String>,
    sel: &ImportedSelection,
) -> String {
    match coder {
        Some(c) => c.to_string(),
        None => user
            .as_ref()
            .or(sel.user.as_ref())
            .and_then(|u| users.get(u).cloned())
            .unwrap_or_else(|| "imported".into()),
    }
}

/// The codings of one selection, spanning LF code points `a..b`, on every segment it overlaps,
/// with the share of the segment covered. Codes the package does not define are left out.
fn tie(
    sel: &ImportedSelection,
    (a, b): (usize, usize),
    segments: &[&Segment],
    code_map: &CodeMap,
    who: &dyn Fn(&Option<String>) -> String,
    source: &str,
) -> Vec<ImportedCoding> {
    let mut out = Vec::new();
    for seg in segments {
        let overlap = b.min(seg.end).saturating_sub(a.max(seg.start));
        if overlap == 0 {
            continue;
        }
        let len = (seg.end - seg.start).max(1);
        for (code_guid, user) in &sel.codings {
            let Some(code) = code_map.ids.get(code_guid) else {
                continue;
            };
            out.push(ImportedCoding {
                segment_id: seg.id.clone(),
                code: code.clone(),
                coder: who(user),
                overlap: overlap as f64 / len as f64,
                source: source.to_string(),
                selection: sel.guid.clone(),
            });
        }
    }
    out
}

/// A file name from a source name: letters, digits, `-` and `_` only.
fn file_stem(name: &str) -> String {
    let stem = Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let s: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "source".into()
    } else {
        s
    }
}

/// A path in `dir` for `stem.ext` (then `stem-2.ext`, …) that neither exists nor is `planned`
/// already, or the first that holds exactly `content` (`true`: nothing to write). A file that
/// exists but cannot be read is taken: it is never overwritten.
fn free_path(
    dir: &Path,
    stem: &str,
    ext: &str,
    content: Option<&str>,
    planned: &[(&Path, &str)],
) -> (PathBuf, bool) {
    for n in 1.. {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let p = dir.join(name);
        let existing = match planned.iter().find(|(q, _)| *q == p) {
            Some((_, text)) => Ok(text.to_string()),
            None => std::fs::read_to_string(&p),
        };
        match existing {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (p, false),
            Ok(existing) if Some(existing.as_str()) == content => return (p, true),
            _ => continue,
        }
    }
    unreachable!("some name is free")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::Code;
    use crate::refi::import::{ImportedCode, ImportedSource};

    fn codebook() -> Codebook {
        let mut cb = Codebook::empty();
        cb.codes = vec![
            Code::new("trust", "Trust", "component"),
            Code::new("council", "The council", "stakeholder"),
        ];
        cb
    }

    /// Codes by our GUID, by label and by an unknown name; one selection from "two" in the first
    /// turn to "three" in the second.
    fn imported(text: &str) -> ImportedProject {
        let code = |guid: &str, name: &str| ImportedCode {
            guid: guid.into(),
            name: name.into(),
            parent: None,
        };
        let start = text.find("two").unwrap();
        let end = text.find("three").unwrap() + "three".len();
        ImportedProject {
            origin: Some("NVivo 14".into()),
            users: BTreeMap::from([("U1".to_string(), "Ann".to_string())]),
            codes: vec![
                code(&guid("code", "trust"), "Vertrauen"),
                code("C2", "the COUNCIL"),
                code("C3", "Local knowledge!"),
            ],
            sources: vec![ImportedSource {
                guid: "S1".into(),
                name: "Interview 7.docx".into(),
                text: text.into(),
                selections: vec![ImportedSelection {
                    guid: "X1".into(),
                    start,
                    end,
                    codings: vec![
                        ("C2".into(), None),
                        ("C3".into(), Some("U1".into())),
                        ("C9".into(), None),
                    ],
                    user: None,
                }],
            }],
        }
    }

    fn project() -> (tempfile::TempDir, Project) {
        let dir = tempfile::tempdir().unwrap();
        let p = Project::open(dir.path()).unwrap();
        (dir, p)
    }

    const TEXT: &str = "P1: one two\n\nP2: three four\n";

    fn plan_for(
        p: &Project,
        imported: &ImportedProject,
        mode: Positions,
        coder: Option<&str>,
        package: &str,
    ) -> Result<ImportPlan, PositionsError> {
        let map = CodeMap::new(imported, &codebook());
        plan_import(
            p,
            &codebook(),
            imported,
            &map,
            mode,
            coder,
            Path::new(package),
        )
    }

    #[test]
    fn codes_map_by_guid_then_label_then_a_new_id() {
        let map = CodeMap::new(&imported(TEXT), &codebook());
        assert_eq!(map.ids[&guid("code", "trust")], "trust");
        assert_eq!(map.ids["C2"], "council");
        assert_eq!(map.ids["C3"], "local_knowledge");
        assert_eq!(
            map.unknown,
            [UnknownCode {
                name: "Local knowledge!".into(),
                recorded_as: "local_knowledge".into()
            }]
        );
    }

    #[test]
    fn a_selection_spanning_two_segments_ties_to_both_with_their_overlap() {
        let (_dir, p) = project();
        let imported = imported(TEXT);
        let plan = plan_for(
            &p,
            &imported,
            Positions::CodePoints,
            None,
            "../from nvivo.qdpx",
        )
        .unwrap();
        assert_eq!(plan.sources.len(), 1);
        assert_eq!(plan.sources[0].rel, "corpus/Interview-7.txt");
        assert!(!plan.sources[0].present);
        assert!(plan.unsegmented.is_empty());
        assert_eq!(plan.codings_path, p.root.join("codings/from-nvivo.csv"));
        assert!(!p.corpus_dir.exists(), "planning writes nothing");
        let rows: Vec<[String; 6]> = plan.codings.iter().map(|c| c.record()).collect();
        let row = |seg: &str, code: &str, coder: &str, overlap: &str| {
            [seg, code, coder, overlap, "corpus/Interview-7.txt", "X1"].map(str::to_string)
        };
        // "one two" is 7 characters, "two" 3 of them; "three four" is 10, "three" 5. The code
        // the package does not define (C9) ties to nothing.
        assert_eq!(
            rows,
            [
                row("Interview-7:1.1", "council", "imported", "0.429"),
                row("Interview-7:1.1", "local_knowledge", "Ann", "0.429"),
                row("Interview-7:2.1", "council", "imported", "0.500"),
                row("Interview-7:2.1", "local_knowledge", "Ann", "0.500"),
            ]
        );
        let csv = String::from_utf8(plan.codings_csv().unwrap()).unwrap();
        assert!(csv.starts_with("segment_id,code,coder,overlap,source,selection\n"));
        assert_eq!(csv.lines().count(), 5);
    }

    #[test]
    fn a_named_coder_codes_everything_and_a_text_without_turns_ties_nothing() {
        let (_dir, p) = project();
        let notes = imported("Just one two three notes.\n");
        let plan = plan_for(&p, &notes, Positions::CodePoints, Some("Bea"), "x.qdpx").unwrap();
        assert_eq!(plan.unsegmented.len(), 1);
        assert!(plan.unsegmented[0]
            .to_string()
            .ends_with("(its codings cannot be tied to segments)"));
        assert!(plan.codings.is_empty());
        assert_eq!(plan.sources.len(), 1, "the text is still written");

        let turns = imported(TEXT);
        let plan = plan_for(&p, &turns, Positions::CodePoints, Some("Bea"), "x.qdpx").unwrap();
        assert_eq!(plan.codings.len(), 4);
        assert!(plan.codings.iter().all(|c| c.coder == "Bea"));
    }

    #[test]
    fn a_selection_past_the_end_is_refused_before_anything_is_planned() {
        let (_dir, p) = project();
        let mut imported = imported(TEXT);
        imported.sources[0].selections[0].end = 500;
        let err = plan_for(&p, &imported, Positions::Utf16, None, "x.qdpx").unwrap_err();
        assert_eq!((err.end, err.positions), (500, TEXT.chars().count()));
        assert!(
            err.to_string().contains("past the end of its text"),
            "{err}"
        );
    }

    #[test]
    fn file_names_are_free_planned_or_already_holding_the_text() {
        assert_eq!(file_stem("Interview 7 (final).docx"), "Interview-7--final");
        assert_eq!(file_stem("!!!"), "source");
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.txt"), "old").unwrap();
        std::fs::write(d.join("a-2.txt"), [0xff, 0xfe, 0x00]).unwrap();
        // Taken by other text, unreadable (never overwritten), planned with other text: a-4.
        let planned = [(d.join("a-3.txt"), "planned")];
        let planned: Vec<(&Path, &str)> = planned.iter().map(|(p, t)| (p.as_path(), *t)).collect();
        assert_eq!(
            free_path(d, "a", "txt", Some("new"), &planned),
            (d.join("a-4.txt"), false)
        );
        assert_eq!(
            free_path(d, "a", "txt", Some("old"), &[]),
            (d.join("a.txt"), true)
        );
        assert_eq!(
            free_path(d, "a", "txt", Some("planned"), &planned),
            (d.join("a-3.txt"), true)
        );
        assert_eq!(
            free_path(d, "a", "txt", None, &[]),
            (d.join("a-3.txt"), false)
        );
    }
}
