//! Reading codebook files: TOML with spans, so every problem (syntax, unknown key, bad pattern,
//! duplicate id, unknown parent, cycle) is reported with file:line:col. All problems of all
//! files are collected, not just the first.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::pattern::{dictionary_entry, Elem, Pattern, PatternError, PatternKind};
use super::{codebook_files, Code, Codebook, Matching};
use crate::diag::{LineIndex, SourceError, Warning};
use crate::roles::RoleTable;
use crate::text::tokens::{Language, TokenOptions};
use crate::text::{Limits, OverLimit};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    codebook: Option<Spanned<RawHeader>>,
    #[serde(default)]
    codes: BTreeMap<String, Spanned<RawCode>>,
    // Parsed by the role table, only where a file has roles: passed over here, unbuilt.
    roles: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: Option<String>,
    version: Option<String>,
    language: Option<Spanned<String>>,
    stem: Option<bool>,
    case: Option<Spanned<String>>,
    matching: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCode {
    label: String,
    dimension: Option<String>,
    parent: Option<Spanned<String>>,
    definition: Option<String>,
    use_when: Option<String>,
    dont_use_when: Option<String>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    counterexamples: Vec<String>,
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    min_hits: Option<Spanned<i64>>,
    color: Option<Spanned<String>>,
    codable: Option<Spanned<bool>>,
}

struct FileText {
    path: PathBuf,
    text: String,
    lines: LineIndex,
}

impl FileText {
    fn new(path: PathBuf, text: String) -> FileText {
        let lines = LineIndex::new(&text);
        FileText { path, text, lines }
    }

    /// [`line_col`] of a byte of this file, without a count from its start.
    fn line_col(&self, byte: usize) -> (usize, usize) {
        self.lines.line_col(&self.text, byte)
    }
}

/// Load every `*.toml` in `dir` into one codebook. Errors are all collected; warnings are
/// things a researcher should look at (a code without examples).
pub fn load(dir: &Path) -> Result<(Codebook, Vec<Warning>), Vec<SourceError>> {
    let files = codebook_files(dir).map_err(|e| vec![e])?;
    load_files(dir, files)
}

/// Load a codebook from a folder of `*.toml` files or from one file: TOML, or a dictionary
/// that `codebook import` reads (by its extension), converted in memory.
pub fn load_path(path: &Path) -> Result<(Codebook, Vec<Warning>), Vec<SourceError>> {
    load_path_within(path, &Limits::default())
}

/// [`load_path`], a dictionary's entries bound by `[limits] dictionary_entries`: past it, the
/// codebook it makes would cost more to compile and count with than any real dictionary.
pub fn load_path_within(
    path: &Path,
    limits: &Limits,
) -> Result<(Codebook, Vec<Warning>), Vec<SourceError>> {
    use super::dictionary::{convert, DictFormat};
    match DictFormat::from_path(path) {
        Some(format) if path.is_file() => {
            let converted = convert(path, format, "code", &Codebook::empty()).map_err(|e| {
                let help =
                    "check the file against the format `qcode codebook import --help` describes";
                vec![match e.help {
                    Some(_) => e,
                    None => e.with_help(help),
                }]
            })?;
            if converted.entries > limits.dictionary_entries {
                let over = OverLimit::new(
                    format!("the dictionary has {} entries,", converted.entries),
                    "dictionary_entries",
                    limits.dictionary_entries,
                );
                return Err(vec![SourceError::whole_file(path, over.message).with_help(
                    format!(
                        "{}; or split the dictionary and count with each part",
                        over.help
                    ),
                )]);
            }
            load_texts(path, vec![(path.to_path_buf(), converted.toml)])
        }
        _ if path.is_file() => load_files(path, vec![path.to_path_buf()]),
        _ if path.is_dir() => load(path),
        _ => Err(vec![SourceError::whole_file(
            path,
            "no such codebook file or folder",
        )]),
    }
}

fn load_files(
    dir: &Path,
    files: Vec<std::path::PathBuf>,
) -> Result<(Codebook, Vec<Warning>), Vec<SourceError>> {
    let mut errors = Vec::new();
    let mut texts = Vec::new();
    for path in files {
        match std::fs::read_to_string(&path) {
            Ok(text) => texts.push((path, text)),
            Err(e) => errors.push(SourceError::whole_file(&path, format!("cannot read: {e}"))),
        }
    }
    match load_texts(dir, texts) {
        Ok(ok) if errors.is_empty() => Ok(ok),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}

/// Combine codebook files already read, as (path, text), in order: the loader without I/O.
pub fn load_texts(
    dir: &Path,
    files: Vec<(std::path::PathBuf, String)>,
) -> Result<(Codebook, Vec<Warning>), Vec<SourceError>> {
    let texts: Vec<FileText> = files
        .into_iter()
        .map(|(path, text)| FileText::new(path, text))
        .collect();
    let hash = content_hash(&texts);
    let files: Vec<std::path::PathBuf> = texts.iter().map(|t| t.path.clone()).collect();
    let mut problems = Problems::default();
    // Pass 1 reads every header before any code: the options decide how patterns compile.
    let first = read_tables(&texts, &mut problems.errors);
    let (codes, parents) = read_codes(&texts, first.raws, first.compile, &mut problems);
    check_hierarchy(&texts, &codes, &parents, &mut problems.errors);
    let Problems {
        errors,
        mut warnings,
    } = problems;
    if errors.is_empty() && codes.is_empty() && first.roles.is_empty() && !files.is_empty() {
        warnings.push(Warning {
            location: dir.display().to_string(),
            message: "the codebook has no codes and no roles".into(),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let codebook = Codebook {
        name: first.names.name.unwrap_or_else(|| "codebook".into()),
        version: first.names.version.unwrap_or_else(|| "0".into()),
        language: first.names.language.unwrap_or_else(|| "en".into()),
        options: first.compile.options,
        matching: first.compile.matching,
        codes,
        roles: first.roles,
        hash,
        files,
        by_id: Default::default(),
    };
    Ok((codebook, warnings))
}

/// Everything found wrong so far, in the order found: a researcher fixing a codebook sees all
/// of it at once, not one problem per run.
#[derive(Default)]
struct Problems {
    errors: Vec<SourceError>,
    warnings: Vec<Warning>,
}

/// The codebook's hash: every file's name, length and text, in order, so renaming, reordering
/// or editing any file changes it (an index built from another codebook is then stale).
fn content_hash(texts: &[FileText]) -> String {
    let mut hasher = blake3::Hasher::new();
    for FileText { path, text, .. } in texts {
        hasher.update(path.file_name().unwrap_or_default().as_encoded_bytes());
        hasher.update(&(text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    hasher.finalize().to_hex().to_string()
}

/// How patterns compile: the `[codebook]` options, the same for every file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Compile {
    options: TokenOptions,
    matching: Matching,
}

impl Default for Compile {
    fn default() -> Self {
        Compile {
            options: TokenOptions {
                stem: false,
                case_sensitive: false,
                language: crate::text::Language::English,
            },
            matching: Matching::Rules,
        }
    }
}

/// The codebook's name, version and language: the first file that gives each wins.
#[derive(Default)]
struct Names {
    name: Option<String>,
    version: Option<String>,
    language: Option<String>,
}

/// What pass 1 gives pass 2: the files that are valid TOML (by index into the texts), how
/// their patterns compile, and the roles and names of all files.
struct FirstPass {
    raws: Vec<(usize, RawFile)>,
    compile: Compile,
    roles: RoleTable,
    names: Names,
}

/// Pass 1: each file's TOML, its roles and its `[codebook]` header. A file that is not valid
/// TOML is reported and left out of pass 2; the other files are still read.
fn read_tables(texts: &[FileText], errors: &mut Vec<SourceError>) -> FirstPass {
    let mut roles = RoleTable::default();
    let mut raws = Vec::new();
    let mut names = Names::default();
    // The first header's options, and the file that gave them (for the message when another
    // file's differ).
    let mut first_header: Option<(Compile, usize)> = None;
    for (i, f) in texts.iter().enumerate() {
        let raw: RawFile = match toml::from_str(&f.text) {
            Ok(r) => r,
            Err(e) => {
                errors.push(toml_error(f, &e));
                continue;
            }
        };
        // A second parse of the file, for its spans: only where there are roles to read.
        if raw.roles.is_some() {
            if let Err(e) = roles.add_file(&f.path, &f.text) {
                errors.push(e);
            }
        }
        if let Some(h) = &raw.codebook {
            let these = header_options(f, h, errors);
            match first_header {
                Some((o, first)) if o != these => errors.push(at(
                    f,
                    h.span().start,
                    format!("[codebook] options differ from those in {}", texts[first].path.display()),
                    "all codebook files are one codebook: give `stem`, `case`, `matching` and `language` once, or the same everywhere",
                )),
                Some(_) => {}
                None => first_header = Some((these, i)),
            }
            let h = h.get_ref();
            names.name = names.name.take().or(h.name.clone());
            names.version = names.version.take().or(h.version.clone());
            names.language = names
                .language
                .take()
                .or(h.language.as_ref().map(|l| l.get_ref().clone()));
        }
        raws.push((i, raw));
    }
    FirstPass {
        raws,
        compile: first_header.map(|o| o.0).unwrap_or_default(),
        roles,
        names,
    }
}

/// A TOML syntax or shape error, located where the parser stopped.
fn toml_error(f: &FileText, e: &toml::de::Error) -> SourceError {
    let (l, c) = e.span().map(|s| f.line_col(s.start)).unwrap_or((0, 0));
    SourceError::new(&f.path, l, c, e.message().trim().to_string())
        .with_source(&f.text)
        .with_help(toml_help(e.message()))
}

/// One `[codebook]` header's options; an unknown value is reported and read as the default,
/// so the rest of the codebook is still checked.
fn header_options(
    f: &FileText,
    header: &Spanned<RawHeader>,
    errors: &mut Vec<SourceError>,
) -> Compile {
    let span = header.span();
    let h = header.get_ref();
    let case_sensitive = match &h.case {
        None => false,
        Some(c) if c.get_ref() == "insensitive" => false,
        Some(c) if c.get_ref() == "sensitive" => true,
        Some(c) => {
            errors.push(at(
                f,
                c.span().start,
                format!("unknown case option `{}`", c.get_ref()),
                "write case = \"insensitive\" (the default) or \"sensitive\"",
            ));
            false
        }
    };
    let matching = match &h.matching {
        None => Matching::Rules,
        Some(m) if m.get_ref() == "rules" => Matching::Rules,
        Some(m) if m.get_ref() == "dictionary" => Matching::Dictionary,
        Some(m) => {
            errors.push(at(
                f,
                m.span().start,
                format!("unknown matching `{}`", m.get_ref()),
                "write matching = \"rules\" (the default) or \"dictionary\"",
            ));
            Matching::Rules
        }
    };
    let stem = h.stem.unwrap_or(false);
    if stem && matching == Matching::Dictionary {
        errors.push(at(
            f,
            span.start,
            "stem = true cannot be combined with matching = \"dictionary\"",
            "a dictionary counts its entries as written; use globs (`trust*`) or matching = \"rules\"",
        ));
    }
    if stem && case_sensitive {
        errors.push(at(
            f,
            span.start,
            "stem = true cannot be combined with case = \"sensitive\"",
            "stemming compares lowercase stems; drop one of the two",
        ));
    }
    let language = match &h.language {
        None => Language::English,
        Some(l) => Language::parse(l.get_ref()).unwrap_or_else(|| {
            errors.push(at(
                f,
                l.span().start,
                format!("unknown language `{}`", l.get_ref()),
                format!(
                    "language picks the stemmer for coding and search; write one of {} (or its English name)",
                    Language::codes()
                ),
            ));
            Language::English
        }),
    };
    Compile {
        options: TokenOptions {
            stem,
            case_sensitive,
            language,
        },
        matching,
    }
}

/// A code's `parent`, with the file (index into the texts) that names it: where an unknown
/// parent or a cycle is reported.
type ParentRef = Option<(usize, Spanned<String>)>;

/// Pass 2: the codes, in file order then order of appearance, and beside each its parent as
/// written. A code whose id is already taken is reported and left out.
fn read_codes(
    texts: &[FileText],
    raws: Vec<(usize, RawFile)>,
    compile: Compile,
    problems: &mut Problems,
) -> (Vec<Code>, Vec<ParentRef>) {
    let mut codes: Vec<Code> = Vec::new();
    let mut first_seen: HashMap<String, (PathBuf, usize)> = HashMap::new();
    let mut parents: Vec<ParentRef> = Vec::new();
    for (i, raw) in raws {
        let f = &texts[i];
        let mut entries: Vec<(String, Spanned<RawCode>)> = raw.codes.into_iter().collect();
        entries.sort_by_key(|(_, c)| c.span().start);
        for (id, spanned) in entries {
            let start = spanned.span().start;
            let (line, _) = f.line_col(start);
            if let Some((other, other_line)) = first_seen.get(&id) {
                // The code's own table: its span, never a comment that mentions it.
                problems.errors.push(at(
                    f,
                    start,
                    format!(
                        "code `{id}` is already defined in {}:{other_line}",
                        other.display()
                    ),
                    "code ids must be unique across all codebook files",
                ));
                continue;
            }
            first_seen.insert(id.clone(), (f.path.clone(), line));
            let rc = spanned.into_inner();
            parents.push(rc.parent.clone().map(|p| (i, p)));
            codes.push(read_code(f, id, (start, line), rc, compile, problems));
        }
    }
    (codes, parents)
}

/// One code from its table (which starts at byte `start`, on `line`, of `f`): its patterns
/// compiled, its options checked, and warnings for what leaves it untested or never applied.
fn read_code(
    f: &FileText,
    id: String,
    (start, line): (usize, usize),
    rc: RawCode,
    compile: Compile,
    problems: &mut Problems,
) -> Code {
    let patterns = compile.patterns(f, &rc.patterns, &mut problems.errors);
    let exclude = compile.patterns(f, &rc.exclude, &mut problems.errors);
    if let (Matching::Dictionary, Some(x)) = (compile.matching, rc.exclude.first()) {
        problems.errors.push(at(
            f,
            x.span().start,
            format!("code `{id}` has exclusions, which a dictionary does not apply"),
            "a dictionary counts every occurrence; drop `exclude` or use matching = \"rules\"",
        ));
    }
    let min_hits = min_hits(f, rc.min_hits.as_ref(), &mut problems.errors);
    let color = color(f, rc.color.as_ref(), &mut problems.errors);
    let codable = codable(f, &id, &rc, &mut problems.errors);
    // A code without patterns is valid (only people apply it; `codebook check` counts them),
    // and examples only test patterns: a code without any has nothing to warn about.
    if !rc.patterns.is_empty() && rc.examples.is_empty() {
        problems.warnings.push(warn(
            f,
            start,
            format!("code `{id}` has no examples: `codebook test` cannot check it"),
        ));
    }
    Code {
        id,
        label: rc.label,
        dimension: rc.dimension.unwrap_or_else(|| "code".into()),
        parent: rc.parent.map(Spanned::into_inner),
        definition: rc.definition.unwrap_or_default(),
        use_when: rc.use_when.unwrap_or_default(),
        dont_use_when: rc.dont_use_when.unwrap_or_default(),
        examples: rc.examples,
        counterexamples: rc.counterexamples,
        patterns,
        exclude,
        min_hits,
        color,
        codable,
        file: f.path.clone(),
        line,
    }
}

/// `color` as written when it is `#RRGGBB`; anything else is reported where it is written.
fn color(
    f: &FileText,
    written: Option<&Spanned<String>>,
    errors: &mut Vec<SourceError>,
) -> Option<String> {
    let c = written?;
    if is_color(c.get_ref()) {
        return Some(c.get_ref().clone());
    }
    // +1: the opening quote of the TOML string.
    errors.push(at(
        f,
        c.span().start + 1,
        format!("`{}` is not a colour", shorten(c.get_ref())),
        "write a colour as `#RRGGBB` in hex, e.g. color = \"#1F77B4\"",
    ));
    None
}

/// Whether `s` is a colour as the codebook takes it: `#` and six hex digits.
pub fn is_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// `codable` as written (true when not): a grouping code (`codable = false`) gathers its
/// children and is never applied, so patterns on it are reported.
fn codable(f: &FileText, id: &str, rc: &RawCode, errors: &mut Vec<SourceError>) -> bool {
    let Some(c) = &rc.codable else { return true };
    if !*c.get_ref() {
        if let Some(p) = rc.patterns.first() {
            errors.push(at(
                f,
                p.span().start,
                format!("code `{id}` is a grouping code (codable = false) but has patterns"),
                "a grouping code is never applied: move the patterns to a child code, or drop `codable = false`",
            ));
        }
    }
    *c.get_ref()
}

/// `min_hits` as written, or 1; below 1 is reported (and read as 1).
fn min_hits(f: &FileText, written: Option<&Spanned<i64>>, errors: &mut Vec<SourceError>) -> usize {
    match written {
        None => 1,
        Some(m) if *m.get_ref() >= 1 => *m.get_ref() as usize,
        Some(m) => {
            errors.push(at(
                f,
                m.span().start,
                "min_hits must be 1 or more",
                "min_hits is how many hits a segment needs for the code to apply",
            ));
            1
        }
    }
}

impl Compile {
    /// A code's `patterns` or `exclude` list compiled; each pattern that does not compile is
    /// reported at the character where it goes wrong, and left out.
    fn patterns(
        self,
        f: &FileText,
        list: &[Spanned<String>],
        errors: &mut Vec<SourceError>,
    ) -> Vec<Pattern> {
        let mut out = Vec::new();
        for p in list {
            match self.pattern(p.get_ref()) {
                Ok(pat) => out.push(pat),
                Err(e) => {
                    // +1: the opening quote of the TOML string.
                    errors.push(at(
                        f,
                        p.span().start + 1 + e.at,
                        format!("bad pattern {:?}: {}", shorten(p.get_ref()), e.message),
                        &e.help,
                    ));
                }
            }
        }
        out
    }

    /// One pattern, as this codebook's matching reads it.
    fn pattern(self, text: &str) -> Result<Pattern, PatternError> {
        match self.matching {
            Matching::Rules => Pattern::parse(text, self.options),
            // The dictionary entry is what matches; the parsed pattern only describes it
            // (exports, `codebook export`), so it may fall back.
            Matching::Dictionary => dictionary_entry(text).map(|e| {
                Pattern::parse(text, self.options).unwrap_or_else(|_| Pattern {
                    text: text.to_string(),
                    kind: PatternKind::Seq(
                        e.key.split(' ').map(|w| Elem::Word(w.into())).collect(),
                    ),
                })
            }),
        }
    }
}

/// The hierarchy: every parent exists, and following parents never comes back to the code.
fn check_hierarchy(
    texts: &[FileText],
    codes: &[Code],
    parents: &[ParentRef],
    errors: &mut Vec<SourceError>,
) {
    let index: HashMap<&str, usize> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let cycles = cycles(codes, &index);
    for (ci, p) in parents.iter().enumerate() {
        let Some((fi, parent)) = p else { continue };
        let f = &texts[*fi];
        if !index.contains_key(parent.get_ref().as_str()) {
            errors.push(at(
                f,
                parent.span().start,
                format!(
                    "code `{}` has an unknown parent `{}`",
                    codes[ci].id,
                    parent.get_ref()
                ),
                "the parent must be the id of another code (in any codebook file)",
            ));
            continue;
        }
        if let Some(chain) = &cycles[ci] {
            errors.push(at(
                f,
                parent.span().start,
                format!("codes form a cycle of parents: {}", chain.join(" → ")),
                "a code cannot be its own ancestor; remove one `parent`",
            ));
        }
    }
}

/// The ids on the cycle of parents that comes back to code `ci` (starting and ending with
/// it), if there is one, for every code at once: each code is walked once (its state marks
/// whether it is on the walk now or done), so a 4,000-deep chain costs 4,000 steps, not a walk
/// from every code. A cycle that a code only leads into is not its own: it is reported from
/// its own codes.
fn cycles<'a>(codes: &'a [Code], index: &HashMap<&str, usize>) -> Vec<Option<Vec<&'a str>>> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        OnWalk,
        Done,
    }
    let parent = |i: usize| {
        codes[i]
            .parent
            .as_deref()
            .and_then(|p| index.get(p))
            .copied()
    };
    let mut state = vec![State::New; codes.len()];
    let mut out: Vec<Option<Vec<&str>>> = vec![None; codes.len()];
    for start in 0..codes.len() {
        let mut walk = Vec::new();
        let mut cur = Some(start);
        while let Some(c) = cur.filter(|&c| state[c] == State::New) {
            state[c] = State::OnWalk;
            walk.push(c);
            cur = parent(c);
        }
        // Came back onto this walk: the codes from there on are a cycle.
        if let Some(c) = cur.filter(|&c| state[c] == State::OnWalk) {
            let from = walk.iter().position(|&w| w == c).unwrap_or(0);
            let ring = &walk[from..];
            for (k, &member) in ring.iter().enumerate() {
                let chain = ring[k..]
                    .iter()
                    .chain(&ring[..k])
                    .chain([&member])
                    .map(|&i| codes[i].id.as_str())
                    .collect();
                out[member] = Some(chain);
            }
        }
        for w in walk {
            state[w] = State::Done;
        }
    }
    out
}

fn at(
    f: &FileText,
    byte: usize,
    message: impl Into<String>,
    help: impl Into<String>,
) -> SourceError {
    let (l, c) = f.line_col(byte);
    SourceError::new(&f.path, l, c, message)
        .with_source(&f.text)
        .with_help(help)
}

fn warn(f: &FileText, byte: usize, message: String) -> Warning {
    let (l, c) = f.line_col(byte);
    Warning {
        location: format!("{}:{l}:{c}", f.path.display()),
        message,
    }
}

fn toml_help(message: &str) -> &'static str {
    if message.contains("unknown field") {
        "a code takes: label, dimension, parent, definition, use_when, dont_use_when, examples, counterexamples, patterns, exclude, min_hits, color, codable"
    } else if message.contains("missing field") {
        "every code needs at least a label"
    } else {
        "check the TOML syntax at this point: strings in quotes, one key = value per line"
    }
}

/// A pattern as quoted in a message: long ones cut.
fn shorten(p: &str) -> String {
    if p.chars().count() > 60 {
        format!("{}…", p.chars().take(60).collect::<String>())
    } else {
        p.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_code_is_located_on_its_table_not_on_a_comment() {
        let files = vec![
            (
                PathBuf::from("a.toml"),
                "[codes.trust]\nlabel = \"Trust\"\n".to_string(),
            ),
            (
                PathBuf::from("b.toml"),
                "# [codes.trust] is in a.toml\n\n[codes.trust]\nlabel = \"Again\"\n".to_string(),
            ),
        ];
        let errors = load_texts(Path::new("."), files).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        let e = &errors[0];
        assert!(
            e.message
                .contains("code `trust` is already defined in a.toml:1"),
            "{e}"
        );
        assert_eq!(
            (e.path.as_path(), e.line, e.col),
            (Path::new("b.toml"), 3, 1),
            "{e}"
        );
    }
}
