//! Gaussian-process regression for Bayesian optimisation.
//!
//! The pieces are kept apart so the GUI and the tests can use each alone:
//! - `kernel`: the covariance function (Matérn 5/2 or RBF, one length scale per coordinate);
//! - `model`: a GP fitted to data, giving the posterior mean and standard deviation;
//! - `fit`: the kernel hyperparameters that maximise the (penalised) log marginal likelihood;
//! - [`acquisition`]: how promising a point is, given the posterior (LogEI, EI, UCB, PI).
//!
//! - [`surrogate`]: a GP over a search space's observations, with the acquisition maximiser;
//!   the Bayesian-optimisation strategy ([`crate::strategy::GpSearch`]) decides with it and
//!   the GUI draws it;
//! - [`sample`]: joint draws from the prior or posterior on a set of points (teaching views).
//!
//! What a user can ask of a fitted GP (functional ANOVA, partial dependence, leave-one-out
//! diagnostics) is in [`crate::explain`], in the same notation.
//!
//! # Glossary of symbols
//!
//! | symbol | meaning |
//! |---|---|
//! | `d` | number of input coordinates (the unit cube `[0, 1]^d`) |
//! | `n` | number of training points |
//! | `x`, `x'` | input points in the unit cube |
//! | `y` | observed losses; `ỹ = (y − ȳ) / s_y` their standardised values |
//! | `ℓ_i` | length scale of coordinate `i` (ARD: automatic relevance determination) |
//! | `r` | scaled distance `√Σ_i ((x_i − x'_i) / ℓ_i)²` |
//! | `σ_f²` | kernel amplitude (signal variance, in standardised units) |
//! | `σ_n²` | noise variance added to the diagonal (standardised units) |
//! | `K` | `n × n` kernel matrix `k(x_a, x_b) + σ_n² δ_ab`; `L` its Cholesky factor |
//! | `α` | `K⁻¹ ỹ` |
//! | `μ(x)`, `σ(x)` | posterior mean and standard deviation at `x` |
//! | `f*` | the best (lowest) loss observed, standardised |
//! | `z` | `(f* − μ − ξ) / σ`, the standardised improvement |
//! | `Φ`, `φ` | standard normal distribution and density functions |
//! | `ξ` | improvement margin of EI and PI (standardised units) |
//! | `κ` | exploration weight of UCB |
//! | `θ` | log hyperparameters `(ln ℓ_1 … ln ℓ_d, ln σ_f², ln σ_n²)` |
//! | `μ₋ᵢ`, `σ₋ᵢ` | leave-one-out mean and standard deviation of observation `i`: `ỹᵢ − α_i / [K⁻¹]ᵢᵢ` and `[K⁻¹]ᵢᵢ^{−½}` |
//! | `f₀`, `V` | mean and variance of `μ` over the unit cube (functional ANOVA) |
//! | `V_i`, `V_ij` | variance of the main effect of coordinate `i` and of the interaction of `i` and `j` |
//! | `τ²` | transfer variance of a warm start's old trial: it enters `K` as `σ_f² + σ_n² + τ²` on the diagonal, a down-weighted observation (standardised units; `crate::strategy::gp::WARM_TAU2`) |
//! | `ȳ_old` | mean loss of a warm start's old trials; they enter shifted by `ȳ − ȳ_old` |

pub mod acquisition;
pub(crate) mod fit;
pub(crate) mod kernel;
pub(crate) mod model;
pub mod sample;
pub mod surrogate;

pub use acquisition::Acquisition;
pub use fit::Hypers;
pub use kernel::{Kernel, KernelKind};
pub use surrogate::Surrogate;
