//! A decision tree classifier (CART, as scikit-learn's `DecisionTreeClassifier`):
//! `max_depth`, `min_samples_split`, `min_samples_leaf` and `criterion` (gini or entropy).
//!
//! Why our own rather than linfa-trees: linfa sorts every feature's values again at every
//! node, which took 126 s for one 5-fold trial on 200,000 rows (scikit-learn: 15 s). Here
//! each split's rows are sorted once per feature, kept for every trial, and a fit only
//! partitions those orders stably down the tree (each level a linear pass), so a node's
//! best cut is one scan per feature. Cuts are scikit-learn's (read in its `_splitter.pyx`,
//! not copied): between two consecutive values more than `1e-7` apart, at their midpoint, `x ≤ threshold` going left; the best impurity
//! decrease wins, the lower feature on ties; leaves predict their majority class (the
//! lower label on ties).

use super::{CvData, Model, ModelError, Predictions, param_choice, param_count};
use crate::space::Params;
use std::sync::{Arc, OnceLock};

/// Which impurity a cut minimises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Criterion {
    /// Gini impurity `1 − Σ pₖ²`.
    Gini,
    /// Entropy `−Σ pₖ log pₖ`.
    Entropy,
}

/// The settings of one tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TreeParams {
    /// Deepest level (the root is 0); `None`: unlimited.
    pub max_depth: Option<usize>,
    /// Fewest rows a node needs to be cut.
    pub(crate) min_samples_split: usize,
    /// Fewest rows each side of a cut must keep.
    pub min_samples_leaf: usize,
    /// The impurity.
    pub(crate) criterion: Criterion,
}

#[derive(Clone, Debug)]
enum Node {
    Leaf(usize),
    Split {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
    },
}

/// A fitted tree.
#[derive(Clone, Debug)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    /// The class of one row.
    pub(crate) fn predict_row(&self, x: &[f64]) -> usize {
        let mut at = 0;
        loop {
            match self.nodes[at] {
                Node::Leaf(class) => return class,
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => at = if x[feature] <= threshold { left } else { right },
            }
        }
    }

    /// Nodes, leaves included.
    #[cfg(test)]
    pub(crate) fn n_nodes(&self) -> usize {
        self.nodes.len()
    }
}

/// Every feature's row order by value (stable, so equal values keep row order), one
/// `Vec<u32>` per feature: what every fit on these rows starts from.
pub(crate) fn presort(x: &[f64], d: usize) -> Vec<Vec<u32>> {
    let n = x.len().checked_div(d).unwrap_or(0);
    (0..d)
        .map(|f| {
            let mut order: Vec<u32> = (0..n as u32).collect();
            order.sort_by(|&a, &b| x[a as usize * d + f].total_cmp(&x[b as usize * d + f]));
            order
        })
        .collect()
}

/// The growing state: the per-feature orders, partitioned so every node's rows occupy the
/// same range in each.
struct Grower<'a> {
    x: &'a [f64],
    d: usize,
    labels: &'a [usize],
    n_classes: usize,
    params: TreeParams,
    orders: Vec<Vec<u32>>,
    goes_left: Vec<bool>,
    scratch: Vec<u32>,
    nodes: Vec<Node>,
}

/// The best cut of a node: feature, threshold, rows going left, and its score (higher is
/// better).
#[derive(Clone, Copy, Debug)]
struct Cut {
    feature: usize,
    threshold: f64,
    n_left: usize,
    score: f64,
}

/// Fit a tree on row-major `x` (`d` columns) with `labels`, from the rows' presorted
/// `orders` (see [`presort`]).
pub(crate) fn fit(
    x: &[f64],
    d: usize,
    labels: &[usize],
    orders: Vec<Vec<u32>>,
    params: TreeParams,
) -> Result<Tree, ModelError> {
    let n = labels.len();
    if n == 0 || x.len() != n * d || orders.len() != d {
        return Err(ModelError::Invalid(format!(
            "tree: {n} labels for {} values in {d} columns",
            x.len()
        )));
    }
    let n_classes = labels.iter().max().map_or(0, |m| m + 1);
    let mut g = Grower {
        x,
        d,
        labels,
        n_classes,
        params,
        orders,
        goes_left: vec![false; n],
        scratch: vec![0; n],
        nodes: Vec::new(),
    };
    g.grow(0, n, 0);
    Ok(Tree { nodes: g.nodes })
}

/// Impurity-based score of a side with class counts `counts` and `n` rows: higher is purer
/// (`Σ cₖ²/n` for gini, `Σ cₖ log(cₖ/n)` for entropy; the node's weighted impurity is a
/// constant minus the two sides' scores).
#[inline]
fn side_score(criterion: Criterion, counts: &[usize], n: usize) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let nf = n as f64;
    match criterion {
        Criterion::Gini => counts.iter().map(|&c| (c * c) as f64).sum::<f64>() / nf,
        Criterion::Entropy => counts
            .iter()
            .filter(|&&c| c > 0)
            .map(|&c| c as f64 * (c as f64 / nf).ln())
            .sum(),
    }
}

impl Grower<'_> {
    /// Grow the node over positions `start..end` at `depth`; returns its index.
    fn grow(&mut self, start: usize, end: usize, depth: usize) -> usize {
        let id = self.nodes.len();
        let mut counts = vec![0usize; self.n_classes];
        for &r in &self.orders[0][start..end] {
            counts[self.labels[r as usize]] += 1;
        }
        let majority = (0..self.n_classes)
            .rev()
            .max_by_key(|&c| counts[c])
            .unwrap_or(0);
        self.nodes.push(Node::Leaf(majority));
        let n = end - start;
        let p = self.params;
        let pure = counts.iter().filter(|&&c| c > 0).count() <= 1;
        if pure
            || p.max_depth.is_some_and(|m| depth >= m)
            || n < p.min_samples_split
            || n < 2 * p.min_samples_leaf
        {
            return id;
        }
        let Some(cut) = self.best_cut(start, end, &counts) else {
            return id;
        };
        self.partition(start, end, cut);
        let mid = start + cut.n_left;
        let left = self.grow(start, mid, depth + 1);
        let right = self.grow(mid, end, depth + 1);
        self.nodes[id] = Node::Split {
            feature: cut.feature,
            threshold: cut.threshold,
            left,
            right,
        };
        id
    }

    /// The best cut of the rows at `start..end` over every feature, if any is allowed and
    /// lowers the impurity.
    fn best_cut(&self, start: usize, end: usize, counts: &[usize]) -> Option<Cut> {
        let (d, n) = (self.d, end - start);
        let criterion = self.params.criterion;
        let min_leaf = self.params.min_samples_leaf.max(1);
        let parent = side_score(criterion, counts, n);
        let mut best: Option<Cut> = None;
        let mut left = vec![0usize; self.n_classes];
        let mut right = vec![0usize; self.n_classes];
        for f in 0..d {
            let order = &self.orders[f][start..end];
            left.iter_mut().for_each(|c| *c = 0);
            right.copy_from_slice(counts);
            for i in 0..n - 1 {
                let r = order[i] as usize;
                let c = self.labels[r];
                left[c] += 1;
                right[c] -= 1;
                let n_left = i + 1;
                if n_left < min_leaf || n - n_left < min_leaf {
                    continue;
                }
                let v = self.x[r * d + f];
                let next = self.x[order[i + 1] as usize * d + f];
                // scikit-learn's FEATURE_THRESHOLD: values closer than this are not cut.
                if next <= v + 1e-7 {
                    continue;
                }
                let score = side_score(criterion, &left, n_left)
                    + side_score(criterion, &right, n - n_left);
                if best.is_none_or(|b| score > b.score) {
                    let mut threshold = v / 2.0 + next / 2.0;
                    if threshold >= next || !threshold.is_finite() {
                        threshold = v;
                    }
                    best = Some(Cut {
                        feature: f,
                        threshold,
                        n_left,
                        score,
                    });
                }
            }
        }
        // scikit-learn cuts even when the decrease is zero (up to rounding); so do we.
        best.filter(|b| b.score >= parent - 1e-9 * parent.abs().max(1.0))
    }

    /// Reorder every feature's positions `start..end` stably: the cut's left rows first.
    fn partition(&mut self, start: usize, end: usize, cut: Cut) {
        let d = self.d;
        for (i, &r) in self.orders[cut.feature][start..end].iter().enumerate() {
            self.goes_left[r as usize] = i < cut.n_left;
        }
        for f in 0..d {
            if f == cut.feature {
                continue;
            }
            let order = &mut self.orders[f][start..end];
            let mut l = 0;
            let mut r = 0;
            for p in 0..order.len() {
                let row = order[p];
                if self.goes_left[row as usize] {
                    order[l] = row;
                    l += 1;
                } else {
                    self.scratch[r] = row;
                    r += 1;
                }
            }
            order[l..].copy_from_slice(&self.scratch[..r]);
        }
    }
}

/// A decision tree prepared on a set of splits; each split's presorted feature orders are
/// computed on first use and kept for every trial.
pub(crate) struct TreeLearner {
    cv: Arc<CvData>,
    orders: Vec<OnceLock<Vec<Vec<u32>>>>,
}

impl TreeLearner {
    /// Prepare for the splits of `cv`.
    pub(crate) fn new(cv: Arc<CvData>) -> TreeLearner {
        let orders = cv.splits.iter().map(|_| OnceLock::new()).collect();
        TreeLearner { cv, orders }
    }
}

impl TreeParams {
    /// Read a trial's parameters once: `max_depth` 0 (or absent) is unlimited, as
    /// scikit-learn's `None`; errors name the parameter.
    pub(crate) fn decode(params: &Params) -> Result<TreeParams, ModelError> {
        let depth = param_count(params, "max_depth", 0, 0)?;
        let min_samples_split = param_count(params, "min_samples_split", 2, 2)?;
        let min_samples_leaf = param_count(params, "min_samples_leaf", 1, 1)?;
        let criterion = match param_choice(params, "criterion", "gini")? {
            "gini" => Criterion::Gini,
            "entropy" => Criterion::Entropy,
            other => {
                return Err(ModelError::BadParam(format!(
                    "criterion must be gini or entropy, got `{other}`"
                )));
            }
        };
        Ok(TreeParams {
            max_depth: (depth > 0).then_some(depth),
            min_samples_split,
            min_samples_leaf,
            criterion,
        })
    }
}

impl Model for TreeLearner {
    type Hyper = TreeParams;

    fn decode(&self, params: &Params) -> Result<TreeParams, ModelError> {
        TreeParams::decode(params)
    }

    fn fit_predict(&self, fold: usize, hyper: &TreeParams) -> Result<Predictions, ModelError> {
        let split = self.cv.split(fold)?;
        let Predictions::Classes(labels) = &split.y_train else {
            return Err(ModelError::Invalid("tree needs class labels".into()));
        };
        let d = self.cv.d;
        let orders = self
            .orders
            .get(fold)
            .ok_or_else(|| ModelError::Invalid(format!("no split {fold}")))?
            .get_or_init(|| presort(&split.x_train, d))
            .clone();
        let tree = fit(&split.x_train, d, labels, orders, *hyper)?;
        let predicted = split
            .x_test
            .chunks_exact(d.max(1))
            .map(|x| tree.predict_row(x))
            .collect();
        Ok(Predictions::Classes(predicted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(max_depth: Option<usize>, min_samples_leaf: usize) -> TreeParams {
        TreeParams {
            max_depth,
            min_samples_split: 2,
            min_samples_leaf,
            criterion: Criterion::Gini,
        }
    }

    #[test]
    fn two_levels_learn_xor_and_cut_at_midpoints() {
        // Quadrants of the plane: class 1 where the signs differ.
        let mut x = Vec::new();
        let mut y = Vec::new();
        for (i, &(a, b)) in [(-2.0f64, -1.0f64), (-1.0, 2.0), (1.0, -2.0), (2.0, 1.0)]
            .iter()
            .enumerate()
        {
            for k in 0..5 {
                let jitter = k as f64 * 0.1;
                x.extend([a + jitter * a.signum(), b + jitter * b.signum()]);
                y.push(usize::from(i == 1 || i == 2));
            }
        }
        for criterion in [Criterion::Gini, Criterion::Entropy] {
            let p = TreeParams {
                criterion,
                ..params(None, 1)
            };
            let tree = fit(&x, 2, &y, presort(&x, 2), p).unwrap();
            for (row, &label) in x.chunks(2).zip(&y) {
                assert_eq!(tree.predict_row(row), label);
            }
            assert_eq!(tree.predict_row(&[-2.2, -1.2]), 0);
            assert_eq!(tree.predict_row(&[1.2, -1.7]), 1);
        }
        // Depth 0: one leaf with the majority (a tie: the lower label).
        let stump = fit(&x, 2, &y, presort(&x, 2), params(Some(0), 1)).unwrap();
        assert_eq!((stump.n_nodes(), stump.predict_row(&[5.0, 5.0])), (1, 0));
    }

    #[test]
    fn a_leaf_keeps_at_least_min_samples_leaf_rows() {
        // One outlier of class 1 at the end: with min_samples_leaf 3 it cannot be cut off.
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let mut y = vec![0; 10];
        y[9] = 1;
        let free = fit(&x, 1, &y, presort(&x, 1), params(None, 1)).unwrap();
        assert_eq!(free.predict_row(&[9.0]), 1);
        let held = fit(&x, 1, &y, presort(&x, 1), params(None, 3)).unwrap();
        assert_eq!(held.predict_row(&[9.0]), 0);
    }
}
