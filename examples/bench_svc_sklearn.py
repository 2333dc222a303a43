"""scikit-learn's side of `cargo run --release --example bench_svc`.

Times the same objective as Knobs' SVC benchmark (mean 5-fold accuracy of an RBF SVC on
standardised folds, the bundled reference folds) with scikit-learn's SVC: one evaluation
at a few (C, gamma) points on breast_cancer and digits (median of repeats; scaling done
once beforehand, as the anchors' bench_svc.py does), and the anchors' 49-point 7x7 grid on
digits, one evaluation after another in one process.  Single-threaded BLAS, like the
anchors.  Writes JSON to stdout.

Run with the anchors' environment:
    cp -r ../shared/anchors /tmp/anchors && /tmp/anchors/setup.sh
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /tmp/anchors/.venv/bin/python \
        examples/bench_svc_sklearn.py > /tmp/sklearn_svc.json
"""

import json
import os
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "assets" / "datasets"
POINTS = [(1.0, 0.01), (10.0, 0.001), (100.0, 0.1), (1000.0, 0.0001)]
REPEATS = 3


def splits(name):
    raw = np.loadtxt(DATA / f"{name}.csv", delimiter=",", skiprows=1)
    X, y = raw[:, :-1], raw[:, -1].astype(int)
    fold = np.loadtxt(DATA / f"{name}.folds.csv", delimiter=",", skiprows=1, dtype=int)[:, 1]
    out = []
    for k in range(fold.max() + 1):
        tr, te = fold != k, fold == k
        sc = StandardScaler().fit(X[tr])
        out.append((sc.transform(X[tr]), y[tr], sc.transform(X[te]), y[te]))
    return out


def evaluate(sp, c, gamma):
    accs = [SVC(kernel="rbf", C=c, gamma=gamma).fit(a, b).score(t, u) for a, b, t, u in sp]
    return float(np.mean(accs))


def main():
    result = {"sklearn": sklearn.__version__, "per_eval": {}, "grid": {}}
    for name in ["breast_cancer", "digits"]:
        sp = splits(name)
        rows = []
        for c, g in POINTS:
            times = []
            for _ in range(REPEATS):
                t0 = time.perf_counter()
                value = evaluate(sp, c, g)
                times.append(time.perf_counter() - t0)
            rows.append({"C": c, "gamma": g, "value": value, "seconds": sorted(times)[REPEATS // 2]})
        result["per_eval"][name] = rows
    sp = splits("digits")
    t0 = time.perf_counter()
    values = [evaluate(sp, float(c), float(g)) for c in np.logspace(-2, 3, 7) for g in np.logspace(-4, 1, 7)]
    result["grid"]["digits"] = {"seconds": time.perf_counter() - t0, "best": max(values), "trials": len(values)}
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
