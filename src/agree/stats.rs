//! Agreement statistics, from their textbook definitions: percent agreement, Cohen's κ (two
//! coders), Krippendorff's α for nominal data (any number of coders, missing data allowed), and
//! precision, recall and F1 against a gold coder. A statistic that the definition leaves
//! undefined (κ when chance agreement is 1, α when there is no variation) is `None`, not a guess.

use std::collections::BTreeMap;

/// Share of units on which two coders gave the same value.
pub fn percent_agreement(pairs: &[(u32, u32)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    Some(pairs.iter().filter(|(a, b)| a == b).count() as f64 / pairs.len() as f64)
}

/// Cohen's κ = (p_o − p_e) / (1 − p_e) for two coders over the same units (Cohen 1960).
pub fn cohen_kappa(pairs: &[(u32, u32)]) -> Option<f64> {
    let n = pairs.len() as f64;
    if pairs.is_empty() {
        return None;
    }
    let po = percent_agreement(pairs)?;
    let mut a: BTreeMap<u32, f64> = BTreeMap::new();
    let mut b: BTreeMap<u32, f64> = BTreeMap::new();
    for (x, y) in pairs {
        *a.entry(*x).or_default() += 1.0;
        *b.entry(*y).or_default() += 1.0;
    }
    let pe: f64 = a
        .iter()
        .map(|(k, na)| na / n * b.get(k).copied().unwrap_or(0.0) / n)
        .sum();
    if (1.0 - pe).abs() < 1e-12 {
        return None;
    }
    Some((po - pe) / (1.0 - pe))
}

/// Krippendorff's α for nominal data. `units` holds, per unit, the values the coders who coded
/// it gave (missing coders simply absent). Units coded by fewer than two coders are not
/// pairable and drop out. α = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k, with o the
/// coincidence matrix (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability").
pub fn krippendorff_alpha_nominal(units: &[Vec<u32>]) -> Option<f64> {
    let mut o: BTreeMap<(u32, u32), f64> = BTreeMap::new();
    for values in units {
        let m = values.len();
        if m < 2 {
            continue;
        }
        for (i, &c) in values.iter().enumerate() {
            for (j, &k) in values.iter().enumerate() {
                if i != j {
                    *o.entry((c, k)).or_default() += 1.0 / (m as f64 - 1.0);
                }
            }
        }
    }
    let mut nc: BTreeMap<u32, f64> = BTreeMap::new();
    for (&(c, _), v) in &o {
        *nc.entry(c).or_default() += v;
    }
    let n: f64 = nc.values().sum();
    let observed: f64 = o.iter().filter(|((c, k), _)| c != k).map(|(_, v)| v).sum();
    let mut expected = 0.0;
    for (c, x) in &nc {
        for (k, y) in &nc {
            if c != k {
                expected += x * y;
            }
        }
    }
    if n <= 1.0 || expected == 0.0 {
        return None;
    }
    Some(1.0 - (n - 1.0) * observed / expected)
}

/// Precision, recall and F1 of a coder's positive decisions against gold's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prf {
    pub true_pos: usize,
    pub false_pos: usize,
    pub false_neg: usize,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

/// `pairs`: (gold, other), each true when the code was applied.
pub fn precision_recall(pairs: &[(bool, bool)]) -> Prf {
    let tp = pairs.iter().filter(|(g, o)| *g && *o).count();
    let fp = pairs.iter().filter(|(g, o)| !*g && *o).count();
    let fneg = pairs.iter().filter(|(g, o)| *g && !*o).count();
    let ratio = |a: usize, b: usize| (b > 0).then(|| a as f64 / b as f64);
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fneg);
    let f1 = match (precision, recall) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
        (Some(_), Some(_)) => Some(0.0),
        _ => None,
    };
    Prf {
        true_pos: tp,
        false_pos: fp,
        false_neg: fneg,
        precision,
        recall,
        f1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 5e-4)
    }

    /// Wikipedia, "Cohen's kappa", worked example: 50 grant proposals read by two readers,
    /// Yes/Yes 20, Yes/No 5, No/Yes 10, No/No 15 → p_o = 0.7, p_e = 0.5, κ = 0.4.
    #[test]
    fn cohen_kappa_wikipedia_example() {
        let mut pairs = Vec::new();
        pairs.extend(std::iter::repeat_n((1, 1), 20));
        pairs.extend(std::iter::repeat_n((1, 0), 5));
        pairs.extend(std::iter::repeat_n((0, 1), 10));
        pairs.extend(std::iter::repeat_n((0, 0), 15));
        assert!(close(percent_agreement(&pairs), 0.7));
        assert!(close(cohen_kappa(&pairs), 0.4));
    }

    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section A: binary data,
    /// two observers, ten units, no missing data: α = 0.095.
    #[test]
    fn alpha_binary_two_observers() {
        let a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0];
        let b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0];
        let units: Vec<Vec<u32>> = a.iter().zip(b).map(|(&x, y)| vec![x, y]).collect();
        assert!(
            close(krippendorff_alpha_nominal(&units), 0.095),
            "{:?}",
            krippendorff_alpha_nominal(&units)
        );
    }

    /// Krippendorff (2011), section C: nominal data, four observers, twelve units, missing data:
    /// α = 0.743.
    #[test]
    fn alpha_nominal_four_observers_missing_data() {
        const X: u32 = 0; // missing
        let obs = [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, X, X, X],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, X, 3],
            [X, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, X],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, X],
        ];
        let units: Vec<Vec<u32>> = (0..12)
            .map(|u| obs.iter().map(|o| o[u]).filter(|&v| v != X).collect())
            .collect();
        assert!(
            close(krippendorff_alpha_nominal(&units), 0.743),
            "{:?}",
            krippendorff_alpha_nominal(&units)
        );
    }

    #[test]
    fn edge_cases() {
        // Perfect agreement with variation: κ = α = 1.
        let pairs = [(1, 1), (0, 0), (1, 1)];
        assert!(close(cohen_kappa(&pairs), 1.0));
        let units: Vec<Vec<u32>> = pairs.iter().map(|&(a, b)| vec![a, b]).collect();
        assert!(close(krippendorff_alpha_nominal(&units), 1.0));
        // A code nobody used: agreement is 100%, κ and α are undefined.
        let none = [(0, 0), (0, 0)];
        assert!(close(percent_agreement(&none), 1.0));
        assert_eq!(cohen_kappa(&none), None);
        assert_eq!(krippendorff_alpha_nominal(&[vec![0, 0], vec![0, 0]]), None);
        // One coder only: nothing is pairable.
        assert_eq!(krippendorff_alpha_nominal(&[vec![1], vec![0]]), None);
        assert_eq!(cohen_kappa(&[]), None);
        // Precision and recall.
        let p = precision_recall(&[(true, true), (true, false), (false, true), (false, false)]);
        assert_eq!((p.true_pos, p.false_pos, p.false_neg), (1, 1, 1));
        assert!(close(p.precision, 0.5) && close(p.recall, 0.5) && close(p.f1, 0.5));
        assert_eq!(precision_recall(&[(false, false)]).precision, None);
    }
}
