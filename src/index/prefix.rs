//! A glob's words (`trust*`): every word of the unstemmed field that begins with the prefix,
//! found as the range of the term dictionary they fill.
//!
//! Why not a regex (`trust.*`, tantivy's `RegexQuery`): compiling its automaton took about
//! 0.2 ms per search, a quarter of a served glob search's time on the inquiry and on 1 GB.
//! The words that begin with a prefix are exactly those from the prefix up to (not including)
//! the prefix with its last byte raised by one, in the dictionary's byte order, so the range
//! finds the same words without building anything. Both score every match the same (a
//! constant), so rankings do not change; the test below compares the two.

use std::ops::Bound;

use tantivy::query::{InvertedIndexRangeQuery, Query};
use tantivy::schema::Field;
use tantivy::Term;

/// Documents with a word of `field` that begins with `prefix` (not empty), each scored 1.
pub(super) fn words_beginning(field: Field, prefix: &str) -> Box<dyn Query> {
    let lower = Bound::Included(Term::from_field_text(field, prefix));
    let upper = match just_after(prefix.as_bytes()) {
        Some(end) => Bound::Excluded(Term::from_field_bytes(field, &end)),
        None => Bound::Unbounded,
    };
    // No limit on how many words the prefix takes in, as before.
    Box::new(InvertedIndexRangeQuery::new(lower, upper))
}

/// The smallest byte string above every string that begins with `prefix`; `None` when there is
/// none (a prefix of 0xFF bytes only, which text never has).
fn just_after(prefix: &[u8]) -> Option<Vec<u8>> {
    let last = prefix.iter().rposition(|&b| b != u8::MAX)?;
    let mut end = prefix[..=last].to_vec();
    end[last] += 1;
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tantivy::collector::DocSetCollector;
    use tantivy::query::RegexQuery;
    use tantivy::schema::{Schema, STRING};
    use tantivy::{doc, Index, IndexWriter};

    #[test]
    fn the_end_of_a_prefix_range() {
        assert_eq!(just_after(b"trust"), Some(b"trusu".to_vec()));
        assert_eq!(just_after(&[b'a', 0xFF, 0xFF]), Some(b"b".to_vec()));
        assert_eq!(just_after(&[0xFF]), None);
    }

    /// The documents each query finds, one word per document.
    fn found(words: &[String], prefixes: &[String]) -> Vec<(Vec<u32>, Vec<u32>)> {
        let mut schema = Schema::builder();
        let field = schema.add_text_field("w", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for w in words {
            writer.add_document(doc!(field => w.as_str())).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let docs = |q: &dyn Query| {
            let mut d: Vec<u32> = searcher
                .search(q, &DocSetCollector)
                .unwrap()
                .into_iter()
                .map(|a| a.doc_id)
                .collect();
            d.sort_unstable();
            d
        };
        prefixes
            .iter()
            .map(|p| {
                let regex = format!("{}.*", regex::escape(p));
                let reference = RegexQuery::from_pattern(&regex, field).unwrap();
                (docs(words_beginning(field, p).as_ref()), docs(&reference))
            })
            .collect()
    }

    proptest! {
        /// The range finds exactly the words the regex `prefix.*` finds, with words and
        /// prefixes over a small alphabet (so that they share beginnings), accents and all.
        #[test]
        fn a_prefix_finds_what_its_regex_finds(
            words in proptest::collection::vec("[abé€z]{1,6}", 1..40),
            prefixes in proptest::collection::vec("[abé€z]{1,3}", 1..8),
        ) {
            for (range, regex) in found(&words, &prefixes) {
                prop_assert_eq!(range, regex);
            }
        }
    }

    #[test]
    fn a_word_equal_to_the_prefix_is_found_and_its_neighbours_are_not() {
        let words: Vec<String> = ["trust", "trusted", "trusu", "trus", "truss"]
            .map(String::from)
            .to_vec();
        let found = found(&words, &["trust".to_string()]);
        assert_eq!(found[0].0, vec![0, 1]);
        assert_eq!(found[0].0, found[0].1);
    }
}
