//! L2-regularised logistic regression over sparse vectors, fitted by L-BFGS: one model per code.
//!
//! Why our own rather than linfa-logistic: linfa works on dense `ndarray` matrices, and a
//! segment × feature matrix here is over 99% zeros (a segment has tens of features out of
//! thousands), so a dense fit would spend nearly all its time multiplying zeros; it also brings
//! ndarray, argmin and their dependencies into every build for one function. The fit below is
//! about a hundred lines, touches only the non-zero features, and is a fixed sequence of
//! floating-point operations on one thread: the same data give the same weights, bit for bit,
//! whatever the thread count (codes and their folds are fitted in parallel, each on its own).
//!
//! The loss is `C Σ cᵢ log(1 + e^(−yᵢ zᵢ)) + ½‖w‖²` with `zᵢ = w·xᵢ + b` (the bias is not
//! penalised), `cᵢ` each class's weight: with `balanced`, each class weighs as much as the
//! other in total, so a code on 3 segments out of 300 is not learned as "never".

use std::collections::VecDeque;

use super::features::Sparse;

/// How a code's model is fitted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitParams {
    /// The inverse of the penalty's strength: larger fits the training data more closely.
    pub c: f64,
    /// Weigh each class to half of the loss.
    pub balanced: bool,
}

/// A fitted model: a weight per feature id and a bias.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub weights: Vec<f64>,
    pub bias: f64,
}

impl Fit {
    /// The log-odds of the code for a vector.
    pub fn logit(&self, x: &Sparse) -> f64 {
        self.bias
            + x.iter()
                .map(|&(j, v)| self.weights[j as usize] * v)
                .sum::<f64>()
    }

    /// The model's probability of the code for a vector.
    pub fn probability(&self, x: &Sparse) -> f64 {
        sigmoid(self.logit(x))
    }
}

pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `ln(1 + e^(−m))` without overflow (what [`loss_and_sigmoid`] gives, by two exponentials).
#[cfg(test)]
fn log_loss(m: f64) -> f64 {
    if m > 0.0 {
        (-m).exp().ln_1p()
    } else {
        -m + m.exp().ln_1p()
    }
}

/// Fit a model on vectors `x` (of `dim` features) with labels `y`.
pub fn fit(x: &[&Sparse], y: &[bool], dim: usize, p: FitParams) -> Fit {
    let (cols, local) = compact(x, dim);
    let theta = fit_compact(&local, y, cols.len(), p);
    let mut weights = vec![0.0; dim];
    for (&j, &w) in cols.iter().zip(&theta) {
        weights[j as usize] = w;
    }
    Fit {
        bias: theta[cols.len()],
        weights,
    }
}

/// The features some vector of `x` has, in id order, and `x` renumbered over them. A feature
/// no example has keeps its weight at exactly zero throughout a fit (its gradient is only the
/// penalty's, zero at zero), and adds only zeros to every sum L-BFGS takes: leaving it out
/// gives the same weights, bit for bit, in time in proportion to the features used (a fold
/// leaves out the features only its held-out interviews have).
fn compact(x: &[&Sparse], dim: usize) -> (Vec<u32>, Vec<Sparse>) {
    let mut used = vec![false; dim];
    for xi in x {
        for &(j, _) in xi.iter() {
            used[j as usize] = true;
        }
    }
    let mut at = vec![u32::MAX; dim];
    let mut cols = Vec::new();
    for (j, _) in used.iter().enumerate().filter(|(_, &u)| u) {
        at[j] = cols.len() as u32;
        cols.push(j as u32);
    }
    let local = x
        .iter()
        .map(|xi| xi.iter().map(|&(j, v)| (at[j as usize], v)).collect())
        .collect();
    (cols, local)
}

/// [`fit`] over vectors whose every feature is used: the weights, then the bias.
fn fit_compact(x: &[Sparse], y: &[bool], dim: usize, p: FitParams) -> Vec<f64> {
    let pos = y.iter().filter(|&&b| b).count().max(1) as f64;
    let neg = (y.len() as f64 - pos).max(1.0);
    let n = y.len() as f64;
    let weight = |label: bool| match (p.balanced, label) {
        (false, _) => 1.0,
        (true, true) => n / (2.0 * pos),
        (true, false) => n / (2.0 * neg),
    };
    let cw: Vec<f64> = y.iter().map(|&l| p.c * weight(l)).collect();
    let loss = |theta: &[f64], grad: &mut [f64]| -> f64 {
        let (w, b) = theta.split_at(dim);
        grad.copy_from_slice(theta);
        grad[dim] = 0.0;
        let mut f = 0.5 * w.iter().map(|v| v * v).sum::<f64>();
        for ((xi, &yi), &ci) in x.iter().zip(y).zip(&cw) {
            let z = b[0] + xi.iter().map(|&(j, v)| w[j as usize] * v).sum::<f64>();
            let (loss, sig) = loss_and_sigmoid(z, yi);
            f += ci * loss;
            let d = ci * (sig - if yi { 1.0 } else { 0.0 });
            for &(j, v) in xi.iter() {
                grad[j as usize] += d * v;
            }
            grad[dim] += d;
        }
        f
    };
    lbfgs(loss, dim + 1, MAX_ITER)
}

/// `log_loss(±z)` (`+` for a positive) and `sigmoid(z)`, the same bits as those give, from
/// the one exponential both take (`e^(−|z|)`): the fit's inner loop spends its time there.
fn loss_and_sigmoid(z: f64, label: bool) -> (f64, f64) {
    let e = if z >= 0.0 { (-z).exp() } else { z.exp() };
    let sig = if z >= 0.0 {
        1.0 / (1.0 + e)
    } else {
        e / (1.0 + e)
    };
    let m = if label { z } else { -z };
    let loss = if m > 0.0 { e.ln_1p() } else { -m + e.ln_1p() };
    (loss, sig)
}

fn dotv(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Steps at most: on the dev data the fit has settled well before (what changes after is in
/// the fourth decimal of a probability), and each step costs time in proportion to the
/// features used.
const MAX_ITER: usize = 100;

/// Pairs of steps L-BFGS remembers.
const MEMORY: usize = 10;

/// Minimise `f` (which writes its gradient) from zero by L-BFGS with a backtracking line
/// search, for at most `max_iter` steps.
fn lbfgs(f: impl Fn(&[f64], &mut [f64]) -> f64, n: usize, max_iter: usize) -> Vec<f64> {
    let mut x = vec![0.0; n];
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    let mut hist: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::new();
    let (mut xn, mut gn) = (vec![0.0; n], vec![0.0; n]);
    for _ in 0..max_iter {
        let gnorm = dotv(&g, &g).sqrt();
        if gnorm <= 1e-5 * dotv(&x, &x).sqrt().max(1.0) {
            break;
        }
        let mut d = direction(&g, &hist, gnorm);
        let mut slope = dotv(&g, &d);
        if slope >= 0.0 {
            // Not a descent direction (rounding): start again from the gradient.
            hist.clear();
            d = g.iter().map(|v| -v / gnorm).collect();
            slope = -gnorm;
        }
        let mut t = 1.0;
        let fnew = loop {
            for i in 0..n {
                xn[i] = x[i] + t * d[i];
            }
            let fv = f(&xn, &mut gn);
            if fv <= fx + 1e-4 * t * slope {
                break Some(fv);
            }
            t *= 0.5;
            if t < 1e-12 {
                break None;
            }
        };
        let Some(fnew) = fnew else { break };
        let s: Vec<f64> = xn.iter().zip(&x).map(|(a, b)| a - b).collect();
        let yv: Vec<f64> = gn.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dotv(&s, &yv);
        if sy > 1e-12 {
            if hist.len() == MEMORY {
                hist.pop_front();
            }
            hist.push_back((s, yv, 1.0 / sy));
        }
        std::mem::swap(&mut x, &mut xn);
        std::mem::swap(&mut g, &mut gn);
        let done = (fx - fnew).abs() <= 1e-9 * fx.abs().max(1.0);
        fx = fnew;
        if done {
            break;
        }
    }
    x
}

/// The L-BFGS step direction: the gradient times the remembered inverse curvature, negated.
fn direction(g: &[f64], hist: &VecDeque<(Vec<f64>, Vec<f64>, f64)>, gnorm: f64) -> Vec<f64> {
    let mut q = g.to_vec();
    let mut alpha = vec![0.0; hist.len()];
    for (k, (s, y, rho)) in hist.iter().enumerate().rev() {
        alpha[k] = rho * dotv(s, &q);
        q.iter_mut()
            .zip(y)
            .for_each(|(qi, yi)| *qi -= alpha[k] * yi);
    }
    let gamma = match hist.back() {
        Some((s, y, _)) => dotv(s, y) / dotv(y, y),
        None => 1.0 / gnorm,
    };
    q.iter_mut().for_each(|v| *v *= gamma);
    for (k, (s, y, rho)) in hist.iter().enumerate() {
        let beta = rho * dotv(y, &q);
        q.iter_mut()
            .zip(s)
            .for_each(|(qi, si)| *qi += (alpha[k] - beta) * si);
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: FitParams = FitParams {
        c: 10.0,
        balanced: false,
    };

    #[test]
    fn a_feature_only_positives_have_gets_a_positive_weight() {
        // Feature 0 on positives, feature 1 on negatives, feature 2 on both.
        let xs: Vec<Sparse> = vec![
            vec![(0, 0.8), (2, 0.6)],
            vec![(0, 1.0)],
            vec![(1, 0.8), (2, 0.6)],
            vec![(1, 1.0)],
        ];
        let refs: Vec<&Sparse> = xs.iter().collect();
        let m = fit(&refs, &[true, true, false, false], 3, P);
        assert!(m.weights[0] > 0.5 && m.weights[1] < -0.5, "{m:?}");
        assert!(m.weights[2].abs() < 1e-3, "{m:?}");
        assert!(m.probability(&xs[0]) > 0.7 && m.probability(&xs[2]) < 0.3);
    }

    #[test]
    fn the_fit_matches_its_optimum() {
        // One feature, separable but penalised: the gradient is zero at the optimum.
        let xs: Vec<Sparse> = vec![vec![(0, 1.0)], vec![]];
        let refs: Vec<&Sparse> = xs.iter().collect();
        let m = fit(
            &refs,
            &[true, false],
            1,
            FitParams {
                c: 1.0,
                balanced: false,
            },
        );
        let (w, b) = (m.weights[0], m.bias);
        let d1 = sigmoid(w + b) - 1.0;
        let d2 = sigmoid(b);
        assert!((w + d1).abs() < 1e-5, "dw {}", w + d1);
        assert!((d1 + d2).abs() < 1e-5, "db {}", d1 + d2);
    }

    #[test]
    fn one_exponential_gives_the_bits_two_gave() {
        for z in [
            -800.0, -30.0, -1.5, -1e-300, -0.0, 0.0, 1e-300, 0.25, 2.0, 40.0, 800.0,
        ] {
            for label in [true, false] {
                let (loss, sig) = loss_and_sigmoid(z, label);
                let s = if label { 1.0 } else { -1.0 };
                assert_eq!(loss.to_bits(), log_loss(s * z).to_bits(), "{z} {label}");
                assert_eq!(sig.to_bits(), sigmoid(z).to_bits(), "{z} {label}");
            }
        }
    }

    #[test]
    fn features_no_example_has_keep_a_zero_weight() {
        // Features 1 and 3 of 5 are never seen: the fit is that of the three others, bit for bit.
        let xs: Vec<Sparse> = vec![vec![(0, 0.6), (2, 0.8)], vec![(2, 1.0)], vec![(4, 1.0)]];
        let narrow: Vec<Sparse> = vec![vec![(0, 0.6), (1, 0.8)], vec![(1, 1.0)], vec![(2, 1.0)]];
        let y = [true, true, false];
        let wide = fit(&xs.iter().collect::<Vec<_>>(), &y, 5, P);
        let small = fit(&narrow.iter().collect::<Vec<_>>(), &y, 3, P);
        assert_eq!(wide.weights[1].to_bits(), 0.0f64.to_bits());
        assert_eq!(wide.weights[3].to_bits(), 0.0f64.to_bits());
        let kept = [wide.weights[0], wide.weights[2], wide.weights[4], wide.bias];
        let want = [
            small.weights[0],
            small.weights[1],
            small.weights[2],
            small.bias,
        ];
        assert_eq!(kept.map(f64::to_bits), want.map(f64::to_bits));
    }

    #[test]
    fn balanced_weights_raise_a_rare_class() {
        let mut xs: Vec<Sparse> = vec![vec![(0, 1.0)]];
        xs.extend((0..20).map(|_| vec![(1, 1.0)]));
        xs.push(vec![(0, 0.6), (1, 0.8)]);
        let refs: Vec<&Sparse> = xs.iter().collect();
        let mut y = vec![true];
        y.extend([false; 21]);
        let plain = fit(
            &refs,
            &y,
            2,
            FitParams {
                c: 1.0,
                balanced: false,
            },
        );
        let bal = fit(
            &refs,
            &y,
            2,
            FitParams {
                c: 1.0,
                balanced: true,
            },
        );
        assert!(bal.probability(&xs[0]) > plain.probability(&xs[0]));
    }
}
