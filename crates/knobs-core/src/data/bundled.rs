//! The anchor datasets compiled into the binary, so every machine can run the benchmark
//! problems without the `shared/anchors` folder.
//!
//! The files are byte-for-byte copies of `shared/anchors/datasets/` (see its README for
//! where each comes from and how its folds were drawn).

use super::csv::{DataError, Dataset, LoadOptions};

/// Names of the bundled datasets, as [`Dataset::bundled`] takes them.
pub const BUNDLED: &[&str] = &[
    "iris",
    "wine",
    "breast_cancer",
    "digits",
    "moons",
    "diabetes",
];

/// One bundled dataset: its CSV and its `index,fold` file.
struct Embedded {
    name: &'static str,
    csv: &'static [u8],
    folds: &'static str,
}

macro_rules! embed {
    ($name:literal) => {
        Embedded {
            name: $name,
            csv: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../assets/datasets/",
                $name,
                ".csv"
            )),
            folds: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../assets/datasets/",
                $name,
                ".folds.csv"
            )),
        }
    };
}

const EMBEDDED: &[Embedded] = &[
    embed!("iris"),
    embed!("wine"),
    embed!("breast_cancer"),
    embed!("digits"),
    embed!("moons"),
    embed!("diabetes"),
];

fn find(name: &str) -> Option<&'static Embedded> {
    EMBEDDED.iter().find(|e| e.name == name)
}

/// The CSV bytes of a bundled dataset.
fn csv_bytes(name: &str) -> Result<&'static [u8], DataError> {
    find(name)
        .map(|e| e.csv)
        .ok_or_else(|| DataError::UnknownBundled {
            name: name.to_owned(),
            known: BUNDLED.join(", "),
        })
}

/// The `index,fold` text of a bundled dataset's reference folds.
pub(super) fn folds_text(name: &str) -> Option<&'static str> {
    find(name).map(|e| e.folds)
}

impl Dataset {
    /// A bundled dataset by name (see [`BUNDLED`]), loaded with the default options: the
    /// last column (`target`) is the target and the task is inferred (diabetes, whose
    /// targets are written as floats, is regression; the others are classification).
    pub fn bundled(name: &str) -> Result<Dataset, DataError> {
        Dataset::from_bytes(name, csv_bytes(name)?, &LoadOptions::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Task;

    #[test]
    fn every_bundled_dataset_matches_the_manifest() {
        let manifest: serde_json::Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/datasets/manifest.json"
        )))
        .unwrap();
        for name in BUNDLED {
            let m = &manifest["datasets"][name];
            let d = Dataset::bundled(name).unwrap();
            assert_eq!(d.name(), *name);
            assert_eq!(
                d.n_samples() as u64,
                m["n_samples"].as_u64().unwrap(),
                "{name}"
            );
            assert_eq!(
                d.n_features() as u64,
                m["n_features"].as_u64().unwrap(),
                "{name}"
            );
            match m["task"].as_str().unwrap() {
                "classification" => {
                    assert_eq!(d.task(), Task::Classification, "{name}");
                    let crate::data::Target::Classes(c) = d.target() else {
                        unreachable!()
                    };
                    assert_eq!(c.n_classes() as u64, m["n_classes"].as_u64().unwrap());
                    let expected: Vec<String> = (0..c.n_classes()).map(|i| i.to_string()).collect();
                    assert_eq!(c.names(), expected, "{name}");
                }
                _ => assert_eq!(d.task(), Task::Regression, "{name}"),
            }
        }
        assert!(matches!(
            Dataset::bundled("mnist"),
            Err(DataError::UnknownBundled { .. })
        ));
    }
}
