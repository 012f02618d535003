//! Which segments a command reads: the filters search and every export share (a query, roles,
//! speakers, interviews, metadata, codes, dimensions), as one value the command line builds once.

use super::SearchRequest;

/// The segments to read. Empty lists and an empty query hold nothing back; each non-empty list
/// keeps segments matching any of its entries, and all the lists must hold together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Words, "phrases", prefix*, OR, AND, NOT (see [`super::parse_query`]); empty: any segment.
    pub query: String,
    /// Role ids, labels or aliases.
    pub roles: Vec<String>,
    /// Speaker labels as written (`P1`).
    pub speakers: Vec<String>,
    /// Interview ids.
    pub interviews: Vec<String>,
    /// Metadata `(key, value)` pairs, compared case-insensitively; all must hold.
    pub wheres: Vec<(String, String)>,
    /// Code ids; a segment coded with one of them or one of their descendants matches.
    pub codes: Vec<String>,
    /// Code dimensions (component, stakeholder, …); a segment coded in one of them matches.
    pub dimensions: Vec<String>,
    /// Read interviewer turns too (they are context, not data, by default).
    pub include_interviewer: bool,
}

/// A `--where` flag that is not `KEY=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--where {0:?}: write KEY=VALUE, e.g. --where area=Northmoor")]
pub struct WhereError(pub String);

impl Filter {
    /// `KEY=VALUE` as a metadata condition, both sides trimmed; the key must not be empty (the
    /// value may: `area=` keeps segments whose area is empty).
    pub fn parse_where(flag: &str) -> Result<(String, String), WhereError> {
        match flag.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                Ok((k.trim().to_string(), v.trim().to_string()))
            }
            _ => Err(WhereError(flag.to_string())),
        }
    }

    /// Whether anything besides the interviewer rule narrows the segments: without, an export
    /// reads every respondent segment and needs no search.
    pub fn narrows(&self) -> bool {
        !self.query.trim().is_empty()
            || !self.roles.is_empty()
            || !self.speakers.is_empty()
            || !self.interviews.is_empty()
            || !self.wheres.is_empty()
            || !self.codes.is_empty()
            || !self.dimensions.is_empty()
    }

    /// The search for these segments, ranked, at most `limit` hits with `context` paragraphs
    /// either side.
    pub fn request(&self, limit: usize, context: usize) -> SearchRequest {
        SearchRequest {
            query: self.query.clone(),
            roles: self.roles.clone(),
            speakers: self.speakers.clone(),
            interviews: self.interviews.clone(),
            wheres: self.wheres.clone(),
            include_interviewer: self.include_interviewer,
            codes: self.codes.clone(),
            dimensions: self.dimensions.clone(),
            limit,
            context,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_flags_are_key_value_pairs() {
        assert_eq!(
            Filter::parse_where(" area = Northmoor "),
            Ok(("area".into(), "Northmoor".into()))
        );
        assert_eq!(
            Filter::parse_where("note=a=b"),
            Ok(("note".into(), "a=b".into()))
        );
        assert_eq!(Filter::parse_where("area="), Ok(("area".into(), "".into())));
        for bad in ["area", "=Northmoor", " =x", ""] {
            let err = Filter::parse_where(bad).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("--where {bad:?}: write KEY=VALUE, e.g. --where area=Northmoor")
            );
        }
    }

    #[test]
    fn only_a_real_condition_narrows() {
        assert!(!Filter::default().narrows());
        let everyone = Filter {
            query: "  ".into(),
            include_interviewer: true,
            ..Filter::default()
        };
        assert!(!everyone.narrows());
        let cases = [
            Filter {
                query: "trust".into(),
                ..Filter::default()
            },
            Filter {
                roles: vec!["resident".into()],
                ..Filter::default()
            },
            Filter {
                speakers: vec!["P1".into()],
                ..Filter::default()
            },
            Filter {
                interviews: vec!["a".into()],
                ..Filter::default()
            },
            Filter {
                wheres: vec![("area".into(), "x".into())],
                ..Filter::default()
            },
            Filter {
                codes: vec!["trust".into()],
                ..Filter::default()
            },
            Filter {
                dimensions: vec!["component".into()],
                ..Filter::default()
            },
        ];
        for f in cases {
            assert!(f.narrows(), "{f:?}");
        }
    }

    #[test]
    fn the_request_carries_every_condition() {
        let f = Filter {
            query: "trust".into(),
            roles: vec!["resident".into()],
            speakers: vec!["P1".into()],
            interviews: vec!["a".into()],
            wheres: vec![("area".into(), "x".into())],
            codes: vec!["trust".into()],
            dimensions: vec!["component".into()],
            include_interviewer: true,
        };
        let r = f.request(5, 2);
        assert_eq!(
            (r.query.as_str(), r.limit, r.context, r.include_interviewer),
            ("trust", 5, 2, true)
        );
        assert_eq!(
            (
                &r.roles,
                &r.speakers,
                &r.interviews,
                &r.codes,
                &r.dimensions
            ),
            (
                &f.roles,
                &f.speakers,
                &f.interviews,
                &f.codes,
                &f.dimensions
            )
        );
        assert_eq!(r.wheres, f.wheres);
    }
}
