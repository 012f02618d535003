//! The coded project as REFI-QDA values, from the index and the corpus files (read, never
//! modified): one plain-text source per transcript (a CSV file gives one source per case, its
//! rows labelled with their ids and speakers: [`super::rows`]), a selection for every coded
//! segment, a case per interview with its variables, and a case per CSV row with the row's
//! interview, role and metadata as variables.
//!
//! Assembling masks nothing: [`QdpxProject::mask`] applies the index's privacy boundary to the
//! whole project once it is assembled from the real ids.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::rows::Row;
use super::{project_qdpx, Case, Package, Selection, Source, Units};
use crate::codebook::Codebook;
use crate::coding::Evidence;
use crate::diag::SourceError;
use crate::index::{FileEntry, IndexError, SearchIndex};
use crate::index::{Mask, PARTICIPANT_ROLE};
use crate::project::Project;
use crate::transcript::{source_text, Segment};

/// The coder the machine's codings are recorded under.
pub const MACHINE_CODER: &str = "qcode machine coding";

#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Source(#[from] SourceError),
}

/// The sources one corpus file gives.
#[derive(Debug, Clone)]
pub struct FileSources {
    /// The file, relative to the project.
    pub rel: String,
    pub sources: Vec<Source>,
}

/// A coded project, ready to be packaged.
#[derive(Debug, Clone)]
pub struct QdpxProject {
    /// The project folder's name.
    pub name: String,
    /// In corpus file order.
    pub files: Vec<FileSources>,
    /// One per interview, in corpus file then interview order.
    pub cases: Vec<Case>,
}

impl QdpxProject {
    /// The privacy boundary for a .qdpx (the index's [`Mask`]): names in the source texts are
    /// replaced by as many `█` as they have characters, so no selection's position moves;
    /// source and case names, segment ids and roles go by pseudonym or are masked; case
    /// variables lose private keys and names.
    pub fn mask(&mut self, mask: &Mask) {
        for file in &mut self.files {
            for source in &mut file.sources {
                source.text = mask.redactor.apply_keeping_positions(&source.text);
                source.name = mask.id(&source.name);
                for sel in &mut source.selections {
                    sel.segment = mask.id(&sel.segment);
                    if mask.redactor.mentions(&sel.role_label) {
                        sel.role_label = PARTICIPANT_ROLE.1.into();
                    }
                }
                for row in &mut source.rows {
                    row.text = mask.redactor.apply_keeping_positions(&row.text);
                    row.id = mask.id(&row.id);
                    if mask.redactor.mentions(&row.role_label) {
                        row.role_label = PARTICIPANT_ROLE.1.into();
                    }
                }
            }
        }
        for case in &mut self.cases {
            case.key = match case.key.strip_prefix("row:") {
                Some(id) => format!("row:{}", mask.id(id)),
                None => mask.id(&case.key),
            };
            case.name = mask.id(&case.name);
            case.variables = mask.meta(std::mem::take(&mut case.variables));
            for v in case.variables.values_mut() {
                if mask.redactor.mentions(v) {
                    *v = mask.redactor.apply(v);
                }
            }
        }
    }

    /// The `.qdpx` package, the codings recorded as [`MACHINE_CODER`]'s, positions counted in
    /// `units`.
    pub fn into_qdpx(self, codebook: &Codebook, units: Units) -> zip::result::ZipResult<Vec<u8>> {
        let sources: Vec<Source> = self.files.into_iter().flat_map(|f| f.sources).collect();
        let package = Package {
            name: &self.name,
            coder: MACHINE_CODER,
            sources: &sources,
            cases: &self.cases,
            units,
        };
        project_qdpx(codebook, &package)
    }
}

type Coded = (Segment, Vec<Evidence>);

/// Every indexed file as sources, selections and cases. Segment offsets point into the text
/// segments were parsed from, so each file is read again and rendered the same way.
pub fn assemble(project: &Project, index: &SearchIndex) -> Result<QdpxProject, AssembleError> {
    let mut by_interview: BTreeMap<String, Vec<Coded>> = BTreeMap::new();
    for (s, ev) in index.all_segments()? {
        by_interview
            .entry(s.interview.clone())
            .or_default()
            .push((s, ev));
    }
    let mut files = Vec::new();
    let mut cases = Vec::new();
    for (rel, entry) in &index.manifest.files {
        let path = project.root.join(rel);
        let bytes = std::fs::read(&path).map_err(|source| AssembleError::Read {
            path: path.clone(),
            source,
        })?;
        // The text segment offsets refer to (for VTT, SRT, otter.ai and Word files, their rendering).
        let text = source_text(rel, &path, &bytes, &project.transcript)?.0;
        let file = SourceFile {
            rel,
            name: &source_name(project, &path),
            text,
        };
        let (sources, file_cases) = file_sources(file, entry, &by_interview);
        files.push(FileSources {
            rel: rel.clone(),
            sources,
        });
        cases.extend(file_cases);
    }
    Ok(QdpxProject {
        name: project
            .folder_name()
            .unwrap_or_else(|| "qcode project".into()),
        files,
        cases,
    })
}

/// A source's name: its file's path under the corpus folder (`module-1/2023-07-12.txt`), so two
/// files that share a name are told apart; a tool that makes a file of it makes `/` safe (as
/// `qcode import qdpx` does).
fn source_name(project: &Project, path: &std::path::Path) -> String {
    let in_corpus = path.strip_prefix(&project.corpus_dir).unwrap_or(path);
    let parts: Vec<String> = in_corpus
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    parts.join("/")
}

/// A corpus file as a source: its path relative to the project (the source's key), its name,
/// and its text.
struct SourceFile<'a> {
    rel: &'a str,
    name: &'a str,
    text: String,
}

/// One file's sources and cases. A transcript is one source, its coded segments selections at
/// their offsets; a CSV file has no text of its own to point into, so each case becomes a source
/// of its rows, a blank line apart.
fn file_sources(
    file: SourceFile<'_>,
    entry: &FileEntry,
    by_interview: &BTreeMap<String, Vec<Coded>>,
) -> (Vec<Source>, Vec<Case>) {
    let rel = file.rel;
    let is_csv = rel.to_lowercase().ends_with(".csv");
    let mut file_source: Option<Source> = (!is_csv).then(|| Source {
        key: rel.to_string(),
        name: file.name.to_string(),
        text: file.text,
        selections: Vec::new(),
        rows: Vec::new(),
    });
    let mut sources = Vec::new();
    let mut cases = Vec::new();
    for iv in &entry.interviews {
        let segs = by_interview.get(iv).map(Vec::as_slice).unwrap_or(&[]);
        let key = match &mut file_source {
            Some(src) => {
                for (s, ev) in segs.iter().filter(|(_, ev)| !ev.is_empty()) {
                    src.selections.push(selection(s, ev, s.start, s.end));
                }
                src.key.clone()
            }
            None => {
                let source = case_source(rel, iv, segs);
                let key = source.key.clone();
                sources.push(source);
                cases.extend(segs.iter().map(|(s, _)| row_case(s)));
                key
            }
        };
        cases.push(Case {
            key: iv.clone(),
            name: iv.clone(),
            variables: case_variables(segs),
            sources: vec![key],
        });
    }
    sources.extend(file_source);
    (sources, cases)
}

/// A CSV case as a source of its rows, each labelled with its id and speaker: its text and
/// selections are made from them when it is packaged ([`super::rows::render`]).
fn case_source(rel: &str, iv: &str, segs: &[Coded]) -> Source {
    Source {
        key: format!("{rel}#{iv}"),
        name: iv.to_string(),
        text: String::new(),
        selections: Vec::new(),
        rows: segs
            .iter()
            .map(|(s, ev)| Row {
                id: s.id.clone(),
                role_label: s.role_label.clone(),
                text: s.text.clone(),
                meta: s.meta.clone(),
                codes: ev.iter().map(|e| e.code.clone()).collect(),
            })
            .collect(),
    }
}

/// A CSV row as a case of its own, named by its id, with its interview, role and metadata as
/// variables: who said it, where a reader can filter and compare by it. Its text is its
/// paragraph of the interview's source (labelled with the id), so it refers to no source.
fn row_case(s: &Segment) -> Case {
    let mut variables = s.meta.clone();
    variables.insert("interview".into(), s.interview.clone());
    variables.insert("role".into(), s.role_label.clone());
    Case {
        key: format!("row:{}", s.id),
        name: s.id.clone(),
        variables,
        sources: Vec::new(),
    }
}

/// A case's variables: the metadata every one of its segments shares, and its respondents' roles.
fn case_variables(segs: &[Coded]) -> BTreeMap<String, String> {
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
    variables
}

fn selection(s: &Segment, ev: &[Evidence], start: usize, end: usize) -> Selection {
    Selection {
        segment: s.id.clone(),
        start,
        end,
        codes: ev.iter().map(|e| e.code.clone()).collect(),
        role_label: s.role_label.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(id: &str, iv: &str, (start, end): (usize, usize), text: &str) -> Segment {
        let mut s = Segment::for_test(id, iv, text);
        (s.start, s.end) = (start, end);
        s.meta.insert("area".into(), "North".into());
        s
    }

    fn coded(code: &str) -> Vec<Evidence> {
        vec![Evidence {
            code: code.into(),
            ..Evidence::default()
        }]
    }

    fn entry(interviews: &[&str]) -> FileEntry {
        FileEntry {
            interviews: interviews.iter().map(|s| s.to_string()).collect(),
            ..FileEntry::default()
        }
    }

    #[test]
    fn a_transcript_is_one_source_with_a_selection_per_coded_segment() {
        let text = "P1: Café trust.\n\nP1: Nothing.\n";
        let mut interviewer = segment("one:2.1", "one", (17, 29), "Nothing.");
        interviewer.interviewer = true;
        interviewer.role_label = "Interviewer".into();
        let segs = vec![
            (
                segment("one:1.1", "one", (4, 15), "Café trust."),
                coded("trust"),
            ),
            (interviewer, Vec::new()),
        ];
        let by_interview = BTreeMap::from([("one".to_string(), segs)]);
        let file = SourceFile {
            rel: "corpus/one.txt",
            name: "one.txt",
            text: text.into(),
        };
        let (sources, cases) = file_sources(file, &entry(&["one"]), &by_interview);
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].key, "corpus/one.txt");
        assert_eq!(sources[0].name, "one.txt");
        assert_eq!(sources[0].text, text);
        let sel = &sources[0].selections;
        assert_eq!(sel.len(), 1, "uncoded segments are not selections");
        assert_eq!((sel[0].start, sel[0].end), (4, 15));
        assert_eq!(sel[0].codes, ["trust"]);
        assert_eq!(cases[0].sources, ["corpus/one.txt"]);
        // The interviewer's role is not the case's: only respondents' roles are.
        assert_eq!(cases[0].variables["role"], "Resident");
        assert_eq!(cases[0].variables["area"], "North");
    }

    #[test]
    fn a_csv_case_is_a_source_of_its_rows_a_blank_line_apart() {
        let mut other = segment("n-2", "t-1", (0, 9), "Naïve 🙂.");
        other.meta.insert("area".into(), "South".into());
        let by_interview = BTreeMap::from([(
            "t-1".to_string(),
            vec![
                (segment("n-1", "t-1", (0, 3), "Yes"), Vec::new()),
                (other, coded("trust")),
            ],
        )]);
        let file = SourceFile {
            rel: "corpus/n.csv",
            name: "n.csv",
            text: "ignored".into(),
        };
        let (sources, cases) = file_sources(file, &entry(&["t-1"]), &by_interview);
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].key, "corpus/n.csv#t-1");
        assert_eq!(sources[0].name, "t-1");
        let packaged = sources[0].rendered();
        assert_eq!(
            packaged.text,
            "[n-1] Resident: Yes\n\n[n-2] Resident: Naïve 🙂."
        );
        let sel = &packaged.selections;
        // Code points: "[n-1] Resident: Yes\n\n" is 21, "[n-2] Resident: " 16, the row 8.
        assert_eq!(
            (sel[0].segment.as_str(), sel[0].start, sel[0].end),
            ("n-2", 37, 45)
        );
        // A case per row, then the interview's.
        assert_eq!(cases.len(), 3);
        assert_eq!(
            (cases[1].name.as_str(), cases[1].key.as_str()),
            ("n-2", "row:n-2")
        );
        assert_eq!(cases[1].variables["area"], "South");
        assert_eq!(cases[1].variables["interview"], "t-1");
        assert!(cases[1].sources.is_empty());
        assert_eq!(cases[2].sources, ["corpus/n.csv#t-1"]);
        assert!(!cases[2].variables.contains_key("area"), "the rows differ");
    }
}
