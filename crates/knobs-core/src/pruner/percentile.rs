//! Optuna's `PercentilePruner`: stop a trial whose best value so far is worse than a
//! percentile of the completed trials' values at the same step.
//!
//! The rule, exactly as Optuna 5.0 has it, at a report at step `s` (the trial's largest):
//! - no decision before `n_startup_trials` trials have completed (default 5: a percentile of
//!   fewer curves says little), nor before step `n_warmup_steps` (default 0: every step
//!   counts; raise it for curves that start noisy);
//! - decisions only at the first report in each `interval_steps` window after the warm-up
//!   (default 1: every step), so a script reporting often is not judged more often;
//! - the trial's *best* value over all its steps is compared with the `percentile`-th
//!   percentile (linear interpolation, as `numpy.nanpercentile`) of the completed trials'
//!   values reported at exactly step `s`; for a maximised objective the percentile is taken
//!   from the top (`100 − percentile`);
//! - fewer than `n_min_trials` such values (default 1): no decision.
//!
//! "Completed trials" are those told before this trial was asked (see [`super`]).

use super::{Decision, History, best_of, invalid};
use crate::study::{Direction, Intermediate};
use serde::{Deserialize, Serialize};

/// Settings of `PercentileSettings::decide`; defaults as Optuna's.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PercentileSettings {
    /// Which percentile to keep, 0..=100 (default 25: prune the worst three quarters' side;
    /// the median rule is 50).
    pub percentile: f64,
    /// Completed trials needed before anything is pruned (default 5).
    pub n_startup_trials: usize,
    /// Steps before which a trial is never pruned (default 0).
    pub n_warmup_steps: u64,
    /// Steps between decisions after the warm-up (default 1).
    pub interval_steps: u64,
    /// Values at the step needed to decide (default 1).
    pub n_min_trials: usize,
}

impl Default for PercentileSettings {
    fn default() -> Self {
        PercentileSettings {
            percentile: 25.0,
            n_startup_trials: 5,
            n_warmup_steps: 0,
            interval_steps: 1,
            n_min_trials: 1,
        }
    }
}

impl PercentileSettings {
    /// Refuse a percentile outside 0..=100 and zero intervals or minimum counts.
    pub fn check(&self) -> Result<(), super::PrunerError> {
        self.check_as("percentile")
    }

    pub(crate) fn check_as(&self, pruner: &'static str) -> Result<(), super::PrunerError> {
        if !(0.0..=100.0).contains(&self.percentile) {
            return Err(invalid(
                pruner,
                "percentile",
                format!("must be within 0..=100, got {}", self.percentile),
            ));
        }
        if self.interval_steps == 0 {
            return Err(invalid(
                pruner,
                "interval_steps",
                "must be at least 1".into(),
            ));
        }
        if self.n_min_trials == 0 {
            return Err(invalid(pruner, "n_min_trials", "must be at least 1".into()));
        }
        Ok(())
    }

    /// Optuna's rule (see the module docs) for a trial that reported `own`.
    pub(crate) fn decide(&self, history: &History, own: &[Intermediate]) -> Decision {
        let completed: Vec<&super::Curve> = history.complete().collect();
        if completed.is_empty() || completed.len() < self.n_startup_trials {
            return Decision::Continue;
        }
        let Some(step) = own.iter().map(|p| p.step).max() else {
            return Decision::Continue;
        };
        if step < self.n_warmup_steps
            || !first_in_interval(step, own, self.n_warmup_steps, self.interval_steps)
        {
            return Decision::Continue;
        }
        let direction = history.direction;
        let best = best_of(direction, own.iter().map(|p| p.value));
        if best.is_nan() {
            return Decision::Prune(format!("no finite value by step {step}"));
        }
        let at_step: Vec<f64> = completed.iter().filter_map(|c| c.at(step)).collect();
        if at_step.len() < self.n_min_trials {
            return Decision::Continue;
        }
        let q = match direction {
            Direction::Maximize => 100.0 - self.percentile,
            Direction::Minimize => self.percentile,
        };
        let cut = nan_percentile(&at_step, q);
        if cut.is_nan() || !direction.better(cut, best) {
            return Decision::Continue;
        }
        let which = if self.percentile == 50.0 {
            "median".to_owned()
        } else {
            format!("{}th percentile", self.percentile)
        };
        let side = match direction {
            Direction::Maximize => "below",
            Direction::Minimize => "above",
        };
        Decision::Prune(format!(
            "its best {} is {side} the {which} {} of {} trials at that step",
            short(best),
            short(cut),
            at_step.len()
        ))
    }
}

/// Whether `step` is the first report at or after its decision point (Optuna's
/// `_is_first_in_interval_step`): the previous report came before the latest multiple of
/// `interval` past the warm-up.
fn first_in_interval(step: u64, own: &[Intermediate], warmup: u64, interval: u64) -> bool {
    let nearest_lower = (step - warmup) / interval * interval + warmup;
    let second_last = own
        .iter()
        .map(|p| p.step)
        .filter(|&s| s != step)
        .max()
        .map_or(-1, |s| s as i128);
    second_last < i128::from(nearest_lower)
}

/// A value as a sentence shows it: four significant digits.
fn short(v: f64) -> String {
    format!("{}", (v * 1e4).round() / 1e4)
}

/// The `q`-th percentile of `values` by linear interpolation, NaN ignored (NaN if none).
pub(crate) fn nan_percentile(values: &[f64], q: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let pos = q / 100.0 * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{curve, history, points};
    use super::*;

    #[test]
    fn the_percentile_interpolates_linearly_as_numpy() {
        assert_eq!(nan_percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), 2.5);
        assert_eq!(nan_percentile(&[4.0, 1.0, 3.0, 2.0, f64::NAN], 25.0), 1.75);
        assert_eq!(nan_percentile(&[7.0], 90.0), 7.0);
        assert!(nan_percentile(&[], 50.0).is_nan());
    }

    #[test]
    fn a_quarter_percentile_prunes_only_the_bottom_when_maximising() {
        // Step-2 values of the completed trials: 0.2, 0.4, 0.6, 0.8; maximising, the 25th
        // percentile from the top is numpy's 75th: 0.65.
        let h = history(
            Direction::Maximize,
            vec![
                curve(0, true, &[0.1, 0.2]),
                curve(1, true, &[0.3, 0.4]),
                curve(2, true, &[0.5, 0.6]),
                curve(3, true, &[0.7, 0.8]),
            ],
        );
        let s = PercentileSettings {
            n_startup_trials: 4,
            ..PercentileSettings::default()
        };
        assert!(s.decide(&h, &points(&[0.5, 0.64])).prunes());
        assert!(!s.decide(&h, &points(&[0.5, 0.66])).prunes());
        // The best over all steps counts, not the last.
        assert!(!s.decide(&h, &points(&[0.7, 0.1])).prunes());
    }

    #[test]
    fn intervals_decide_only_at_the_first_report_of_each_window() {
        let steps = |s: &[u64]| -> Vec<Intermediate> {
            s.iter()
                .map(|&step| Intermediate { step, value: 0.0 })
                .collect()
        };
        // Warm-up 2, interval 3: decision points 2, 5, 8, …
        assert!(first_in_interval(2, &steps(&[1, 2]), 2, 3));
        assert!(!first_in_interval(3, &steps(&[1, 2, 3]), 2, 3));
        assert!(!first_in_interval(4, &steps(&[2, 3, 4]), 2, 3));
        assert!(first_in_interval(5, &steps(&[2, 3, 4, 5]), 2, 3));
        assert!(first_in_interval(7, &steps(&[2, 7]), 2, 3));
    }
}
