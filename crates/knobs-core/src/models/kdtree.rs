//! A KD-tree for the k nearest neighbours of [`super::knn`], exact and with brute force's
//! tie order.
//!
//! Why our own rather than a crate: `kiddo` (the well-kept one) fixes the dimension at
//! compile time, while a CSV's feature count arrives at run time; `kdtree` allocates per
//! query and per node and breaks distance ties arbitrarily. kNN must give exactly what the
//! brute-force scan gives, nearest first by (squared distance, training row), so that a
//! trial's score does not depend on the index: this tree compares the same `dist2` values
//! in the same order and prunes a cell only when it cannot hold a point at a distance *at
//! most* the current k-th (a tie with a lower row could still enter).

use super::kernel::dist2;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Points per leaf: below this a scan beats further splitting.
const LEAF: usize = 24;

#[derive(Clone, Debug)]
enum Node {
    /// Points `start..end` of the tree's order.
    Leaf { start: usize, end: usize },
    /// Points with `x[dim] < value` go left (to `left`), the others right (`left + 1` is
    /// not assumed: both children are stored by index).
    Split {
        dim: usize,
        value: f64,
        left: usize,
        right: usize,
    },
}

/// The training rows of one split, arranged for nearest-neighbour queries.
#[derive(Clone, Debug)]
pub(crate) struct KdTree {
    d: usize,
    /// The rows in tree order, row-major.
    points: Vec<f64>,
    /// The training row of each point in tree order.
    rows: Vec<usize>,
    nodes: Vec<Node>,
}

/// A candidate neighbour ordered by (squared distance, row), the brute-force order.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Candidate(f64, usize);

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

impl KdTree {
    /// Build over row-major `x` with `d` columns, splitting each cell at the median of its
    /// widest dimension.
    pub(crate) fn new(x: &[f64], d: usize) -> KdTree {
        let n = x.len().checked_div(d).unwrap_or(0);
        let mut order: Vec<usize> = (0..n).collect();
        let mut nodes = Vec::new();
        if n > 0 {
            build(x, d, &mut order, 0, &mut nodes);
        }
        let points = order
            .iter()
            .flat_map(|&r| x[r * d..(r + 1) * d].iter().copied())
            .collect();
        KdTree {
            d,
            points,
            rows: order,
            nodes,
        }
    }

    /// The `k` nearest rows to `q` as (squared distance, row), nearest first, ties to the
    /// lower row: exactly the first `k` of all rows sorted by (distance, row).
    pub(crate) fn nearest(&self, q: &[f64], k: usize) -> Vec<(f64, usize)> {
        let mut heap = BinaryHeap::with_capacity(k + 1);
        if k > 0 && !self.nodes.is_empty() {
            let mut offsets = vec![0.0; self.d];
            self.search(0, q, k, 0.0, &mut offsets, &mut heap);
        }
        let mut near: Vec<(f64, usize)> = heap.into_iter().map(|c| (c.0, c.1)).collect();
        near.sort_by_key(|&(d2, row)| Candidate(d2, row));
        near
    }

    /// Visit `node`, whose cell is at squared distance at least `bound` from `q` (`offsets`
    /// holds the per-dimension parts of that bound).
    fn search(
        &self,
        node: usize,
        q: &[f64],
        k: usize,
        bound: f64,
        offsets: &mut [f64],
        heap: &mut BinaryHeap<Candidate>,
    ) {
        match self.nodes[node] {
            Node::Leaf { start, end } => {
                let d = self.d;
                for p in start..end {
                    let c = Candidate(dist2(q, &self.points[p * d..(p + 1) * d]), self.rows[p]);
                    if heap.len() < k {
                        heap.push(c);
                    } else if heap.peek().is_some_and(|worst| c < *worst) {
                        heap.pop();
                        heap.push(c);
                    }
                }
            }
            Node::Split {
                dim,
                value,
                left,
                right,
            } => {
                let diff = q[dim] - value;
                let (near, far) = if diff < 0.0 {
                    (left, right)
                } else {
                    (right, left)
                };
                self.search(near, q, k, bound, offsets, heap);
                let old = offsets[dim];
                let far_bound = bound - old * old + diff * diff;
                // `<=`: a point exactly as far as the k-th may still win on its row; the
                // margin covers the bound's rounding (summed in another order than dist2).
                let worth =
                    heap.len() < k || heap.peek().is_some_and(|w| far_bound * (1.0 - 1e-9) <= w.0);
                if worth {
                    offsets[dim] = diff;
                    self.search(far, q, k, far_bound, offsets, heap);
                    offsets[dim] = old;
                }
            }
        }
    }
}

/// Build the subtree over `order` (positions `base..` of the tree order), returning its
/// node's index.
fn build(x: &[f64], d: usize, order: &mut [usize], base: usize, nodes: &mut Vec<Node>) -> usize {
    let id = nodes.len();
    let n = order.len();
    nodes.push(Node::Leaf {
        start: base,
        end: base + n,
    });
    if n <= LEAF {
        return id;
    }
    let coord = |r: usize, k: usize| x[r * d + k];
    let dim = (0..d)
        .map(|k| {
            let (lo, hi) = order
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| {
                    (lo.min(coord(r, k)), hi.max(coord(r, k)))
                });
            (hi - lo, k)
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map_or(0, |(_, k)| k);
    let mid = n / 2;
    order.select_nth_unstable_by(mid, |&a, &b| coord(a, dim).total_cmp(&coord(b, dim)));
    let mut value = coord(order[mid], dim);
    let mut split = partition(order, |r| coord(r, dim) < value);
    if split == 0 {
        // The median is the smallest value: cut just above it instead.
        let above = order
            .iter()
            .map(|&r| coord(r, dim))
            .filter(|&v| v > value)
            .min_by(f64::total_cmp);
        let Some(above) = above else {
            // Every dimension is constant over the cell (the widest one is): a leaf.
            return id;
        };
        value = above;
        split = partition(order, |r| coord(r, dim) < value);
    }
    let (lo, hi) = order.split_at_mut(split);
    let left = build(x, d, lo, base, nodes);
    let right = build(x, d, hi, base + split, nodes);
    nodes[id] = Node::Split {
        dim,
        value,
        left,
        right,
    };
    id
}

/// Move the rows satisfying `left` to the front; how many there are.
fn partition(order: &mut [usize], left: impl Fn(usize) -> bool) -> usize {
    let mut split = 0;
    for p in 0..order.len() {
        if left(order[p]) {
            order.swap(p, split);
            split += 1;
        }
    }
    split
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rows_match_the_brute_force_scan_ties_included() {
        // A grid with many equal distances, in 3-D, and queries on and between its points.
        let d = 3;
        let mut x = Vec::new();
        for i in 0..500 {
            x.extend([
                (i % 7) as f64,
                ((i / 7) % 5) as f64,
                ((i * 13) % 11) as f64 * 0.5,
            ]);
        }
        let tree = KdTree::new(&x, d);
        let n = x.len() / d;
        for (t, q) in [
            [0.0, 0.0, 0.0],
            [3.5, 2.0, 1.25],
            [6.0, 4.0, 5.0],
            [-2.0, 9.0, 0.5],
        ]
        .iter()
        .enumerate()
        {
            let mut all: Vec<(f64, usize)> = (0..n)
                .map(|j| (dist2(q, &x[j * d..(j + 1) * d]), j))
                .collect();
            all.sort_by(|a, b| a.partial_cmp(b).unwrap());
            for k in [1, 5, 40, n] {
                assert_eq!(tree.nearest(q, k), all[..k].to_vec(), "query {t}, k {k}");
            }
        }
    }

    #[test]
    fn an_empty_or_constant_set_still_answers() {
        assert!(KdTree::new(&[], 2).nearest(&[0.0, 0.0], 3).is_empty());
        let tree = KdTree::new(&[1.0; 100], 1);
        let near = tree.nearest(&[0.0], 3);
        assert_eq!(near, vec![(1.0, 0), (1.0, 1), (1.0, 2)]);
        // Mostly one value: the cut goes just above it.
        let mut x = vec![0.0; 90];
        x.extend((0..10).map(f64::from));
        let tree = KdTree::new(&x, 1);
        let want = vec![(dist2(&[8.9], &[9.0]), 99), (dist2(&[8.9], &[8.0]), 98)];
        assert_eq!(tree.nearest(&[8.9], 2), want);
    }
}
