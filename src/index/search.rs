//! Searching the index: the parsed query becomes tantivy queries on the stemmed and unstemmed
//! text fields; filters are required clauses that do not score; hits come back ranked, with the
//! matching words located for highlighting and, on request, the paragraphs around them.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use tantivy::collector::DocSetCollector;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, IndexReader, Score, Searcher, TantivyDocument, Term};

use super::near::NearFilter;
use super::query::{parse_query, QueryNode};
use super::schema::{build_schema, meta_term, register_tokenizers, Fields, STEMMED, UNSTEMMED};
use super::top::{collect, CountSkipping, RankedTop};
use super::{IndexError, Manifest, INDEX_DIR};
use crate::codebook::Codebook;
use crate::coding::Evidence;
use crate::project::Project;
use crate::roles::normalise_label;
use crate::text::stem;
use crate::transcript::Segment;

/// What to search for, as plain values parsed from the command line.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    /// Role ids, labels or aliases; a segment matches any of them.
    pub roles: Vec<String>,
    pub speakers: Vec<String>,
    pub interviews: Vec<String>,
    /// `key=value` metadata filters; all must hold.
    pub wheres: Vec<(String, String)>,
    pub include_interviewer: bool,
    /// Code ids; a segment matches any of them, or any of their descendants.
    pub codes: Vec<String>,
    /// Code dimensions (component, stakeholder, …); a segment matches if coded in any.
    pub dimensions: Vec<String>,
    pub limit: usize,
    /// Paragraphs of context before and after each hit, from the same interview.
    pub context: usize,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub segment: Segment,
    pub score: Score,
    /// Byte ranges of the matching words in `segment.text`.
    pub highlights: Vec<(usize, usize)>,
    /// The codes applied to the segment, with their evidence.
    pub codings: Vec<Evidence>,
    pub before: Vec<Segment>,
    pub after: Vec<Segment>,
}

#[derive(Debug, Clone)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// How many segments matched in all (hits holds at most `limit`).
    pub total: usize,
}

/// An open index, ready to search (here) and to read in bulk (in [`super::read`]).
pub struct SearchIndex {
    pub(super) reader: IndexReader,
    pub(super) fields: Fields,
    codebook: std::sync::Arc<Codebook>,
    stemmer: TextAnalyzer,
    plain: TextAnalyzer,
    pub manifest: std::sync::Arc<Manifest>,
    /// People's codings (see [`super::codings`]); empty until refreshed or loaded.
    pub(super) store: crate::codings::Store,
    /// Whose codings reads return (the machine's by default).
    pub(super) view: crate::codings::CoderView,
    /// The privacy boundary every read passes (see [`super::mask`]); none until set.
    pub(super) mask: Option<super::Mask>,
    /// Words already looked up by [`SearchIndex::lowercase_words`], and whether the corpus
    /// writes them in lower case.
    pub(super) lowercase: std::sync::Mutex<std::collections::HashMap<String, bool>>,
}

/// A request as tantivy runs it: the query, the words to highlight, and the NEAR expressions a
/// hit must also satisfy.
pub(super) type Built = (Box<dyn Query>, Highlight, Option<NearFilter>);

/// A request's filters: clauses that must hold besides the text, and the term of the turns left
/// out (see [`SearchIndex::filters`]).
struct Filters {
    clauses: Vec<(Occur, Box<dyn Query>)>,
    left_out: Option<Term>,
}

impl Filters {
    /// The whole query: `text` and every filter.
    fn around(self, text: Box<dyn Query>) -> Box<dyn Query> {
        let mut clauses = vec![(Occur::Must, text)];
        clauses.extend(self.clauses);
        if let Some(term) = self.left_out {
            let q = TermQuery::new(term, IndexRecordOption::Basic);
            clauses.push((Occur::MustNot, Box::new(q)));
        }
        Box::new(BooleanQuery::new(clauses))
    }
}

/// Whether tantivy ranks `query` by block maxima (`Weight::for_each_pruning`): a word, or words
/// all required or all optional.
fn prunable(query: &dyn Query) -> bool {
    if query.is::<TermQuery>() {
        return true;
    }
    query.downcast_ref::<BooleanQuery>().is_some_and(|b| {
        let clauses = b.clauses();
        let all = |occur| clauses.iter().all(|(o, _)| *o == occur);
        (all(Occur::Must) || all(Occur::Should)) && clauses.iter().all(|(_, q)| q.is::<TermQuery>())
    })
}

/// A request as a search runs it: the text's query and the filters, apart (a search passes
/// over the turns left out in its collectors; [`Built`] joins them into one query).
struct Plan {
    text: Box<dyn Query>,
    filters: Filters,
    highlight: Highlight,
    near: Option<NearFilter>,
}

/// Words to highlight: stems (from words and phrases) and unstemmed prefixes.
#[derive(Debug, Default)]
pub(super) struct Highlight {
    stems: HashSet<String>,
    prefixes: Vec<String>,
}

impl SearchIndex {
    /// Open the project's index read-only (whatever was last committed).
    pub fn open(
        project: &Project,
        codebook: impl Into<std::sync::Arc<Codebook>>,
    ) -> Result<SearchIndex, IndexError> {
        let dir = project.data_dir().join(INDEX_DIR);
        if !dir.join("meta.json").exists() {
            return Err(IndexError::Missing(dir));
        }
        let index =
            super::directory::open_in_dir(&dir).map_err(|e| IndexError::tantivy(&dir, e))?;
        if index.schema() != build_schema() {
            return Err(IndexError::Missing(dir));
        }
        let payload = index
            .load_metas()
            .map_err(|e| IndexError::tantivy(&dir, e))?
            .payload;
        // A commit that names a manifest this cannot read is not searched without it: the
        // manifest holds the participants' names that every shown text is masked by.
        let manifest = match payload {
            None => Manifest::default(),
            Some(p) => {
                Manifest::of_commit(&dir, Some(&p)).ok_or(IndexError::Missing(dir.clone()))?
            }
        };
        let manifest = std::sync::Arc::new(manifest);
        let opened = super::Opened {
            index,
            reader: None,
            manifest,
        };
        SearchIndex::from_open(project, opened, codebook)
    }

    /// Search an index already open, with its manifest (and reader, if it has one): the one
    /// an update has just found up to date ([`super::UpdateReport::opened`]), so a command
    /// opens the index once.
    pub fn from_open(
        project: &Project,
        opened: super::Opened,
        codebook: impl Into<std::sync::Arc<Codebook>>,
    ) -> Result<SearchIndex, IndexError> {
        let codebook = codebook.into();
        let dir = project.data_dir().join(INDEX_DIR);
        let super::Opened {
            index,
            reader,
            manifest,
        } = opened;
        let reader = match reader {
            Some(r) => r,
            // One command reads one commit: no reload watcher thread to start.
            None => index
                .reader_builder()
                .reload_policy(tantivy::ReloadPolicy::Manual)
                .try_into()
                .map_err(|e| IndexError::tantivy(&dir, e))?,
        };
        register_tokenizers(&index, codebook.options.language);
        let fields = Fields::new(&index.schema());
        let analyzer = |name: &str| index.tokenizers().get(name).expect("built-in tokenizer");
        let (stemmer, plain) = (analyzer(STEMMED), analyzer(UNSTEMMED));
        Ok(SearchIndex {
            reader,
            fields,
            codebook,
            stemmer,
            plain,
            manifest,
            store: Default::default(),
            view: Default::default(),
            mask: None,
            lowercase: Default::default(),
        })
    }

    pub(super) fn dir(&self) -> &Path {
        Path::new(INDEX_DIR)
    }

    /// The tantivy query for a request, the words to highlight, and the NEAR expressions a
    /// hit must also satisfy.
    pub(super) fn query(&self, req: &SearchRequest) -> Result<Built, IndexError> {
        let plan = self.plan(req)?;
        Ok((plan.filters.around(plan.text), plan.highlight, plan.near))
    }

    fn plan(&self, req: &SearchRequest) -> Result<Plan, IndexError> {
        for c in &req.codes {
            if self.codebook.code(c).is_none() {
                return Err(IndexError::UnknownCode(c.clone()));
            }
        }
        let node = parse_query(&req.query)?;
        let near = NearFilter::new(&node, &self.codebook)?;
        let mut hl = Highlight::default();
        let mut analyzers = (self.stemmer.clone(), self.plain.clone());
        let text_query = self
            .build(&node, &mut analyzers, &mut hl, false)
            .unwrap_or_else(|| Box::new(EmptyQuery));
        // People's codings are not terms of the index: the segments they (and the machine) code
        // as asked are found first, and the search kept to them.
        let coded = self.coded_ids(req)?;
        Ok(Plan {
            text: text_query,
            filters: self.filters(req, coded),
            highlight: hl,
            near,
        })
    }

    /// Run a search.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults, IndexError> {
        let Plan {
            text,
            filters,
            highlight: hl,
            near,
        } = self.plan(req)?;
        let searcher = self.reader.searcher();
        // With NEAR, every candidate is ranked, then those the codebook's matcher keeps.
        let limit = match near {
            Some(_) => (searcher.num_docs() as usize).max(1),
            None => req.limit.max(1),
        };
        // Equal scores are ordered by a hash of the segment id, not by where tantivy happened to
        // put the document, so the same corpus always ranks the same way.
        // The turns left out (the interviewer's) are passed over by the collectors, by their
        // fast column: a must-not clause would seek their postings for every match, and would
        // turn block-max pruning off.
        let skip = filters.left_out.clone();
        let top = RankedTop::with_limit(limit).skipping(skip.clone());
        let count = CountSkipping { skip };
        let failed = |e| IndexError::tantivy(self.dir(), e);
        // Words are ranked and counted apart: the ranking skips, by block maxima, postings that
        // cannot enter the top, and the count reads no scores. Anything else (a phrase, a glob, a
        // filter) is ranked and counted in one pass, which would otherwise be made twice.
        let (mut top, mut total) = match filters.clauses.is_empty() && prunable(text.as_ref()) {
            true => {
                let top = collect(&searcher, text.as_ref(), &top).map_err(failed)?;
                (
                    top,
                    collect(&searcher, text.as_ref(), &count).map_err(failed)?,
                )
            }
            false => {
                let query = Filters {
                    left_out: None,
                    ..filters
                }
                .around(text);
                collect(&searcher, query.as_ref(), &(top, count)).map_err(failed)?
            }
        };
        if let Some(near) = &near {
            let mut kept = Vec::new();
            for (key, addr) in top {
                let doc: TantivyDocument = searcher
                    .doc(addr)
                    .map_err(|e| IndexError::tantivy(self.dir(), e))?;
                if near.keeps(&self.fields.segment(&doc).text) {
                    kept.push((key, addr));
                }
            }
            total = kept.len();
            kept.truncate(req.limit.max(1));
            top = kept;
        }
        let mut hits = Vec::with_capacity(top.len());
        let mut interviews: BTreeMap<String, Vec<Segment>> = BTreeMap::new();
        for ((score, _), addr) in top {
            let doc: TantivyDocument = searcher
                .doc(addr)
                .map_err(|e| IndexError::tantivy(self.dir(), e))?;
            let mut segment = self.fields.segment(&doc);
            let mut codings = self.coded(&segment.id, self.fields.codings(&doc));
            let (mut before, mut after) = (Vec::new(), Vec::new());
            if req.context > 0 {
                if !interviews.contains_key(&segment.interview) {
                    let all = self.interview_segments(&searcher, &segment.interview)?;
                    interviews.insert(segment.interview.clone(), all);
                }
                let all = &interviews[&segment.interview];
                if let Some(i) = all.iter().position(|s| s.id == segment.id) {
                    before = all[i.saturating_sub(req.context)..i].to_vec();
                    after = all[i + 1..(i + 1).saturating_add(req.context).min(all.len())].to_vec();
                }
            }
            // Masked only now: the context above is found by the real ids.
            self.masked(&mut segment, &mut codings);
            for c in before.iter_mut().chain(after.iter_mut()) {
                self.masked(c, &mut []);
            }
            let highlights = self.highlight(&segment.text, &hl);
            hits.push(Hit {
                segment,
                score,
                highlights,
                codings,
                before,
                after,
            });
        }
        Ok(SearchResults { hits, total })
    }

    fn load(&self, searcher: &Searcher, addr: DocAddress) -> Result<Segment, IndexError> {
        let doc: TantivyDocument = searcher
            .doc(addr)
            .map_err(|e| IndexError::tantivy(self.dir(), e))?;
        Ok(self.fields.segment(&doc))
    }

    /// Every segment of an interview (interviewer turns included), in transcript order.
    fn interview_segments(
        &self,
        searcher: &Searcher,
        id: &str,
    ) -> Result<Vec<Segment>, IndexError> {
        let q = TermQuery::new(
            Term::from_field_text(self.fields.interview, id),
            IndexRecordOption::Basic,
        );
        let addrs = searcher
            .search(&q, &DocSetCollector)
            .map_err(|e| IndexError::tantivy(self.dir(), e))?;
        let mut segs = addrs
            .into_iter()
            .map(|a| self.load(searcher, a))
            .collect::<Result<Vec<_>, _>>()?;
        segs.sort_by_key(|s| (s.turn, s.paragraph));
        Ok(segs)
    }

    pub(super) fn with_filters(
        &self,
        text: Box<dyn Query>,
        req: &SearchRequest,
        coded: Option<std::collections::HashSet<String>>,
    ) -> Box<dyn Query> {
        self.filters(req, coded).around(text)
    }

    /// The filters of a request: the clauses that must hold besides the text, and the turns
    /// left out (the interviewer's, unless asked for).
    fn filters(
        &self,
        req: &SearchRequest,
        coded: Option<std::collections::HashSet<String>>,
    ) -> Filters {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let term = |field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            ))
        };
        let any_of = |qs: Vec<Box<dyn Query>>| -> Box<dyn Query> {
            // A filter must hold but must not change the ranking: zero boost.
            let should = qs.into_iter().map(|q| (Occur::Should, q)).collect();
            Box::new(BoostQuery::new(Box::new(BooleanQuery::new(should)), 0.0))
        };
        if !req.roles.is_empty() {
            let ids: Vec<Box<dyn Query>> = req
                .roles
                .iter()
                .map(|r| term(f.role, &self.codebook.roles.filter_id(r)))
                .collect();
            clauses.push((Occur::Must, any_of(ids)));
        }
        if !req.speakers.is_empty() {
            let qs = req
                .speakers
                .iter()
                .map(|s| term(f.speaker_key, &normalise_label(s)))
                .collect();
            clauses.push((Occur::Must, any_of(qs)));
        }
        if !req.interviews.is_empty() {
            let qs = req
                .interviews
                .iter()
                .map(|i| term(f.interview, i))
                .collect();
            clauses.push((Occur::Must, any_of(qs)));
        }
        let by_terms = coded.is_none();
        if let Some(ids) = coded {
            let terms = ids.iter().map(|id| Term::from_field_text(f.seg_id, id));
            let set: Box<dyn Query> = Box::new(tantivy::query::TermSetQuery::new(terms));
            clauses.push((Occur::Must, Box::new(BoostQuery::new(set, 0.0))));
        }
        if by_terms && !req.codes.is_empty() {
            let qs = req.codes.iter().map(|c| term(f.code, c)).collect();
            clauses.push((Occur::Must, any_of(qs)));
        }
        if by_terms && !req.dimensions.is_empty() {
            let qs = req
                .dimensions
                .iter()
                .map(|d| term(f.dimension, d))
                .collect();
            clauses.push((Occur::Must, any_of(qs)));
        }
        for (k, v) in &req.wheres {
            clauses.push((Occur::Must, any_of(vec![term(f.meta, &meta_term(k, v))])));
        }
        // The segments people coded as asked include interviewer turns they coded.
        let left_out =
            (!req.include_interviewer && by_terms).then(|| Term::from_field_u64(f.interviewer, 1));
        Filters { clauses, left_out }
    }

    /// Turn a query node into a tantivy query; `None` when it holds no searchable word.
    fn build(
        &self,
        node: &QueryNode,
        an: &mut (TextAnalyzer, TextAnalyzer),
        hl: &mut Highlight,
        negated: bool,
    ) -> Option<Box<dyn Query>> {
        match node {
            QueryNode::All => Some(Box::new(AllQuery)),
            QueryNode::Word(w) => self.stemmed(w, &mut an.0, hl, negated),
            QueryNode::Phrase(words) if !words.last().is_some_and(|l| l.ends_with('*')) => {
                self.stemmed(&words.join(" "), &mut an.0, hl, negated)
            }
            QueryNode::Phrase(words) => self.prefix_phrase(words, an, hl, negated),
            QueryNode::Prefix(p) => {
                let p = p.to_lowercase();
                if !negated {
                    hl.prefixes.push(p.clone());
                }
                self.prefix(&p)
            }
            QueryNode::Not(inner) => {
                let inner = self.build(inner, an, hl, !negated)?;
                Some(Box::new(BooleanQuery::new(vec![
                    (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                    (Occur::MustNot, inner),
                ])))
            }
            QueryNode::And(items) => self.boolean(items, Occur::Must, an, hl, negated),
            // Both sides: the candidates a NEAR filter then keeps (see `near`).
            QueryNode::Near { left, right, .. } => {
                let both = [(**left).clone(), (**right).clone()];
                self.boolean(&both, Occur::Must, an, hl, negated)
            }
            QueryNode::Or(items) => self.boolean(items, Occur::Should, an, hl, negated),
        }
    }

    /// A phrase whose last word is a prefix (`"early win*"`): matched on unstemmed words.
    fn prefix_phrase(
        &self,
        words: &[String],
        an: &mut (TextAnalyzer, TextAnalyzer),
        hl: &mut Highlight,
        negated: bool,
    ) -> Option<Box<dyn Query>> {
        let text = words.join(" ");
        let text = text.trim_end_matches('*');
        let terms: Vec<(usize, Term)> = tokens(&mut an.1, text)
            .into_iter()
            .map(|(pos, t)| (pos, Term::from_field_text(self.fields.text_raw, &t)))
            .collect();
        if !negated {
            for (i, (_, t)) in terms.iter().enumerate() {
                let word = t.value().as_str().unwrap_or("").to_string();
                if i + 1 == terms.len() {
                    hl.prefixes.push(word);
                } else {
                    hl.stems
                        .extend(tokens(&mut an.0, &word).into_iter().map(|x| x.1));
                }
            }
        }
        match terms.len() {
            0 => None,
            1 => self.prefix(terms[0].1.value().as_str().unwrap_or("")),
            _ => Some(Box::new(PhrasePrefixQuery::new_with_offset(terms))),
        }
    }

    /// The items of an AND (`occur` Must) or an OR (Should), as one boolean query.
    fn boolean(
        &self,
        items: &[QueryNode],
        occur: Occur,
        an: &mut (TextAnalyzer, TextAnalyzer),
        hl: &mut Highlight,
        negated: bool,
    ) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for item in items {
            match (item, occur) {
                // `a -b` excludes b from a, rather than adding "everything but b".
                (QueryNode::Not(inner), Occur::Must) => {
                    if let Some(q) = self.build(inner, an, hl, !negated) {
                        clauses.push((Occur::MustNot, q));
                    }
                }
                _ => {
                    if let Some(q) = self.build(item, an, hl, negated) {
                        clauses.push((occur, q));
                    }
                }
            }
        }
        if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
            if clauses.is_empty() {
                return None;
            }
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// A word or phrase matched by stem: one term, or consecutive terms.
    fn stemmed(
        &self,
        text: &str,
        stemmer: &mut TextAnalyzer,
        hl: &mut Highlight,
        negated: bool,
    ) -> Option<Box<dyn Query>> {
        let mut terms: Vec<(usize, Term)> = Vec::new();
        for (pos, t) in tokens(stemmer, text) {
            if !negated {
                hl.stems.insert(t.clone());
            }
            terms.push((pos, Term::from_field_text(self.fields.text, &t)));
        }
        match terms.len() {
            0 => None,
            1 => Some(Box::new(TermQuery::new(
                terms.remove(0).1,
                IndexRecordOption::WithFreqs,
            ))),
            _ => Some(Box::new(PhraseQuery::new_with_offset(terms))),
        }
    }

    /// Words beginning with `p`, on the unstemmed field (no expansion limit).
    fn prefix(&self, p: &str) -> Option<Box<dyn Query>> {
        if p.is_empty() {
            return Some(Box::new(AllQuery));
        }
        Some(super::prefix::words_beginning(self.fields.text_raw, p))
    }

    /// Byte ranges of the words in `text` that the query matched.
    fn highlight(&self, text: &str, hl: &Highlight) -> Vec<(usize, usize)> {
        if hl.stems.is_empty() && hl.prefixes.is_empty() {
            return Vec::new();
        }
        // The words as the stemmed field's analyzer splits and lowercases them (the plain
        // analyzer: the same but the stemming), each stemmed as it stems them (the same
        // Snowball stemmer), through the per-thread cache of stems: a search's shown texts
        // repeat their words, and `qcode serve` keeps the cache from search to search.
        let language = self.codebook.options.language;
        // An English stem keeps its word's first byte (see coding::prefilter): a word whose
        // first byte starts no stem searched for is not stemmed at all.
        let firsts: Option<Vec<u8>> = (language == crate::text::Language::English)
            .then(|| hl.stems.iter().filter_map(|s| s.bytes().next()).collect());
        let mut plain = self.plain.clone();
        let mut out = Vec::new();
        let mut p = plain.token_stream(text);
        while p.advance() {
            let pt = p.token();
            let may_stem = match &firsts {
                Some(firsts) => pt.text.bytes().next().is_some_and(|b| firsts.contains(&b)),
                None => !hl.stems.is_empty(),
            };
            if (may_stem && hl.stems.contains(&stem(&pt.text, language)))
                || hl.prefixes.iter().any(|x| pt.text.starts_with(x.as_str()))
            {
                out.push((pt.offset_from, pt.offset_to));
            }
        }
        out
    }
}

/// Analyse text into (position, term) pairs.
fn tokens(an: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut ts = an.token_stream(text);
    while ts.advance() {
        let t = ts.token();
        out.push((t.position, t.text.clone()));
    }
    out
}

impl SearchIndex {
    pub fn codebook(&self) -> &Codebook {
        &self.codebook
    }

    /// The codebook as shared with whoever else holds it (see [`Project::codebook_shared`]).
    pub fn codebook_shared(&self) -> &std::sync::Arc<Codebook> {
        &self.codebook
    }

    /// Which segments, with which deletes, this index reads: the same generation holds the
    /// same documents.
    pub fn generation(&self) -> tantivy::SearcherGeneration {
        self.reader.searcher().generation().clone()
    }
}
