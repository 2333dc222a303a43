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

/// libsvm's `TAU`: the curvature used when a pair's is not positive.
const TAU: f64 = 1e-12;

/// The `Q` matrix of one dual problem, held densely so a row is a slice (no cache misses);
/// rows and columns are permuted together when shrinking reorders the variables.
#[derive(Clone, Debug)]
pub struct DenseQ {
    m: usize,
    q: Vec<f32>,
    qd: Vec<f64>,
}

impl DenseQ {
    /// `q` is `m × m` row-major; `qd` its diagonal in `f64` (libsvm keeps the diagonal in
    /// double precision).
    pub fn new(m: usize, q: Vec<f32>, qd: Vec<f64>) -> DenseQ {
        debug_assert_eq!(q.len(), m * m);
        debug_assert_eq!(qd.len(), m);
        DenseQ { m, q, qd }
    }

    #[inline]
    fn row(&self, i: usize) -> &[f32] {
        &self.q[i * self.m..(i + 1) * self.m]
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Lower,
    Upper,
    Free,
}

/// The solved dual: `α` in the caller's variable order and the bias `ρ` (the decision
/// function is `Σ αᵢ yᵢ K(xᵢ, x) − ρ`).
#[derive(Clone, Debug)]
pub struct Solution {
    /// The dual variables, in the order the problem was given.
    pub alpha: Vec<f64>,
    /// The bias, with libsvm's sign convention.
    pub rho: f64,
    /// Iterations taken (for benchmarks and diagnostics).
    pub iterations: usize,
    /// Whether the iteration limit stopped the solver before the tolerance was met.
    pub hit_iteration_limit: bool,
}

/// One dual problem: `Q` (with labels folded in), the linear term `p`, labels `y` (±1) and
/// the box bounds `C₊`, `C₋` for `y = +1` and `y = −1`.
pub struct Problem {
    /// The quadratic term, `Qᵢⱼ = yᵢ yⱼ K(xᵢ, xⱼ)` for classification.
    pub q: DenseQ,
    /// The linear term (`−1` for C-SVC).
    pub p: Vec<f64>,
    /// `+1` or `−1` per variable.
    pub y: Vec<i8>,
    /// Upper bound of `α` for `y = +1`.
    pub c_pos: f64,
    /// Upper bound of `α` for `y = −1`.
    pub c_neg: f64,
}

struct Solver {
    l: usize,
    active_size: usize,
    q: DenseQ,
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
pub fn solve(problem: Problem, eps: f64, shrinking: bool) -> Solution {
    let l = problem.y.len();
    let yf = problem.y.iter().map(|&y| y as f64).collect();
    let mut s = Solver {
        l,
        active_size: l,
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
            let row = s.q.row(i);
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
        hit_iteration_limit,
    }
}

impl Solver {
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
        let active = self.active_size;
        let (ci, cj) = (self.c(i), self.c(j));
        let (old_ai, old_aj) = (self.alpha[i], self.alpha[j]);
        let qd_i = self.q.qd[i];
        let qd_j = self.q.qd[j];
        let q_ij = self.q.row(i)[j] as f64;
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
            let m = self.q.m;
            let qi = &self.q.q[i * m..i * m + active];
            let qj = &self.q.q[j * m..j * m + active];
            for ((g, &a), &b) in self.g[..active].iter_mut().zip(qi).zip(qj) {
                *g += a as f64 * dai + b as f64 * daj;
            }
        }

        let was_upper_i = self.is_upper(i);
        let was_upper_j = self.is_upper(j);
        self.update_status(i);
        self.update_status(j);
        if was_upper_i != self.is_upper(i) {
            let sign = if was_upper_i { -ci } else { ci };
            for (gb, &q) in self.g_bar.iter_mut().zip(self.q.row(i)) {
                *gb += sign * q as f64;
            }
        }
        if was_upper_j != self.is_upper(j) {
            let sign = if was_upper_j { -cj } else { cj };
            for (gb, &q) in self.g_bar.iter_mut().zip(self.q.row(j)) {
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
    fn select_working_set(&self) -> Option<(usize, usize)> {
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
        let qi = &self.q.row(i)[..active];
        let qd_i = self.q.qd[i];
        let two_yi = 2.0 * self.yf[i];
        let qd = &self.q.qd[..active];
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
                let row = &self.q.row(i)[..active];
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
                    let row = &self.q.row(i)[active..l];
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

    #[test]
    fn dense_q_swap_permutes_rows_and_columns() {
        let mut q = DenseQ::new(3, (0..9).map(|v| v as f32).collect(), vec![0.0, 4.0, 8.0]);
        q.swap(0, 2);
        assert_eq!(q.q, vec![8., 7., 6., 5., 4., 3., 2., 1., 0.]);
        assert_eq!(q.qd, vec![8.0, 4.0, 0.0]);
    }
}
