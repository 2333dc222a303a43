//! What one trial of a model-tuning objective will roughly need, from the data's shape
//! alone, so the window can warn before a run that would exhaust memory or take minutes
//! per trial.
//!
//! The figures are orders of magnitude, not promises: memory counts the dense matrices the
//! models keep (the kernel models' `n_train²` inner products per split, cached for the
//! objective's life, and each running trial's kernel matrix); time counts the models'
//! dominant operations at a few nanoseconds each, with the SVMs' solver taken as growing
//! with `n_train^2.5` (libsvm's typical behaviour between the easy `n²` and the hard `n³`).
//! For scale: on 5,000 noisy rows with 2 features and 5 folds an SVC trial took 2.4 s at
//! `C = 1, gamma = 1` and 92 s at `C = 1000, gamma = 10`; the estimate says about 12 s.

use super::ModelSpec;

/// Roughly how long one basic operation (a kernel entry, a distance term) takes, in seconds.
const SECONDS_PER_OP: f64 = 2e-9;

/// A trial's projected cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrialCost {
    /// Rows in the largest training part of a split.
    pub(crate) n_train: usize,
    /// Rows in the largest test part.
    pub(crate) n_test: usize,
    /// Feature columns.
    pub features: usize,
    /// Number of splits.
    pub folds: usize,
    /// Bytes the objective holds while `jobs` trials run at once.
    pub bytes: f64,
    /// Seconds one trial (every split, one after another) is projected to take.
    pub seconds: f64,
}

/// Above what a trial's cost deserves a warning before Run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostLimits {
    /// Bytes: a quarter of the machine's memory by default.
    pub bytes: f64,
    /// Seconds per trial.
    pub seconds: f64,
}

impl Default for CostLimits {
    fn default() -> Self {
        CostLimits {
            bytes: machine_memory().unwrap_or(8e9) / 4.0,
            seconds: 10.0,
        }
    }
}

/// The machine's total memory in bytes, where the system says (Linux's `/proc/meminfo`).
pub(crate) fn machine_memory() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

/// Project a trial of `spec` on `rows` rows of `features` features cut into `folds` splits,
/// with `jobs` trials running at once; `classes` is 0 for regression.
pub fn estimate(
    spec: &ModelSpec,
    rows: usize,
    features: usize,
    folds: usize,
    classes: usize,
    jobs: usize,
) -> TrialCost {
    let k = folds.max(1);
    let n_test = rows.div_ceil(k);
    let n_train = if k > 1 { rows - rows / k } else { rows };
    let (n, t, d) = (n_train as f64, n_test as f64, features.max(1) as f64);
    let (kf, jobs) = (k as f64, jobs.max(1) as f64);
    let classes = classes.max(2) as f64;
    // Cached per split for the objective's life (kernel models), and held per running trial.
    let (cached, per_trial, ops) = match spec {
        ModelSpec::Svc { .. } => (
            kf * (8.0 * n * n + 16.0 * n * t),
            4.0 * n * n + 8.0 * n * n * (2.0 / classes).min(1.0),
            n * n * 10.0 + n.powf(2.5) + n * t,
        ),
        ModelSpec::Svr { .. } => (
            kf * (8.0 * n * n + 16.0 * n * t),
            4.0 * n * n + 16.0 * n * n,
            n * n * 10.0 + 2.0 * n.powf(2.5) + n * t,
        ),
        ModelSpec::KernelRidge => (
            kf * (8.0 * n * n + 16.0 * n * t),
            16.0 * n * n,
            n * n * 10.0 + n * n * n / 3.0 + n * t,
        ),
        ModelSpec::Knn => (0.0, 16.0 * n, n * t * (d + 4.0)),
        ModelSpec::Logistic => (
            0.0,
            8.0 * n * d * 2.0,
            // L-BFGS: a few hundred passes over the data.
            300.0 * n * d * classes,
        ),
        ModelSpec::Tree => (0.0, 8.0 * n * d * 2.0, 20.0 * n * d * n.max(2.0).log2()),
        ModelSpec::ElasticNet => (0.0, 8.0 * n * d * 2.0, 1000.0 * n * d),
        // Gradient boosting: each split's bytes of bins kept; per fold in step, scores,
        // gradients and hessians per class and the leaves' histograms; the default 100
        // rounds of one tree per class (two classes: one), each a few passes over the bins.
        ModelSpec::Gbm => {
            let trees = if classes > 2.0 { classes } else { 1.0 };
            (
                kf * (n + t) * d,
                kf * (24.0 * n * trees + 8.0 * t * trees + 64.0 * 6144.0 * d),
                100.0 * trees * n * (3.0 * d + 10.0),
            )
        }
        // The default network (64 hidden units): per row and epoch a forward and a backward
        // pass, three products' multiply-adds, each vectorised at about 1/32 of a basic
        // operation (measured: 0.63 ms an epoch on digits' 1,437 rows); 20 epochs. The data
        // is held again in f32.
        ModelSpec::Mlp => (
            0.0,
            4.0 * (n + t) * d,
            20.0 * 3.0 * n * 64.0 * (d + classes) / 32.0,
        ),
    };
    // The SVC too large for dense matrices computes kernel rows on demand into a cache of
    // fixed size per running fit (see `ModelSpec::prepare`), each entry costing a pass over
    // the features; the solver's work is as before.
    let dense_svc = kf * (8.0 * n * n + 16.0 * n * t + 8.0 * n * n);
    let (cached, per_trial, ops) = match spec {
        ModelSpec::Svc { .. } if dense_svc > super::KERNEL_MEMORY_LIMIT => (
            0.0,
            super::smo::kernel_cache_bytes() as f64,
            n * n * (d + 10.0) + n.powf(2.5) + n * t * d,
        ),
        _ => (cached, per_trial, ops),
    };
    let data = 8.0 * (n + t) * (d + 1.0) * kf;
    TrialCost {
        n_train,
        n_test,
        features,
        folds: k,
        bytes: data + cached + jobs * per_trial,
        seconds: kf * ops * SECONDS_PER_OP,
    }
}

impl TrialCost {
    /// Why this cost deserves a warning under `limits`, naming the numbers; `None` if it
    /// does not.
    pub fn warning(&self, model: &str, limits: &CostLimits) -> Option<String> {
        let mut reasons = Vec::new();
        if self.bytes > limits.bytes {
            reasons.push(format!(
                "about {} of memory (warning above {})",
                bytes(self.bytes),
                bytes(limits.bytes)
            ));
        }
        if self.seconds > limits.seconds {
            reasons.push(format!(
                "about {} per trial (warning above {})",
                seconds(self.seconds),
                seconds(limits.seconds)
            ));
        }
        if reasons.is_empty() {
            return None;
        }
        Some(format!(
            "`{model}` on {} training rows × {} features per split, {} splits: {}.",
            self.n_train,
            self.features,
            self.folds,
            reasons.join(" and ")
        ))
    }
}

/// Bytes as `512 MB` or `3.2 GB`.
pub fn bytes(b: f64) -> String {
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else {
        format!("{:.0} MB", (b / 1e6).max(1.0))
    }
}

/// Seconds as `0.4 s`, `25 s` or `3.5 min`.
pub fn seconds(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.1} s")
    } else if s < 120.0 {
        format!("{s:.0} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::KernelKind;

    const SVC: ModelSpec = ModelSpec::Svc {
        kernel: KernelKind::Rbf,
    };

    #[test]
    fn kernel_models_grow_with_the_square_of_the_rows_and_moons_is_cheap() {
        let limits = CostLimits {
            bytes: 2e9,
            seconds: 10.0,
        };
        // Moons: 400 rows, 5 folds: a few MB and well under a second.
        let moons = estimate(&SVC, 400, 2, 5, 2, 4);
        assert_eq!((moons.n_train, moons.n_test, moons.folds), (320, 80, 5));
        assert!(moons.bytes < 50e6 && moons.seconds < 0.5, "{moons:?}");
        assert!(moons.warning("svc", &limits).is_none());
        // Ten times the rows: about a hundred times the kernel memory.
        let big = estimate(&SVC, 4000, 2, 5, 2, 4);
        let ratio = big.bytes / moons.bytes;
        assert!((60.0..=110.0).contains(&ratio), "{ratio}");
        assert!(big.seconds > 10.0 * moons.seconds);
        // 40,000 rows: too large for dense matrices, so kernel rows are cached: a few
        // hundred MB per running fit, and minutes per trial; the warning names the time.
        let huge = estimate(&SVC, 40_000, 2, 5, 2, 4);
        assert!(huge.bytes < 2e9 && huge.bytes > 4.0 * 200e6, "{huge:?}");
        let w = huge.warning("svc", &limits).unwrap();
        assert!(
            w.contains("32000 training rows") && w.contains("per trial"),
            "{w}"
        );
        // Kernel ridge keeps its dense matrices: tens of GB.
        let ridge = estimate(&ModelSpec::KernelRidge, 40_000, 2, 5, 0, 4);
        assert!(ridge.bytes > 50e9, "{ridge:?}");
    }

    #[test]
    fn models_without_kernel_matrices_stay_small() {
        let knn = estimate(&ModelSpec::Knn, 40_000, 2, 5, 2, 4);
        assert!(knn.bytes < 100e6, "{knn:?}");
        // kNN compares every test row with every training row: many seconds at this size.
        assert!(knn.seconds > 1.0);
        let tree = estimate(&ModelSpec::Tree, 40_000, 10, 5, 2, 4);
        assert!(tree.bytes < 100e6 && tree.seconds < 10.0, "{tree:?}");
        let ridge = estimate(&ModelSpec::KernelRidge, 10_000, 10, 5, 0, 1);
        assert!(ridge.bytes > 3e9, "{ridge:?}");
        // One fold (no split) keeps every row for training.
        assert_eq!(estimate(&ModelSpec::Knn, 100, 2, 1, 2, 1).n_train, 100);
        assert_eq!(seconds(150.0), "2.5 min");
        assert_eq!(bytes(3.21e9), "3.2 GB");
    }
}
