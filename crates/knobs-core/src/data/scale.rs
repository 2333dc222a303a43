//! Standardisation: each feature shifted to mean 0 and divided by its standard deviation,
//! both measured on the training rows only, so no information leaks from the test fold.
//!
//! This follows scikit-learn's `StandardScaler` (the anchors' definition): the population
//! standard deviation (ddof = 0), and a feature that is constant on the training rows is
//! only centred (divided by 1), since dividing by a zero spread is meaningless. "Constant"
//! uses scikit-learn's tolerance, so a column of one repeated value whose computed variance
//! is a rounding error away from 0 counts as constant too.

use ndarray::{Array2, ArrayView2, Axis};
use thiserror::Error;

/// Why a scaler could not be fitted or applied.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub(crate) enum ScaleError {
    /// Fitting needs at least one row.
    #[error("cannot fit a scaler on no rows")]
    NoRows,
    /// A row index is beyond the matrix.
    #[error("row {row} is out of range (the matrix has {n_rows} rows)")]
    RowOutOfRange { row: usize, n_rows: usize },
    /// The matrix has a different number of columns from the one the scaler was fitted on.
    #[error("the scaler was fitted on {expected} columns, the matrix has {found}")]
    WidthMismatch { expected: usize, found: usize },
}

/// Per-feature mean and scale learned from training rows.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Scaler {
    mean: Vec<f64>,
    scale: Vec<f64>,
}

impl Scaler {
    /// Fit on every row of `x`.
    pub(crate) fn fit(x: ArrayView2<'_, f64>) -> Result<Scaler, ScaleError> {
        let rows: Vec<usize> = (0..x.nrows()).collect();
        Scaler::fit_rows(x, &rows)
    }

    /// Fit on the given rows of `x` (a split's training rows).
    pub(crate) fn fit_rows(x: ArrayView2<'_, f64>, rows: &[usize]) -> Result<Scaler, ScaleError> {
        if rows.is_empty() {
            return Err(ScaleError::NoRows);
        }
        check_rows(x, rows)?;
        let n = rows.len() as f64;
        let mut mean = Vec::with_capacity(x.ncols());
        let mut scale = Vec::with_capacity(x.ncols());
        for column in x.axis_iter(Axis(1)) {
            let m = rows.iter().map(|&r| column[r]).sum::<f64>() / n;
            // Two passes with the rounding correction, as scikit-learn computes it.
            let (sum_d, sum_d2) = rows.iter().fold((0.0, 0.0), |(s, s2), &r| {
                let d = column[r] - m;
                (s + d, s2 + d * d)
            });
            let var = ((sum_d2 - sum_d * sum_d / n) / n).max(0.0);
            let constant = var <= n * f64::EPSILON * var + (n * m * f64::EPSILON).powi(2);
            let std = var.sqrt();
            mean.push(m);
            scale.push(if constant || std < 10.0 * f64::EPSILON {
                1.0
            } else {
                std
            });
        }
        Ok(Scaler { mean, scale })
    }

    /// Fit on `train` rows and standardise both parts: (training matrix, test matrix), rows
    /// in the order given. The usual step before fitting a model on one split.
    #[cfg(test)]
    pub(crate) fn fit_split(
        x: ArrayView2<'_, f64>,
        train: &[usize],
        test: &[usize],
    ) -> Result<(Array2<f64>, Array2<f64>), ScaleError> {
        let scaler = Scaler::fit_rows(x, train)?;
        Ok((
            scaler.transform_rows(x, train)?,
            scaler.transform_rows(x, test)?,
        ))
    }

    /// The per-feature means subtracted.
    #[cfg(test)]
    pub(crate) fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// The per-feature divisors: the population standard deviation, or 1 for a constant
    /// feature.
    #[cfg(test)]
    pub(crate) fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// Standardise `x` where it is (a matrix built for one split: no second copy).
    pub(crate) fn transform_in_place(&self, x: &mut Array2<f64>) -> Result<(), ScaleError> {
        if x.ncols() != self.mean.len() {
            return Err(ScaleError::WidthMismatch {
                expected: self.mean.len(),
                found: x.ncols(),
            });
        }
        for (j, mut column) in x.axis_iter_mut(Axis(1)).enumerate() {
            let (m, s) = (self.mean[j], self.scale[j]);
            column.mapv_inplace(|v| (v - m) / s);
        }
        Ok(())
    }

    /// Standardise every row of `x`.
    #[cfg(test)]
    pub(crate) fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, ScaleError> {
        let rows: Vec<usize> = (0..x.nrows()).collect();
        self.transform_rows(x, &rows)
    }

    /// Standardise the given rows of `x`, in the order given.
    #[cfg(test)]
    pub(crate) fn transform_rows(
        &self,
        x: ArrayView2<'_, f64>,
        rows: &[usize],
    ) -> Result<Array2<f64>, ScaleError> {
        if x.ncols() != self.mean.len() {
            return Err(ScaleError::WidthMismatch {
                expected: self.mean.len(),
                found: x.ncols(),
            });
        }
        check_rows(x, rows)?;
        let mut out = x.select(Axis(0), rows);
        for (j, mut column) in out.axis_iter_mut(Axis(1)).enumerate() {
            let (m, s) = (self.mean[j], self.scale[j]);
            column.mapv_inplace(|v| (v - m) / s);
        }
        Ok(out)
    }
}

fn check_rows(x: ArrayView2<'_, f64>, rows: &[usize]) -> Result<(), ScaleError> {
    match rows.iter().find(|&&r| r >= x.nrows()) {
        Some(&row) => Err(ScaleError::RowOutOfRange {
            row,
            n_rows: x.nrows(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn standardises_with_population_std_on_training_rows_only() {
        // Column 0: training rows 0, 1, 2 hold 1, 2, 3 (mean 2, population std sqrt(2/3)).
        // Column 1: constant 5 on the training rows, so only centred.
        let x = array![[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [100.0, 7.0]];
        let (train, test) = Scaler::fit_split(x.view(), &[0, 1, 2], &[3]).unwrap();
        let std = (2.0f64 / 3.0).sqrt();
        let scaler = Scaler::fit_rows(x.view(), &[0, 1, 2]).unwrap();
        assert_eq!(scaler.mean(), [2.0, 5.0]);
        assert!((scaler.scale()[0] - std).abs() < 1e-15);
        assert_eq!(scaler.scale()[1], 1.0);
        assert!((train[[0, 0]] + 1.0 / std).abs() < 1e-12);
        assert_eq!(train.column(1).to_vec(), [0.0, 0.0, 0.0]);
        assert!((test[[0, 0]] - 98.0 / std).abs() < 1e-9);
        assert_eq!(test[[0, 1]], 2.0);
        // The training part has mean 0 and population std 1.
        let col = train.column(0);
        let mean = col.sum() / 3.0;
        let var = col.mapv(|v| (v - mean).powi(2)).sum() / 3.0;
        assert!(mean.abs() < 1e-15 && (var - 1.0).abs() < 1e-12);
    }

    #[test]
    fn repeated_non_zero_value_counts_as_constant() {
        let x = ndarray::Array2::from_elem((7, 1), 0.1);
        let scaler = Scaler::fit(x.view()).unwrap();
        assert_eq!(scaler.scale(), [1.0]);
        assert!(
            scaler
                .transform(x.view())
                .unwrap()
                .iter()
                .all(|v| v.abs() < 1e-15)
        );
    }

    #[test]
    fn rejects_bad_rows_and_widths() {
        let x = array![[1.0], [2.0]];
        assert_eq!(Scaler::fit_rows(x.view(), &[]), Err(ScaleError::NoRows));
        assert_eq!(
            Scaler::fit_rows(x.view(), &[0, 2]),
            Err(ScaleError::RowOutOfRange { row: 2, n_rows: 2 })
        );
        let scaler = Scaler::fit(x.view()).unwrap();
        let wide = array![[1.0, 2.0]];
        assert_eq!(
            scaler.transform(wide.view()),
            Err(ScaleError::WidthMismatch {
                expected: 1,
                found: 2
            })
        );
    }
}
