//! Knobs, the program: the command line ([`cli`]) and, with the default `gui` feature, the
//! desktop window ([`gui`]), both over the GUI-free core in `knobs-core`.
//!
//! The core's modules are re-exported under the same names, so `knobs::study::Study` and
//! `knobs_core::study::Study` are one type.

pub use knobs_core::{
    advisor, data, explain, gp, models, objective, pruner, report, runner, session, space, stepper,
    storage, strategy, study,
};

pub mod cli;
#[cfg(feature = "gui")]
pub mod gui;
