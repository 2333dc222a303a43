//! A multilayer perceptron trained in epochs: the built-in model whose cost is a resource
//! (epochs) that a pruner can cut short.
//!
//! ReLU hidden layers of equal width, a softmax output with cross-entropy for
//! classification and a linear output with squared error for regression (the target
//! standardised on the training rows, predictions mapped back). Mini-batch training with
//! Adam or SGD with momentum, an L2 penalty on the weights. Hyperparameters, as named in a
//! trial: `learning_rate`, `batch_size`, `hidden_units`, `hidden_layers`, `weight_decay`,
//! `epochs`, and outside the default space `solver` (`adam` or `sgd`), `momentum` (SGD's),
//! `init` (`glorot`, scikit-learn's and the default, or `he`) and `seed`.
//!
//! Deterministic for a seed: the initial weights and every epoch's row order come from a
//! ChaCha8 stream per split (`seed`, stream = the fold), so the same values give the same
//! scores whatever the number of threads. Through [`crate::models::EpochTrainer`] every
//! split trains in step, one epoch at a time, so the objective can report the mean
//! validation score after each epoch and stop a trial a pruner gives up on.

mod net;

pub(crate) use net::{Init, Schedule, Solver, Targets, Training};

use super::{
    CvData, EpochTrainer, Model, ModelError, Predictions, param_choice, param_count, param_f64,
};
use crate::space::{Domain, Param, Params, Value};
use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// The widest hidden layer a trial may ask for: far beyond what tabular data needs, and a
/// bound on the memory a mistyped value can claim.
const MAX_HIDDEN_UNITS: usize = 1 << 16;
/// The deepest network a trial may ask for.
const MAX_HIDDEN_LAYERS: usize = 64;

/// The default search space: issue 14's benchmark space (learning rate 1e-4..1e-1, batch
/// 16..256, hidden units 16..256, all log; 1 to 3 hidden layers; weight decay 1e-6..1e-2
/// log), the epochs, the resource, fixed at 20 unless a `--param epochs=…` says otherwise.
pub(crate) fn default_params() -> Vec<Param> {
    let log = |name: &str, low, high| {
        Param::new(
            name,
            Domain::Float {
                low,
                high,
                log: true,
            },
        )
    };
    let int = |name: &str, low, high, log| Param::new(name, Domain::Int { low, high, log });
    vec![
        log("learning_rate", 1e-4, 1e-1),
        int("batch_size", 16, 256, true),
        int("hidden_units", 16, 256, true),
        int("hidden_layers", 1, 3, false),
        log("weight_decay", 1e-6, 1e-2),
        Param::new("epochs", Domain::Fixed(Value::Int(20))),
    ]
}

/// One trial's decoded hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MlpParams {
    /// Step size (`learning_rate`, default `1e-3`).
    pub learning_rate: f64,
    /// Rows per mini-batch (`batch_size`, default 32; at most the training rows).
    pub batch_size: usize,
    /// Units of every hidden layer (`hidden_units`, default 64).
    pub hidden_units: usize,
    /// Hidden layers (`hidden_layers`, default 1; 0 is a linear model).
    pub hidden_layers: usize,
    /// L2 penalty added to the batch-mean gradient as `λ w` (`weight_decay`, default
    /// `1e-4`; scikit-learn's `alpha` is `λ × batch_size`).
    pub weight_decay: f64,
    /// Passes over the training rows (`epochs`, default 20): the trial's resource.
    pub epochs: usize,
    /// The optimiser (`solver`: `adam`, the default, or `sgd` with `momentum`, default 0.9).
    pub(crate) solver: Solver,
    /// How the initial weights are drawn (`init`: `glorot`, the default, or `he`).
    pub(crate) init: Init,
    /// The random stream of initial weights and row orders (`seed`, default 0).
    pub seed: u64,
}

impl MlpParams {
    /// Decode a trial's values, with the defaults for any left out; the error names the
    /// parameter at fault.
    pub fn decode(params: &Params) -> Result<MlpParams, ModelError> {
        let positive = |name: &str, default: f64, allow_zero: bool| {
            let v = param_f64(params, name, Some(default))?;
            if v.is_finite() && (v > 0.0 || (allow_zero && v == 0.0)) {
                Ok(v)
            } else {
                let bound = if allow_zero { "≥ 0" } else { "> 0" };
                Err(ModelError::BadParam(format!(
                    "{name} must be a finite number {bound}, got {v}"
                )))
            }
        };
        let at_most = |name: &str, v: usize, max: usize| {
            if v > max {
                Err(ModelError::BadParam(format!(
                    "{name} must be at most {max}, got {v}"
                )))
            } else {
                Ok(v)
            }
        };
        let solver = match param_choice(params, "solver", "adam")? {
            "adam" => Solver::Adam,
            "sgd" => {
                let momentum = param_f64(params, "momentum", Some(0.9))?;
                if !(0.0..1.0).contains(&momentum) {
                    return Err(ModelError::BadParam(format!(
                        "momentum must be in [0, 1), got {momentum}"
                    )));
                }
                Solver::Sgd {
                    momentum: momentum as f32,
                }
            }
            other => {
                return Err(ModelError::BadParam(format!(
                    "solver must be `adam` or `sgd`, got `{other}`"
                )));
            }
        };
        let init = match param_choice(params, "init", "glorot")? {
            "glorot" => Init::Glorot,
            "he" => Init::He,
            other => {
                return Err(ModelError::BadParam(format!(
                    "init must be `glorot` or `he`, got `{other}`"
                )));
            }
        };
        Ok(MlpParams {
            learning_rate: positive("learning_rate", 1e-3, false)?,
            batch_size: param_count(params, "batch_size", 32, 1)?,
            hidden_units: at_most(
                "hidden_units",
                param_count(params, "hidden_units", 64, 1)?,
                MAX_HIDDEN_UNITS,
            )?,
            hidden_layers: at_most(
                "hidden_layers",
                param_count(params, "hidden_layers", 1, 0)?,
                MAX_HIDDEN_LAYERS,
            )?,
            weight_decay: positive("weight_decay", 1e-4, true)?,
            epochs: param_count(params, "epochs", 20, 1)?,
            solver,
            init,
            seed: param_count(params, "seed", 0, 0)? as u64,
        })
    }

    fn schedule(&self) -> Schedule {
        Schedule {
            learning_rate: self.learning_rate as f32,
            batch_size: self.batch_size,
            weight_decay: self.weight_decay as f32,
            solver: self.solver,
            init: self.init,
        }
    }
}

/// One split in the network's terms: `f32` rows and the targets it trains on.
struct Prepared {
    x_train: Array2<f32>,
    x_test: Array2<f32>,
    targets: Targets,
    /// The training target's mean and standard deviation (regression; `(0, 1)` otherwise).
    y_mean: f64,
    y_std: f64,
}

/// The MLP prepared on a set of splits (their rows converted to `f32` once).
pub struct MlpLearner {
    splits: Vec<Prepared>,
    d: usize,
    n_classes: usize,
}

impl MlpLearner {
    /// Prepare for the splits of `cv`.
    pub fn new(cv: Arc<CvData>) -> Result<MlpLearner, ModelError> {
        let d = cv.d;
        let matrix = |rows: &[f64]| {
            Array2::from_shape_vec(
                (rows.len() / d.max(1), d),
                rows.iter().map(|&v| v as f32).collect(),
            )
            .map_err(|e| ModelError::Invalid(e.to_string()))
        };
        let splits = cv
            .splits
            .iter()
            .map(|s| {
                let (targets, y_mean, y_std) = match &s.y_train {
                    Predictions::Classes(c) => (Targets::Classes(c.clone()), 0.0, 1.0),
                    Predictions::Values(v) => {
                        let n = v.len().max(1) as f64;
                        let mean = v.iter().sum::<f64>() / n;
                        let var = v.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / n;
                        let std = if var > 0.0 { var.sqrt() } else { 1.0 };
                        let scaled = v.iter().map(|y| ((y - mean) / std) as f32).collect();
                        (Targets::Values(scaled), mean, std)
                    }
                };
                Ok(Prepared {
                    x_train: matrix(&s.x_train)?,
                    x_test: matrix(&s.x_test)?,
                    targets,
                    y_mean,
                    y_std,
                })
            })
            .collect::<Result<Vec<_>, ModelError>>()?;
        Ok(MlpLearner {
            splits,
            d,
            n_classes: cv.n_classes,
        })
    }

    /// Start training split `fold` from fresh weights: what [`Model::fit_predict`] and the
    /// epoch trainer step through, and what a benchmark times.
    pub fn start(&self, fold: usize, hyper: &MlpParams) -> Result<FoldRun<'_>, ModelError> {
        let data = self
            .splits
            .get(fold)
            .ok_or_else(|| ModelError::Invalid(format!("no split {fold}")))?;
        let outputs = match data.targets {
            Targets::Classes(_) => self.n_classes.max(1),
            Targets::Values(_) => 1,
        };
        let mut widths = vec![self.d];
        widths.extend(std::iter::repeat_n(hyper.hidden_units, hyper.hidden_layers));
        widths.push(outputs);
        let mut rng = ChaCha8Rng::seed_from_u64(hyper.seed);
        rng.set_stream(fold as u64);
        Ok(FoldRun {
            training: Training::new(&widths, data.x_train.nrows(), hyper.schedule(), rng),
            data,
            epochs_done: 0,
        })
    }
}

/// One split's network in training.
pub struct FoldRun<'a> {
    data: &'a Prepared,
    training: Training,
    epochs_done: usize,
}

impl FoldRun<'_> {
    /// Train one more epoch; an error once the weights are no longer finite numbers (too
    /// large a learning rate).
    pub fn epoch(&mut self) -> Result<(), ModelError> {
        self.training
            .epoch(self.data.x_train.view(), &self.data.targets);
        self.epochs_done += 1;
        if self.training.network().is_finite() {
            Ok(())
        } else {
            Err(ModelError::Invalid(format!(
                "the network diverged in epoch {} (weights are no longer finite numbers; \
                 a smaller learning_rate helps)",
                self.epochs_done
            )))
        }
    }

    /// The current network's predictions for the split's test rows: the most probable
    /// class (the lower on ties) or the value on the target's own scale.
    pub fn predict(&self) -> Predictions {
        let scores = self.training.network().forward(self.data.x_test.view());
        match self.data.targets {
            Targets::Classes(_) => Predictions::Classes(
                scores
                    .outer_iter()
                    .map(|row| {
                        let mut best = (f32::NEG_INFINITY, 0);
                        for (k, &v) in row.iter().enumerate() {
                            if v > best.0 {
                                best = (v, k);
                            }
                        }
                        best.1
                    })
                    .collect(),
            ),
            Targets::Values(_) => Predictions::Values(
                scores
                    .outer_iter()
                    .map(|row| f64::from(row[0]) * self.data.y_std + self.data.y_mean)
                    .collect(),
            ),
        }
    }
}

/// Every split of one trial training in step.
struct InStep<'a> {
    runs: Vec<FoldRun<'a>>,
    epochs: usize,
}

impl EpochTrainer for InStep<'_> {
    fn epochs(&self) -> usize {
        self.epochs
    }

    fn next_epoch(&mut self, threads: usize) -> Result<Vec<Predictions>, ModelError> {
        let one = |run: &mut FoldRun<'_>| run.epoch().map(|()| run.predict());
        let threads = threads.clamp(1, self.runs.len().max(1));
        if threads == 1 {
            return self.runs.iter_mut().map(one).collect();
        }
        // Each split has its own network and random stream: which thread trains it
        // changes nothing, and the results are gathered in fold order.
        let per_thread = self.runs.len().div_ceil(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = self
                .runs
                .chunks_mut(per_thread)
                .map(|chunk| s.spawn(move || chunk.iter_mut().map(one).collect::<Vec<_>>()))
                .collect();
            let mut out = Vec::new();
            for h in handles {
                let results = h
                    .join()
                    .map_err(|_| ModelError::Invalid("a split's training panicked".into()))?;
                for r in results {
                    out.push(r?);
                }
            }
            Ok(out)
        })
    }
}

impl Model for MlpLearner {
    type Hyper = MlpParams;

    fn decode(&self, params: &Params) -> Result<MlpParams, ModelError> {
        MlpParams::decode(params)
    }

    fn fit_predict(&self, fold: usize, hyper: &MlpParams) -> Result<Predictions, ModelError> {
        let mut run = self.start(fold, hyper)?;
        for _ in 0..hyper.epochs {
            run.epoch()?;
        }
        Ok(run.predict())
    }

    fn epoch_trainer(
        &self,
        hyper: &MlpParams,
    ) -> Option<Result<Box<dyn EpochTrainer + '_>, ModelError>> {
        let runs = (0..self.splits.len())
            .map(|fold| self.start(fold, hyper))
            .collect::<Result<Vec<_>, _>>();
        Some(runs.map(|runs| {
            Box::new(InStep {
                runs,
                epochs: hyper.epochs,
            }) as Box<dyn EpochTrainer + '_>
        }))
    }
}

#[cfg(test)]
mod tests;
