//! The code-text model: every codable code as a vector of the words of its own text, weighed
//! by how rare each word is in the codebook. A code's label, definition, `use_when` and
//! examples make its positive vector; its `dont_use_when` and counterexamples make a negative
//! one that counts against it. Built from the codebook alone, so a segment's scores never
//! depend on the rest of the corpus (an edited transcript re-scores only its own segments).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::codebook::{Code, Codebook};
use crate::text::tokens::{tokenize, Language, TokenOptions};

/// Bumped whenever what a model holds or how it scores changes: a cached model of another
/// version is rebuilt, and an index coded by rank is re-coded.
pub const MODEL_VERSION: u32 = 1;

/// How rare words are weighed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Idf {
    /// `ln(1 + N / df)`: every word counts, rare ones more.
    Smooth,
    /// `max(0, ln((N − df + 0.5) / (df + 0.5)))`: a word in half of the codebook's texts or
    /// more says nothing about which code applies, and counts for nothing.
    Probabilistic,
    /// As `Smooth`, with N and df counted in codes (a word is in a code when any of its texts
    /// has it) rather than in texts.
    CodesSmooth,
    /// As `Probabilistic`, counted in codes: a word in half of the codes counts for nothing.
    CodesProbabilistic,
}

/// The choices the model is built with. [`Params::default`] is the one chosen on the
/// codebook's held-out examples and the dev quotes (README, "Suggestions").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Weight of each text of a code in its vectors: every text (the label, the definition, one
    /// example) is a unit vector scaled by its field's weight, so a long definition does not
    /// drown a short label.
    pub label: f64,
    pub definition: f64,
    pub use_when: f64,
    pub example: f64,
    pub dont_use_when: f64,
    pub counterexample: f64,
    /// How much the negative vector's similarity counts against the positive one's.
    pub against: f64,
    /// Whether the warnings only take weight off words the code's own text uses (a word's
    /// weight never goes below 0), rather than also pushing the code down for words only its
    /// warnings use.
    pub clip: bool,
    /// What the code's pattern hits add: `patterns × (1 − 2^−hits)`, so a first hit adds half of
    /// it, and more hits add less and less.
    pub patterns: f64,
    pub idf: Idf,
    /// Leave out the language's function words ([`super::stopwords`]).
    pub stop_words: bool,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            label: 1.0,
            definition: 1.0,
            use_when: 1.0,
            example: 0.5,
            dont_use_when: 1.0,
            counterexample: 1.0,
            clip: true,
            against: 0.5,
            patterns: 0.3,
            idf: Idf::CodesSmooth,
            stop_words: true,
        }
    }
}

/// A code's weight for one word, with what the code's own text and its warnings gave it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Posting {
    /// Index of the code in the codebook.
    pub code: u32,
    /// The word's weight in the code's positive vector less `against` × its weight in the
    /// negative one (both unit length).
    #[serde(with = "super::bits::exact")]
    pub weight: f64,
}

/// The codebook's codes as word vectors, ready to score segments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub version: u32,
    /// The codebook the model was built from.
    pub codebook_hash: String,
    pub params: Params,
    /// The codebook's language (its code, `en`), whose stemmer reads words.
    pub language_code: String,
    #[serde(skip)]
    pub language: Language,
    /// Ids of the codebook's codes, by index (to find pattern evidence by code id).
    pub code_ids: Vec<String>,
    /// Whether each code is ranked (codable codes only).
    pub ranked: Vec<bool>,
    /// The words of the codebook, sorted; a word's index is its id.
    pub terms: Vec<String>,
    #[serde(with = "super::bits::exact_list")]
    pub idf: Vec<f64>,
    /// The weight of a word the codebook never uses (it still dilutes a segment's vector).
    #[serde(with = "super::bits::exact")]
    pub unseen_idf: f64,
    /// For each word, the codes it weighs in, by code index.
    pub postings: Vec<Vec<Posting>>,
    #[serde(skip)]
    lookup: HashMap<String, u32>,
    #[serde(skip)]
    stop: HashSet<&'static str>,
}

/// How the model reads words: lowercase, stemmed in the codebook's language, whatever the
/// codebook's own pattern options (similarity wants word families even where patterns are exact).
pub fn token_options(language: Language) -> TokenOptions {
    TokenOptions {
        stem: true,
        case_sensitive: false,
        language,
    }
}

/// The words of `text` the model counts, as stems: those with a letter in them, less `stop`.
pub fn terms(text: &str, language: Language, stop: &HashSet<&str>) -> Vec<String> {
    tokenize(text, token_options(language))
        .into_iter()
        .filter(|t| counts(&t.norm, stop))
        .map(|t| t.stem)
        .collect()
}

/// Whether the model counts a word (as normalised): it has a letter and is no stop word.
pub fn counts(norm: &str, stop: &HashSet<&str>) -> bool {
    norm.chars().any(char::is_alphabetic) && !stop.contains(norm)
}

/// The stop words a model with `params` leaves out.
fn stop_set(params: &Params, language: Language) -> HashSet<&'static str> {
    match params.stop_words {
        true => super::stopwords::stop_words(language)
            .iter()
            .copied()
            .collect(),
        false => HashSet::new(),
    }
}

/// One text of a code (its label, definition, one example, …), and whether it counts for or
/// against the code, with its field's weight.
struct Unit {
    code: usize,
    positive: bool,
    weight: f64,
    terms: Vec<String>,
}

fn units_of(index: usize, code: &Code, p: &Params, language: Language) -> Vec<Unit> {
    let stop = stop_set(p, language);
    let unit = |positive, weight, text: &str| Unit {
        code: index,
        positive,
        weight,
        terms: terms(text, language, &stop),
    };
    let mut out = vec![
        unit(true, p.label, &code.label),
        unit(true, p.definition, &code.definition),
        unit(true, p.use_when, &code.use_when),
        unit(false, p.dont_use_when, &code.dont_use_when),
    ];
    out.extend(code.examples.iter().map(|e| unit(true, p.example, e)));
    let counter = code.counterexamples.iter();
    out.extend(counter.map(|e| unit(false, p.counterexample, e)));
    out.retain(|u| !u.terms.is_empty() && u.weight > 0.0);
    out
}

/// A sparse vector over word ids, sorted by id.
type Sparse = BTreeMap<u32, f64>;

fn add_scaled(into: &mut Sparse, v: &Sparse, by: f64) {
    for (&t, &w) in v {
        *into.entry(t).or_default() += by * w;
    }
}

fn norm(v: &Sparse) -> f64 {
    v.values().map(|w| w * w).sum::<f64>().sqrt()
}

impl Model {
    /// Build the model of `codebook`'s codable codes.
    pub fn build(codebook: &Codebook, params: Params) -> Model {
        let language = codebook.options.language;
        let ranked: Vec<bool> = codebook.codes.iter().map(|c| c.codable).collect();
        let units: Vec<Unit> = codebook
            .codes
            .iter()
            .enumerate()
            .filter(|(i, _)| ranked[*i])
            .flat_map(|(i, c)| units_of(i, c, &params, language))
            .collect();
        let by_code = matches!(params.idf, Idf::CodesSmooth | Idf::CodesProbabilistic);
        // The documents words are counted in: each text, or each code's texts together.
        let mut docs: BTreeMap<(usize, usize), Vec<&str>> = BTreeMap::new();
        for (i, u) in units.iter().enumerate() {
            let doc = if by_code { (u.code, 0) } else { (u.code, i) };
            docs.entry(doc)
                .or_default()
                .extend(u.terms.iter().map(String::as_str));
        }
        let mut df: BTreeMap<&str, usize> = BTreeMap::new();
        for seen in docs.values_mut() {
            seen.sort_unstable();
            seen.dedup();
            for t in seen.iter() {
                *df.entry(t).or_default() += 1;
            }
        }
        let n = docs.len().max(1) as f64;
        let idf_of = |df: usize| idf(params.idf, n, df as f64);
        let terms: Vec<String> = df.keys().map(|t| t.to_string()).collect();
        let idf: Vec<f64> = df.values().map(|&d| idf_of(d)).collect();
        let lookup: HashMap<String, u32> = terms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        let weights = cosine_weights(codebook, &params, &units, &lookup, &idf);
        let mut postings: Vec<Vec<Posting>> = vec![Vec::new(); terms.len()];
        for (code, w) in weights.into_iter().enumerate() {
            for (t, weight) in w {
                if weight != 0.0 {
                    postings[t as usize].push(Posting {
                        code: code as u32,
                        weight,
                    });
                }
            }
        }
        Model {
            version: MODEL_VERSION,
            codebook_hash: codebook.hash.clone(),
            params,
            language_code: language.code().to_string(),
            language,
            code_ids: codebook.codes.iter().map(|c| c.id.clone()).collect(),
            ranked,
            terms,
            idf,
            unseen_idf: idf_of(1),
            postings,
            lookup,
            stop: stop_set(&params, language),
        }
    }

    /// Make the word lookup again after the model was read from a cache.
    pub fn with_lookup(mut self) -> Model {
        self.language = Language::parse(&self.language_code).unwrap_or_default();
        self.stop = stop_set(&self.params, self.language);
        self.lookup = self
            .terms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        self
    }

    /// Whether the model counts a word (as normalised).
    pub fn counts(&self, norm: &str) -> bool {
        counts(norm, &self.stop)
    }

    /// The id of a word (a stem), if the codebook uses it.
    pub fn term_id(&self, stem: &str) -> Option<u32> {
        self.lookup.get(stem).copied()
    }

    /// Whether this model was built from `codebook` with `params` by this version of qcode.
    pub fn fits(&self, codebook: &Codebook, params: &Params) -> bool {
        self.version == MODEL_VERSION
            && self.codebook_hash == codebook.hash
            && self.params == *params
            && self.language_code == codebook.options.language.code()
            && self.code_ids.len() == codebook.codes.len()
            && self.idf.len() == self.terms.len()
            && self.postings.len() == self.terms.len()
    }
}

/// Each code's weights for the cosine: its positive vector (the sum of its texts' unit vectors,
/// each scaled by its field's weight) at unit length, less `against` × its negative one.
fn cosine_weights(
    codebook: &Codebook,
    params: &Params,
    units: &[Unit],
    lookup: &HashMap<String, u32>,
    idf: &[f64],
) -> Vec<Sparse> {
    let mut pos: Vec<Sparse> = vec![Sparse::new(); codebook.codes.len()];
    let mut neg: Vec<Sparse> = vec![Sparse::new(); codebook.codes.len()];
    for u in units {
        let mut v = Sparse::new();
        for t in &u.terms {
            *v.entry(lookup[t]).or_default() += 1.0;
        }
        for (t, w) in v.iter_mut() {
            *w = (1.0 + w.ln()) * idf[*t as usize];
        }
        let len = norm(&v);
        if len > 0.0 {
            let side = if u.positive { &mut pos } else { &mut neg };
            add_scaled(&mut side[u.code], &v, u.weight / len);
        }
    }
    (0..codebook.codes.len())
        .map(|code| {
            let mut w = Sparse::new();
            let (p, q) = (norm(&pos[code]), norm(&neg[code]));
            if p > 0.0 {
                add_scaled(&mut w, &pos[code], 1.0 / p);
            }
            if q > 0.0 {
                add_scaled(&mut w, &neg[code], -params.against / q);
            }
            if params.clip {
                w.retain(|_, x| *x > 0.0);
            }
            w
        })
        .collect()
}

fn idf(kind: Idf, n: f64, df: f64) -> f64 {
    match kind {
        Idf::Smooth | Idf::CodesSmooth => (1.0 + n / df).ln(),
        Idf::Probabilistic | Idf::CodesProbabilistic => ((n - df + 0.5) / (df + 0.5)).ln().max(0.0),
    }
}
