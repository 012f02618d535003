//! What a corpus file's interviews take from outside their own text: the id an interview takes
//! when no header names one (the file's name, or its path under the corpus folder when two files
//! share a name: the project decides, see `crate::project::Corpus`), attributes from the folders
//! the file lies in and from the project's case-attributes sheet ([`Cases`]), and the file's
//! sidecar header. An interview's metadata is all of these, a key set higher winning: the file's
//! header, then its sidecar, then the cases sheet, then the folders. A speaker's own attributes
//! (under `speakers:` in the header or sidecar, or a speaker's row of the cases sheet, the former
//! winning) are added to that speaker's segments, over the interview's.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use super::header::Header;
use super::Speaker;

/// Metadata keys and values.
pub type Attributes = BTreeMap<String, String>;

/// A case-attributes sheet as read (by `crate::project`): attributes by interview id, and by
/// interview id and speaker (a label as written, or a declared name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cases {
    pub interviews: HashMap<String, Attributes>,
    pub speakers: HashMap<String, BTreeMap<String, Attributes>>,
}

impl Cases {
    /// Whether the sheet says nothing at all.
    pub fn is_empty(&self) -> bool {
        self.interviews.is_empty() && self.speakers.is_empty()
    }
}

/// What the project gives one corpus file (see the module doc); the default gives nothing, and
/// the file's name is its id.
#[derive(Debug, Clone, Default)]
pub struct FileContext {
    /// The id an interview takes when neither its header nor its sidecar names one; `None`: the
    /// file's name without extension ([`name_id`]).
    pub id: Option<String>,
    /// Attributes from the folders the file lies in.
    pub folders: Attributes,
    pub cases: Arc<Cases>,
}

impl FileContext {
    /// The id an interview of the file at `path` takes when nothing names one.
    pub fn fallback_id(&self, path: &Path) -> String {
        self.id.clone().unwrap_or_else(|| name_id(path))
    }

    /// blake3 of everything this context gives the interviews `interviews`: the index keeps it
    /// per file, so a changed cases row, folder attribute or id rule re-indexes that file only.
    pub fn fingerprint(&self, interviews: &[String]) -> String {
        let cases: Vec<_> = interviews
            .iter()
            .map(|iv| (self.cases.interviews.get(iv), self.cases.speakers.get(iv)))
            .collect();
        // The bytes of `json!([id, folders, cases])`, written straight into the hash: every
        // map here is ordered, so no JSON value need be built (a search fingerprints every file).
        let mut hasher = blake3::Hasher::new();
        serde_json::to_writer(&mut hasher, &(&self.id, &self.folders, &cases))
            .expect("attributes serialise");
        hasher.finalize().to_hex().to_string()
    }
}

/// A file's name without extension as an interview id: spaces and colons (which segment ids
/// cannot hold) become hyphens.
pub fn name_id(path: &Path) -> String {
    path.file_stem()
        .map(|s| safe_id(&s.to_string_lossy()))
        .unwrap_or_else(|| "interview".into())
}

/// A file's path inside the corpus folder, without extension, as an interview id:
/// `module-1/2023-07-12` (`/` between folders whatever the system), made safe as [`name_id`].
pub fn path_id(in_corpus: &Path) -> String {
    let parts: Vec<String> = in_corpus
        .parent()
        .into_iter()
        .flat_map(|p| p.components())
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .filter(|c| !c.is_empty() && c != ".")
        .chain(std::iter::once(name_id(in_corpus)))
        .collect();
    safe_id(&parts.join("/"))
}

fn safe_id(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            ':' => '-',
            c if c.is_whitespace() => '-',
            c => c,
        })
        .collect()
}

/// All a file's interviews take from outside their text: the id when none is named, its sidecar
/// header (`Header::default()` when it has none, or when a rendering has read it already) and its
/// [`FileContext`].
#[derive(Debug, Clone, Default)]
pub struct Outside {
    pub(super) fallback_id: String,
    pub(super) sidecar: Header,
    pub(super) ctx: FileContext,
}

impl Outside {
    pub(super) fn new(path: &Path, sidecar: Header, ctx: &FileContext) -> Outside {
        Outside {
            fallback_id: ctx.fallback_id(path),
            sidecar,
            ctx: ctx.clone(),
        }
    }

    /// Only an id, as when the caller names one (the file stem of tests and fuzzing).
    pub(super) fn named(fallback_id: &str) -> Outside {
        Outside {
            fallback_id: fallback_id.to_string(),
            ..Outside::default()
        }
    }

    /// Whether it gives rows nothing beyond an id (so a table's rows need not be looked up).
    pub(super) fn gives_nothing(&self) -> bool {
        self.ctx.folders.is_empty()
            && self.ctx.cases.is_empty()
            && self.sidecar.meta.is_empty()
            && self
                .sidecar
                .speakers
                .values()
                .all(|s| s.attributes.is_empty())
    }

    /// The id of an interview no header names: the sidecar's, else the fallback.
    pub(super) fn default_id(&self) -> &str {
        self.sidecar.id.as_deref().unwrap_or(&self.fallback_id)
    }

    /// A file's own header over its sidecar's: the header's id, metadata and speakers win, a
    /// speaker's attributes key by key.
    pub(super) fn header(&self, own: Header) -> Header {
        let mut h = self.sidecar.clone();
        h.id = own.id.or(h.id);
        h.format = own.format.or(h.format);
        h.meta.extend(own.meta);
        for (label, speaker) in own.speakers {
            let merged = match h.speakers.remove(&label) {
                Some(side) => Speaker {
                    name: speaker.name.or(side.name),
                    attributes: side
                        .attributes
                        .into_iter()
                        .chain(speaker.attributes)
                        .collect(),
                    role_label: speaker.role_label,
                },
                None => speaker,
            };
            h.speakers.insert(label, merged);
        }
        h
    }

    /// Interview `id`'s metadata: the folders', then the cases sheet's, then `own` (the header's
    /// over the sidecar's), a later key winning.
    pub(super) fn interview_meta(&self, id: &str, own: &Attributes) -> Attributes {
        let mut meta = self.ctx.folders.clone();
        if let Some(row) = self.ctx.cases.interviews.get(id) {
            meta.extend(row.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        meta.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        meta
    }

    /// A speaker's own attributes in interview `id`: the cases sheet's row for its label (else
    /// for its declared name), then those `declared` with it, a later key winning.
    pub(super) fn speaker_meta(
        &self,
        id: &str,
        label: &str,
        declared: Option<&Speaker>,
    ) -> Attributes {
        let rows = self.ctx.cases.speakers.get(id);
        let name = declared.and_then(|s| s.name.as_deref());
        let row = rows.and_then(|r| r.get(label).or_else(|| name.and_then(|n| r.get(n))));
        let mut meta = row.cloned().unwrap_or_default();
        if let Some(s) = declared {
            meta.extend(s.attributes.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        meta
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_is_the_hash_of_the_json_it_always_was() {
        let mut cases = Cases::default();
        cases
            .interviews
            .insert("iv1".into(), attrs(&[("site", "north"), ("age", "40")]));
        let by_speaker = BTreeMap::from([("P1".to_string(), attrs(&[("gender", "f")]))]);
        cases.speakers.insert("iv1".into(), by_speaker);
        let ctx = FileContext {
            id: Some("a/b \"c\"".into()),
            folders: attrs(&[("module", "1"), ("day", "2")]),
            cases: Arc::new(cases),
        };
        let interviews = ["iv1".to_string(), "iv2".to_string()];
        let cases: Vec<_> = interviews
            .iter()
            .map(|iv| (ctx.cases.interviews.get(iv), ctx.cases.speakers.get(iv)))
            .collect();
        let before = serde_json::json!([ctx.id, ctx.folders, cases]).to_string();
        let expected = blake3::hash(before.as_bytes()).to_hex().to_string();
        assert_eq!(ctx.fingerprint(&interviews), expected);
        assert_eq!(FileContext::default().fingerprint(&[]), {
            let none: Vec<(Option<&Attributes>, Option<&Attributes>)> = Vec::new();
            let s = serde_json::json!([None::<String>, Attributes::new(), none]).to_string();
            blake3::hash(s.as_bytes()).to_hex().to_string()
        });
    }

    fn attrs(pairs: &[(&str, &str)]) -> Attributes {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn speaker(role: &str, name: Option<&str>, a: &[(&str, &str)]) -> Speaker {
        Speaker {
            role_label: role.into(),
            name: name.map(str::to_string),
            attributes: attrs(a),
        }
    }

    #[test]
    fn ids_from_names_and_paths_are_safe() {
        assert_eq!(name_id(Path::new("corpus/a b:c.txt")), "a-b-c");
        assert_eq!(
            path_id(Path::new("module-1/2023-07-12.txt")),
            "module-1/2023-07-12"
        );
        assert_eq!(path_id(Path::new("a b/c/d e.rst")), "a-b/c/d-e");
        assert_eq!(path_id(Path::new("x.txt")), "x");
    }

    #[test]
    fn header_beats_sidecar_beats_cases_beats_folders() {
        let mut cases = Cases::default();
        cases.interviews.insert(
            "iv".into(),
            attrs(&[("module", "sheet"), ("area", "sheet"), ("date", "sheet")]),
        );
        let ctx = FileContext {
            id: None,
            folders: attrs(&[("module", "folder"), ("folder", "m1")]),
            cases: Arc::new(cases),
        };
        let sidecar = Header {
            meta: attrs(&[("area", "sidecar"), ("date", "sidecar")]),
            ..Header::default()
        };
        let out = Outside::new(Path::new("m1/iv.txt"), sidecar, &ctx);
        let own = Header {
            meta: attrs(&[("date", "header")]),
            ..Header::default()
        };
        let h = out.header(own);
        assert_eq!(
            out.interview_meta("iv", &h.meta),
            attrs(&[
                ("area", "sidecar"),
                ("date", "header"),
                ("folder", "m1"),
                ("module", "sheet")
            ])
        );
        // Another interview gets no sheet row.
        assert_eq!(
            out.interview_meta("other", &Attributes::new())["module"],
            "folder"
        );
    }

    #[test]
    fn ids_and_speakers_merge_key_by_key() {
        let sidecar = Header {
            id: Some("side".into()),
            speakers: BTreeMap::from([(
                "P1".to_string(),
                speaker(
                    "resident",
                    Some("Dana"),
                    &[("gender", "f"), ("age", "40-49")],
                ),
            )]),
            ..Header::default()
        };
        let out = Outside::new(Path::new("a.txt"), sidecar, &FileContext::default());
        assert_eq!(out.default_id(), "side");
        let own = Header {
            speakers: BTreeMap::from([(
                "P1".to_string(),
                speaker("council officer", None, &[("age", "50-59")]),
            )]),
            ..Header::default()
        };
        let h = out.header(own);
        assert_eq!(h.id.as_deref(), Some("side"));
        let p1 = &h.speakers["P1"];
        assert_eq!(p1.role_label, "council officer");
        assert_eq!(p1.name.as_deref(), Some("Dana"));
        assert_eq!(p1.attributes, attrs(&[("age", "50-59"), ("gender", "f")]));
        let h = out.header(Header {
            id: Some("own".into()),
            ..Header::default()
        });
        assert_eq!(h.id.as_deref(), Some("own"));
        assert_eq!(Outside::named("t").default_id(), "t");
    }

    #[test]
    fn a_speakers_sheet_row_is_found_by_label_or_name_and_the_header_wins() {
        let mut cases = Cases::default();
        cases.speakers.insert(
            "iv".into(),
            BTreeMap::from([
                (
                    "P1".to_string(),
                    attrs(&[("gender", "m"), ("age", "30-39")]),
                ),
                ("Jane Smith".to_string(), attrs(&[("gender", "f")])),
            ]),
        );
        let ctx = FileContext {
            cases: Arc::new(cases),
            ..FileContext::default()
        };
        let out = Outside::new(Path::new("iv.txt"), Header::default(), &ctx);
        let declared = speaker("resident", None, &[("gender", "x")]);
        assert_eq!(
            out.speaker_meta("iv", "P1", Some(&declared)),
            attrs(&[("age", "30-39"), ("gender", "x")])
        );
        let jane = speaker("resident", Some("Jane Smith"), &[]);
        assert_eq!(
            out.speaker_meta("iv", "S2", Some(&jane)),
            attrs(&[("gender", "f")])
        );
        assert!(out.speaker_meta("other", "P1", None).is_empty());
    }

    #[test]
    fn the_fingerprint_moves_with_what_the_file_is_given() {
        let base = FileContext::default();
        let ivs = ["iv".to_string()];
        let mut cases = Cases::default();
        cases
            .interviews
            .insert("iv".into(), attrs(&[("module", "1")]));
        let with_row = FileContext {
            cases: Arc::new(cases.clone()),
            ..FileContext::default()
        };
        assert_ne!(base.fingerprint(&ivs), with_row.fingerprint(&ivs));
        // A row for another interview does not concern this file.
        assert_eq!(
            base.fingerprint(&["x".into()]),
            with_row.fingerprint(&["x".into()])
        );
        let path_id = FileContext {
            id: Some("m/iv".into()),
            ..FileContext::default()
        };
        assert_ne!(base.fingerprint(&ivs), path_id.fingerprint(&ivs));
    }
}
