//! Datasets for model-tuning objectives: loading CSV files as users have them (text
//! columns, gaps), cross-validation folds, and the per-split preparation (imputation,
//! category encoding, standardisation).
//!
//! Nothing here knows about the GUI or about models. An objective loads a [`Dataset`]
//! (from a file, from bytes, or one of the [`BUNDLED`] copies of the anchor datasets),
//! splits it with [`Folds`] and prepares each split with a `Prep` fitted on the training
//! rows only, so nothing about the test rows leaks into what the model sees, and Knobs'
//! objective values on the anchor datasets compare with theirs row for row.

mod bundled;
mod csv;
mod folds;
mod parse;
mod prep;
mod scale;

pub use self::bundled::BUNDLED;
pub use self::csv::{Classes, ColumnKind, DataError, Dataset, LoadOptions, Target, Task};
pub use self::folds::{Folds, FoldsError};
pub use self::parse::LoadProgress;
pub use self::prep::{DataSpec, Impute, Subsample};
pub(crate) use self::prep::{Encoding, Prep, PrepSpec};
