//! What a learned model reads in a segment: TF-IDF over its words (as written, lowercase), their
//! stems and pairs of neighbouring stems (bigrams), each segment's vector at unit length. The
//! vocabulary and its weights come from the training segments alone, so a model never depends
//! on interviews the coder did not code.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::suggest::bits::exact_list;
use crate::suggest::model::token_options;
use crate::suggest::stopwords::stop_words;
use crate::text::tokens::{tokenize, Language};

/// Which features are read, and which are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureParams {
    /// Words as written (lowercase): `highlighting`.
    pub words: bool,
    /// Their stems: `highlight~`, so `highlighted` and `highlighting` share one.
    pub stems: bool,
    /// Pairs of neighbouring stems: `was useful` (stop words included: `i like` says much).
    pub bigrams: bool,
    /// Leave the language's function words out of words and stems.
    pub stop_words: bool,
    /// A feature must occur in at least this many training segments: one seen once says
    /// more about that segment than about any code.
    pub min_df: usize,
    /// Also the stems of the question the segment answers (the interviewer's turn before it),
    /// as features of their own (`asked: highlight~`): interviews follow a guide, and what was
    /// asked says much about what an answer is coded.
    #[serde(default)]
    pub question: bool,
}

impl Default for FeatureParams {
    fn default() -> FeatureParams {
        FeatureParams {
            words: true,
            stems: true,
            bigrams: true,
            stop_words: true,
            min_df: 2,
            question: true,
        }
    }
}

/// One feature of a text: its key in the vocabulary and how a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    pub key: String,
    pub shown: String,
}

/// The features of `text`, in the order they occur (a feature may recur).
pub fn features(text: &str, language: Language, p: &FeatureParams) -> Vec<Feature> {
    let stop: HashSet<&str> = match p.stop_words {
        true => stop_words(language).iter().copied().collect(),
        false => HashSet::new(),
    };
    let tokens: Vec<_> = tokenize(text, token_options(language))
        .into_iter()
        .filter(|t| t.norm.chars().any(char::is_alphanumeric))
        .collect();
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let content = t.norm.chars().any(char::is_alphabetic) && !stop.contains(t.norm.as_str());
        if content && p.words {
            out.push(feature(format!("w:{}", t.norm), t.norm.clone()));
        }
        if content && p.stems {
            out.push(feature(format!("s:{}", t.stem), format!("{}~", t.stem)));
        }
        if p.bigrams && i > 0 {
            let prev = &tokens[i - 1];
            out.push(feature(
                format!("b:{} {}", prev.stem, t.stem),
                format!("{} {}", prev.norm, t.norm),
            ));
        }
    }
    out
}

/// The features of the question a segment answers: its content words' stems.
pub fn question_features(question: &str, language: Language, p: &FeatureParams) -> Vec<Feature> {
    if !p.question {
        return Vec::new();
    }
    let stems = FeatureParams {
        words: false,
        stems: true,
        bigrams: false,
        stop_words: true,
        ..*p
    };
    features(question, language, &stems)
        .into_iter()
        .map(|f| feature(format!("q:{}", f.key), format!("asked: {}", f.shown)))
        .collect()
}

/// Each segment's question: the text of the last interviewer turn before it in its interview
/// (empty for interviewer turns and before the first question). `segments` are in transcript
/// order.
pub fn questions(segments: &[crate::transcript::Segment]) -> Vec<String> {
    let mut out = Vec::with_capacity(segments.len());
    let mut asked = String::new();
    let mut at: Option<(&str, u32)> = None;
    for (i, s) in segments.iter().enumerate() {
        let new_interview = i == 0 || segments[i - 1].interview != s.interview;
        if new_interview {
            asked.clear();
        }
        if s.interviewer {
            // Paragraphs of one turn make one question.
            if at != Some((s.interview.as_str(), s.turn)) {
                asked.clear();
            }
            if !asked.is_empty() {
                asked.push('\n');
            }
            asked.push_str(&s.text);
            at = Some((s.interview.as_str(), s.turn));
            out.push(String::new());
        } else {
            out.push(asked.clone());
        }
    }
    out
}

fn feature(key: String, shown: String) -> Feature {
    Feature { key, shown }
}

/// A sparse vector: (feature id, weight), sorted by id.
pub type Sparse = Vec<(u32, f64)>;

/// The features the training segments share, with how rare each is among them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vocabulary {
    pub params: FeatureParams,
    pub language_code: String,
    /// Feature keys, sorted; a key's index is its id.
    pub keys: Vec<String>,
    /// `ln((1 + N) / (1 + df)) + 1`: a feature in every segment still counts a little.
    #[serde(with = "exact_list")]
    pub idf: Vec<f64>,
    #[serde(skip)]
    lookup: HashMap<String, u32>,
    #[serde(skip)]
    language: Language,
}

impl Vocabulary {
    /// The vocabulary of `texts` (the training segments, each with its question).
    pub fn build(texts: &[(&str, &str)], language: Language, params: FeatureParams) -> Vocabulary {
        let mut df: BTreeMap<String, usize> = BTreeMap::new();
        for (text, question) in texts {
            let mut keys: Vec<String> = features(text, language, &params)
                .into_iter()
                .chain(question_features(question, language, &params))
                .map(|f| f.key)
                .collect();
            keys.sort_unstable();
            keys.dedup();
            for k in keys {
                *df.entry(k).or_default() += 1;
            }
        }
        df.retain(|_, d| *d >= params.min_df.max(1));
        let n = texts.len() as f64;
        let idf = df
            .values()
            .map(|&d| ((1.0 + n) / (1.0 + d as f64)).ln() + 1.0)
            .collect();
        Vocabulary {
            params,
            language_code: language.code().to_string(),
            keys: df.into_keys().collect(),
            idf,
            lookup: HashMap::new(),
            language,
        }
        .with_lookup()
    }

    /// Make the key lookup again (after reading a cached model).
    pub fn with_lookup(mut self) -> Vocabulary {
        self.language = Language::parse(&self.language_code).unwrap_or_default();
        self.lookup = self
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), i as u32))
            .collect();
        self
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// `text`, answering `question`, as a unit TF-IDF vector (`(1 + ln tf) × idf`), with how
    /// each feature was first written, by id. Features the vocabulary lacks are left out.
    pub fn vector(&self, text: &str, question: &str) -> (Sparse, HashMap<u32, String>) {
        let mut tf: BTreeMap<u32, u32> = BTreeMap::new();
        let mut shown: HashMap<u32, String> = HashMap::new();
        let asked = question_features(question, self.language, &self.params);
        for f in features(text, self.language, &self.params)
            .into_iter()
            .chain(asked)
        {
            if let Some(&id) = self.lookup.get(&f.key) {
                *tf.entry(id).or_default() += 1;
                shown.entry(id).or_insert(f.shown);
            }
        }
        let mut v: Sparse = tf
            .into_iter()
            .map(|(id, n)| (id, (1.0 + f64::from(n).ln()) * self.idf[id as usize]))
            .collect();
        let len = v.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
        if len > 0.0 {
            v.iter_mut().for_each(|(_, w)| *w /= len);
        }
        (v, shown)
    }
}

/// The dot product of two sparse vectors (the cosine, for unit ones).
pub fn dot(a: &Sparse, b: &Sparse) -> f64 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_stems_and_bigrams_are_read() {
        let f = features(
            "Highlighting was useful",
            Language::English,
            &FeatureParams::default(),
        );
        let keys: Vec<&str> = f.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "w:highlighting",
                "s:highlight",
                "b:highlight was",
                "w:useful",
                "s:use",
                "b:was use",
            ]
        );
        assert_eq!(f[1].shown, "highlight~");
        assert_eq!(f[5].shown, "was useful");
    }

    #[test]
    fn vectors_are_unit_and_rare_features_weigh_more() {
        let texts = [
            ("we like the ranking", ""),
            ("we like the filters", ""),
            ("the ranking helps", ""),
        ];
        let p = FeatureParams {
            min_df: 1,
            ..FeatureParams::default()
        };
        let v = Vocabulary::build(&texts, Language::English, p);
        let (x, shown) = v.vector("we like the ranking", "");
        let len: f64 = x.iter().map(|(_, w)| w * w).sum();
        assert!((len - 1.0).abs() < 1e-12);
        let id = |k: &str| v.keys.iter().position(|x| x == k).unwrap() as u32;
        assert_eq!(shown[&id("w:ranking")], "ranking");
        // `like` is in two segments, `ranking help` in one.
        assert!(v.idf[id("b:rank help") as usize] > v.idf[id("w:like") as usize]);
        assert!((dot(&x, &x) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn features_seen_once_are_dropped_by_min_df() {
        let v = Vocabulary::build(
            &[
                ("ranking helps", "Useful?"),
                ("ranking hurts", "Was it useful?"),
            ],
            Language::English,
            FeatureParams::default(),
        );
        assert_eq!(v.keys, ["q:s:use", "s:rank", "w:ranking"]);
        let (x, shown) = v.vector("the ranking", "How useful was it?");
        assert_eq!(x.len(), 3);
        assert_eq!(shown[&0], "asked: use~");
    }
}
