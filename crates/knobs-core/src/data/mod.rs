//! Datasets for model-tuning objectives: loading CSV files, cross-validation folds and
//! standardisation.
//!
//! Nothing here knows about the GUI or about models. An objective loads a [`Dataset`]
//! (from a file, from bytes, or one of the [`BUNDLED`] copies of the anchor datasets),
//! splits it with [`Folds`] and standardises each split with a [`Scaler`] fitted on the
//! training rows only, exactly as the anchor benchmarks do, so Knobs' objective values can
//! be compared with theirs row for row.

mod bundled;
mod csv;
mod folds;
mod scale;

pub use self::bundled::BUNDLED;
pub use self::csv::{Classes, DataError, Dataset, LoadOptions, MAX_INFERRED_CLASSES, Target, Task};
pub use self::folds::{Folds, FoldsError};
pub use self::scale::{ScaleError, Scaler};
