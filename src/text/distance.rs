//! How far apart two words are: the optimal string alignment distance (Levenshtein plus the
//! swap of two neighbouring letters, `wtiness` → `witness` costing 1), over characters, and the
//! closest of a list of candidates, for "did you mean …?" hints.

/// Edits (insert, delete, substitute a character, or swap two neighbours) that turn `a` into
/// `b`. Case matters; lowercase both first to ignore it.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the usual table: the swap looks two rows back.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut row: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        row[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(row[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            row[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut row);
    }
    prev[b.len()]
}

/// The candidate nearest to `word`, ignoring case, if it is near enough to be a slip of the
/// keyboard: at most a third of the word's letters wrong (at least one). Ties go to the
/// earliest candidate, so the hint does not depend on anything but the list's order.
pub fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let word = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(&word, &c.to_lowercase());
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_inserts_deletes_substitutions_and_swaps() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("witnes", "witness"), 1);
        assert_eq!(edit_distance("modul", "module"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("wtiness", "witness"), 1);
        assert_eq!(edit_distance("ca", "abc"), 3);
        assert_eq!(edit_distance("Area", "area"), 1);
        assert_eq!(edit_distance("café", "cafe"), 1);
    }

    #[test]
    fn the_closest_is_near_enough_and_the_first_of_equals() {
        let cands = ["witness", "resident", "council_officer"];
        assert_eq!(closest("witnes", cands), Some("witness"));
        assert_eq!(closest("RESIDNET", cands), Some("resident"));
        assert_eq!(closest("nosuchdim", cands), None);
        assert_eq!(closest("ab", ["ac", "ad"]), Some("ac"));
        assert_eq!(
            closest("Eastbrook-01", ["eastbrook-01"]),
            Some("eastbrook-01")
        );
        assert_eq!(closest("x", Vec::<&str>::new()), None);
    }

    proptest! {
        #[test]
        fn a_metric_bounded_by_the_longer_word(a in "[a-c]{0,6}", b in "[a-c]{0,6}") {
            let d = edit_distance(&a, &b);
            prop_assert_eq!(d, edit_distance(&b, &a));
            prop_assert_eq!(d == 0, a == b);
            prop_assert!(d <= a.chars().count().max(b.chars().count()));
            let (la, lb) = (a.chars().count(), b.chars().count());
            prop_assert!(d >= la.abs_diff(lb));
        }
    }
}
