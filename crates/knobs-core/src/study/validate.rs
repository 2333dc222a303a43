//! Checking a study that comes from outside (a session file, a journal) before it runs.
//!
//! A resumed study's trials are told to a fresh strategy in trial-number order, so a study
//! whose stored history does not fit its own definition would corrupt the resume silently:
//! a gap in the numbers made the runner count 4 trials instead of 10 and overwrite a stored
//! trial's value; a point of the wrong length made the GP index past its arrays; a stored
//! NaN made the best value null. [`Study::validate`] refuses all of these with a message
//! naming the trial; [`Study::repair`] first fixes what can be fixed without losing or
//! changing any stored result, and says what it did:
//! - trial numbers with gaps are **renumbered** `0..n` in their stored order (a trial deleted
//!   by hand loses nothing else: every other point keeps its own value, and the strategy is
//!   told them in the same order); duplicated numbers are refused, since which of the two is
//!   the real trial cannot be known;
//! - a complete trial whose value is missing, NaN or infinite becomes a failed trial (a
//!   strategy learns "this point failed", as it would from the objective);
//! - a trial saved while running (Save during a run) is kept as running: the runner asks its
//!   number again and evaluates it, and keeps every finished trial after it.

use super::{Study, Trial, TrialState};
use crate::models::ModelError;
use crate::objective::ObjectiveSpec;
use crate::space::{Domain, Value};
use thiserror::Error;

/// The largest window a study may have: more trials in flight than any study can use,
/// checked so the runner's schedule and its queue of asked points stay bounded.
pub const MAX_WINDOW: usize = 100_000;

/// Why a stored study cannot run as it is. Each names the trial (by its stored number).
#[derive(Debug, Error, Clone, PartialEq)]
pub enum StudyError {
    /// Two stored trials carry the same number.
    #[error(
        "trial number {number} appears twice; remove one of them (which is the real trial \
         cannot be told)"
    )]
    DuplicateTrial {
        /// The repeated trial number.
        number: usize,
    },
    /// The numbers are not `0, 1, 2, …` in order (`repair` renumbers these).
    #[error("trial numbers must run 0, 1, 2, … in order: entry {index} is trial {found}")]
    NotContiguous {
        /// 0-based position of the entry among the stored trials.
        index: usize,
        /// The number that entry carries instead of `index`.
        found: usize,
    },
    /// A stored point has a different number of coordinates than the space has free
    /// parameters.
    #[error(
        "trial {number}: its point has {found} coordinates, but the space has {expected} free \
         parameters (was the space edited after the trial ran?)"
    )]
    PointLength {
        /// The trial's stored number.
        number: usize,
        /// Coordinates in its point.
        found: usize,
        /// Free parameters in the space.
        expected: usize,
    },
    /// A stored coordinate is outside `[0, 1]` or not a number.
    #[error("trial {number}: coordinate {index} of its point is {value}, outside [0, 1]")]
    PointOutside {
        /// The trial's stored number.
        number: usize,
        /// 0-based index of the coordinate (among the free parameters).
        index: usize,
        /// The coordinate as stored (possibly NaN).
        value: f64,
    },
    /// A parameter of the space has no value in a stored trial.
    #[error("trial {number}: no value for parameter `{name}`")]
    MissingParam {
        /// The trial's stored number.
        number: usize,
        /// The parameter without a value.
        name: String,
    },
    /// A stored trial has a value for a parameter the space does not have.
    #[error("trial {number}: parameter `{name}` is not in the space")]
    UnknownParam {
        /// The trial's stored number.
        number: usize,
        /// The stored name the space lacks.
        name: String,
    },
    /// A stored value is not one the parameter's domain can take.
    #[error(
        "trial {number}: `{name}` = {value} is not in the space's domain {domain} (was the \
         space edited after the trial ran?)"
    )]
    ParamOutside {
        /// The trial's stored number.
        number: usize,
        /// The parameter's name.
        name: String,
        /// The stored value, as text.
        value: String,
        /// The parameter's domain, as [`Domain::describe`] writes it.
        domain: String,
    },
    /// A stored gradient has the wrong length or a non-finite entry.
    #[error(
        "trial {number}: its gradient has {found} entries (or one that is not finite), the \
         space has {expected} free parameters"
    )]
    BadGradient {
        /// The trial's stored number.
        number: usize,
        /// Entries in its gradient (its length, also when the fault is a non-finite entry).
        found: usize,
        /// Free parameters in the space.
        expected: usize,
    },
    /// The window is zero or beyond [`MAX_WINDOW`].
    #[error("the window must be between 1 and {MAX_WINDOW} trials, got {window}")]
    Window {
        /// The window as stored.
        window: usize,
    },
    /// A complete trial without a finite value (`validate` only; `repair` fails the trial).
    #[error("trial {number}: complete, but its value is {value}, not a finite number")]
    NotFinite {
        /// The trial's stored number.
        number: usize,
        /// The stored value as text: `missing`, `NaN`, `inf` or `-inf`.
        value: String,
    },
    /// The study's model cannot take a value the space offers (a choice, a fixed value, or
    /// the middle of a range), so every trial drawing it would fail.
    #[error(
        "parameter `{name}` = {value}: the model `{model}` cannot take it ({reason}); change \
         the parameter's values before running"
    )]
    ModelRefuses {
        /// The parameter refused, or `(the space's middle point)` when the model's message
        /// names none.
        name: String,
        /// The refused value, as text (empty for the middle point).
        value: String,
        /// The model's label.
        model: String,
        /// The model's message.
        reason: String,
    },
}

impl Study {
    /// Check the study can run exactly as stored: trial numbers are `0..n` in order, every
    /// stored point and parameter value lies in the space, and every complete trial has a
    /// finite value. Trials still marked running are allowed (a resume asks them again).
    /// The runner and the stepper refuse a study that fails this.
    pub fn validate(&self) -> Result<(), StudyError> {
        if let Some(window) = self.window
            && !(1..=MAX_WINDOW).contains(&window)
        {
            return Err(StudyError::Window { window });
        }
        for (index, trial) in self.trials.iter().enumerate() {
            if trial.number != index {
                let seen = self.trials[..index]
                    .iter()
                    .any(|t| t.number == trial.number);
                return Err(if seen {
                    StudyError::DuplicateTrial {
                        number: trial.number,
                    }
                } else {
                    StudyError::NotContiguous {
                        index,
                        found: trial.number,
                    }
                });
            }
            if trial.state == TrialState::Complete && trial.completed_value().is_none() {
                return Err(StudyError::NotFinite {
                    number: trial.number,
                    value: describe_value(trial.value),
                });
            }
            self.check_in_space(trial)?;
        }
        self.check_model_takes_space()
    }

    /// Refuse a space whose values the study's model cannot take, before any trial runs:
    /// the model decodes the space's middle point with each listed value of every choice
    /// set (numeric or named) in turn, and a refusal counts against the probed parameter
    /// when the model's message names it (so a bad `gamma` in the middle point is not
    /// blamed on `C`); whatever the middle point itself fails on comes last. Ranges are
    /// checked at their middle only, since a range's bound may be one no draw reaches.
    /// Objectives that are not models take anything.
    fn check_model_takes_space(&self) -> Result<(), StudyError> {
        let ObjectiveSpec::Model { model, .. } = &self.objective else {
            return Ok(());
        };
        let middle = self.space.from_unit(&vec![0.5; self.space.dim()]);
        let refuse = |name: &str, value: &Value, e: ModelError| StudyError::ModelRefuses {
            name: name.to_owned(),
            value: value.to_string(),
            model: model.label(),
            reason: e.to_string(),
        };
        for param in self.space.params() {
            let listed: Vec<Value> = match &param.domain {
                Domain::Categorical { choices } => {
                    choices.iter().map(|c| Value::Cat(c.clone())).collect()
                }
                Domain::Numbers { values, .. } => (0..values.len())
                    .map(|i| {
                        param
                            .domain
                            .from_unit((i as f64 + 0.5) / values.len() as f64)
                    })
                    .collect(),
                _ => vec![param.domain.from_unit(0.5)],
            };
            for value in listed {
                let mut point = middle.clone();
                if let Some(slot) = point.iter_mut().find(|(n, _)| *n == param.name) {
                    slot.1 = value.clone();
                }
                if let Err(e) = model.check_params(&point)
                    && names(&e, &param.name)
                {
                    return Err(refuse(&param.name, &value, e));
                }
            }
        }
        model.check_params(&middle).map_err(|e| {
            let blamed = self
                .space
                .params()
                .iter()
                .find(|p| names(&e, &p.name))
                .and_then(|p| middle.iter().find(|(n, _)| *n == p.name));
            match blamed {
                Some((name, value)) => refuse(name, value, e),
                None => StudyError::ModelRefuses {
                    name: "(the space's middle point)".to_owned(),
                    value: String::new(),
                    model: model.label(),
                    reason: e.to_string(),
                },
            }
        })
    }

    /// Make a stored study runnable without losing or changing any stored result, then
    /// [`validate`](Study::validate) it. Returns one note per repair, for the user to read:
    /// numbers renumbered over gaps, non-finite values failed, running trials to be asked
    /// again. Errors on what cannot be repaired (duplicate numbers, points or values
    /// outside the space).
    pub(crate) fn repair(&mut self) -> Result<Vec<String>, StudyError> {
        let mut notes = Vec::new();
        // Stored order is trial order for every file Knobs writes; sort anyway (stably) so a
        // hand-reordered file is read by number.
        self.trials.sort_by_key(|t| t.number);
        if let Some(pair) = self.trials.windows(2).find(|w| w[0].number == w[1].number) {
            return Err(StudyError::DuplicateTrial {
                number: pair[0].number,
            });
        }
        let gaps: Vec<String> = self
            .trials
            .iter()
            .enumerate()
            .filter(|(i, t)| match i.checked_sub(1) {
                None => t.number != 0,
                Some(prev) => self.trials[prev].number + 1 != t.number,
            })
            .map(|(i, t)| {
                let missing_from = if i == 0 {
                    0
                } else {
                    self.trials[i - 1].number + 1
                };
                if missing_from + 1 == t.number {
                    format!("{missing_from}")
                } else {
                    format!("{missing_from}–{}", t.number - 1)
                }
            })
            .collect();
        if !gaps.is_empty() {
            let first_moved = self
                .trials
                .iter()
                .enumerate()
                .find(|(i, t)| t.number != *i)
                .map_or(0, |(i, _)| i);
            notes.push(format!(
                "trial number(s) {} are missing: the {} stored trials are renumbered 0–{} in \
                 their order (from trial {} on, numbers move down; every point keeps its value)",
                gaps.join(", "),
                self.trials.len(),
                self.trials.len() - 1,
                self.trials[first_moved].number,
            ));
            for (i, trial) in self.trials.iter_mut().enumerate() {
                trial.number = i;
            }
        }
        for trial in &mut self.trials {
            if trial.state == TrialState::Complete && trial.completed_value().is_none() {
                let value = describe_value(trial.value);
                notes.push(format!(
                    "trial {}: its stored value is {value}, not a finite number; it counts as \
                     failed",
                    trial.number
                ));
                trial.state =
                    TrialState::Failed(format!("the stored value was {value}, not a number"));
                trial.value = None;
            }
        }
        let running: Vec<String> = self
            .trials
            .iter()
            .filter(|t| t.state == TrialState::Running)
            .map(|t| t.number.to_string())
            .collect();
        if !running.is_empty() {
            notes.push(format!(
                "trial(s) {} were still running when saved: they are asked again; the finished \
                 trials after them are kept",
                running.join(", ")
            ));
        }
        self.validate()?;
        Ok(notes)
    }

    /// Check one trial's point and parameter values against the space.
    pub(crate) fn check_in_space(&self, trial: &Trial) -> Result<(), StudyError> {
        let number = trial.number;
        let expected = self.space.dim();
        if trial.point.len() != expected {
            return Err(StudyError::PointLength {
                number,
                found: trial.point.len(),
                expected,
            });
        }
        if let Some((index, &value)) = trial
            .point
            .iter()
            .enumerate()
            .find(|(_, u)| !(0.0..=1.0).contains(*u))
        {
            return Err(StudyError::PointOutside {
                number,
                index,
                value,
            });
        }
        if let Some(g) = &trial.gradient
            && (g.len() != expected || g.iter().any(|x| !x.is_finite()))
        {
            return Err(StudyError::BadGradient {
                number,
                found: g.len(),
                expected,
            });
        }
        for param in self.space.params() {
            let Some((_, value)) = trial.params.iter().find(|(n, _)| *n == param.name) else {
                return Err(StudyError::MissingParam {
                    number,
                    name: param.name.clone(),
                });
            };
            if !in_domain(&param.domain, value) {
                return Err(StudyError::ParamOutside {
                    number,
                    name: param.name.clone(),
                    value: value.to_string(),
                    domain: param.domain.describe(),
                });
            }
        }
        if let Some((name, _)) = trial
            .params
            .iter()
            .find(|(n, _)| self.space.get(n).is_none())
        {
            return Err(StudyError::UnknownParam {
                number,
                name: name.clone(),
            });
        }
        Ok(())
    }
}

/// Whether a model's message is about parameter `name` (the models write "parameter
/// `C`: …" or "C must be …").
fn names(error: &ModelError, name: &str) -> bool {
    let text = error.to_string();
    text.contains(&format!("`{name}`")) || text.starts_with(&format!("{name} "))
}

/// Whether `value` is one the domain can give an objective.
fn in_domain(domain: &Domain, value: &Value) -> bool {
    match (domain, value) {
        (Domain::Float { low, high, .. }, Value::Float(x)) => (*low..=*high).contains(x),
        (Domain::Int { low, high, .. }, Value::Int(i)) => (*low..=*high).contains(i),
        (Domain::Categorical { choices }, Value::Cat(c)) => choices.contains(c),
        (Domain::Numbers { values, int: true }, Value::Int(i)) => {
            Domain::number_index(values, *i as f64).is_some()
        }
        (Domain::Numbers { values, int: false }, Value::Float(x)) => {
            Domain::number_index(values, *x).is_some()
        }
        (Domain::Fixed(fixed), v) => fixed == v,
        _ => false,
    }
}

fn describe_value(value: Option<f64>) -> String {
    value.map_or_else(|| "missing".to_owned(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::run_to_end;
    use crate::space::Space;
    use crate::stepper::{self, StepCommand, StepEvent};
    use crate::strategy::StrategySpec;
    use std::sync::Arc;

    fn branin(strategy: &str, budget: usize, window: Option<usize>) -> Study {
        let mut study = crate::study::default_study();
        study.strategy = StrategySpec::from_name(strategy).unwrap();
        study.budget = budget;
        study.window = window;
        study.seed = 11;
        study
    }

    fn run(study: Study) -> Study {
        let objective = Arc::from(study.objective.build().unwrap());
        run_to_end(study, objective, 2).unwrap().0
    }

    fn step(study: Study) -> Study {
        let objective = Arc::from(study.objective.build().unwrap());
        let handle = stepper::start(study, objective, None).unwrap();
        loop {
            match handle.events.recv().unwrap() {
                StepEvent::Proposed { .. } => handle.commands.send(StepCommand::Step).unwrap(),
                StepEvent::Finished(_) => break,
                _ => {}
            }
        }
        handle.join().unwrap()
    }

    fn outcome(study: &Study) -> Vec<(usize, Vec<f64>, Option<f64>)> {
        study
            .trials
            .iter()
            .map(|t| (t.number, t.point.clone(), t.value))
            .collect()
    }

    #[test]
    fn gaps_are_renumbered_with_a_note_and_duplicates_refused() {
        let mut study = run(branin("random", 6, None));
        let kept: Vec<Option<f64>> = study.trials.iter().map(|t| t.value).collect();
        study.trials.remove(2);
        study.trials.remove(0);
        let notes = study.repair().unwrap();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("0, 2 are missing"), "{notes:?}");
        let numbers: Vec<usize> = study.trials.iter().map(|t| t.number).collect();
        assert_eq!(numbers, [0, 1, 2, 3]);
        let values: Vec<Option<f64>> = study.trials.iter().map(|t| t.value).collect();
        assert_eq!(values, [kept[1], kept[3], kept[4], kept[5]]);

        study.trials[3].number = 1;
        let err = study.repair().unwrap_err();
        assert_eq!(err, StudyError::DuplicateTrial { number: 1 });
    }

    #[test]
    fn a_stored_nan_fails_its_trial_and_the_best_is_a_number() {
        let mut study = run(branin("random", 5, None));
        study.trials[0].value = Some(f64::NAN);
        study.trials[3].value = Some(f64::NEG_INFINITY);
        assert!(matches!(
            study.validate(),
            Err(StudyError::NotFinite { number: 0, .. })
        ));
        let notes = study.repair().unwrap();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert_eq!(study.failed(), 2);
        let best = study.best_trial().unwrap().value.unwrap();
        assert!(best.is_finite());
        assert!(study.best_so_far().iter().flatten().all(|v| v.is_finite()));
    }

    #[test]
    fn points_and_values_outside_the_space_are_refused_naming_the_trial() {
        let study = run(branin("random", 3, None));
        let mut short = study.clone();
        short.trials[1].point.pop();
        assert_eq!(
            short.validate(),
            Err(StudyError::PointLength {
                number: 1,
                found: 1,
                expected: 2
            })
        );
        let mut outside = study.clone();
        outside.trials[2].point[0] = 1.5;
        assert!(
            outside
                .validate()
                .unwrap_err()
                .to_string()
                .contains("trial 2")
        );
        let mut edited = study.clone();
        edited.space = Space::new(vec![
            crate::space::parse_param("x0=100..200").unwrap(),
            crate::space::parse_param("x1=0..15").unwrap(),
        ])
        .unwrap();
        let msg = edited.validate().unwrap_err().to_string();
        assert!(msg.contains("trial 0") && msg.contains("x0"), "{msg}");
        let mut gradient = study;
        gradient.trials[0].gradient = Some(vec![1.0]);
        assert!(matches!(
            gradient.validate(),
            Err(StudyError::BadGradient { number: 0, .. })
        ));
    }

    #[test]
    fn a_running_hole_is_asked_again_and_the_run_equals_the_uninterrupted_one() {
        for (strategy, window) in [("tpe", Some(3)), ("cmaes", None), ("gp", Some(2))] {
            let full = run(branin(strategy, 16, window));
            let mut partial = full.clone();
            partial.trials.truncate(13);
            partial.trials[10].state = TrialState::Running;
            partial.trials[10].value = None;
            let notes = partial.repair().unwrap();
            assert!(notes[0].contains("10"), "{notes:?}");
            assert_eq!(outcome(&run(partial)), outcome(&full), "{strategy}");
        }
    }

    #[test]
    fn the_stepper_resumes_a_running_hole_as_the_runner_does() {
        let full = run(branin("tpe", 14, Some(1)));
        let mut partial = full.clone();
        partial.trials.truncate(12);
        partial.trials[9].state = TrialState::Running;
        assert_eq!(outcome(&step(partial)), outcome(&full));
    }

    fn svc_study(specs: &[&str]) -> Study {
        let mut study = crate::study::default_study();
        study.objective = crate::objective::ObjectiveSpec::Model {
            dataset: crate::objective::DatasetSource::Bundled("iris".into()),
            target: None,
            task: None,
            model: crate::models::ModelSpec::Svc {
                kernel: crate::models::KernelKind::Rbf,
            },
            metric: None,
            folds: crate::objective::FoldSpec::Bundled("iris".into()),
            data: crate::data::DataSpec::default(),
            robust: None,
        };
        study.space = Space::new(
            specs
                .iter()
                .map(|s| crate::space::parse_param(s).unwrap())
                .collect(),
        )
        .unwrap();
        study
    }

    #[test]
    fn a_choice_the_model_cannot_take_is_refused_naming_parameter_and_value() {
        assert_eq!(
            svc_study(&["C=0.1,1,10", "gamma=1,0.1,0.01"]).validate(),
            Ok(())
        );
        let err = svc_study(&["C=0.1,1,-1", "gamma=0.1"])
            .validate()
            .unwrap_err();
        assert!(
            matches!(&err, StudyError::ModelRefuses { name, value, .. }
                if name == "C" && value == "-1"),
            "{err}"
        );
        let named = svc_study(&["C=1", "gamma=scale,auto"])
            .validate()
            .unwrap_err();
        assert!(named.to_string().contains("`gamma` = scale"), "{named}");
        // A range is checked at its middle only: a bound no draw reaches is allowed.
        assert_eq!(svc_study(&["C=0..10", "gamma=0.1"]).validate(), Ok(()));
        let missing = svc_study(&["C=1..10"]).validate().unwrap_err();
        assert!(missing.to_string().contains("gamma"), "{missing}");
    }

    #[test]
    fn a_window_beyond_the_limit_is_refused() {
        let mut study = branin("random", 3, Some(usize::MAX));
        assert_eq!(
            study.validate(),
            Err(StudyError::Window { window: usize::MAX })
        );
        study.window = Some(MAX_WINDOW);
        assert_eq!(study.validate(), Ok(()));
    }
}
