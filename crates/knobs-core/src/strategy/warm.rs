//! Warm start: a new study seeded with a finished study's trials on a related problem (the
//! same model tuned on another dataset).
//!
//! The old trials are mapped onto the new space by parameter name (those outside its ranges
//! are dropped) and kept with the study ([`WarmStart`], saved in the session), so a resumed
//! study is seeded exactly as the first run was. Every strategy starts from the old optimum:
//! its first [`WarmStart::first`] trials are the old best distinct points (`WarmStarted`);
//! strategies that model the loss also take every old trial as prior knowledge
//! ([`super::Strategy::warm`]: the GP as down-weighted observations).

use super::{Explanation, Observation, Strategy, StrategyError, StrategyState, Suggestion};
use crate::space::{Params, Space};
use crate::study::{Study, TrialState};
use serde::{Deserialize, Serialize};

/// How many of the old best points a warm-started study evaluates first.
pub const DEFAULT_FIRST: usize = 3;

/// A finished study's trials carried into a new one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WarmStart {
    /// The file the trials came from, as given.
    pub source: String,
    /// The old study's name.
    #[serde(default)]
    pub study: String,
    /// How many of the old best distinct points are the new study's first trials.
    pub first: usize,
    /// The carried trials, best first.
    pub trials: Vec<WarmTrial>,
}

/// One old trial as the new study sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WarmTrial {
    /// Its number in the old study.
    pub number: usize,
    /// Its values of the new space's parameters, in the new space's order.
    pub params: Params,
    /// Its point in the new space's unit cube.
    pub point: Vec<f64>,
    /// Its value in the old study's units and direction.
    pub value: f64,
    /// Its value as a loss (lower better), what strategies are told.
    pub loss: f64,
}

/// Why a warm start could not be taken from a study.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WarmError {
    /// The old study has a parameter set that does not name the new one's.
    #[error("{file}: the new study's parameter `{name}` is not in the old study")]
    MissingParam {
        /// The old study's file, as given.
        file: String,
        /// The new study's parameter the old study lacks.
        name: String,
    },
    /// No old trial finished inside the new ranges.
    #[error("{file}: none of its {trials} trials finished inside the new study's ranges")]
    NothingCarried {
        /// The old study's file, as given.
        file: String,
        /// How many trials the old study has.
        trials: usize,
    },
}

impl WarmStart {
    /// The finished trials of `old` whose values of every free parameter of `space` lie in
    /// its ranges, best first (ties in trial order), mapped onto `space`.
    pub fn from_study(
        old: &Study,
        space: &Space,
        source: &str,
        first: usize,
    ) -> Result<WarmStart, WarmError> {
        let free: Vec<_> = space.free().collect();
        if let Some(p) = free
            .iter()
            .find(|p| !old.space.params().iter().any(|o| o.name == p.name))
        {
            return Err(WarmError::MissingParam {
                file: source.to_owned(),
                name: p.name.clone(),
            });
        }
        let mut trials = Vec::new();
        for t in &old.trials {
            let (TrialState::Complete, Some(value)) = (&t.state, t.value) else {
                continue;
            };
            if !value.is_finite() {
                continue;
            }
            let mut params = Params::new();
            let inside = space.params().iter().all(|p| {
                match t.params.iter().find(|(n, _)| *n == p.name) {
                    Some((_, v)) if crate::advisor::contains(&p.domain, v) => {
                        params.push((p.name.clone(), v.clone()));
                        true
                    }
                    // A parameter fixed in the new space takes its fixed value.
                    _ => match &p.domain {
                        crate::space::Domain::Fixed(f) => {
                            params.push((p.name.clone(), f.clone()));
                            true
                        }
                        _ => false,
                    },
                }
            });
            if !inside {
                continue;
            }
            let point = space.to_unit(&params);
            trials.push(WarmTrial {
                number: t.number,
                params,
                point,
                value,
                loss: old.direction.to_loss(value),
            });
        }
        if trials.is_empty() {
            return Err(WarmError::NothingCarried {
                file: source.to_owned(),
                trials: old.trials.len(),
            });
        }
        trials.sort_by(|a, b| a.loss.total_cmp(&b.loss).then(a.number.cmp(&b.number)));
        Ok(WarmStart {
            source: source.to_owned(),
            study: old.name.clone(),
            first,
            trials,
        })
    }

    /// The points the new study evaluates first: the best `first` distinct old points.
    pub(crate) fn first_points(&self) -> Vec<&WarmTrial> {
        let mut chosen: Vec<&WarmTrial> = Vec::new();
        for t in &self.trials {
            if chosen.len() >= self.first {
                break;
            }
            if !chosen.iter().any(|c| c.params == t.params) {
                chosen.push(t);
            }
        }
        chosen
    }

    /// One sentence for the study's description and the CLI.
    pub fn describe(&self) -> String {
        format!(
            "Warm-started from {} ({} trials carried; the first {} trials are its best points).",
            if self.study.is_empty() {
                self.source.clone()
            } else {
                format!("\"{}\" ({})", self.study, self.source)
            },
            self.trials.len(),
            self.first_points().len()
        )
    }
}

/// A strategy whose first trials are a warm start's best old points and which has been
/// given the old trials ([`Strategy::warm`]). The inner strategy is still asked for every
/// trial, the warm points replacing its first proposals, as a replay replaces asked points
/// by stored ones: its own state then advances exactly as in any run.
pub(crate) struct WarmStarted {
    inner: Box<dyn Strategy>,
    first: Vec<(usize, Vec<f64>)>,
}

impl WarmStarted {
    /// Wrap `inner` for the study's warm start, telling it the old trials.
    pub(crate) fn new(mut inner: Box<dyn Strategy>, warm: &WarmStart, dim: usize) -> WarmStarted {
        let prior: Vec<(Vec<f64>, f64)> = warm
            .trials
            .iter()
            .filter(|t| t.point.len() == dim)
            .map(|t| (t.point.clone(), t.loss))
            .collect();
        inner.warm(&prior);
        let first = warm
            .first_points()
            .into_iter()
            .filter(|t| t.point.len() == dim)
            .map(|t| (t.number, t.point.clone()))
            .collect();
        WarmStarted { inner, first }
    }
}

impl Strategy for WarmStarted {
    fn ask(&mut self, number: usize) -> Result<Suggestion, StrategyError> {
        let mut suggestion = self.inner.ask(number)?;
        if let Some((old, point)) = self.first.get(number) {
            suggestion.point = point.clone();
            suggestion.want_gradient = false;
            suggestion.label = Some(format!("warm start: old trial {old}"));
        }
        Ok(suggestion)
    }

    fn tell(&mut self, observation: Observation<'_>) {
        self.inner.tell(observation);
    }

    fn ready(&self) -> bool {
        self.inner.ready()
    }

    fn explain(&self) -> Option<Explanation> {
        self.inner.explain()
    }

    fn default_window(&self) -> usize {
        self.inner.default_window()
    }

    fn save(&self) -> Option<StrategyState> {
        self.inner.save()
    }

    fn restore(
        &mut self,
        state: &StrategyState,
        told: &[Observation<'_>],
        pending: &[(usize, &[f64])],
    ) -> Result<(), StrategyError> {
        self.inner.restore(state, told, pending)
    }

    fn warm(&mut self, prior: &[(Vec<f64>, f64)]) {
        self.inner.warm(prior);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::{Value, parse_param};
    use crate::study::{Direction, Trial, default_study};

    fn old_study() -> Study {
        let mut old = default_study();
        old.name = "on wine".into();
        old.direction = Direction::Maximize;
        old.space = Space::new(vec![
            parse_param("C=0.01..1000:log").unwrap(),
            parse_param("gamma=0.0001..10:log").unwrap(),
        ])
        .unwrap();
        let values = [
            (1.0, 0.1, 0.90),
            (100.0, 0.01, 0.97),
            (5000.0, 0.1, 0.99),
            (10.0, 0.01, 0.95),
        ];
        old.trials = values
            .iter()
            .enumerate()
            .map(|(i, (c, g, v))| {
                let params = vec![
                    ("C".to_string(), Value::Float(*c)),
                    ("gamma".to_string(), Value::Float(*g)),
                ];
                let point = old.space.to_unit(&params);
                Trial::complete(i, params, point, *v)
            })
            .collect();
        old.trials.push(Trial {
            state: TrialState::Failed("boom".into()),
            value: None,
            ..old.trials[0].clone()
        });
        old
    }

    #[test]
    fn warm_start_carries_the_finished_trials_inside_the_new_ranges_best_first() {
        let old = old_study();
        let space = Space::new(vec![
            parse_param("C=0.1..1000:log").unwrap(),
            parse_param("gamma=0.001..1:log").unwrap(),
        ])
        .unwrap();
        let warm = WarmStart::from_study(&old, &space, "old.ron", 2).unwrap();
        // Trial 2 (C = 5000) is outside the new C range; trial 4 failed.
        let numbers: Vec<usize> = warm.trials.iter().map(|t| t.number).collect();
        assert_eq!(numbers, [1, 3, 0]);
        assert_eq!(warm.trials[0].loss, -0.97);
        assert_eq!(warm.trials[0].point, space.to_unit(&warm.trials[0].params));
        let first: Vec<usize> = warm.first_points().iter().map(|t| t.number).collect();
        assert_eq!(first, [1, 3]);
        let missing = Space::new(vec![parse_param("alpha=0.1..1").unwrap()]).unwrap();
        assert!(matches!(
            WarmStart::from_study(&old, &missing, "old.ron", 2),
            Err(WarmError::MissingParam { .. })
        ));
    }

    #[test]
    fn a_warm_started_strategy_asks_the_old_best_first_then_its_own() {
        let old = old_study();
        let warm = WarmStart::from_study(&old, &old.space, "old.ron", 2).unwrap();
        let build = || {
            crate::strategy::StrategySpec::from_name("random")
                .unwrap()
                .build(&old.space, 7)
                .unwrap()
        };
        let mut s = WarmStarted::new(build(), &warm, 2);
        let mut plain = build();
        let a0 = s.ask(0).unwrap();
        assert_eq!(a0.point, warm.trials[0].point);
        // Trial 2 (C = 5000) lies outside even the old range, so the best carried is 1.
        assert_eq!(warm.trials[0].number, 1);
        assert_eq!(a0.label.as_deref(), Some("warm start: old trial 1"));
        assert_eq!(s.ask(1).unwrap().point, warm.trials[1].point);
        plain.ask(0).unwrap();
        plain.ask(1).unwrap();
        // After the warm points the inner strategy's own sequence goes on unchanged.
        assert_eq!(s.ask(2).unwrap().point, plain.ask(2).unwrap().point);
    }
}
