//! The Race view (issue 6): several strategies run side by side on the current study's
//! problem, so a learner sees how they differ on the same objective, space, budget and seeds.
//!
//! - [`state`]: the [`Race`](state::Race) — one runner per run (strategy × seed), a bounded
//!   number at once, events drained under a time budget, mean curves with bands, the ranking,
//!   and the race's part of a session — with no drawing, so tests drive it directly;
//! - [`journal`]: one journal per run, in one folder per race, created off the UI thread;
//! - [`view`]: the tab that picks the strategies and repeats, overlays the curves and shows
//!   the ranking.

pub mod journal;
pub mod state;
pub mod view;

pub use state::Race;
