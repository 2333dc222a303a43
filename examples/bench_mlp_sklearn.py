"""scikit-learn's MLPClassifier on digits with the anchors' folds: the other side of
crates/knobs-core/examples/bench_mlp.rs (issue 14, item 1).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /work/venv-sk/bin/python \
        examples/bench_mlp_sklearn.py /work/shared/anchors/datasets > /tmp/mlp_sk.json

Pinned versions: examples/requirements-mlp.txt. Prints one JSON object:

- "epoch_ms": per configuration, milliseconds per epoch of `fit` on split 0's training rows
  (standardised as the anchors do), the median over `--reps` fits of (fit time / epochs);
  `fit` is all an epoch is (no validation pass: early_stopping is off, and `tol=0` with
  `n_iter_no_change` above `max_iter` makes every fit run exactly `max_iter` epochs).
- "accuracy": per configuration and seed (`random_state`), the 5-fold mean test accuracy
  after the configuration's epochs.

The configurations are the ones the Rust side runs: hidden units, hidden layers, batch
size, Adam with learning rate 1e-3, `alpha` (scikit-learn's L2 penalty, which it divides
by the batch size: Knobs' `weight_decay` is `alpha / batch_size`) and epochs.
"""

import argparse
import json
import os
import sys
import time
import warnings

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

# name, hidden units, hidden layers, batch size, alpha, epochs
CONFIGS = [
    ("h64_b32", 64, 1, 32, 1e-4, 20),
    ("h256_b16", 256, 1, 16, 1e-4, 20),
    ("h128x3_b64", 128, 3, 64, 1e-4, 20),
]


def load(folder):
    data = np.loadtxt(os.path.join(folder, "digits.csv"), delimiter=",", skiprows=1)
    folds = np.loadtxt(os.path.join(folder, "digits.folds.csv"), delimiter=",", skiprows=1, dtype=int)
    x, y = data[:, :-1], data[:, -1].astype(int)
    fold = np.empty(len(y), dtype=int)
    fold[folds[:, 0]] = folds[:, 1]
    return x, y, fold


def split(x, y, fold, k):
    train, test = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
    scaler = StandardScaler().fit(x[train])
    return scaler.transform(x[train]), y[train], scaler.transform(x[test]), y[test]


def model(hidden, layers, batch, alpha, epochs, seed):
    return MLPClassifier(
        hidden_layer_sizes=(hidden,) * layers,
        activation="relu",
        solver="adam",
        learning_rate_init=1e-3,
        alpha=alpha,
        batch_size=batch,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        shuffle=True,
        random_state=seed,
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("datasets", help="the anchors' datasets folder (digits.csv, digits.folds.csv)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    x, y, fold = load(args.datasets)
    splits = [split(x, y, fold, k) for k in range(5)]
    out = {"sklearn": sklearn.__version__, "numpy": np.__version__, "epoch_ms": {}, "accuracy": {}}
    with threadpool_limits(limits=1):
        for name, hidden, layers, batch, alpha, epochs in CONFIGS:
            xt, yt, _, _ = splits[0]
            per_epoch = []
            for rep in range(args.reps):
                clf = model(hidden, layers, batch, alpha, epochs, rep)
                t0 = time.perf_counter()
                clf.fit(xt, yt)
                per_epoch.append((time.perf_counter() - t0) * 1e3 / clf.n_iter_)
            out["epoch_ms"][name] = float(np.median(per_epoch))
            accs = []
            for seed in range(args.seeds):
                scores = []
                for xt, yt, xs, ys in splits:
                    clf = model(hidden, layers, batch, alpha, epochs, seed).fit(xt, yt)
                    scores.append(float((clf.predict(xs) == ys).mean()))
                accs.append(float(np.mean(scores)))
            out["accuracy"][name] = accs
            print(name, out["epoch_ms"][name], accs, file=sys.stderr)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
