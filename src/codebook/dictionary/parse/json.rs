//! JSON: `{"codes": [{"id", "name", "parent", "patterns": [...]}]}`, the shape of the benchmark
//! codebooks and of simple dictionary exports. Read twice: first the ids and parents of all
//! codes, then each code through serde visitors that know them all, so that a repeated id, an id
//! the codebook already has, an unknown parent, a cycle of parents or a bad entry is reported
//! where it is written (a parent may come after its child, so one pass cannot tell).

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{to_pattern, Category, DictError, DictFormat};
use crate::codebook::dictionary::Taken;

#[derive(serde::Deserialize)]
struct Heads {
    codes: Vec<Head>,
}

#[derive(serde::Deserialize)]
struct Head {
    id: String,
    parent: Option<String>,
}

/// What the second reading knows (every id and parent), has read, and stopped at.
struct Reader<'a> {
    heads: &'a [Head],
    /// Each id's first code.
    first: HashMap<&'a str, usize>,
    taken: &'a Taken,
    cats: Vec<Category>,
    problem: Option<(String, String)>,
}

impl Reader<'_> {
    fn refuse<E: de::Error>(&mut self, message: String, help: &str) -> E {
        let e = E::custom(&message);
        self.problem = Some((message, help.to_string()));
        e
    }

    /// The parent code of code `k`, when it is in the file.
    fn parent_of(&self, k: usize) -> Option<usize> {
        let p = self.heads[k].parent.as_deref()?;
        self.first.get(p).copied()
    }

    /// The codes from `k` up its parents back to `k`, when they form a cycle.
    fn cycle_from(&self, k: usize) -> Option<Vec<usize>> {
        let mut chain = vec![k];
        let mut cur = k;
        while let Some(next) = self.parent_of(cur) {
            if next == k {
                chain.push(k);
                return Some(chain);
            }
            if chain.contains(&next) {
                return None; // a cycle not through k: reported at its own codes
            }
            chain.push(next);
            cur = next;
        }
        None
    }
}

pub(super) fn json(text: &str, taken: &Taken) -> Result<Vec<Category>, DictError> {
    let not_json =
        |e: serde_json::Error| DictError::new(e.line(), format!("not a JSON codebook: {e}"));
    let heads: Heads = serde_json::from_str(text).map_err(not_json)?;
    let mut first = HashMap::new();
    for (k, h) in heads.codes.iter().enumerate() {
        first.entry(h.id.as_str()).or_insert(k);
    }
    let mut reader = Reader {
        heads: &heads.codes,
        first,
        taken,
        cats: Vec::new(),
        problem: None,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    match File(&mut reader).deserialize(&mut de) {
        Ok(()) => Ok(reader.cats),
        Err(e) => Err(match reader.problem {
            Some((message, help)) => DictError {
                line: e.line(),
                message,
                help: Some(help),
            },
            None => not_json(e),
        }),
    }
}

/// The document: `codes` and keys we do not read.
struct File<'r, 'a>(&'r mut Reader<'a>);

impl<'de> DeserializeSeed<'de> for File<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for File<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with a list of codes")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "codes" {
                map.next_value_seed(Codes(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Codes<'r, 'a>(&'r mut Reader<'a>);

impl<'de> DeserializeSeed<'de> for Codes<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Codes<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of codes")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut k = 0;
        while seq
            .next_element_seed(Code {
                reader: &mut *self.0,
                k,
            })?
            .is_some()
        {
            k += 1;
        }
        Ok(())
    }
}

/// Code number `k` of the list.
struct Code<'r, 'a> {
    reader: &'r mut Reader<'a>,
    k: usize,
}

impl<'de> DeserializeSeed<'de> for Code<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Code<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a code: {\"id\", \"name\", \"parent\", \"patterns\"}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (reader, k) = (self.reader, self.k);
        let mut name: Option<String> = None;
        let mut patterns = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "id" => map.next_value_seed(IdOf {
                    reader: &mut *reader,
                    k,
                })?,
                "parent" => map.next_value_seed(ParentOf {
                    reader: &mut *reader,
                    k,
                })?,
                "patterns" => patterns = map.next_value_seed(Patterns(&mut *reader))?,
                "name" => name = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let head = &reader.heads[k];
        let cat = Category {
            id: Some(head.id.clone()),
            name: name.unwrap_or_else(|| head.id.clone()),
            parent: reader.parent_of(k),
            patterns,
        };
        reader.cats.push(cat);
        Ok(())
    }
}

/// The id of code `k`, checked against all the codes (and the codebook's) when it is read.
struct IdOf<'r, 'a> {
    reader: &'r mut Reader<'a>,
    k: usize,
}

/// The parent of code `k`, checked against all the codes when it is read.
struct ParentOf<'r, 'a> {
    reader: &'r mut Reader<'a>,
    k: usize,
}

impl<'de> DeserializeSeed<'de> for IdOf<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for IdOf<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an id (text)")
    }
    fn visit_str<E: de::Error>(self, id: &str) -> Result<(), E> {
        let IdOf { reader, k } = self;
        if reader.first.get(id).is_some_and(|&first| first < k) {
            return Err(reader.refuse(
                format!("code `{id}` is already defined earlier in this file"),
                "code ids must be unique",
            ));
        }
        if let Some(at) = reader.taken.get(id) {
            return Err(reader.refuse(
                format!("code `{id}` is already defined in {at}"),
                "code ids must be unique across the codebook: import into another folder with -o, or rename one of them",
            ));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for ParentOf<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ParentOf<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a parent id (text) or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
    fn visit_str<E: de::Error>(self, parent: &str) -> Result<(), E> {
        let ParentOf { reader, k } = self;
        let id = reader.heads[k].id.clone();
        if !reader.first.contains_key(parent) {
            return Err(reader.refuse(
                format!("code `{id}` has an unknown parent `{parent}`"),
                "the parent must be the id of another code in the file",
            ));
        }
        if let Some(chain) = reader.cycle_from(k) {
            let ids: Vec<&str> = chain.iter().map(|&i| reader.heads[i].id.as_str()).collect();
            return Err(reader.refuse(
                format!("codes form a cycle of parents: {}", ids.join(" → ")),
                "a code cannot be its own ancestor; remove one `parent`",
            ));
        }
        Ok(())
    }
}

/// A code's entries, each a pattern or a located refusal.
struct Patterns<'r, 'a>(&'r mut Reader<'a>);

impl<'de> DeserializeSeed<'de> for Patterns<'_, '_> {
    type Value = Vec<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<String>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Patterns<'_, '_> {
    type Value = Vec<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        let mut out = Vec::new();
        while let Some(entry) = seq.next_element::<String>()? {
            match to_pattern(&entry, DictFormat::Json) {
                Ok(p) => out.push(p),
                Err(e) => return Err(self.0.refuse(e.message, &e.help)),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> DictError {
        json(text, &Taken::new()).unwrap_err()
    }

    #[test]
    fn ids_parents_and_patterns() {
        let cats = json(
            r#"{"codes": [{"id": "T.2", "parent": "T.1", "patterns": ["lack of trust"]},
                          {"id": "T.1", "name": "Trust", "patterns": ["trust*"], "x": 1}]}"#,
            &Taken::new(),
        )
        .unwrap();
        assert_eq!(cats[0].parent, Some(1), "a parent after its child");
        assert_eq!(cats[0].name, "T.2");
        assert_eq!(cats[0].patterns, ["\"lack of trust\""]);
        assert_eq!(cats[1].name, "Trust");
    }

    #[test]
    fn every_problem_is_reported_where_it_is_written() {
        let e = err("{\"codes\": [\n{\"id\": \"a\"},\n{\"id\": \"a\"}]}");
        assert_eq!(e.line, 3, "{e:?}");
        assert!(e.message.contains("already defined earlier"), "{e:?}");

        let e = err("{\"codes\": [\n{\"id\": \"a\",\n \"parent\": \"b\"}]}");
        assert_eq!(e.line, 3, "{e:?}");
        assert!(e.message.contains("unknown parent `b`"), "{e:?}");

        let e = err("{\"codes\": [{\"id\": \"a\", \"parent\": \"b\"},\n{\"id\": \"b\",\n \"parent\": \"a\"}]}");
        assert_eq!(e.line, 1, "reported at the first code of the cycle: {e:?}");
        assert!(e.message.contains("cycle of parents: a → b → a"), "{e:?}");
        let e = err("{\"codes\": [\n{\"id\": \"a\", \"parent\": \"a\"}]}");
        assert!(e.message.contains("a → a"), "{e:?}");

        let taken = Taken::from([("a".to_string(), "codebook/x.toml:3".to_string())]);
        let e = json("{\"codes\": [\n{\"id\": \"a\"}]}", &taken).unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
        assert!(
            e.message.contains("already defined in codebook/x.toml:3"),
            "{e:?}"
        );

        let e = err("{\"codes\": [{\"ids\": \"a\"}]}");
        assert!(
            e.message
                .starts_with("not a JSON codebook: missing field `id`"),
            "{e:?}"
        );
        assert_eq!(e.help, None);
    }
}
