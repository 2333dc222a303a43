//! The network itself: dense layers with ReLU between them, a softmax or linear output,
//! back-propagation on mini-batches and the two optimisers (Adam, SGD with momentum).
//!
//! Everything is `f32` in `ndarray` arrays and every matrix product goes through
//! `ndarray::linalg::general_mat_mul` (the `matrixmultiply` backend, single-threaded: the
//! runner already runs trials and folds in parallel). Buffers for one mini-batch are
//! allocated once per fold and reused for every batch of every epoch.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView2, Axis, Zip, s};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Adam's decay rates and denominator guard (Kingma & Ba's and scikit-learn's defaults).
const BETA1: f32 = 0.9;
const BETA2: f32 = 0.999;
const EPSILON: f32 = 1e-8;

/// How the weights move along the gradient.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Solver {
    /// Adam with bias correction folded into the step size (as scikit-learn's `adam`).
    Adam,
    /// Plain mini-batch SGD with heavy-ball momentum: `v ← μv − η g`, `w ← w + v`.
    Sgd {
        /// The momentum `μ` in `[0, 1)`.
        momentum: f32,
    },
}

/// How the initial weights are drawn (biases start at zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Init {
    /// Glorot-uniform, `±√(6/(fan_in + fan_out))`, in every layer: scikit-learn's
    /// `MLPClassifier` for ReLU networks, and on digits the closer match to its accuracy.
    Glorot,
    /// He-uniform, `±√(6/fan_in)`, into the ReLU layers (the output layer Glorot's).
    He,
}

/// What the output layer is trained to minimise.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Targets {
    /// Class labels `0..k`, softmax cross-entropy over `k` outputs.
    Classes(Vec<usize>),
    /// Standardised real values, half the squared error of one output.
    Values(Vec<f32>),
}

/// One dense layer: `out = in · w + b`, `w` being `inputs × outputs`.
#[derive(Clone, Debug)]
struct Dense {
    w: Array2<f32>,
    b: Array1<f32>,
}

impl Dense {
    fn zeros(inputs: usize, outputs: usize) -> Dense {
        Dense {
            w: Array2::zeros((inputs, outputs)),
            b: Array1::zeros(outputs),
        }
    }
}

/// A multilayer perceptron's weights.
#[derive(Clone, Debug)]
pub(crate) struct Network {
    layers: Vec<Dense>,
}

impl Network {
    /// Layers of the given widths (`widths[0]` inputs, the last the outputs), weights drawn
    /// from `rng` as `init` says, biases zero.
    pub(crate) fn new(widths: &[usize], init: Init, rng: &mut ChaCha8Rng) -> Network {
        let n = widths.len().saturating_sub(1);
        let layers = (0..n)
            .map(|l| {
                let (fan_in, fan_out) = (widths[l], widths[l + 1]);
                let bound = if l + 1 == n || init == Init::Glorot {
                    (6.0 / (fan_in + fan_out).max(1) as f32).sqrt()
                } else {
                    (6.0 / fan_in.max(1) as f32).sqrt()
                };
                let mut layer = Dense::zeros(fan_in, fan_out);
                layer
                    .w
                    .iter_mut()
                    .for_each(|v| *v = rng.random_range(-bound..=bound));
                layer
            })
            .collect();
        Network { layers }
    }

    /// The output layer's raw scores (logits, or the standardised prediction) for rows `x`.
    pub(crate) fn forward(&self, x: ArrayView2<f32>) -> Array2<f32> {
        let mut a = x.to_owned();
        let last = self.layers.len().saturating_sub(1);
        for (l, layer) in self.layers.iter().enumerate() {
            let mut z = a.dot(&layer.w);
            z += &layer.b;
            if l < last {
                z.mapv_inplace(|v| v.max(0.0));
            }
            a = z;
        }
        a
    }

    /// Whether every weight is a finite number (false once training has diverged).
    pub(crate) fn is_finite(&self) -> bool {
        self.layers
            .iter()
            .all(|l| l.w.iter().chain(&l.b).all(|v| v.is_finite()))
    }
}

/// The optimiser's per-weight state: Adam's two moments, or SGD's velocity in `first`.
#[derive(Clone, Debug)]
struct Moments {
    first: Vec<Dense>,
    second: Vec<Dense>,
}

/// Training settings that do not change between epochs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Schedule {
    /// Step size `η`.
    pub learning_rate: f32,
    /// Rows per mini-batch (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// L2 penalty `λ`: each step adds `λ w` to the batch-mean gradient of every weight
    /// (not the biases).
    pub weight_decay: f32,
    /// The optimiser.
    pub(crate) solver: Solver,
    /// The initial weights.
    pub(crate) init: Init,
}

/// One split's network in training, with its reusable buffers and its own random stream
/// (the row order of each epoch).
#[derive(Clone, Debug)]
pub(crate) struct Training {
    net: Network,
    grads: Vec<Dense>,
    moments: Moments,
    /// `acts[l]`: the input to layer `l` for the current batch (`acts[0]` the rows
    /// themselves); `acts[L]` the output scores.
    acts: Vec<Array2<f32>>,
    /// `deltas[l]`: d loss / d (pre-activation output of layer `l`).
    deltas: Vec<Array2<f32>>,
    order: Vec<usize>,
    rng: ChaCha8Rng,
    schedule: Schedule,
    steps: i32,
}

impl Training {
    /// A freshly initialised network of `widths` for `rows` training rows.
    pub(crate) fn new(
        widths: &[usize],
        rows: usize,
        schedule: Schedule,
        mut rng: ChaCha8Rng,
    ) -> Self {
        let net = Network::new(widths, schedule.init, &mut rng);
        let zeros = || -> Vec<Dense> {
            net.layers
                .iter()
                .map(|l| Dense::zeros(l.w.nrows(), l.w.ncols()))
                .collect()
        };
        let batch = schedule.batch_size.clamp(1, rows.max(1));
        Training {
            grads: zeros(),
            moments: Moments {
                first: zeros(),
                second: zeros(),
            },
            acts: widths.iter().map(|&w| Array2::zeros((batch, w))).collect(),
            deltas: widths[1..]
                .iter()
                .map(|&w| Array2::zeros((batch, w)))
                .collect(),
            order: (0..rows).collect(),
            rng,
            schedule: Schedule {
                batch_size: batch,
                ..schedule
            },
            steps: 0,
            net,
        }
    }

    /// The network as trained so far.
    pub(crate) fn network(&self) -> &Network {
        &self.net
    }

    /// One pass over the rows `x` in a fresh random order, a step per mini-batch.
    pub(crate) fn epoch(&mut self, x: ArrayView2<f32>, targets: &Targets) {
        let mut order = std::mem::take(&mut self.order);
        order.shuffle(&mut self.rng);
        for batch in order.chunks(self.schedule.batch_size) {
            self.step(x, targets, batch);
        }
        self.order = order;
    }

    /// Forward, backward and one optimiser step on the rows `batch` of `x`.
    fn step(&mut self, x: ArrayView2<f32>, targets: &Targets, batch: &[usize]) {
        let m = batch.len();
        {
            let mut input = self.acts[0].slice_mut(s![..m, ..]);
            for (mut row, &i) in input.axis_iter_mut(Axis(0)).zip(batch) {
                row.assign(&x.row(i));
            }
        }
        self.forward_batch(m);
        self.output_delta(targets, batch);
        self.backward(m);
        self.update();
    }

    fn forward_batch(&mut self, m: usize) {
        let last = self.net.layers.len() - 1;
        for (l, layer) in self.net.layers.iter().enumerate() {
            let (before, after) = self.acts.split_at_mut(l + 1);
            let input = before[l].slice(s![..m, ..]);
            let mut out = after[0].slice_mut(s![..m, ..]);
            general_mat_mul(1.0, &input, &layer.w, 0.0, &mut out);
            for mut row in out.axis_iter_mut(Axis(0)) {
                Zip::from(&mut row).and(&layer.b).for_each(|z, &b| {
                    let v = *z + b;
                    *z = if l < last { v.max(0.0) } else { v };
                });
            }
        }
    }

    /// d (batch-mean loss) / d output scores, into the last delta.
    fn output_delta(&mut self, targets: &Targets, batch: &[usize]) {
        let m = batch.len();
        let scale = 1.0 / m as f32;
        let (Some(scores), Some(delta)) = (self.acts.last(), self.deltas.last_mut()) else {
            return;
        };
        let scores = scores.slice(s![..m, ..]);
        let mut delta = delta.slice_mut(s![..m, ..]);
        match targets {
            Targets::Classes(labels) => {
                for ((z, mut d), &i) in scores.outer_iter().zip(delta.outer_iter_mut()).zip(batch) {
                    let top = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    let mut sum = 0.0;
                    Zip::from(&mut d).and(&z).for_each(|d, &z| {
                        *d = (z - top).exp();
                        sum += *d;
                    });
                    d.mapv_inplace(|p| p / sum * scale);
                    d[labels[i]] -= scale;
                }
            }
            Targets::Values(values) => {
                for ((z, mut d), &i) in scores.outer_iter().zip(delta.outer_iter_mut()).zip(batch) {
                    d[0] = (z[0] - values[i]) * scale;
                }
            }
        }
    }

    fn backward(&mut self, m: usize) {
        let decay = self.schedule.weight_decay;
        for l in (0..self.net.layers.len()).rev() {
            let input = self.acts[l].slice(s![..m, ..]);
            let grad = &mut self.grads[l];
            let layer = &self.net.layers[l];
            let (lower, upper) = self.deltas.split_at_mut(l);
            let delta = upper[0].slice(s![..m, ..]);
            // The weights' gradient, the penalty's share added in the same product.
            grad.w.assign(&layer.w);
            general_mat_mul(1.0, &input.t(), &delta, decay, &mut grad.w);
            grad.b.fill(0.0);
            for row in delta.outer_iter() {
                grad.b += &row;
            }
            if l > 0 {
                let mut below = lower[l - 1].slice_mut(s![..m, ..]);
                general_mat_mul(1.0, &delta, &layer.w.t(), 0.0, &mut below);
                // ReLU's derivative: where the layer's output (this layer's input) was 0.
                Zip::from(&mut below)
                    .and(&input)
                    .for_each(|d, &a| *d = if a > 0.0 { *d } else { 0.0 });
            }
        }
    }

    fn update(&mut self) {
        self.steps = self.steps.saturating_add(1);
        let lr = self.schedule.learning_rate;
        let layers = self.net.layers.iter_mut().zip(&self.grads);
        let moments = self.moments.first.iter_mut().zip(&mut self.moments.second);
        match self.schedule.solver {
            Solver::Adam => {
                let t = self.steps;
                let step = lr * (1.0 - BETA2.powi(t)).sqrt() / (1.0 - BETA1.powi(t));
                for ((layer, grad), (m1, m2)) in layers.zip(moments) {
                    let adam = |w: &mut f32, &g: &f32, m: &mut f32, v: &mut f32| {
                        *m = BETA1 * *m + (1.0 - BETA1) * g;
                        *v = BETA2 * *v + (1.0 - BETA2) * g * g;
                        *w -= step * *m / (v.sqrt() + EPSILON);
                    };
                    Zip::from(&mut layer.w)
                        .and(&grad.w)
                        .and(&mut m1.w)
                        .and(&mut m2.w)
                        .for_each(adam);
                    Zip::from(&mut layer.b)
                        .and(&grad.b)
                        .and(&mut m1.b)
                        .and(&mut m2.b)
                        .for_each(adam);
                }
            }
            Solver::Sgd { momentum } => {
                for ((layer, grad), (velocity, _)) in layers.zip(moments) {
                    let sgd = |w: &mut f32, &g: &f32, v: &mut f32| {
                        *v = momentum * *v - lr * g;
                        *w += *v;
                    };
                    Zip::from(&mut layer.w)
                        .and(&grad.w)
                        .and(&mut velocity.w)
                        .for_each(sgd);
                    Zip::from(&mut layer.b)
                        .and(&grad.b)
                        .and(&mut velocity.b)
                        .for_each(sgd);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The analytic gradient of one batch matches central differences of the loss.
    #[test]
    fn back_propagation_matches_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let x = Array2::from_shape_fn((5, 3), |_| rng.random_range(-1.0f32..1.0));
        let targets = Targets::Classes(vec![0, 1, 2, 1, 0]);
        let schedule = Schedule {
            learning_rate: 0.0,
            batch_size: 5,
            weight_decay: 0.01,
            solver: Solver::Sgd { momentum: 0.0 },
            init: Init::He,
        };
        let mut training = Training::new(&[3, 4, 4, 3], 5, schedule, rng);
        let batch: Vec<usize> = (0..5).collect();
        let loss = |net: &Network| -> f64 {
            let z = net.forward(x.view());
            let mut total = 0.0;
            for (row, &y) in z.outer_iter().zip([0usize, 1, 2, 1, 0].iter()) {
                let top = row.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
                let lse = top
                    + row
                        .iter()
                        .map(|&v| (v as f64 - top).exp())
                        .sum::<f64>()
                        .ln();
                total += lse - row[y] as f64;
            }
            let penalty: f64 = net
                .layers
                .iter()
                .flat_map(|l| l.w.iter())
                .map(|&w| (w as f64).powi(2))
                .sum();
            total / 5.0 + 0.005 * penalty
        };
        training.step(x.view(), &targets, &batch);
        let net = training.net.clone();
        for l in 0..net.layers.len() {
            for (idx, g) in training.grads[l].w.indexed_iter() {
                let h = 1e-2f32;
                let mut plus = net.clone();
                plus.layers[l].w[idx] += h;
                let mut minus = net.clone();
                minus.layers[l].w[idx] -= h;
                let fd = (loss(&plus) - loss(&minus)) / (2.0 * h as f64);
                assert!(
                    (fd - *g as f64).abs() < 2e-3,
                    "layer {l} {idx:?}: {fd} vs {g}"
                );
            }
        }
    }
}
