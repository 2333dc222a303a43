//! Asynchronous successive halving (ASHA), as Optuna's `SuccessiveHalvingPruner`.
//!
//! Rung `r` sits at step `min_resource · η^(min_early_stopping_rate + r)` (η the reduction
//! factor). When a trial first reports at or past a rung's step, its value there competes
//! with the values earlier trials had at that rung (their first report at or past the rung's
//! step); it goes on only if it is in the top `1/η` of them (for fewer than η competitors:
//! the best of them, as Optuna, which cannot pause a trial to wait for more). A trial that
//! clears a rung is checked at the next one at once if its step already passes it.
//!
//! Defaults: `min_resource` 1 step (Optuna's `auto` guesses a hundredth of the longest
//! completed trial, which for 20 epochs is 1 too: rungs at 1, 4, 16, …); reduction factor 4
//! (Optuna's default: a quarter goes on at each rung); minimum early-stopping rate 0 (the
//! first rung at `min_resource`); bootstrap count 0 (decide from the first competitor on).
//!
//! The competitors are the trials told before this one was asked (see [`super`]), not the
//! trials running beside it: that keeps pruning deterministic.

use super::{Curve, Decision, invalid};
use crate::study::{Direction, Intermediate};
use serde::{Deserialize, Serialize};

/// Settings of ASHA; defaults as Optuna's `SuccessiveHalvingPruner` (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AshaSettings {
    /// The step of the first rung, in the objective's steps (default 1).
    pub min_resource: u64,
    /// η: one in η goes on at each rung, and rungs are η times apart (default 4).
    pub reduction_factor: u64,
    /// Moves the first rung to `min_resource · η^rate` (default 0).
    pub min_early_stopping_rate: u32,
    /// Competitors a rung needs before it lets anyone on (default 0).
    pub bootstrap_count: usize,
}

impl Default for AshaSettings {
    fn default() -> Self {
        AshaSettings {
            min_resource: 1,
            reduction_factor: 4,
            min_early_stopping_rate: 0,
            bootstrap_count: 0,
        }
    }
}

impl AshaSettings {
    /// Refuse a zero resource and a reduction factor below 2 (which would keep everyone).
    pub fn check(&self) -> Result<(), super::PrunerError> {
        check_common("asha", self.min_resource, self.reduction_factor)
    }

    /// The step of rung `rung`, or `None` past any step a trial can report.
    pub fn rung_step(&self, rung: u32) -> Option<u64> {
        let power = self
            .reduction_factor
            .checked_pow(self.min_early_stopping_rate.checked_add(rung)?)?;
        self.min_resource.checked_mul(power)
    }

    /// ASHA's rule (see the module docs) for a trial that reported `own`, competing with
    /// `curves` (the study's told trials, or a Hyperband bracket's).
    pub(crate) fn decide(
        &self,
        curves: Vec<&Curve>,
        history: &super::History,
        own: &[Intermediate],
    ) -> Decision {
        let Some(last) = own.last() else {
            return Decision::Continue;
        };
        let (step, value) = (last.step, last.value);
        let before = own[..own.len() - 1].iter().map(|p| p.step).max();
        // Rungs an earlier report already reached were cleared, or the trial would have stopped.
        let mut rung = 0u32;
        while let (Some(b), Some(at)) = (before, self.rung_step(rung))
            && at <= b
        {
            rung += 1;
        }
        loop {
            let Some(at) = self.rung_step(rung) else {
                return Decision::Continue;
            };
            if step < at {
                return Decision::Continue;
            }
            let mut competing: Vec<f64> = curves
                .iter()
                .filter_map(|c| c.points.iter().find(|p| p.step >= at).map(|p| p.value))
                .collect();
            competing.push(value);
            if competing.len() <= self.bootstrap_count {
                return Decision::Prune(format!(
                    "rung {rung} (step {at}) has {} of the {} trials it waits for",
                    competing.len(),
                    self.bootstrap_count + 1
                ));
            }
            if !promotable(
                value,
                &mut competing,
                self.reduction_factor,
                history.direction,
            ) {
                return Decision::Prune(format!(
                    "not in the top 1/{} of {} trials at rung {rung} (step {at})",
                    self.reduction_factor,
                    competing.len()
                ));
            }
            rung += 1;
        }
    }
}

pub(crate) fn check_common(
    pruner: &'static str,
    min_resource: u64,
    reduction_factor: u64,
) -> Result<(), super::PrunerError> {
    if min_resource == 0 {
        return Err(invalid(pruner, "min_resource", "must be at least 1".into()));
    }
    if reduction_factor < 2 {
        return Err(invalid(
            pruner,
            "reduction_factor",
            format!("must be at least 2, got {reduction_factor}"),
        ));
    }
    Ok(())
}

/// Whether `value` is in the top `1/η` of `competing` (which includes it), Optuna's
/// `_is_trial_promotable_to_next_rung`; for fewer than η values, whether it is the best.
fn promotable(value: f64, competing: &mut [f64], eta: u64, direction: Direction) -> bool {
    let n = competing.len();
    let idx = (n / eta as usize).saturating_sub(1);
    competing.sort_by(f64::total_cmp);
    match direction {
        Direction::Maximize => value >= competing[n - 1 - idx],
        Direction::Minimize => value <= competing[idx],
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{curve, history, points};
    use super::*;

    #[test]
    fn rungs_sit_at_powers_of_eta_times_the_minimum_resource() {
        let s = AshaSettings {
            min_resource: 2,
            reduction_factor: 3,
            min_early_stopping_rate: 1,
            bootstrap_count: 0,
        };
        assert_eq!(
            (0..3).map(|r| s.rung_step(r).unwrap()).collect::<Vec<_>>(),
            vec![6, 18, 54]
        );
        assert_eq!(AshaSettings::default().rung_step(40), None);
    }

    #[test]
    fn the_top_quarter_goes_on_and_the_rest_stop_at_the_first_rung() {
        // Eight told trials whose step-1 accuracies are 0.1 .. 0.8; with this trial, nine
        // competitors: 9 / 4 = 2, so the second best (0.7) is the bar.
        let curves: Vec<_> = (0..8)
            .map(|i| curve(i, true, &[(i as f64 + 1.0) / 10.0, 0.9]))
            .collect();
        let h = history(Direction::Maximize, curves);
        let s = AshaSettings::default();
        let all = || h.curves.iter().collect();
        assert!(!s.decide(all(), &h, &points(&[0.75])).prunes());
        assert!(!s.decide(all(), &h, &points(&[0.7])).prunes());
        assert!(s.decide(all(), &h, &points(&[0.65])).prunes());
        // Between rungs (steps 2, 3) nothing is decided.
        assert!(!s.decide(all(), &h, &points(&[0.75, 0.0])).prunes());
        assert!(!s.decide(all(), &h, &points(&[0.75, 0.0, 0.0])).prunes());
        // Step 4 is rung 1: the told trials' step-4 values are missing, so only the ones
        // that reported at or past step 4 compete: none here, so the trial is the best.
        assert!(
            !s.decide(all(), &h, &points(&[0.75, 0.0, 0.0, 0.1]))
                .prunes()
        );
    }

    #[test]
    fn with_fewer_competitors_than_eta_only_the_best_goes_on() {
        let h = history(
            Direction::Minimize,
            vec![curve(0, true, &[2.0]), curve(1, false, &[1.0])],
        );
        let s = AshaSettings::default();
        assert!(
            s.decide(h.curves.iter().collect(), &h, &points(&[1.5]))
                .prunes()
        );
        assert!(
            !s.decide(h.curves.iter().collect(), &h, &points(&[0.5]))
                .prunes()
        );
        let lone = history(Direction::Minimize, vec![]);
        assert!(!s.decide(vec![], &lone, &points(&[99.0])).prunes());
    }

    #[test]
    fn a_bootstrap_count_prunes_until_a_rung_has_enough_competitors() {
        let h = history(Direction::Minimize, vec![curve(0, true, &[2.0])]);
        let s = AshaSettings {
            bootstrap_count: 2,
            ..AshaSettings::default()
        };
        assert!(
            s.decide(h.curves.iter().collect(), &h, &points(&[0.1]))
                .prunes()
        );
    }
}
