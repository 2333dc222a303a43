//! The core of Knobs, a workbench for hyperparameter tuning.
//!
//! Nothing here draws or depends on a GUI crate: the command line, the tests, the benchmarks,
//! tuning workers on headless servers and the desktop window all drive the same code.
//!
//! - [`space`]: the parameters and their ranges ([`advisor`]: whether they were guessed
//!   well); [`study`]: a study and its trials;
//! - [`strategy`]: every search strategy behind one ask/tell interface; [`gp`]: the Gaussian
//!   process they and the views share;
//! - [`objective`]: what a trial evaluates (test functions, a model on [`data`] with one of
//!   the [`models`], an external command); [`pruner`]: rules that stop hopeless trials early;
//! - [`runner`]: the deterministic coordinator and its worker threads; [`stepper`]: one trial
//!   at a time, with the reason for each point;
//! - [`session`]: the RON file a study is saved as; [`report`]: the JSON summary and CSV;
//! - [`storage`]: the write-ahead journal (Optuna's format) every trial reaches before it is
//!   reported.

// `pub` is what other crates use: an item they cannot reach says `pub(crate)` (see the
// workspace Cargo.toml for why this lint is set here and not for every crate).
#![warn(unreachable_pub, missing_docs)]

pub mod advisor;
pub mod data;
pub mod explain;
pub mod gp;
pub mod models;
pub mod objective;
pub mod pruner;
pub mod report;
pub mod runner;
pub mod session;
pub mod space;
pub mod stepper;
pub mod storage;
pub mod strategy;
pub mod study;

/// Internals the core's own benchmarks reach into (the MLP's learner, stepped one epoch at a
/// time), behind the `test-support` feature so they stay out of the public API. The core's
/// tests and examples enable it through their dev-dependency on the crate itself.
#[cfg(feature = "test-support")]
pub mod test_support {
    pub use crate::models::mlp::{FoldRun, MlpLearner, MlpParams};
}
