//! Reading codebook files: TOML with spans, so every problem (syntax, unknown key, bad pattern,
//! duplicate id, unknown parent, cycle) is reported with file:line:col. All problems of all
//! files are collected, not just the first.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::pattern::{dictionary_entry, Elem, Pattern, PatternKind};
use super::{codebook_files, Code, Codebook, Matching};
use crate::diag::{line_col, SourceError, Warning};
use crate::roles::RoleTable;
use crate::text::tokens::TokenOptions;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    codebook: Option<Spanned<RawHeader>>,
    #[serde(default)]
    codes: BTreeMap<String, Spanned<RawCode>>,
    // Parsed by the role table.
    #[serde(default)]
    #[allow(dead_code)]
    roles: toml::Table,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: Option<String>,
    version: Option<String>,
    language: Option<String>,
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
}

struct FileText {
    path: PathBuf,
    text: String,
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
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut hasher = blake3::Hasher::new();
    let mut texts = Vec::new();
    for (path, text) in files {
        hasher.update(path.file_name().unwrap_or_default().as_encoded_bytes());
        hasher.update(&(text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
        texts.push(FileText { path, text });
    }
    let files: Vec<std::path::PathBuf> = texts.iter().map(|t| t.path.clone()).collect();

    // Pass 1: TOML, the header options (they decide how patterns compile) and the roles.
    let mut roles = RoleTable::default();
    let mut raws: Vec<(usize, RawFile)> = Vec::new();
    let mut header: (Option<String>, Option<String>, Option<String>) = (None, None, None);
    let mut opts: Option<((TokenOptions, Matching), usize)> = None;
    for (i, f) in texts.iter().enumerate() {
        let raw: RawFile = match toml::from_str(&f.text) {
            Ok(r) => r,
            Err(e) => {
                let (l, c) = e
                    .span()
                    .map(|s| line_col(&f.text, s.start))
                    .unwrap_or((0, 0));
                errors.push(
                    SourceError::new(&f.path, l, c, e.message().trim().to_string())
                        .with_source(&f.text)
                        .with_help(toml_help(e.message())),
                );
                continue;
            }
        };
        if let Err(e) = roles.add_file(&f.path, &f.text) {
            errors.push(e);
        }
        if let Some(h) = &raw.codebook {
            let span = h.span();
            let h = h.get_ref();
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
            let these = (
                TokenOptions {
                    stem,
                    case_sensitive,
                },
                matching,
            );
            match opts {
                Some((o, first)) if o != these => errors.push(at(
                    f,
                    span.start,
                    format!("[codebook] options differ from those in {}", texts[first].path.display()),
                    "all codebook files are one codebook: give `stem`, `case` and `matching` once, or the same everywhere",
                )),
                Some(_) => {}
                None => opts = Some((these, i)),
            }
            header.0 = header.0.take().or(h.name.clone());
            header.1 = header.1.take().or(h.version.clone());
            header.2 = header.2.take().or(h.language.clone());
        }
        raws.push((i, raw));
    }
    let (options, matching) = opts.map(|o| o.0).unwrap_or((
        TokenOptions {
            stem: false,
            case_sensitive: false,
        },
        Matching::Rules,
    ));

    // Pass 2: codes, in file order then order of appearance.
    let mut codes: Vec<Code> = Vec::new();
    let mut first_seen: HashMap<String, (PathBuf, usize)> = HashMap::new();
    let mut parents: Vec<Option<(usize, Spanned<String>)>> = Vec::new();
    for (i, raw) in raws {
        let f = &texts[i];
        let mut entries: Vec<(String, Spanned<RawCode>)> = raw.codes.into_iter().collect();
        entries.sort_by_key(|(_, c)| c.span().start);
        for (id, spanned) in entries {
            let start = spanned.span().start;
            let (line, _) = line_col(&f.text, start);
            if let Some((other, other_line)) = first_seen.get(&id) {
                // The code's own table: its span, never a comment that mentions it.
                errors.push(at(
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
            let mut compile = |list: &[Spanned<String>]| -> Vec<Pattern> {
                let mut out = Vec::new();
                for p in list {
                    let parsed = match matching {
                        Matching::Rules => Pattern::parse(p.get_ref(), options),
                        // The dictionary entry is what matches; the parsed pattern only
                        // describes it (exports, `codebook export`), so it may fall back.
                        Matching::Dictionary => dictionary_entry(p.get_ref()).map(|e| {
                            Pattern::parse(p.get_ref(), options).unwrap_or_else(|_| Pattern {
                                text: p.get_ref().clone(),
                                kind: PatternKind::Seq(
                                    e.key.split(' ').map(|w| Elem::Word(w.into())).collect(),
                                ),
                            })
                        }),
                    };
                    match parsed {
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
            };
            let patterns = compile(&rc.patterns);
            let exclude = compile(&rc.exclude);
            if let (Matching::Dictionary, Some(x)) = (matching, rc.exclude.first()) {
                errors.push(at(
                    f,
                    x.span().start,
                    format!("code `{id}` has exclusions, which a dictionary does not apply"),
                    "a dictionary counts every occurrence; drop `exclude` or use matching = \"rules\"",
                ));
            }
            let min_hits = match &rc.min_hits {
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
            };
            if rc.patterns.is_empty() {
                warnings.push(warn(
                    f,
                    start,
                    format!("code `{id}` has no patterns: it is never applied automatically"),
                ));
            }
            if rc.examples.is_empty() {
                warnings.push(warn(
                    f,
                    start,
                    format!("code `{id}` has no examples: `codebook test` cannot check it"),
                ));
            }
            parents.push(rc.parent.clone().map(|p| (i, p)));
            codes.push(Code {
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
                file: f.path.clone(),
                line,
            });
        }
    }

    // Hierarchy: parents exist, and following parents never comes back.
    let index: HashMap<&str, usize> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
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
        let mut seen = vec![ci];
        let mut cur = ci;
        while let Some(next) = codes[cur]
            .parent
            .as_deref()
            .and_then(|p| index.get(p))
            .copied()
        {
            if next == ci {
                let chain: Vec<&str> = seen
                    .iter()
                    .map(|&i| codes[i].id.as_str())
                    .chain([codes[ci].id.as_str()])
                    .collect();
                errors.push(at(
                    f,
                    parent.span().start,
                    format!("codes form a cycle of parents: {}", chain.join(" → ")),
                    "a code cannot be its own ancestor; remove one `parent`",
                ));
                break;
            }
            if seen.contains(&next) {
                break; // a cycle not through ci: reported from its own codes
            }
            seen.push(next);
            cur = next;
        }
    }
    if errors.is_empty() && codes.is_empty() && roles.is_empty() && !files.is_empty() {
        warnings.push(Warning {
            location: dir.display().to_string(),
            message: "the codebook has no codes and no roles".into(),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let codebook = Codebook {
        name: header.0.unwrap_or_else(|| "codebook".into()),
        version: header.1.unwrap_or_else(|| "0".into()),
        language: header.2.unwrap_or_else(|| "en".into()),
        options,
        matching,
        codes,
        roles,
        hash: hasher.finalize().to_hex().to_string(),
        files,
    };
    Ok((codebook, warnings))
}

fn at(
    f: &FileText,
    byte: usize,
    message: impl Into<String>,
    help: impl Into<String>,
) -> SourceError {
    let (l, c) = line_col(&f.text, byte);
    SourceError::new(&f.path, l, c, message)
        .with_source(&f.text)
        .with_help(help)
}

fn warn(f: &FileText, byte: usize, message: String) -> Warning {
    let (l, c) = line_col(&f.text, byte);
    Warning {
        location: format!("{}:{l}:{c}", f.path.display()),
        message,
    }
}

fn toml_help(message: &str) -> &'static str {
    if message.contains("unknown field") {
        "a code takes: label, dimension, parent, definition, use_when, dont_use_when, examples, counterexamples, patterns, exclude, min_hits"
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
