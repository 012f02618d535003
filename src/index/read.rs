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
    ///
    /// Each document's order is packed into one integer (interview rank, turn, paragraph,
    /// then its place in the index), 8 bytes a document when the fields' widths fit in 64
    /// bits, as they do for any real corpus, else 16: the sort is what memory grows with,
    /// and at 10 GB (tens of millions of documents) wider keys cost gigabytes.
    pub fn ordered_addresses(&self) -> Result<Vec<DocAddress>, IndexError> {
        let searcher = self.reader.searcher();
        let tv = |e: tantivy::TantivyError| IndexError::tantivy(self.dir(), e);
        let io = |e: std::io::Error| IndexError::io(self.dir(), e);
        let readers = searcher.segment_readers();
        // Per segment: its interview ids by ordinal; across segments, each field's largest
        // value and where each segment's documents start.
        let mut names: Vec<Vec<String>> = Vec::with_capacity(readers.len());
        let mut packing = Packing::default();
        let mut bases = Vec::with_capacity(readers.len());
        for reader in readers {
            let ff = reader.fast_fields();
            let mut seg = Vec::new();
            if let Some(col) = ff.str("interview").map_err(tv)? {
                for ord in 0..col.num_terms() as u64 {
                    let mut s = String::new();
                    col.ord_to_str(ord, &mut s).map_err(io)?;
                    seg.push(s);
                }
            }
            names.push(seg);
            packing.turn = packing.turn.max(ff.u64("turn").map_err(tv)?.max_value());
            packing.para = packing
                .para
                .max(ff.u64("paragraph").map_err(tv)?.max_value());
            bases.push(packing.docs);
            packing.docs += u64::from(reader.max_doc());
        }
        // Interview ids ranked across segments (each segment's dictionary is its own).
        let all: std::collections::BTreeSet<&str> =
            names.iter().flatten().map(String::as_str).collect();
        let rank: HashMap<&str, u64> = all
            .iter()
            .enumerate()
            .map(|(i, n)| (*n, i as u64))
            .collect();
        let no_interview = all.len() as u64; // after every interview, as it always sorted
        packing.rank = no_interview;
        let mut keys = Keys::for_packing(&packing);
        for ((reader, names), &base) in readers.iter().zip(&names).zip(&bases) {
            let ff = reader.fast_fields();
            let interview = ff.str("interview").map_err(tv)?;
            let turn = ff.u64("turn").map_err(tv)?;
            let para = ff.u64("paragraph").map_err(tv)?;
            let ranks: Vec<u64> = names.iter().map(|n| rank[n.as_str()]).collect();
            for d in reader.doc_ids_alive() {
                let r = interview
                    .as_ref()
                    .and_then(|c| c.term_ords(d).next())
                    .map_or(no_interview, |o| ranks[o as usize]);
                let at = base + u64::from(d);
                let (t, p) = (turn.first(d).unwrap_or(0), para.first(d).unwrap_or(0));
                keys.push(packing.pack(r, t, p, at));
            }
        }
        Ok(keys.sorted_places(&packing, &bases))
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

/// How a document's order is packed into one integer: the largest interview rank, turn,
/// paragraph and place, each given as many bits as its largest value needs.
#[derive(Debug, Default)]
struct Packing {
    rank: u64,
    turn: u64,
    para: u64,
    docs: u64,
}

/// Bits needed to hold every value up to `max`.
fn width(max: u64) -> u32 {
    u64::BITS - max.leading_zeros()
}

impl Packing {
    fn widths(&self) -> [u32; 4] {
        [self.rank, self.turn, self.para, self.docs].map(width)
    }

    fn fits_u64(&self) -> bool {
        self.widths().iter().sum::<u32>() <= 64
    }

    fn pack(&self, rank: u64, turn: u64, para: u64, at: u64) -> u128 {
        debug_assert!(rank <= self.rank && turn <= self.turn && para <= self.para);
        let [_, wt, wp, wd] = self.widths();
        (((u128::from(rank) << wt | u128::from(turn)) << wp | u128::from(para)) << wd)
            | u128::from(at)
    }

    fn place(&self, key: u128) -> u64 {
        let wd = self.widths()[3];
        (key & ((1u128 << wd) - 1)) as u64
    }
}

/// The packed keys, 8 bytes each when they fit.
enum Keys {
    Narrow(Vec<u64>),
    Wide(Vec<u128>),
}

impl Keys {
    fn for_packing(p: &Packing) -> Keys {
        let n = p.docs as usize;
        match p.fits_u64() {
            true => Keys::Narrow(Vec::with_capacity(n)),
            false => Keys::Wide(Vec::with_capacity(n)),
        }
    }

    fn push(&mut self, key: u128) {
        match self {
            Keys::Narrow(v) => v.push(key as u64),
            Keys::Wide(v) => v.push(key),
        }
    }

    /// The documents' addresses in key order.
    fn sorted_places(self, p: &Packing, bases: &[u64]) -> Vec<DocAddress> {
        use rayon::prelude::*;
        let address = |key: u128| {
            let at = p.place(key);
            let seg = bases.partition_point(|&b| b <= at) - 1;
            DocAddress::new(seg as u32, (at - bases[seg]) as tantivy::DocId)
        };
        match self {
            Keys::Narrow(mut v) => {
                v.par_sort_unstable();
                v.into_iter().map(|k| address(u128::from(k))).collect()
            }
            Keys::Wide(mut v) => {
                v.par_sort_unstable();
                v.into_iter().map(address).collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Packed keys sort as the tuples they pack, in 64 bits or in 128.
        #[test]
        fn packed_keys_sort_as_their_tuples(
            docs in proptest::collection::vec((0u64..5, 0u64..3000, 0u64..40), 1..60),
            wide in any::<bool>(),
        ) {
            let mut p = Packing {
                rank: 4,
                turn: if wide { u64::MAX >> 1 } else { 2999 },
                para: 39,
                docs: docs.len() as u64,
            };
            prop_assert_eq!(p.fits_u64(), !wide);
            let mut keys = Keys::for_packing(&p);
            for (i, &(r, t, q)) in docs.iter().enumerate() {
                keys.push(p.pack(r, t, q, i as u64));
            }
            // Two segments: the first holds the first third of the documents.
            let split = docs.len() as u64 / 3;
            let got = keys.sorted_places(&p, &[0, split]);
            let mut want: Vec<(u64, u64, u64, usize)> =
                docs.iter().enumerate().map(|(i, &(r, t, q))| (r, t, q, i)).collect();
            want.sort();
            let want: Vec<DocAddress> = want
                .into_iter()
                .map(|(_, _, _, i)| {
                    let i = i as u64;
                    match i < split {
                        true => DocAddress::new(0, i as u32),
                        false => DocAddress::new(1, (i - split) as u32),
                    }
                })
                .collect();
            prop_assert_eq!(got, want);
            p.docs = 0;
            prop_assert_eq!(width(p.docs), 0);
        }
    }
}
