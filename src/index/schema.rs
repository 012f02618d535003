//! The tantivy schema: one document per segment. Text is indexed twice: stemmed (in the
//! codebook's language) for
//! word and phrase search, and lowercased but unstemmed for prefixes (a prefix like `abili*` meets
//! nothing in a stemmed field). Filters (role, speaker, interview, metadata) are raw terms.

use std::collections::{BTreeMap, BTreeSet};

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::TantivyDocument;

use crate::codebook::Codebook;
use crate::coding::Evidence;
use crate::roles::normalise_label;
use crate::transcript::Segment;

/// Bump when the schema or what goes into it changes (how files are cut into segments included):
/// older indexes are rebuilt.
/// 5: tantivy without zstd, which format 4 may have used in string fast-field dictionaries; and
/// the segments of one table reader, reading modes, lines that are not speech and the
/// configured interviewer (all landed with it, so one rebuild covers them).
/// 6: the stemmed field stems in the codebook's language (tokenizer `qcode_stem`).
/// 7: the manifest lists each file's speaker labels (pseudonyms for labels naming someone).
/// 8: role labels meet roles forgivingly (normalised, glob and regex aliases, a default role),
/// so the role ids stored for the same labels change.
/// 9: ids and attributes: files that share a name take path ids, metadata from folders, the
/// cases sheet, sidecars of every format and speakers' own attributes; the manifest keeps what
/// each file was given (`FileEntry::context`).
/// 10: the interviewer flag is a fast field too: a search passes over the interviewer's turns
/// by their column, not by seeking their postings.
pub const SCHEMA_VERSION: u32 = 10;

/// Tokenizer names: the stemmed one is registered with the codebook's language
/// ([`register_tokenizers`]) wherever the index is opened; `default` is tantivy's.
pub const STEMMED: &str = "qcode_stem";
pub const UNSTEMMED: &str = "default";

/// Register the stemmed tokenizer in `language` on `index`: tantivy's `en_stem` chain (simple
/// tokenizer, long words dropped, lowercased) with that language's Snowball stemmer, the one the
/// codebook's patterns stem with, so search and coding agree.
pub fn register_tokenizers(index: &tantivy::Index, language: crate::text::Language) {
    use crate::text::Language as Q;
    use tantivy::tokenizer::{
        Language as L, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
    };
    let lang = match language {
        Q::Arabic => L::Arabic,
        Q::Danish => L::Danish,
        Q::Dutch => L::Dutch,
        Q::English => L::English,
        Q::Finnish => L::Finnish,
        Q::French => L::French,
        Q::German => L::German,
        Q::Greek => L::Greek,
        Q::Hungarian => L::Hungarian,
        Q::Italian => L::Italian,
        Q::Norwegian => L::Norwegian,
        Q::Portuguese => L::Portuguese,
        Q::Romanian => L::Romanian,
        Q::Russian => L::Russian,
        Q::Spanish => L::Spanish,
        Q::Swedish => L::Swedish,
        Q::Tamil => L::Tamil,
        Q::Turkish => L::Turkish,
    };
    let analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(Stemmer::new(lang))
        .build();
    index.tokenizers().register(STEMMED, analyzer);
}

#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub seg_id: Field,
    pub file: Field,
    pub interview: Field,
    pub turn: Field,
    pub paragraph: Field,
    pub speaker: Field,
    pub speaker_key: Field,
    /// Stored only (never indexed): shown by exports with --with-names, used for redaction.
    pub speaker_name: Field,
    pub role: Field,
    pub role_label: Field,
    pub interviewer: Field,
    pub timestamp: Field,
    pub start: Field,
    pub end: Field,
    pub text: Field,
    pub text_raw: Field,
    pub meta: Field,
    pub meta_json: Field,
    pub rank: Field,
    /// Codes applied to the segment and all their ancestors (so a parent finds its children's).
    pub code: Field,
    /// Dimensions of the codes applied.
    pub dimension: Field,
    /// How many codes were applied directly (0: uncoded).
    pub n_codes: Field,
    /// The codings with their evidence, as JSON.
    pub codings: Field,
}

pub fn build_schema() -> Schema {
    let mut b = Schema::builder();
    let text_opts = |tokenizer: &str, stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored {
            o.set_stored()
        } else {
            o
        }
    };
    b.add_text_field("seg_id", STRING | STORED);
    b.add_text_field("file", STRING | STORED);
    b.add_text_field("interview", STRING | STORED | FAST);
    b.add_u64_field("turn", INDEXED | STORED | FAST);
    b.add_u64_field("paragraph", STORED | FAST);
    b.add_text_field("speaker", STORED);
    b.add_text_field("speaker_key", STRING);
    b.add_text_field("speaker_name", STORED);
    b.add_text_field("role", STRING | STORED | FAST);
    b.add_text_field("role_label", STORED);
    b.add_u64_field("interviewer", INDEXED | STORED | FAST);
    b.add_text_field("timestamp", STORED);
    b.add_u64_field("start", STORED);
    b.add_u64_field("end", STORED);
    b.add_text_field("text", text_opts(STEMMED, true));
    b.add_text_field("text_raw", text_opts(UNSTEMMED, false));
    b.add_text_field("meta", STRING);
    b.add_text_field("meta_json", STORED);
    b.add_u64_field("rank", FAST);
    b.add_text_field("code", STRING);
    b.add_text_field("dimension", STRING);
    b.add_u64_field("n_codes", INDEXED | FAST | STORED);
    b.add_text_field("codings", STORED);
    b.build()
}

impl Fields {
    pub fn new(schema: &Schema) -> Fields {
        let f = |name: &str| schema.get_field(name).expect("field in schema");
        Fields {
            seg_id: f("seg_id"),
            file: f("file"),
            interview: f("interview"),
            turn: f("turn"),
            paragraph: f("paragraph"),
            speaker: f("speaker"),
            speaker_key: f("speaker_key"),
            speaker_name: f("speaker_name"),
            role: f("role"),
            role_label: f("role_label"),
            interviewer: f("interviewer"),
            timestamp: f("timestamp"),
            start: f("start"),
            end: f("end"),
            text: f("text"),
            text_raw: f("text_raw"),
            meta: f("meta"),
            meta_json: f("meta_json"),
            rank: f("rank"),
            code: f("code"),
            dimension: f("dimension"),
            n_codes: f("n_codes"),
            codings: f("codings"),
        }
    }

    /// The document for one segment of the file `file`, with its codings.
    pub fn document(
        &self,
        file: &str,
        s: &Segment,
        codings: &[Evidence],
        codebook: &Codebook,
    ) -> TantivyDocument {
        let mut d = TantivyDocument::default();
        d.add_text(self.seg_id, &s.id);
        d.add_text(self.file, file);
        d.add_text(self.interview, &s.interview);
        d.add_u64(self.turn, s.turn as u64);
        d.add_u64(self.paragraph, s.paragraph as u64);
        d.add_text(self.speaker, &s.speaker);
        d.add_text(self.speaker_key, normalise_label(&s.speaker));
        if let Some(n) = &s.speaker_name {
            d.add_text(self.speaker_name, n);
        }
        d.add_text(self.role, &s.role);
        d.add_text(self.role_label, &s.role_label);
        d.add_u64(self.interviewer, s.interviewer as u64);
        if let Some(ts) = &s.timestamp {
            d.add_text(self.timestamp, ts);
        }
        d.add_u64(self.start, s.start as u64);
        d.add_u64(self.end, s.end as u64);
        d.add_text(self.text, &s.text);
        d.add_text(self.text_raw, &s.text);
        for (k, v) in &s.meta {
            d.add_text(self.meta, meta_term(k, v));
        }
        d.add_text(
            self.meta_json,
            serde_json::to_string(&s.meta).unwrap_or_default(),
        );
        d.add_u64(self.rank, rank(&s.id));
        let mut codes = BTreeSet::new();
        let mut dims = BTreeSet::new();
        for c in codings {
            codes.extend(codebook.ancestors_and_self(&c.code));
            if let Some(code) = codebook.code(&c.code) {
                dims.insert(code.dimension.clone());
            }
        }
        for c in &codes {
            d.add_text(self.code, c);
        }
        for dim in &dims {
            d.add_text(self.dimension, dim);
        }
        d.add_u64(self.n_codes, codings.len() as u64);
        d.add_text(
            self.codings,
            serde_json::to_string(codings).unwrap_or_default(),
        );
        d
    }

    /// The codings stored with a segment.
    pub fn codings(&self, d: &TantivyDocument) -> Vec<Evidence> {
        d.get_first(self.codings)
            .and_then(|v| v.as_str())
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default()
    }

    /// The codings stored with a segment, each hit counted but its pattern and words left empty.
    pub fn codings_counted(&self, d: &TantivyDocument) -> Vec<Evidence> {
        #[derive(serde::Deserialize)]
        struct Counted {
            code: String,
            hits: Vec<serde::de::IgnoredAny>,
        }
        let parsed: Vec<Counted> = d
            .get_first(self.codings)
            .and_then(|v| v.as_str())
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        parsed
            .into_iter()
            .map(|c| Evidence {
                code: c.code,
                hits: vec![crate::coding::EvidenceHit::default(); c.hits.len()],
                coder: String::new(),
            })
            .collect()
    }

    /// Rebuild a segment from its stored document.
    pub fn segment(&self, d: &TantivyDocument) -> Segment {
        self.segment_with(d, true)
    }

    /// Rebuild a segment, with its text or with an empty one.
    pub fn segment_with(&self, d: &TantivyDocument, with_text: bool) -> Segment {
        let text = |f: Field| {
            d.get_first(f)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let num = |f: Field| d.get_first(f).and_then(|v| v.as_u64()).unwrap_or(0);
        let meta: BTreeMap<String, String> =
            serde_json::from_str(&text(self.meta_json)).unwrap_or_default();
        Segment {
            id: text(self.seg_id),
            interview: text(self.interview),
            turn: num(self.turn) as u32,
            paragraph: num(self.paragraph) as u32,
            speaker: text(self.speaker),
            speaker_name: d
                .get_first(self.speaker_name)
                .and_then(|v| v.as_str())
                .map(str::to_string),
            role: text(self.role),
            role_label: text(self.role_label),
            interviewer: num(self.interviewer) == 1,
            timestamp: d
                .get_first(self.timestamp)
                .and_then(|v| v.as_str())
                .map(str::to_string),
            start: num(self.start) as usize,
            end: num(self.end) as usize,
            text: if with_text {
                text(self.text)
            } else {
                String::new()
            },
            meta,
        }
    }
}

/// The indexed form of a metadata pair, matched case-insensitively by `--where key=value`.
pub fn meta_term(key: &str, value: &str) -> String {
    format!(
        "{}={}",
        key.trim().to_lowercase(),
        value.trim().to_lowercase()
    )
}

/// A tie-breaker for equal scores that does not depend on how tantivy laid out its segments.
fn rank(seg_id: &str) -> u64 {
    let h = blake3::hash(seg_id.as_bytes());
    u64::from_le_bytes(h.as_bytes()[..8].try_into().expect("8 bytes"))
}
