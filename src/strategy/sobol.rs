//! Quasi-random search with an Owen-scrambled Sobol sequence.

use super::{Observation, Strategy, StrategyError, Suggestion};

/// Sobol points fill the cube more evenly than independent draws, so small budgets leave
/// fewer holes. Owen scrambling (seeded) gives each seed a different, equally even sequence;
/// unscrambled Sobol would give every seed the same points.
pub struct Sobol {
    dim: usize,
    seed: u32,
}

impl Sobol {
    /// The largest dimension the underlying tables support.
    pub const MAX_DIM: usize = sobol_burley::NUM_DIMENSIONS as usize;

    /// A scrambled Sobol sequence over `dim` coordinates.
    pub fn new(dim: usize, seed: u64) -> Result<Self, StrategyError> {
        if dim > Self::MAX_DIM {
            return Err(StrategyError::Unsupported(format!(
                "sobol supports at most {} parameters, the space has {dim}",
                Self::MAX_DIM
            )));
        }
        // Fold the 64-bit seed into the 32 bits the scrambler takes.
        let seed = (seed ^ (seed >> 32)) as u32;
        Ok(Sobol { dim, seed })
    }

    /// Point `index` of the sequence; usable by other strategies for their start-up designs.
    pub fn point(&self, index: usize) -> Vec<f64> {
        let i = (index % (u32::MAX as usize)) as u32;
        (0..self.dim)
            .map(|d| sobol_burley::sample(i, d as u32, self.seed) as f64)
            .collect()
    }
}

impl Strategy for Sobol {
    fn ask(&mut self, number: usize) -> Result<Suggestion, StrategyError> {
        Ok(Suggestion::at(self.point(number)))
    }

    fn tell(&mut self, _observation: Observation<'_>) {}

    fn default_window(&self) -> usize {
        usize::MAX
    }
}
