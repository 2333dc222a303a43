//! Multinomial logistic regression with an L2 penalty: `alpha` (and `max_iter`).
//!
//! The objective is linfa-logistic's (which this model used before), so `alpha` keeps its
//! meaning: `Σᵢ −log softmax(W xᵢ + b)_{yᵢ} + α/2 ‖W‖²`, the intercepts unpenalised
//! (scikit-learn's `LogisticRegression(C = 1/α)`). Why our own solver: linfa minimises it
//! through argmin's generic L-BFGS with a More–Thuente line search on ndarray temporaries
//! and a gradient tolerance on the unscaled sum, 13.7 s for one 5-fold trial on 200,000 rows
//! against scikit-learn's 0.7 s. Here one pass over the rows gives the loss and gradient
//! together, L-BFGS (memory 10) takes backtracking Armijo steps, and it stops as
//! scikit-learn's lbfgs does: when the largest gradient entry of the per-row mean objective
//! is below `1e-4`, or after `max_iter` iterations.

use super::{CvData, Model, ModelError, Predictions, param_f64};
use crate::space::Params;
use std::collections::VecDeque;
use std::sync::Arc;

/// scikit-learn's `tol` for lbfgs, on the per-row mean objective's gradient.
const GRADIENT_TOLERANCE: f64 = 1e-4;
/// Correction pairs L-BFGS keeps.
const MEMORY: usize = 10;

/// Logistic regression prepared on a set of splits.
pub(crate) struct LogisticLearner {
    cv: Arc<CvData>,
}

impl LogisticLearner {
    /// Prepare for the splits of `cv`.
    pub(crate) fn new(cv: Arc<CvData>) -> LogisticLearner {
        LogisticLearner { cv }
    }
}

/// A fitted model: per class, `d` weights then the intercept.
#[derive(Clone, Debug)]
pub(crate) struct LogisticFit {
    d: usize,
    weights: Vec<f64>,
    n_classes: usize,
}

impl LogisticFit {
    /// The most probable class of row `x` (the lower on ties).
    pub(crate) fn predict_row(&self, x: &[f64]) -> usize {
        let mut best = (f64::NEG_INFINITY, 0);
        for k in 0..self.n_classes {
            let z = score(&self.weights, self.d, k, x);
            if z > best.0 {
                best = (z, k);
            }
        }
        best.1
    }
}

#[inline]
fn score(w: &[f64], d: usize, k: usize, x: &[f64]) -> f64 {
    let wk = &w[k * (d + 1)..(k + 1) * (d + 1)];
    wk[d] + wk[..d].iter().zip(x).map(|(a, b)| a * b).sum::<f64>()
}

/// The per-row mean objective and its gradient at `w` (into `grad`).
fn loss_and_gradient(
    x: &[f64],
    d: usize,
    labels: &[usize],
    n_classes: usize,
    alpha: f64,
    w: &[f64],
    grad: &mut [f64],
) -> f64 {
    let n = labels.len() as f64;
    grad.iter_mut().for_each(|g| *g = 0.0);
    let mut z = vec![0.0; n_classes];
    let mut loss = 0.0;
    for (row, &y) in x.chunks_exact(d.max(1)).zip(labels) {
        for (k, zk) in z.iter_mut().enumerate() {
            *zk = score(w, d, k, row);
        }
        let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = z.iter().map(|v| (v - top).exp()).sum();
        let lse = top + sum.ln();
        loss += lse - z[y];
        for (k, &zk) in z.iter().enumerate() {
            let diff = (zk - lse).exp() - f64::from(u8::from(k == y));
            let gk = &mut grad[k * (d + 1)..(k + 1) * (d + 1)];
            for (g, v) in gk[..d].iter_mut().zip(row) {
                *g += diff * v;
            }
            gk[d] += diff;
        }
    }
    let mut penalty = 0.0;
    for k in 0..n_classes {
        let base = k * (d + 1);
        for j in 0..d {
            let v = w[base + j];
            penalty += v * v;
            grad[base + j] += alpha * v;
        }
    }
    grad.iter_mut().for_each(|g| *g /= n);
    (loss + 0.5 * alpha * penalty) / n
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Fit on row-major `x` (`d` columns) and `labels` with penalty `alpha`, at most
/// `max_iter` L-BFGS iterations.
pub(crate) fn fit(
    x: &[f64],
    d: usize,
    labels: &[usize],
    alpha: f64,
    max_iter: usize,
) -> Result<LogisticFit, ModelError> {
    let n_classes = labels.iter().max().map_or(0, |m| m + 1);
    if labels.is_empty() || x.len() != labels.len() * d || n_classes < 2 {
        return Err(ModelError::Invalid(
            "logistic regression needs rows of at least two classes".into(),
        ));
    }
    let m = n_classes * (d + 1);
    let eval = |w: &[f64], g: &mut [f64]| loss_and_gradient(x, d, labels, n_classes, alpha, w, g);
    let mut w = vec![0.0; m];
    let mut g = vec![0.0; m];
    let mut f = eval(&w, &mut g);
    let mut pairs: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::with_capacity(MEMORY);
    let (mut w_new, mut g_new) = (vec![0.0; m], vec![0.0; m]);
    for _ in 0..max_iter {
        if g.iter().fold(0.0f64, |a, v| a.max(v.abs())) <= GRADIENT_TOLERANCE {
            break;
        }
        // Two-loop recursion: the direction −H g.
        let mut q = g.clone();
        let mut a = Vec::with_capacity(pairs.len());
        for (s, y, rho) in pairs.iter().rev() {
            let ai = rho * dot(s, &q);
            q.iter_mut().zip(y).for_each(|(qv, yv)| *qv -= ai * yv);
            a.push(ai);
        }
        let gamma = pairs.back().map_or(1.0, |(s, y, _)| dot(s, y) / dot(y, y));
        q.iter_mut().for_each(|v| *v *= gamma);
        for ((s, y, rho), ai) in pairs.iter().zip(a.iter().rev()) {
            let b = rho * dot(y, &q);
            q.iter_mut()
                .zip(s)
                .for_each(|(qv, sv)| *qv += (ai - b) * sv);
        }
        let mut dir: Vec<f64> = q.iter().map(|v| -v).collect();
        let mut slope = dot(&g, &dir);
        if slope >= 0.0 {
            // Not a descent direction (curvature lost): restart from steepest descent.
            pairs.clear();
            dir = g.iter().map(|v| -v).collect();
            slope = dot(&g, &dir);
        }
        let mut step = if pairs.is_empty() {
            (1.0 / g.iter().map(|v| v * v).sum::<f64>().sqrt()).min(1.0)
        } else {
            1.0
        };
        let mut f_new;
        let mut tries = 0;
        loop {
            w_new
                .iter_mut()
                .zip(&w)
                .zip(&dir)
                .for_each(|((wn, wv), dv)| *wn = wv + step * dv);
            f_new = eval(&w_new, &mut g_new);
            if f_new <= f + 1e-4 * step * slope || tries >= 30 {
                break;
            }
            step *= 0.5;
            tries += 1;
        }
        if f_new > f {
            break;
        }
        let s: Vec<f64> = w_new.iter().zip(&w).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 * dot(&y, &y).max(f64::MIN_POSITIVE) {
            if pairs.len() == MEMORY {
                pairs.pop_front();
            }
            pairs.push_back((s, y, 1.0 / sy));
        }
        std::mem::swap(&mut w, &mut w_new);
        std::mem::swap(&mut g, &mut g_new);
        let converged = (f - f_new).abs() <= 1e-15 * f.abs().max(1.0);
        f = f_new;
        if converged {
            break;
        }
    }
    Ok(LogisticFit {
        d,
        weights: w,
        n_classes,
    })
}

/// A trial's logistic settings, read once: `alpha` (L2 strength, α = 1/C) and `max_iter`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct LogisticParams {
    /// L2 regularisation strength (≥ 0).
    pub alpha: f64,
    /// Most L-BFGS iterations (≥ 1).
    pub(crate) max_iter: usize,
}

impl LogisticParams {
    /// Read and check a trial's parameters; errors name the parameter.
    pub(crate) fn decode(params: &Params) -> Result<LogisticParams, ModelError> {
        let alpha = param_f64(params, "alpha", Some(1.0))?;
        if !(alpha.is_finite() && alpha >= 0.0) {
            return Err(ModelError::BadParam(format!(
                "alpha must be ≥ 0, got {alpha}"
            )));
        }
        let max_iter = param_f64(params, "max_iter", Some(100.0))?;
        if !(1.0..=1e9).contains(&max_iter) {
            return Err(ModelError::BadParam(format!(
                "max_iter must be between 1 and 1e9, got {max_iter}"
            )));
        }
        Ok(LogisticParams {
            alpha,
            max_iter: max_iter as usize,
        })
    }
}

impl Model for LogisticLearner {
    type Hyper = LogisticParams;

    fn decode(&self, params: &Params) -> Result<LogisticParams, ModelError> {
        LogisticParams::decode(params)
    }

    fn fit_predict(&self, fold: usize, hyper: &LogisticParams) -> Result<Predictions, ModelError> {
        let split = self.cv.split(fold)?;
        let Predictions::Classes(labels) = &split.y_train else {
            return Err(ModelError::Invalid("logistic needs class labels".into()));
        };
        let d = self.cv.d;
        let model = fit(&split.x_train, d, labels, hyper.alpha, hyper.max_iter)?;
        let predicted = split
            .x_test
            .chunks_exact(d.max(1))
            .map(|x| model.predict_row(x))
            .collect();
        Ok(Predictions::Classes(predicted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_three_classes_and_the_gradient_vanishes_at_the_optimum() {
        // Three clusters on a line with some overlap.
        let x: Vec<f64> = (0..60)
            .map(|i| (i / 20) as f64 * 2.0 + (i % 20) as f64 * 0.12 - 1.2)
            .collect();
        let labels: Vec<usize> = (0..60).map(|i| i / 20).collect();
        let fit = fit(&x, 1, &labels, 0.1, 500).unwrap();
        let right = x
            .iter()
            .zip(&labels)
            .filter(|(v, y)| fit.predict_row(&[**v]) == **y)
            .count();
        assert!(right >= 50, "{right}");
        let mut g = vec![0.0; 6];
        loss_and_gradient(&x, 1, &labels, 3, 0.1, &fit.weights, &mut g);
        assert!(g.iter().all(|v| v.abs() <= GRADIENT_TOLERANCE), "{g:?}");
    }

    #[test]
    fn the_gradient_is_the_derivative_of_the_loss() {
        let x = [0.5, -1.0, 2.0, 0.3, -0.7, 1.1, 0.0, 0.4];
        let labels = [0, 1, 2, 1];
        let w = [0.1, -0.2, 0.3, 0.05, -0.4, 0.2, 0.1, 0.0, -0.1];
        let mut g = vec![0.0; 9];
        loss_and_gradient(&x, 2, &labels, 3, 0.5, &w, &mut g);
        for j in 0..9 {
            let (mut up, mut down) = (w, w);
            up[j] += 1e-6;
            down[j] -= 1e-6;
            let mut scratch = vec![0.0; 9];
            let numeric = (loss_and_gradient(&x, 2, &labels, 3, 0.5, &up, &mut scratch)
                - loss_and_gradient(&x, 2, &labels, 3, 0.5, &down, &mut scratch))
                / 2e-6;
            assert!((numeric - g[j]).abs() < 1e-7, "{j}: {numeric} vs {}", g[j]);
        }
    }
}
