//! The privacy boundary, applied where segments leave the index: every string field of every
//! segment and coding a read returns goes through one [`Mask`] (built by [`crate::privacy`]
//! from the user's choice), so exports, agreement, REFI projects, the report and the printers
//! all get masked data and none can forget a field. Text masks are a fixed token and evidence
//! offsets are moved onto the masked text, so no offset tells how long a name was.

use std::collections::{BTreeMap, HashMap};

use crate::coding::Evidence;
use crate::text::redact::Redactor;
use crate::transcript::Segment;

/// The role a speaker gets when their label or role names someone.
pub const PARTICIPANT_ROLE: (&str, &str) = ("participant", "Participant");

/// What reads mask.
#[derive(Debug, Clone, Default)]
pub struct Mask {
    pub redactor: Redactor,
    /// Interview ids shown by pseudonym (real → pseudonym).
    pub interviews: HashMap<String, String>,
    /// Speaker labels shown by pseudonym.
    pub speakers: HashMap<String, String>,
    /// Metadata keys never shown (`[privacy] private`), lower case.
    pub private: Vec<String>,
    /// Keep participants' declared names (`--with-names`): only the list and private keys apply.
    pub with_names: bool,
}

impl Mask {
    /// An id as shown: its interview part by pseudonym, anything else naming someone masked.
    pub fn id(&self, id: &str) -> String {
        if let Some(p) = self.interviews.get(id) {
            return p.clone();
        }
        if let Some((iv, rest)) = id.rsplit_once(':') {
            if let Some(p) = self.interviews.get(iv) {
                return format!("{p}:{rest}");
            }
        }
        self.mask_joined(id)
    }

    /// A label or id whose words may be joined by `-`, `_` or `.`: masked as if spaced.
    fn mask_joined(&self, s: &str) -> String {
        let spaced: String = s
            .chars()
            .map(|c| if matches!(c, '-' | '_' | '.') { ' ' } else { c })
            .collect();
        // The spaced form has the same bytes but for those separators: mask its names in `s`.
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        for (a, b) in self.redactor.find(&spaced) {
            out.push_str(&s[at..a]);
            out.push_str(crate::text::redact::MASK);
            at = b;
        }
        out.push_str(&s[at..]);
        out
    }

    /// Mask `segment` and its codings in place.
    pub fn segment(&self, s: &mut Segment, codings: &mut [Evidence]) {
        self.text_and_evidence(&mut s.text, codings);
        s.id = self.id(&s.id);
        s.interview = self.id(&s.interview);
        s.speaker = match self.speakers.get(&s.speaker) {
            Some(p) => p.clone(),
            None => self.mask_joined(&s.speaker),
        };
        if !self.with_names {
            s.speaker_name = None;
        }
        if self.mentions_joined(&s.role) || self.redactor.mentions(&s.role_label) {
            s.role = PARTICIPANT_ROLE.0.into();
            s.role_label = PARTICIPANT_ROLE.1.into();
        }
        if let Some(t) = &s.timestamp {
            s.timestamp = Some(self.redactor.apply(t));
        }
        let meta = std::mem::take(&mut s.meta);
        s.meta = self.meta(meta);
    }

    /// Metadata keys as shown: private ones left out, names masked.
    pub fn meta_keys(&self, keys: Vec<String>) -> Vec<String> {
        let mut out: Vec<String> = keys
            .into_iter()
            .filter(|k| !self.private.iter().any(|p| p.eq_ignore_ascii_case(k)))
            .map(|k| self.redactor.apply(&k))
            .collect();
        out.dedup();
        out
    }

    /// Metadata without private keys, keys and values masked.
    pub fn meta(&self, meta: BTreeMap<String, String>) -> BTreeMap<String, String> {
        meta.into_iter()
            .filter(|(k, _)| !self.private.iter().any(|p| p.eq_ignore_ascii_case(k)))
            .map(|(k, v)| (self.redactor.apply(&k), self.redactor.apply(&v)))
            .collect()
    }

    fn mentions_joined(&self, s: &str) -> bool {
        self.mask_joined(s) != s
    }

    /// Mask `text`; each hit (char offsets into it) moves onto the masked text, its words
    /// taken from there.
    fn text_and_evidence(&self, text: &mut String, codings: &mut [Evidence]) {
        let hits: Vec<(usize, usize)> = codings
            .iter()
            .flat_map(|e| &e.hits)
            .map(|h| (h.start as usize, h.end as usize))
            .collect();
        if self.redactor.is_empty() || !self.redactor.mentions(text) {
            for h in codings.iter_mut().flat_map(|e| e.hits.iter_mut()) {
                h.text = self.redactor.apply(&h.text);
            }
            return;
        }
        // Char offsets → bytes, moved, → chars in the masked text.
        let byte_of: Vec<usize> = text
            .char_indices()
            .map(|(b, _)| b)
            .chain(std::iter::once(text.len()))
            .collect();
        let at = |c: usize| byte_of[c.min(byte_of.len() - 1)];
        let bytes: Vec<(usize, usize)> = hits.iter().map(|&(s, e)| (at(s), at(e))).collect();
        let (masked, moved) = self.redactor.apply_moving_each(text, &bytes);
        let char_at = |b: usize| masked[..b].chars().count() as u32;
        let mut i = 0;
        for ev in codings.iter_mut() {
            for h in &mut ev.hits {
                let (s, e) = moved[i];
                h.start = char_at(s);
                h.end = char_at(e);
                h.text = masked[s..e].to_string();
                i += 1;
            }
        }
        *text = masked;
    }
}

impl super::SearchIndex {
    /// Mask every read from now on (the privacy boundary; see [`Mask`]).
    pub fn set_mask(&mut self, mask: Mask) {
        self.mask = Some(mask);
    }

    pub fn mask(&self) -> Option<&Mask> {
        self.mask.as_ref()
    }

    /// The corpus's metadata keys as reads show them (private ones left out, names masked):
    /// the `meta:` columns of exports.
    pub fn shown_meta_keys(&self) -> Vec<String> {
        let keys = self.manifest.meta_keys();
        match &self.mask {
            Some(m) => m.meta_keys(keys),
            None => keys,
        }
    }

    /// Those of `words` (lower case, one word each) that the corpus writes in lower case
    /// somewhere: ordinary words, not only names. Looked for in at most `docs` segments each.
    pub fn lowercase_words(
        &self,
        words: &[String],
        docs: usize,
    ) -> Result<std::collections::HashSet<String>, super::IndexError> {
        use tantivy::collector::TopDocs;
        use tantivy::query::TermQuery;
        use tantivy::schema::IndexRecordOption;
        use tantivy::{TantivyDocument, Term};
        let searcher = self.reader.searcher();
        let mut out = std::collections::HashSet::new();
        // A command builds its redactor more than once (the boundary, then a printer's second
        // net): each word is looked up once.
        let mut known = self.lowercase.lock().unwrap_or_else(|e| e.into_inner());
        for w in words {
            if let Some(&ordinary) = known.get(w) {
                if ordinary {
                    out.insert(w.clone());
                }
                continue;
            }
            known.insert(w.clone(), false);
            let q = TermQuery::new(
                Term::from_field_text(self.fields.text_raw, w),
                IndexRecordOption::Basic,
            );
            let top = searcher
                .search(&q, &TopDocs::with_limit(docs.max(1)).order_by_score())
                .map_err(|e| super::IndexError::tantivy(self.dir(), e))?;
            for (_, addr) in top {
                let doc: TantivyDocument = searcher
                    .doc(addr)
                    .map_err(|e| super::IndexError::tantivy(self.dir(), e))?;
                let text = self.fields.segment(&doc).text;
                if has_lowercase_word(&text, w) {
                    out.insert(w.clone());
                    known.insert(w.clone(), true);
                    break;
                }
            }
        }
        Ok(out)
    }

    /// `segment` and its codings as they may leave the index.
    pub(super) fn masked(&self, segment: &mut Segment, codings: &mut [Evidence]) {
        if let Some(m) = &self.mask {
            m.segment(segment, codings);
        }
    }
}

/// Whether `text` has `word` written in lower case as a whole word.
fn has_lowercase_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, m)| {
        // `o'brien` is not the word `brien`; `brien's` is.
        let before = text[..i].chars().next_back();
        let after = text[i + m.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '\'' | '’'))
            && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::EvidenceHit;

    fn mask() -> Mask {
        Mask {
            redactor: Redactor::new("", &["Dana Whitfield".into()]).unwrap(),
            interviews: [("dana-whitfield".to_string(), "case-01".to_string())].into(),
            speakers: [("Dana (she/her)".to_string(), "speaker-01".to_string())].into(),
            private: vec!["notes".into()],
            with_names: false,
        }
    }

    #[test]
    fn every_field_of_a_segment_is_masked() {
        let mut s = Segment::for_test(
            "dana-whitfield:2.1",
            "dana-whitfield",
            "Then Dana Whitfield listened to us.",
        );
        s.speaker = "Dana (she/her)".into();
        s.speaker_name = Some("Dana Whitfield".into());
        s.role = "dana".into();
        s.role_label = "Dana".into();
        s.meta = [
            ("notes".to_string(), "call with Dana".to_string()),
            ("area".to_string(), "Whitfield estate".to_string()),
        ]
        .into();
        let mut ev = vec![Evidence {
            code: "dialogue".into(),
            hits: vec![EvidenceHit {
                pattern: "listen".into(),
                start: 20,
                end: 28,
                text: "listened".into(),
            }],
            coder: String::new(),
        }];
        mask().segment(&mut s, &mut ev);
        assert_eq!(s.id, "case-01:2.1");
        assert_eq!(s.interview, "case-01");
        assert_eq!(s.speaker, "speaker-01");
        assert_eq!(s.speaker_name, None);
        assert_eq!((s.role.as_str(), s.role_label.as_str()), PARTICIPANT_ROLE);
        assert_eq!(s.text, "Then [REDACTED] listened to us.");
        assert_eq!(s.meta.len(), 1);
        assert_eq!(s.meta["area"], "[REDACTED] estate");
        let h = &ev[0].hits[0];
        let chars: Vec<char> = s.text.chars().collect();
        assert_eq!(
            chars[h.start as usize..h.end as usize]
                .iter()
                .collect::<String>(),
            "listened"
        );
        assert_eq!(h.text, "listened");
    }

    #[test]
    fn an_unmapped_id_naming_someone_is_masked() {
        assert_eq!(mask().id("whitfield-notes:1.1"), "[REDACTED]-notes:1.1");
        assert_eq!(mask().id("northmoor-01:1.1"), "northmoor-01:1.1");
    }
}
