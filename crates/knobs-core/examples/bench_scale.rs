//! Knobs' models at real data sizes, beside scikit-learn (issue 17's benchmark).
//!
//! ```text
//! cargo run --release -p knobs-core --example bench_scale -- --data DIR
//! OPENBLAS_NUM_THREADS=1 /work/venv-sk/bin/python crates/knobs-core/examples/bench_scale_sklearn.py DIR > sk.json
//! cargo run --release -p knobs-core --example bench_scale -- --data DIR --sklearn sk.json
//! ```
//!
//! The data sets are generated here from a fixed seed and written to `DIR` (CSV and the
//! `index,fold` file of 5 stratified folds) when missing, so the scikit-learn script reads
//! exactly the rows and folds Knobs uses. Each case is one 5-fold evaluation, the folds one
//! after another on one thread (scikit-learn runs single-threaded too), timed from the
//! loaded CSV to the mean accuracy, standardisation included. With `--sklearn` the table
//! gives Knobs' time over scikit-learn's and the accuracy difference.
//!
//! Options: `--cases svc,tree,logistic,knn,gbm` (default all, and `svc100k` on request: the
//! SVC on 100,000 rows), `--cache-mb MB` (the SVC's kernel row cache, default 200).
//!
//! `gbm` is 100 rounds of gradient boosting (31 leaves, learning rate 0.1, 20 rows per
//! leaf), against scikit-learn's `HistGradientBoostingClassifier` and, on a second line,
//! LightGBM (the script's `gbm_lightgbm` entry) with the same settings.

use knobs_core::data::{Dataset, Folds, LoadOptions};
use knobs_core::models::{CvData, ModelSpec, Predictions};
use knobs_core::space::{Params, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// One benchmark case: its name, data set size, model and hyperparameters.
struct Case {
    name: &'static str,
    rows: usize,
    spec: ModelSpec,
    params: Params,
}

fn float(name: &str, v: f64) -> (String, Value) {
    (name.to_owned(), Value::Float(v))
}

fn cases() -> Vec<Case> {
    let svc = |name, rows| Case {
        name,
        rows,
        spec: ModelSpec::Svc {
            kernel: knobs_core::models::KernelKind::Rbf,
        },
        params: vec![float("C", 1.0), float("gamma", 0.1)],
    };
    vec![
        svc("svc", 20_000),
        svc("svc100k", 100_000),
        Case {
            name: "tree",
            rows: 200_000,
            spec: ModelSpec::Tree,
            params: vec![("max_depth".into(), Value::Int(15))],
        },
        Case {
            name: "logistic",
            rows: 200_000,
            spec: ModelSpec::Logistic,
            params: vec![float("alpha", 1.0)],
        },
        Case {
            name: "gbm",
            rows: 200_000,
            spec: ModelSpec::Gbm,
            params: vec![
                float("learning_rate", 0.1),
                ("rounds".into(), Value::Int(100)),
                ("max_leaves".into(), Value::Int(31)),
                ("min_samples_leaf".into(), Value::Int(20)),
            ],
        },
        Case {
            name: "knn",
            rows: 200_000,
            spec: ModelSpec::Knn,
            params: vec![("k".into(), Value::Int(5))],
        },
    ]
}

/// SplitMix64: a seeded stream of uniform numbers, so the data needs no crate beyond the
/// program's own (and stays the same whatever their versions).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `rows` × 10 features, two classes from a smooth non-linear rule with 10 % label noise
/// (five informative features, five of pure noise), seeded.
fn generate(rows: usize, seed: u64) -> (Vec<[f64; 10]>, Vec<usize>) {
    let mut rng = SplitMix(seed);
    let mut x = Vec::with_capacity(rows);
    let mut y = Vec::with_capacity(rows);
    for _ in 0..rows {
        let mut r = [0.0; 10];
        for v in &mut r {
            // A sum of three uniforms: bell-shaped, bounded, cheap.
            *v = (0..3).map(|_| 2.0 * rng.unit() - 1.0).sum::<f64>();
        }
        let f = r[0] * r[1] + (2.0 * r[2]).sin() + 0.5 * r[3] * r[3] - 0.7 + 0.6 * r[4];
        let mut label = usize::from(f > 0.0);
        if rng.unit() < 0.1 {
            label = 1 - label;
        }
        x.push(r);
        y.push(label);
    }
    (x, y)
}

/// The CSV and folds file of a `rows`-row set in `dir`, written when missing.
fn data_files(dir: &Path, rows: usize) -> std::io::Result<(PathBuf, PathBuf)> {
    use std::io::Write;
    let csv = dir.join(format!("scale_{rows}.csv"));
    let folds = dir.join(format!("scale_{rows}.folds.csv"));
    if csv.exists() && folds.exists() {
        return Ok((csv, folds));
    }
    std::fs::create_dir_all(dir)?;
    let (x, y) = generate(rows, 17);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&csv)?);
    let header: Vec<String> = (0..10).map(|k| format!("f{k}")).collect();
    writeln!(out, "{},y", header.join(","))?;
    for (r, label) in x.iter().zip(&y) {
        for v in r {
            write!(out, "{v:.6},")?;
        }
        writeln!(out, "{label}")?;
    }
    out.flush()?;
    let assignment = Folds::stratified(&y, 5, 17).map_err(std::io::Error::other)?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(&folds)?);
    writeln!(out, "index,fold")?;
    for (i, f) in assignment.assignment().iter().enumerate() {
        writeln!(out, "{i},{f}")?;
    }
    out.flush()?;
    Ok((csv, folds))
}

/// Seconds and mean accuracy of one 5-fold evaluation of `case` on its data in `dir`.
fn run(case: &Case, dir: &Path) -> Result<(f64, f64), String> {
    let (csv, folds) = data_files(dir, case.rows).map_err(|e| e.to_string())?;
    let dataset = Dataset::from_path(&csv, &LoadOptions::default()).map_err(|e| e.to_string())?;
    let folds = Folds::from_path(&folds, dataset.n_samples()).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let cv = Arc::new(CvData::new(&dataset, &folds).map_err(|e| e.to_string())?);
    let learner = case.spec.prepare(cv.clone()).map_err(|e| e.to_string())?;
    let fitter = learner.for_trial(&case.params).map_err(|e| e.to_string())?;
    let mut accuracy = 0.0;
    for fold in 0..cv.splits.len() {
        let predicted = fitter.fit_predict(fold).map_err(|e| e.to_string())?;
        let (Predictions::Classes(p), Predictions::Classes(truth)) =
            (&predicted, &cv.splits[fold].y_test)
        else {
            return Err("expected class labels".into());
        };
        let right = p.iter().zip(truth).filter(|(a, b)| a == b).count();
        accuracy += right as f64 / truth.len() as f64;
    }
    Ok((
        start.elapsed().as_secs_f64(),
        accuracy / cv.splits.len() as f64,
    ))
}

/// scikit-learn's `{case: {"seconds": s, "accuracy": a}}` from the script's JSON.
fn sklearn_results(path: &Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

struct Options {
    data: PathBuf,
    sklearn: Option<PathBuf>,
    cases: Vec<String>,
}

fn options() -> Result<Options, String> {
    let mut opts = Options {
        data: std::env::temp_dir().join("knobs_bench_scale"),
        sklearn: None,
        cases: ["svc", "tree", "logistic", "knn", "gbm"]
            .map(String::from)
            .to_vec(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--data" => opts.data = PathBuf::from(value()?),
            "--sklearn" => opts.sklearn = Some(PathBuf::from(value()?)),
            "--cases" => opts.cases = value()?.split(',').map(String::from).collect(),
            "--cache-mb" => {
                let mb = value()?.parse().map_err(|e| format!("--cache-mb: {e}"))?;
                knobs_core::models::smo::set_kernel_cache_mb(mb);
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(opts)
}

fn main() {
    let opts = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let sklearn = match opts.sklearn.as_deref().map(sklearn_results).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    println!(
        "{:<10} {:>8} {:>10} {:>9} {:>10} {:>9} {:>8} {:>9}",
        "case", "rows", "knobs s", "acc", "sklearn s", "acc", "ratio", "Δacc"
    );
    for case in cases()
        .iter()
        .filter(|c| opts.cases.iter().any(|n| n == c.name))
    {
        match run(case, &opts.data) {
            Ok((secs, acc)) => {
                let theirs = |key: &str| {
                    let entry = sklearn.as_ref()?.get(key)?;
                    Some((
                        entry.get("seconds")?.as_f64()?,
                        entry.get("accuracy")?.as_f64()?,
                    ))
                };
                let lightgbm = format!("{}_lightgbm", case.name);
                let mut printed = false;
                for (label, key) in [(case.name, case.name), ("  lightgbm", lightgbm.as_str())] {
                    if let Some((s_secs, s_acc)) = theirs(key) {
                        printed = true;
                        println!(
                            "{:<10} {:>8} {:>10.2} {:>9.4} {:>10.2} {:>9.4} {:>8.2} {:>+9.4}",
                            label,
                            case.rows,
                            secs,
                            acc,
                            s_secs,
                            s_acc,
                            secs / s_secs,
                            acc - s_acc
                        );
                    }
                }
                if !printed {
                    println!(
                        "{:<10} {:>8} {:>10.2} {:>9.4}",
                        case.name, case.rows, secs, acc
                    );
                }
            }
            Err(e) => println!("{:<10} {:>8} failed: {e}", case.name, case.rows),
        }
    }
}
