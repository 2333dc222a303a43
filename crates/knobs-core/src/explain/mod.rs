//! Questions a user can put to a fitted surrogate ([`crate::gp::Surrogate`]): which
//! parameters and pairs of parameters explain the score (`anova`), how the predicted score
//! moves with each parameter and each pair once the others are averaged out ([`partial`]),
//! and whether the GP deserves trust at all ([`diagnostics`]).
//!
//! Everything here reads the GP's posterior mean `μ(x)` on the unit cube `[0, 1]^d` (the
//! notation of [`crate::gp`]); discrete coordinates are snapped to their cells by the
//! surrogate, so averaging over `u` is averaging over the parameter's values as the
//! strategies sample them.

pub(crate) mod anova;
pub mod diagnostics;
pub mod partial;

pub use anova::Anova;
pub use diagnostics::Diagnostics;
pub use partial::{Design, PartialDependence};
