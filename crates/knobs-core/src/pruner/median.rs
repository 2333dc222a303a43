//! Optuna's `MedianPruner`: stop a trial whose best value so far is worse than the median
//! of the completed trials' values at the same step. It is the percentile rule at 50 (see
//! [`super::percentile`] for the exact semantics); defaults as Optuna's: 5 startup trials,
//! no warm-up, a decision at every step.

use super::percentile::PercentileSettings;
use serde::{Deserialize, Serialize};

/// Settings of the median rule; defaults as Optuna's `MedianPruner`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MedianSettings {
    /// Completed trials needed before anything is pruned (default 5: the median of fewer
    /// curves is mostly noise).
    pub n_startup_trials: usize,
    /// Steps before which a trial is never pruned (default 0; raise it for curves that
    /// start noisy, as a network's first epoch).
    pub n_warmup_steps: u64,
    /// Steps between decisions after the warm-up (default 1: every step).
    pub interval_steps: u64,
    /// Values at the step needed to decide (default 1).
    pub n_min_trials: usize,
}

impl Default for MedianSettings {
    fn default() -> Self {
        MedianSettings {
            n_startup_trials: 5,
            n_warmup_steps: 0,
            interval_steps: 1,
            n_min_trials: 1,
        }
    }
}

impl MedianSettings {
    /// The same rule as a percentile rule at 50.
    pub(crate) fn as_percentile(&self) -> PercentileSettings {
        PercentileSettings {
            percentile: 50.0,
            n_startup_trials: self.n_startup_trials,
            n_warmup_steps: self.n_warmup_steps,
            interval_steps: self.interval_steps,
            n_min_trials: self.n_min_trials,
        }
    }

    /// Refuse zero intervals and minimum counts.
    pub fn check(&self) -> Result<(), super::PrunerError> {
        self.as_percentile().check_as("median")
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{curve, history, points};
    use super::*;
    use crate::study::Direction;

    /// Five completed loss curves; at step 3 their values are 1, 2, 3, 4, 5 (median 3).
    fn five() -> super::super::History {
        history(
            Direction::Minimize,
            (0..5)
                .map(|i| {
                    let v = i as f64 + 1.0;
                    curve(i, true, &[v + 2.0, v + 1.0, v])
                })
                .collect(),
        )
    }

    #[test]
    fn a_loss_above_the_median_at_its_step_is_pruned_and_one_below_is_kept() {
        let m = MedianSettings::default().as_percentile();
        assert!(m.decide(&five(), &points(&[9.0, 9.0, 3.5])).prunes());
        assert!(!m.decide(&five(), &points(&[9.0, 9.0, 2.5])).prunes());
        // Equal to the median is not worse.
        assert!(!m.decide(&five(), &points(&[9.0, 9.0, 3.0])).prunes());
    }

    #[test]
    fn nothing_is_pruned_before_the_startup_trials_or_the_warm_up() {
        let mut four = five();
        four.curves.pop();
        let m = MedianSettings::default().as_percentile();
        assert!(!m.decide(&four, &points(&[9.0, 9.0, 9.0])).prunes());
        let warm = MedianSettings {
            n_warmup_steps: 4,
            ..MedianSettings::default()
        }
        .as_percentile();
        assert!(!warm.decide(&five(), &points(&[9.0, 9.0, 9.0])).prunes());
    }

    #[test]
    fn pruned_trials_and_steps_nobody_reported_do_not_count() {
        let mut h = five();
        for c in &mut h.curves {
            c.complete = false;
        }
        let m = MedianSettings::default().as_percentile();
        assert!(!m.decide(&h, &points(&[9.0, 9.0, 9.0])).prunes());
        // Step 4: no completed trial reported it, so there is nothing to compare with.
        assert!(!m.decide(&five(), &points(&[9.0, 9.0, 9.0, 9.0])).prunes());
    }
}
