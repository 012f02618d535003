//! The counting-dictionary matcher (`matching = "dictionary"`): every entry of every code goes
//! into one Aho-Corasick DFA, searched over the segment's bytes with overlapping matches, each
//! match then checked for word boundaries. Overlapping search, not leftmost-longest, is what
//! makes "every occurrence counts" true: a leftmost-longest match rejected mid-word would hide a
//! valid one starting inside it ("distrust issues" hides "issues").

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::error::{most_entries, CodeAt, CompileError};
use super::{Coding, Hit};
use crate::codebook::{dictionary_entry, Codebook};

/// A word character for a dictionary: ASCII letters, digits and `_`. Everything else, including
/// every non-ASCII byte, is a boundary.
#[inline]
pub fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Who counts a match of one automaton key.
#[derive(Debug, Clone, Copy)]
struct Entry {
    code: u32,
    /// Index into the code's patterns.
    pattern: u32,
    glob: bool,
}

/// A compiled counting dictionary.
#[derive(Debug, Clone)]
pub struct DictionaryMatcher {
    ac: Option<AhoCorasick>,
    /// For automaton pattern k, its entries are `entries[starts[k]..starts[k + 1]]`.
    starts: Vec<u32>,
    entries: Vec<Entry>,
    min_hits: Vec<u32>,
}

impl DictionaryMatcher {
    /// Compile `codebook`'s patterns as dictionary entries (the loader has checked them; one
    /// that does not read as an entry is skipped). Fails, naming the code with the most
    /// entries, when they do not fit in one automaton.
    pub fn new(codebook: &Codebook) -> Result<DictionaryMatcher, CompileError> {
        // Same text (case folded unless case-sensitive) → one automaton key.
        let fold = !codebook.options.case_sensitive;
        let mut keys: Vec<String> = Vec::new();
        let mut by_key: std::collections::HashMap<String, usize> = Default::default();
        let mut lists: Vec<Vec<Entry>> = Vec::new();
        for (ci, code) in codebook.codes.iter().enumerate() {
            for (pi, p) in code.patterns.iter().enumerate() {
                let Ok(e) = dictionary_entry(&p.text) else {
                    continue;
                };
                let key = if fold {
                    e.key.to_ascii_lowercase()
                } else {
                    e.key
                };
                let k = *by_key.entry(key.clone()).or_insert_with(|| {
                    keys.push(key);
                    lists.push(Vec::new());
                    lists.len() - 1
                });
                lists[k].push(Entry {
                    code: ci as u32,
                    pattern: pi as u32,
                    glob: e.glob,
                });
            }
        }
        let mut starts = vec![0u32];
        let mut entries = Vec::new();
        for l in lists {
            entries.extend(l);
            starts.push(entries.len() as u32);
        }
        // The DFA kind: about 2.5x faster here than the default contiguous NFA, and the
        // automaton of a few thousand entries stays small.
        // When even the default kind cannot hold the keys, the code with the most entries is
        // the one to split.
        let ac = (!keys.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .ascii_case_insensitive(fold)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&keys)
                    .or_else(|_| {
                        AhoCorasick::builder()
                            .match_kind(MatchKind::Standard)
                            .ascii_case_insensitive(fold)
                            .build(&keys)
                    })
            })
            .transpose()
            .map_err(|error| {
                let (code, count) = most_entries(entries.iter().map(|e| e.code));
                CompileError::Dictionary {
                    code: CodeAt::of(codebook, code),
                    count,
                    total: entries.len(),
                    error,
                }
            })?;
        Ok(DictionaryMatcher {
            ac,
            starts,
            entries,
            min_hits: codebook.codes.iter().map(|c| c.min_hits as u32).collect(),
        })
    }

    /// Call `f(code, pattern, start, end)` for every occurrence, byte offsets, in the order the
    /// automaton reports them (by end of the key).
    #[inline]
    fn each(&self, text: &str, mut f: impl FnMut(u32, u32, usize, usize)) {
        let Some(ac) = &self.ac else { return };
        let b = text.as_bytes();
        for m in ac.find_overlapping_iter(b) {
            let (s, e) = (m.start(), m.end());
            if s > 0 && is_word_byte(b[s - 1]) {
                continue;
            }
            let right_ok = e == b.len() || !is_word_byte(b[e]);
            let k = m.pattern().as_usize();
            for en in &self.entries[self.starts[k] as usize..self.starts[k + 1] as usize] {
                if en.glob {
                    let mut end = e;
                    while end < b.len() && is_word_byte(b[end]) {
                        end += 1;
                    }
                    f(en.code, en.pattern, s, end);
                } else if right_ok {
                    f(en.code, en.pattern, s, e);
                }
            }
        }
    }

    /// Add each code's number of occurrences in `text` to `counts` (indexed by code; as long
    /// as the codebook). `min_hits` is not applied: see [`Self::apply_min_hits`].
    #[inline]
    pub fn count(&self, text: &str, counts: &mut [u32]) {
        self.each(text, |code, _, _, _| counts[code as usize] += 1);
    }

    /// Zero the counts of codes below their `min_hits`.
    pub fn apply_min_hits(&self, counts: &mut [u32]) {
        for (c, m) in counts.iter_mut().zip(&self.min_hits) {
            if *c < *m {
                *c = 0;
            }
        }
    }

    /// Every occurrence as (code, pattern, start, end) in characters, sorted.
    pub fn raw_hits(&self, text: &str) -> Vec<(u32, u32, u32, u32)> {
        let mut out = Vec::new();
        self.each(text, |c, p, s, e| out.push((c, p, s as u32, e as u32)));
        if !text.is_ascii() {
            // Byte offsets to character offsets; both only grow along the text.
            let mut at = vec![0u32; text.len() + 1];
            let mut n = 0u32;
            for (i, ch) in text.char_indices() {
                for slot in &mut at[i..i + ch.len_utf8()] {
                    *slot = n;
                }
                n += 1;
            }
            at[text.len()] = n;
            for h in &mut out {
                h.2 = at[h.2 as usize];
                h.3 = at[h.3 as usize];
            }
        }
        out.sort_unstable_by_key(|&(c, p, s, e)| (c, s, e, p));
        out
    }

    /// All codings of `text`: every occurrence is a hit, overlaps included.
    pub fn code(&self, text: &str) -> Vec<Coding> {
        let mut out: Vec<Coding> = Vec::new();
        for (c, p, s, e) in self.raw_hits(text) {
            let hit = Hit {
                pattern: p,
                start: s,
                end: e,
            };
            match out.last_mut() {
                Some(last) if last.code == c => last.hits.push(hit),
                _ => out.push(Coding {
                    code: c,
                    hits: vec![hit],
                }),
            }
        }
        out.retain(|c| c.hits.len() as u32 >= self.min_hits[c.code as usize]);
        out
    }
}
