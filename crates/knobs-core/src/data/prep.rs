//! Preparing a split for a model: gaps filled, categories encoded, every column
//! standardised, each step fitted on the split's training rows only.
//!
//! A [`Prep`] learns from the training rows of one split (the fill value of each column,
//! the categories present, the mean and spread of each encoded column) and applies exactly
//! that to the test rows, as a scikit-learn `Pipeline` of `SimpleImputer`, `OneHotEncoder`
//! (or `OrdinalEncoder`) and `StandardScaler` does inside `cross_val_score`: the test rows
//! never influence what they are transformed with. The choices ([`PrepSpec`]) are part of
//! the study ([`DataSpec`]), so a resumed or re-run study prepares its splits identically.
//!
//! The encoded width is the same for every split (a fixed column layout the models rely
//! on): one-hot columns are made for every level named in the file and a missing-value
//! indicator for every column with a gap in the file; a level absent from a split's
//! training rows is encoded as all zeros there (scikit-learn's `handle_unknown="ignore"`),
//! and a column that is constant on the training rows is only centred.

use super::csv::{ColumnKind, Dataset, Target};
use super::scale::{ScaleError, Scaler};
use crate::strategy::seeded_rng;
use ndarray::{Array2, ArrayView2};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// How a numeric column's gaps are filled (categorical columns always take their most
/// frequent training level).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impute {
    /// The training rows' mean (scikit-learn's `SimpleImputer` default).
    #[default]
    Mean,
    /// The training rows' median, robust to outliers.
    Median,
    /// The training rows' most frequent value (the smallest on ties).
    MostFrequent,
}

impl Impute {
    /// Every strategy, for choosers.
    pub const ALL: [Impute; 3] = [Impute::Mean, Impute::Median, Impute::MostFrequent];

    /// The name the CLI and sessions use.
    pub fn name(self) -> &'static str {
        match self {
            Impute::Mean => "mean",
            Impute::Median => "median",
            Impute::MostFrequent => "most_frequent",
        }
    }

    /// Parse `--impute NAME`.
    pub fn from_name(name: &str) -> Option<Impute> {
        Impute::ALL.into_iter().find(|i| i.name() == name)
    }
}

/// How categorical columns reach a model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) enum Encoding {
    /// One 0/1 column per level: for distance, kernel and linear models, where level
    /// numbers would invent an order and distances.
    #[default]
    OneHot,
    /// One column of level indices (levels in sorted order): for trees and boosting, which
    /// split on thresholds and lose nothing by it, at a fraction of the width.
    Ordinal,
}

/// What a split's preparation does, apart from what it learns from the rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct PrepSpec {
    /// How numeric gaps are filled.
    pub impute: Impute,
    /// Whether each column with gaps gets a 0/1 "was missing" column, so a model can learn
    /// from the absence itself.
    pub missing_indicator: bool,
    /// How categories are encoded.
    pub(crate) encoding: Encoding,
}

/// Tune on a stratified share of the rows: search on a tenth, confirm the best on all.
/// The rows are drawn from `seed`, so the fraction and seed are a complete record of
/// which rows every trial used.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subsample {
    /// The share of rows kept, in `(0, 1]`.
    pub fraction: f64,
    /// The draw's seed.
    pub seed: u64,
}

/// The `seeded_rng` stream for subsampling, apart from the folds' and strategies' streams.
const SUBSAMPLE_STREAM: u64 = 0x5AB5;

impl Subsample {
    /// The rows kept, ascending: per class (classification) or overall (regression),
    /// `round(fraction × n)` rows, at least one per class, drawn with the seed.
    pub fn rows(&self, target: &Target) -> Result<Vec<usize>, String> {
        if !(self.fraction > 0.0 && self.fraction <= 1.0) {
            return Err(format!(
                "subsample fraction {} is not in (0, 1]",
                self.fraction
            ));
        }
        let mut rng = seeded_rng(self.seed, SUBSAMPLE_STREAM);
        let groups: Vec<Vec<usize>> = match target {
            Target::Classes(c) => {
                let mut by_class = vec![Vec::new(); c.n_classes()];
                for (row, &l) in c.labels().iter().enumerate() {
                    by_class[l].push(row);
                }
                by_class
            }
            Target::Values(v) => vec![(0..v.len()).collect()],
        };
        let mut rows = Vec::new();
        for mut group in groups {
            group.shuffle(&mut rng);
            let keep = ((group.len() as f64 * self.fraction).round() as usize)
                .clamp(1, group.len().max(1));
            rows.extend_from_slice(&group[..keep.min(group.len())]);
        }
        rows.sort_unstable();
        Ok(rows)
    }
}

/// A study's choices about its data: column roles and kinds, gap filling, subsampling.
/// Stored with the study (session file and journal), so a resumed or re-run study reads
/// and prepares the data exactly as before; every field defaults, so older sessions load.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DataSpec {
    /// Columns left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    /// Columns read as categories though they hold numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categorical: Vec<String>,
    /// How numeric gaps are filled.
    #[serde(default, skip_serializing_if = "is_default")]
    pub impute: Impute,
    /// Whether columns with gaps get a missing-value indicator column.
    #[serde(default, skip_serializing_if = "is_default")]
    pub missing_indicator: bool,
    /// Tune on a stratified share of the rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subsample: Option<Subsample>,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

impl DataSpec {
    /// Whether nothing is chosen (what older sessions had).
    pub(crate) fn is_default(&self) -> bool {
        *self == DataSpec::default()
    }

    /// The preparation for a model that wants `encoding`.
    pub(crate) fn prep(&self, encoding: Encoding) -> PrepSpec {
        PrepSpec {
            impute: self.impute,
            missing_indicator: self.missing_indicator,
            encoding,
        }
    }
}

/// One input column's part of the encoded row.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    /// A number, gaps filled with `fill`.
    Number { col: usize, fill: f64 },
    /// A level index as a number, gaps filled with the most frequent level.
    Ordinal { col: usize, fill: f64 },
    /// One column per level; gaps take level `fill`; levels not `seen` in training are
    /// all zeros.
    OneHot {
        col: usize,
        fill: usize,
        seen: Vec<bool>,
    },
    /// 1 where the cell is missing.
    Indicator { col: usize },
}

impl Step {
    fn width(&self) -> usize {
        match self {
            Step::OneHot { seen, .. } => seen.len(),
            _ => 1,
        }
    }
}

/// A split's fitted preparation (see the module documentation).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Prep {
    steps: Vec<Step>,
    width: usize,
    scaler: Scaler,
}

impl Prep {
    /// Learn the fill values, levels and scaling from the `train` rows of `dataset`.
    pub(crate) fn fit(
        dataset: &Dataset,
        train: &[usize],
        spec: &PrepSpec,
    ) -> Result<Prep, ScaleError> {
        if let Some(&row) = train.iter().find(|&&r| r >= dataset.n_samples()) {
            return Err(ScaleError::RowOutOfRange {
                row,
                n_rows: dataset.n_samples(),
            });
        }
        let x = dataset.x().view();
        let gaps = dataset.missing_counts();
        let mut steps = Vec::new();
        for (col, kind) in dataset.kinds().iter().enumerate() {
            let present: Vec<f64> = train
                .iter()
                .map(|&r| x[[r, col]])
                .filter(|v| !v.is_nan())
                .collect();
            match kind {
                ColumnKind::Numeric => steps.push(Step::Number {
                    col,
                    fill: fill_value(present, spec.impute),
                }),
                ColumnKind::Categorical { levels } => {
                    let mut counts = vec![0usize; levels.len()];
                    for v in present {
                        counts[v as usize] += 1;
                    }
                    // The most frequent level, the first (smallest) on ties.
                    let fill = counts
                        .iter()
                        .enumerate()
                        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
                        .map_or(0, |(i, _)| i);
                    steps.push(match spec.encoding {
                        Encoding::Ordinal => Step::Ordinal {
                            col,
                            fill: fill as f64,
                        },
                        Encoding::OneHot => Step::OneHot {
                            col,
                            fill,
                            seen: counts.iter().map(|&c| c > 0).collect(),
                        },
                    });
                }
            }
            if spec.missing_indicator && gaps[col] > 0 {
                steps.push(Step::Indicator { col });
            }
        }
        let width = steps.iter().map(Step::width).sum();
        let encoded = encode(&steps, width, x, train);
        let scaler = Scaler::fit(encoded.view())?;
        Ok(Prep {
            steps,
            width,
            scaler,
        })
    }

    /// Fit on `train` and prepare both parts: (training matrix, test matrix), rows in the
    /// order given. What every split does before its model is fitted.
    pub(crate) fn fit_split(
        dataset: &Dataset,
        train: &[usize],
        test: &[usize],
        spec: &PrepSpec,
    ) -> Result<(Array2<f64>, Array2<f64>), ScaleError> {
        let prep = Prep::fit(dataset, train, spec)?;
        Ok((
            prep.transform_rows(dataset.x().view(), train)?,
            prep.transform_rows(dataset.x().view(), test)?,
        ))
    }

    /// Prepare the given rows of a matrix laid out as the dataset's features (raw numbers,
    /// level indices, NaN gaps), in the order given.
    pub(crate) fn transform_rows(
        &self,
        x: ArrayView2<'_, f64>,
        rows: &[usize],
    ) -> Result<Array2<f64>, ScaleError> {
        let needed = self.steps.iter().map(step_col).max().map_or(0, |c| c + 1);
        if x.ncols() < needed {
            return Err(ScaleError::WidthMismatch {
                expected: needed,
                found: x.ncols(),
            });
        }
        if let Some(&row) = rows.iter().find(|&&r| r >= x.nrows()) {
            return Err(ScaleError::RowOutOfRange {
                row,
                n_rows: x.nrows(),
            });
        }
        let mut out = encode(&self.steps, self.width, x, rows);
        self.scaler.transform_in_place(&mut out)?;
        Ok(out)
    }

    /// Columns after encoding.
    pub(crate) fn width(&self) -> usize {
        self.width
    }

    /// The encoded columns' names: a feature's own name, `name=level` for one-hot columns,
    /// `name missing` for indicators.
    #[cfg(test)]
    pub(crate) fn names(&self, dataset: &Dataset) -> Vec<String> {
        let names = dataset.feature_names();
        let mut out = Vec::with_capacity(self.width);
        for step in &self.steps {
            match step {
                Step::Number { col, .. } | Step::Ordinal { col, .. } => {
                    out.push(names[*col].clone());
                }
                Step::OneHot { col, .. } => {
                    if let ColumnKind::Categorical { levels } = &dataset.kinds()[*col] {
                        out.extend(levels.iter().map(|l| format!("{}={l}", names[*col])));
                    }
                }
                Step::Indicator { col } => out.push(format!("{} missing", names[*col])),
            }
        }
        out
    }

    /// The fitted standardisation of the encoded columns.
    #[cfg(test)]
    pub(crate) fn scaler(&self) -> &Scaler {
        &self.scaler
    }
}

fn step_col(step: &Step) -> usize {
    match step {
        Step::Number { col, .. }
        | Step::Ordinal { col, .. }
        | Step::OneHot { col, .. }
        | Step::Indicator { col } => *col,
    }
}

/// A numeric column's fill value from its present training values (0 if there are none).
fn fill_value(mut present: Vec<f64>, impute: Impute) -> f64 {
    if present.is_empty() {
        return 0.0;
    }
    match impute {
        Impute::Mean => present.iter().sum::<f64>() / present.len() as f64,
        Impute::Median => {
            present.sort_by(f64::total_cmp);
            let n = present.len();
            if n % 2 == 1 {
                present[n / 2]
            } else {
                0.5 * (present[n / 2 - 1] + present[n / 2])
            }
        }
        Impute::MostFrequent => {
            present.sort_by(f64::total_cmp);
            let (mut best, mut best_run) = (present[0], 0);
            let mut i = 0;
            while i < present.len() {
                let run = present[i..]
                    .iter()
                    .take_while(|&&v| v == present[i])
                    .count();
                if run > best_run {
                    (best, best_run) = (present[i], run);
                }
                i += run;
            }
            best
        }
    }
}

/// The encoded (not yet standardised) rows.
fn encode(steps: &[Step], width: usize, x: ArrayView2<'_, f64>, rows: &[usize]) -> Array2<f64> {
    let mut out = Array2::zeros((rows.len(), width));
    for (i, &r) in rows.iter().enumerate() {
        let mut j = 0;
        for step in steps {
            match step {
                Step::Number { col, fill } | Step::Ordinal { col, fill } => {
                    let v = x[[r, *col]];
                    out[[i, j]] = if v.is_nan() { *fill } else { v };
                }
                Step::OneHot { col, fill, seen } => {
                    let v = x[[r, *col]];
                    let level = if v.is_nan() { *fill } else { v as usize };
                    if seen.get(level).copied().unwrap_or(false) {
                        out[[i, j + level]] = 1.0;
                    }
                }
                Step::Indicator { col } => {
                    out[[i, j]] = if x[[r, *col]].is_nan() { 1.0 } else { 0.0 };
                }
            }
            j += step.width();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Classes, LoadOptions};

    fn titanic_like() -> Dataset {
        let csv = "pclass,sex,age,survived\n\
                   1,female,,1\n3,male,20,0\n3,male,30,0\n2,female,40,1\n\
                   1,male,,0\n3,female,1000,1\n";
        Dataset::from_bytes("t.csv", csv.as_bytes(), &LoadOptions::default()).unwrap()
    }

    #[test]
    fn gaps_are_filled_from_the_training_rows_only() {
        let d = titanic_like();
        // Training rows 0..=4 hold ages 20, 30, 40 (mean 30); the test row 5 holds 1000.
        // Had the test row leaked, the fill would be 272.5.
        let spec = PrepSpec::default();
        let prep = Prep::fit(&d, &[0, 1, 2, 3, 4], &spec).unwrap();
        let Some(Step::Number { fill, .. }) = prep.steps.iter().find(|s| step_col(s) == 2) else {
            panic!("age is numeric")
        };
        assert_eq!(*fill, 30.0);
        // The standardisation is the training rows' too: their encoded age has mean 0.
        let (train, test) = Prep::fit_split(&d, &[0, 1, 2, 3, 4], &[5], &spec).unwrap();
        let age = prep.names(&d).iter().position(|n| n == "age").unwrap();
        assert!(train.column(age).sum().abs() < 1e-12);
        assert!(test[[0, age]] > 10.0, "the test row stays an outlier");
        // Median and most frequent read the training rows too.
        for (impute, want) in [(Impute::Median, 30.0), (Impute::MostFrequent, 20.0)] {
            let spec = PrepSpec {
                impute,
                ..PrepSpec::default()
            };
            let prep = Prep::fit(&d, &[0, 1, 2, 3, 4], &spec).unwrap();
            let filled = prep.transform_rows(d.x().view(), &[0]).unwrap()[[0, age]];
            let scaler = prep.scaler();
            assert!((filled * scaler.scale()[age] + scaler.mean()[age] - want).abs() < 1e-9);
        }
    }

    #[test]
    fn categories_are_one_hot_or_ordinal_and_unseen_levels_are_zeros() {
        let d = titanic_like();
        let ColumnKind::Categorical { levels } = &d.kinds()[1] else {
            panic!("sex is categorical")
        };
        assert_eq!(levels, &["female", "male"]);
        let onehot = Prep::fit(&d, &[1, 2, 4], &PrepSpec::default()).unwrap();
        assert_eq!(
            onehot.names(&d),
            ["pclass", "sex=female", "sex=male", "age"]
        );
        // No woman among the training rows: `sex=female` is all zeros there, and a woman
        // in the test rows is encoded as no known level (not as the column's training mean).
        let raw = encode(&onehot.steps, onehot.width, d.x().view(), &[0]);
        assert_eq!(raw.row(0).to_vec()[1..3], [0.0, 0.0]);
        let ordinal = Prep::fit(
            &d,
            &[0, 1, 2, 3, 4],
            &PrepSpec {
                encoding: Encoding::Ordinal,
                missing_indicator: true,
                ..PrepSpec::default()
            },
        )
        .unwrap();
        assert_eq!(ordinal.names(&d), ["pclass", "sex", "age", "age missing"]);
        let raw = encode(&ordinal.steps, ordinal.width, d.x().view(), &[0, 1]);
        assert_eq!(raw.row(0).to_vec(), [1.0, 0.0, 30.0, 1.0]);
        assert_eq!(raw.row(1).to_vec(), [3.0, 1.0, 20.0, 0.0]);
    }

    #[test]
    fn a_numeric_table_without_gaps_is_standardised_as_before() {
        let x = ndarray::array![[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [100.0, 7.0]];
        let target =
            Target::Classes(Classes::new(vec![0, 1, 0, 1], vec!["a".into(), "b".into()]).unwrap());
        let d = Dataset::new("d", vec!["u".into(), "v".into()], x.clone(), target).unwrap();
        let (a, b) = Prep::fit_split(&d, &[0, 1, 2], &[3], &PrepSpec::default()).unwrap();
        let (c, e) = Scaler::fit_split(x.view(), &[0, 1, 2], &[3]).unwrap();
        assert_eq!((a, b), (c, e));
    }

    #[test]
    fn subsamples_keep_each_class_share_and_depend_only_on_the_seed() {
        let labels: Vec<usize> = (0..1000).map(|i| usize::from(i % 10 == 0)).collect();
        let target = Target::Classes(Classes::new(labels, vec!["a".into(), "b".into()]).unwrap());
        let s = Subsample {
            fraction: 0.1,
            seed: 3,
        };
        let rows = s.rows(&target).unwrap();
        assert_eq!(rows.len(), 100);
        assert_eq!(rows.iter().filter(|&&r| r % 10 == 0).count(), 10);
        assert_eq!(rows, s.rows(&target).unwrap());
        assert_ne!(rows, Subsample { seed: 4, ..s }.rows(&target).unwrap());
        assert!(
            Subsample {
                fraction: 0.0,
                seed: 0
            }
            .rows(&target)
            .is_err()
        );
    }
}
