//! Random search: the baseline every other strategy must beat.

use super::{Observation, Strategy, Suggestion, seeded_rng};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Independent uniform draws in the unit cube (so log parameters are log-uniform).
pub struct RandomSearch {
    dim: usize,
    rng: ChaCha8Rng,
}

impl RandomSearch {
    /// A random search over `dim` coordinates.
    pub fn new(dim: usize, seed: u64) -> Self {
        RandomSearch {
            dim,
            rng: seeded_rng(seed, 0),
        }
    }
}

impl Strategy for RandomSearch {
    fn ask(&mut self, _number: usize) -> Result<Suggestion, super::StrategyError> {
        Ok(Suggestion::at(
            (0..self.dim).map(|_| self.rng.random::<f64>()).collect(),
        ))
    }

    fn tell(&mut self, _observation: Observation<'_>) {}

    fn default_window(&self) -> usize {
        usize::MAX
    }
}
