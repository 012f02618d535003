//! Dictionaries from other tools, as codebooks: WordStat `.cat`, LIWC `.dic`, Lexicoder `.lc3`
//! and quanteda YAML, read into categories (with their hierarchy) and written as our TOML; and
//! our codebook written as quanteda YAML. Weights and scores (WordStat's `(1)`, LIWC's category
//! numbers) are not patterns: they are dropped, and the converted file says so.

use std::fmt::Write as _;

use super::{Codebook, PatternKind};
use crate::roles::slug;

/// One category: a name, its parent (index into the list) and its entries as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// The category's own id, when the format has one (JSON); else the id is a slug of the name.
    pub id: Option<String>,
    pub name: String,
    pub parent: Option<usize>,
    pub patterns: Vec<String>,
}

/// Which kind of file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DictFormat {
    WordStat,
    Liwc,
    Lexicoder,
    Yaml,
    /// `{"codes": [{"id", "name", "parent", "patterns": [...]}]}`: the shape of the benchmark
    /// codebooks in ../shared/bench and of simple dictionary exports; counted as a dictionary.
    Json,
}

impl DictFormat {
    pub fn from_extension(ext: &str) -> Option<DictFormat> {
        match ext.to_ascii_lowercase().as_str() {
            "cat" => Some(DictFormat::WordStat),
            "dic" => Some(DictFormat::Liwc),
            "lc3" | "lcd" => Some(DictFormat::Lexicoder),
            "yml" | "yaml" => Some(DictFormat::Yaml),
            "json" => Some(DictFormat::Json),
            _ => None,
        }
    }
}

/// A problem with a dictionary file: the line (1-based; 0 for the whole file) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DictError {
    pub line: usize,
    pub message: String,
}

fn err(line: usize, message: impl Into<String>) -> DictError {
    DictError {
        line,
        message: message.into(),
    }
}

/// Read a dictionary file: decoded (UTF-8, UTF-16 or Windows-1252) and parsed; errors name the
/// file and, where there is one, the line.
pub fn read_dictionary(
    path: &std::path::Path,
    format: DictFormat,
) -> Result<Vec<Category>, crate::diag::SourceError> {
    use crate::diag::SourceError;
    let bytes = std::fs::read(path)
        .map_err(|e| SourceError::whole_file(path, format!("cannot read: {e}")))?;
    let text = crate::text::decode(&bytes)
        .map_err(|e| SourceError::whole_file(path, e.to_string()))?
        .text;
    parse_dictionary(&text, format).map_err(|e| SourceError::new(path, e.line, 0, e.message))
}

/// Read a dictionary.
pub fn parse_dictionary(text: &str, format: DictFormat) -> Result<Vec<Category>, DictError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let cats = match format {
        DictFormat::WordStat => wordstat(text)?,
        DictFormat::Liwc => liwc(text)?,
        DictFormat::Lexicoder => lexicoder(text)?,
        DictFormat::Yaml => yaml(text)?,
        DictFormat::Json => json(text)?,
    };
    if cats.is_empty() {
        return Err(err(0, "no categories found"));
    }
    Ok(cats)
}

/// WordStat: categories and entries by indentation; entries end in a weight like `(1)`.
fn wordstat(text: &str) -> Result<Vec<Category>, DictError> {
    let mut cats: Vec<Category> = Vec::new();
    // (indent, category index) of the open categories.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        let line = raw.trim();
        let (word, weighted) = match line.rfind(" (") {
            Some(i) if line.ends_with(')') => (line[..i].trim(), true),
            _ => (line, false),
        };
        while stack.last().is_some_and(|&(d, _)| d >= indent) {
            stack.pop();
        }
        if weighted {
            let Some(&(_, c)) = stack.last() else {
                return Err(err(n + 1, "an entry before any category"));
            };
            cats[c].patterns.push(word.to_lowercase());
        } else {
            cats.push(Category {
                id: None,
                name: word.to_string(),
                parent: stack.last().map(|&(_, c)| c),
                patterns: Vec::new(),
            });
            stack.push((indent, cats.len() - 1));
        }
    }
    Ok(cats)
}

/// LIWC: `%`, category lines `number name`, `%`, then `word number number …`.
fn liwc(text: &str) -> Result<Vec<Category>, DictError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    match lines.next() {
        Some((_, l)) if l.trim() == "%" => {}
        Some((n, _)) => return Err(err(n + 1, "a LIWC dictionary starts with a line `%`")),
        None => return Err(err(0, "the file is empty")),
    }
    let mut cats: Vec<Category> = Vec::new();
    let mut by_number: std::collections::HashMap<String, usize> = Default::default();
    for (n, l) in lines.by_ref() {
        if l.trim() == "%" {
            break;
        }
        let mut parts = l.split_whitespace();
        let (Some(num), Some(name)) = (parts.next(), parts.next()) else {
            return Err(err(n + 1, "a category line is `number name`"));
        };
        by_number.insert(num.to_string(), cats.len());
        cats.push(Category {
            id: None,
            name: name.to_string(),
            parent: None,
            patterns: Vec::new(),
        });
    }
    for (n, l) in lines {
        // Entries: the word (phrases may have spaces), then category numbers.
        let parts: Vec<&str> = l.split_whitespace().collect();
        let split = parts
            .iter()
            .position(|p| p.chars().all(|c| c.is_ascii_digit()))
            .unwrap_or(parts.len());
        if split == 0 || split == parts.len() {
            return Err(err(n + 1, "an entry is `word category-number …`"));
        }
        let word = parts[..split].join(" ").to_lowercase();
        for num in &parts[split..] {
            match by_number.get(*num) {
                Some(&c) => cats[c].patterns.push(word.clone()),
                None => {
                    return Err(err(
                        n + 1,
                        format!("category {num} is not declared at the top"),
                    ))
                }
            }
        }
    }
    Ok(cats)
}

/// Lexicoder: `+CATEGORY` lines, then one entry per line.
fn lexicoder(text: &str) -> Result<Vec<Category>, DictError> {
    let mut cats: Vec<Category> = Vec::new();
    for (n, l) in text.lines().enumerate() {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        if let Some(name) = l.strip_prefix('+') {
            cats.push(Category {
                id: None,
                name: name.trim().to_string(),
                parent: None,
                patterns: Vec::new(),
            });
        } else {
            let Some(c) = cats.last_mut() else {
                return Err(err(n + 1, "an entry before any `+CATEGORY` line"));
            };
            c.patterns.push(l.to_lowercase());
        }
    }
    Ok(cats)
}

/// quanteda YAML: keys are categories; a value is a list of entries or a mapping of subkeys.
fn yaml(text: &str) -> Result<Vec<Category>, DictError> {
    let value: serde_norway::Value = serde_norway::from_str(text).map_err(|e| {
        err(
            e.location().map(|l| l.line()).unwrap_or(0),
            format!("not valid YAML: {e}"),
        )
    })?;
    let mut cats = Vec::new();
    fn walk(
        v: &serde_norway::Value,
        parent: Option<usize>,
        cats: &mut Vec<Category>,
    ) -> Result<(), DictError> {
        let serde_norway::Value::Mapping(m) = v else {
            return Err(err(
                0,
                "a quanteda dictionary is a mapping of keys to lists of entries",
            ));
        };
        for (k, v) in m {
            let name = k
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("{k:?}"));
            cats.push(Category {
                id: None,
                name,
                parent,
                patterns: Vec::new(),
            });
            let me = cats.len() - 1;
            match v {
                serde_norway::Value::Sequence(items) => {
                    for i in items {
                        match i.as_str() {
                            Some(s) => cats[me].patterns.push(s.to_string()),
                            None => {
                                return Err(err(
                                    0,
                                    format!("entries of `{}` must be text", cats[me].name),
                                ))
                            }
                        }
                    }
                }
                serde_norway::Value::String(s) => cats[me].patterns.push(s.clone()),
                serde_norway::Value::Mapping(_) => walk(v, Some(me), cats)?,
                serde_norway::Value::Null => {}
                _ => {
                    return Err(err(
                        0,
                        format!("`{}` must hold a list or subkeys", cats[me].name),
                    ))
                }
            }
        }
        Ok(())
    }
    walk(&value, None, &mut cats)?;
    Ok(cats)
}

/// JSON: a list of codes with ids, names, parents (by id) and patterns.
fn json(text: &str) -> Result<Vec<Category>, DictError> {
    #[derive(serde::Deserialize)]
    struct File {
        codes: Vec<JsonCode>,
    }
    #[derive(serde::Deserialize)]
    struct JsonCode {
        id: String,
        name: Option<String>,
        parent: Option<String>,
        #[serde(default)]
        patterns: Vec<String>,
    }
    let file: File = serde_json::from_str(text)
        .map_err(|e| err(e.line(), format!("not a JSON codebook: {e}")))?;
    let ids: Vec<&str> = file.codes.iter().map(|c| c.id.as_str()).collect();
    let mut cats = Vec::new();
    for c in &file.codes {
        let parent =
            match &c.parent {
                None => None,
                Some(p) => Some(ids.iter().position(|i| i == p).ok_or_else(|| {
                    err(0, format!("code `{}` has an unknown parent `{p}`", c.id))
                })?),
            };
        cats.push(Category {
            id: Some(c.id.clone()),
            name: c.name.clone().unwrap_or_else(|| c.id.clone()),
            parent,
            patterns: c.patterns.clone(),
        });
    }
    Ok(cats)
}

/// A TOML key: bare when it can be, else quoted.
fn toml_key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        s.to_string()
    } else {
        toml_str(s)
    }
}

/// A TOML string: literal (single quotes) when it can be, else escaped.
fn toml_str(s: &str) -> String {
    if !s.contains('\'') && !s.contains('\n') {
        format!("'{s}'")
    } else {
        format!("{:?}", s)
    }
}

/// Entries as our patterns: several words become a quoted phrase; globs stay globs. LIWC and
/// WordStat write phrases with `_`; in JSON `_` is part of a word, as in the dictionary matcher.
fn as_pattern(entry: &str, format: DictFormat) -> String {
    let words: Vec<&str> = entry
        .split(|c: char| c.is_whitespace() || (c == '_' && format != DictFormat::Json))
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() > 1 {
        format!("\"{}\"", words.join(" "))
    } else {
        words.first().copied().unwrap_or("").to_string()
    }
}

/// Our codebook TOML for imported categories; ids are slugs of the names, unique.
pub fn to_toml(cats: &[Category], source: &str, format: DictFormat, dimension: &str) -> String {
    let mut ids: Vec<String> = Vec::new();
    for c in cats {
        if let Some(id) = &c.id {
            ids.push(id.clone());
            continue;
        }
        let base = slug(&c.name);
        let mut id = base.clone();
        let mut n = 2;
        while ids.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        ids.push(id);
    }
    let mut out = format!(
        "# Imported by `qcode codebook import` from {source} ({format:?} dictionary).\n\
         # Entries became patterns (several words: a phrase; globs kept as globs). Weights and\n\
         # category numbers are not patterns and were dropped. Add definitions, when to use,\n\
         # examples and counterexamples before trusting the coding.\n"
    );
    if format == DictFormat::Json {
        out.push_str(
            "\n# Counted as a dictionary: every occurrence of every entry, at ASCII word boundaries.\n\
             [codebook]\nmatching = \"dictionary\"\n",
        );
    }
    for (i, c) in cats.iter().enumerate() {
        let _ = writeln!(out, "\n[codes.{}]", toml_key(&ids[i]));
        let _ = writeln!(out, "label = {}", toml_str(&c.name));
        let _ = writeln!(out, "dimension = {}", toml_str(dimension));
        if let Some(p) = c.parent {
            let _ = writeln!(out, "parent = {}", toml_str(&ids[p]));
        }
        let pats: Vec<String> = c
            .patterns
            .iter()
            .map(|p| toml_str(&as_pattern(p, format)))
            .filter(|p| p != "''")
            .collect();
        if !pats.is_empty() {
            let _ = writeln!(out, "patterns = [{}]", pats.join(", "));
        }
    }
    out
}

/// Our codebook as quanteda YAML. A code with both its own patterns and children keeps its
/// patterns under a subkey named after itself (quanteda keys hold a list or subkeys, not both);
/// NEAR and regex patterns have no quanteda form and are listed in a comment instead.
pub fn to_yaml(cb: &Codebook) -> String {
    let mut out = format!(
        "# {} {}, exported by qcode for quanteda::dictionary(file = ..., format = \"YAML\")\n",
        cb.name, cb.version
    );
    let mut skipped = Vec::new();
    fn quote(s: &str) -> String {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
    fn emit(
        cb: &Codebook,
        parent: Option<&str>,
        depth: usize,
        out: &mut String,
        skipped: &mut Vec<String>,
    ) {
        for c in cb.codes.iter().filter(|c| c.parent.as_deref() == parent) {
            let pad = "  ".repeat(depth);
            let mut pats = Vec::new();
            for p in &c.patterns {
                match &p.kind {
                    PatternKind::Seq(_) => pats.push(p.text.trim_matches('"').to_string()),
                    _ => skipped.push(format!("{}: {}", c.id, p.text)),
                }
            }
            let has_children = cb.codes.iter().any(|k| k.parent.as_deref() == Some(&c.id));
            let _ = writeln!(out, "{pad}{}:", c.id);
            if has_children {
                if !pats.is_empty() {
                    let _ = writeln!(out, "{pad}  {}:", c.id);
                    for p in &pats {
                        let _ = writeln!(out, "{pad}    - {}", quote(p));
                    }
                }
                emit(cb, Some(&c.id), depth + 1, out, skipped);
            } else {
                for p in &pats {
                    let _ = writeln!(out, "{pad}  - {}", quote(p));
                }
            }
        }
    }
    emit(cb, None, 0, &mut out, &mut skipped);
    if !skipped.is_empty() {
        out.push_str("# Not expressible in quanteda (NEAR and regex patterns):\n");
        for s in skipped {
            let _ = writeln!(out, "#   {s}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordstat_hierarchy_and_weights() {
        let cats = parse_dictionary("TRUST\n    HONEST* (1)\n    EARLY WIN (1)\n    DISTRUST\n        SUSPICIOUS (2)\nDIALOGUE\n    FEEDBACK (1)\n", DictFormat::WordStat).unwrap();
        assert_eq!(cats.len(), 3);
        assert_eq!(cats[0].patterns, ["honest*", "early win"]);
        assert_eq!(cats[1].parent, Some(0));
        assert_eq!(cats[1].patterns, ["suspicious"]);
        assert_eq!(cats[2].parent, None);
    }

    #[test]
    fn liwc_categories_and_entries() {
        let cats = parse_dictionary(
            "%\n1\tposemo\n2\tnegemo\n%\ngood\t1\nbad*\t2\nkind of\t1\t2\n",
            DictFormat::Liwc,
        )
        .unwrap();
        assert_eq!(cats[0].patterns, ["good", "kind of"]);
        assert_eq!(cats[1].patterns, ["bad*", "kind of"]);
        assert_eq!(
            parse_dictionary("%\n1\tx\n%\nword\t9\n", DictFormat::Liwc)
                .unwrap_err()
                .line,
            4
        );
    }

    #[test]
    fn lexicoder_and_yaml() {
        let cats = parse_dictionary(
            "+POSITIVE\ngood\ngreat*\n+NEGATIVE\nbad\n",
            DictFormat::Lexicoder,
        )
        .unwrap();
        assert_eq!(cats[1].patterns, ["bad"]);
        let cats = parse_dictionary("economy:\n  jobs:\n    - jobs\n    - employ*\n  growth:\n    - growth\nhealth:\n  - nhs\n  - \"health service\"\n", DictFormat::Yaml).unwrap();
        assert_eq!(cats.len(), 4);
        assert_eq!(cats[1].parent, Some(0));
        assert_eq!(cats[3].patterns, ["nhs", "health service"]);
    }

    #[test]
    fn toml_output_loads_as_a_codebook() {
        let cats = parse_dictionary(
            "TRUST\n    HONEST* (1)\n    EARLY WIN (1)\n    DISTRUST\n        SUSPICIOUS (2)\n",
            DictFormat::WordStat,
        )
        .unwrap();
        let toml = to_toml(&cats, "t.cat", DictFormat::WordStat, "imported");
        let (cb, _) = super::super::load_texts(
            std::path::Path::new("c"),
            vec![("c/t.toml".into(), toml.clone())],
        )
        .unwrap();
        assert_eq!(cb.codes.len(), 2, "{toml}");
        assert_eq!(cb.codes[1].parent.as_deref(), Some("trust"));
        assert_eq!(cb.codes[0].patterns[1].text, "\"early win\"");
    }
}
