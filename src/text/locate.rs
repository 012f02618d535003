//! Where a quoted text lies in a longer one: the locator imports use to find a coded segment's
//! words (copied out of another program, retyped, re-punctuated) in a transcript's source text.
//!
//! Two steps. First exactly, after normalising what copying and word processors change without
//! changing the words: runs of white space become one space, typographic quotes, dashes and the
//! ellipsis become their ASCII forms, and letters are lowercased. The normalised text keeps a map
//! back to the original's characters, so a match is reported in the original's char offsets.
//! Failing that, approximately: both texts become words (lowercased, punctuation dropped), and the
//! needle's words are aligned (Smith-Waterman over words) with windows of the haystack around
//! anchors (the needle's rarest words where they occur), a word with a small typo counting as a
//! partial match, and runs of skipped words costing little per word once opened (so a page
//! number or a repeated line inside a quoted text is bridged). The score is the aligned weight
//! over the needle's words, an extra word of the span counting a tenth: missing and misspelt
//! words lower it much, extra ones a little; below [`APPROXIMATE_THRESHOLD`] a text is "not
//! located". The span covers the aligned words, and the punctuation the needle has around
//! them. Anchoring bounds the work: the alignment only ever looks at a few windows a little
//! longer than the needle, never the whole haystack.

use std::collections::HashMap;

use memchr::memmem;

use super::distance::edit_distance;
use super::tokens::{tokenize, TokenOptions};

/// Below this score an approximate match is not accepted: a text whose words are less than
/// three quarters there (weighting a misspelt word by how close it is) is "not located". One typo
/// in every few words, or a dropped word in every ten, stays well above it; a different sentence
/// that shares some common words stays well below.
pub const APPROXIMATE_THRESHOLD: f64 = 0.75;

/// Where a text was found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Located {
    /// Char (code point) offsets into the haystack, end exclusive.
    pub start: usize,
    pub end: usize,
    /// 1.0 for an exact match; 0 to 1 for an approximate one.
    pub score: f64,
    /// Found after normalising only (white space, quotes, dashes, ellipsis, case).
    pub exact: bool,
}

/// Best place of `needle` in `haystack`: exact after normalising white space, quotes, dashes,
/// the ellipsis and case; else approximately, by a word alignment with a score; `None` when the
/// best score is below [`APPROXIMATE_THRESHOLD`]. Where several places fit equally, the one
/// nearest `near` (a char offset) wins, else the first. To search one haystack for many needles,
/// build a [`Haystack`] once.
pub fn locate(needle: &str, haystack: &str, near: Option<usize>) -> Option<Located> {
    Haystack::new(haystack).locate(needle, near)
}

/// The closest place of `needle` in `haystack` whatever its score, to report what was not
/// located; `None` only for an empty needle or haystack. With no word in common at all, an empty
/// span at 0 with score 0.
pub fn closest(needle: &str, haystack: &str) -> Option<Located> {
    Haystack::new(haystack).closest(needle)
}

/// A haystack prepared once (normalised text and its offset map, words and where each occurs)
/// for many searches.
pub struct Haystack {
    chars: Vec<char>,
    /// The normalised text, and for each of its bytes the char offset in the original it came from.
    norm: String,
    norm_map: Vec<usize>,
    /// The words: char offsets, and ids into `words`.
    spans: Vec<(usize, usize)>,
    ids: Vec<u32>,
    words: Vec<String>,
    word_ids: HashMap<String, u32>,
    /// For each word id, the positions (indexes into `ids`) where it occurs.
    postings: Vec<Vec<u32>>,
}

/// A needle's word: its text and, when the haystack has it, its id there.
struct NeedleWord {
    text: String,
    id: Option<u32>,
}

/// One alignment of the needle with a window of haystack words. Its score is the weight of the
/// aligned words (1 each, less for a typo) over the needle's words, plus a tenth for each word of
/// the span the needle lacks ([`EXTRA_WORD`]): a missing or misspelt word lowers it much, an
/// extra one (a page number, a repeated line) a little.
#[derive(Debug, Clone, Copy)]
struct Alignment {
    score: f64,
    /// The first and last aligned haystack words (indexes into the haystack's words).
    first: usize,
    last: usize,
}

const WORDS: TokenOptions = TokenOptions {
    stem: false,
    case_sensitive: false,
    language: crate::text::Language::English,
};

/// How many haystack positions of anchor words are looked at per needle: the rarest words are
/// taken first until this many positions are in, so common words cannot make the search
/// quadratic.
const ANCHOR_BUDGET: usize = 20_000;

/// How many windows (the best-anchored places) are aligned per needle.
const WINDOWS: usize = 6;

/// What aligning a word with a different one costs.
const MISMATCH: f32 = -0.7;
/// What a run of skipped words (in the needle or the haystack) costs to open, and then per word.
const GAP_OPEN: f32 = 1.0;
const GAP_EXTEND: f32 = 0.1;
/// A word of the span that the needle lacks counts this much of a needle word missing.
const EXTRA_WORD: f64 = 0.1;

impl Haystack {
    pub fn new(text: &str) -> Haystack {
        let (norm, norm_map) = normalise(text);
        let mut hay = Haystack {
            chars: text.chars().collect(),
            norm,
            norm_map,
            spans: Vec::new(),
            ids: Vec::new(),
            words: Vec::new(),
            word_ids: HashMap::new(),
            postings: Vec::new(),
        };
        for t in tokenize(text, WORDS) {
            let id = match hay.word_ids.get(&t.norm) {
                Some(&id) => id,
                None => {
                    let id = hay.words.len() as u32;
                    hay.word_ids.insert(t.norm.clone(), id);
                    hay.words.push(t.norm);
                    hay.postings.push(Vec::new());
                    id
                }
            };
            hay.postings[id as usize].push(hay.ids.len() as u32);
            hay.ids.push(id);
            hay.spans.push((t.start, t.end));
        }
        hay
    }

    /// See [`locate`].
    pub fn locate(&self, needle: &str, near: Option<usize>) -> Option<Located> {
        if let Some(found) = self.find_exact(needle, near) {
            return Some(found);
        }
        self.find_approximate(needle, near)
            .filter(|l| l.score >= APPROXIMATE_THRESHOLD)
    }

    /// See [`closest`].
    pub fn closest(&self, needle: &str) -> Option<Located> {
        if needle.trim().is_empty() || self.chars.is_empty() {
            return None;
        }
        if let Some(found) = self.find_exact(needle, None) {
            return Some(found);
        }
        Some(self.find_approximate(needle, None).unwrap_or(Located {
            start: 0,
            end: 0,
            score: 0.0,
            exact: false,
        }))
    }

    /// The normalised needle as a substring of the normalised haystack; of several, the one
    /// starting nearest `near`, else the first.
    fn find_exact(&self, needle: &str, near: Option<usize>) -> Option<Located> {
        let (n, _) = normalise(needle);
        let n = n.trim_matches(' ');
        if n.is_empty() {
            return None;
        }
        let finder = memmem::Finder::new(n.as_bytes());
        let mut best: Option<(usize, usize)> = None; // (distance to near, byte offset)
        let mut from = 0;
        while let Some(at) = finder.find(&self.norm.as_bytes()[from..]) {
            let at = from + at;
            let start = self.norm_map[at];
            let Some(target) = near else {
                best = Some((0, at));
                break;
            };
            let d = start.abs_diff(target);
            if best.is_none_or(|(b, _)| d < b) {
                best = Some((d, at));
            }
            if start > target {
                // Later matches only lie further from `near`.
                break;
            }
            from = at + self.norm[at..].chars().next().map_or(1, char::len_utf8);
        }
        best.map(|(_, at)| Located {
            start: self.norm_map[at],
            end: self.norm_map[at + n.len() - 1] + 1,
            score: 1.0,
            exact: true,
        })
    }

    /// The best word alignment of the needle with the haystack, whatever its score.
    fn find_approximate(&self, needle_text: &str, near: Option<usize>) -> Option<Located> {
        let needle: Vec<NeedleWord> = tokenize(needle_text, WORDS)
            .into_iter()
            .map(|t| NeedleWord {
                id: self.word_ids.get(&t.norm).copied(),
                text: t.norm,
            })
            .collect();
        if needle.is_empty() || self.ids.is_empty() {
            return None;
        }
        let mut best: Option<Alignment> = None;
        for (lo, hi) in self.windows(&needle) {
            let Some(a) = self.align(&needle, lo, hi) else {
                continue;
            };
            if best.is_none_or(|b| self.better(&a, &b, near)) {
                best = Some(a);
            }
        }
        let (lead, trail) = punctuation(needle_text);
        best.map(|a| Located {
            start: self.widen(self.spans[a.first].0, lead, false),
            end: self.widen(self.spans[a.last].1, trail, true),
            score: a.score,
            exact: false,
        })
    }

    /// `at` moved over up to `count` punctuation marks just after it (`forward`) or just before
    /// it, so "so." or "(yes)" keep the marks a needle quotes them with.
    fn widen(&self, mut at: usize, count: usize, forward: bool) -> usize {
        let mark = |c: char| !c.is_alphanumeric() && !c.is_whitespace();
        for _ in 0..count {
            match forward {
                true if at < self.chars.len() && mark(self.chars[at]) => at += 1,
                false if at > 0 && mark(self.chars[at - 1]) => at -= 1,
                _ => break,
            }
        }
        at
    }

    /// Whether alignment `a` beats `b`: a higher score, else the nearer to `near`, else the first.
    fn better(&self, a: &Alignment, b: &Alignment, near: Option<usize>) -> bool {
        if (a.score - b.score).abs() > 1e-9 {
            return a.score > b.score;
        }
        let (sa, sb) = (self.spans[a.first].0, self.spans[b.first].0);
        match near {
            Some(t) if sa.abs_diff(t) != sb.abs_diff(t) => sa.abs_diff(t) < sb.abs_diff(t),
            _ => sa < sb,
        }
    }

    /// Windows of haystack words (index ranges) worth aligning the needle with: where the
    /// needle's rarest words occur, voted by the diagonal (haystack position minus needle
    /// position) they imply, the best few kept and widened enough for dropped or extra words.
    fn windows(&self, needle: &[NeedleWord]) -> Vec<(usize, usize)> {
        let n = needle.len();
        let anchors = self.anchors(needle);
        let bucket = (n / 4).max(4) as isize;
        let mut votes: HashMap<isize, f64> = HashMap::new();
        for (i, postings) in anchors {
            // Rare words say more about where the needle is than common ones.
            let weight = 1.0 / (1.0 + (postings.len() as f64).ln());
            for &p in postings {
                let diagonal = p as isize - i as isize;
                *votes.entry(diagonal.div_euclid(bucket)).or_default() += weight;
            }
        }
        let mut ranked: Vec<(isize, f64)> = votes.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(WINDOWS);
        let slack = (n / 2 + 8) as isize;
        let mut windows: Vec<(usize, usize)> = ranked
            .into_iter()
            .map(|(b, _)| {
                let lo = (b * bucket - slack).max(0) as usize;
                let hi = (b * bucket + bucket + n as isize + slack).max(0) as usize;
                (lo, hi.min(self.ids.len()))
            })
            .filter(|(lo, hi)| lo < hi)
            .collect();
        windows.sort_unstable();
        // Overlapping windows become one, so no place is aligned twice.
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for w in windows {
            match merged.last_mut() {
                Some(last) if w.0 <= last.1 => last.1 = last.1.max(w.1),
                _ => merged.push(w),
            }
        }
        merged
    }

    /// The needle's anchor words (needle position, haystack positions): its words the haystack
    /// has, rarest first, until [`ANCHOR_BUDGET`] positions are in (always at least the rarest).
    /// When the haystack has none of its words, words within a typo of them instead.
    fn anchors<'a>(&'a self, needle: &[NeedleWord]) -> Vec<(usize, &'a [u32])> {
        let mut found: Vec<(usize, &[u32])> = needle
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.id.map(|id| (i, self.postings[id as usize].as_slice())))
            .collect();
        if found.is_empty() {
            found = self.fuzzy_anchors(needle);
        }
        found.sort_by_key(|(i, p)| (p.len(), *i));
        let mut total = 0;
        let mut taken = Vec::new();
        for (i, p) in found {
            if total > 0 && total + p.len() > ANCHOR_BUDGET {
                break;
            }
            total += p.len();
            taken.push((i, p));
        }
        taken
    }

    /// Anchors for a needle none of whose words the haystack has: the haystack's words within a
    /// typo of the needle's longest few (looking at a few only bounds the work).
    fn fuzzy_anchors(&self, needle: &[NeedleWord]) -> Vec<(usize, &[u32])> {
        let mut longest: Vec<usize> = (0..needle.len()).collect();
        longest.sort_by_key(|&i| (std::cmp::Reverse(needle[i].text.chars().count()), i));
        longest.truncate(8);
        let mut out = Vec::new();
        for i in longest {
            for (id, word) in self.words.iter().enumerate() {
                if similarity(&needle[i].text, word) > 0.0 {
                    out.push((i, self.postings[id].as_slice()));
                }
            }
        }
        out
    }

    /// Smith-Waterman (with Gotoh's affine gaps) of the needle's words against haystack words
    /// `lo..hi`: a word scores its similarity (1 when equal, less for a typo), a mismatch costs,
    /// and a run of skipped words costs [`GAP_OPEN`] and then a little per word, so a page
    /// footer or a repeated line inside the quoted text is bridged while scattered common words
    /// are not collected. The best local alignment is traced back and scored
    /// (see [`Alignment`]).
    fn align(&self, needle: &[NeedleWord], lo: usize, hi: usize) -> Option<Alignment> {
        let hay = &self.ids[lo..hi];
        let sims = self.similar_words(needle, hay);
        let (n, m) = (needle.len(), hay.len());
        // Per cell: bits 0-1 where the best alignment ending here comes from (0 start,
        // 1 diagonal, 2 a run of skipped haystack words, 3 of skipped needle words); bit 2 the
        // haystack run extends one (else it opens here); bit 3 likewise for the needle run.
        let mut dir = vec![0u8; n * m];
        let mut h_prev = vec![0f32; m + 1];
        let mut h_row = vec![0f32; m + 1];
        let mut f_prev = vec![f32::NEG_INFINITY; m + 1];
        let mut f_row = vec![f32::NEG_INFINITY; m + 1];
        let (mut best, mut best_at) = (0f32, None);
        for i in 0..n {
            let mut e = f32::NEG_INFINITY;
            for j in 0..m {
                let mut bits = 0u8;
                let (open, extend) = (h_row[j] - GAP_OPEN, e - GAP_EXTEND);
                e = if extend > open {
                    bits |= 4;
                    extend
                } else {
                    open
                };
                let (open, extend) = (h_prev[j + 1] - GAP_OPEN, f_prev[j + 1] - GAP_EXTEND);
                let f = if extend > open {
                    bits |= 8;
                    extend
                } else {
                    open
                };
                f_row[j + 1] = f;
                let sim = word_similarity(&needle[i], hay[j], &sims[i]);
                let diag = h_prev[j] + if sim > 0.0 { sim } else { MISMATCH };
                let (mut v, mut from) = (0f32, 0u8);
                for (cand, c) in [(diag, 1u8), (e, 2), (f, 3)] {
                    if cand > v {
                        (v, from) = (cand, c);
                    }
                }
                h_row[j + 1] = v;
                dir[i * m + j] = bits | from;
                if v > best {
                    (best, best_at) = (v, Some((i, j)));
                }
            }
            std::mem::swap(&mut h_prev, &mut h_row);
            std::mem::swap(&mut f_prev, &mut f_row);
        }
        let path = traceback(&dir, m, best_at?, |i, j| {
            word_similarity(&needle[i], hay[j], &sims[i])
        });
        let span = path.last - path.first + 1;
        let extra = (span - path.matched) as f64 * EXTRA_WORD;
        Some(Alignment {
            score: (path.weight / (n as f64 + extra)).min(1.0),
            first: lo + path.first,
            last: lo + path.last,
        })
    }

    /// For each needle word the haystack lacks, the window's words (ids) within a typo of it,
    /// with their similarity: computed once per window over distinct words, so the alignment's
    /// inner loop only compares ids. A word the haystack has is taken as meant (a typo that makes
    /// another word of the same text is rare, and looking for one would compare every word of a
    /// long needle with every word of its window).
    fn similar_words(&self, needle: &[NeedleWord], hay: &[u32]) -> Vec<Vec<(u32, f32)>> {
        let mut distinct: Vec<u32> = hay.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        let mut cache: HashMap<&str, Vec<(u32, f32)>> = HashMap::new();
        needle
            .iter()
            .map(|w| {
                if w.id.is_some() {
                    return Vec::new();
                }
                cache
                    .entry(w.text.as_str())
                    .or_insert_with(|| {
                        distinct
                            .iter()
                            .filter_map(|&id| {
                                let s = similarity(&w.text, &self.words[id as usize]);
                                (s > 0.0).then_some((id, s))
                            })
                            .collect()
                    })
                    .clone()
            })
            .collect()
    }
}

/// How many punctuation marks a text starts and ends with (white space aside).
fn punctuation(text: &str) -> (usize, usize) {
    let mark = |c: &char| !c.is_alphanumeric() && !c.is_whitespace();
    let t = text.trim();
    let lead = t.chars().take_while(mark).count();
    let trail = if lead == t.chars().count() {
        0
    } else {
        t.chars().rev().take_while(mark).count()
    };
    (lead, trail)
}

/// How alike a needle word is to a haystack word: 1 when equal; for a typo (an edit distance of
/// 1, or 2 in words of eight letters or more; words of three letters or more), one minus the
/// share of letters wrong, at least a half; else 0.
fn similarity(a: &str, b: &str) -> f32 {
    if a == b {
        return 1.0;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    let longer = la.max(lb);
    let allowed = if longer >= 8 { 2 } else { 1 };
    if la.min(lb) < 3 || la.abs_diff(lb) > allowed {
        return 0.0;
    }
    let d = edit_distance(a, b);
    if d > allowed {
        return 0.0;
    }
    (1.0 - d as f32 / longer as f32).max(0.5)
}

/// An alignment traced back: the weight of its aligned words, how many haystack words they
/// are, and the first and last of them (window positions).
struct Path {
    weight: f64,
    matched: usize,
    first: usize,
    last: usize,
}

/// Follows an alignment's directions back from its best cell `(i, j)` (see [`Haystack::align`]).
fn traceback(
    dir: &[u8],
    m: usize,
    (mut i, mut j): (usize, usize),
    sim: impl Fn(usize, usize) -> f32,
) -> Path {
    #[derive(PartialEq)]
    enum State {
        Best,
        SkipHay,
        SkipNeedle,
    }
    let mut path = Path {
        weight: 0.0,
        matched: 0,
        first: j,
        last: j,
    };
    let mut state = State::Best;
    loop {
        let d = dir[i * m + j];
        match state {
            State::Best => match d & 3 {
                1 => {
                    let s = sim(i, j);
                    if s > 0.0 {
                        path.weight += f64::from(s);
                        path.matched += 1;
                        path.first = j;
                    }
                    if i == 0 || j == 0 {
                        break;
                    }
                    (i, j) = (i - 1, j - 1);
                }
                2 => state = State::SkipHay,
                3 => state = State::SkipNeedle,
                _ => break,
            },
            State::SkipHay if j > 0 => {
                j -= 1;
                if d & 4 == 0 {
                    state = State::Best;
                }
            }
            State::SkipNeedle if i > 0 => {
                i -= 1;
                if d & 8 == 0 {
                    state = State::Best;
                }
            }
            _ => break,
        }
    }
    path
}

fn word_similarity(w: &NeedleWord, hay: u32, similar: &[(u32, f32)]) -> f32 {
    if w.id == Some(hay) {
        return 1.0;
    }
    similar
        .iter()
        .find(|(id, _)| *id == hay)
        .map_or(0.0, |(_, s)| *s)
}

/// `text` normalised for the exact search, and for each byte of the result the char offset in
/// `text` it came from: white space runs → one space; ‘’‚‛′ → '; “”„‟″ → "; ‐‑‒–—― (and the
/// minus sign) → -; … → ...; letters lowercased; soft hyphens, zero-width characters and the
/// byte order mark dropped (invisible, and copied unpredictably).
pub fn normalise(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len());
    let mut push = |out: &mut String, c: char, at: usize| {
        out.push(c);
        map.extend(std::iter::repeat_n(at, c.len_utf8()));
    };
    let mut in_space = false;
    for (at, c) in text.chars().enumerate() {
        if c.is_whitespace() {
            if !in_space {
                push(&mut out, ' ', at);
            }
            in_space = true;
            continue;
        }
        in_space = false;
        match c {
            '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
            '‘' | '’' | '‚' | '‛' | '′' => push(&mut out, '\'', at),
            '“' | '”' | '„' | '‟' | '″' => push(&mut out, '"', at),
            '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => push(&mut out, '-', at),
            '…' => {
                for _ in 0..3 {
                    push(&mut out, '.', at);
                }
            }
            c => {
                for l in c.to_lowercase() {
                    push(&mut out, l, at);
                }
            }
        }
    }
    (out, map)
}

#[cfg(test)]
mod tests;
