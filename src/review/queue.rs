//! The proposals to review, in corpus order (interview, turn, paragraph; within a segment, the
//! codebook's order), built once when a review opens: every segment is read without its text or
//! evidence (ids and codes only, from the index's stored documents), so a project of 100,000
//! segments opens in well under a second (bench/review.sh). What one proposal shows (its
//! segment's words, the evidence, the paragraphs around it) is read when it is shown.

use std::collections::HashSet;

use crate::codebook::Codebook;
use crate::codings::{Status, Store};
use crate::index::{Filter, IndexError, Load, SearchIndex};
use crate::transcript::Segment;

use super::{Source, SUGGESTED};

/// One proposed coding: `code` on the segment at `at` in the corpus order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub segment_id: String,
    pub code: String,
    /// The segment's place in [`Queue::order`].
    pub at: usize,
}

/// Every proposal the filters keep, and every segment id in corpus order (for the paragraphs
/// around a proposal).
#[derive(Debug, Clone, Default)]
pub struct Queue {
    pub of: Source,
    pub proposals: Vec<Proposal>,
    pub order: Vec<String>,
}

/// The proposals of `of` on the segments `filter` keeps. Its codes and dimensions choose which
/// proposed codes are reviewed (a code keeps its descendants too), not which segments: the
/// segments are chosen by its query, roles, speakers, interviews and metadata. The machine's
/// codes are read through the index's view, which must be the machine's (the default).
pub fn build_queue(index: &SearchIndex, of: Source, filter: &Filter) -> Result<Queue, IndexError> {
    debug_assert!(
        index.view().machine_only(),
        "proposals are the machine's codes"
    );
    let segments_only = Filter {
        codes: Vec::new(),
        dimensions: Vec::new(),
        include_interviewer: true,
        ..filter.clone()
    };
    let keep: Option<HashSet<String>> = if segments_only.narrows() {
        Some(index.matching_ids(&segments_only.request(0, 0))?)
    } else {
        None
    };
    let load = Load {
        respondents_only: false,
        text: false,
        evidence: false,
    };
    // Every segment, for the order; codes only where the machine's are reviewed.
    let segments = index.segments(load, None)?;
    let wanted = CodeFilter::new(index.codebook(), filter);
    let store = index.store();
    let mut queue = Queue {
        of,
        proposals: Vec::new(),
        order: Vec::with_capacity(segments.len()),
    };
    for (at, (segment, machine)) in segments.into_iter().enumerate() {
        if keep.as_ref().is_none_or(|k| k.contains(&segment.id)) {
            let codes: Vec<String> = match of {
                Source::Machine => machine.into_iter().map(|e| e.code).collect(),
                Source::Suggested => suggested(store, &segment.id),
            };
            queue
                .proposals
                .extend(
                    codes
                        .into_iter()
                        .filter(|c| wanted.keeps(c))
                        .map(|code| Proposal {
                            segment_id: segment.id.clone(),
                            code,
                            at,
                        }),
                );
        }
        queue.order.push(segment.id);
    }
    Ok(queue)
}

/// The codes suggested for segment `id`: rows of coder `suggested` with status `proposed`, each
/// code once, in file order.
fn suggested(store: &Store, id: &str) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for r in store.for_segment(id) {
        if r.coder == SUGGESTED
            && r.status == Status::Proposed
            && !r.code.is_empty()
            && !codes.contains(&r.code)
        {
            codes.push(r.code.clone());
        }
    }
    codes
}

/// Which proposed codes a filter's `--code` and `--dimension` keep.
struct CodeFilter {
    codes: Option<HashSet<String>>,
    dimensions: Vec<String>,
    in_dimension: HashSet<String>,
}

impl CodeFilter {
    fn new(codebook: &Codebook, filter: &Filter) -> CodeFilter {
        let codes = (!filter.codes.is_empty()).then(|| {
            filter
                .codes
                .iter()
                .flat_map(|c| codebook.with_descendants(c))
                .map(|c| c.id.clone())
                .collect()
        });
        let in_dimension = codebook
            .codes
            .iter()
            .filter(|c| filter.dimensions.contains(&c.dimension))
            .map(|c| c.id.clone())
            .collect();
        CodeFilter {
            codes,
            dimensions: filter.dimensions.clone(),
            in_dimension,
        }
    }

    fn keeps(&self, code: &str) -> bool {
        self.codes.as_ref().is_none_or(|c| c.contains(code))
            && (self.dimensions.is_empty() || self.in_dimension.contains(code))
    }
}

/// What a proposal shows: its segment with its words, where the evidence lies in them, and the
/// segments just before and after it.
#[derive(Debug, Clone)]
pub struct Shown {
    pub segment: Segment,
    /// Character ranges of the evidence in the segment's text, sorted, not overlapping.
    pub spans: Vec<(usize, usize)>,
    /// The evidence in words: each matched passage with the pattern that matched it (machine),
    /// or the suggested words.
    pub evidence: Vec<String>,
    /// A suggestion's reason (its row's memo); empty for the machine's.
    pub why: String,
    pub before: Vec<Segment>,
    pub after: Vec<Segment>,
}

impl Queue {
    /// Read what proposal `i` shows, with `context` segments either side. `None` when its
    /// segment has gone from the index since the queue was built.
    pub fn show(
        &self,
        index: &SearchIndex,
        i: usize,
        context: usize,
    ) -> Result<Option<Shown>, IndexError> {
        let p = &self.proposals[i];
        let Some((segment, evidence)) = index.segment(&p.segment_id)? else {
            return Ok(None);
        };
        let (mut spans, words, why) = match self.of {
            Source::Machine => machine_evidence(&evidence, &p.code),
            Source::Suggested => suggestion_evidence(index.store(), &segment, &p.code),
        };
        spans.sort_unstable();
        spans.dedup();
        let mut kept: Vec<(usize, usize)> = Vec::new();
        for s in spans {
            match kept.last_mut() {
                Some(last) if s.0 < last.1 => last.1 = last.1.max(s.1),
                _ => kept.push(s),
            }
        }
        let near = |ids: &[String]| -> Result<Vec<Segment>, IndexError> {
            let mut out = Vec::new();
            for id in ids {
                if let Some((s, _)) = index.segment(id)? {
                    // Context stays within the interview.
                    if s.interview == segment.interview {
                        out.push(s);
                    }
                }
            }
            Ok(out)
        };
        let from = p.at.saturating_sub(context);
        let to = (p.at + 1 + context).min(self.order.len());
        Ok(Some(Shown {
            before: near(&self.order[from..p.at])?,
            after: near(&self.order[p.at + 1..to])?,
            segment,
            spans: kept,
            evidence: words,
            why,
        }))
    }
}

type Evidence = (Vec<(usize, usize)>, Vec<String>, String);

/// The machine's hits for `code`: where they are, and each as «words» (pattern).
fn machine_evidence(evidence: &[crate::coding::Evidence], code: &str) -> Evidence {
    let mut spans = Vec::new();
    let mut words = Vec::new();
    for e in evidence
        .iter()
        .filter(|e| e.code == code && e.coder.is_empty())
    {
        for h in &e.hits {
            spans.push((h.start as usize, h.end as usize));
            let w = format!("«{}» ({})", h.text.replace('\n', " "), h.pattern);
            if !words.contains(&w) {
                words.push(w);
            }
        }
    }
    (spans, words, String::new())
}

/// A suggestion's words (its row's `text`, when it is a part of the segment rather than all of
/// it) and reason (its `memo`).
fn suggestion_evidence(store: &Store, segment: &Segment, code: &str) -> Evidence {
    let mut spans = Vec::new();
    let mut words = Vec::new();
    let mut why = Vec::new();
    let whole = segment.text.trim();
    for r in store
        .for_segment(&segment.id)
        .filter(|r| r.coder == SUGGESTED && r.status == Status::Proposed && r.code == code)
    {
        let part = r.text.trim();
        if !part.is_empty() && part != whole {
            if let Some(span) = find_chars(&segment.text, part, r.start, segment.start) {
                spans.push(span);
            }
            words.push(format!("«{}»", part.replace('\n', " ")));
        }
        if !r.memo.trim().is_empty() && !why.contains(&r.memo.trim()) {
            why.push(r.memo.trim());
        }
    }
    (spans, words, why.join("; "))
}

/// Where `part` lies in `text`, in characters: at the row's own offset when it holds the words
/// there, else the first place it occurs.
fn find_chars(text: &str, part: &str, start: Option<usize>, base: usize) -> Option<(usize, usize)> {
    let len = part.chars().count();
    if let Some(s) = start.and_then(|s| s.checked_sub(base)) {
        let at: String = text.chars().skip(s).take(len).collect();
        if at == part {
            return Some((s, s + len));
        }
    }
    let byte = text.find(part)?;
    let s = text[..byte].chars().count();
    Some((s, s + len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::testing::indexed;
    use crate::project::Project;

    const CODEBOOK: &str = r#"
[codes.trust]
label = "Trust"
patterns = ["trust"]

[codes.money]
label = "Money"
dimension = "component"
patterns = ["money"]
"#;

    const TRANSCRIPT: &str =
        "I: Tell me.\n\nP1: We trust the money people.\n\nP1: Nothing here.\n\nP1: Money, money.\n";

    fn project(extra: &[(&str, &str)]) -> (tempfile::TempDir, SearchIndex) {
        let mut files = vec![
            ("codebook/codes.toml", CODEBOOK),
            ("corpus/a.txt", TRANSCRIPT),
        ];
        files.extend_from_slice(extra);
        let (dir, mut index) = indexed(&files);
        index
            .refresh_codings(&Project::open(dir.path()).unwrap())
            .unwrap();
        (dir, index)
    }

    fn pairs(q: &Queue) -> Vec<(String, String)> {
        q.proposals
            .iter()
            .map(|p| (p.segment_id.clone(), p.code.clone()))
            .collect()
    }

    #[test]
    fn the_machines_codes_in_corpus_order_with_context_and_evidence() {
        let (_dir, index) = project(&[]);
        let q = build_queue(&index, Source::Machine, &Filter::default()).unwrap();
        let got = pairs(&q);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0].1, "trust");
        assert_eq!(got[1].1, "money");
        assert_eq!(got[0].0, got[1].0);
        assert_eq!(q.order.len(), 4, "the interviewer's turn is context");
        let shown = q.show(&index, 0, 1).unwrap().unwrap();
        assert_eq!(shown.spans, [(3, 8)]);
        assert_eq!(shown.evidence, ["«trust» (trust)"]);
        assert_eq!(shown.before[0].text, "Tell me.");
        assert_eq!(shown.after[0].text, "Nothing here.");
        // --code and --dimension choose codes, not segments.
        let money = Filter {
            dimensions: vec!["component".into()],
            ..Filter::default()
        };
        let q = build_queue(&index, Source::Machine, &money).unwrap();
        assert!(pairs(&q).iter().all(|(_, c)| c == "money"));
        assert_eq!(q.proposals.len(), 2);
    }

    #[test]
    fn suggestions_are_proposed_rows_of_coder_suggested() {
        let (_dir, index) = project(&[(
            "codings/suggested.csv",
            "segment_id,code,coder,text,memo,status\n\
             a:3.1,trust,suggested,Nothing,sounds like distrust,proposed\n\
             a:3.1,money,suggested,,,\n\
             a:2.1,money,ann,,,proposed\n",
        )]);
        let q = build_queue(&index, Source::Suggested, &Filter::default()).unwrap();
        assert_eq!(pairs(&q), [("a:3.1".to_string(), "trust".to_string())]);
        let shown = q.show(&index, 0, 0).unwrap().unwrap();
        assert_eq!(shown.spans, [(0, 7)]);
        assert_eq!(shown.why, "sounds like distrust");
    }
}
