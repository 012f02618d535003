//! The fast matcher. Compiling the codebook gives every distinct word element an id: plain words
//! go in a hash map (by stem or normalised form), `prefix*` globs in a map keyed by prefix, other
//! globs in one RegexSet, regex patterns in another. Coding a segment splits it into words once
//! (an ASCII fast path, the full Unicode rules only where the text needs them) and looks each
//! word up in a per-thread cache of the elements it matches: a word is stemmed and matched
//! against the maps once per thread, not once per occurrence. Only words that match something
//! are kept, indexed by element; each rule is tried only where its anchor (its rarest-looking
//! word) occurs, so the work grows with the hits, not with the size of the codebook or text.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use regex::{Regex, RegexSet};

use super::error::{regex_set, CompileError, Part, GLOB_SET_LIMIT, REGEX_SET_LIMIT};
use super::prefilter::Prefilter;
use super::word_table::WordTable;
use super::{Coding, Hit};
use crate::codebook::{Codebook, Elem, PatternKind};
use crate::text::tokens::{for_each_word, normalise_into, stem, TokenOptions};

type ElemId = u32;

#[derive(Debug, Clone)]
enum RuleKind {
    Seq(Anchored),
    Near {
        left: Anchored,
        right: Anchored,
        within: usize,
    },
    Regex,
}

/// A sequence of elements and the one it is looked for by: its rarest, by a guess made when
/// compiling (the longest word), so that a phrase like "the credit" is tried where "credit"
/// is, not at every "the".
#[derive(Debug, Clone)]
struct Anchored {
    elems: Vec<ElemId>,
    anchor: usize,
}

impl Anchored {
    fn new(elems: Vec<ElemId>, all: &[Elem]) -> Anchored {
        let anchor = (0..elems.len())
            .rev()
            .max_by_key(|&k| rarity(&all[elems[k] as usize]))
            .unwrap_or(0);
        Anchored { elems, anchor }
    }

    fn anchor_elem(&self) -> Option<ElemId> {
        self.elems.get(self.anchor).copied()
    }
}

/// How rare an element's words are likely to be: longer words are rarer; a glob matches more
/// words than its letters alone would; `*` matches every word.
fn rarity(e: &Elem) -> usize {
    match e {
        Elem::Word(w) => 2 * w.chars().count(),
        Elem::Glob(g) => {
            (2 * g.chars().filter(|&c| c != '*' && c != '?').count()).saturating_sub(1)
        }
    }
}

/// A phrase (a sequence of two words or more) as tried from its anchor's places: first by the
/// one word beside the anchor it needs (the word before when the anchor is not the phrase's
/// first, else the word after), and in full only where that word is there. Nearly every try
/// of a phrase fails (on the benchmark corpus 3,680 hits in 3 million tries, most of them
/// phrases anchored on a common word), and this is the cheap way to fail.
#[derive(Debug, Clone, Copy)]
struct PhraseTry {
    rule: u32,
    before: bool,
    next: ElemId,
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
    /// For each element, the rules anchored on it (see [`Anchored`]), but phrases.
    by_anchor: Vec<Vec<u32>>,
    /// For each element, the phrases anchored on it (see [`PhraseTry`]).
    phrases: Vec<Vec<PhraseTry>>,
    is_anchor: Vec<bool>,
    regexes: RegexSet,
    regex_list: Vec<(u32, Regex)>,
    min_hits: Vec<usize>,
    /// Asked before the word cache: plain ASCII words it rules out match nothing.
    prefilter: Option<Prefilter>,
    /// Names this compilation to the per-thread [`WordCache`]; a clone shares it, rightly, since
    /// it matches the same words.
    id: u64,
}

/// Ids for [`RuleMatcher::id`].
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

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
    fn anchored(&mut self, es: &[Elem], code: u32) -> Anchored {
        let ids = es.iter().map(|e| self.id(e, code)).collect();
        Anchored::new(ids, &self.elems)
    }
}

/// The [`Prefilter`] of a codebook's words, glob prefixes and other globs; none if its stemmer
/// is not one the filter knows, or a glob starts with a wildcard (it may match any word).
fn prefilter<'a>(
    opts: TokenOptions,
    words: impl Iterator<Item = &'a String>,
    prefixes: impl Iterator<Item = &'a String>,
    globs: impl Iterator<Item = &'a str>,
) -> Option<Prefilter> {
    let mut f = Prefilter::empty();
    for w in words {
        match opts.stem {
            true => f.add_stem(w, opts.language).then_some(())?,
            false => f.add_word(w),
        }
    }
    prefixes.for_each(|p| f.add_glob_prefix(p));
    for g in globs {
        // A glob matches only words that begin with its letters before the first wildcard.
        let literal = &g[..g.find(['*', '?']).unwrap_or(g.len())];
        (!literal.is_empty()).then_some(())?;
        f.add_glob_prefix(literal);
    }
    Some(f)
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
                    PatternKind::Seq(es) => RuleKind::Seq(b.anchored(es, ci)),
                    PatternKind::Near {
                        left,
                        right,
                        within,
                    } => RuleKind::Near {
                        left: b.anchored(left, ci),
                        right: b.anchored(right, ci),
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

/// For each of `elems` elements, the rules anchored on it (a NEAR rule on the rarer of its
/// sides' anchors: both sides must occur), phrases apart (see [`PhraseTry`]); and which elements
/// anchor some sequence, the only ones whose places in a text are looked up.
struct ByAnchor {
    rules: Vec<Vec<u32>>,
    phrases: Vec<Vec<PhraseTry>>,
    is_anchor: Vec<bool>,
}

/// The [`ByAnchor`] of `rules`, whose elements are `elems`.
fn rules_by_anchor(rules: &[Rule], elems: &[Elem]) -> ByAnchor {
    let mut by = ByAnchor {
        rules: vec![Vec::new(); elems.len()],
        phrases: vec![Vec::new(); elems.len()],
        is_anchor: vec![false; elems.len()],
    };
    for (ri, r) in rules.iter().enumerate() {
        // A sequence with no word (possible only in a codebook built in memory) never fires,
        // rather than failing here or when coding.
        let anchor = match &r.kind {
            RuleKind::Seq(s) => s.anchor_elem(),
            RuleKind::Near { left, right, .. } => match (left.anchor_elem(), right.anchor_elem()) {
                (Some(l), Some(r)) => {
                    by.is_anchor[l as usize] = true;
                    by.is_anchor[r as usize] = true;
                    let rare = |e: ElemId| rarity(&elems[e as usize]);
                    Some(if rare(r) > rare(l) { r } else { l })
                }
                _ => None,
            },
            RuleKind::Regex => None,
        };
        let Some(a) = anchor else { continue };
        by.is_anchor[a as usize] = true;
        match &r.kind {
            // A phrase anchored on `*` (all its words `*`) is tried at every word, as a rule.
            RuleKind::Seq(s) if s.elems.len() > 1 && !matches_every_word(&elems[a as usize]) => {
                let before = s.anchor > 0;
                let next = s.elems[if before { s.anchor - 1 } else { 1 }];
                by.phrases[a as usize].push(PhraseTry {
                    rule: ri as u32,
                    before,
                    next,
                });
            }
            _ => by.rules[a as usize].push(ri as u32),
        }
    }
    by
}

/// `*`, `**`: the element every word matches.
fn matches_every_word(e: &Elem) -> bool {
    matches!(e, Elem::Glob(g) if g.chars().all(|c| c == '*'))
}

impl RuleMatcher {
    /// Compile `codebook`; fails, naming a code, when its regexes or globs together are more
    /// than the matcher's sets may hold.
    pub fn new(codebook: &Codebook) -> Result<RuleMatcher, CompileError> {
        let mut b = Builder::default();
        let (rules, regex_src) = compile_rules(codebook, &mut b);
        let by = rules_by_anchor(&rules, &b.elems);
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
                e if matches_every_word(e) => any_word = Some(id),
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
        let globs_of = glob_ids.iter().map(|&id| match &b.elems[id as usize] {
            Elem::Glob(g) => g.as_str(),
            Elem::Word(w) => w.as_str(),
        });
        let prefilter = match any_word {
            None => prefilter(codebook.options, words.keys(), prefixes.keys(), globs_of),
            Some(_) => None,
        };
        Ok(RuleMatcher {
            prefilter,
            opts: codebook.options,
            by_anchor: by.rules,
            phrases: by.phrases,
            is_anchor: by.is_anchor,
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
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// The elements a word (normalised) matches, appended to `out`: by stem or form, by each
    /// prefix length, by the other globs. Not `*`, which every word matches (see `any_word`).
    fn word_elems(&self, norm: &str, out: &mut Vec<ElemId>) {
        let found = match self.opts.stem {
            true => self
                .words
                .get(&stem(&norm.to_lowercase(), self.opts.language)),
            false => self.words.get(norm),
        };
        out.extend(found);
        if !self.prefix_lens.is_empty() {
            let bounds: Vec<usize> = norm
                .char_indices()
                .map(|(b, _)| b)
                .skip(1)
                .chain([norm.len()])
                .collect();
            for &len in &self.prefix_lens {
                match bounds.get(len - 1) {
                    Some(&b) => out.extend(self.prefixes.get(&norm[..b])),
                    None => break,
                }
            }
        }
        if !self.glob_ids.is_empty() {
            out.extend(self.globs.matches(norm).iter().map(|i| self.glob_ids[i]));
        }
    }

    /// The words of `text` that match some element (every word when a rule has `*`), in text
    /// order, each word looked up once per thread in `cache` (stemmed and matched only the first
    /// time it is seen).
    fn scan(&self, text: &str, cache: &mut WordCache, toks: &mut Vec<Tok>) {
        let ascii = text.is_ascii();
        let (mut idx, mut byte_at, mut char_at) = (0u32, 0usize, 0usize);
        let every = self.any_word.is_some();
        for_each_word(text, |b, w| {
            let i = idx;
            idx += 1;
            let elems = cache.elems_of(text, b, w, self);
            if elems.1 == 0 && !every {
                return;
            }
            // Spans are in characters: counted only for words that matter.
            let (start, end) = if ascii {
                (b, b + w.len())
            } else {
                char_at += text[byte_at..b].chars().count();
                byte_at = b;
                (char_at, char_at + w.chars().count())
            };
            toks.push(Tok {
                idx: i,
                start: start as u32,
                end: end as u32,
                elems,
            });
        });
    }

    /// All codings of one text (a segment), by code index, hits in text order.
    pub fn code(&self, text: &str) -> Vec<Coding> {
        let found = self.hits(text);
        if found.is_empty() {
            return Vec::new();
        }
        resolve(found, &self.min_hits)
    }

    /// Every pattern match before exclusions, overlaps and `min_hits` are applied, as
    /// (code, is an exclusion, pattern index, start, end): what `codebook check` counts and
    /// `explain` lists. Sorted, so that its order is not the matcher's order of work.
    pub fn raw_hits(&self, text: &str) -> Vec<(u32, bool, u32, u32, u32)> {
        let mut found = self.hits(text);
        found.sort_unstable();
        found
    }

    /// [`RuleMatcher::raw_hits`] in no particular order.
    fn hits(&self, text: &str) -> Vec<(u32, bool, u32, u32, u32)> {
        let mut found: Vec<(u32, bool, u32, u32, u32)> = Vec::new();
        WORD_CACHE.with(|c| {
            let mut cache = c.borrow_mut();
            cache.own(self.id);
            let mut toks = std::mem::take(&mut cache.toks);
            toks.clear();
            self.scan(text, &mut cache, &mut toks);
            if !toks.is_empty() {
                let WordCache { arena, at, .. } = &mut *cache;
                let seen = Seen::new(&toks, arena, self.any_word, &self.is_anchor, at);
                self.word_hits(&seen, &mut found);
            }
            cache.toks = toks;
        });
        self.regex_hits(text, &mut found);
        found
    }

    /// The hits of the word rules (sequences and NEARs) that can fire: those anchored on an
    /// element some word has, each tried once, from its anchor's places (one run of the sorted
    /// `seen.at`: no list of candidate rules to sort, no search for where an anchor is). Spans in
    /// characters; in no particular order (see [`RuleMatcher::raw_hits`]).
    fn word_hits(&self, seen: &Seen<'_>, found: &mut Vec<(u32, bool, u32, u32, u32)>) {
        let at = seen.at;
        let mut i = 0;
        while i < at.len() {
            let e = at[i].0;
            let run = at[i..].iter().take_while(|&&(x, _)| x == e).count();
            let places = &at[i..i + run];
            for &r in &self.by_anchor[e as usize] {
                let anchors = places.iter().map(|&(_, p)| p as usize);
                self.rule_hits(&self.rules[r as usize], seen, anchors, found);
            }
            let phrases = &self.phrases[e as usize];
            if !phrases.is_empty() {
                for &(_, p) in places {
                    self.phrase_hits(phrases, seen, p as usize, found);
                }
            }
            i += run;
        }
        if let Some(any) = self.any_word {
            for &r in &self.by_anchor[any as usize] {
                self.rule_hits(&self.rules[r as usize], seen, 0..seen.toks.len(), found);
            }
        }
    }

    /// The hits of the phrases anchored at `seen.toks[p]`: each tried in full only where the word
    /// beside the anchor that it needs is there (see [`PhraseTry`]).
    fn phrase_hits(
        &self,
        phrases: &[PhraseTry],
        seen: &Seen<'_>,
        p: usize,
        found: &mut Vec<(u32, bool, u32, u32, u32)>,
    ) {
        let (toks, idx) = (seen.toks, seen.toks[p].idx);
        // The words right before and after the anchor's, if they match some element.
        let before = p.checked_sub(1).filter(|&q| toks[q].idx + 1 == idx);
        let after = Some(p + 1).filter(|&q| q < toks.len() && toks[q].idx == idx + 1);
        for t in phrases {
            let beside = if t.before { before } else { after };
            if beside.is_some_and(|q| seen.has(q, t.next)) {
                let rule = &self.rules[t.rule as usize];
                self.rule_hits(rule, seen, std::iter::once(p), found);
            }
        }
    }

    /// The hits of one word rule, given the places (in `seen.toks`, text order) of the element
    /// it is anchored on.
    fn rule_hits(
        &self,
        rule: &Rule,
        seen: &Seen<'_>,
        anchors: impl Iterator<Item = usize>,
        found: &mut Vec<(u32, bool, u32, u32, u32)>,
    ) {
        match &rule.kind {
            RuleKind::Seq(seq) => {
                for p in seen.starts_from(seq, anchors) {
                    let (a, b) = (seen.toks[p].start, seen.toks[p + seq.elems.len() - 1].end);
                    found.push((rule.code, rule.exclude, rule.pattern, a, b));
                }
            }
            RuleKind::Near {
                left,
                right,
                within,
            } => {
                // The anchor is one side's: the other side is often absent, and pairing
                // allocates.
                let l = seen.occurrences(left);
                if l.is_empty() {
                    return;
                }
                let r = seen.occurrences(right);
                if r.is_empty() {
                    return;
                }
                for (s, e) in near_pairs(&l, &r, *within) {
                    let (a, b) = seen.span(s, e);
                    found.push((rule.code, rule.exclude, rule.pattern, a, b));
                }
            }
            RuleKind::Regex => {}
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

/// A word of the text that matches some element: its position among the text's words, its
/// span in characters and its elements (a range of the cache's arena).
#[derive(Debug, Clone, Copy)]
struct Tok {
    idx: u32,
    start: u32,
    end: u32,
    elems: (u32, u32),
}

/// Where the words of a text's vocabulary stand against one compiled codebook: its elements,
/// per normalised word. Kept per thread (no locking) for the last matcher used, since
/// interview text repeats its words: most words are looked up, few are stemmed.
struct WordCache {
    /// The matcher whose elements these are (see [`RuleMatcher::id`]).
    owner: u64,
    map: HashMap<Box<str>, (u32, u32), BuildHasherDefault<WordHasher>>,
    /// The same for short ASCII words, keyed by their bytes (see [`WordCache::elems_of`]).
    short: WordTable<u128>,
    /// The same for words under 8 bytes, the commonest (see [`WordTable`]).
    tiny: WordTable<u64>,
    /// The element lists the map's ranges point into.
    arena: Vec<ElemId>,
    /// Scratch: the word being normalised, a text's matching words.
    norm: String,
    toks: Vec<Tok>,
    at: Vec<(ElemId, u32)>,
}

/// Words cached before the cache starts afresh: a corpus of endless distinct words (ids,
/// numbers) must not grow it without bound.
const WORD_CACHE_LIMIT: usize = 200_000;

thread_local! {
    static WORD_CACHE: RefCell<WordCache> = RefCell::new(WordCache {
        owner: u64::MAX,
        map: HashMap::default(),
        short: WordTable::new(),
        tiny: WordTable::new(),
        arena: Vec::new(),
        norm: String::new(),
        toks: Vec::new(),
        at: Vec::new(),
    });
}

impl WordCache {
    /// Make the cache `id`'s, empty unless it is already; and bounded. Called before a text,
    /// never inside one, so ranges handed out for a text stay valid through it.
    fn own(&mut self, id: u64) {
        if self.owner != id
            || self.map.len() + self.short.len() + self.tiny.len() > WORD_CACHE_LIMIT
        {
            self.owner = id;
            self.map.clear();
            self.short.clear();
            self.tiny.clear();
            self.arena.clear();
        }
    }

    /// The elements of `word` (as written in the text, at byte `at` of `text`), computed on
    /// first sight.
    #[inline]
    fn elems_of(&mut self, text: &str, at: usize, word: &str, m: &RuleMatcher) -> (u32, u32) {
        debug_assert_eq!(&text[at..at + word.len()], word);
        // Most words: short plain ASCII, normalised (lowercased) straight into a key of one or
        // two machine words, the length in its last byte; no string is built or compared.
        if let Some([lo, hi]) = ascii_key(text.as_bytes(), at, word.len(), !m.opts.case_sensitive) {
            if let Some(f) = &m.prefilter {
                if !f.may_match(lo as u8, (lo >> 8) as u8, (lo >> 16) as u8) {
                    return (0, 0);
                }
            }
            let len = word.len() as u64;
            // The commonest words are shortest: under 8 bytes they key a table of half the
            // size, whose lookups miss the CPU cache less (a miss is most of a lookup's time).
            if len < 8 {
                let key = lo | len << 56;
                if let Some(span) = self.tiny.get(key) {
                    return span;
                }
                let span = self.compute_ascii(lo, hi, word.len(), m);
                self.tiny.insert(key, span);
                return span;
            }
            let key = u128::from(lo) | u128::from(hi | len << 56) << 64;
            if let Some(span) = self.short.get(key) {
                return span;
            }
            let span = self.compute_ascii(lo, hi, word.len(), m);
            self.short.insert(key, span);
            return span;
        }
        normalise_into(word, m.opts.case_sensitive, &mut self.norm);
        if let Some(&span) = self.map.get(self.norm.as_str()) {
            return span;
        }
        let span = self.compute(m);
        self.map.insert(self.norm.as_str().into(), span);
        span
    }

    /// The elements of the normalised ASCII word of `len` bytes keyed `lo`, `hi` (see
    /// [`ascii_key`]), added to the arena.
    fn compute_ascii(&mut self, lo: u64, hi: u64, len: usize, m: &RuleMatcher) -> (u32, u32) {
        let mut w = [0u8; 16];
        w[..8].copy_from_slice(&lo.to_le_bytes());
        w[8..].copy_from_slice(&hi.to_le_bytes());
        self.norm.clear();
        self.norm
            .push_str(std::str::from_utf8(&w[..len]).expect("ASCII"));
        self.compute(m)
    }

    /// The elements of the word in `norm`, added to the arena.
    fn compute(&mut self, m: &RuleMatcher) -> (u32, u32) {
        let start = self.arena.len();
        m.word_elems(&self.norm, &mut self.arena);
        (start as u32, (self.arena.len() - start) as u32)
    }
}

/// Each byte of a machine word.
const ONES: u64 = u64::from_le_bytes([1; 8]);
const HIGH: u64 = 0x80 * ONES;

/// The `len` bytes of `text` from `at`, a word, as two little-endian machine words (zero past the
/// word), lowercased when `fold`; `None` unless the word is plain: under 16 bytes, ASCII, no
/// apostrophe (which normalising may drop). Read a machine word at a time, not a byte: bytes
/// stored one by one and read back as a word stall the CPU (no store forwarding), which cost
/// more than a tenth of coding a segment.
#[inline]
fn ascii_key(text: &[u8], at: usize, len: usize, fold: bool) -> Option<[u64; 2]> {
    if len >= 16 {
        return None;
    }
    let word = |i: usize| -> u64 {
        match text.get(at + 8 * i..at + 8 * i + 8) {
            Some(b) => u64::from_le_bytes(b.try_into().expect("8 bytes")),
            // Near the end of the text: byte by byte (rare).
            None => {
                let mut b = [0u8; 8];
                let from = (at + 8 * i).min(text.len());
                let n = (text.len() - from).min(8);
                b[..n].copy_from_slice(&text[from..from + n]);
                u64::from_le_bytes(b)
            }
        }
    };
    let mask = |n: usize| -> u64 {
        match n {
            0 => 0,
            8.. => u64::MAX,
            n => (1u64 << (8 * n)) - 1,
        }
    };
    let lo = word(0) & mask(len);
    let hi = if len > 8 { word(1) & mask(len - 8) } else { 0 };
    if (lo | hi) & HIGH != 0 || has_byte(lo, b'\'') || has_byte(hi, b'\'') {
        return None;
    }
    Some(match fold {
        true => [lower(lo), lower(hi)],
        false => [lo, hi],
    })
}

/// Does the machine word of ASCII bytes `v` hold byte `b` (exactly: no false positives)?
#[inline]
fn has_byte(v: u64, b: u8) -> bool {
    let x = v ^ (u64::from(b) * ONES);
    // A byte's high bit ends set where the byte is not zero.
    let nonzero = ((x & !HIGH) + !HIGH) | x;
    !nonzero & HIGH != 0
}

/// ASCII bytes `v` with `A`..=`Z` lowercased: bytes at least `A` and below `[` gain 0x20. No
/// sum carries into the next byte, since every byte is below 0x80.
#[inline]
fn lower(v: u64) -> u64 {
    let upper = (v + 0x3f * ONES) & !(v + 0x25 * ONES) & HIGH;
    v | upper >> 2
}

/// FxHash over 8 bytes at a time, for the words no short key holds (non-ASCII, apostrophes, 16
/// bytes or more): words are short and the cache is ours, so a keyed hash (std's SipHash,
/// several times slower on short keys) buys nothing; the cache is bounded.
#[derive(Default, Clone, Copy)]
struct WordHasher(u64);

impl WordHasher {
    #[inline]
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0xf135_7aea_2e62_a9c5);
    }
}

impl Hasher for WordHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves the entropy high; the table indexes by the low bits.
        self.0.rotate_left(26)
    }
}

/// One text's matching words and their elements: what the word rules are tried against.
struct Seen<'t> {
    toks: &'t [Tok],
    arena: &'t [ElemId],
    any_word: Option<ElemId>,
    /// (element, position in `toks`) for every element of every word, sorted: where each
    /// element occurs, so a rule is tried only where its first word is, not at every word.
    at: &'t [(ElemId, u32)],
}

impl<'t> Seen<'t> {
    fn new(
        toks: &'t [Tok],
        arena: &'t [ElemId],
        any_word: Option<ElemId>,
        is_anchor: &[bool],
        at: &'t mut Vec<(ElemId, u32)>,
    ) -> Seen<'t> {
        at.clear();
        for (p, t) in toks.iter().enumerate() {
            let elems = &arena[t.elems.0 as usize..(t.elems.0 + t.elems.1) as usize];
            let anchors = elems.iter().filter(|&&e| is_anchor[e as usize]);
            at.extend(anchors.map(|&e| (e, p as u32)));
        }
        at.sort_unstable();
        Seen {
            toks,
            arena,
            any_word,
            at,
        }
    }

    fn elems(&self, t: &Tok) -> &[ElemId] {
        &self.arena[t.elems.0 as usize..(t.elems.0 + t.elems.1) as usize]
    }

    /// The positions in `toks` of the words that match `e`, in text order.
    fn positions(&self, e: ElemId) -> impl Iterator<Item = usize> + '_ {
        let every = Some(e) == self.any_word;
        let (lo, hi) = match every {
            true => (0, 0),
            false => (
                self.at.partition_point(|&(x, _)| x < e),
                self.at.partition_point(|&(x, _)| x <= e),
            ),
        };
        let all = if every { 0..self.toks.len() } else { 0..0 };
        all.chain(self.at[lo..hi].iter().map(|&(_, p)| p as usize))
    }

    /// Does the word at `toks[p]` match element `e`?
    fn has(&self, p: usize, e: ElemId) -> bool {
        Some(e) == self.any_word || self.elems(&self.toks[p]).contains(&e)
    }

    /// Does the sequence match the words from `toks[p]` on? Only matching words are kept, so
    /// each next word must be the next kept one too.
    fn seq_at(&self, p: usize, seq: &[ElemId]) -> bool {
        let first = self.toks[p].idx;
        p + seq.len() <= self.toks.len()
            && seq
                .iter()
                .enumerate()
                .all(|(k, &e)| self.toks[p + k].idx == first + k as u32 && self.has(p + k, e))
    }

    /// Every match of the sequence, as word ranges of the text, in text order.
    fn occurrences(&self, seq: &Anchored) -> Vec<(usize, usize)> {
        self.starts(seq)
            .map(|p| {
                let i = self.toks[p].idx as usize;
                (i, i + seq.elems.len())
            })
            .collect()
    }

    /// Where the sequence matches, as positions in `toks` of its first word, in text order:
    /// found from the places of its anchor.
    fn starts<'s>(&'s self, seq: &'s Anchored) -> impl Iterator<Item = usize> + 's {
        self.starts_from(seq, self.positions(seq.elems[seq.anchor]))
    }

    /// [`Seen::starts`], given the places of the sequence's anchor.
    fn starts_from<'s>(
        &'s self,
        seq: &'s Anchored,
        anchors: impl Iterator<Item = usize> + 's,
    ) -> impl Iterator<Item = usize> + 's {
        let k = seq.anchor;
        anchors.filter_map(move |p| {
            let s = p.checked_sub(k)?;
            self.seq_at(s, &seq.elems).then_some(s)
        })
    }

    /// Words `s..e` of the text (both ends matching words) as a span in characters.
    fn span(&self, s: usize, e: usize) -> (u32, u32) {
        let at = |i: usize| {
            let p = self
                .toks
                .binary_search_by_key(&(i as u32), |t| t.idx)
                .expect("a matched word");
            self.toks[p]
        };
        (at(s).start, at(e - 1).end)
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
    fn ascii_keys_agree_with_the_bytes_one_at_a_time() {
        let text = "Don't SHOUT, Council'S co-production A@Z[`az{ x 12345678901234567 naïve end";
        let bytes = text.as_bytes();
        for at in 0..bytes.len() {
            for len in 1..=17.min(bytes.len() - at) {
                let w = &bytes[at..at + len];
                for fold in [false, true] {
                    let plain = len < 16 && w.iter().all(|&c| c < 0x80 && c != b'\'');
                    let want = plain.then(|| {
                        let mut k = [0u8; 16];
                        for (slot, &c) in k.iter_mut().zip(w) {
                            *slot = if fold { c.to_ascii_lowercase() } else { c };
                        }
                        [0, 8].map(|i| u64::from_le_bytes(k[i..i + 8].try_into().unwrap()))
                    });
                    assert_eq!(ascii_key(bytes, at, len, fold), want, "{at} {len} {fold}");
                }
            }
        }
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
