//! Whether the GP deserves trust: each trial predicted by the GP fitted on all the others
//! (leave-one-out cross-validation, Ax's "cross-validation plot"), with its 95% interval and
//! the share of observed values that fall inside.
//!
//! A calibrated GP holds about 95% of the observations inside their intervals and puts the
//! predictions near the diagonal. Far fewer inside means the GP is overconfident (its length
//! scales too long, its noise too small, or the objective rougher than the kernel allows):
//! its surface, slices and importances should then be read as rough. The predictions use the
//! closed form of `crate::gp::GpModel::leave_one_out` and keep the hyperparameters fitted
//! on every trial, so they are slightly optimistic compared with refitting per fold.

use crate::gp::Surrogate;

/// `z` of a two-sided 95% normal interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// One trial's leave-one-out prediction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LooPoint {
    /// The trial's observed value.
    pub observed: f64,
    /// The GP's prediction from the other trials.
    pub mean: f64,
    /// Its standard deviation (observation noise included).
    pub sd: f64,
}

impl LooPoint {
    /// Whether the observed value lies within `mean ± 1.96 sd`.
    pub fn inside(&self) -> bool {
        (self.observed - self.mean).abs() <= Z95 * self.sd
    }
}

/// Leave-one-out predictions of every trial with summary numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostics {
    /// One per trial the GP holds, in the order it holds them.
    pub points: Vec<LooPoint>,
    /// Share of observed values inside their 95% interval (0 to 1).
    pub inside: f64,
    /// Root mean squared error of the predictions (the objective's units).
    pub rmse: f64,
    /// Pearson correlation of predicted and observed values (`NaN` when either is constant).
    pub correlation: f64,
}

impl Diagnostics {
    /// Summarise leave-one-out predictions.
    pub fn of(points: Vec<LooPoint>) -> Self {
        let n = points.len().max(1) as f64;
        let inside = points.iter().filter(|p| p.inside()).count() as f64 / n;
        let rmse = (points
            .iter()
            .map(|p| (p.observed - p.mean).powi(2))
            .sum::<f64>()
            / n)
            .sqrt();
        let (mo, mp) = (
            points.iter().map(|p| p.observed).sum::<f64>() / n,
            points.iter().map(|p| p.mean).sum::<f64>() / n,
        );
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for p in &points {
            let (a, b) = (p.observed - mo, p.mean - mp);
            sxy += a * b;
            sxx += a * a;
            syy += b * b;
        }
        let correlation = if sxx > 0.0 && syy > 0.0 {
            sxy / (sxx * syy).sqrt()
        } else {
            f64::NAN
        };
        Diagnostics {
            points,
            inside,
            rmse,
            correlation,
        }
    }

    /// The leave-one-out diagnostics of a fitted surrogate.
    pub fn of_surrogate(s: &Surrogate) -> Self {
        Diagnostics::of(
            s.leave_one_out()
                .into_iter()
                .map(|(observed, mean, sd)| LooPoint { observed, mean, sd })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::{Domain, Param, Space};
    use crate::study::{Direction, Trial, default_study};

    #[test]
    fn a_gp_on_a_smooth_function_predicts_held_out_trials_and_covers_them() {
        let mut study = default_study();
        study.space = Space::new(vec![
            Param::new(
                "a",
                Domain::Float {
                    low: 0.0,
                    high: 1.0,
                    log: false,
                },
            ),
            Param::new(
                "b",
                Domain::Float {
                    low: 0.0,
                    high: 1.0,
                    log: false,
                },
            ),
        ])
        .unwrap();
        study.direction = Direction::Maximize;
        study.trials = (0..30)
            .map(|i| {
                let p = vec![
                    (i as f64 * 0.618_034).fract(),
                    (i as f64 * 0.754_878).fract(),
                ];
                let v = (3.0 * p[0]).sin() + p[1] * p[1];
                Trial::complete(i, Vec::new(), p, v)
            })
            .collect();
        let s = Surrogate::fit(&study).unwrap();
        let d = Diagnostics::of_surrogate(&s);
        assert_eq!(d.points.len(), 30);
        assert!(d.correlation > 0.95, "{}", d.correlation);
        assert!(d.inside > 0.8, "{}", d.inside);
        // Values come back in the objective's own direction (maximised: not negated).
        let first = &d.points[0];
        assert!((first.observed - 0.0).abs() < 1e-12);
    }
}
