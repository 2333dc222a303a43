"""Optuna's side of the pruning benchmark (issue 14, item 6): the problem of
crates/knobs-core/examples/bench_pruning.rs, tuned by Optuna 5.0 with and without pruners.

    /work/venv-optuna/bin/python examples/bench_pruning_optuna.py \
        /work/shared/anchors/datasets > /tmp/pruning_optuna.json
    cargo run --release -p knobs-core --example bench_pruning -- --optuna /tmp/pruning_optuna.json

Pinned versions: examples/requirements-optuna.txt (scikit-learn and its dependencies are
listed there too). One thread (BLAS and OpenMP limited to 1), trials one after another.

The problem, as the Rust side has it: scikit-learn's `MLPClassifier` (one ReLU hidden
layer, Adam, shuffled mini-batches) on digits with the anchors' five folds, each split
standardised on its training rows. Space: `learning_rate` 1e-4..1e-1 log, `hidden_units`
16..256 int log, `batch_size` 16..256 int log, `weight_decay` 1e-6..1e-2 log (scikit-learn's
`alpha` is `weight_decay * batch_size`: it divides its penalty's gradient by the batch, see
examples/bench_mlp_sklearn.py). A trial trains the five splits in step, one `partial_fit`
epoch each, reports the mean validation accuracy after every epoch and asks the pruner;
at most 20 epochs. 40 trials, seeds 0..--seeds, TPE (`TPESampler(seed=...)`) and random
(`RandomSampler(seed=...)`) each with no pruner, `MedianPruner()` and
`SuccessiveHalvingPruner()` at their defaults (5 startup trials; rungs at 1, 4, 16 with
reduction factor 4), which are Knobs' defaults too.

Prints one JSON object: per "sampler/pruner", per seed: best accuracy, epochs spent (one
epoch = one pass of all five splits, as Knobs counts a trial's resource), pruned trials and
wall seconds.
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
import optuna  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

MAX_EPOCHS = 20


def load(folder):
    data = np.loadtxt(os.path.join(folder, "digits.csv"), delimiter=",", skiprows=1)
    folds = np.loadtxt(os.path.join(folder, "digits.folds.csv"), delimiter=",", skiprows=1, dtype=int)
    x, y = data[:, :-1], data[:, -1].astype(int)
    fold = np.empty(len(y), dtype=int)
    fold[folds[:, 0]] = folds[:, 1]
    splits = []
    for k in range(5):
        train, test = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
        scaler = StandardScaler().fit(x[train])
        splits.append((scaler.transform(x[train]), y[train], scaler.transform(x[test]), y[test]))
    return splits, np.unique(y)


def objective_for(splits, classes, counter):
    def objective(trial):
        lr = trial.suggest_float("learning_rate", 1e-4, 1e-1, log=True)
        hidden = trial.suggest_int("hidden_units", 16, 256, log=True)
        batch = trial.suggest_int("batch_size", 16, 256, log=True)
        decay = trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True)
        nets = [
            MLPClassifier(
                hidden_layer_sizes=(hidden,),
                activation="relu",
                solver="adam",
                learning_rate_init=lr,
                alpha=decay * batch,
                batch_size=batch,
                shuffle=True,
                random_state=trial.number * 5 + k,
            )
            for k in range(len(splits))
        ]
        score = float("nan")
        for epoch in range(1, MAX_EPOCHS + 1):
            scores = []
            for net, (xt, yt, xs, ys) in zip(nets, splits):
                net.partial_fit(xt, yt, classes=classes)
                scores.append(float((net.predict(xs) == ys).mean()))
            score = float(np.mean(scores))
            counter["epochs"] += 1
            trial.report(score, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return score

    return objective


def pruner_named(name):
    return {
        "none": optuna.pruners.NopPruner,
        "median": optuna.pruners.MedianPruner,
        "asha": optuna.pruners.SuccessiveHalvingPruner,
    }[name]()


def sampler_named(name, seed):
    return {"random": optuna.samplers.RandomSampler, "tpe": optuna.samplers.TPESampler}[name](seed=seed)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("datasets", help="the anchors' datasets folder (digits.csv, digits.folds.csv)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--samplers", default="tpe,random")
    parser.add_argument("--pruners", default="none,median,asha")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    splits, classes = load(args.datasets)
    out = {
        "optuna": optuna.__version__,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "trials": args.trials,
        "runs": {},
    }
    with threadpool_limits(limits=1):
        for sampler in args.samplers.split(","):
            for pruner in args.pruners.split(","):
                runs = []
                for seed in range(args.seeds):
                    counter = {"epochs": 0}
                    study = optuna.create_study(
                        direction="maximize",
                        sampler=sampler_named(sampler, seed),
                        pruner=pruner_named(pruner),
                    )
                    t0 = time.perf_counter()
                    study.optimize(objective_for(splits, classes, counter), n_trials=args.trials)
                    seconds = time.perf_counter() - t0
                    pruned = sum(t.state == optuna.trial.TrialState.PRUNED for t in study.trials)
                    run = {
                        "seed": seed,
                        "best": study.best_value,
                        "epochs": counter["epochs"],
                        "pruned": pruned,
                        "seconds": seconds,
                    }
                    runs.append(run)
                    print(f"{sampler}/{pruner}", run, file=sys.stderr, flush=True)
                out["runs"][f"{sampler}/{pruner}"] = runs
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
