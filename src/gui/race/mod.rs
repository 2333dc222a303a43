//! The Race view (issue 6, item 1): several strategies run side by side on the current
//! study's problem, so a learner sees how they differ on the same objective, space, budget
//! and seed.
//!
//! - [`state`]: the [`Race`](state::Race) — one runner per strategy, events drained under a
//!   time budget, curves and the ranking — with no drawing, so tests drive it directly;
//! - [`view`]: the tab that picks the strategies, overlays the curves and shows the ranking.

pub mod state;
pub mod view;

pub use state::Race;
