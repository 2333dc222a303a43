//! Cross-validation folds: which rows each split tests on.
//!
//! A [`Folds`] assigns every row one test fold `0..k`; split `f` tests on the rows of fold
//! `f` and trains on all the others. Folds are drawn with a seed (stratified by class for
//! classification) or read from an `index,fold` file such as the anchors' `NAME.folds.csv`,
//! which is how Knobs evaluates exactly the splits the reference benchmarks used.

use super::bundled;
use super::csv::{Dataset, Target};
use crate::strategy::seeded_rng;
use rand::seq::SliceRandom;
use std::path::Path;
use thiserror::Error;

/// The `seeded_rng` stream for fold assignment, kept apart from the strategies' streams so
/// that the same seed does not correlate folds with proposed points.
const FOLD_STREAM: u64 = 0xF01D;

/// Why folds could not be made or read. File errors name the file and the 1-based line.
#[derive(Debug, Error)]
pub enum FoldsError {
    /// The fold file could not be read.
    #[error("{file}: cannot read the file: {source}")]
    Io {
        /// The file, as the user named it.
        file: String,
        /// The I/O error that stopped the read.
        #[source]
        source: std::io::Error,
    },
    /// The fold file is not UTF-8 text.
    #[error("{file}: line {line}: not valid UTF-8 text")]
    NotUtf8 {
        /// The file, as the user named it.
        file: String,
        /// 1-based line number of the first line that is not UTF-8.
        line: u64,
    },
    /// The fold file is empty.
    #[error("{file}: line 1: the file is empty (expected the header `index,fold`)")]
    Empty {
        /// The file, as the user named it.
        file: String,
    },
    /// The first line is not `index,fold`.
    #[error("{file}: line 1: expected the header `index,fold`, found `{found}`")]
    BadHeader {
        /// The file, as the user named it.
        file: String,
        /// The first line, as written.
        found: String,
    },
    /// A row is not two non-negative integers.
    #[error(
        "{file}: line {line}: expected `index,fold` (two non-negative integers), found `{found}`"
    )]
    BadRow {
        /// The file, as the user named it.
        file: String,
        /// 1-based line number of the offending row.
        line: u64,
        /// The row, as written.
        found: String,
    },
    /// A row index is beyond the dataset.
    #[error(
        "{file}: line {line}: row index {index} is out of range (the dataset has {n_rows} rows)"
    )]
    IndexOutOfRange {
        /// The file, as the user named it.
        file: String,
        /// 1-based line number of the offending row.
        line: u64,
        /// The 0-based row index the line gives.
        index: usize,
        /// How many rows the dataset has.
        n_rows: usize,
    },
    /// A row index appears twice.
    #[error("{file}: line {line}: row index {index} was already given on line {first_line}")]
    DuplicateIndex {
        /// The file, as the user named it.
        file: String,
        /// 1-based line number of the repeat.
        line: u64,
        /// The repeated 0-based row index.
        index: usize,
        /// 1-based line number where the index was first given.
        first_line: u64,
    },
    /// A row of the dataset has no fold.
    #[error(
        "{file}: row index {index} has no fold (the dataset has {n_rows} rows; {missing} are missing)"
    )]
    MissingIndex {
        /// The file, as the user named it.
        file: String,
        /// The first 0-based row index the file leaves out.
        index: usize,
        /// How many rows the dataset has.
        n_rows: usize,
        /// How many row indices the file leaves out, the first one included.
        missing: usize,
    },
    /// Cross-validation needs at least two folds.
    #[error("{source_name}: {k} fold(s); cross-validation needs at least 2")]
    TooFewFolds {
        /// Where the folds came from: the fold file, or `k-fold` / `stratified k-fold`.
        source_name: String,
        /// How many folds were asked for or found.
        k: usize,
    },
    /// Each fold needs at least one row, so there cannot be more folds than rows.
    #[error("{source_name}: {n_rows} rows cannot fill {k} folds")]
    FewerRowsThanFolds {
        /// Where the folds came from: the fold file, or `k-fold` / `stratified k-fold`.
        source_name: String,
        /// How many rows there are to share out.
        n_rows: usize,
        /// How many folds were asked for or found.
        k: usize,
    },
    /// Some fold below the highest fold number has no rows.
    #[error("{source_name}: fold {fold} has no rows (folds are numbered 0..{k})")]
    EmptyFold {
        /// Where the folds came from: the fold file, or `k-fold` / `stratified k-fold`.
        source_name: String,
        /// The first fold number without rows.
        fold: usize,
        /// The number of folds: the highest fold number plus one.
        k: usize,
    },
    /// No bundled fold file has this name.
    #[error("no bundled folds for `{name}` (bundled: {known})")]
    UnknownBundled {
        /// The dataset name asked for.
        name: String,
        /// The bundled datasets' names, comma-separated, so the user can pick one.
        known: String,
    },
}

/// A test-fold number for every row of a dataset. Always valid: at least two folds, every
/// fold non-empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Folds {
    assignment: Vec<usize>,
    k: usize,
}

impl Folds {
    /// Wrap a fold number per row; `k` is the highest fold number plus one. `source_name`
    /// says where the assignment came from, for error messages.
    pub(crate) fn from_assignment(
        source_name: &str,
        assignment: Vec<usize>,
    ) -> Result<Folds, FoldsError> {
        // Saturating: a fold of 2^64 − 1 must not wrap to "0 folds"; the row count refuses it.
        let k = assignment.iter().max().map_or(0, |m| m.saturating_add(1));
        if k < 2 {
            return Err(FoldsError::TooFewFolds {
                source_name: source_name.to_owned(),
                k,
            });
        }
        if assignment.len() < k {
            return Err(FoldsError::FewerRowsThanFolds {
                source_name: source_name.to_owned(),
                n_rows: assignment.len(),
                k,
            });
        }
        let mut sizes = vec![0usize; k];
        for &f in &assignment {
            sizes[f] += 1;
        }
        if let Some(fold) = sizes.iter().position(|&s| s == 0) {
            return Err(FoldsError::EmptyFold {
                source_name: source_name.to_owned(),
                fold,
                k,
            });
        }
        Ok(Folds { assignment, k })
    }

    /// Plain K-fold: the rows shuffled with `seed`, then cut into `k` consecutive parts,
    /// the first `n % k` one row larger (as scikit-learn's `KFold` sizes them). For
    /// regression, where there are no classes to balance.
    pub(crate) fn k_fold(n_rows: usize, k: usize, seed: u64) -> Result<Folds, FoldsError> {
        check_k("k-fold", n_rows, k)?;
        let mut order: Vec<usize> = (0..n_rows).collect();
        order.shuffle(&mut seeded_rng(seed, FOLD_STREAM));
        let mut assignment = vec![0; n_rows];
        let (base, extra) = (n_rows / k, n_rows % k);
        let mut start = 0;
        for fold in 0..k {
            let size = base + usize::from(fold < extra);
            for &row in &order[start..start + size] {
                assignment[row] = fold;
            }
            start += size;
        }
        Folds::from_assignment("k-fold", assignment)
    }

    /// Stratified K-fold: each class's rows are shuffled with `seed`, the classes laid end
    /// to end and dealt to folds in turn. Every fold then holds each class's share to within
    /// one row and fold sizes differ by at most one, so every split sees every class that
    /// has at least `k` rows. (Not the same draw as scikit-learn's `StratifiedKFold`; use
    /// a fold file to reproduce those.)
    pub fn stratified(labels: &[usize], k: usize, seed: u64) -> Result<Folds, FoldsError> {
        check_k("stratified k-fold", labels.len(), k)?;
        let n_classes = labels.iter().max().map_or(0, |m| m + 1);
        let mut by_class = vec![Vec::new(); n_classes];
        for (row, &l) in labels.iter().enumerate() {
            by_class[l].push(row);
        }
        let mut rng = seeded_rng(seed, FOLD_STREAM);
        let mut assignment = vec![0; labels.len()];
        let mut position = 0;
        for rows in &mut by_class {
            rows.shuffle(&mut rng);
            for &row in rows.iter() {
                assignment[row] = position % k;
                position += 1;
            }
        }
        Folds::from_assignment("stratified k-fold", assignment)
    }

    /// The usual folds for a dataset: stratified for classification, plain for regression.
    pub(crate) fn for_dataset(dataset: &Dataset, k: usize, seed: u64) -> Result<Folds, FoldsError> {
        match dataset.target() {
            Target::Classes(c) => Folds::stratified(c.labels(), k, seed),
            Target::Values(v) => Folds::k_fold(v.len(), k, seed),
        }
    }

    /// Read an `index,fold` file for a dataset of `n_rows` rows.
    pub fn from_path(path: impl AsRef<Path>, n_rows: usize) -> Result<Folds, FoldsError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| FoldsError::Io {
            file: file.clone(),
            source,
        })?;
        Folds::from_bytes(&file, &bytes, n_rows)
    }

    /// Parse `index,fold` text held in memory; `file` names it in error messages.
    ///
    /// Format (the anchors' `NAME.folds.csv`): a header line `index,fold`, then one line
    /// per data row with its 0-based row index (the header of the data file not counted)
    /// and its test fold, in any order. Every index `0..n_rows` must appear exactly once;
    /// folds are numbered from 0 with none left empty. Blank lines and `\r\n` endings are
    /// accepted.
    pub fn from_bytes(file: &str, bytes: &[u8], n_rows: usize) -> Result<Folds, FoldsError> {
        let text = std::str::from_utf8(bytes).map_err(|e| FoldsError::NotUtf8 {
            file: file.to_owned(),
            line: 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64,
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i as u64 + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty());
        let Some((_, header)) = lines.next() else {
            return Err(FoldsError::Empty {
                file: file.to_owned(),
            });
        };
        if header.split(',').map(str::trim).ne(["index", "fold"]) {
            return Err(FoldsError::BadHeader {
                file: file.to_owned(),
                found: header.to_owned(),
            });
        }
        let mut fold_of: Vec<Option<(usize, u64)>> = vec![None; n_rows];
        for (line, row) in lines {
            let bad = || FoldsError::BadRow {
                file: file.to_owned(),
                line,
                found: row.to_owned(),
            };
            let (index, fold) = row.split_once(',').ok_or_else(bad)?;
            let index: usize = index.trim().parse().map_err(|_| bad())?;
            let fold: usize = fold.trim().parse().map_err(|_| bad())?;
            let slot = fold_of
                .get_mut(index)
                .ok_or_else(|| FoldsError::IndexOutOfRange {
                    file: file.to_owned(),
                    line,
                    index,
                    n_rows,
                })?;
            if let Some((_, first_line)) = *slot {
                return Err(FoldsError::DuplicateIndex {
                    file: file.to_owned(),
                    line,
                    index,
                    first_line,
                });
            }
            *slot = Some((fold, line));
        }
        let missing = fold_of.iter().filter(|f| f.is_none()).count();
        if let Some(index) = fold_of.iter().position(Option::is_none) {
            return Err(FoldsError::MissingIndex {
                file: file.to_owned(),
                index,
                n_rows,
                missing,
            });
        }
        let assignment = fold_of.into_iter().flatten().map(|(f, _)| f).collect();
        Folds::from_assignment(file, assignment)
    }

    /// The reference folds of a bundled dataset (see [`super::BUNDLED`]), which has
    /// `n_rows` rows: the exact splits the anchor benchmarks used.
    pub fn bundled(name: &str, n_rows: usize) -> Result<Folds, FoldsError> {
        let text = bundled::folds_text(name).ok_or_else(|| FoldsError::UnknownBundled {
            name: name.to_owned(),
            known: bundled::BUNDLED.join(", "),
        })?;
        Folds::from_bytes(&format!("{name}.folds.csv"), text.as_bytes(), n_rows)
    }

    /// Number of folds (splits), at least 2.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Number of rows assigned.
    pub fn n_rows(&self) -> usize {
        self.assignment.len()
    }

    /// The test fold of each row.
    pub fn assignment(&self) -> &[usize] {
        &self.assignment
    }

    /// Rows in each fold's test part.
    pub fn fold_sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.k];
        for &f in &self.assignment {
            sizes[f] += 1;
        }
        sizes
    }

    /// Split `fold`: (training rows, test rows), each in ascending row order, since an
    /// SVM's result can depend on the order it sees rows in. `None` if `fold >= k`.
    pub fn split(&self, fold: usize) -> Option<(Vec<usize>, Vec<usize>)> {
        if fold >= self.k {
            return None;
        }
        let (test, train): (Vec<usize>, Vec<usize>) =
            (0..self.assignment.len()).partition(|&row| self.assignment[row] == fold);
        Some((train, test))
    }

    /// Every split in fold order: (training rows, test rows), both ascending.
    pub fn splits(&self) -> impl Iterator<Item = (Vec<usize>, Vec<usize>)> + '_ {
        (0..self.k).filter_map(|f| self.split(f))
    }
}

/// The checks shared by the generated fold kinds.
fn check_k(source_name: &str, n_rows: usize, k: usize) -> Result<(), FoldsError> {
    if k < 2 {
        return Err(FoldsError::TooFewFolds {
            source_name: source_name.to_owned(),
            k,
        });
    }
    if n_rows < k {
        return Err(FoldsError::FewerRowsThanFolds {
            source_name: source_name.to_owned(),
            n_rows,
            k,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::BUNDLED;

    #[test]
    fn bundled_fold_files_reproduce_the_manifest_fold_sizes() {
        let manifest: serde_json::Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/datasets/manifest.json"
        )))
        .unwrap();
        for name in BUNDLED {
            let m = &manifest["datasets"][name];
            let n = m["n_samples"].as_u64().unwrap() as usize;
            let folds = Folds::bundled(name, n).unwrap();
            let expected: Vec<usize> = m["fold_sizes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_u64().unwrap() as usize)
                .collect();
            assert_eq!(folds.fold_sizes(), expected, "{name}");
            for (train, test) in folds.splits() {
                assert_eq!(train.len() + test.len(), n);
                assert!(train.windows(2).all(|w| w[0] < w[1]));
                assert!(test.windows(2).all(|w| w[0] < w[1]));
            }
        }
        // The first rows of iris.folds.csv: row 0 in fold 2, row 1 in fold 1.
        let iris = Folds::bundled("iris", 150).unwrap();
        assert_eq!(&iris.assignment()[..2], [2, 1]);
        assert!(Folds::bundled("iris", 151).is_err());
        assert!(matches!(
            Folds::bundled("mnist", 10),
            Err(FoldsError::UnknownBundled { .. })
        ));
    }

    fn parse(text: &str, n: usize) -> Result<Folds, FoldsError> {
        Folds::from_bytes("f.csv", text.as_bytes(), n)
    }

    #[test]
    fn reads_a_fold_file_in_any_order() {
        let f = parse("index,fold\r\n2,1\r\n0,0\r\n1,1\r\n3,0\r\n\r\n", 4).unwrap();
        assert_eq!(f.k(), 2);
        assert_eq!(f.assignment(), [0, 1, 1, 0]);
        assert_eq!(f.split(0), Some((vec![1, 2], vec![0, 3])));
        assert_eq!(f.split(2), None);
    }

    #[test]
    fn fold_file_errors_name_file_and_line() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 2, "line 1"),
            ("idx,fold\n0,0\n1,1\n", 2, "line 1"),
            ("index,fold\n0,0\n1;1\n", 2, "line 3"),
            ("index,fold\n0,0\n1,-1\n", 2, "line 3"),
            ("index,fold\n0,0\n5,1\n", 2, "line 3"),
            ("index,fold\n0,0\n1,1\n0,1\n", 2, "line 4"),
            ("index,fold\n0,0\n1,1\n", 3, "row index 2"),
            ("index,fold\n0,0\n1,0\n", 2, "at least 2"),
            ("index,fold\n0,0\n1,2\n", 2, "2 rows cannot fill 3 folds"),
            ("index,fold\n0,0\n1,2\n2,2\n", 3, "fold 1 has no rows"),
        ];
        for (text, n, needle) in cases {
            let e = parse(text, *n).expect_err(text);
            let msg = e.to_string();
            assert!(msg.starts_with("f.csv"), "{msg}");
            assert!(msg.contains(needle), "{text:?}: {msg}");
        }
        let e = Folds::from_bytes("f.csv", b"index,fold\n0,0\n1,\xff\n", 2).unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
    }

    #[test]
    fn k_fold_is_seeded_balanced_and_checked() {
        let a = Folds::k_fold(23, 5, 7).unwrap();
        assert_eq!(a, Folds::k_fold(23, 5, 7).unwrap());
        assert_ne!(a, Folds::k_fold(23, 5, 8).unwrap());
        assert_eq!(a.fold_sizes(), [5, 5, 5, 4, 4]);
        assert!(matches!(
            Folds::k_fold(3, 5, 0),
            Err(FoldsError::FewerRowsThanFolds { .. })
        ));
        assert!(matches!(
            Folds::k_fold(10, 1, 0),
            Err(FoldsError::TooFewFolds { .. })
        ));
    }

    #[test]
    fn stratified_folds_keep_class_proportions() {
        // 3 classes of 45, 30 and 22 rows, interleaved.
        let labels: Vec<usize> = (0..97)
            .map(|i| match i % 6 {
                0..=2 if i < 90 => 0,
                3 | 4 if i < 90 => 1,
                _ => 2,
            })
            .collect();
        let counts: Vec<usize> = (0..3)
            .map(|c| labels.iter().filter(|&&l| l == c).count())
            .collect();
        let folds = Folds::stratified(&labels, 5, 3).unwrap();
        assert_eq!(folds, Folds::stratified(&labels, 5, 3).unwrap());
        let sizes = folds.fold_sizes();
        assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
        for (_, test) in folds.splits() {
            for (class, &total) in counts.iter().enumerate() {
                let here = test.iter().filter(|&&r| labels[r] == class).count();
                let share = total as f64 / 5.0;
                assert!(
                    (here as f64 - share).abs() < 1.0,
                    "class {class}: {here} vs {share}"
                );
            }
        }
        let iris = Dataset::bundled("iris").unwrap();
        let f = Folds::for_dataset(&iris, 5, 0).unwrap();
        assert_eq!(f.fold_sizes(), [30; 5]);
    }
}
