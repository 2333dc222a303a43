//! The SMO solver for the SVM dual problems, following libsvm's `Solver` step for step.
//!
//! It minimises `½ αᵀQα + pᵀα` subject to `yᵀα = Δ` and `0 ≤ αᵢ ≤ Cᵢ`, where `yᵢ = ±1`,
//! with the second-order working-set selection of Fan, Chen & Lin (2005, "WSS3"),
//! libsvm's two-variable update with clipping, its stopping rule (the maximal violating
//! pair's gap below `eps`), its shrinking heuristic and its bias (the average of `yᵢ∇ᵢ`
//! over free variables, or the middle of the bounds when none is free).
//!
//! Why our own solver rather than linfa-svm: to give scikit-learn's numbers we must take the
//! same steps libsvm takes (the result at `tol = 1e-3` depends on the path), and to be fast
//! we must share one kernel matrix between every class pair and every `C`; linfa-svm can do
//! neither (and panics in its shrinking step on some inputs). Like libsvm, `Q` is stored in
//! `f32` while gradients and `α` are `f64`, which also keeps rounding the same.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The kernel row cache per fit on the large-data path, in bytes: libsvm's and
/// scikit-learn's default of 200 MB, set by `--cache-mb`.
static CACHE_BYTES: AtomicUsize = AtomicUsize::new(200 << 20);

/// Set the kernel row cache of every later large-data fit to `mb` megabytes (results do not
/// depend on it, only speed and memory).
pub fn set_kernel_cache_mb(mb: usize) {
    CACHE_BYTES.store(mb.max(1).saturating_mul(1 << 20), Ordering::Relaxed);
}

/// The kernel row cache per fit in bytes (see [`set_kernel_cache_mb`]).
pub(crate) fn kernel_cache_bytes() -> usize {
    CACHE_BYTES.load(Ordering::Relaxed)
}

/// libsvm's `TAU`: the curvature used when a pair's is not positive.
const TAU: f64 = 1e-12;

/// The `Q` matrix of one dual problem, held densely so a row is a slice (no cache misses);
/// rows and columns are permuted together when shrinking reorders the variables.
#[derive(Clone, Debug)]
pub(crate) struct DenseQ {
    m: usize,
    q: Vec<f32>,
    qd: Vec<f64>,
}

/// Where the solver reads rows of `Q` from: a dense matrix ([`DenseQ`], small data) or rows
/// computed on demand into an LRU cache ([`CachedQ`], libsvm's way, any size). Both give
/// the same numbers, so the solver takes the same steps either way.
pub(crate) trait QMatrix {
    /// The diagonal in `f64`, in the current variable order.
    fn diagonal(&self) -> Vec<f64>;
    /// Row `i`'s first `len` entries (the rest may be missing).
    fn row(&mut self, i: usize, len: usize) -> &[f32];
    /// Rows `i` and `j`'s first `len` entries, both at once (`i ≠ j`).
    fn rows2(&mut self, i: usize, j: usize, len: usize) -> (&[f32], &[f32]);
    /// Exchange variables `i` and `j` (rows and columns), as shrinking reorders them.
    fn swap(&mut self, i: usize, j: usize);
}

impl DenseQ {
    /// `q` is `m × m` row-major; `qd` its diagonal in `f64` (libsvm keeps the diagonal in
    /// double precision).
    pub(crate) fn new(m: usize, q: Vec<f32>, qd: Vec<f64>) -> DenseQ {
        debug_assert_eq!(q.len(), m * m);
        debug_assert_eq!(qd.len(), m);
        DenseQ { m, q, qd }
    }
}

impl QMatrix for DenseQ {
    fn diagonal(&self) -> Vec<f64> {
        self.qd.clone()
    }

    #[inline]
    fn row(&mut self, i: usize, len: usize) -> &[f32] {
        &self.q[i * self.m..i * self.m + len]
    }

    #[inline]
    fn rows2(&mut self, i: usize, j: usize, len: usize) -> (&[f32], &[f32]) {
        let m = self.m;
        (&self.q[i * m..i * m + len], &self.q[j * m..j * m + len])
    }

    fn swap(&mut self, i: usize, j: usize) {
        if i == j {
            return;
        }
        let m = self.m;
        let (a, b) = (i.min(j), i.max(j));
        let (head, tail) = self.q.split_at_mut(b * m);
        head[a * m..(a + 1) * m].swap_with_slice(&mut tail[..m]);
        for r in 0..m {
            self.q.swap(r * m + i, r * m + j);
        }
        self.qd.swap(i, j);
    }
}

/// libsvm's kernel cache: rows of `Q` (each possibly only its first entries) held under a
/// budget of `f32`s, the least recently used dropped first when a row needs room.
///
/// Our own rather than a crate's LRU: what libsvm does beyond an LRU map matters for speed
/// (a row is extended in place when a longer prefix is asked for, and shrinking's swaps
/// permute every cached row's columns or drop the row), and it is eighty lines.
#[derive(Clone, Debug)]
pub(crate) struct RowCache {
    rows: Vec<Vec<f32>>,
    /// A circular doubly linked list over the cached rows, least recent first; index
    /// `rows.len()` is its head sentinel.
    prev: Vec<usize>,
    next: Vec<usize>,
    /// `f32`s that may still be cached.
    free: usize,
}

impl RowCache {
    /// A cache for `l` rows of up to `l` entries, holding about `bytes` bytes (never fewer
    /// than two full rows, which one step of the solver needs at once).
    pub(crate) fn new(l: usize, bytes: usize) -> RowCache {
        let free = (bytes / std::mem::size_of::<f32>()).max(2 * l);
        RowCache {
            rows: vec![Vec::new(); l],
            prev: vec![l; l + 1],
            next: vec![l; l + 1],
            free,
        }
    }

    fn unlink(&mut self, i: usize) {
        let (p, n) = (self.prev[i], self.next[i]);
        self.next[p] = n;
        self.prev[n] = p;
    }

    fn push_back(&mut self, i: usize) {
        let head = self.rows.len();
        let last = self.prev[head];
        self.next[last] = i;
        self.prev[i] = last;
        self.next[i] = head;
        self.prev[head] = i;
    }

    fn evict(&mut self, i: usize) {
        self.unlink(i);
        self.free += self.rows[i].len();
        self.rows[i] = Vec::new();
    }

    /// Make row `i` at least `len` long and the most recently used; returns how many of its
    /// entries were already there (the caller fills the rest).
    fn fetch(&mut self, i: usize, len: usize) -> usize {
        let have = self.rows[i].len();
        if have > 0 {
            self.unlink(i);
        }
        if have < len {
            let more = len - have;
            let head = self.rows.len();
            while self.free < more && self.next[head] != head {
                let oldest = self.next[head];
                self.evict(oldest);
            }
            self.free = self.free.saturating_sub(more);
            self.rows[i].resize(len, 0.0);
        }
        self.push_back(i);
        have
    }

    /// Exchange variables `i` and `j` in every cached row; a row holding only one of the two
    /// columns is dropped (libsvm's choice: cheaper than computing the missing entry).
    fn swap(&mut self, i: usize, j: usize) {
        if i == j {
            return;
        }
        let (i, j) = (i.min(j), i.max(j));
        let (had_i, had_j) = (!self.rows[i].is_empty(), !self.rows[j].is_empty());
        if had_i {
            self.unlink(i);
        }
        if had_j {
            self.unlink(j);
        }
        self.rows.swap(i, j);
        if had_j {
            self.push_back(i);
        }
        if had_i {
            self.push_back(j);
        }
        let head = self.rows.len();
        let mut h = self.next[head];
        while h != head {
            let after = self.next[h];
            let len = self.rows[h].len();
            if len > j {
                self.rows[h].swap(i, j);
            } else if len > i {
                self.evict(h);
            }
            h = after;
        }
    }
}

/// Where the kernel values of a [`CachedQ`] come from: entry `(a, b)` of the kernel over
/// the data's rows (not the solver's variables).
pub(crate) trait KernelSource {
    /// `out[k] = K(a, cols[k])`, rounded to `f32` as libsvm's `Qfloat`.
    fn fill(&self, a: usize, cols: &[usize], out: &mut [f32]);
    /// `K(a, a)` in `f64`.
    fn diagonal(&self, a: usize) -> f64;
}

/// `Q` computed a row at a time from a [`KernelSource`] into a [`RowCache`]: variable `s`
/// stands for data row `row_of[s]` with sign `sign[s]` (`Qₛₜ = signₛ signₜ K(row_of[s],
/// row_of[t])`), which covers C-SVC (sign = label) and ε-SVR (each row twice, ±).
pub(crate) struct CachedQ<K: KernelSource> {
    source: K,
    cache: RowCache,
    row_of: Vec<usize>,
    sign: Vec<f32>,
}

impl<K: KernelSource> CachedQ<K> {
    /// `Q` over variables `row_of` with signs `sign` (±1), caching about `bytes` bytes.
    pub(crate) fn new(source: K, row_of: Vec<usize>, sign: Vec<f32>, bytes: usize) -> CachedQ<K> {
        debug_assert_eq!(row_of.len(), sign.len());
        CachedQ {
            cache: RowCache::new(row_of.len(), bytes),
            source,
            row_of,
            sign,
        }
    }

    fn ensure(&mut self, i: usize, len: usize) {
        let have = self.cache.fetch(i, len);
        if have < len {
            let out = &mut self.cache.rows[i][have..len];
            self.source
                .fill(self.row_of[i], &self.row_of[have..len], out);
            let si = self.sign[i];
            for (v, &st) in out.iter_mut().zip(&self.sign[have..len]) {
                if si * st < 0.0 {
                    *v = -*v;
                }
            }
        }
    }
}

impl<K: KernelSource> QMatrix for CachedQ<K> {
    fn diagonal(&self) -> Vec<f64> {
        self.row_of
            .iter()
            .map(|&r| self.source.diagonal(r))
            .collect()
    }

    fn row(&mut self, i: usize, len: usize) -> &[f32] {
        self.ensure(i, len);
        &self.cache.rows[i][..len]
    }

    fn rows2(&mut self, i: usize, j: usize, len: usize) -> (&[f32], &[f32]) {
        self.ensure(i, len);
        self.ensure(j, len);
        // Row j's fetch cannot have dropped row i: it was the most recent and the cache
        // holds at least two full rows.
        debug_assert!(self.cache.rows[i].len() >= len);
        (&self.cache.rows[i][..len], &self.cache.rows[j][..len])
    }

    fn swap(&mut self, i: usize, j: usize) {
        self.cache.swap(i, j);
        self.row_of.swap(i, j);
        self.sign.swap(i, j);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Lower,
    Upper,
    Free,
}

/// The solved dual: `α` in the caller's variable order and the bias `ρ` (the decision
/// function is `Σ αᵢ yᵢ K(xᵢ, x) − ρ`).
#[derive(Clone, Debug)]
pub(crate) struct Solution {
    /// The dual variables, in the order the problem was given.
    pub alpha: Vec<f64>,
    /// The bias, with libsvm's sign convention.
    pub(crate) rho: f64,
    /// Iterations taken (for benchmarks and diagnostics).
    pub(crate) iterations: usize,
}

/// One dual problem: `Q` (with labels folded in), the linear term `p`, labels `y` (±1) and
/// the box bounds `C₊`, `C₋` for `y = +1` and `y = −1`.
pub(crate) struct Problem<Q: QMatrix = DenseQ> {
    /// The quadratic term, `Qᵢⱼ = yᵢ yⱼ K(xᵢ, xⱼ)` for classification.
    pub q: Q,
    /// The linear term (`−1` for C-SVC).
    pub p: Vec<f64>,
    /// `+1` or `−1` per variable.
    pub y: Vec<i8>,
    /// Upper bound of `α` for `y = +1`.
    pub(crate) c_pos: f64,
    /// Upper bound of `α` for `y = −1`.
    pub(crate) c_neg: f64,
}

struct Solver<Q: QMatrix> {
    l: usize,
    active_size: usize,
    q: Q,
    /// `Q`'s diagonal, permuted with the variables.
    qd: Vec<f64>,
    p: Vec<f64>,
    y: Vec<i8>,
    /// `y` as `±1.0`, so signed gradients are one exact multiplication.
    yf: Vec<f64>,
    alpha: Vec<f64>,
    status: Vec<Status>,
    /// Whether `yᵢαᵢ` may still increase (libsvm's `I_up`): the candidates for `i`.
    in_up: Vec<bool>,
    /// Whether `yᵢαᵢ` may still decrease (`I_low`): the candidates for `j`.
    in_low: Vec<bool>,
    g: Vec<f64>,
    g_bar: Vec<f64>,
    active_set: Vec<usize>,
    c_pos: f64,
    c_neg: f64,
    eps: f64,
    unshrink: bool,
}

/// Solve `problem` from `α = 0` to tolerance `eps` (libsvm's `-e`, scikit-learn's `tol`),
/// with or without shrinking (the result agrees up to the tolerance either way).
pub(crate) fn solve<Q: QMatrix>(problem: Problem<Q>, eps: f64, shrinking: bool) -> Solution {
    let l = problem.y.len();
    let yf = problem.y.iter().map(|&y| y as f64).collect();
    let mut s = Solver {
        l,
        active_size: l,
        qd: problem.q.diagonal(),
        q: problem.q,
        p: problem.p,
        y: problem.y,
        yf,
        alpha: vec![0.0; l],
        status: vec![Status::Lower; l],
        in_up: vec![false; l],
        in_low: vec![false; l],
        g: Vec::new(),
        g_bar: vec![0.0; l],
        active_set: (0..l).collect(),
        c_pos: problem.c_pos,
        c_neg: problem.c_neg,
        eps,
        unshrink: false,
    };
    for i in 0..l {
        s.update_status(i);
    }
    // With α = 0 the gradient is p and Ḡ is 0; kept general for clarity.
    s.g = s.p.clone();
    for i in 0..l {
        if s.status[i] != Status::Lower {
            let ai = s.alpha[i];
            let ci = s.c(i);
            let upper = s.status[i] == Status::Upper;
            let row = s.q.row(i, l);
            for (g, &q) in s.g.iter_mut().zip(row) {
                *g += ai * q as f64;
            }
            if upper {
                for (gb, &q) in s.g_bar.iter_mut().zip(row) {
                    *gb += ci * q as f64;
                }
            }
        }
    }

    let max_iter = 10_000_000usize.max(100usize.saturating_mul(l));
    let mut counter = l.min(1000) + 1;
    let mut iter = 0;
    while iter < max_iter {
        counter -= 1;
        if counter == 0 {
            counter = l.min(1000);
            if shrinking {
                s.do_shrinking();
            }
        }
        let (i, j) = match s.select_working_set() {
            Some(pair) => pair,
            None => {
                s.reconstruct_gradient();
                s.active_size = l;
                match s.select_working_set() {
                    Some(pair) => {
                        counter = 1;
                        pair
                    }
                    None => break,
                }
            }
        };
        iter += 1;
        s.take_step(i, j);
    }
    let hit_iteration_limit = iter >= max_iter;
    if hit_iteration_limit && s.active_size < l {
        s.reconstruct_gradient();
        s.active_size = l;
    }
    let rho = s.calculate_rho();
    let mut alpha = vec![0.0; l];
    for (pos, &orig) in s.active_set.iter().enumerate() {
        alpha[orig] = s.alpha[pos];
    }
    Solution {
        alpha,
        rho,
        iterations: iter,
    }
}

impl<Q: QMatrix> Solver<Q> {
    #[inline]
    fn c(&self, i: usize) -> f64 {
        if self.y[i] > 0 {
            self.c_pos
        } else {
            self.c_neg
        }
    }

    fn update_status(&mut self, i: usize) {
        self.status[i] = if self.alpha[i] >= self.c(i) {
            Status::Upper
        } else if self.alpha[i] <= 0.0 {
            Status::Lower
        } else {
            Status::Free
        };
        let (upper, lower) = (self.is_upper(i), self.is_lower(i));
        if self.y[i] > 0 {
            self.in_up[i] = !upper;
            self.in_low[i] = !lower;
        } else {
            self.in_up[i] = !lower;
            self.in_low[i] = !upper;
        }
    }

    #[inline]
    fn is_upper(&self, i: usize) -> bool {
        self.status[i] == Status::Upper
    }

    #[inline]
    fn is_lower(&self, i: usize) -> bool {
        self.status[i] == Status::Lower
    }

    /// The two-variable update of α_i, α_j with clipping to the box, then the gradient
    /// and Ḡ updates (libsvm's main loop body).
    fn take_step(&mut self, i: usize, j: usize) {
        let (ci, cj) = (self.c(i), self.c(j));
        let (old_ai, old_aj) = (self.alpha[i], self.alpha[j]);
        let qd_i = self.qd[i];
        let qd_j = self.qd[j];
        let active = self.active_size;
        let q_ij = self.q.row(i, active)[j] as f64;
        let (mut ai, mut aj) = (old_ai, old_aj);
        if self.y[i] != self.y[j] {
            let mut quad = qd_i + qd_j + 2.0 * q_ij;
            if quad <= 0.0 {
                quad = TAU;
            }
            let delta = (-self.g[i] - self.g[j]) / quad;
            let diff = ai - aj;
            ai += delta;
            aj += delta;
            if diff > 0.0 {
                if aj < 0.0 {
                    aj = 0.0;
                    ai = diff;
                }
            } else if ai < 0.0 {
                ai = 0.0;
                aj = -diff;
            }
            if diff > ci - cj {
                if ai > ci {
                    ai = ci;
                    aj = ci - diff;
                }
            } else if aj > cj {
                aj = cj;
                ai = cj + diff;
            }
        } else {
            let mut quad = qd_i + qd_j - 2.0 * q_ij;
            if quad <= 0.0 {
                quad = TAU;
            }
            let delta = (self.g[i] - self.g[j]) / quad;
            let sum = ai + aj;
            ai -= delta;
            aj += delta;
            if sum > ci {
                if ai > ci {
                    ai = ci;
                    aj = sum - ci;
                }
            } else if aj < 0.0 {
                aj = 0.0;
                ai = sum;
            }
            if sum > cj {
                if aj > cj {
                    aj = cj;
                    ai = sum - cj;
                }
            } else if ai < 0.0 {
                ai = 0.0;
                aj = sum;
            }
        }
        self.alpha[i] = ai;
        self.alpha[j] = aj;

        let dai = ai - old_ai;
        let daj = aj - old_aj;
        {
            let (qi, qj) = self.q.rows2(i, j, active);
            for ((g, &a), &b) in self.g[..active].iter_mut().zip(qi).zip(qj) {
                *g += a as f64 * dai + b as f64 * daj;
            }
        }

        let was_upper_i = self.is_upper(i);
        let was_upper_j = self.is_upper(j);
        self.update_status(i);
        self.update_status(j);
        let l = self.l;
        if was_upper_i != self.is_upper(i) {
            let sign = if was_upper_i { -ci } else { ci };
            for (gb, &q) in self.g_bar.iter_mut().zip(self.q.row(i, l)) {
                *gb += sign * q as f64;
            }
        }
        if was_upper_j != self.is_upper(j) {
            let sign = if was_upper_j { -cj } else { cj };
            for (gb, &q) in self.g_bar.iter_mut().zip(self.q.row(j, l)) {
                *gb += sign * q as f64;
            }
        }
    }

    /// WSS3: `i` maximises the violation `−yᵢ∇ᵢ` over I_up; `j` minimises the second-order
    /// estimate of the objective decrease over I_low. `None` when the gap is below `eps`.
    ///
    /// libsvm writes each loop with one branch per label; here the label is folded in by
    /// multiplying with `±1.0`, which is exact, so every comparison sees the same numbers
    /// and ties resolve the same way (the last index wins).
    fn select_working_set(&mut self) -> Option<(usize, usize)> {
        let active = self.active_size;
        let (g, yf) = (&self.g[..active], &self.yf[..active]);
        let mut gmax = f64::NEG_INFINITY;
        let mut gmax_idx = None;
        for (t, ((&up, &gt), &yt)) in self.in_up[..active].iter().zip(g).zip(yf).enumerate() {
            let v = -yt * gt;
            if up && v >= gmax {
                gmax = v;
                gmax_idx = Some(t);
            }
        }
        // No candidate for i: gmax is −∞ and the gap test below stops the solver.
        let i = gmax_idx?;
        let qi = self.q.row(i, active);
        let qd_i = self.qd[i];
        let two_yi = 2.0 * self.yf[i];
        let qd = &self.qd[..active];
        let mut gmax2 = f64::NEG_INFINITY;
        let mut gmin_idx = None;
        let mut obj_diff_min = f64::INFINITY;
        for (j, ((((&low, &gj), &yj), &qij), &qdj)) in self.in_low[..active]
            .iter()
            .zip(g)
            .zip(yf)
            .zip(qi)
            .zip(qd)
            .enumerate()
        {
            if !low {
                continue;
            }
            let ygj = yj * gj;
            if ygj >= gmax2 {
                gmax2 = ygj;
            }
            let grad_diff = gmax + ygj;
            if grad_diff > 0.0 {
                let quad = qd_i + qdj - two_yi * yj * qij as f64;
                let obj_diff = if quad > 0.0 {
                    -(grad_diff * grad_diff) / quad
                } else {
                    -(grad_diff * grad_diff) / TAU
                };
                if obj_diff <= obj_diff_min {
                    gmin_idx = Some(j);
                    obj_diff_min = obj_diff;
                }
            }
        }
        if gmax + gmax2 < self.eps {
            return None;
        }
        gmin_idx.map(|j| (i, j))
    }

    fn be_shrunk(&self, i: usize, gmax1: f64, gmax2: f64) -> bool {
        if self.is_upper(i) {
            if self.y[i] > 0 {
                -self.g[i] > gmax1
            } else {
                -self.g[i] > gmax2
            }
        } else if self.is_lower(i) {
            if self.y[i] > 0 {
                self.g[i] > gmax2
            } else {
                self.g[i] > gmax1
            }
        } else {
            false
        }
    }

    fn do_shrinking(&mut self) {
        let mut gmax1 = f64::NEG_INFINITY;
        let mut gmax2 = f64::NEG_INFINITY;
        for i in 0..self.active_size {
            let g = self.g[i];
            if self.y[i] > 0 {
                if !self.is_upper(i) && -g >= gmax1 {
                    gmax1 = -g;
                }
                if !self.is_lower(i) && g >= gmax2 {
                    gmax2 = g;
                }
            } else {
                if !self.is_upper(i) && -g >= gmax2 {
                    gmax2 = -g;
                }
                if !self.is_lower(i) && g >= gmax1 {
                    gmax1 = g;
                }
            }
        }
        if !self.unshrink && gmax1 + gmax2 <= self.eps * 10.0 {
            self.unshrink = true;
            self.reconstruct_gradient();
            self.active_size = self.l;
        }
        let mut i = 0;
        while i < self.active_size {
            if self.be_shrunk(i, gmax1, gmax2) {
                self.active_size -= 1;
                while self.active_size > i {
                    if !self.be_shrunk(self.active_size, gmax1, gmax2) {
                        self.swap_index(i, self.active_size);
                        break;
                    }
                    self.active_size -= 1;
                }
            }
            i += 1;
        }
    }

    fn swap_index(&mut self, i: usize, j: usize) {
        self.q.swap(i, j);
        self.qd.swap(i, j);
        self.y.swap(i, j);
        self.g.swap(i, j);
        self.yf.swap(i, j);
        self.status.swap(i, j);
        self.in_up.swap(i, j);
        self.in_low.swap(i, j);
        self.alpha.swap(i, j);
        self.p.swap(i, j);
        self.active_set.swap(i, j);
        self.g_bar.swap(i, j);
    }

    /// Recompute the gradient of the shrunk (inactive) variables from Ḡ and the free α's.
    fn reconstruct_gradient(&mut self) {
        let (active, l) = (self.active_size, self.l);
        if active == l {
            return;
        }
        for j in active..l {
            self.g[j] = self.g_bar[j] + self.p[j];
        }
        let nr_free = (0..active)
            .filter(|&j| self.status[j] == Status::Free)
            .count();
        if nr_free * l > 2 * active * (l - active) {
            for i in active..l {
                let row = self.q.row(i, active);
                let mut gi = self.g[i];
                for ((&q, &st), &a) in row.iter().zip(&self.status).zip(&self.alpha) {
                    if st == Status::Free {
                        gi += a * q as f64;
                    }
                }
                self.g[i] = gi;
            }
        } else {
            for i in 0..active {
                if self.status[i] == Status::Free {
                    let row = &self.q.row(i, l)[active..l];
                    let ai = self.alpha[i];
                    for (g, &q) in self.g[active..l].iter_mut().zip(row) {
                        *g += ai * q as f64;
                    }
                }
            }
        }
    }

    fn calculate_rho(&self) -> f64 {
        let mut nr_free = 0usize;
        let mut ub = f64::INFINITY;
        let mut lb = f64::NEG_INFINITY;
        let mut sum_free = 0.0;
        for i in 0..self.active_size {
            let yg = self.y[i] as f64 * self.g[i];
            match self.status[i] {
                Status::Upper => {
                    if self.y[i] < 0 {
                        ub = ub.min(yg);
                    } else {
                        lb = lb.max(yg);
                    }
                }
                Status::Lower => {
                    if self.y[i] > 0 {
                        ub = ub.min(yg);
                    } else {
                        lb = lb.max(yg);
                    }
                }
                Status::Free => {
                    nr_free += 1;
                    sum_free += yg;
                }
            }
        }
        if nr_free > 0 {
            sum_free / nr_free as f64
        } else {
            (ub + lb) / 2.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linear_problem(x: &[f64], y: &[i8], c: f64) -> Problem {
        let m = x.len();
        let mut q = vec![0f32; m * m];
        for i in 0..m {
            for j in 0..m {
                q[i * m + j] = (y[i] as f64 * y[j] as f64 * x[i] * x[j]) as f32;
            }
        }
        let qd = (0..m).map(|i| x[i] * x[i]).collect();
        Problem {
            q: DenseQ::new(m, q, qd),
            p: vec![-1.0; m],
            y: y.to_vec(),
            c_pos: c,
            c_neg: c,
        }
    }

    #[test]
    fn separable_1d_problem_gets_the_max_margin_boundary() {
        // Points at -2, -1 (class -1) and 1, 2 (class +1), linear kernel: the boundary is
        // w x - rho = 0 with w = 1, rho = 0; support vectors at ±1 with α = 1/2.
        let x = [-2.0, -1.0, 1.0, 2.0];
        let y = [-1, -1, 1, 1];
        for shrinking in [false, true] {
            let s = solve(linear_problem(&x, &y, 100.0), 1e-6, shrinking);
            let w: f64 = (0..4).map(|i| s.alpha[i] * y[i] as f64 * x[i]).sum();
            assert!((w - 1.0).abs() < 1e-5, "w = {w}");
            assert!(s.rho.abs() < 1e-5, "rho = {}", s.rho);
            assert!(s.alpha[0].abs() < 1e-9 && s.alpha[3].abs() < 1e-9);
            assert!((s.alpha[1] - 0.5).abs() < 1e-5);
            // The equality constraint Σ yᵢ αᵢ = 0 holds exactly up to rounding.
            let eq: f64 = (0..4).map(|i| s.alpha[i] * y[i] as f64).sum();
            assert!(eq.abs() < 1e-12);
        }
    }

    #[test]
    fn box_constraint_caps_alpha_when_classes_overlap() {
        let x = [-1.0, 0.5, -0.5, 1.0];
        let y = [-1, -1, 1, 1];
        let s = solve(linear_problem(&x, &y, 0.1), 1e-3, true);
        for &a in &s.alpha {
            assert!((0.0..=0.1 + 1e-12).contains(&a));
        }
        // The two overlapping points are bounded support vectors.
        assert!((s.alpha[1] - 0.1).abs() < 1e-12 && (s.alpha[2] - 0.1).abs() < 1e-12);
    }

    /// `K(a, b) = 10a + b`, counting how many entries were computed.
    struct Counting(std::cell::Cell<usize>);

    impl KernelSource for Counting {
        fn fill(&self, a: usize, cols: &[usize], out: &mut [f32]) {
            self.0.set(self.0.get() + cols.len());
            for (o, &b) in out.iter_mut().zip(cols) {
                *o = (10 * a + b) as f32;
            }
        }

        fn diagonal(&self, a: usize) -> f64 {
            (11 * a) as f64
        }
    }

    #[test]
    fn cached_q_extends_rows_drops_the_oldest_and_follows_swaps() {
        // Four variables: rows 0, 1 with sign +, rows 2, 3 with sign −; room for 8 floats.
        let mut q = CachedQ::new(
            Counting(std::cell::Cell::new(0)),
            vec![0, 1, 2, 3],
            vec![1.0, 1.0, -1.0, -1.0],
            8 * 4,
        );
        assert_eq!(q.diagonal(), vec![0.0, 11.0, 22.0, 33.0]);
        assert_eq!(q.row(2, 2), &[-20.0, -21.0]);
        // Extending computes only the missing entries.
        assert_eq!(q.row(2, 4), &[-20.0, -21.0, 22.0, 23.0]);
        assert_eq!(q.source.0.get(), 4);
        assert_eq!(q.row(0, 4), &[0.0, 1.0, -2.0, -3.0]);
        assert_eq!(q.source.0.get(), 8);
        // Full: row 1 pushes out row 2, the least recently used.
        assert_eq!(q.row(1, 4), &[10.0, 11.0, -12.0, -13.0]);
        assert!(q.cache.rows[2].is_empty() && q.cache.rows[0].len() == 4);
        // Swapping variables 0 and 3 permutes rows and columns alike.
        q.swap(0, 3);
        assert_eq!(q.row(1, 4), &[-13.0, 11.0, -12.0, 10.0]);
        assert_eq!(q.row(3, 4), &[-3.0, 1.0, -2.0, 0.0]);
        assert_eq!(q.source.0.get(), 12);
        let (a, b) = q.rows2(0, 3, 2);
        assert_eq!((a, b), (&[33.0, -31.0][..], &[-3.0, 1.0][..]));
    }

    #[test]
    fn row_cache_drops_a_row_that_holds_only_one_of_two_swapped_columns() {
        let mut c = RowCache::new(4, 16 * 4);
        c.fetch(0, 2);
        c.fetch(1, 4);
        c.swap(1, 3);
        // Row 0 had column 1 but not 3: dropped; the old row 1 is now row 3.
        assert!(c.rows[0].is_empty() && c.rows[1].is_empty());
        assert_eq!(c.rows[3].len(), 4);
        assert_eq!(c.free, 12);
    }

    #[test]
    fn dense_q_swap_permutes_rows_and_columns() {
        let mut q = DenseQ::new(3, (0..9).map(|v| v as f32).collect(), vec![0.0, 4.0, 8.0]);
        q.swap(0, 2);
        assert_eq!(q.q, vec![8., 7., 6., 5., 4., 3., 2., 1., 0.]);
        assert_eq!(q.qd, vec![8.0, 4.0, 0.0]);
    }
}
