//! Loading a dataset from a CSV file: a header row of column names, numeric feature columns
//! and one target column.
//!
//! Every problem in the file is reported with the file's name, the 1-based line and the
//! column's name, so a user can go straight to the cell (the loader reads files people
//! export from spreadsheets, where a stray blank or `NA` is the usual mistake).

use ndarray::Array2;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::path::Path;
use thiserror::Error;

/// The most distinct integer target values that are still inferred to be class labels; more
/// than this and integer targets are taken as a regression target (counts, ages, scores).
pub const MAX_INFERRED_CLASSES: usize = 20;

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

/// How to read a CSV file. The default takes the last column as the target and infers the
/// task from its values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// The target column's name; `None` means the last column.
    pub target: Option<String>,
    /// The task; `None` infers it (see [`Dataset::from_bytes`]).
    pub task: Option<Task>,
}

/// Why a dataset could not be loaded. Messages name the file, the 1-based line and the
/// column, so the user can find the offending cell.
#[derive(Debug, Error)]
pub enum DataError {
    /// The file could not be read at all.
    #[error("{file}: cannot read the file: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The file has no content (not even a header).
    #[error("{file}: line 1: the file is empty (expected a header row of column names)")]
    Empty { file: String },
    /// The file has a header but no data rows.
    #[error("{file}: line 1: only a header row, no data rows")]
    HeaderOnly { file: String },
    /// The header has only one column, so there is nothing to learn from.
    #[error("{file}: line 1: only the target column `{column}`; no feature columns")]
    NoFeatures { file: String, column: String },
    /// Two columns share a name.
    #[error("{file}: line 1: column name `{column}` appears twice (columns {first} and {second})")]
    DuplicateColumn {
        file: String,
        column: String,
        first: usize,
        second: usize,
    },
    /// The target column asked for is not in the header.
    #[error("{file}: line 1: no target column `{column}` (columns: {known})")]
    UnknownTarget {
        file: String,
        column: String,
        known: String,
    },
    /// A row has more or fewer fields than the header.
    #[error(
        "{file}: line {line}: {found} fields, but the header has {expected} \
         (column `{column}` {})",
        ragged_detail(.found, .expected)
    )]
    Ragged {
        file: String,
        line: u64,
        column: String,
        expected: usize,
        found: usize,
    },
    /// A quoted field is never closed, so the rest of the file would be swallowed into it.
    #[error("{file}: line {line}: column `{column}`: a quote opened here is never closed")]
    UnterminatedQuote {
        file: String,
        line: u64,
        column: String,
    },
    /// A field is not valid UTF-8 text.
    #[error("{file}: line {line}: column `{column}`: not valid UTF-8 text")]
    NotUtf8 {
        file: String,
        line: u64,
        column: String,
    },
    /// A field is empty or a missing-value marker (`NA`, `N/A`, `?`).
    #[error("{file}: line {line}: column `{column}`: missing value{}", quoted_suffix(.text))]
    Missing {
        file: String,
        line: u64,
        column: String,
        text: String,
    },
    /// A feature (or a regression target) is not a number.
    #[error("{file}: line {line}: column `{column}`: `{text}` is not a number")]
    NotNumeric {
        file: String,
        line: u64,
        column: String,
        text: String,
    },
    /// A feature (or a regression target) is infinite or NaN.
    #[error("{file}: line {line}: column `{column}`: `{text}` is not a finite number")]
    NotFinite {
        file: String,
        line: u64,
        column: String,
        text: String,
    },
    /// A classification target has only one class, so there is nothing to tell apart.
    #[error(
        "{file}: lines 2-{last_line}: column `{column}`: every row has class `{class}`; \
         classification needs at least two classes"
    )]
    SingleClass {
        file: String,
        last_line: u64,
        column: String,
        class: String,
    },
    /// The CSV reader itself failed.
    #[error("{file}: line {line}: {message}")]
    Csv {
        file: String,
        line: u64,
        message: String,
    },
    /// Parts given to [`Dataset::new`] do not fit together.
    #[error("dataset `{name}`: {reason}")]
    Inconsistent { name: String, reason: String },
    /// No bundled dataset has this name.
    #[error("no bundled dataset `{name}` (bundled: {known})")]
    UnknownBundled { name: String, known: String },
}

/// The end of a ragged-row message: what is wrong with the named column.
fn ragged_detail(found: &usize, expected: &usize) -> &'static str {
    if found < expected {
        "has no value"
    } else {
        "is followed by extra fields"
    }
}

/// ` `text`` for a non-empty missing-value marker, nothing for an empty field.
fn quoted_suffix(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(" `{text}`")
    }
}

/// A table of numeric features and a target: what a model-tuning objective learns from.
///
/// The fields are private so that a `Dataset` is always consistent: one feature name per
/// column, one target per row, at least one row, every feature finite.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    name: String,
    feature_names: Vec<String>,
    x: Array2<f64>,
    target: Target,
}

impl Dataset {
    /// Put a dataset together from parts, checking that they fit.
    pub fn new(
        name: impl Into<String>,
        feature_names: Vec<String>,
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
        if feature_names.len() != x.ncols() {
            return Err(bad(format!(
                "{} feature names for {} columns",
                feature_names.len(),
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
        if let Some(((row, col), _)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(bad(format!(
                "feature `{}` of row {row} is not finite",
                feature_names[col]
            )));
        }
        if let Target::Values(v) = &target
            && let Some(row) = v.iter().position(|t| !t.is_finite())
        {
            return Err(bad(format!("target of row {row} is not finite")));
        }
        Ok(Dataset {
            name,
            feature_names,
            x,
            target,
        })
    }

    /// Load a CSV file; the dataset is named after the file's stem (`iris.csv` → `iris`).
    pub fn from_path(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Dataset, DataError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| DataError::Io {
            file: file.clone(),
            source,
        })?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.clone());
        load(&file, name, &bytes, options)
    }

    /// Load CSV text held in memory; `name` names the dataset and stands for the file in
    /// error messages.
    ///
    /// Format: the first line is a header of distinct column names; every other non-blank
    /// line has one field per column. Feature columns must hold finite numbers. An empty
    /// field, `NA`, `N/A` or `?` is a missing value, which is an error (there is no
    /// imputation). The target is the last column unless [`LoadOptions::target`] names one.
    ///
    /// Task inference, when [`LoadOptions::task`] is `None`: if every target is an integer
    /// (written without a decimal point or exponent) and there are at most
    /// [`MAX_INFERRED_CLASSES`] distinct values, or if any target is not a number at all,
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
        load(name, name.to_owned(), bytes, options)
    }

    /// The dataset's name (the file stem, or the name given to [`Dataset::from_bytes`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The feature columns' names, in column order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The features: one row per sample, one column per feature.
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

/// Whether a field stands for a missing value.
fn is_missing(text: &str) -> bool {
    matches!(text, "" | "NA" | "N/A" | "?")
}

/// Find a quoted field that is never closed. The `csv` crate silently reads such a field
/// to the end of the file, which would turn one typo into a confusing error far away.
/// Returns the 1-based line and 0-based field index where the quote opened.
fn unterminated_quote(bytes: &[u8]) -> Option<(u64, usize)> {
    let (mut line, mut field) = (1u64, 0usize);
    let mut at_field_start = true;
    let mut open: Option<(u64, usize)> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if open.is_some() {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1; // an escaped quote inside the field
                } else {
                    open = None;
                }
            } else if b == b'\n' {
                line += 1;
            }
        } else {
            match b {
                b'"' if at_field_start => open = Some((line, field)),
                b',' => {
                    field += 1;
                    at_field_start = true;
                    i += 1;
                    continue;
                }
                b'\n' => {
                    line += 1;
                    field = 0;
                    at_field_start = true;
                    i += 1;
                    continue;
                }
                _ => {}
            }
            at_field_start = false;
        }
        i += 1;
    }
    open
}

/// A field as trimmed UTF-8 text.
fn text<'a>(field: &'a [u8], file: &str, line: u64, column: &str) -> Result<&'a str, DataError> {
    std::str::from_utf8(field)
        .map(str::trim)
        .map_err(|_| DataError::NotUtf8 {
            file: file.to_owned(),
            line,
            column: column.to_owned(),
        })
}

/// Parse a finite number, or say why not.
fn number(text: &str, file: &str, line: u64, column: &str) -> Result<f64, DataError> {
    if is_missing(text) {
        return Err(DataError::Missing {
            file: file.to_owned(),
            line,
            column: column.to_owned(),
            text: text.to_owned(),
        });
    }
    let value: f64 = text.parse().map_err(|_| DataError::NotNumeric {
        file: file.to_owned(),
        line,
        column: column.to_owned(),
        text: text.to_owned(),
    })?;
    if !value.is_finite() {
        return Err(DataError::NotFinite {
            file: file.to_owned(),
            line,
            column: column.to_owned(),
            text: text.to_owned(),
        });
    }
    Ok(value)
}

/// Parse CSV bytes into a dataset; `file` names the source in errors, `name` the dataset.
fn load(
    file: &str,
    name: String,
    bytes: &[u8],
    options: &LoadOptions,
) -> Result<Dataset, DataError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DataError::Empty {
            file: file.to_owned(),
        });
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut columns = read_header(&mut reader, file)?;
    if let Some((line, field)) = unterminated_quote(bytes) {
        let column = match columns.get(field) {
            Some(c) if line > 1 => c.clone(),
            _ => format!("column {}", field + 1),
        };
        return Err(DataError::UnterminatedQuote {
            file: file.to_owned(),
            line,
            column,
        });
    }
    let target_col = target_column(&columns, options, file)?;
    let rows = read_rows(&mut reader, &columns, target_col, file)?;
    let target_name = columns.remove(target_col);
    let n_rows = rows.targets.len();
    let x = Array2::from_shape_vec((n_rows, columns.len()), rows.features).map_err(|e| {
        DataError::Inconsistent {
            name: name.clone(),
            reason: e.to_string(),
        }
    })?;
    let task = options.task.unwrap_or_else(|| infer_task(&rows.targets));
    let target = build_target(
        task,
        &rows.targets,
        rows.last_line,
        target_name,
        file,
        &name,
    )?;
    Dataset::new(name, columns, x, target)
}

/// A CSV reader over bytes in memory.
type Reader<'a> = ::csv::Reader<&'a [u8]>;

/// A CSV error as a data error, at the line the reader reports (else `line`).
fn csv_error(file: &str, e: &::csv::Error, line: u64) -> DataError {
    DataError::Csv {
        file: file.to_owned(),
        line: e.position().map_or(line, |p| p.line()),
        message: e.to_string(),
    }
}

/// The header row: distinct, UTF-8 column names.
fn read_header(reader: &mut Reader<'_>, file: &str) -> Result<Vec<String>, DataError> {
    let mut record = ::csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(file, &e, 1))?
        || record.is_empty()
    {
        return Err(DataError::Empty {
            file: file.to_owned(),
        });
    }
    let mut columns = Vec::with_capacity(record.len());
    for (i, field) in record.iter().enumerate() {
        let name = text(field, file, 1, &format!("column {}", i + 1))?;
        if let Some(first) = columns.iter().position(|c: &String| c == name) {
            return Err(DataError::DuplicateColumn {
                file: file.to_owned(),
                column: name.to_owned(),
                first: first + 1,
                second: i + 1,
            });
        }
        columns.push(name.to_owned());
    }
    Ok(columns)
}

/// The target's column index (the last column unless the options name one); at least one
/// other column must remain for features.
fn target_column(
    columns: &[String],
    options: &LoadOptions,
    file: &str,
) -> Result<usize, DataError> {
    let target_col = match &options.target {
        None => columns.len().saturating_sub(1),
        Some(t) => columns
            .iter()
            .position(|c| c == t)
            .ok_or_else(|| DataError::UnknownTarget {
                file: file.to_owned(),
                column: t.clone(),
                known: columns.join(", "),
            })?,
    };
    if columns.len() < 2 {
        return Err(DataError::NoFeatures {
            file: file.to_owned(),
            column: columns.get(target_col).cloned().unwrap_or_default(),
        });
    }
    Ok(target_col)
}

/// The data rows, read: features row-major, each target's text with its line.
struct Rows {
    features: Vec<f64>,
    targets: Vec<(u64, String)>,
    last_line: u64,
}

/// Read every data row: one field per column, features finite numbers, no missing target.
fn read_rows(
    reader: &mut Reader<'_>,
    columns: &[String],
    target_col: usize,
    file: &str,
) -> Result<Rows, DataError> {
    let n_cols = columns.len();
    let mut record = ::csv::ByteRecord::new();
    let mut rows = Rows {
        features: Vec::new(),
        targets: Vec::new(),
        last_line: 1,
    };
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(file, &e, rows.last_line + 1)),
        }
        let line = record.position().map_or(rows.last_line + 1, |p| p.line());
        rows.last_line = line;
        if record.len() != n_cols {
            let column = columns[record.len().min(n_cols - 1)].clone();
            return Err(DataError::Ragged {
                file: file.to_owned(),
                line,
                column,
                expected: n_cols,
                found: record.len(),
            });
        }
        for (col, field) in record.iter().enumerate() {
            let t = text(field, file, line, &columns[col])?;
            if col == target_col {
                if is_missing(t) {
                    return Err(DataError::Missing {
                        file: file.to_owned(),
                        line,
                        column: columns[col].clone(),
                        text: t.to_owned(),
                    });
                }
                rows.targets.push((line, t.to_owned()));
            } else {
                rows.features.push(number(t, file, line, &columns[col])?);
            }
        }
    }
    if rows.targets.is_empty() {
        return Err(DataError::HeaderOnly {
            file: file.to_owned(),
        });
    }
    Ok(rows)
}

/// The target for `task`: numbers for regression, classes (at least two) for
/// classification.
fn build_target(
    task: Task,
    targets: &[(u64, String)],
    last_line: u64,
    target_name: String,
    file: &str,
    name: &str,
) -> Result<Target, DataError> {
    Ok(match task {
        Task::Regression => Target::Values(
            targets
                .iter()
                .map(|(line, t)| number(t, file, *line, &target_name))
                .collect::<Result<_, _>>()?,
        ),
        Task::Classification => {
            let (labels, names) = classes(targets);
            if names.len() < 2 {
                return Err(DataError::SingleClass {
                    file: file.to_owned(),
                    last_line,
                    column: target_name,
                    class: names.into_iter().next().unwrap_or_default(),
                });
            }
            Target::Classes(Classes::new(labels, names).map_err(|reason| {
                DataError::Inconsistent {
                    name: name.to_owned(),
                    reason,
                }
            })?)
        }
    })
}

/// The task rule documented on [`Dataset::from_bytes`].
fn infer_task(targets: &[(u64, String)]) -> Task {
    if targets.iter().all(|(_, t)| t.parse::<i64>().is_ok()) {
        let distinct: BTreeSet<i64> = targets.iter().filter_map(|(_, t)| t.parse().ok()).collect();
        if distinct.len() <= MAX_INFERRED_CLASSES {
            Task::Classification
        } else {
            Task::Regression
        }
    } else if targets.iter().all(|(_, t)| t.parse::<f64>().is_ok()) {
        Task::Regression
    } else {
        Task::Classification
    }
}

/// Labels and class names in the order documented on [`Dataset::from_bytes`].
fn classes(targets: &[(u64, String)]) -> (Vec<usize>, Vec<String>) {
    let ints: Option<Vec<i64>> = targets.iter().map(|(_, t)| t.parse().ok()).collect();
    match ints {
        Some(ints) => {
            let index: BTreeMap<i64, usize> = ints
                .iter()
                .copied()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .enumerate()
                .map(|(i, v)| (v, i))
                .collect();
            let labels = ints.iter().map(|v| index[v]).collect();
            (labels, index.keys().map(i64::to_string).collect())
        }
        None => {
            let index: BTreeMap<&str, usize> = targets
                .iter()
                .map(|(_, t)| t.as_str())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .enumerate()
                .map(|(i, v)| (v, i))
                .collect();
            let labels = targets.iter().map(|(_, t)| index[t.as_str()]).collect();
            (labels, index.keys().map(|s| (*s).to_owned()).collect())
        }
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
                task: None,
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
                target: None,
                task: Some(Task::Regression),
            },
        )
        .unwrap();
        assert_eq!(d.target(), &Target::Values(vec![0.0, 1.0]));
        let e = Dataset::from_bytes(
            "t.csv",
            b"a,y\n1,0\n2,cat\n",
            &LoadOptions {
                target: None,
                task: Some(Task::Regression),
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
    fn non_numeric_and_non_finite_features() {
        let (e, msg) = err("a,b,y\n1,2,0\n3,x4,1\n");
        assert!(matches!(e, DataError::NotNumeric { line: 3, .. }), "{msg}");
        assert!(
            msg.contains("line 3") && msg.contains("`b`") && msg.contains("`x4`"),
            "{msg}"
        );
        for bad in ["inf", "NaN", "-infinity", "1e999"] {
            let (e, msg) = err(&format!("a,b,y\n1,{bad},0\n3,4,1\n"));
            assert!(matches!(e, DataError::NotFinite { line: 2, .. }), "{msg}");
            assert!(msg.contains("`b`"), "{msg}");
        }
    }

    #[test]
    fn missing_values() {
        for missing in ["", "NA", " ? "] {
            let (e, msg) = err(&format!("a,b,y\n1,2,0\n3,{missing},1\n"));
            assert!(matches!(e, DataError::Missing { line: 3, .. }), "{msg}");
            assert!(msg.contains("`b`"), "{msg}");
        }
        let (e, msg) = err("a,b,y\n1,2,0\n3,4,\n");
        assert!(matches!(e, DataError::Missing { line: 3, .. }), "{msg}");
        assert!(msg.contains("`y`"), "{msg}");
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
                task: None,
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
