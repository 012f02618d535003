//! The fast matcher. Compiling the codebook gives every distinct word element an id: plain words
//! go in a hash map (by stem or normalised form), `prefix*` globs in a map keyed by prefix, other
//! globs in one RegexSet, regex patterns in another. Coding a segment tokenizes it once, looks up
//! each token's elements, and only then visits the rules that start with an element present, so
//! the work grows with the hits, not with the size of the codebook.

use std::collections::HashMap;

use regex::{Regex, RegexSet};

use super::error::{regex_set, CompileError, Part, GLOB_SET_LIMIT, REGEX_SET_LIMIT};
use super::{Coding, Hit};
use crate::codebook::{Codebook, Elem, PatternKind};
use crate::text::tokens::{tokenize, Token, TokenOptions};

type ElemId = u32;

#[derive(Debug, Clone)]
enum RuleKind {
    Seq(Vec<ElemId>),
    Near {
        left: Vec<ElemId>,
        right: Vec<ElemId>,
        within: usize,
    },
    Regex,
}

#[derive(Debug, Clone)]
struct Rule {
    code: u32,
    /// Index into the code's patterns, or its exclude list when `exclude`.
    pattern: u32,
    exclude: bool,
    kind: RuleKind,
}

/// A codebook with `matching = "rules"`, compiled.
#[derive(Debug, Clone)]
pub struct RuleMatcher {
    opts: TokenOptions,
    rules: Vec<Rule>,
    words: HashMap<String, ElemId>,
    prefixes: HashMap<String, ElemId>,
    /// Distinct prefix lengths, in characters.
    prefix_lens: Vec<usize>,
    globs: RegexSet,
    glob_ids: Vec<ElemId>,
    any_word: Option<ElemId>,
    /// For each element, the rules in which it starts a sequence (either side of a NEAR).
    by_first: Vec<Vec<u32>>,
    regexes: RegexSet,
    regex_list: Vec<(u32, Regex)>,
    min_hits: Vec<usize>,
}

#[derive(Default)]
struct Builder {
    ids: HashMap<Elem, ElemId>,
    elems: Vec<Elem>,
    /// For each element, the first code that uses it: the one a compile error names.
    first_code: Vec<u32>,
}

impl Builder {
    fn id(&mut self, e: &Elem, code: u32) -> ElemId {
        if let Some(&id) = self.ids.get(e) {
            return id;
        }
        let id = self.elems.len() as ElemId;
        self.ids.insert(e.clone(), id);
        self.elems.push(e.clone());
        self.first_code.push(code);
        id
    }
    fn seq(&mut self, es: &[Elem], code: u32) -> Vec<ElemId> {
        es.iter().map(|e| self.id(e, code)).collect()
    }
}

/// `abc*` with no other wildcard: the common case, served by a hash lookup.
fn simple_prefix(glob: &str) -> Option<&str> {
    let p = glob.strip_suffix('*')?;
    (!p.is_empty() && !p.contains(['*', '?'])).then_some(p)
}

fn glob_regex(glob: &str) -> String {
    let mut re = String::from("^");
    for c in glob.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    re
}

/// One rule per pattern and exclusion of every code, its words given element ids by `b`; the
/// regex patterns, by rule index, beside.
fn compile_rules(codebook: &Codebook, b: &mut Builder) -> (Vec<Rule>, Vec<(u32, Regex)>) {
    let mut rules = Vec::new();
    let mut regex_src = Vec::new();
    for (ci, code) in codebook.codes.iter().enumerate() {
        let ci = ci as u32;
        let lists = [(false, &code.patterns), (true, &code.exclude)];
        for (exclude, list) in lists {
            for (pi, p) in list.iter().enumerate() {
                let kind = match &p.kind {
                    PatternKind::Seq(es) => RuleKind::Seq(b.seq(es, ci)),
                    PatternKind::Near {
                        left,
                        right,
                        within,
                    } => RuleKind::Near {
                        left: b.seq(left, ci),
                        right: b.seq(right, ci),
                        within: *within,
                    },
                    PatternKind::Regex(re) => {
                        regex_src.push((rules.len() as u32, re.clone()));
                        RuleKind::Regex
                    }
                };
                rules.push(Rule {
                    code: ci,
                    pattern: pi as u32,
                    exclude,
                    kind,
                });
            }
        }
    }
    (rules, regex_src)
}

/// For each of `elems` elements, the rules in which it starts a sequence.
fn rules_by_first(rules: &[Rule], elems: usize) -> Vec<Vec<u32>> {
    let mut by_first = vec![Vec::new(); elems];
    for (ri, r) in rules.iter().enumerate() {
        // A sequence with no word (possible only in a codebook built in memory) never fires,
        // rather than failing here or when coding.
        let firsts = match &r.kind {
            RuleKind::Seq(s) => s.first().into_iter().copied().collect(),
            RuleKind::Near { left, right, .. } => match (left.first(), right.first()) {
                (Some(&l), Some(&r)) => vec![l, r],
                _ => vec![],
            },
            RuleKind::Regex => vec![],
        };
        for f in firsts {
            if !by_first[f as usize].contains(&(ri as u32)) {
                by_first[f as usize].push(ri as u32);
            }
        }
    }
    by_first
}

impl RuleMatcher {
    /// Compile `codebook`; fails, naming a code, when its regexes or globs together are more
    /// than the matcher's sets may hold.
    pub fn new(codebook: &Codebook) -> Result<RuleMatcher, CompileError> {
        let mut b = Builder::default();
        let (rules, regex_src) = compile_rules(codebook, &mut b);
        let mut words = HashMap::new();
        let mut prefixes = HashMap::new();
        let mut glob_src = Vec::new();
        let mut glob_ids = Vec::new();
        let mut any_word = None;
        for (id, e) in b.elems.iter().enumerate() {
            let id = id as ElemId;
            match e {
                Elem::Word(w) => {
                    words.insert(w.clone(), id);
                }
                Elem::Glob(g) if g.chars().all(|c| c == '*') => any_word = Some(id),
                Elem::Glob(g) => match simple_prefix(g) {
                    Some(p) => {
                        prefixes.insert(p.to_string(), id);
                    }
                    None => {
                        glob_src.push((b.first_code[id as usize], glob_regex(g)));
                        glob_ids.push(id);
                    }
                },
            }
        }
        let mut prefix_lens: Vec<usize> = prefixes.keys().map(|p| p.chars().count()).collect();
        prefix_lens.sort_unstable();
        prefix_lens.dedup();
        // Each glob and regex was checked when the codebook loaded; only their sum can fail.
        let globs = regex_set(codebook, Part::Globs, &glob_src, GLOB_SET_LIMIT)?;
        let regex_codes: Vec<(u32, String)> = regex_src
            .iter()
            .map(|(r, re)| (rules[*r as usize].code, re.as_str().to_string()))
            .collect();
        let regexes = regex_set(codebook, Part::Regexes, &regex_codes, REGEX_SET_LIMIT)?;
        Ok(RuleMatcher {
            opts: codebook.options,
            by_first: rules_by_first(&rules, b.elems.len()),
            rules,
            words,
            prefixes,
            prefix_lens,
            globs,
            glob_ids,
            any_word,
            regexes,
            regex_list: regex_src,
            min_hits: codebook.codes.iter().map(|c| c.min_hits).collect(),
        })
    }

    /// The elements each token matches, as a compressed row list: elems[starts[i]..starts[i+1]].
    fn token_elems(&self, tokens: &[Token]) -> (Vec<u32>, Vec<ElemId>) {
        let mut starts = Vec::with_capacity(tokens.len() + 1);
        let mut elems = Vec::new();
        for t in tokens {
            starts.push(elems.len() as u32);
            let key = if self.opts.stem { &t.stem } else { &t.norm };
            if let Some(&id) = self.words.get(key) {
                elems.push(id);
            }
            if !self.prefix_lens.is_empty() {
                let bounds: Vec<usize> = t
                    .norm
                    .char_indices()
                    .map(|(b, _)| b)
                    .skip(1)
                    .chain([t.norm.len()])
                    .collect();
                for &len in &self.prefix_lens {
                    match bounds.get(len - 1) {
                        Some(&b) => {
                            if let Some(&id) = self.prefixes.get(&t.norm[..b]) {
                                elems.push(id);
                            }
                        }
                        None => break,
                    }
                }
            }
            if !self.glob_ids.is_empty() {
                for i in self.globs.matches(&t.norm).iter() {
                    elems.push(self.glob_ids[i]);
                }
            }
            if let Some(id) = self.any_word {
                elems.push(id);
            }
        }
        starts.push(elems.len() as u32);
        (starts, elems)
    }

    /// All codings of one text (a segment), by code index, hits in text order.
    pub fn code(&self, text: &str) -> Vec<Coding> {
        resolve(self.raw_hits(text), &self.min_hits)
    }

    /// Every pattern match before exclusions, overlaps and `min_hits` are applied, as
    /// (code, is an exclusion, pattern index, start, end): what `codebook check` counts.
    pub fn raw_hits(&self, text: &str) -> Vec<(u32, bool, u32, u32, u32)> {
        let tokens = tokenize(text, self.opts);
        let (starts, elems) = self.token_elems(&tokens);
        let seen = Seen::new(&tokens, starts, elems);
        let mut found: Vec<(u32, bool, u32, u32, u32)> = Vec::new();
        self.word_hits(&seen, &mut found);
        self.regex_hits(text, &mut found);
        found
    }

    /// The hits of the word rules (sequences and NEARs) that can fire: those starting with an
    /// element some token has. Spans in characters.
    fn word_hits(&self, seen: &Seen<'_>, found: &mut Vec<(u32, bool, u32, u32, u32)>) {
        let mut candidates: Vec<u32> = Vec::new();
        for e in seen.at.keys() {
            candidates.extend_from_slice(&self.by_first[*e as usize]);
        }
        candidates.sort_unstable();
        candidates.dedup();
        for r in candidates {
            let rule = &self.rules[r as usize];
            match &rule.kind {
                RuleKind::Seq(seq) => {
                    for (s, e) in seen.occurrences(seq) {
                        let (a, b) = seen.span(s, e);
                        found.push((rule.code, rule.exclude, rule.pattern, a, b));
                    }
                }
                RuleKind::Near {
                    left,
                    right,
                    within,
                } => {
                    let pairs =
                        near_pairs(&seen.occurrences(left), &seen.occurrences(right), *within);
                    for (s, e) in pairs {
                        let (a, b) = seen.span(s, e);
                        found.push((rule.code, rule.exclude, rule.pattern, a, b));
                    }
                }
                RuleKind::Regex => {}
            }
        }
    }

    /// The hits of the regex rules, found over the raw text; empty matches are not hits.
    fn regex_hits(&self, text: &str, found: &mut Vec<(u32, bool, u32, u32, u32)>) {
        if self.regex_list.is_empty() {
            return;
        }
        let matched = self.regexes.matches(text);
        if !matched.matched_any() {
            return;
        }
        let char_at = byte_to_char(text);
        for i in matched.iter() {
            let (r, re) = &self.regex_list[i];
            let rule = &self.rules[*r as usize];
            for m in re.find_iter(text) {
                if m.start() < m.end() {
                    found.push((
                        rule.code,
                        rule.exclude,
                        rule.pattern,
                        char_at(m.start()),
                        char_at(m.end()),
                    ));
                }
            }
        }
    }
}

/// One text's tokens, the elements each matches (a compressed row list, as
/// [`RuleMatcher::token_elems`] gives it) and where each element occurs: what the word rules are
/// tried against.
struct Seen<'t> {
    tokens: &'t [Token],
    starts: Vec<u32>,
    elems: Vec<ElemId>,
    /// Where each element occurs, so a sequence is tried only where its first word is.
    at: HashMap<ElemId, Vec<u32>>,
}

impl<'t> Seen<'t> {
    fn new(tokens: &'t [Token], starts: Vec<u32>, elems: Vec<ElemId>) -> Self {
        let mut at: HashMap<ElemId, Vec<u32>> = HashMap::new();
        for i in 0..tokens.len() {
            for &e in &elems[starts[i] as usize..starts[i + 1] as usize] {
                at.entry(e).or_default().push(i as u32);
            }
        }
        Seen {
            tokens,
            starts,
            elems,
            at,
        }
    }

    /// Does token `i` match element `e`?
    fn has(&self, i: usize, e: ElemId) -> bool {
        self.elems[self.starts[i] as usize..self.starts[i + 1] as usize].contains(&e)
    }

    /// Does the sequence match the tokens from `i` on?
    fn seq_at(&self, i: usize, seq: &[ElemId]) -> bool {
        i + seq.len() <= self.tokens.len()
            && seq.iter().enumerate().all(|(k, &e)| self.has(i + k, e))
    }

    /// Every match of the sequence, as token ranges, in text order.
    fn occurrences(&self, seq: &[ElemId]) -> Vec<(usize, usize)> {
        self.at
            .get(&seq[0])
            .map(|ps| {
                ps.iter()
                    .map(|&i| i as usize)
                    .filter(|&i| self.seq_at(i, seq))
                    .map(|i| (i, i + seq.len()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Tokens `s..e` as a span in characters.
    fn span(&self, s: usize, e: usize) -> (u32, u32) {
        (self.tokens[s].start as u32, self.tokens[e - 1].end as u32)
    }
}

/// Pair occurrences of the two sides of a NEAR rule: going through all occurrences in text
/// order, each not yet used is paired with the nearest unused occurrence of the other side that
/// starts after it ends, with at most `within` words between; the hit spans both.
pub(super) fn near_pairs(
    left: &[(usize, usize)],
    right: &[(usize, usize)],
    within: usize,
) -> Vec<(usize, usize)> {
    let mut all: Vec<(usize, usize, bool, usize)> = left
        .iter()
        .enumerate()
        .map(|(i, &(s, e))| (s, e, false, i))
        .chain(right.iter().enumerate().map(|(i, &(s, e))| (s, e, true, i)))
        .collect();
    all.sort_unstable();
    // Each side in text order, with the next unused occurrence found by a binary search and a
    // skip over used ones: repetitive text ("trust council trust council …") has thousands of
    // occurrences a side, and comparing every pair was quadratic.
    let mut sides = [Side::new(left), Side::new(right)];
    let mut out = Vec::new();
    for &(s, _, is_right, i) in &all {
        let (me, other) = if is_right { (1, 0) } else { (0, 1) };
        if sides[me].is_used(i) {
            continue;
        }
        let e = sides[me].occ[i].1;
        if let Some(j) = sides[other].first_unused_from(e, within) {
            let oe = sides[other].occ[j].1;
            sides[me].mark(i);
            sides[other].mark(j);
            out.push((s, oe));
        }
    }
    out.sort_unstable();
    out
}

/// One side's occurrences of a NEAR rule, ordered by (start, end, index), with which are used.
struct Side<'a> {
    occ: &'a [(usize, usize)],
    /// Indices into `occ`, in order.
    order: Vec<usize>,
    /// Where each index is in `order`.
    rank: Vec<usize>,
    /// The first unused place at or after each place of `order` (path-halved as it is read);
    /// `order.len()` when there is none.
    next: Vec<usize>,
}

impl<'a> Side<'a> {
    fn new(occ: &'a [(usize, usize)]) -> Side<'a> {
        let mut order: Vec<usize> = (0..occ.len()).collect();
        order.sort_unstable_by_key(|&j| (occ[j].0, occ[j].1, j));
        let mut rank = vec![0; occ.len()];
        for (k, &j) in order.iter().enumerate() {
            rank[j] = k;
        }
        Side {
            occ,
            order,
            rank,
            next: (0..=occ.len()).collect(),
        }
    }

    fn find(&mut self, mut k: usize) -> usize {
        while self.next[k] != k {
            self.next[k] = self.next[self.next[k]];
            k = self.next[k];
        }
        k
    }

    fn is_used(&mut self, j: usize) -> bool {
        let k = self.rank[j];
        self.find(k) != k
    }

    fn mark(&mut self, j: usize) {
        let k = self.rank[j];
        self.next[k] = k + 1;
    }

    /// The first unused occurrence starting at `from` or later, at most `within` words on.
    fn first_unused_from(&mut self, from: usize, within: usize) -> Option<usize> {
        let at = self.order.partition_point(|&j| self.occ[j].0 < from);
        let k = self.find(at);
        let j = *self.order.get(k)?;
        (self.occ[j].0 - from <= within).then_some(j)
    }
}

/// A byte offset of `text` as a character offset: counted on from the offset asked for last
/// (hits come in text order), so many hits cost one pass over the text, not one pass each.
fn byte_to_char(text: &str) -> impl Fn(usize) -> u32 + '_ {
    let last = std::cell::Cell::new((0usize, 0u32));
    move |b: usize| {
        let (lb, lc) = last.get();
        let (from, count) = if b >= lb { (lb, lc) } else { (0, 0) };
        let c = count + text[from..b].chars().count() as u32;
        last.set((b, c));
        c
    }
}

/// Turn raw hits into codings: drop hits overlapping an exclusion of the same code; within a
/// code, keep the leftmost-longest of overlapping hits (ties: the earlier pattern); apply
/// `min_hits`.
pub(super) fn resolve(
    mut found: Vec<(u32, bool, u32, u32, u32)>,
    min_hits: &[usize],
) -> Vec<Coding> {
    found.sort_unstable_by_key(|&(code, excl, pat, s, e)| {
        (code, !excl, s, std::cmp::Reverse(e - s), pat)
    });
    let mut out = Vec::new();
    let mut i = 0;
    while i < found.len() {
        let code = found[i].0;
        let mut excl: Vec<(u32, u32)> = Vec::new();
        let mut hits: Vec<Hit> = Vec::new();
        let mut kept_end = 0u32;
        while i < found.len() && found[i].0 == code {
            let (_, is_excl, pat, s, e) = found[i];
            if is_excl {
                excl.push((s, e));
            } else if !excl.iter().any(|&(xs, xe)| xs < e && s < xe)
                && (hits.is_empty() || s >= kept_end)
            {
                hits.push(Hit {
                    pattern: pat,
                    start: s,
                    end: e,
                });
                kept_end = kept_end.max(e);
            }
            i += 1;
        }
        if !hits.is_empty() && hits.len() >= min_hits[code as usize] {
            out.push(Coding { code, hits });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pairing as first written, comparing every pair: what [`near_pairs`] must give.
    fn pairs_by_scan(
        left: &[(usize, usize)],
        right: &[(usize, usize)],
        within: usize,
    ) -> Vec<(usize, usize)> {
        let mut all: Vec<(usize, usize, bool, usize)> = left
            .iter()
            .enumerate()
            .map(|(i, &(s, e))| (s, e, false, i))
            .chain(right.iter().enumerate().map(|(i, &(s, e))| (s, e, true, i)))
            .collect();
        all.sort_unstable();
        let (mut used_l, mut used_r) = (vec![false; left.len()], vec![false; right.len()]);
        let mut out = Vec::new();
        for &(s, e, is_right, i) in &all {
            if (is_right && used_r[i]) || (!is_right && used_l[i]) {
                continue;
            }
            let (other, used_other) = if is_right {
                (left, &used_l)
            } else {
                (right, &used_r)
            };
            let best = other
                .iter()
                .enumerate()
                .filter(|&(j, &(os, _))| !used_other[j] && os >= e && os - e <= within)
                .min_by_key(|&(j, &(os, oe))| (os, oe, j));
            if let Some((j, &(_, oe))) = best {
                if is_right {
                    used_r[i] = true;
                    used_l[j] = true;
                } else {
                    used_l[i] = true;
                    used_r[j] = true;
                }
                out.push((s, oe));
            }
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn near_pairs_agree_with_the_scan_and_stay_fast_on_repetitive_text() {
        // Every pattern of words in a small text: occurrences of one and two words.
        let mut seed = 7u64;
        let mut rand = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        for _ in 0..500 {
            let side = |r: &mut dyn FnMut(usize) -> usize, len: usize| {
                let mut v: Vec<(usize, usize)> =
                    (0..r(12)).map(|_| r(30)).map(|s| (s, s + len)).collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            let (ll, rl) = (1 + rand(2), 1 + rand(2));
            let left = side(&mut rand, ll);
            let right = side(&mut rand, rl);
            let within = rand(6);
            assert_eq!(
                near_pairs(&left, &right, within),
                pairs_by_scan(&left, &right, within),
                "{left:?} {right:?} {within}"
            );
        }
        // "trust council" 100,000 times: the scan compared 10^10 pairs.
        let left: Vec<_> = (0..100_000).map(|i| (2 * i, 2 * i + 1)).collect();
        let right: Vec<_> = (0..100_000).map(|i| (2 * i + 1, 2 * i + 2)).collect();
        assert_eq!(near_pairs(&left, &right, 3).len(), 100_000);
    }

    #[test]
    fn byte_offsets_become_character_offsets_in_any_order() {
        let text = "çé a ü b";
        let at = byte_to_char(text);
        for b in [0, 2, 4, 5, 11, 4, 0, 9] {
            assert_eq!(at(b), text[..b].chars().count() as u32, "byte {b}");
        }
    }
}
