//! Quasi-random search with an Owen-scrambled Sobol sequence.

use super::explain::OrderWhy;
use super::{Explanation, Observation, Strategy, StrategyError, Suggestion};

/// Sobol search has nothing to set.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SobolSettings;

impl super::registry::StrategySettings for SobolSettings {
    const NAME: &'static str = "sobol";
    const SUMMARY: &'static str = "scrambled Sobol quasi-random sequence";

    fn validate(&self) -> Result<(), StrategyError> {
        Ok(())
    }

    fn build(
        _settings: &super::Checked<Self>,
        space: &crate::space::Space,
        seed: u64,
    ) -> Result<Box<dyn Strategy>, StrategyError> {
        Ok(Box::new(Sobol::new(space.dim(), seed)?))
    }
}

/// Sobol points fill the cube more evenly than independent draws, so small budgets leave
/// fewer holes. Owen scrambling (seeded) gives each seed a different, equally even sequence;
/// unscrambled Sobol would give every seed the same points.
pub struct Sobol {
    dim: usize,
    seed: u32,
    /// The last index asked, for [`Strategy::explain`].
    last: Option<usize>,
}

impl Sobol {
    /// The largest dimension the underlying tables support.
    pub(crate) const MAX_DIM: usize = sobol_burley::NUM_DIMENSIONS as usize;

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
        Ok(Sobol {
            dim,
            seed,
            last: None,
        })
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
        self.last = Some(number);
        Ok(Suggestion::at(self.point(number)))
    }

    fn tell(&mut self, _observation: Observation<'_>) {}

    fn explain(&self) -> Option<Explanation> {
        self.last
            .map(|index| Explanation::Order(OrderWhy { index, total: None }))
    }

    fn default_window(&self) -> usize {
        usize::MAX
    }

    fn save(&self) -> Option<super::StrategyState> {
        Some(super::StrategyState::Stateless)
    }

    fn restore(
        &mut self,
        saved: &super::StrategyState,
        _told: &[Observation<'_>],
        _pending: &[(usize, &[f64])],
    ) -> Result<(), StrategyError> {
        super::state::restore_stateless(saved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explain_gives_the_sequence_index() {
        let mut s = Sobol::new(2, 3).unwrap();
        assert!(s.explain().is_none());
        for n in 0..4 {
            let p = s.ask(n).unwrap().point;
            let Some(Explanation::Order(o)) = s.explain() else {
                panic!("no explanation")
            };
            assert_eq!((o.index, o.total), (n, None));
            assert_eq!(p, s.point(o.index));
        }
    }
}
