//! Patience and thresholds: Optuna's `PatientPruner` (without a wrapped pruner) and
//! `ThresholdPruner` as one rule that looks at the trial's own curve only.
//!
//! - **Patience**: with more than `patience + 1` reports, the trial stops when the best of
//!   its last `patience + 1` values is not better than the best before them by more than
//!   `min_delta` (Optuna's comparison: for a loss, `min(before) + min_delta < min(after)`).
//!   Default patience 3 steps, `min_delta` 0: a curve flat for three steps has stopped
//!   learning. `patience = null` turns it off.
//! - **Thresholds**: from step `n_warmup_steps` on (default 0), a value below `lower` or above
//!   `upper` stops the trial (default: no bounds), as a diverging loss should.
//!
//! Needing no other trial, the rule prunes from the very first trial, deterministically.

use super::{Decision, best_of};
use crate::study::{Direction, Intermediate};
use serde::{Deserialize, Serialize};

/// Settings of the patience/threshold rule (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PatienceSettings {
    /// Steps without improvement tolerated (default 3); `None` turns patience off.
    pub patience: Option<usize>,
    /// The improvement that counts, in the objective's units (default 0).
    pub min_delta: f64,
    /// Values below this stop the trial (default none).
    pub lower: Option<f64>,
    /// Values above this stop the trial (default none).
    pub upper: Option<f64>,
    /// Steps before which the thresholds do not apply (default 0).
    pub n_warmup_steps: u64,
}

impl Default for PatienceSettings {
    fn default() -> Self {
        PatienceSettings {
            patience: Some(3),
            min_delta: 0.0,
            lower: None,
            upper: None,
            n_warmup_steps: 0,
        }
    }
}

impl PatienceSettings {
    /// Refuse a negative or non-finite `min_delta` and crossed bounds.
    pub fn check(&self) -> Result<(), super::PrunerError> {
        if !(self.min_delta.is_finite() && self.min_delta >= 0.0) {
            return Err(super::invalid(
                "patience",
                "min_delta",
                format!("must be a finite number ≥ 0, got {}", self.min_delta),
            ));
        }
        if let (Some(lo), Some(hi)) = (self.lower, self.upper)
            && lo > hi
        {
            return Err(super::invalid(
                "patience",
                "lower",
                format!("{lo} is above upper {hi}"),
            ));
        }
        Ok(())
    }

    /// The rule (see the module docs) for a trial that reported `own`.
    pub(crate) fn decide(&self, direction: Direction, own: &[Intermediate]) -> Decision {
        let Some(last) = own.last() else {
            return Decision::Continue;
        };
        if last.step >= self.n_warmup_steps {
            if let Some(lo) = self.lower.filter(|lo| last.value < *lo) {
                return Decision::Prune(format!(
                    "{} at step {} is below {lo}",
                    last.value, last.step
                ));
            }
            if let Some(hi) = self.upper.filter(|hi| last.value > *hi) {
                return Decision::Prune(format!(
                    "{} at step {} is above {hi}",
                    last.value, last.step
                ));
            }
        }
        let Some(patience) = self.patience else {
            return Decision::Continue;
        };
        if own.len() <= patience + 1 {
            return Decision::Continue;
        }
        let mut sorted = own.to_vec();
        sorted.sort_by_key(|p| p.step);
        let (before, after) = sorted.split_at(sorted.len() - patience - 1);
        let best_before = best_of(direction, before.iter().map(|p| p.value));
        let best_after = best_of(direction, after.iter().map(|p| p.value));
        let stalled = match direction {
            Direction::Minimize => best_before + self.min_delta < best_after,
            Direction::Maximize => best_before - self.min_delta > best_after,
        };
        if stalled {
            Decision::Prune(format!(
                "no improvement on {best_before} in the last {} steps",
                patience + 1
            ))
        } else {
            Decision::Continue
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::points;
    use super::*;

    #[test]
    fn a_curve_that_got_worse_for_patience_steps_stops() {
        let s = PatienceSettings {
            patience: Some(2),
            ..PatienceSettings::default()
        };
        // Loss best 1.0 at step 2, then 1.1, 1.2, 1.3: the last three never beat 1.0.
        assert!(
            s.decide(Direction::Minimize, &points(&[2.0, 1.0, 1.1, 1.2, 1.3]))
                .prunes()
        );
        // Equal to the earlier best is not worse (Optuna's strict <): kept.
        assert!(
            !s.decide(Direction::Minimize, &points(&[1.0, 2.0, 1.0, 1.0]))
                .prunes()
        );
        // Too few reports to judge.
        assert!(
            !s.decide(Direction::Minimize, &points(&[2.0, 3.0, 4.0]))
                .prunes()
        );
        // Accuracy falling from 0.9: pruned when maximising.
        assert!(
            s.decide(Direction::Maximize, &points(&[0.9, 0.8, 0.8, 0.7]))
                .prunes()
        );
    }

    #[test]
    fn thresholds_apply_after_the_warm_up() {
        let s = PatienceSettings {
            patience: None,
            upper: Some(10.0),
            n_warmup_steps: 2,
            ..PatienceSettings::default()
        };
        assert!(!s.decide(Direction::Minimize, &points(&[50.0])).prunes());
        assert!(
            s.decide(Direction::Minimize, &points(&[50.0, 11.0]))
                .prunes()
        );
        assert!(
            !s.decide(Direction::Minimize, &points(&[50.0, 9.0]))
                .prunes()
        );
    }
}
