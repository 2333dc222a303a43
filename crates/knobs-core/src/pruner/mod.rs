//! Pruners: rules that stop a hopeless trial early, from the intermediate values it reports.
//!
//! A trial that trains in epochs (a neural network, boosting rounds, a script printing
//! `{"step": k, "value": v}`) reports each step through
//! [`TrialContext::report`](crate::objective::TrialContext::report); the runner asks the
//! study's pruner whether to go on, and a pruned trial is recorded as
//! [`TrialState::Pruned`](crate::study::TrialState::Pruned) with the step it reached.
//!
//! **What a decision may look at.** A decision for trial `k` at step `s` sees trial `k`'s own
//! reports so far and the `History` fixed when `k` was asked: the curves of the trials
//! already *told* to the strategy at that moment (the runner's deterministic schedule). It
//! never sees what other running trials reported meanwhile, so the same seed and window give
//! the same pruned trials at the same steps whatever `--jobs` is. That is the one departure
//! from Optuna, whose pruners also read trials still running: with few trials told, a rule
//! here has less to compare with and prunes a little later.
//!
//! Rules, one file each: `median` and `percentile` (Optuna's `MedianPruner` and
//! `PercentilePruner`), `asha` (Optuna's `SuccessiveHalvingPruner`), `hyperband` (brackets
//! of ASHA) and `patience` (Optuna's `PatientPruner` and `ThresholdPruner` in one rule).

pub(crate) mod asha;
pub(crate) mod hyperband;
pub(crate) mod median;
pub(crate) mod patience;
pub(crate) mod percentile;

pub use asha::AshaSettings;
pub use hyperband::HyperbandSettings;
pub use median::MedianSettings;
pub use patience::PatienceSettings;
pub use percentile::PercentileSettings;

use crate::study::{Direction, Intermediate, Study, Trial, TrialState};
use serde::{Deserialize, Serialize};

/// Why pruner settings were refused.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum PrunerError {
    /// A setting out of its range; the message names the setting.
    #[error("pruner {pruner}: `{setting}` {reason}")]
    Invalid {
        /// The rule.
        pruner: &'static str,
        /// The setting.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An unknown rule or setting name.
    #[error("{0}")]
    Unknown(String),
}

/// Which pruner a study uses and its settings, as a session and a journal store them.
/// Absent in older sessions, which then read as [`PrunerSpec::None`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum PrunerSpec {
    /// Never prune: every trial runs to the end.
    #[default]
    None,
    /// Prune below the median of earlier trials at the same step.
    Median(MedianSettings),
    /// Prune below a percentile of earlier trials at the same step.
    Percentile(PercentileSettings),
    /// Asynchronous successive halving: keep the top 1/η at each rung.
    Asha(AshaSettings),
    /// Several ASHA brackets with different first rungs; each trial gets one.
    Hyperband(HyperbandSettings),
    /// Stop a trial that stopped improving, or left a band of acceptable values.
    Patience(PatienceSettings),
}

/// The names `--pruner` takes, with a line each for `knobs list`.
pub const PRUNERS: [(&str, &str); 6] = [
    ("none", "never prune"),
    (
        "median",
        "below the median of earlier trials at the same step (Optuna's MedianPruner)",
    ),
    (
        "percentile",
        "below the 25th percentile of earlier trials at the same step",
    ),
    (
        "asha",
        "asynchronous successive halving: top 1/4 go on at each rung",
    ),
    ("hyperband", "brackets of ASHA with different first rungs"),
    (
        "patience",
        "no improvement for 3 steps, or outside [lower, upper]",
    ),
];

impl PrunerSpec {
    /// The rule named on the command line, with its default settings.
    pub fn from_name(name: &str) -> Result<Self, PrunerError> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "none" | "nop" => PrunerSpec::None,
            "median" => PrunerSpec::Median(MedianSettings::default()),
            "percentile" => PrunerSpec::Percentile(PercentileSettings::default()),
            "asha" | "sha" | "successive-halving" => PrunerSpec::Asha(AshaSettings::default()),
            "hyperband" => PrunerSpec::Hyperband(HyperbandSettings::default()),
            "patience" | "threshold" => PrunerSpec::Patience(PatienceSettings::default()),
            other => {
                return Err(PrunerError::Unknown(format!(
                    "unknown pruner `{other}` (known: {})",
                    PRUNERS.map(|(n, _)| n).join(", ")
                )));
            }
        })
    }

    /// The rule's name, as `--pruner` takes it.
    pub fn name(&self) -> &'static str {
        match self {
            PrunerSpec::None => "none",
            PrunerSpec::Median(_) => "median",
            PrunerSpec::Percentile(_) => "percentile",
            PrunerSpec::Asha(_) => "asha",
            PrunerSpec::Hyperband(_) => "hyperband",
            PrunerSpec::Patience(_) => "patience",
        }
    }

    /// Whether this is `none` (what a session leaves unwritten).
    pub fn is_none(&self) -> bool {
        matches!(self, PrunerSpec::None)
    }

    /// Whether the rule can ever prune (anything but `none`).
    pub fn is_active(&self) -> bool {
        !matches!(self, PrunerSpec::None)
    }

    /// Check every setting against its range, naming the one that is wrong.
    pub fn check(&self) -> Result<(), PrunerError> {
        match self {
            PrunerSpec::None => Ok(()),
            PrunerSpec::Median(s) => s.check(),
            PrunerSpec::Percentile(s) => s.check(),
            PrunerSpec::Asha(s) => s.check(),
            PrunerSpec::Hyperband(s) => s.check(),
            PrunerSpec::Patience(s) => s.check(),
        }
    }

    /// Set one setting from `key=value` text (`--pruner-opt n_startup_trials=3`): the value
    /// is read as JSON (a number, `true`, `null`), else as text. Checked afterwards.
    pub fn set_option(&mut self, option: &str) -> Result<(), PrunerError> {
        let Some((key, text)) = option.split_once('=') else {
            return Err(PrunerError::Unknown(format!(
                "--pruner-opt `{option}`: expected KEY=VALUE"
            )));
        };
        let (key, text) = (key.trim(), text.trim());
        let name = self.name();
        let mut whole = serde_json::to_value(&*self)
            .map_err(|e| PrunerError::Unknown(format!("pruner {name}: {e}")))?;
        let Some(settings) = whole
            .get_mut(variant_name(name))
            .and_then(|s| s.as_object_mut())
        else {
            return Err(PrunerError::Unknown(format!(
                "pruner {name} has no settings (`{key}` given)"
            )));
        };
        if !settings.contains_key(key) {
            let known: Vec<&str> = settings.keys().map(String::as_str).collect();
            return Err(PrunerError::Unknown(format!(
                "pruner {name} has no setting `{key}` (known: {})",
                known.join(", ")
            )));
        }
        let value = serde_json::from_str(text).unwrap_or(serde_json::Value::String(text.into()));
        settings.insert(key.to_owned(), value);
        let updated: PrunerSpec = serde_json::from_value(whole)
            .map_err(|e| PrunerError::Unknown(format!("pruner {name}: `{key}={text}`: {e}")))?;
        updated.check()?;
        *self = updated;
        Ok(())
    }

    /// Decide whether trial `number`, having reported `own` so far (the latest report last),
    /// should stop, looking only at `history`. The rules are described in their files.
    pub(crate) fn decide(
        &self,
        history: &History,
        number: usize,
        own: &[Intermediate],
    ) -> Decision {
        let Some(last) = own.last() else {
            return Decision::Continue;
        };
        if !last.value.is_finite() && self.is_active() {
            return Decision::Prune(format!("reported {} at step {}", last.value, last.step));
        }
        match self {
            PrunerSpec::None => Decision::Continue,
            PrunerSpec::Median(s) => s.as_percentile().decide(history, own),
            PrunerSpec::Percentile(s) => s.decide(history, own),
            PrunerSpec::Asha(s) => s.decide(history.curves.iter().collect(), history, own),
            PrunerSpec::Hyperband(s) => s.decide(history, number, own),
            PrunerSpec::Patience(s) => s.decide(history.direction, own),
        }
    }
}

/// Why trial `number` of `study` was pruned, in words ("trial 14 stopped at step 3: its
/// best 0.71 is below the median 0.84 of 9 trials at that step"), or `None` when it was not
/// pruned. The decision is replayed against the trials numbered below it, which is what the
/// rule saw when every earlier trial was told first (a window of one, as step mode runs);
/// with a wider window a run's rule saw fewer trials and the numbers may differ.
pub fn explain(study: &Study, number: usize) -> Option<String> {
    let trial = study.trials.iter().find(|t| t.number == number)?;
    let stop = trial.pruned_at()?;
    let history = History::of(study, number);
    let own = &trial.intermediate;
    let reason = (1..=own.len())
        .find_map(|k| match study.pruner.decide(&history, number, &own[..k]) {
            Decision::Prune(why) => Some(why),
            Decision::Continue => None,
        })
        .unwrap_or_else(|| {
            format!(
                "the {} rule stopped it while it ran beside trials not yet finished",
                study.pruner.name()
            )
        });
    Some(format!("trial {number} stopped at step {stop}: {reason}"))
}

/// The serde variant name of a rule (the key its settings sit under in JSON).
fn variant_name(name: &str) -> &'static str {
    match name {
        "median" => "Median",
        "percentile" => "Percentile",
        "asha" => "Asha",
        "hyperband" => "Hyperband",
        "patience" => "Patience",
        _ => "None",
    }
}

/// A pruner's answer, with the reason when it prunes (for logs and step mode).
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Go on.
    Continue,
    /// Stop; the text says why ("below the median 0.71 of 9 trials at step 3").
    Prune(String),
}

impl Decision {
    /// Whether the trial should stop.
    pub(crate) fn prunes(&self) -> bool {
        matches!(self, Decision::Prune(_))
    }
}

/// One earlier trial's learning curve as a pruner sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// The trial's number.
    pub number: usize,
    /// Whether it completed (the median rule compares with completed trials only, as Optuna).
    pub complete: bool,
    /// Its reports, in the order made.
    pub points: Vec<Intermediate>,
}

impl Curve {
    /// The value reported at exactly `step`, if any (the last such report).
    pub fn at(&self, step: u64) -> Option<f64> {
        self.points
            .iter()
            .rev()
            .find(|p| p.step == step)
            .map(|p| p.value)
    }

    /// The largest step reported.
    pub fn last_step(&self) -> Option<u64> {
        self.points.iter().map(|p| p.step).max()
    }
}

/// What a decision may compare with: the curves of the trials told before the deciding
/// trial was asked (see the module docs), and the study's direction and seed.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct History {
    /// Whether larger values are better.
    pub direction: Direction,
    /// Seeds the Hyperband bracket choice.
    pub seed: u64,
    /// Told trials that completed or were pruned, in trial order (failed ones carry no
    /// comparable curve and are left out).
    pub curves: Vec<Curve>,
}

impl History {
    /// The history for a trial asked once `told` trials had been told: the study's trials
    /// numbered below `told`.
    pub(crate) fn of(study: &Study, told: usize) -> Self {
        History {
            direction: study.direction,
            seed: study.seed,
            curves: study
                .trials
                .iter()
                .filter(|t| t.number < told)
                .filter_map(curve_of)
                .collect(),
        }
    }

    /// Completed trials only.
    pub(crate) fn complete(&self) -> impl Iterator<Item = &Curve> {
        self.curves.iter().filter(|c| c.complete)
    }
}

fn curve_of(t: &Trial) -> Option<Curve> {
    let complete = match t.state {
        TrialState::Complete => true,
        TrialState::Pruned { .. } => false,
        _ => return None,
    };
    Some(Curve {
        number: t.number,
        complete,
        points: t.intermediate.clone(),
    })
}

/// The best of `values` under `direction` (NaN ignored; NaN when none is left), as Optuna's
/// `nanmax`/`nanmin`.
pub(crate) fn best_of(direction: Direction, values: impl Iterator<Item = f64>) -> f64 {
    values.filter(|v| !v.is_nan()).fold(f64::NAN, |best, v| {
        if best.is_nan() || direction.better(v, best) {
            v
        } else {
            best
        }
    })
}

/// A range check shared by the rules' `check`s.
pub(crate) fn invalid(pruner: &'static str, setting: &'static str, reason: String) -> PrunerError {
    PrunerError::Invalid {
        pruner,
        setting,
        reason,
    }
}

#[cfg(test)]
pub(crate) mod testkit {
    use super::*;

    /// A curve from values at steps 1, 2, 3, …
    pub(crate) fn curve(number: usize, complete: bool, values: &[f64]) -> Curve {
        Curve {
            number,
            complete,
            points: points(values),
        }
    }

    /// Reports at steps 1, 2, 3, …
    pub(crate) fn points(values: &[f64]) -> Vec<Intermediate> {
        values
            .iter()
            .enumerate()
            .map(|(i, &value)| Intermediate {
                step: i as u64 + 1,
                value,
            })
            .collect()
    }

    pub(crate) fn history(direction: Direction, curves: Vec<Curve>) -> History {
        History {
            direction,
            seed: 0,
            curves,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_set_one_setting_and_name_the_known_ones_when_wrong() {
        let mut spec = PrunerSpec::from_name("median").unwrap();
        spec.set_option("n_startup_trials=2").unwrap();
        let PrunerSpec::Median(m) = &spec else {
            panic!("not median")
        };
        assert_eq!(m.n_startup_trials, 2);
        let err = spec.set_option("startup=2").unwrap_err().to_string();
        assert!(err.contains("n_warmup_steps"), "{err}");
        let err = spec.set_option("interval_steps=0").unwrap_err().to_string();
        assert!(err.contains("interval_steps"), "{err}");
    }

    #[test]
    fn a_session_without_a_pruner_reads_as_none_and_specs_round_trip() {
        for (name, _) in PRUNERS {
            let spec = PrunerSpec::from_name(name).unwrap();
            spec.check().unwrap();
            let text = serde_json::to_string(&spec).unwrap();
            assert_eq!(serde_json::from_str::<PrunerSpec>(&text).unwrap(), spec);
        }
        let partial: PrunerSpec =
            serde_json::from_str(r#"{"Asha":{"reduction_factor":3}}"#).unwrap();
        let PrunerSpec::Asha(a) = partial else {
            panic!("not asha")
        };
        assert_eq!((a.reduction_factor, a.min_resource), (3, 1));
    }

    #[test]
    fn a_pruned_trial_is_explained_with_the_numbers_the_median_compared() {
        let mut study = crate::study::default_study();
        study.direction = Direction::Maximize;
        study.pruner = PrunerSpec::Median(MedianSettings {
            n_startup_trials: 3,
            ..MedianSettings::default()
        });
        let mut trials: Vec<Trial> = [0.8, 0.84, 0.9]
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let mut t = Trial::complete(i, vec![], vec![], v);
                t.intermediate = testkit::points(&[v - 0.1, v]);
                t
            })
            .collect();
        let mut pruned = Trial::complete(3, vec![], vec![], 0.0);
        pruned.value = None;
        pruned.state = TrialState::Pruned {
            step: 1,
            value: 0.5,
        };
        pruned.intermediate = testkit::points(&[0.5]);
        trials.push(pruned);
        study.trials = trials;
        assert_eq!(
            explain(&study, 3).as_deref(),
            Some(
                "trial 3 stopped at step 1: its best 0.5 is below the median 0.74 of 3 trials at that step"
            )
        );
        assert_eq!(
            explain(&study, 0),
            None,
            "a complete trial needs no explanation"
        );
    }

    #[test]
    fn a_non_finite_report_is_pruned_by_any_active_rule() {
        let h = testkit::history(Direction::Maximize, vec![]);
        let own = testkit::points(&[0.5, f64::NAN]);
        assert!(
            PrunerSpec::from_name("patience")
                .unwrap()
                .decide(&h, 0, &own)
                .prunes()
        );
        assert!(!PrunerSpec::None.decide(&h, 0, &own).prunes());
    }
}
