//! quanteda YAML: keys are categories, and their ids (quanteda names a dfm's columns by them); a
//! value is a list of entries, one entry, or a mapping of subkeys. Read through serde visitors
//! rather than into a `Value`, so that a bad entry or a repeated key is reported at its line.
//! Entries under a subkey named like its parent are the parent's own: that is how
//! [`to_yaml`](crate::codebook::dictionary::to_yaml) writes a code with both entries and
//! children, since a quanteda key holds a list or subkeys, not both.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{to_pattern, Category, DictError, DictFormat};

/// The categories read so far, and the problem (message, help) that stopped the reading: serde
/// errors carry a message and a location but no hint, and their text adds the position.
struct Reader {
    cats: Vec<Category>,
    problem: Option<(String, String)>,
}

impl Reader {
    fn refuse<E: de::Error>(&mut self, message: String, help: String) -> E {
        let e = E::custom(&message);
        self.problem = Some((message, help));
        e
    }
}

pub(super) fn yaml(text: &str) -> Result<Vec<Category>, DictError> {
    let mut reader = Reader {
        cats: Vec::new(),
        problem: None,
    };
    let read = Top(&mut reader).deserialize(serde_norway::Deserializer::from_str(text));
    match read {
        Ok(()) => Ok(reader.cats),
        Err(e) => {
            let line = e.location().map(|l| l.line()).unwrap_or(0);
            Err(match reader.problem {
                Some((message, help)) => DictError {
                    line,
                    message,
                    help: Some(help),
                },
                None => DictError::new(line, format!("not valid YAML: {e}")),
            })
        }
    }
}

/// The document: a mapping of keys (or nothing at all, which has no categories).
struct Top<'r>(&'r mut Reader);

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a quanteda dictionary: a mapping of keys to lists of entries")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        keys(self.0, None, map)
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// The keys of one mapping, each a category under `parent`.
fn keys<'de, A: MapAccess<'de>>(
    reader: &mut Reader,
    parent: Option<usize>,
    mut map: A,
) -> Result<(), A::Error> {
    let mut seen = HashSet::new();
    while let Some(name) = map.next_key_seed(Key {
        reader: &mut *reader,
        seen: &mut seen,
    })? {
        let merge = parent.filter(|&p| reader.cats[p].name == name);
        map.next_value_seed(Node {
            reader: &mut *reader,
            parent,
            name,
            merge,
        })?;
    }
    Ok(())
}

/// A key as written (`yes`, `1` and `~` are names too), once per mapping.
struct Key<'a> {
    reader: &'a mut Reader,
    seen: &'a mut HashSet<String>,
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        if !self.seen.insert(v.to_string()) {
            return Err(self.reader.refuse(
                format!("the key `{v}` appears twice in the same mapping"),
                "give each category under one parent its own key".into(),
            ));
        }
        Ok(v.to_string())
    }
}

/// The value of a key: entries (of a new category, or of the parent when `merge`) or subkeys.
struct Node<'a> {
    reader: &'a mut Reader,
    parent: Option<usize>,
    name: String,
    merge: Option<usize>,
}

impl<'a> Node<'a> {
    /// The category the entries go to: the parent's own, or a new one.
    fn category(self) -> (&'a mut Reader, usize) {
        match self.merge {
            Some(p) => (self.reader, p),
            None => {
                let c = new_category(self.reader, self.name, self.parent);
                (self.reader, c)
            }
        }
    }
}

fn new_category(reader: &mut Reader, name: String, parent: Option<usize>) -> usize {
    reader.cats.push(Category {
        id: Some(name.clone()),
        name,
        parent,
        patterns: Vec::new(),
    });
    reader.cats.len() - 1
}

fn push_entry<E: de::Error>(reader: &mut Reader, c: usize, entry: &str) -> Result<(), E> {
    match to_pattern(entry, DictFormat::Yaml) {
        Ok(p) => {
            reader.cats[c].patterns.push(p);
            Ok(())
        }
        Err(e) => Err(reader.refuse(e.message, e.help)),
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a list of entries or subkeys under `{}`", self.name)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (reader, c) = self.category();
        while seq
            .next_element_seed(Entry {
                reader: &mut *reader,
                c,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let c = new_category(self.reader, self.name, self.parent);
        keys(self.reader, Some(c), map)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        let (reader, c) = self.category();
        push_entry(reader, c, v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.visit_str(&v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.visit_str(&v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.visit_str(&v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.visit_str(&v.to_string())
    }
    /// `key:` or `key: ~`: a category without entries.
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.category();
        Ok(())
    }
}

/// One entry of a list, as written (a plain `2020` is the text `2020`).
struct Entry<'a> {
    reader: &'a mut Reader,
    c: usize,
}

impl<'de> DeserializeSeed<'de> for Entry<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Entry<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an entry (text)")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        push_entry(self.reader, self.c, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_names_and_ids_as_written() {
        let cats = yaml("yes: [a]\n1: b\n'C01.01':\n  - c\nnull:\n").unwrap();
        let names: Vec<&str> = cats.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["yes", "1", "C01.01", "null"]);
        assert_eq!(cats[2].id.as_deref(), Some("C01.01"));
        assert_eq!(cats[1].patterns, ["b"]);
        assert!(cats[3].patterns.is_empty());
    }

    #[test]
    fn a_subkey_named_like_its_parent_holds_the_parents_entries() {
        let cats = yaml("trust:\n  trust: [honest*]\n  distrust: [suspicious]\n").unwrap();
        assert_eq!(cats.len(), 2);
        assert_eq!(cats[0].patterns, ["honest*"]);
        assert_eq!(cats[1].parent, Some(0));
        // Subkeys of the same name are still a category.
        let cats = yaml("a:\n  a:\n    b: [x]\n").unwrap();
        assert_eq!(cats.len(), 3);
    }

    #[test]
    fn problems_are_located() {
        let e = yaml("a:\n  - ok\nb:\n  - ':)'\n").unwrap_err();
        assert_eq!(e.line, 4, "{e:?}");
        assert!(
            e.message
                .starts_with("the entry \":)\" cannot be a pattern"),
            "{e:?}"
        );
        let e = yaml("a: [x]\nb: [y]\na: [z]\n").unwrap_err();
        assert_eq!(e.line, 3, "{e:?}");
        assert!(e.message.contains("appears twice"), "{e:?}");
        let e = yaml("- a\n- b\n").unwrap_err();
        assert!(e.message.contains("a mapping of keys"), "{e:?}");
        let e = yaml("a:\n  - [x]\n").unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
        let e = yaml("a: [x\n").unwrap_err();
        assert!(e.message.starts_with("not valid YAML"), "{e:?}");
    }
}
