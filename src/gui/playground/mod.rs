//! The Playground tab: a small problem of its own, independent of the study, for seeing how
//! Bayesian optimisation thinks. Pick the 1-D Forrester or the 2-D Branin function, click to
//! observe it anywhere, and watch the GP's mean, σ, samples and acquisition change at once;
//! before any observation the curves are samples from the GP prior.
//!
//! - [`compute`]: the problem, the settings and the pure computation of the pictures;
//! - [`state`]: the [`Playground`] (observations, settings, latest pictures from its
//!   [`crate::gui::jobs`] worker), no drawing;
//! - [`view`]: the controls and plots.

pub mod compute;
pub mod state;
pub mod view;

pub use state::Playground;
