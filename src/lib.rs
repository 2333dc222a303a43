//! Knobs: a workbench for hyperparameter tuning.
//!
//! The core here (space, study, strategies, objectives, runner, sessions) has no GUI in it:
//! the command line, the tests, the benchmarks and the desktop app all drive the same code.

pub mod cli;
pub mod data;
pub mod gp;
pub mod gui;
pub mod models;
pub mod objective;
pub mod runner;
pub mod session;
pub mod space;
pub mod stepper;
pub mod strategy;
pub mod study;
