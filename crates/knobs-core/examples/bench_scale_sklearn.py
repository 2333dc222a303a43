"""scikit-learn's side of `cargo run --release --example bench_scale`.

Reads the data sets and 5-fold assignments the Rust benchmark wrote to DIR and runs the same
cases, one 5-fold evaluation each, the folds one after another on one thread: standardise
on the training rows, fit, predict the test rows, mean accuracy. Timed from the loaded
arrays to the mean accuracy, as the Rust side. Writes JSON to stdout:
{case: {"seconds": s, "accuracy": a}}.

The `gbm` case also runs LightGBM with the same settings, as `gbm_lightgbm` (skipped with
a note on stderr when lightgbm is not installed).

Pinned versions (checked at start): scikit-learn 1.9.*, numpy 2.*, lightgbm 4.7.* (listed
in examples/requirements-bench-scale.txt).
    python3 -m venv /work/venv-sk && /work/venv-sk/bin/pip install -r examples/requirements-bench-scale.txt
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /work/venv-sk/bin/python \
        crates/knobs-core/examples/bench_scale_sklearn.py DIR [--cases svc,tree,logistic,knn,gbm] > sk.json
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

PINNED = {"sklearn": "1.9.", "numpy": "2.", "lightgbm": "4.7."}

# 100 rounds, 31 leaves, learning rate 0.1, 20 rows per leaf, 255 bins, no L2, no early
# stopping (scikit-learn would hold out 10 % for it above 10,000 rows): Knobs' gbm case.
GBM = dict(learning_rate=0.1, max_iter=100, max_leaf_nodes=31, min_samples_leaf=20)


def lightgbm_classifier():
    import lightgbm

    if not lightgbm.__version__.startswith(PINNED["lightgbm"]):
        sys.exit(f"lightgbm {lightgbm.__version__}: this script is pinned to {PINNED['lightgbm']}*")
    return lightgbm.LGBMClassifier(
        n_estimators=100,
        learning_rate=0.1,
        num_leaves=31,
        min_child_samples=20,
        min_child_weight=1e-3,
        reg_lambda=0.0,
        max_bin=255,
        subsample=1.0,
        colsample_bytree=1.0,
        n_jobs=1,
        deterministic=True,
        verbose=-1,
    )

CASES = {
    "svc": (20_000, lambda: SVC(C=1.0, gamma=0.1, cache_size=200)),
    "svc100k": (100_000, lambda: SVC(C=1.0, gamma=0.1, cache_size=200)),
    "tree": (200_000, lambda: DecisionTreeClassifier(max_depth=15, random_state=0)),
    "logistic": (200_000, lambda: LogisticRegression(C=1.0, solver="lbfgs")),
    "knn": (200_000, lambda: KNeighborsClassifier(n_neighbors=5, algorithm="kd_tree")),
    "gbm": (
        200_000,
        lambda: HistGradientBoostingClassifier(**GBM, early_stopping=False, random_state=0),
    ),
    "gbm_lightgbm": (200_000, lightgbm_classifier),
}


def load(directory, rows):
    raw = np.loadtxt(directory / f"scale_{rows}.csv", delimiter=",", skiprows=1)
    folds = np.loadtxt(
        directory / f"scale_{rows}.folds.csv", delimiter=",", skiprows=1, dtype=int
    )
    fold = np.empty(len(raw), dtype=int)
    fold[folds[:, 0]] = folds[:, 1]
    return raw[:, :-1], raw[:, -1].astype(int), fold


def evaluate(make, X, y, fold):
    start = time.perf_counter()
    scores = []
    for k in range(fold.max() + 1):
        test = fold == k
        scaler = StandardScaler().fit(X[~test])
        model = make().fit(scaler.transform(X[~test]), y[~test])
        scores.append(float((model.predict(scaler.transform(X[test])) == y[test]).mean()))
    return time.perf_counter() - start, float(np.mean(scores))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", type=Path)
    parser.add_argument("--cases", default="svc,tree,logistic,knn,gbm")
    args = parser.parse_args()
    for module, version in (("sklearn", sklearn.__version__), ("numpy", np.__version__)):
        if not version.startswith(PINNED[module]):
            sys.exit(f"{module} {version}: this script is pinned to {PINNED[module]}*")
    out = {"versions": {"sklearn": sklearn.__version__, "numpy": np.__version__}}
    names = args.cases.split(",")
    if "gbm" in names and "gbm_lightgbm" not in names:
        try:
            import lightgbm  # noqa: F401

            names.append("gbm_lightgbm")
        except ImportError:
            print("lightgbm is not installed: no gbm_lightgbm", file=sys.stderr)
    for name in names:
        rows, make = CASES[name]
        if name == "gbm_lightgbm":
            import lightgbm

            out["versions"]["lightgbm"] = lightgbm.__version__
        X, y, fold = load(args.dir, rows)
        seconds, accuracy = evaluate(make, X, y, fold)
        out[name] = {"seconds": seconds, "accuracy": accuracy}
        print(f"{name}: {seconds:.2f} s, accuracy {accuracy:.4f}", file=sys.stderr)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
