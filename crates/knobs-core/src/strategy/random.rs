//! Random search: the baseline every other strategy must beat.

use super::explain::OrderWhy;
use super::state::{self, StrategyState};
use super::{Explanation, Observation, Strategy, Suggestion, seeded_rng};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Random search has nothing to set.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct RandomSettings;

impl super::registry::StrategySettings for RandomSettings {
    const NAME: &'static str = "random";
    const SUMMARY: &'static str = "independent uniform draws";

    fn validate(&self) -> Result<(), super::StrategyError> {
        Ok(())
    }

    fn build(
        _settings: &super::Checked<Self>,
        space: &crate::space::Space,
        seed: u64,
    ) -> Result<Box<dyn Strategy>, super::StrategyError> {
        Ok(Box::new(RandomSearch::new(space.dim(), seed)))
    }
}

/// Independent uniform draws in the unit cube (so log parameters are log-uniform).
pub(crate) struct RandomSearch {
    dim: usize,
    rng: ChaCha8Rng,
    /// Points asked so far, for [`Strategy::explain`].
    asked: usize,
}

impl RandomSearch {
    /// A random search over `dim` coordinates.
    pub(super) fn new(dim: usize, seed: u64) -> Self {
        RandomSearch {
            dim,
            rng: seeded_rng(seed, 0),
            asked: 0,
        }
    }
}

impl Strategy for RandomSearch {
    fn ask(&mut self, _number: usize) -> Result<Suggestion, super::StrategyError> {
        self.asked += 1;
        Ok(Suggestion::at(
            (0..self.dim).map(|_| self.rng.random::<f64>()).collect(),
        ))
    }

    fn tell(&mut self, _observation: Observation<'_>) {}

    fn explain(&self) -> Option<Explanation> {
        self.asked
            .checked_sub(1)
            .map(|index| Explanation::Order(OrderWhy { index, total: None }))
    }

    fn default_window(&self) -> usize {
        usize::MAX
    }

    fn save(&self) -> Option<StrategyState> {
        Some(StrategyState::Random(RandomState {
            rng: state::rng_position(&self.rng)?,
            asked: self.asked,
        }))
    }

    fn restore(
        &mut self,
        saved: &StrategyState,
        _told: &[Observation<'_>],
        _pending: &[(usize, &[f64])],
    ) -> Result<(), super::StrategyError> {
        let StrategyState::Random(r) = saved else {
            return Err(state::mismatch(saved.name()));
        };
        state::set_rng_position(&mut self.rng, r.rng);
        self.asked = r.asked;
        Ok(())
    }
}

/// [`RandomSearch`]'s saved state: the draws depend on nothing else.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RandomState {
    /// The generator's position.
    pub rng: u64,
    /// Points asked so far.
    pub asked: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explain_counts_the_draws() {
        let mut s = RandomSearch::new(2, 0);
        assert!(s.explain().is_none());
        for n in 0..4 {
            s.ask(n).unwrap();
            let Some(Explanation::Order(o)) = s.explain() else {
                panic!("no explanation")
            };
            assert_eq!((o.index, o.total), (n, None));
        }
    }
}
