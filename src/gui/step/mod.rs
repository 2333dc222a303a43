//! Step mode: one trial at a time, with the reasons for each point shown before it is
//! evaluated.
//!
//! - [`state`]: the [`Stepper`](state::Stepper) (the stepper's handle and the proposal, held
//!   by the workbench's mode while step mode is on), the [`StepMode`] that outlasts it (play
//!   speed, status) and the workbench's step actions, with no drawing;
//! - [`journal`]: step mode's trials written to the study's journal before the window hears
//!   of them;
//! - [`view`]: the Step tab: controls, the proposed point, GP settings and the why-view;
//! - [`why`]: the "why this point?" view of each strategy's [`Explanation`](crate::strategy::Explanation).

pub mod journal;
pub mod state;
pub mod view;
pub mod why;

pub use state::StepMode;
