//! k nearest neighbours on the standardised features, for classification (vote) and
//! regression (mean), with uniform or inverse-distance weights as in scikit-learn's
//! `KNeighborsClassifier` / `KNeighborsRegressor` (Euclidean distance). The neighbours come
//! from a per-split [`KdTree`] on low-dimensional data and from a full scan otherwise; both
//! give the same rows in the same order.

use super::kdtree::KdTree;
use super::kernel::dist2;
use super::{CvData, Model, ModelError, Predictions, param_choice, param_count};
use crate::space::Params;
use std::sync::{Arc, OnceLock};

/// Up to this many features a KD-tree prunes well; above it a scan is as fast.
const TREE_MAX_DIMS: usize = 16;

/// kNN prepared on a set of splits: a fit is storing the rows, indexed by a KD-tree built
/// on a split's first use and kept for every later trial.
pub(crate) struct KnnLearner {
    cv: Arc<CvData>,
    trees: Vec<OnceLock<KdTree>>,
}

impl KnnLearner {
    /// Prepare for the splits of `cv`.
    pub(crate) fn new(cv: Arc<CvData>) -> KnnLearner {
        let trees = cv.splits.iter().map(|_| OnceLock::new()).collect();
        KnnLearner { cv, trees }
    }
}

/// The settings of one kNN fit, decoded from a trial once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct KnnParams {
    /// Neighbours, `≥ 1` (default 5); a split with fewer training rows uses them all.
    pub k: usize,
    /// Inverse-distance weights instead of uniform ones (`weights`: `uniform` by default).
    pub distance: bool,
}

impl KnnParams {
    /// A trial's `k` and `weights`, checked.
    pub(crate) fn decode(params: &Params) -> Result<KnnParams, ModelError> {
        let k = param_count(params, "k", 5, 1)?;
        let distance = match param_choice(params, "weights", "uniform")? {
            "uniform" => false,
            "distance" => true,
            other => {
                return Err(ModelError::BadParam(format!(
                    "weights must be uniform or distance, got `{other}`"
                )));
            }
        };
        Ok(KnnParams { k, distance })
    }
}

impl Model for KnnLearner {
    type Hyper = KnnParams;

    fn decode(&self, params: &Params) -> Result<KnnParams, ModelError> {
        KnnParams::decode(params)
    }

    fn fit_predict(&self, fold: usize, hyper: &KnnParams) -> Result<Predictions, ModelError> {
        let split = self.cv.split(fold)?;
        let k = hyper.k.min(split.n_train());
        let distance = hyper.distance;
        let d = self.cv.d;
        let tree = (d <= TREE_MAX_DIMS)
            .then(|| self.trees.get(fold))
            .flatten()
            .map(|cell| cell.get_or_init(|| KdTree::new(&split.x_train, d)));
        let mut order: Vec<(f64, usize)> = Vec::with_capacity(split.n_train());
        let mut scan = |x: &[f64]| {
            order.clear();
            order.extend(
                (0..split.n_train()).map(|j| (dist2(x, &split.x_train[j * d..(j + 1) * d]), j)),
            );
            // Stable by (distance, row): ties go to the earlier training row.
            order.select_nth_unstable_by(k - 1, |a, b| {
                a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal)
            });
            let mut near: Vec<(f64, usize)> = order[..k].to_vec();
            near.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
            near
        };
        let mut neighbours = |t: usize| {
            let x = &split.x_test[t * d..(t + 1) * d];
            let near = match tree {
                Some(tree) => tree.nearest(x, k),
                None => scan(x),
            };
            // With distance weights an exact match takes all the weight (scikit-learn's rule).
            let exact = distance && near[0].0 == 0.0;
            near.into_iter()
                .map(|(d2, j)| {
                    let w = if exact {
                        if d2 == 0.0 { 1.0 } else { 0.0 }
                    } else if distance {
                        1.0 / d2.sqrt()
                    } else {
                        1.0
                    };
                    (w, j)
                })
                .collect::<Vec<_>>()
        };
        Ok(match &split.y_train {
            Predictions::Classes(labels) => {
                let n_labels = self
                    .cv
                    .n_classes
                    .max(labels.iter().max().map_or(0, |m| m + 1));
                Predictions::Classes(
                    (0..split.n_test())
                        .map(|t| {
                            let mut score = vec![0.0; n_labels];
                            for (w, j) in neighbours(t) {
                                score[labels[j]] += w;
                            }
                            let mut best = 0;
                            for c in 1..n_labels {
                                if score[c] > score[best] {
                                    best = c;
                                }
                            }
                            best
                        })
                        .collect(),
                )
            }
            Predictions::Values(values) => Predictions::Values(
                (0..split.n_test())
                    .map(|t| {
                        let near = neighbours(t);
                        let total: f64 = near.iter().map(|(w, _)| w).sum();
                        near.iter().map(|(w, j)| w * values[*j]).sum::<f64>() / total
                    })
                    .collect(),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Task;
    use crate::models::Split;
    use crate::space::Value;

    fn cv(y_train: Predictions, y_test: Predictions) -> Arc<CvData> {
        let n_classes = if let Predictions::Classes(_) = y_train {
            2
        } else {
            0
        };
        Arc::new(CvData {
            d: 1,
            task: y_train.task(),
            n_classes,
            splits: vec![Split {
                x_train: vec![0.0, 1.0, 2.0, 10.0],
                x_test: vec![0.4, 9.0],
                y_train,
                y_test,
            }],
        })
    }

    #[test]
    fn votes_and_means_of_the_nearest_rows() {
        let c = cv(
            Predictions::Classes(vec![0, 0, 1, 1]),
            Predictions::Classes(vec![0, 1]),
        );
        assert_eq!(c.task, Task::Classification);
        let knn = KnnLearner::new(c);
        let params = vec![("k".to_string(), Value::Int(1))];
        assert_eq!(
            crate::models::fit_fold(&knn, 0, &params),
            Ok(Predictions::Classes(vec![0, 1]))
        );
        let r = KnnLearner::new(cv(
            Predictions::Values(vec![0.0, 1.0, 2.0, 10.0]),
            Predictions::Values(vec![0.0, 0.0]),
        ));
        // k = 2, uniform: 0.4 → rows 0 and 1 → 0.5; 9.0 → rows 3 and 2 → 6.
        let params = vec![("k".to_string(), Value::Int(2))];
        assert_eq!(
            crate::models::fit_fold(&r, 0, &params),
            Ok(Predictions::Values(vec![0.5, 6.0]))
        );
        // Distance weights: 0.4 → weights 1/0.4, 1/0.6 → (0·2.5 + 1·(5/3)) / (2.5 + 5/3) = 0.4.
        let params = vec![
            ("k".to_string(), Value::Int(2)),
            ("weights".to_string(), Value::Cat("distance".into())),
        ];
        let Ok(Predictions::Values(v)) = crate::models::fit_fold(&r, 0, &params) else {
            panic!()
        };
        assert!((v[0] - 0.4).abs() < 1e-12);
        assert!(
            crate::models::fit_fold(&r, 0, &[("k".to_string(), Value::Int(0))].to_vec()).is_err()
        );
    }
}
