//! Knobs' MLP on digits with the anchors' folds, beside scikit-learn's `MLPClassifier`
//! (issue 14, item 1): milliseconds per epoch and 5-fold accuracy.
//!
//! ```text
//! OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /work/venv-sk/bin/python \
//!     examples/bench_mlp_sklearn.py /work/shared/anchors/datasets > /tmp/mlp_sk.json
//! cargo run --release -p knobs-core --example bench_mlp -- --sklearn /tmp/mlp_sk.json
//! ```
//!
//! The bundled digits and its folds are the anchors' (`digits.csv`, `digits.folds.csv`).
//! An epoch is timed on split 0's training rows, one thread, as scikit-learn's `fit` is
//! (median over `--reps` runs of the mean epoch); the validation pass after it, which the
//! objective adds to report a score per epoch, is timed apart. Accuracy is the objective's
//! 5-fold mean after the configuration's epochs, for seeds `0..--seeds`. Knobs'
//! `weight_decay` is scikit-learn's `alpha / batch_size` (scikit-learn divides its penalty's
//! gradient by the batch). With `--sklearn` the table gives the ratio of the per-epoch times
//! (scikit-learn / Knobs: above 1 is Knobs faster) and both accuracies.
//!
//! Recorded run (2 shared cores, load average 4.2, both sides one after the other;
//! scikit-learn 1.9.1, numpy 2.4.6, `matrixmultiply` 0.3.11 without its threading feature):
//!
//! | config | Knobs ms/epoch | + validation ms | 5-fold trial ms/epoch | sklearn ms/epoch | sklearn / Knobs | Knobs accuracy (seeds 0-2) | sklearn accuracy (seeds 0-2) |
//! |---|---|---|---|---|---|---|---|
//! | h64_b32 | 0.61 | 0.05 | 4.15 | 11.37 | 18.5 | 0.9709 (0.9683, 0.9722, 0.9722) | 0.9711 (0.9700, 0.9700, 0.9733) |
//! | h256_b16 | 3.43 | 0.18 | 15.62 | 32.22 | 9.4 | 0.9774 (0.9755, 0.9789, 0.9777) | 0.9783 (0.9777, 0.9800, 0.9772) |
//! | h128x3_b64 | 4.41 | 0.36 | 27.37 | 17.04 | 3.9 | 0.9735 (0.9744, 0.9738, 0.9722) | 0.9733 (0.9766, 0.9711, 0.9722) |
//!
//! The timings move with the load (four runs in one session gave ratios 9.8-18.5, 6.7-12.1
//! and 3.6-4.0; on the quietest, load 2.1-2.5, h64_b32 took 0.80 ms against 7.86 ms); the
//! accuracies do not. With He's initial weights (`init=he`) the accuracies were 0.9700,
//! 0.9757 and 0.9703: the default is Glorot's, scikit-learn's.

use knobs_core::data::{Dataset, Folds};
use knobs_core::models::{CvData, ModelSpec};
use knobs_core::objective::{DatasetSource, ModelTask, Objective};
use knobs_core::space::{Params, Value};
use knobs_core::test_support::{MlpLearner, MlpParams};
use std::sync::Arc;
use std::time::Instant;

/// One configuration: name, hidden units, hidden layers, batch size, scikit-learn's alpha,
/// epochs (the same list as `bench_mlp_sklearn.py`).
const CONFIGS: &[(&str, i64, i64, i64, f64, i64)] = &[
    ("h64_b32", 64, 1, 32, 1e-4, 20),
    ("h256_b16", 256, 1, 16, 1e-4, 20),
    ("h128x3_b64", 128, 3, 64, 1e-4, 20),
];

fn params(hidden: i64, layers: i64, batch: i64, alpha: f64, epochs: i64, seed: i64) -> Params {
    vec![
        ("learning_rate".into(), Value::Float(1e-3)),
        ("hidden_units".into(), Value::Int(hidden)),
        ("hidden_layers".into(), Value::Int(layers)),
        ("batch_size".into(), Value::Int(batch)),
        ("weight_decay".into(), Value::Float(alpha / batch as f64)),
        ("epochs".into(), Value::Int(epochs)),
        ("seed".into(), Value::Int(seed)),
    ]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// What scikit-learn measured, by configuration: ms per epoch and the per-seed accuracies.
fn sklearn_side(path: &str) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let reps: usize =
        option("--reps").map_or(Ok(3), |s| s.parse().map_err(|e| format!("--reps: {e}")))?;
    let seeds: i64 =
        option("--seeds").map_or(Ok(3), |s| s.parse().map_err(|e| format!("--seeds: {e}")))?;
    let sklearn = option("--sklearn").map(|p| sklearn_side(p)).transpose()?;

    let dataset = Dataset::bundled("digits").map_err(|e| e.to_string())?;
    let folds = Folds::bundled("digits", dataset.n_samples()).map_err(|e| e.to_string())?;
    let cv = Arc::new(CvData::new(&dataset, &folds).map_err(|e| e.to_string())?);
    let learner = MlpLearner::new(cv).map_err(|e| e.to_string())?;
    let objective = ModelTask::new(DatasetSource::Bundled("digits".into()), ModelSpec::Mlp)
        .build()
        .map_err(|e| e.to_string())?;

    println!(
        "| config | Knobs ms/epoch | + validation ms | 5-fold trial ms/epoch | sklearn ms/epoch | sklearn / Knobs | Knobs accuracy (seeds) | sklearn accuracy (seeds) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for &(name, hidden, layers, batch, alpha, epochs) in CONFIGS {
        let mut per_epoch = Vec::new();
        let mut validation = Vec::new();
        for rep in 0..reps {
            let hyper =
                MlpParams::decode(&params(hidden, layers, batch, alpha, epochs, rep as i64))
                    .map_err(|e| e.to_string())?;
            let mut run = learner.start(0, &hyper).map_err(|e| e.to_string())?;
            let t0 = Instant::now();
            for _ in 0..epochs {
                run.epoch().map_err(|e| e.to_string())?;
            }
            per_epoch.push(t0.elapsed().as_secs_f64() * 1e3 / epochs as f64);
            let t1 = Instant::now();
            std::hint::black_box(run.predict());
            validation.push(t1.elapsed().as_secs_f64() * 1e3);
        }
        let mut accuracy = Vec::new();
        for seed in 0..seeds {
            let eval = objective
                .evaluate(&params(hidden, layers, batch, alpha, epochs, seed), false)
                .map_err(|e| e.to_string())?;
            accuracy.push(eval.value);
        }
        // A whole trial's epoch as the objective runs it: every split, then its validation.
        let t2 = Instant::now();
        objective
            .evaluate(&params(hidden, layers, batch, alpha, epochs, 0), false)
            .map_err(|e| e.to_string())?;
        let trial_ms = t2.elapsed().as_secs_f64() * 1e3 / epochs as f64;
        let knobs_ms = median(per_epoch);
        let (sk_ms, sk_acc) = match &sklearn {
            Some(j) => (
                j["epoch_ms"][name].as_f64(),
                j["accuracy"][name]
                    .as_array()
                    .map(|a| a.iter().filter_map(|v| v.as_f64()).collect::<Vec<_>>()),
            ),
            None => (None, None),
        };
        let list = |v: &[f64]| {
            let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
            let each: Vec<String> = v.iter().map(|a| format!("{a:.4}")).collect();
            format!("{mean:.4} ({})", each.join(", "))
        };
        println!(
            "| {name} | {knobs_ms:.2} | {:.2} | {trial_ms:.2} | {} | {} | {} | {} |",
            median(validation),
            sk_ms.map_or("-".into(), |m| format!("{m:.2}")),
            sk_ms.map_or("-".into(), |m| format!("{:.1}", m / knobs_ms)),
            list(&accuracy),
            sk_acc.as_deref().map_or("-".into(), list),
        );
    }
    Ok(())
}
