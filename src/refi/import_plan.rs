//! What `qcode import qdpx` will do with a project read from another tool, decided before
//! anything is written: how each text source is read (turns or a document: [`super::reading`]),
//! where it goes in the corpus (a new file, never overwriting one, with a sidecar recording its
//! reading where the project would read it otherwise; or the file already holding that text,
//! read that way), the codebook file its code tree becomes ([`super::import_codes`]), which
//! segments each coded selection ties to and by how much, as rows of the codings store, and
//! which selections tie to nothing, and why. The library only reads (the corpus, codebook and
//! codings folders, to find free names); the caller writes the plan.

use std::fmt;
use std::path::{Path, PathBuf};

use super::assemble::MACHINE_CODER;
use super::import::{
    fit, fitting_mode, lf_text, to_lf_offsets, Fit, ImportedCoding, ImportedProject,
    ImportedSelection, ImportedSource, Positions,
};
use super::import_codes::{plan_codes, CodesPlan};
use super::reading::{choose_reading, Reading, ReadingChoice};
use super::rows::{parse_rows, ParsedRow};
use crate::codebook::{Codebook, CodebookErrors};
use crate::codings::{write_rows, CodingRow, Status};
use crate::diag::SourceError;
use crate::project::Project;
use crate::transcript::{parse_file, sidecar_format, sidecar_path, Format, Segment};

/// What the caller asks of an import.
#[derive(Debug, Clone, Copy)]
pub struct ImportRequest<'a> {
    pub project: &'a Project,
    pub codebook: &'a Codebook,
    /// How the tool counted positions.
    pub mode: Positions,
    /// `--reading`: every source read so, whatever its text looks like.
    pub reading: Option<Reading>,
    /// Every coding's coder (default: the package's user names, else "imported").
    pub coder: Option<&'a str>,
    /// The package, whose file stem names the codebook and codings files.
    pub package: &'a Path,
    /// The segments the project already holds, by id: a CSV case qcode exported whose rows
    /// are all there, with the same text, ties to them instead of becoming a new file.
    pub existing: Option<Existing<'a>>,
}

/// A look-up of the project's segments by id: the segment and its corpus file (relative to the
/// project).
#[derive(Clone, Copy)]
pub struct Existing<'a>(pub &'a dyn Fn(&str) -> Option<(Segment, String)>);

impl fmt::Debug for Existing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Existing(..)")
    }
}

/// A text source's place in the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSource {
    /// The source's name in the package.
    pub name: String,
    pub path: PathBuf,
    /// `path` relative to the project, as segment sources and messages name it.
    pub rel: String,
    pub text: String,
    /// The corpus already holds this text at `path`, read the chosen way: nothing to write.
    pub present: bool,
    /// How it is read, and why.
    pub reading: ReadingChoice,
    /// The sidecar to write beside it (path, text): where the project would read it another
    /// way. Never in the text itself, which would move every position.
    pub sidecar: Option<(PathBuf, String)>,
    /// The rows of a CSV case qcode exported ([`super::rows`]), written back as a CSV file of
    /// them (their ids, interview, role and text), so codings tie to the same segment ids;
    /// 0 for any other source.
    pub rows: usize,
}

/// Why a selection ties to no segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Untied {
    /// Its positions do not fit its text as counted (`positions`: the last position there is).
    PastEnd {
        start: usize,
        end: usize,
        positions: usize,
    },
    /// It covers no text.
    Empty,
    /// Its source could not be read the chosen way (the error is in [`ImportPlan::unread`]).
    Unread,
    /// It lies where no segment is: before the first speaker turn, or on a heading or another
    /// line that is not speech.
    OutsideSegments,
    /// It has no coding (`memo`: it carries a memo, which is not imported without a code).
    NoCoding { memo: bool },
    /// Its codings name only codes the package does not define.
    UnknownCodes,
}

impl fmt::Display for Untied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Untied::PastEnd {
                start,
                end,
                positions,
            } => write!(
                f,
                "runs from {start} to {end}, past the end of its text ({positions} positions)"
            ),
            Untied::Empty => write!(f, "covers no text"),
            Untied::Unread => write!(f, "its source could not be read"),
            Untied::OutsideSegments => write!(
                f,
                "lies outside every segment (before the first speaker turn, or on a heading or other line that is not speech)"
            ),
            Untied::NoCoding { memo: false } => write!(f, "has no coding"),
            Untied::NoCoding { memo: true } => {
                write!(f, "has a memo but no coding (memos come only with codings)")
            }
            Untied::UnknownCodes => write!(f, "its codes are not defined in the package"),
        }
    }
}

/// A selection that ties to no segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotTied {
    /// The corpus file of its source (relative to the project).
    pub source: String,
    /// Its GUID.
    pub selection: String,
    pub why: Untied,
}

impl fmt::Display for NotTied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: selection {} {}",
            self.source, self.selection, self.why
        )
    }
}

/// A source whose selections do not fit its text as the positions were counted: some run past
/// its end, or split a character (a line break's CR and LF, a surrogate pair).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misfit {
    pub source: String,
    pub mode: Positions,
    pub selections: usize,
    pub outside: usize,
    pub split: usize,
    /// A way of counting in which every selection fits, if there is one.
    pub fits: Option<Positions>,
}

impl fmt::Display for Misfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: positions counted as {} do not fit the text: of {} selections, {} run past its end and {} split a character",
            self.source,
            positions_name(self.mode),
            self.selections,
            self.outside,
            self.split
        )?;
        match self.fits {
            Some(m) => write!(
                f,
                "; they all fit counted as {0}: try --positions {0}",
                positions_name(m)
            ),
            None => write!(f, "; no other way of counting fits them all"),
        }
    }
}

/// A way of counting positions as `--positions` names it.
pub fn positions_name(mode: Positions) -> &'static str {
    match mode {
        Positions::CodePoints => "codepoints",
        Positions::Crlf => "crlf",
        Positions::Utf16 => "utf16",
    }
}

/// Everything an import writes, and what it could not tie.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    /// Every text source, in the project's order.
    pub sources: Vec<PlannedSource>,
    /// Sources that could not be read the chosen way (written all the same).
    pub unread: Vec<SourceError>,
    /// The codebook file the code tree becomes.
    pub codes: CodesPlan,
    /// Every coding tied to a segment, sorted, each row once.
    pub rows: Vec<CodingRow>,
    /// A free name in the project's codings/ folder, after the package's file name.
    pub codings_path: PathBuf,
    /// Selections in the package.
    pub selections: usize,
    /// Selections tied to at least one segment.
    pub imported: usize,
    /// The others, in the package's order.
    pub not_tied: Vec<NotTied>,
    /// Sources whose positions do not fit.
    pub misfits: Vec<Misfit>,
}

impl ImportPlan {
    /// The codings file's bytes (the codings store's columns).
    pub fn codings_csv(&self) -> Vec<u8> {
        write_rows(&self.rows)
    }
}

/// Plan the import of `imported`. Nothing is refused for what one selection holds: selections
/// that do not fit are counted and said, so one bad position cannot cost the rest; only a code
/// tree that would break the codebook is an error.
pub fn plan_import(
    req: &ImportRequest<'_>,
    imported: &ImportedProject,
) -> Result<ImportPlan, CodebookErrors> {
    let project = req.project;
    let package = req.package.file_name().unwrap_or(req.package.as_os_str());
    let stem = file_stem(&package.to_string_lossy());
    let codes = plan_codes(imported, req.codebook, &project.codebook_dir, &stem)?;
    let mut plan = ImportPlan {
        sources: Vec::new(),
        unread: Vec::new(),
        codes,
        rows: Vec::new(),
        codings_path: free_path(&project.root.join("codings"), &stem, "csv", None, &[]).0,
        selections: 0,
        imported: 0,
        not_tied: Vec::new(),
        misfits: Vec::new(),
    };
    for s in &imported.sources {
        plan_source(req, imported, s, &mut plan);
    }
    // The file reads sorted, each row once (a selection may carry a code twice).
    plan.rows.sort_by_cached_key(CodingRow::record);
    plan.rows.dedup_by(|a, b| a.record() == b.record());
    Ok(plan)
}

/// Whether a package is one qcode wrote.
fn ours(imported: &ImportedProject) -> bool {
    imported
        .origin
        .as_deref()
        .is_some_and(|o| o.starts_with("qcode"))
}

/// One source: placed, read, and each of its selections tied or said why not.
fn plan_source(
    req: &ImportRequest<'_>,
    imported: &ImportedProject,
    s: &ImportedSource,
    plan: &mut ImportPlan,
) {
    let lf = lf_text(&s.text);
    let reading = choose_reading(&lf, &req.project.transcript, req.reading);
    let rows = ours(imported)
        .then(|| parse_rows(&lf))
        .flatten()
        .filter(|_| req.reading.is_none());
    let (planned, parsed) = match &rows {
        Some(rows) => match rows_present(req, s, &lf, rows, reading) {
            Some((planned, segments)) => (planned, Ok(in_source(segments, rows))),
            None => {
                let planned = place_rows(req.project, s, &lf, rows, reading, &plan.sources);
                let parsed = segments_of(req, &planned).map(|segs| in_source(segs, rows));
                (planned, parsed)
            }
        },
        None => {
            let planned = place(req.project, s, reading, &plan.sources);
            let parsed = segments_of(req, &planned);
            (planned, parsed)
        }
    };
    let rel = planned.rel.clone();
    plan.sources.push(planned);
    plan.selections += s.selections.len();
    let map = to_lf_offsets(&s.text, req.mode);
    let fitted = fit(&map, &s.selections);
    if !fitted.clean() {
        plan.misfits.push(misfit(req.mode, &rel, s, &fitted));
    }
    let segments = parsed.unwrap_or_else(|e| {
        plan.unread.push(e);
        Vec::new()
    });
    let source = Tying {
        imported,
        req,
        rel: &rel,
        chars: lf
            .char_indices()
            .map(|(b, _)| b)
            .chain([lf.len()])
            .collect(),
        lf: &lf,
        segments: &segments,
        unread: segments.is_empty(),
    };
    for (i, sel) in s.selections.iter().enumerate() {
        let outcome = match fitted.outside.binary_search(&i).is_ok() {
            true => Err(Untied::PastEnd {
                start: sel.start,
                end: sel.end,
                positions: map.len() - 1,
            }),
            false => source.tie(sel, (map[sel.start], map[sel.end]), plan),
        };
        match outcome {
            Ok(tied) => {
                plan.imported += 1;
                plan.rows
                    .extend(tied.into_iter().map(|r| in_row(r, rows.as_deref())));
            }
            Err(why) => plan.not_tied.push(NotTied {
                source: rel.clone(),
                selection: sel.guid.clone(),
                why,
            }),
        }
    }
}

/// The segments of a source placed as `planned`, read the chosen way.
fn segments_of(
    req: &ImportRequest<'_>,
    planned: &PlannedSource,
) -> Result<Vec<Segment>, SourceError> {
    let settings = crate::transcript::TranscriptSettings {
        format: planned.reading.format,
        ..req.project.transcript.clone()
    };
    // A source is placed at the top of the corpus folder, where a file's path is its name:
    // its id is the same whichever way ids are made, and attributes do not tie selections.
    let parsed = parse_file(
        &settings,
        &req.codebook.roles,
        &planned.rel,
        &planned.path,
        planned.text.as_bytes(),
        &crate::transcript::FileContext::default(),
    )?;
    Ok(parsed
        .interviews
        .into_iter()
        .flat_map(|iv| iv.segments)
        .collect())
}

/// A CSV case qcode exported, as a CSV file of its rows: a free name after the source's in the
/// corpus (or the file that already holds exactly these rows), its interview the source's name.
fn place_rows(
    project: &Project,
    s: &ImportedSource,
    lf: &str,
    rows: &[ParsedRow],
    reading: ReadingChoice,
    planned: &[PlannedSource],
) -> PlannedSource {
    let chars: Vec<char> = lf.chars().collect();
    let interview = file_stem(&s.name);
    let mut csv = csv::Writer::from_writer(Vec::new());
    let mut records = vec![["id", "interview", "role", "text"].map(String::from)];
    records.extend(rows.iter().map(|r| {
        let text: String = chars[r.start..r.end].iter().collect();
        [r.id.clone(), interview.clone(), r.role_label.clone(), text]
    }));
    for r in &records {
        // Writing to memory cannot fail.
        let _ = csv.write_record(r);
    }
    let text = String::from_utf8(csv.into_inner().unwrap_or_default()).unwrap_or_default();
    let others: Vec<(&Path, &str)> = planned
        .iter()
        .map(|p| (p.path.as_path(), p.text.as_str()))
        .collect();
    let (path, present) = free_path(&project.corpus_dir, &interview, "csv", Some(&text), &others);
    PlannedSource {
        name: s.name.clone(),
        rel: project.relative(&path),
        path,
        text,
        present,
        reading,
        sidecar: None,
        rows: rows.len(),
    }
}

/// The corpus file that already holds every row of a CSV case qcode exported, with the same
/// text (the project it came from), and those rows' segments: nothing to write.
fn rows_present(
    req: &ImportRequest<'_>,
    s: &ImportedSource,
    lf: &str,
    rows: &[ParsedRow],
    reading: ReadingChoice,
) -> Option<(PlannedSource, Vec<Segment>)> {
    let existing = req.existing?;
    let chars: Vec<char> = lf.chars().collect();
    let mut file = None;
    let mut segments = Vec::new();
    for r in rows {
        let (seg, rel) = (existing.0)(&r.id)?;
        let text: String = chars[r.start..r.end].iter().collect();
        if seg.text != text || file.get_or_insert_with(|| rel.clone()) != &rel {
            return None;
        }
        segments.push(seg);
    }
    let rel = file?;
    let planned = PlannedSource {
        name: s.name.clone(),
        path: req.project.root.join(&rel),
        rel,
        text: String::new(),
        present: true,
        reading,
        sidecar: None,
        rows: rows.len(),
    };
    Some((planned, segments))
}

/// A CSV's segments placed where their rows' texts lie in the source, so selections tie to them
/// as to any other source's.
fn in_source(mut segments: Vec<Segment>, rows: &[ParsedRow]) -> Vec<Segment> {
    for seg in &mut segments {
        if let Some(r) = rows.iter().find(|r| r.id == seg.id) {
            (seg.start, seg.end) = (r.start + seg.start, r.start + seg.end);
        }
    }
    segments
}

/// A coding row of a CSV's row with its positions in the row's text, as a CSV segment counts
/// them, instead of the source's.
fn in_row(mut row: CodingRow, rows: Option<&[ParsedRow]>) -> CodingRow {
    if let Some(r) = rows.and_then(|rows| rows.iter().find(|r| r.id == row.segment_id)) {
        row.start = row.start.map(|a| a.saturating_sub(r.start));
        row.end = row.end.map(|b| b.min(r.end).saturating_sub(r.start));
    }
    row
}

/// What a warning says of a source whose selections do not fit as `mode` counts.
fn misfit(mode: Positions, rel: &str, s: &ImportedSource, fitted: &Fit) -> Misfit {
    Misfit {
        source: rel.to_string(),
        mode,
        selections: s.selections.len(),
        outside: fitted.outside.len(),
        split: fitted.split,
        fits: fitting_mode(&s.text, &s.selections, mode),
    }
}

/// One source's text and segments, for tying its selections.
struct Tying<'a> {
    imported: &'a ImportedProject,
    req: &'a ImportRequest<'a>,
    rel: &'a str,
    lf: &'a str,
    /// The byte offset of each character of `lf`, and its length last.
    chars: Vec<usize>,
    segments: &'a [Segment],
    /// The source could not be read: it has no segments.
    unread: bool,
}

impl Tying<'_> {
    /// The rows of one selection, spanning LF code points `a..b`: one per segment it overlaps
    /// and code it was given, with the share of the segment covered; or why there are none.
    fn tie(
        &self,
        sel: &ImportedSelection,
        (a, b): (usize, usize),
        plan: &ImportPlan,
    ) -> Result<Vec<CodingRow>, Untied> {
        let memo = self.memo(sel, None);
        if sel.codings.is_empty() {
            return Err(Untied::NoCoding {
                memo: !memo.is_empty(),
            });
        }
        let known: Vec<(&ImportedCoding, &str)> = sel
            .codings
            .iter()
            .filter_map(|c| plan.codes.id(&c.code).map(|id| (c, id)))
            .collect();
        if known.is_empty() {
            return Err(Untied::UnknownCodes);
        }
        if a == b {
            return Err(Untied::Empty);
        }
        if self.unread {
            return Err(Untied::Unread);
        }
        let text = &self.lf[self.chars[a]..self.chars[b]];
        let mut rows = Vec::new();
        for seg in self.segments {
            let overlap = b.min(seg.end).saturating_sub(a.max(seg.start));
            if overlap == 0 {
                continue;
            }
            let len = (seg.end - seg.start).max(1);
            for (coding, code) in &known {
                rows.push(CodingRow {
                    segment_id: seg.id.clone(),
                    code: code.to_string(),
                    coder: self.coder(coding, sel),
                    overlap: Some(overlap as f64 / len as f64),
                    source: self.rel.to_string(),
                    selection: sel.guid.clone(),
                    interview: seg.interview.clone(),
                    start: Some(a),
                    end: Some(b),
                    text: text.to_string(),
                    memo: self.memo(sel, Some(coding)),
                    status: Status::Coded,
                    time: coding.time.clone().or(sel.time.clone()).unwrap_or_default(),
                });
            }
        }
        if rows.is_empty() {
            return Err(Untied::OutsideSegments);
        }
        Ok(rows)
    }

    /// Who gave a coding: the `coder` the caller named, else the coding's user, else the
    /// selection's, by their name in the package; "imported" when none is known. qcode's own
    /// machine coder comes back as `machine`.
    fn coder(&self, coding: &ImportedCoding, sel: &ImportedSelection) -> String {
        if let Some(c) = self.req.coder {
            return c.to_string();
        }
        let name = coding
            .user
            .as_ref()
            .or(sel.user.as_ref())
            .and_then(|u| self.imported.users.get(u).cloned())
            .unwrap_or_else(|| "imported".into());
        if name == MACHINE_CODER && ours(self.imported) {
            return crate::codings::MACHINE.into();
        }
        name
    }

    /// A coding's memo: the selection's description (but in a qcode package, where it only
    /// names the segment), the notes on the selection, then those on the coding, a blank line
    /// apart.
    fn memo(&self, sel: &ImportedSelection, coding: Option<&ImportedCoding>) -> String {
        let description = (!ours(self.imported)).then_some(sel.description.as_str());
        let notes = sel
            .notes
            .iter()
            .chain(coding.into_iter().flat_map(|c| &c.notes))
            .filter_map(|n| self.imported.note(n));
        description
            .into_iter()
            .chain(notes)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

/// Where source `s` goes in the corpus, read as `reading` says: a file named after it that is
/// free (no file, no sidecar, not planned for an earlier source), or one that already holds its
/// text and is read that way.
fn place(
    project: &Project,
    s: &ImportedSource,
    reading: ReadingChoice,
    planned: &[PlannedSource],
) -> PlannedSource {
    let stem = file_stem(&s.name);
    let needs_sidecar = reading.format != project.transcript.format;
    for n in 1.. {
        let name = if n == 1 {
            stem.clone()
        } else {
            format!("{stem}-{n}")
        };
        let path = project.corpus_dir.join(format!("{name}.txt"));
        let present = match planned.iter().find(|p| p.path == path) {
            Some(p) if p.text == s.text && p.reading.format == reading.format => true,
            Some(_) => continue,
            None => match std::fs::read_to_string(&path) {
                Ok(text) if text == s.text && read_as(project, &path) == reading.format => true,
                Ok(_) => continue,
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => continue,
                // A sidecar without its text would decide how the new file reads.
                Err(_) if sidecar_path(&path).is_some() => continue,
                Err(_) => false,
            },
        };
        let sidecar = (needs_sidecar && !present).then(|| {
            let text = format!(
                "# How qcode reads {name}.txt, as `qcode import qdpx` chose ({}).\n# Kept here, not in the text, so no position moves.\nformat: {}\n",
                reading,
                format_name(reading.format)
            );
            (path.with_extension("yml"), text)
        });
        return PlannedSource {
            name: s.name.clone(),
            rel: project.relative(&path),
            path,
            text: s.text.clone(),
            present,
            reading,
            sidecar,
            rows: 0,
        };
    }
    unreachable!("some name is free")
}

/// How the project reads the corpus file at `path` unless its own header says otherwise: its
/// sidecar's format, else qcode.toml's.
fn read_as(project: &Project, path: &Path) -> Format {
    sidecar_path(path)
        .and_then(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            sidecar_format(&p, &text).ok().flatten()
        })
        .unwrap_or(project.transcript.format)
}

/// A reading mode as `format:` names it.
fn format_name(format: Format) -> &'static str {
    match format {
        Format::Paragraph => "paragraph",
        Format::Turn => "turn",
        Format::Document => "document",
    }
}

/// A file name from a source name: letters, digits, `-` and `_` only.
fn file_stem(name: &str) -> String {
    // The whole name, folders and all (`module-1/2023-07-12.txt`, as qcode names a source in a
    // subfolder, is `module-1-2023-07-12`): only the extension goes.
    let stem = match Path::new(name).extension() {
        Some(ext) => &name[..name.len() - ext.len() - 1],
        None => name,
    };
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
pub(super) fn free_path(
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
    use crate::codings::COLUMNS;
    use crate::refi::guid;
    use crate::refi::import::{ImportedCode, ImportedNote};

    fn codebook() -> Codebook {
        let mut cb = Codebook::empty();
        cb.codes = vec![
            Code::new("trust", "Trust", "component"),
            Code::new("council", "The council", "stakeholder"),
        ];
        cb
    }

    fn code(guid: &str, name: &str) -> ImportedCode {
        ImportedCode {
            guid: guid.into(),
            name: name.into(),
            parent: None,
            color: None,
            codable: true,
            description: String::new(),
            notes: Vec::new(),
        }
    }

    fn coding(code: &str, user: Option<&str>) -> ImportedCoding {
        ImportedCoding {
            code: code.into(),
            user: user.map(str::to_string),
            time: None,
            notes: Vec::new(),
        }
    }

    fn selection(
        guid: &str,
        (start, end): (usize, usize),
        codings: Vec<ImportedCoding>,
    ) -> ImportedSelection {
        ImportedSelection {
            guid: guid.into(),
            start,
            end,
            codings,
            user: None,
            time: Some("2020-01-01T00:00:00Z".into()),
            description: String::new(),
            notes: Vec::new(),
        }
    }

    /// Codes by our GUID, by label and by a new name; one selection from "two" in the first
    /// turn to "three" in the second, with a memo.
    fn imported(text: &str) -> ImportedProject {
        let span = (
            text.find("two").unwrap(),
            text.find("three").unwrap() + "three".len(),
        );
        let mut sel = selection(
            "X1",
            span,
            vec![
                coding("C2", None),
                coding("C3", Some("U1")),
                coding("C9", None),
            ],
        );
        sel.description = "why".into();
        sel.codings[1].notes = vec!["N1".into()];
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
                selections: vec![sel],
            }],
            notes: vec![ImportedNote {
                guid: "N1".into(),
                name: "n".into(),
                text: "noted".into(),
            }],
        }
    }

    use std::collections::BTreeMap;

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
        reading: Option<Reading>,
    ) -> ImportPlan {
        let cb = codebook();
        let req = ImportRequest {
            project: p,
            codebook: &cb,
            mode,
            reading,
            coder,
            package: Path::new("../from nvivo.qdpx"),
            existing: None,
        };
        plan_import(&req, imported).unwrap()
    }

    #[test]
    fn a_selection_spanning_two_segments_ties_to_both_as_store_rows() {
        let (_dir, p) = project();
        let plan = plan_for(&p, &imported(TEXT), Positions::CodePoints, None, None);
        assert_eq!(plan.sources.len(), 1);
        let s = &plan.sources[0];
        assert_eq!(s.rel, "corpus/Interview-7.txt");
        assert!(
            !s.present && s.sidecar.is_none(),
            "turns: the project's own reading"
        );
        assert_eq!(plan.codings_path, p.root.join("codings/from-nvivo.csv"));
        assert_eq!(plan.codes.path, p.codebook_dir.join("from-nvivo.toml"));
        assert_eq!(plan.codes.tree.new_codes, ["local_knowledge"]);
        assert_eq!(plan.codes.tree.reused, ["trust", "council"]);
        assert!(!p.corpus_dir.exists(), "planning writes nothing");
        assert_eq!((plan.selections, plan.imported), (1, 1));
        assert!(plan.not_tied.is_empty() && plan.misfits.is_empty());
        let rows: Vec<[String; 13]> = plan.rows.iter().map(CodingRow::record).collect();
        let row = |seg: &str, code: &str, coder: &str, overlap: &str, memo: &str| {
            [
                seg,
                code,
                coder,
                overlap,
                "corpus/Interview-7.txt",
                "X1",
                "Interview-7",
                "8",
                "22",
                "two\n\nP2: three",
                memo,
                "",
                "2020-01-01T00:00:00Z",
            ]
            .map(str::to_string)
        };
        // "one two" is 7 characters, "two" 3 of them; "three four" is 10, "three" 5. The code
        // the package does not define (C9) ties to nothing. The note is on Ann's coding only.
        assert_eq!(
            rows,
            [
                row("Interview-7:1.1", "council", "imported", "0.429", "why"),
                row(
                    "Interview-7:1.1",
                    "local_knowledge",
                    "Ann",
                    "0.429",
                    "why\n\nnoted"
                ),
                row("Interview-7:2.1", "council", "imported", "0.500", "why"),
                row(
                    "Interview-7:2.1",
                    "local_knowledge",
                    "Ann",
                    "0.500",
                    "why\n\nnoted"
                ),
            ]
        );
        let csv = String::from_utf8(plan.codings_csv()).unwrap();
        assert!(csv.starts_with(&format!("{}\n", COLUMNS.join(","))));
    }

    #[test]
    fn a_named_coder_codes_everything_and_a_text_without_turns_is_a_document() {
        let (_dir, p) = project();
        let notes = imported("Just one two three notes.\n");
        let plan = plan_for(&p, &notes, Positions::CodePoints, Some("Bea"), None);
        let s = &plan.sources[0];
        assert_eq!(s.reading.reading, Reading::Document);
        let (path, text) = s.sidecar.clone().unwrap();
        assert_eq!(path, p.corpus_dir.join("Interview-7.yml"));
        assert!(text.ends_with("format: document\n"), "{text}");
        assert_eq!(plan.imported, 1);
        assert!(plan.rows.iter().all(|c| c.coder == "Bea"));
        assert!(plan.rows.iter().all(|c| c.segment_id == "Interview-7:1.1"));

        // Read as turns on demand: it has none, so nothing ties, and it says why.
        let plan = plan_for(
            &p,
            &notes,
            Positions::CodePoints,
            None,
            Some(Reading::Turns),
        );
        assert_eq!(plan.unread.len(), 1);
        assert!(plan.unread[0].to_string().contains("no speaker turns"));
        assert_eq!(plan.not_tied[0].why, Untied::Unread);
        assert_eq!(plan.sources.len(), 1, "the text is still written");
    }

    #[test]
    fn selections_that_tie_to_nothing_say_why() {
        let (_dir, p) = project();
        let mut imp = imported(TEXT);
        let sels = &mut imp.sources[0].selections;
        let mut memo_only = selection("M", (4, 7), Vec::new());
        memo_only.description = "a thought".into();
        sels.extend([
            selection("P", (3, 500), vec![coding("C2", None)]),
            selection("E", (5, 5), vec![coding("C2", None)]),
            selection("U", (4, 7), vec![coding("C9", None)]),
            selection("N", (4, 7), Vec::new()),
            memo_only,
        ]);
        let plan = plan_for(&p, &imp, Positions::CodePoints, None, None);
        let why: Vec<(&str, &Untied)> = plan
            .not_tied
            .iter()
            .map(|n| (n.selection.as_str(), &n.why))
            .collect();
        let positions = TEXT.chars().count();
        assert_eq!(
            why,
            [
                (
                    "P",
                    &Untied::PastEnd {
                        start: 3,
                        end: 500,
                        positions
                    }
                ),
                ("E", &Untied::Empty),
                ("U", &Untied::UnknownCodes),
                ("N", &Untied::NoCoding { memo: false }),
                ("M", &Untied::NoCoding { memo: true }),
            ]
        );
        assert_eq!((plan.selections, plan.imported), (6, 1));
        assert_eq!(plan.misfits.len(), 1);
        assert_eq!(plan.misfits[0].outside, 1);
        // "P1: " lies before the first turn's text: outside every segment.
        let mut imp = imported(TEXT);
        imp.sources[0].selections = vec![selection("L", (0, 3), vec![coding("C2", None)])];
        let plan = plan_for(&p, &imp, Positions::CodePoints, None, None);
        assert_eq!(plan.not_tied[0].why, Untied::OutsideSegments);
    }

    #[test]
    fn a_file_holding_the_text_is_reused_only_when_it_is_read_the_same_way() {
        let (_dir, p) = project();
        std::fs::create_dir_all(&p.corpus_dir).unwrap();
        let doc = "Just notes.\n";
        let mut imp = imported(TEXT);
        imp.sources[0].text = doc.into();
        imp.sources[0].selections.clear();
        // The text is there, but read as the project reads it (paragraphs), not as a document.
        std::fs::write(p.corpus_dir.join("Interview-7.txt"), doc).unwrap();
        let plan = plan_for(&p, &imp, Positions::CodePoints, None, None);
        assert_eq!(plan.sources[0].path, p.corpus_dir.join("Interview-7-2.txt"));
        // With its sidecar it is read as a document: reused, nothing to write.
        std::fs::write(p.corpus_dir.join("Interview-7.yml"), "format: document\n").unwrap();
        let plan = plan_for(&p, &imp, Positions::CodePoints, None, None);
        assert_eq!(plan.sources[0].path, p.corpus_dir.join("Interview-7.txt"));
        assert!(plan.sources[0].present && plan.sources[0].sidecar.is_none());
        // A sidecar without its text keeps its name from being taken.
        std::fs::write(p.corpus_dir.join("Other.yaml"), "format: turn\n").unwrap();
        imp.sources[0].name = "Other".into();
        let plan = plan_for(&p, &imp, Positions::CodePoints, None, None);
        assert_eq!(plan.sources[0].path, p.corpus_dir.join("Other-2.txt"));
    }

    #[test]
    fn a_qcode_package_s_descriptions_are_not_memos() {
        let (_dir, p) = project();
        let mut imp = imported(TEXT);
        imp.origin = Some("qcode 0.1.0".into());
        let plan = plan_for(&p, &imp, Positions::CodePoints, None, None);
        assert_eq!(plan.rows[0].memo, "");
        assert_eq!(plan.rows[1].memo, "noted");
    }

    #[test]
    fn file_names_are_free_planned_or_already_holding_the_text() {
        assert_eq!(file_stem("Interview 7 (final).docx"), "Interview-7--final");
        assert_eq!(file_stem("!!!"), "source");
        // A source in a subfolder (a path id's `/`) keeps its folder, made safe.
        assert_eq!(file_stem("module-1/2023-07-12.txt"), "module-1-2023-07-12");
        assert_eq!(file_stem("../../etc/passwd"), "etc-passwd");
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
