//! Bulk reading for exports and listings: every stored segment with its codings, in interview,
//! turn and paragraph order, read in parallel and trimmed to what the caller needs ([`Load`]);
//! one segment by id; and the ids a search matches, unranked and unlimited. Ranked search is in
//! [`super::search`]; both are methods of the one [`SearchIndex`].

use std::collections::HashMap;

use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, TantivyDocument, Term};

use super::search::{SearchIndex, SearchRequest};
use super::IndexError;
use crate::coding::Evidence;
use crate::transcript::Segment;

/// What [`SearchIndex::segments`] reads.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Leave out interviewer turns.
    pub respondents_only: bool,
    /// Keep each segment's text (else it is empty).
    pub text: bool,
    /// Keep each hit's pattern and matched words (else the hits are counted, their fields empty).
    pub evidence: bool,
}

impl Default for Load {
    /// Everything.
    fn default() -> Load {
        Load {
            respondents_only: false,
            text: true,
            evidence: true,
        }
    }
}

impl SearchIndex {
    /// One segment by id, with its codings as the view sees them.
    pub fn segment(&self, id: &str) -> Result<Option<(Segment, Vec<Evidence>)>, IndexError> {
        Ok(self.raw_segment(id)?.map(|(s, ev)| {
            let ev = self.coded(&s.id, ev);
            (s, ev)
        }))
    }

    /// One segment by id, with the machine's codings.
    pub(super) fn raw_segment(
        &self,
        id: &str,
    ) -> Result<Option<(Segment, Vec<Evidence>)>, IndexError> {
        let searcher = self.reader.searcher();
        let q = TermQuery::new(
            Term::from_field_text(self.fields.seg_id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&q, &TopDocs::with_limit(1).order_by_score())
            .map_err(|e| IndexError::tantivy(self.dir(), e))?;
        match top.first() {
            None => Ok(None),
            Some((_, addr)) => {
                let doc: TantivyDocument = searcher
                    .doc(*addr)
                    .map_err(|e| IndexError::tantivy(self.dir(), e))?;
                Ok(Some((self.fields.segment(&doc), self.fields.codings(&doc))))
            }
        }
    }

    /// Every segment with its codings, in interview then transcript order (interviewer turns
    /// included; filter as needed). Documents are read in parallel, in blocks per tantivy segment.
    pub fn all_segments(&self) -> Result<Vec<(Segment, Vec<Evidence>)>, IndexError> {
        self.segments(Load::default(), None)
    }

    /// Stored segments with their codings, in interview, turn and paragraph order, read in
    /// parallel; `load` says what to leave out (interviewer turns, text, evidence detail) and
    /// `keep` which segment ids to keep. What is left out is never copied: on a million
    /// segments that is most of the memory and much of the time.
    pub fn segments(
        &self,
        load: Load,
        keep: Option<&std::collections::HashSet<String>>,
    ) -> Result<Vec<(Segment, Vec<Evidence>)>, IndexError> {
        self.segments_at(&self.ordered_addresses()?, load, keep)
    }

    /// Every live document, in interview, turn and paragraph order, found from the fast
    /// fields alone (no stored document is read): what lets an export stream in order.
    pub fn ordered_addresses(&self) -> Result<Vec<DocAddress>, IndexError> {
        use rayon::prelude::*;
        let searcher = self.reader.searcher();
        let tv = |e: tantivy::TantivyError| IndexError::tantivy(self.dir(), e);
        let io = |e: std::io::Error| IndexError::io(self.dir(), e);
        // Per segment: its interview ids by ordinal, and (ordinal, turn, paragraph, doc).
        type Keys = Vec<(u64, u64, u64, tantivy::DocId)>;
        let mut per_segment: Vec<(Vec<String>, Keys)> = Vec::new();
        let mut all: std::collections::BTreeSet<String> = Default::default();
        for reader in searcher.segment_readers() {
            let ff = reader.fast_fields();
            let interview = ff.str("interview").map_err(tv)?;
            let turn = ff.u64("turn").map_err(tv)?;
            let para = ff.u64("paragraph").map_err(tv)?;
            let mut names = Vec::new();
            if let Some(col) = &interview {
                for ord in 0..col.num_terms() as u64 {
                    let mut s = String::new();
                    col.ord_to_str(ord, &mut s).map_err(io)?;
                    names.push(s);
                }
            }
            let keys: Keys = reader
                .doc_ids_alive()
                .map(|d| {
                    let ord = interview
                        .as_ref()
                        .and_then(|c| c.term_ords(d).next())
                        .unwrap_or(u64::MAX);
                    (
                        ord,
                        turn.first(d).unwrap_or(0),
                        para.first(d).unwrap_or(0),
                        d,
                    )
                })
                .collect();
            all.extend(names.iter().cloned());
            per_segment.push((names, keys));
        }
        // Interview ids ranked across segments (each segment's dictionary is its own).
        let rank: HashMap<&str, u32> = all
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        let mut keys: Vec<(u32, u64, u64, u32, tantivy::DocId)> = Vec::new();
        for (seg, (names, docs)) in per_segment.iter().enumerate() {
            let ranks: Vec<u32> = names.iter().map(|n| rank[n.as_str()]).collect();
            keys.extend(docs.iter().map(|&(o, t, p, d)| {
                let r = if o == u64::MAX {
                    u32::MAX
                } else {
                    ranks[o as usize]
                };
                (r, t, p, seg as u32, d)
            }));
        }
        keys.par_sort_unstable();
        Ok(keys
            .into_iter()
            .map(|(_, _, _, s, d)| DocAddress::new(s, d))
            .collect())
    }

    /// The segments at `addrs` (from [`Self::ordered_addresses`]), in that order, read in
    /// parallel and filtered as [`Self::segments`] says.
    pub fn segments_at(
        &self,
        addrs: &[DocAddress],
        load: Load,
        keep: Option<&std::collections::HashSet<String>>,
    ) -> Result<Vec<(Segment, Vec<Evidence>)>, IndexError> {
        use rayon::prelude::*;
        let searcher = self.reader.searcher();
        let f = &self.fields;
        let parts: Vec<Vec<(Segment, Vec<Evidence>)>> = addrs
            .par_chunks(2048)
            .map(|chunk| {
                let mut stores: HashMap<u32, tantivy::store::StoreReader> = HashMap::new();
                let mut out = Vec::with_capacity(chunk.len());
                for a in chunk {
                    let store = match stores.entry(a.segment_ord) {
                        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                        std::collections::hash_map::Entry::Vacant(e) => e.insert(
                            searcher
                                .segment_reader(a.segment_ord)
                                .get_store_reader(16)
                                .map_err(|e| IndexError::io(self.dir(), e))?,
                        ),
                    };
                    let doc: TantivyDocument = store
                        .get(a.doc_id)
                        .map_err(|e| IndexError::tantivy(self.dir(), e))?;
                    let num = |fl| {
                        doc.get_first(fl)
                            .and_then(|v| tantivy::schema::Value::as_u64(&v))
                            .unwrap_or(0)
                    };
                    let id = doc
                        .get_first(f.seg_id)
                        .and_then(|v| tantivy::schema::Value::as_str(&v))
                        .unwrap_or_default();
                    // Interviewer turns are context, unless a person chosen coded one.
                    if load.respondents_only && num(f.interviewer) == 1 && !self.coded_by_people(id)
                    {
                        continue;
                    }
                    if keep.is_some_and(|k| !k.contains(id)) {
                        continue;
                    }
                    let codings = if load.evidence {
                        f.codings(&doc)
                    } else {
                        f.codings_counted(&doc)
                    };
                    let mut codings = self.coded(id, codings);
                    let mut segment = f.segment_with(&doc, load.text);
                    self.masked(&mut segment, &mut codings);
                    out.push((segment, codings));
                }
                Ok(out)
            })
            .collect::<Result<_, IndexError>>()?;
        Ok(parts.into_iter().flatten().collect())
    }

    /// Ids of the segments a search request matches, all of them (no limit, no ranking).
    pub fn matching_ids(
        &self,
        req: &SearchRequest,
    ) -> Result<std::collections::HashSet<String>, IndexError> {
        let (query, _, near) = self.query(req)?;
        let ids = self.ids_of(&*query)?;
        match near {
            None => Ok(ids),
            // Kept only where the codebook's matcher finds the NEAR expressions.
            Some(near) => Ok(ids
                .into_iter()
                .filter(|id| {
                    self.raw_segment(id)
                        .ok()
                        .flatten()
                        .is_some_and(|(s, _)| near.keeps(&s.text))
                })
                .collect()),
        }
    }

    /// Addresses of the documents a search request matches, all of them (no limit, no
    /// ranking): what a streamed export keeps, 8 bytes a segment where its id would be a string
    /// read from the store. Valid for this index's searcher (reloaded only by hand).
    pub fn matching_addresses(
        &self,
        req: &SearchRequest,
    ) -> Result<std::collections::HashSet<DocAddress>, IndexError> {
        let (query, _, near) = self.query(req)?;
        let searcher = self.reader.searcher();
        let addrs = searcher
            .search(&*query, &DocSetCollector)
            .map_err(|e| IndexError::tantivy(self.dir(), e))?;
        let Some(near) = near else {
            return Ok(addrs);
        };
        // Kept only where the codebook's matcher finds the NEAR expressions.
        Ok(addrs
            .into_iter()
            .filter(|a| {
                searcher
                    .doc::<TantivyDocument>(*a)
                    .is_ok_and(|d| near.keeps(&self.fields.segment(&d).text))
            })
            .collect())
    }

    /// Ids of the segments the machine codes as `req`'s code and dimension filters ask (its
    /// other filters apply too), whatever the view.
    pub(super) fn machine_ids(
        &self,
        req: &SearchRequest,
    ) -> Result<std::collections::HashSet<String>, IndexError> {
        let query = self.with_filters(Box::new(tantivy::query::AllQuery), req, None);
        self.ids_of(&*query)
    }

    fn ids_of(
        &self,
        query: &dyn tantivy::query::Query,
    ) -> Result<std::collections::HashSet<String>, IndexError> {
        let searcher = self.reader.searcher();
        let addrs = searcher
            .search(query, &DocSetCollector)
            .map_err(|e| IndexError::tantivy(self.dir(), e))?;
        let mut ids = std::collections::HashSet::with_capacity(addrs.len());
        for a in addrs {
            let doc: TantivyDocument = searcher
                .doc(a)
                .map_err(|e| IndexError::tantivy(self.dir(), e))?;
            if let Some(id) = doc
                .get_first(self.fields.seg_id)
                .and_then(|v| tantivy::schema::Value::as_str(&v))
            {
                ids.insert(id.to_string());
            }
        }
        Ok(ids)
    }
}
