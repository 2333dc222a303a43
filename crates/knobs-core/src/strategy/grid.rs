//! Grid search: every combination of a few values per parameter.

use super::explain::OrderWhy;
use super::{Explanation, Observation, Strategy, StrategyError, Suggestion};
use crate::space::{Domain, Space, Value};

/// The most values per numeric parameter a grid may take: each axis is allocated up front.
pub(crate) const MAX_POINTS: usize = 100_000;

/// Settings of [`Grid`].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GridSettings {
    /// Values per numeric parameter, both ends of the range included.
    pub points: usize,
}

impl Default for GridSettings {
    fn default() -> Self {
        GridSettings { points: 5 }
    }
}

impl super::registry::StrategySettings for GridSettings {
    const NAME: &'static str = "grid";
    const SUMMARY: &'static str = "every combination of N values per parameter (--grid-points)";

    fn validate(&self) -> Result<(), StrategyError> {
        super::registry::count("grid points", self.points, 1, MAX_POINTS)
    }

    fn build(
        settings: &super::Checked<Self>,
        space: &Space,
        _seed: u64,
    ) -> Result<Box<dyn Strategy>, StrategyError> {
        Ok(Box::new(Grid::new(space, settings.get().points)?))
    }
}

/// The full grid, in a fixed documented order: the **first** parameter varies slowest and the
/// **last** fastest (for `C` then `gamma`: C-outer, gamma-inner, as scikit-learn's
/// `ParameterGrid` and the anchors do).
///
/// Along each parameter:
/// - floats take `points` values evenly spaced in the unit coordinate, so a log parameter is
///   spaced evenly in log scale, and both ends are included (`numpy.logspace`);
/// - ints take `points` evenly spaced integers (fewer if the range is shorter), ends included;
/// - categoricals take every choice; fixed parameters take their value.
///
/// Asking beyond the grid's size is an error (the study ends when the grid is done).
pub struct Grid {
    axes: Vec<Vec<f64>>,
    size: usize,
    /// The last index asked, for [`Strategy::explain`].
    last: Option<usize>,
}

impl Grid {
    /// The grid over `space` with `points` values per numeric parameter.
    pub fn new(space: &Space, points: usize) -> Result<Self, StrategyError> {
        super::registry::StrategySettings::validate(&GridSettings { points })?;
        // Sizes are counted before any axis is allocated, so a huge setting is an error.
        let size = space
            .free()
            .try_fold(1usize, |n, p| n.checked_mul(p.domain.grid_len(points)))
            .ok_or_else(|| StrategyError::BadSetting("the grid is too large to count".into()))?;
        let axes: Vec<Vec<f64>> = space.free().map(|p| axis(&p.domain, points)).collect();
        Ok(Grid {
            axes,
            size,
            last: None,
        })
    }

    /// The number of points in the grid.
    pub fn len(&self) -> usize {
        self.size
    }

    /// Whether the grid has no points (never: an empty space has one point).
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// Point `index`, last axis fastest.
    pub fn point(&self, mut index: usize) -> Vec<f64> {
        let mut point = vec![0.0; self.axes.len()];
        for (slot, axis) in point.iter_mut().zip(&self.axes).rev() {
            *slot = axis[index % axis.len()];
            index /= axis.len();
        }
        point
    }
}

fn axis(domain: &Domain, points: usize) -> Vec<f64> {
    let n = domain.grid_len(points);
    let spaced = |i: usize| {
        if n == 1 {
            0.5
        } else {
            i as f64 / (n - 1) as f64
        }
    };
    match domain {
        Domain::Int { low, high, .. } => (0..n)
            .map(|i| {
                let v = if n == 1 {
                    (low + high) / 2
                } else {
                    low + ((high - low) as f64 * i as f64 / (n - 1) as f64).round() as i64
                };
                domain.to_unit(&Value::Int(v)).unwrap_or(0.5)
            })
            .collect(),
        Domain::Categorical { choices } => (0..choices.len())
            .map(|i| (i as f64 + 0.5) / choices.len() as f64)
            .collect(),
        // Exactly the listed values, each at its cell centre.
        Domain::Numbers { values, .. } => (0..values.len())
            .map(|i| (i as f64 + 0.5) / values.len() as f64)
            .collect(),
        _ => (0..n).map(spaced).collect(),
    }
}

impl Strategy for Grid {
    fn ask(&mut self, number: usize) -> Result<Suggestion, StrategyError> {
        if number >= self.size {
            return Err(StrategyError::Exhausted(format!(
                "all {} grid points evaluated",
                self.size
            )));
        }
        self.last = Some(number);
        Ok(Suggestion::at(self.point(number)))
    }

    fn tell(&mut self, _observation: Observation<'_>) {}

    fn explain(&self) -> Option<Explanation> {
        self.last.map(|index| {
            Explanation::Order(OrderWhy {
                index,
                total: Some(self.size),
            })
        })
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
    use crate::space::parse_param;

    #[test]
    fn log_grid_matches_numpy_logspace_in_c_outer_order() {
        let space = Space::new(vec![
            parse_param("C=0.01..1000:log").unwrap(),
            parse_param("gamma=0.0001..10:log").unwrap(),
        ])
        .unwrap();
        let mut grid = Grid::new(&space, 7).unwrap();
        assert_eq!(grid.len(), 49);
        let at = |g: &mut Grid, i| space.from_unit(&g.ask(i).unwrap().point);
        let p0 = at(&mut grid, 0);
        let p1 = at(&mut grid, 1);
        let p7 = at(&mut grid, 7);
        let last = at(&mut grid, 48);
        let close = |v: &Value, x: f64| (v.as_f64().unwrap() / x - 1.0).abs() < 1e-12;
        assert!(close(&p0[0].1, 0.01) && close(&p0[1].1, 1e-4));
        assert!(close(&p1[0].1, 0.01) && close(&p1[1].1, 10f64.powf(-4.0 + 5.0 / 6.0)));
        assert!(close(&p7[0].1, 10f64.powf(-2.0 + 5.0 / 6.0)));
        assert!(close(&last[0].1, 1000.0) && close(&last[1].1, 10.0));
        assert!(matches!(grid.ask(49), Err(StrategyError::Exhausted(_))));
    }

    #[test]
    fn explain_gives_the_place_in_the_grid() {
        let space = Space::new(vec![
            parse_param("a=0..1").unwrap(),
            parse_param("b=0..1").unwrap(),
        ])
        .unwrap();
        let mut grid = Grid::new(&space, 3).unwrap();
        assert!(grid.explain().is_none());
        for n in 0..9 {
            let p = grid.ask(n).unwrap().point;
            let Some(Explanation::Order(o)) = grid.explain() else {
                panic!("no explanation")
            };
            assert_eq!((o.index, o.total), (n, Some(9)));
            assert_eq!(p, grid.point(o.index));
        }
        assert!(grid.ask(9).is_err());
        assert_eq!(
            grid.explain().and_then(|e| match e {
                Explanation::Order(o) => Some(o.index),
                _ => None,
            }),
            Some(8),
            "a failed ask leaves the last explanation"
        );
    }

    #[test]
    fn ints_and_categoricals_take_distinct_values() {
        let space = Space::new(vec![
            parse_param("depth=1..3:int").unwrap(),
            parse_param("kind=a,b").unwrap(),
            parse_param("fixed=2").unwrap(),
        ])
        .unwrap();
        let mut grid = Grid::new(&space, 10).unwrap();
        assert_eq!(grid.len(), 6);
        let seen: Vec<_> = (0..6)
            .map(|i| space.from_unit(&grid.ask(i).unwrap().point))
            .collect();
        for i in 0..6 {
            for j in 0..i {
                assert_ne!(seen[i], seen[j]);
            }
        }
        assert_eq!(seen[0][0].1, Value::Int(1));
        assert_eq!(seen[5][0].1, Value::Int(3));
    }
}
