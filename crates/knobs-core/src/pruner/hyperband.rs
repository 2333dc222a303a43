//! Hyperband as Optuna's `HyperbandPruner`: several ASHA brackets whose first rungs sit at
//! `min_resource · η^b` for bracket `b`, so some trials are judged early and some late.
//!
//! - **Brackets**: `⌊log_η(max_resource / min_resource)⌋ + 1` of them. Bracket `b` gets a
//!   share of trials proportional to `⌈n · η^s / (s + 1)⌉` with `s = n − 1 − b`, as Optuna
//!   (more trials where pruning starts early).
//! - **Which bracket**: chosen from the trial's number and the study's seed by a fixed hash,
//!   so the same trial lands in the same bracket on every run (Optuna hashes the study name
//!   and number with CRC-32; the seed plays the name's part here).
//! - **Competitors**: only the told trials of the same bracket, as Optuna's bracket studies.
//! - **Defaults**: `min_resource` 1; `max_resource` automatic: the longest completed trial's
//!   last step + 1, as Optuna's `auto` (nothing is pruned before a trial completes); η = 3
//!   (Optuna's default); bootstrap count 0.

use super::{AshaSettings, Decision, History};
use crate::study::Intermediate;
use serde::{Deserialize, Serialize};

/// Settings of Hyperband; defaults as Optuna's `HyperbandPruner` (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HyperbandSettings {
    /// The step of bracket 0's first rung (default 1).
    pub min_resource: u64,
    /// The most steps a trial runs; `None` (default) takes the longest completed trial's.
    pub max_resource: Option<u64>,
    /// η (default 3).
    pub reduction_factor: u64,
    /// Competitors a rung needs before it lets anyone on (default 0).
    pub bootstrap_count: usize,
}

impl Default for HyperbandSettings {
    fn default() -> Self {
        HyperbandSettings {
            min_resource: 1,
            max_resource: None,
            reduction_factor: 3,
            bootstrap_count: 0,
        }
    }
}

impl HyperbandSettings {
    /// Refuse a zero resource, η below 2, and a maximum below the minimum.
    pub fn check(&self) -> Result<(), super::PrunerError> {
        super::asha::check_common("hyperband", self.min_resource, self.reduction_factor)?;
        match self.max_resource {
            Some(max) if max < self.min_resource => Err(super::invalid(
                "hyperband",
                "max_resource",
                format!(
                    "must be at least min_resource {}, got {max}",
                    self.min_resource
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The number of brackets for `max_resource`: `⌊log_η(max / min)⌋ + 1`.
    pub(crate) fn brackets(&self, max_resource: u64) -> u32 {
        let mut n = 1;
        let mut reach = self.min_resource;
        while let Some(next) = reach.checked_mul(self.reduction_factor)
            && next <= max_resource
        {
            reach = next;
            n += 1;
        }
        n
    }

    /// The bracket of trial `number` among `n` brackets (see the module docs).
    pub(crate) fn bracket(&self, n: u32, seed: u64, number: usize) -> u32 {
        let eta = self.reduction_factor as f64;
        let budgets: Vec<u64> = (0..n)
            .map(|b| {
                let s = f64::from(n - 1 - b);
                (f64::from(n) * eta.powf(s) / (s + 1.0)).ceil() as u64
            })
            .collect();
        let total: u64 = budgets.iter().sum::<u64>().max(1);
        let mut left = splitmix64(seed ^ splitmix64(number as u64)) % total;
        for (b, budget) in budgets.iter().enumerate() {
            if left < *budget {
                return b as u32;
            }
            left -= budget;
        }
        n - 1
    }

    /// Hyperband's rule: the trial's bracket's ASHA, among that bracket's told trials.
    pub(crate) fn decide(
        &self,
        history: &History,
        number: usize,
        own: &[Intermediate],
    ) -> Decision {
        let max = self.max_resource.or_else(|| {
            history
                .complete()
                .filter_map(super::Curve::last_step)
                .max()
                .map(|s| s + 1)
        });
        let Some(max) = max else {
            return Decision::Continue;
        };
        let n = self.brackets(max);
        let bracket = self.bracket(n, history.seed, number);
        let asha = AshaSettings {
            min_resource: self.min_resource,
            reduction_factor: self.reduction_factor,
            min_early_stopping_rate: bracket,
            bootstrap_count: self.bootstrap_count,
        };
        let mates = history
            .curves
            .iter()
            .filter(|c| self.bracket(n, history.seed, c.number) == bracket)
            .collect();
        match asha.decide(mates, history, own) {
            Decision::Prune(why) => Decision::Prune(format!("bracket {bracket}: {why}")),
            Decision::Continue => Decision::Continue,
        }
    }
}

/// A fixed 64-bit mix (SplitMix64's finaliser): spreads trial numbers over the brackets.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{curve, history, points};
    use super::*;
    use crate::study::Direction;

    #[test]
    fn brackets_follow_optuna_s_count_and_shares() {
        let s = HyperbandSettings::default();
        // ⌊log3(81)⌋ + 1 = 5; ⌊log3(20)⌋ + 1 = 3; one step: one bracket.
        assert_eq!((s.brackets(81), s.brackets(20), s.brackets(1)), (5, 3, 1));
        // Three brackets, η 3: shares ⌈3·9/3⌉ = 9, ⌈3·3/2⌉ = 5, ⌈3·1/1⌉ = 3 of 17.
        let mut counts = [0usize; 3];
        for k in 0..17_000 {
            counts[s.bracket(3, 7, k) as usize] += 1;
        }
        for (c, share) in counts.iter().zip([9.0, 5.0, 3.0]) {
            let expected = 17_000.0 * share / 17.0;
            assert!((*c as f64 - expected).abs() < 0.05 * expected, "{counts:?}");
        }
        assert_eq!(s.bracket(3, 7, 12), s.bracket(3, 7, 12));
    }

    #[test]
    fn nothing_is_pruned_before_a_trial_completes_when_the_maximum_is_automatic() {
        let h = history(Direction::Minimize, vec![curve(0, false, &[0.1])]);
        let s = HyperbandSettings::default();
        assert!(!s.decide(&h, 5, &points(&[99.0])).prunes());
    }

    #[test]
    fn a_trial_competes_with_its_own_bracket_only() {
        let s = HyperbandSettings {
            max_resource: Some(1),
            ..HyperbandSettings::default()
        };
        // One bracket: plain ASHA at step 1 with η 3 among everyone.
        let h = history(
            Direction::Minimize,
            (0..6).map(|i| curve(i, true, &[i as f64])).collect(),
        );
        assert!(s.decide(&h, 6, &points(&[3.0])).prunes());
        assert!(!s.decide(&h, 6, &points(&[1.0])).prunes());
    }
}
