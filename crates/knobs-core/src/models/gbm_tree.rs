//! The trees of gradient boosting ([`super::gbm`]): every feature binned once per split into
//! at most 255 levels stored as bytes, and each tree grown leaf by leaf (best gain first, as
//! LightGBM and scikit-learn's `HistGradientBoosting*`) from gradient/hessian histograms.
//!
//! Why histograms: a node's best cut is one pass over 255 bins per feature instead of a
//! sort, and a child's histogram is its parent's minus its sibling's, so only the smaller
//! child of each cut is counted row by row. Rows are bytes, row-major, so counting one row
//! touches one short run of memory.

use std::ops::Range;

/// Most bins per feature, so a bin index fits a byte.
pub(crate) const MAX_BINS: usize = 255;

/// Histogram slots per feature (one more than [`MAX_BINS`], so a `u8` always indexes).
const STRIDE: usize = 256;

/// A split's rows as bin indices, and how many bins each feature has.
#[derive(Clone, Debug)]
pub(crate) struct Binned {
    /// Number of features.
    pub d: usize,
    /// Training rows, `n × d` bin indices, row-major.
    pub train: Vec<u8>,
    /// Test rows, binned with the training rows' thresholds.
    pub test: Vec<u8>,
    /// Bins used by each feature (1 to [`MAX_BINS`]).
    pub(crate) n_bins: Vec<usize>,
}

impl Binned {
    /// Bin row-major `x_train` and `x_test` (`d` columns) with thresholds taken from the
    /// training rows only: each distinct value its own bin when there are at most
    /// [`MAX_BINS`], else quantiles; a cut sits midway between two neighbouring values.
    pub(crate) fn new(x_train: &[f64], x_test: &[f64], d: usize) -> Binned {
        let n = x_train.len().checked_div(d).unwrap_or(0);
        let t = x_test.len().checked_div(d).unwrap_or(0);
        let mut train = vec![0u8; n * d];
        let mut test = vec![0u8; t * d];
        let mut n_bins = Vec::with_capacity(d);
        let mut column = Vec::with_capacity(n);
        for f in 0..d {
            column.clear();
            column.extend((0..n).map(|i| x_train[i * d + f]).filter(|v| !v.is_nan()));
            column.sort_unstable_by(f64::total_cmp);
            let cuts = thresholds(&column);
            n_bins.push(cuts.len() + 1);
            let bin = |v: f64| cuts.partition_point(|&c| c < v) as u8;
            for i in 0..n {
                train[i * d + f] = bin(x_train[i * d + f]);
            }
            for i in 0..t {
                test[i * d + f] = bin(x_test[i * d + f]);
            }
        }
        Binned {
            d,
            train,
            test,
            n_bins,
        }
    }

    /// Number of training rows.
    pub(crate) fn n_train(&self) -> usize {
        self.train.len().checked_div(self.d).unwrap_or(0)
    }

    /// Number of test rows.
    pub(crate) fn n_test(&self) -> usize {
        self.test.len().checked_div(self.d).unwrap_or(0)
    }
}

/// The cuts between bins of one feature's sorted values: a value goes to the bin counting
/// the cuts below it, so `MAX_BINS - 1` cuts at most.
fn thresholds(sorted: &[f64]) -> Vec<f64> {
    let mut distinct: Vec<f64> = Vec::new();
    for &v in sorted {
        if distinct.last() != Some(&v) {
            distinct.push(v);
        }
    }
    let mut cuts: Vec<f64> = Vec::with_capacity(MAX_BINS);
    if distinct.len() <= MAX_BINS {
        cuts.extend(distinct.windows(2).map(|w| w[0] + (w[1] - w[0]) / 2.0));
        return cuts;
    }
    let n = sorted.len();
    for k in 1..MAX_BINS {
        let at = (k * n / MAX_BINS).clamp(1, n - 1);
        let (a, b) = (sorted[at - 1], sorted[at]);
        let cut = a + (b - a) / 2.0;
        if cuts.last().is_none_or(|&last| cut > last) {
            cuts.push(cut);
        }
    }
    cuts
}

/// Sums of gradients, hessians and rows falling in one bin.
#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    g: f64,
    h: f64,
    n: u32,
}

/// One histogram per feature, each [`STRIDE`] bins.
type Histogram = Vec<[Entry; STRIDE]>;

/// How a tree grows (see [`super::gbm::GbmParams`] for the meaning of each).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct GrowParams {
    /// Most leaves.
    pub max_leaves: usize,
    /// Deepest a leaf may be (the root is 0); `None`: as deep as the leaves allow.
    pub max_depth: Option<usize>,
    /// Fewest rows in a leaf.
    pub min_samples_leaf: usize,
    /// Least hessian sum in a leaf.
    pub(crate) min_child_weight: f64,
    /// L2 penalty on leaf values.
    pub(crate) l2: f64,
    /// Learning rate: each leaf value is shrunk by it.
    pub(crate) shrink: f64,
}

/// A node: a leaf when `left == 0` (the root is never a child).
#[derive(Clone, Copy, Debug, Default)]
struct Node {
    feature: u32,
    bin: u8,
    left: u32,
    right: u32,
    value: f64,
}

/// A fitted regression tree on binned rows: rows whose bin is `≤ bin` go left.
#[derive(Clone, Debug)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    /// The (shrunk) value of one binned row.
    pub(crate) fn predict(&self, row: &[u8]) -> f64 {
        let mut at = 0usize;
        loop {
            let node = &self.nodes[at];
            if node.left == 0 {
                return node.value;
            }
            at = if row[node.feature as usize] <= node.bin {
                node.left as usize
            } else {
                node.right as usize
            };
        }
    }

    /// Number of leaves.
    #[cfg(test)]
    pub(crate) fn n_leaves(&self) -> usize {
        self.nodes.iter().filter(|n| n.left == 0).count()
    }
}

/// The best cut of a leaf.
#[derive(Clone, Copy, Debug)]
struct Cut {
    feature: usize,
    bin: usize,
    gain: f64,
    g_left: f64,
    h_left: f64,
    n_left: usize,
}

/// A leaf still growing: its rows are `rows[start..end]` of the grower.
struct Leaf {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    g: f64,
    h: f64,
    hist: Histogram,
    cut: Option<Cut>,
}

/// Grows trees, keeping its row buffer and histograms between trees so a boosting run
/// allocates once.
#[derive(Default)]
pub(crate) struct Grower {
    rows: Vec<u32>,
    scratch: Vec<u32>,
    spare: Vec<Histogram>,
}

/// What one tree needs to see: the binned rows, one gradient and hessian per training row,
/// the rows it learns from and the features it may cut on.
pub(crate) struct TreeInput<'a> {
    /// The split's binned rows.
    pub bins: &'a Binned,
    /// Gradient of the loss per training row.
    pub grad: &'a [f64],
    /// Hessian of the loss per training row.
    pub(crate) hess: &'a [f64],
    /// Rows this tree learns from (ascending).
    pub sample: &'a [u32],
    /// Features this tree may cut on.
    pub allowed: &'a [bool],
}

impl Grower {
    /// The rows of the last tree, grouped by leaf (see the ranges [`Grower::grow`] gives).
    pub(crate) fn rows(&self) -> &[u32] {
        &self.rows
    }

    fn histogram(&mut self, d: usize) -> Histogram {
        match self.spare.pop() {
            Some(mut h) => {
                h.iter_mut().for_each(|f| f.fill(Entry::default()));
                h.resize(d, [Entry::default(); STRIDE]);
                h
            }
            None => vec![[Entry::default(); STRIDE]; d],
        }
    }

    /// Grow one tree; also gives each leaf's rows (a range of [`Grower::rows`]) and value,
    /// so the caller can update the training rows' scores without walking the tree.
    pub(crate) fn grow(
        &mut self,
        input: &TreeInput<'_>,
        p: &GrowParams,
    ) -> (Tree, Vec<(Range<usize>, f64)>) {
        let d = input.bins.d;
        self.rows.clear();
        self.rows.extend_from_slice(input.sample);
        let (mut g, mut h) = (0.0, 0.0);
        for &r in &self.rows {
            g += input.grad[r as usize];
            h += input.hess[r as usize];
        }
        let mut hist = self.histogram(d);
        fill(&mut hist, &self.rows, input);
        let mut root = Leaf {
            node: 0,
            start: 0,
            end: self.rows.len(),
            depth: 0,
            g,
            h,
            hist,
            cut: None,
        };
        root.cut = best_cut(&root, input, p);
        let mut nodes = vec![Node::default()];
        let mut leaves = vec![root];
        while leaves.len() < p.max_leaves.max(1) {
            // The leaf whose cut gains most; the first such on ties.
            let mut pick: Option<(usize, f64)> = None;
            for (i, leaf) in leaves.iter().enumerate() {
                if let Some(cut) = leaf.cut
                    && pick.is_none_or(|(_, best)| cut.gain > best)
                {
                    pick = Some((i, cut.gain));
                }
            }
            let Some((i, _)) = pick else { break };
            let leaf = leaves.remove(i);
            let Some(cut) = leaf.cut else { break };
            let (left, right) = self.split(leaf, cut, input, p, &mut nodes);
            leaves.insert(i, right);
            leaves.insert(i, left);
        }
        let mut out = Vec::with_capacity(leaves.len());
        for leaf in leaves {
            let value = -leaf.g / (leaf.h + p.l2) * p.shrink;
            let value = if value.is_finite() { value } else { 0.0 };
            nodes[leaf.node].value = value;
            out.push((leaf.start..leaf.end, value));
            self.spare.push(leaf.hist);
        }
        (Tree { nodes }, out)
    }

    /// Cut `leaf` as its best cut says: partition its rows (stably), count the smaller
    /// child's histogram, take the larger's by subtraction, and find the children's cuts.
    fn split(
        &mut self,
        leaf: Leaf,
        cut: Cut,
        input: &TreeInput<'_>,
        p: &GrowParams,
        nodes: &mut Vec<Node>,
    ) -> (Leaf, Leaf) {
        let d = input.bins.d;
        // A stable partition without branches on the data (which side a row goes is as
        // good as random, so a branch would be mispredicted half the time): every row is
        // written to both places and only the side it belongs to moves on.
        let rows = &mut self.rows[leaf.start..leaf.end];
        if self.scratch.len() < rows.len() {
            self.scratch.resize(rows.len(), 0);
        }
        let (mut kept, mut moved) = (0, 0);
        for k in 0..rows.len() {
            let r = rows[k];
            let left =
                usize::from(usize::from(input.bins.train[r as usize * d + cut.feature]) <= cut.bin);
            rows[kept] = r;
            self.scratch[moved] = r;
            kept += left;
            moved += 1 - left;
        }
        rows[kept..].copy_from_slice(&self.scratch[..moved]);
        debug_assert_eq!(
            kept, cut.n_left,
            "the histogram counted the rows going left"
        );
        let mid = leaf.start + kept;
        let (l, r) = (nodes.len(), nodes.len() + 1);
        nodes[leaf.node] = Node {
            feature: cut.feature as u32,
            bin: cut.bin as u8,
            left: l as u32,
            right: r as u32,
            value: 0.0,
        };
        nodes.push(Node::default());
        nodes.push(Node::default());
        let mut small = self.histogram(d);
        let left_smaller = kept <= leaf.end - mid;
        let small_rows = if left_smaller {
            leaf.start..mid
        } else {
            mid..leaf.end
        };
        fill(&mut small, &self.rows[small_rows], input);
        let mut large = leaf.hist;
        for (lf, sf) in large.iter_mut().zip(&small) {
            for (a, b) in lf.iter_mut().zip(sf) {
                a.g -= b.g;
                a.h -= b.h;
                a.n -= b.n;
            }
        }
        let (left_hist, right_hist) = if left_smaller {
            (small, large)
        } else {
            (large, small)
        };
        let mut left = Leaf {
            node: l,
            start: leaf.start,
            end: mid,
            depth: leaf.depth + 1,
            g: cut.g_left,
            h: cut.h_left,
            hist: left_hist,
            cut: None,
        };
        let mut right = Leaf {
            node: r,
            start: mid,
            end: leaf.end,
            depth: leaf.depth + 1,
            g: leaf.g - cut.g_left,
            h: leaf.h - cut.h_left,
            hist: right_hist,
            cut: None,
        };
        left.cut = best_cut(&left, input, p);
        right.cut = best_cut(&right, input, p);
        (left, right)
    }
}

/// Count `rows` into `hist` (already zeroed).
fn fill(hist: &mut Histogram, rows: &[u32], input: &TreeInput<'_>) {
    let d = input.bins.d;
    for &r in rows {
        let r = r as usize;
        let (g, h) = (input.grad[r], input.hess[r]);
        let row = &input.bins.train[r * d..r * d + d];
        for (slots, &b) in hist.iter_mut().zip(row) {
            let e = &mut slots[usize::from(b)];
            e.g += g;
            e.h += h;
            e.n += 1;
        }
    }
}

/// The cut of `leaf` that lowers the penalised loss most, if any respects the limits: the
/// lowest feature and then the lowest bin on ties.
fn best_cut(leaf: &Leaf, input: &TreeInput<'_>, p: &GrowParams) -> Option<Cut> {
    let n = leaf.end - leaf.start;
    if p.max_depth.is_some_and(|m| leaf.depth >= m)
        || n < 2 * p.min_samples_leaf.max(1)
        || leaf.h < 2.0 * p.min_child_weight
    {
        return None;
    }
    let parent = leaf.g * leaf.g / (leaf.h + p.l2);
    let mut best: Option<Cut> = None;
    let mut best_gain = 1e-12 * (1.0 + parent.abs());
    for (f, slots) in leaf.hist.iter().enumerate() {
        if !input.allowed.get(f).copied().unwrap_or(false) {
            continue;
        }
        let bins = input.bins.n_bins[f];
        let (mut gl, mut hl, mut nl) = (0.0, 0.0, 0usize);
        for (b, e) in slots.iter().enumerate().take(bins.saturating_sub(1)) {
            gl += e.g;
            hl += e.h;
            nl += e.n as usize;
            if nl < p.min_samples_leaf || hl < p.min_child_weight {
                continue;
            }
            let (gr, hr, nr) = (leaf.g - gl, leaf.h - hl, n - nl);
            if nr < p.min_samples_leaf || hr < p.min_child_weight {
                break;
            }
            let gain = gl * gl / (hl + p.l2) + gr * gr / (hr + p.l2) - parent;
            if gain > best_gain {
                best_gain = gain;
                best = Some(Cut {
                    feature: f,
                    bin: b,
                    gain,
                    g_left: gl,
                    h_left: hl,
                    n_left: nl,
                });
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_a_bin_each_and_many_get_quantile_bins() {
        let x: Vec<f64> = [3.0, 1.0, 2.0, 1.0].to_vec();
        let b = Binned::new(&x, &[0.0, 1.6, 9.0], 1);
        assert_eq!(b.n_bins, [3]);
        assert_eq!(b.train, [2, 0, 1, 0]);
        assert_eq!(b.test, [0, 1, 2]);
        let many: Vec<f64> = (0..10_000).map(|i| f64::from(i) * 0.5).collect();
        let b = Binned::new(&many, &[], 1);
        assert_eq!(b.n_bins, [MAX_BINS]);
        // Quantile bins hold about the same number of rows each.
        let mut counts = [0usize; MAX_BINS];
        b.train.iter().for_each(|&v| counts[usize::from(v)] += 1);
        assert!(counts.iter().all(|&c| (38..=41).contains(&c)), "{counts:?}");
    }

    #[test]
    fn a_tree_cuts_where_the_gradients_change_sign_and_respects_min_samples_leaf() {
        // Gradient −1 for the low half and +1 for the high half of one feature.
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let bins = Binned::new(&x, &[], 1);
        let grad: Vec<f64> = (0..100).map(|i| if i < 30 { -1.0 } else { 1.0 }).collect();
        let hess = vec![1.0; 100];
        let sample: Vec<u32> = (0..100).collect();
        let input = TreeInput {
            bins: &bins,
            grad: &grad,
            hess: &hess,
            sample: &sample,
            allowed: &[true],
        };
        let p = GrowParams {
            max_leaves: 2,
            max_depth: None,
            min_samples_leaf: 1,
            min_child_weight: 0.0,
            l2: 0.0,
            shrink: 1.0,
        };
        let mut grower = Grower::default();
        let (tree, leaves) = grower.grow(&input, &p);
        assert_eq!(tree.n_leaves(), 2);
        assert_eq!(tree.predict(&bins.train[0..1]), 1.0);
        assert_eq!(tree.predict(&bins.train[99..100]), -1.0);
        assert_eq!(leaves[0].0, 0..30);
        let held = GrowParams {
            min_samples_leaf: 40,
            ..p
        };
        let (_, leaves) = grower.grow(&input, &held);
        assert_eq!(leaves[0].0, 0..40);
        // No feature allowed: a single leaf.
        let none = TreeInput {
            allowed: &[false],
            ..input
        };
        assert_eq!(grower.grow(&none, &p).0.n_leaves(), 1);
    }
}
