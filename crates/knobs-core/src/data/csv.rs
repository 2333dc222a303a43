//! Loading a dataset from a CSV file: a header row of column names, numeric feature columns
//! and one target column.
//!
//! Every problem in the file is reported with the file's name, the 1-based line and the
//! column's name, so a user can go straight to the cell (the loader reads files people
//! export from spreadsheets, where a stray blank or `NA` is the usual mistake).

use super::parse::{self, LoadProgress};
use ndarray::Array2;
use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use thiserror::Error;

/// The most distinct integer target values that are still inferred to be class labels; more
/// than this and integer targets are taken as a regression target (counts, ages, scores).
pub(crate) const MAX_INFERRED_CLASSES: usize = 20;

/// What a model learns to predict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Task {
    /// Predict one of a finite set of classes (scored by accuracy).
    Classification,
    /// Predict a real number (scored by an error or R²).
    Regression,
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
        })
    }
}

/// Class labels with their names. The fields are private so that every value is valid: at
/// least two classes, distinct names, every label an index into the names, every class
/// used by at least one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classes {
    labels: Vec<usize>,
    names: Vec<String>,
}

impl Classes {
    /// Check and wrap labels (`0..names.len()`) and class names.
    pub fn new(labels: Vec<usize>, names: Vec<String>) -> Result<Classes, String> {
        if names.len() < 2 {
            return Err(format!(
                "classification needs at least two classes, got {}",
                names.len()
            ));
        }
        let mut seen = HashSet::new();
        if let Some(dup) = names.iter().find(|n| !seen.insert(n.as_str())) {
            return Err(format!("class name `{dup}` is listed twice"));
        }
        let mut used = vec![false; names.len()];
        for (row, &label) in labels.iter().enumerate() {
            match used.get_mut(label) {
                Some(u) => *u = true,
                None => {
                    return Err(format!(
                        "row {row} has label {label}, but there are only {} classes",
                        names.len()
                    ));
                }
            }
        }
        if let Some(unused) = used.iter().position(|u| !u) {
            return Err(format!("class `{}` has no rows", names[unused]));
        }
        Ok(Classes { labels, names })
    }

    /// The class index of each row, in `0..n_classes()`.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The name of each class, indexed by label.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// How many classes there are (at least two).
    pub fn n_classes(&self) -> usize {
        self.names.len()
    }

    /// Rows per class, indexed by label; stratified folds and summaries use it.
    pub fn counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.names.len()];
        for &l in &self.labels {
            counts[l] += 1;
        }
        counts
    }
}

/// The target column, decoded for its task.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// Class labels (classification).
    Classes(Classes),
    /// Finite real values (regression).
    Values(Vec<f64>),
}

impl Target {
    /// The task this target is for.
    pub fn task(&self) -> Task {
        match self {
            Target::Classes(_) => Task::Classification,
            Target::Values(_) => Task::Regression,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Target::Classes(c) => c.labels.len(),
            Target::Values(v) => v.len(),
        }
    }

    /// Whether there are no rows (never true for a loaded [`Dataset`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How to read a CSV file. The default takes the last column as the target, every other
/// column as a feature, and infers the task and each column's kind from the values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// The target column's name; `None` means the last column.
    pub target: Option<String>,
    /// The task; `None` infers it (see [`Dataset::from_bytes`]).
    pub task: Option<Task>,
    /// Columns that are neither features nor the target (ids, names, free text): they are
    /// skipped while reading, so they cost no memory.
    pub ignore: Vec<String>,
    /// Columns read as categories even though they hold numbers (a class number, a code):
    /// integer columns are numeric unless the user says so; text columns are categorical
    /// anyway.
    pub categorical: Vec<String>,
}

/// What a feature column holds, which decides how a split encodes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// Numbers; a missing cell is NaN.
    Numeric,
    /// One of a few levels; a cell holds its level's index (as `f64`), a missing cell NaN.
    /// Levels are sorted (numerically when all are integers, else byte-wise), so the codes do
    /// not depend on row order.
    Categorical {
        /// The level names, indexed by code.
        levels: Vec<String>,
    },
}

impl ColumnKind {
    /// `numeric` or `categorical`, for previews and messages.
    pub fn name(&self) -> &'static str {
        match self {
            ColumnKind::Numeric => "numeric",
            ColumnKind::Categorical { .. } => "categorical",
        }
    }
}

/// Why a dataset could not be loaded. Messages name the file, the 1-based line and the
/// column, so the user can find the offending cell.
#[derive(Debug, Error)]
pub enum DataError {
    /// The file could not be read at all.
    #[error("{file}: cannot read the file: {source}")]
    Io {
        /// The file, as the user named it.
        file: String,
        /// The I/O error that stopped the read.
        #[source]
        source: std::io::Error,
    },
    /// The file has no content (not even a header).
    #[error("{file}: line 1: the file is empty (expected a header row of column names)")]
    Empty {
        /// The file, as the user named it.
        file: String,
    },
    /// The file has a header but no data rows.
    #[error("{file}: line 1: only a header row, no data rows")]
    HeaderOnly {
        /// The file, as the user named it.
        file: String,
    },
    /// The header has only one column, so there is nothing to learn from.
    #[error("{file}: line 1: only the target column `{column}`; no feature columns")]
    NoFeatures {
        /// The file, as the user named it.
        file: String,
        /// The one column, taken as the target.
        column: String,
    },
    /// Two columns share a name.
    #[error("{file}: line 1: column name `{column}` appears twice (columns {first} and {second})")]
    DuplicateColumn {
        /// The file, as the user named it.
        file: String,
        /// The repeated column name.
        column: String,
        /// 1-based position of its first occurrence in the header.
        first: usize,
        /// 1-based position of its second occurrence in the header.
        second: usize,
    },
    /// The target column asked for is not in the header.
    #[error("{file}: line 1: no target column `{column}` (columns: {known})")]
    UnknownTarget {
        /// The file, as the user named it.
        file: String,
        /// The target column as the user named it.
        column: String,
        /// The header's column names, comma-separated, so the user can pick one.
        known: String,
    },
    /// A row has more or fewer fields than the header.
    #[error(
        "{file}: line {line}: {found} fields, but the header has {expected} \
         (column `{column}` {})",
        ragged_detail(.found, .expected)
    )]
    Ragged {
        /// The file, as the user named it.
        file: String,
        /// 1-based line number of the offending row.
        line: u64,
        /// Where the row goes wrong: the first column without a value, or the last column
        /// when there are extra fields.
        column: String,
        /// How many fields the header has.
        expected: usize,
        /// How many fields the row has.
        found: usize,
    },
    /// A quoted field is never closed, so the rest of the file would be swallowed into it.
    #[error("{file}: line {line}: column `{column}`: a quote opened here is never closed")]
    UnterminatedQuote {
        /// The file, as the user named it.
        file: String,
        /// 1-based line number where the quote opens.
        line: u64,
        /// The column of the quoted field.
        column: String,
    },
    /// A field is not valid UTF-8 text.
    #[error("{file}: line {line}: column `{column}`: not valid UTF-8 text")]
    NotUtf8 {
        /// The file, as the user named it.
        file: String,
        /// 1-based line number of the offending row.
        line: u64,
        /// The column of the offending field.
        column: String,
    },
    /// A regression target is not a number.
    #[error("{file}: line {line}: column `{column}`: `{text}` is not a number")]
    NotNumeric {
        /// The file, as the user named it.
        file: String,
        /// 1-based line number of the offending row.
        line: u64,
        /// The target column.
        column: String,
        /// The cell's text, as written.
        text: String,
    },
    /// A numeric feature or a regression target is infinite or NaN.
    #[error("{file}: line {line}: column `{column}`: `{text}` is not a finite number")]
    NotFinite {
        /// The file, as the user named it.
        file: String,
        /// 1-based line number of the offending row.
        line: u64,
        /// The column of the offending cell.
        column: String,
        /// The cell's text, as written.
        text: String,
    },
    /// A classification target has only one class, so there is nothing to tell apart.
    #[error(
        "{file}: lines 2-{last_line}: column `{column}`: every row has class `{class}`; \
         classification needs at least two classes"
    )]
    SingleClass {
        /// The file, as the user named it.
        file: String,
        /// 1-based line number of the last data row, so the message spans all the rows.
        last_line: u64,
        /// The target column.
        column: String,
        /// The one class every row has.
        class: String,
    },
    /// A mostly numeric feature column has a few text cells: most likely typos, so they are
    /// not silently turned into categories.
    #[error(
        "{file}: line {line}: column `{column}`: `{text}` is not a number, though {numbers} \
         other cells of the column are; fix the cell, leave it empty (a missing value), or \
         read the column as categories (--categorical {column})"
    )]
    StrayText {
        /// The file, as the user named it.
        file: String,
        /// 1-based line number of the first text cell.
        line: u64,
        /// The column, as named in the header (and to give `--categorical`).
        column: String,
        /// The first text cell's text, as written.
        text: String,
        /// How many cells of the column are numbers, to show the text is the exception.
        numbers: usize,
    },
    /// The target has empty cells; a target cannot be imputed.
    #[error(
        "{file}: line {line}: column `{column}` (the target) is empty{more}; a target cannot \
         be filled in: remove those rows, or choose another target column (--target)",
        more = more_rows(*.count)
    )]
    TargetGap {
        /// The file, as the user named it.
        file: String,
        /// 1-based line number of the first row with an empty target.
        line: u64,
        /// The target column.
        column: String,
        /// How many rows have an empty target, the first one included.
        count: usize,
    },
    /// A text column has so many distinct values that it is free text (names, ids,
    /// comments), not categories.
    #[error(
        "{file}: column `{column}` looks like free text: {levels} distinct values in {rows} \
         rows (at most {MAX_LEVELS}, and fewer than half the rows, make categories); leave \
         it out (--ignore {column})"
    )]
    FreeText {
        /// The file, as the user named it.
        file: String,
        /// The column, as named in the header (and to give `--ignore`).
        column: String,
        /// How many distinct values the column has.
        levels: usize,
        /// How many rows have a value in the column (missing cells not counted).
        rows: usize,
    },
    /// `--ignore` or `--categorical` names a column the header does not have.
    #[error("{file}: line 1: no column `{column}` to {role} (columns: {known})")]
    UnknownColumn {
        /// The file, as the user named it.
        file: String,
        /// The column as the user named it.
        column: String,
        /// What the column was named for (`ignore`, `read as categories`), for the message.
        role: &'static str,
        /// The header's column names, comma-separated, so the user can pick one.
        known: String,
    },
    /// The target column is also named as ignored.
    #[error("{file}: line 1: column `{column}` is the target, so it cannot be ignored")]
    IgnoredTarget {
        /// The file, as the user named it.
        file: String,
        /// The target column.
        column: String,
    },
    /// The CSV reader itself failed.
    #[error("{file}: line {line}: {message}")]
    Csv {
        /// The file, as the user named it.
        file: String,
        /// 1-based line number where the reader failed, as it reports it.
        line: u64,
        /// The reader's own message.
        message: String,
    },
    /// Parts given to [`Dataset::new`] do not fit together.
    #[error("dataset `{name}`: {reason}")]
    Inconsistent {
        /// The dataset's name.
        name: String,
        /// What does not fit (counts that differ, a value that is not finite).
        reason: String,
    },
    /// No bundled dataset has this name.
    #[error("no bundled dataset `{name}` (bundled: {known})")]
    UnknownBundled {
        /// The name asked for.
        name: String,
        /// The bundled datasets' names, comma-separated, so the user can pick one.
        known: String,
    },
}

/// The most levels a categorical feature may have before it counts as free text.
pub(crate) const MAX_LEVELS: usize = 1000;

/// ` (and N other rows)` when more than one row is affected.
fn more_rows(count: usize) -> String {
    if count > 1 {
        format!(" (and on {} other rows)", count - 1)
    } else {
        String::new()
    }
}

/// The end of a ragged-row message: what is wrong with the named column.
fn ragged_detail(found: &usize, expected: &usize) -> &'static str {
    if found < expected {
        "has no value"
    } else {
        "is followed by extra fields"
    }
}

/// A table of features and a target: what a model-tuning objective learns from.
///
/// The fields are private so that a `Dataset` is always consistent: one feature name and
/// kind per column, one target per row, at least one row, every numeric cell finite or
/// missing (NaN), every categorical cell a level's index or missing. Gaps and categories
/// stay raw here; each cross-validation split fills and encodes them from its own training
/// rows (see `super::Prep`).
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    name: String,
    feature_names: Vec<String>,
    kinds: Vec<ColumnKind>,
    x: Array2<f64>,
    target: Target,
}

impl Dataset {
    /// Put a dataset of numeric features without gaps together from parts, checking that
    /// they fit (the bundled datasets and generated data).
    pub fn new(
        name: impl Into<String>,
        feature_names: Vec<String>,
        x: Array2<f64>,
        target: Target,
    ) -> Result<Dataset, DataError> {
        let name = name.into();
        if let Some(((row, col), _)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(DataError::Inconsistent {
                reason: format!(
                    "feature `{}` of row {row} is not finite",
                    feature_names.get(col).map_or("?", String::as_str)
                ),
                name,
            });
        }
        let kinds = vec![ColumnKind::Numeric; x.ncols()];
        Dataset::with_kinds(name, feature_names, kinds, x, target)
    }

    /// Put a dataset together from parts with column kinds, where a NaN cell is a missing
    /// value and a categorical cell holds its level's index.
    pub(crate) fn with_kinds(
        name: impl Into<String>,
        feature_names: Vec<String>,
        kinds: Vec<ColumnKind>,
        x: Array2<f64>,
        target: Target,
    ) -> Result<Dataset, DataError> {
        let name = name.into();
        let bad = |reason: String| DataError::Inconsistent {
            name: name.clone(),
            reason,
        };
        if x.nrows() == 0 {
            return Err(bad("no rows".into()));
        }
        if feature_names.len() != x.ncols() || kinds.len() != x.ncols() {
            return Err(bad(format!(
                "{} feature names and {} kinds for {} columns",
                feature_names.len(),
                kinds.len(),
                x.ncols()
            )));
        }
        if target.len() != x.nrows() {
            return Err(bad(format!(
                "{} targets for {} rows",
                target.len(),
                x.nrows()
            )));
        }
        for (col, (column, kind)) in x.columns().into_iter().zip(&kinds).enumerate() {
            let ok = |v: f64| match kind {
                ColumnKind::Numeric => v.is_finite() || v.is_nan(),
                ColumnKind::Categorical { levels } => {
                    v.is_nan() || (v >= 0.0 && v.fract() == 0.0 && (v as usize) < levels.len())
                }
            };
            if let Some(row) = column.iter().position(|&v| !ok(v)) {
                return Err(bad(format!(
                    "{} feature `{}` of row {row} holds {}",
                    kind.name(),
                    feature_names[col],
                    column[row]
                )));
            }
        }
        if let Target::Values(v) = &target
            && let Some(row) = v.iter().position(|t| !t.is_finite())
        {
            return Err(bad(format!("target of row {row} is not finite")));
        }
        Ok(Dataset {
            name,
            feature_names,
            kinds,
            x,
            target,
        })
    }

    /// Load a CSV file; the dataset is named after the file's stem (`iris.csv` → `iris`).
    /// The file is read as a stream into one buffer of numbers, never held whole.
    pub fn from_path(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Dataset, DataError> {
        Dataset::from_path_with_progress(path, options, &mut |_| {})
    }

    /// [`Dataset::from_path`], telling `progress` how many bytes are read every few MB (a
    /// window's progress bar, the CLI's progress line).
    pub fn from_path_with_progress(
        path: impl AsRef<Path>,
        options: &LoadOptions,
        progress: &mut dyn FnMut(LoadProgress),
    ) -> Result<Dataset, DataError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let io = |source| DataError::Io {
            file: file.clone(),
            source,
        };
        let handle = std::fs::File::open(path).map_err(io)?;
        let total = handle.metadata().map_err(io)?.len();
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.clone());
        let reader = std::io::BufReader::with_capacity(1 << 16, handle);
        parse::load(&file, name, reader, Some(total), options, progress)
    }

    /// Load CSV text held in memory; `name` names the dataset and stands for the file in
    /// error messages.
    ///
    /// Format: the first line is a header of distinct column names; every other non-blank
    /// line has one field per column. An empty field, `NA`, `N/A` or `?` is a missing value
    /// (a gap a split fills in; not allowed in the target). A column whose cells are mostly
    /// text is categorical, as is any column named in [`LoadOptions::categorical`]; a
    /// numeric column with a few text cells is an error naming the first. The target is
    /// the last column unless [`LoadOptions::target`] names one.
    ///
    /// Task inference, when [`LoadOptions::task`] is `None`: if every target is an integer
    /// (written without a decimal point or exponent) and there are at most
    /// `MAX_INFERRED_CLASSES` distinct values, or if any target is not a number at all,
    /// the task is classification; otherwise (decimal numbers, or many distinct integers)
    /// it is regression. So `151.0` is a regression target and `0`/`1`/`2` or
    /// `setosa`/`virginica` are classes.
    ///
    /// Class order: integer classes are numbered in increasing numeric order (so classes
    /// `0..k-1` keep their numbers, matching scikit-learn's exported labels); otherwise
    /// class names are numbered in sorted (byte-wise) text order, which does not depend on
    /// row order, so shuffling a file keeps the same labels.
    pub fn from_bytes(
        name: &str,
        bytes: &[u8],
        options: &LoadOptions,
    ) -> Result<Dataset, DataError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        parse::load(
            name,
            name.to_owned(),
            bytes,
            Some(bytes.len() as u64),
            options,
            &mut |_| {},
        )
    }

    /// The rows `rows` of this dataset, in that order (a subsample to tune on).
    pub(crate) fn select_rows(&self, rows: &[usize]) -> Result<Dataset, DataError> {
        let bad = |reason: String| DataError::Inconsistent {
            name: self.name.clone(),
            reason,
        };
        if let Some(&r) = rows.iter().find(|&&r| r >= self.n_samples()) {
            return Err(bad(format!(
                "row {r} is beyond the {} rows",
                self.n_samples()
            )));
        }
        let target = match &self.target {
            Target::Values(v) => Target::Values(rows.iter().map(|&r| v[r]).collect()),
            Target::Classes(c) => {
                let labels = rows.iter().map(|&r| c.labels()[r]).collect();
                Target::Classes(Classes::new(labels, c.names().to_vec()).map_err(bad)?)
            }
        };
        Dataset::with_kinds(
            self.name.clone(),
            self.feature_names.clone(),
            self.kinds.clone(),
            self.x.select(ndarray::Axis(0), rows),
            target,
        )
    }

    /// Each feature column's kind, in column order.
    pub fn kinds(&self) -> &[ColumnKind] {
        &self.kinds
    }

    /// Missing cells per feature column, in column order.
    pub fn missing_counts(&self) -> Vec<usize> {
        self.x
            .columns()
            .into_iter()
            .map(|c| c.iter().filter(|v| v.is_nan()).count())
            .collect()
    }

    /// The dataset's name (the file stem, or the name given to [`Dataset::from_bytes`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The feature columns' names, in column order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The features: one row per sample, one column per feature; NaN is a missing cell and
    /// a categorical cell is its level's index (see [`Dataset::kinds`]).
    pub fn x(&self) -> &Array2<f64> {
        &self.x
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The task the target is for.
    pub fn task(&self) -> Task {
        self.target.task()
    }

    /// Number of rows (samples).
    pub fn n_samples(&self) -> usize {
        self.x.nrows()
    }

    /// Number of feature columns.
    pub fn n_features(&self) -> usize {
        self.x.ncols()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(text: &str) -> Result<Dataset, DataError> {
        Dataset::from_bytes("t.csv", text.as_bytes(), &LoadOptions::default())
    }

    fn err(text: &str) -> (DataError, String) {
        let e = load_str(text).expect_err("should fail");
        let msg = e.to_string();
        assert!(msg.starts_with("t.csv: "), "{msg}");
        (e, msg)
    }

    #[test]
    fn loads_integer_classes_in_numeric_order() {
        let d = load_str("a,b,y\n1,2,10\n3,4,2\n5,6,10\n").unwrap();
        assert_eq!(d.n_samples(), 3);
        assert_eq!(d.feature_names(), ["a", "b"]);
        assert_eq!(d.x()[[1, 0]], 3.0);
        let Target::Classes(c) = d.target() else {
            panic!("not classes")
        };
        assert_eq!(c.names(), ["2", "10"]);
        assert_eq!(c.labels(), [1, 0, 1]);
        assert_eq!(c.counts(), [1, 2]);
    }

    #[test]
    fn loads_string_classes_in_sorted_order_and_named_target() {
        let d = Dataset::from_bytes(
            "t.csv",
            b"kind,a\nversicolor,1\nsetosa,2\n\"virginica\",3\n",
            &LoadOptions {
                target: Some("kind".into()),
                ..LoadOptions::default()
            },
        )
        .unwrap();
        assert_eq!(d.feature_names(), ["a"]);
        let Target::Classes(c) = d.target() else {
            panic!("not classes")
        };
        assert_eq!(c.names(), ["setosa", "versicolor", "virginica"]);
        assert_eq!(c.labels(), [1, 0, 2]);
    }

    #[test]
    fn infers_regression_and_obeys_override() {
        let d = load_str("a,y\n1,1.5\n2,2.0\n").unwrap();
        assert_eq!(d.target(), &Target::Values(vec![1.5, 2.0]));
        let many: String = (0..30).map(|i| format!("{i},{i}\n")).collect();
        let d = load_str(&format!("a,y\n{many}")).unwrap();
        assert_eq!(d.task(), Task::Regression);
        let d = Dataset::from_bytes(
            "t.csv",
            b"a,y\n1,0\n2,1\n",
            &LoadOptions {
                task: Some(Task::Regression),
                ..LoadOptions::default()
            },
        )
        .unwrap();
        assert_eq!(d.target(), &Target::Values(vec![0.0, 1.0]));
        let e = Dataset::from_bytes(
            "t.csv",
            b"a,y\n1,0\n2,cat\n",
            &LoadOptions {
                task: Some(Task::Regression),
                ..LoadOptions::default()
            },
        )
        .unwrap_err();
        assert!(matches!(e, DataError::NotNumeric { line: 3, .. }), "{e}");
    }

    #[test]
    fn empty_file() {
        let (e, _) = err("");
        assert!(matches!(e, DataError::Empty { .. }));
        let (e, msg) = err(" \n\n");
        assert!(matches!(e, DataError::Empty { .. }));
        assert!(msg.contains("line 1"), "{msg}");
    }

    #[test]
    fn header_only() {
        let (e, msg) = err("a,b,y\n");
        assert!(matches!(e, DataError::HeaderOnly { .. }), "{msg}");
        assert!(msg.contains("line 1"), "{msg}");
    }

    #[test]
    fn no_feature_columns() {
        let (e, msg) = err("y\n1\n2\n");
        assert!(matches!(e, DataError::NoFeatures { .. }), "{msg}");
        assert!(msg.contains("`y`"), "{msg}");
    }

    #[test]
    fn ragged_rows() {
        let (e, msg) = err("a,b,y\n1,2,0\n3,4\n");
        assert!(
            matches!(
                e,
                DataError::Ragged {
                    line: 3,
                    expected: 3,
                    found: 2,
                    ..
                }
            ),
            "{msg}"
        );
        assert!(msg.contains("line 3") && msg.contains("`y`"), "{msg}");
        let (e, msg) = err("a,b,y\n1,2,0,9\n");
        assert!(
            matches!(
                e,
                DataError::Ragged {
                    line: 2,
                    found: 4,
                    ..
                }
            ),
            "{msg}"
        );
    }

    #[test]
    fn a_stray_text_cell_in_a_numeric_column_is_reported_with_the_fix() {
        let (e, msg) = err("a,b,y\n1,2,0\n3,x4,1\n5,6,0\n");
        assert!(matches!(e, DataError::StrayText { line: 3, .. }), "{msg}");
        assert!(
            msg.contains("line 3")
                && msg.contains("`b`")
                && msg.contains("`x4`")
                && msg.contains("--categorical b"),
            "{msg}"
        );
        for bad in ["inf", "NaN", "-infinity", "1e999"] {
            let (e, msg) = err(&format!("a,b,y\n1,{bad},0\n3,4,1\n"));
            assert!(matches!(e, DataError::NotFinite { line: 2, .. }), "{msg}");
            assert!(msg.contains("`b`"), "{msg}");
        }
    }

    #[test]
    fn text_columns_are_categorical_and_gaps_are_kept_as_nan() {
        let d = load_str("sex,age,port,y\nmale,22,S,0\nfemale,,C,1\nfemale,35,NA,1\nmale,?,S,0\n")
            .unwrap();
        assert_eq!(d.kinds()[1], ColumnKind::Numeric);
        assert_eq!(
            d.kinds()[0],
            ColumnKind::Categorical {
                levels: vec!["female".into(), "male".into()]
            }
        );
        assert_eq!(d.x().column(0).to_vec(), [1.0, 0.0, 0.0, 1.0]);
        assert_eq!(d.missing_counts(), [0, 2, 1]);
        assert!(d.x()[[1, 1]].is_nan() && d.x()[[2, 2]].is_nan());
        // Integer columns are numeric unless named; named ones sort their levels as numbers.
        let d = Dataset::from_bytes(
            "t.csv",
            b"pclass,name,y\n10,a,0\n2,b,1\n10,c,1\n",
            &LoadOptions {
                categorical: vec!["pclass".into()],
                ignore: vec!["name".into()],
                ..LoadOptions::default()
            },
        )
        .unwrap();
        assert_eq!(d.feature_names(), ["pclass"]);
        assert_eq!(
            d.kinds()[0],
            ColumnKind::Categorical {
                levels: vec!["2".into(), "10".into()]
            }
        );
        assert_eq!(d.x().column(0).to_vec(), [1.0, 0.0, 1.0]);
    }

    #[test]
    fn free_text_and_unknown_roles_are_refused_with_the_fix() {
        let rows: String = (0..300)
            .map(|i| format!("passenger {i},{},{}\n", i % 7, i % 2))
            .collect();
        let (e, msg) = err(&format!("name,a,y\n{rows}"));
        assert!(
            matches!(e, DataError::FreeText { levels: 300, .. }),
            "{msg}"
        );
        assert!(
            msg.contains("`name`") && msg.contains("--ignore name"),
            "{msg}"
        );
        let options = |ignore: &str| LoadOptions {
            ignore: vec![ignore.into()],
            ..LoadOptions::default()
        };
        let e = Dataset::from_bytes("t.csv", b"a,y\n1,0\n", &options("b")).unwrap_err();
        assert!(matches!(e, DataError::UnknownColumn { .. }), "{e}");
        let e = Dataset::from_bytes("t.csv", b"a,y\n1,0\n", &options("y")).unwrap_err();
        assert!(matches!(e, DataError::IgnoredTarget { .. }), "{e}");
        let e = Dataset::from_bytes("t.csv", b"a,y\n1,0\n", &options("a")).unwrap_err();
        assert!(matches!(e, DataError::NoFeatures { .. }), "{e}");
    }

    #[test]
    fn a_target_with_gaps_is_refused_naming_the_first_line_and_the_fix() {
        let (e, msg) = err("a,y\n1,0\n2,\n3,1\n4,NA\n");
        assert!(
            matches!(
                e,
                DataError::TargetGap {
                    line: 3,
                    count: 2,
                    ..
                }
            ),
            "{msg}"
        );
        assert!(msg.contains("`y`") && msg.contains("--target"), "{msg}");
    }

    #[test]
    fn a_large_file_streams_with_progress_and_the_same_result_as_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        let mut text = String::from("a,b,c,y\n");
        for i in 0..200_000 {
            text.push_str(&format!(
                "{},{}.5,{},{}\n",
                i % 97,
                i % 13,
                ["x", "y"][i % 2],
                i % 3
            ));
        }
        std::fs::write(&path, &text).unwrap();
        let mut reports = Vec::new();
        let d = Dataset::from_path_with_progress(&path, &LoadOptions::default(), &mut |p| {
            reports.push(p)
        })
        .unwrap();
        assert!(reports.len() >= 2, "{reports:?}");
        assert!(reports.windows(2).all(|w| w[0].bytes < w[1].bytes));
        assert_eq!(reports[0].total, Some(text.len() as u64));
        let from_bytes = Dataset::from_bytes("big", text.as_bytes(), &LoadOptions::default());
        assert_eq!(d, from_bytes.unwrap());
        assert_eq!(d.n_samples(), 200_000);
    }

    #[test]
    fn duplicate_column_name() {
        let (e, msg) = err("a,b,a,y\n1,2,3,0\n");
        assert!(
            matches!(
                e,
                DataError::DuplicateColumn {
                    first: 1,
                    second: 3,
                    ..
                }
            ),
            "{msg}"
        );
        assert!(msg.contains("line 1") && msg.contains("`a`"), "{msg}");
    }

    #[test]
    fn unterminated_quote_is_reported_where_it_opens() {
        let (e, msg) = err("a,b,y\n1,2,0\n3,\"4,1\n5,6,0\n");
        assert!(
            matches!(e, DataError::UnterminatedQuote { line: 3, .. }),
            "{msg}"
        );
        assert!(msg.contains("`b`"), "{msg}");
        // Closed quotes, escaped quotes and multi-line fields are fine.
        let d = load_str("\"a\",\"b \"\"x\"\"\",y\n\"1\",2,\"p\nq\"\n3,4,r\n").unwrap();
        assert_eq!(d.feature_names(), ["a", "b \"x\""]);
    }

    #[test]
    fn single_class() {
        let (e, msg) = err("a,y\n1,cat\n2,cat\n");
        assert!(
            matches!(e, DataError::SingleClass { last_line: 3, .. }),
            "{msg}"
        );
        assert!(msg.contains("`y`") && msg.contains("`cat`") && msg.contains("lines 2-3"));
    }

    #[test]
    fn not_utf8() {
        let e = Dataset::from_bytes(
            "t.csv",
            b"a,b,y\n1,2,0\n3,\xff,1\n",
            &LoadOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(e, DataError::NotUtf8 { line: 3, .. }), "{e}");
        assert!(e.to_string().contains("`b`"), "{e}");
    }

    #[test]
    fn unknown_target_column() {
        let e = Dataset::from_bytes(
            "t.csv",
            b"a,b\n1,2\n",
            &LoadOptions {
                target: Some("label".into()),
                ..LoadOptions::default()
            },
        )
        .unwrap_err();
        assert!(matches!(e, DataError::UnknownTarget { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains("line 1") && msg.contains("`label`") && msg.contains("a, b"));
    }

    #[test]
    fn from_path_names_dataset_after_stem_and_reports_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.csv");
        std::fs::write(&path, "a,y\n1,0\n2,1\n").unwrap();
        let d = Dataset::from_path(&path, &LoadOptions::default()).unwrap();
        assert_eq!(d.name(), "tiny");
        let e =
            Dataset::from_path(dir.path().join("nope.csv"), &LoadOptions::default()).unwrap_err();
        assert!(matches!(e, DataError::Io { .. }), "{e}");
        assert!(e.to_string().contains("nope.csv"), "{e}");
    }

    #[test]
    fn new_rejects_inconsistent_parts() {
        let x = Array2::zeros((2, 1));
        let short = Target::Values(vec![1.0]);
        assert!(Dataset::new("d", vec!["a".into()], x.clone(), short).is_err());
        let ok = Target::Values(vec![1.0, 2.0]);
        assert!(Dataset::new("d", vec![], x.clone(), ok.clone()).is_err());
        assert!(Dataset::new("d", vec!["a".into()], x, ok).is_ok());
        assert!(Classes::new(vec![0, 2], vec!["a".into(), "b".into()]).is_err());
        assert!(Classes::new(vec![0, 0], vec!["a".into(), "b".into()]).is_err());
        assert!(Classes::new(vec![0, 1], vec!["a".into(), "a".into()]).is_err());
    }
}
