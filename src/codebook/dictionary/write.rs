//! Writing: imported categories as our codebook TOML, through the `toml` crate (codes as
//! `[codes.ID]` tables in the dictionary's order, keys in a fixed order), and a codebook as
//! quanteda YAML, through `serde_norway`. Comments (where a file came from, what could not be
//! carried) are the only text written by hand, one line each.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_norway::{Mapping, Value};

use super::{Category, DictFormat};
use crate::codebook::{Codebook, Matching, PatternKind};

#[derive(serde::Serialize)]
struct TomlFile<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    codebook: Option<TomlHeader>,
    codes: TomlCodes<'a>,
}

#[derive(serde::Serialize)]
struct TomlHeader {
    matching: &'static str,
}

#[derive(serde::Serialize)]
struct TomlCode<'a> {
    label: &'a str,
    dimension: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    patterns: &'a [String],
}

/// Codes by id, in the dictionary's order (a map type would sort them).
struct TomlCodes<'a>(Vec<(&'a str, TomlCode<'a>)>);

impl Serialize for TomlCodes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (id, code) in &self.0 {
            map.serialize_entry(id, code)?;
        }
        map.end()
    }
}

/// Our codebook TOML for imported categories, with these ids (one per category, unique: see
/// [`code_ids`](super::code_ids)).
pub fn to_toml(
    cats: &[Category],
    ids: &[String],
    source: &str,
    format: DictFormat,
    dimension: &str,
) -> Result<String, toml::ser::Error> {
    let codes = cats
        .iter()
        .zip(ids)
        .map(|(c, id)| {
            let code = TomlCode {
                label: &c.name,
                dimension,
                parent: c.parent.map(|p| ids[p].as_str()),
                patterns: &c.patterns,
            };
            (id.as_str(), code)
        })
        .collect();
    let dictionary = format.matching() == Matching::Dictionary;
    let file = TomlFile {
        codebook: dictionary.then_some(TomlHeader {
            matching: "dictionary",
        }),
        codes: TomlCodes(codes),
    };
    let mut out = format!(
        "# Imported by `qcode codebook import` from {} ({} dictionary).\n\
         # Entries became patterns (several words: a phrase; globs kept as globs). Weights and\n\
         # category numbers are not patterns and were dropped. Add definitions, when to use,\n\
         # examples and counterexamples before trusting the coding.\n",
        one_line(source),
        format.name()
    );
    if dictionary {
        out.push_str(
            "# Counted as a dictionary: every occurrence of every entry, at ASCII word boundaries.\n",
        );
    }
    out.push('\n');
    out.push_str(&toml::to_string(&file)?);
    Ok(out)
}

/// Our codebook as quanteda YAML: keys are code ids, children nested under their parent. A code
/// with both its own patterns and children keeps its patterns under a subkey named after itself
/// (quanteda keys hold a list or subkeys, not both; the import reads it back the same way); NEAR
/// and regex patterns have no quanteda form and are listed in a comment instead.
pub fn to_yaml(cb: &Codebook) -> Result<String, serde_norway::Error> {
    let mut skipped = Vec::new();
    let tree = yaml_keys(cb, None, &mut skipped);
    let mut out = format!(
        "# {} {}, exported by qcode for quanteda::dictionary(file = ..., format = \"YAML\")\n",
        one_line(&cb.name),
        one_line(&cb.version)
    );
    out.push_str(&serde_norway::to_string(&tree)?);
    if !skipped.is_empty() {
        out.push_str("# Not expressible in quanteda (NEAR and regex patterns):\n");
        for s in skipped {
            out.push_str(&format!("#   {}\n", one_line(&s)));
        }
    }
    Ok(out)
}

/// The codes under `parent` as a mapping of id to entries or subkeys.
fn yaml_keys(cb: &Codebook, parent: Option<&str>, skipped: &mut Vec<String>) -> Mapping {
    let mut keys = Mapping::new();
    for c in cb.codes.iter().filter(|c| c.parent.as_deref() == parent) {
        let mut entries = Vec::new();
        for p in &c.patterns {
            match &p.kind {
                PatternKind::Seq(_) => entries.push(Value::String(
                    p.text
                        .strip_prefix('"')
                        .and_then(|t| t.strip_suffix('"'))
                        .unwrap_or(&p.text)
                        .to_string(),
                )),
                PatternKind::Near { .. } | PatternKind::Regex(_) => {
                    skipped.push(format!("{}: {}", c.id, p.text))
                }
            }
        }
        let children = yaml_keys(cb, Some(&c.id), skipped);
        let value = if children.is_empty() {
            Value::Sequence(entries)
        } else {
            let mut own = Mapping::new();
            if !entries.is_empty() {
                own.insert(Value::String(c.id.clone()), Value::Sequence(entries));
            }
            own.extend(children);
            Value::Mapping(own)
        };
        keys.insert(Value::String(c.id.clone()), value);
    }
    keys
}

/// Text for a one-line comment: line breaks and other control characters (and the separators
/// YAML readers take for line breaks) become spaces.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codebook(toml: &str) -> Codebook {
        let (cb, _) = crate::codebook::load_texts(
            std::path::Path::new("c"),
            vec![("c/a.toml".into(), toml.to_string())],
        )
        .unwrap();
        cb
    }

    #[test]
    fn toml_codes_are_tables_in_order_with_quoted_ids_where_needed() {
        let cats = vec![
            Category {
                id: Some("zeta".into()),
                name: "Zeta".into(),
                parent: None,
                patterns: vec!["trust*".into(), "\"early win\"".into()],
            },
            Category {
                id: Some("C01.01".into()),
                name: "it's \"q\" \\ back\nslash".into(),
                parent: Some(0),
                patterns: vec![],
            },
        ];
        let ids = vec!["zeta".to_string(), "C01.01".to_string()];
        let toml = to_toml(&cats, &ids, "d\nx.json", DictFormat::Json, "d").unwrap();
        let zeta = toml.find("[codes.zeta]").unwrap();
        let c01 = toml.find("[codes.\"C01.01\"]").unwrap();
        assert!(zeta < c01, "{toml}");
        assert!(toml.contains("from d x.json"), "{toml}");
        let cb = codebook(&toml);
        assert_eq!(cb.matching, Matching::Dictionary);
        assert_eq!(cb.codes[1].label, cats[1].name);
        assert_eq!(cb.codes[1].parent.as_deref(), Some("zeta"));
    }

    #[test]
    fn yaml_nests_children_and_keeps_a_parents_own_entries_under_its_name() {
        let cb = codebook(
            "[codes.trust]\nlabel = \"T\"\npatterns = ['\"early win\"', \"a NEAR/2 b\"]\n\
             [codes.distrust]\nlabel = \"D\"\nparent = \"trust\"\npatterns = [\"suspicious\"]\n\
             [codes.yes]\nlabel = \"Y\"\n",
        );
        let yaml = to_yaml(&cb).unwrap();
        let back: Value = serde_norway::from_str(&yaml).unwrap();
        assert_eq!(back["trust"]["trust"][0], "early win", "{yaml}");
        assert_eq!(back["trust"]["distrust"][0], "suspicious", "{yaml}");
        assert_eq!(back["yes"], Value::Sequence(vec![]), "{yaml}");
        assert!(yaml.contains("#   trust: a NEAR/2 b\n"), "{yaml}");
    }
}
