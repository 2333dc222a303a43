"""The seed chapter's three tuning examples, run with the tools it names, on the folds Knobs uses.

The chapter tunes an RBF SVC's C and gamma three ways, on data it leaves unnamed:
  1. GridSearchCV over C in [0.1, 1, 10] and gamma in [1, 0.1, 0.01];
  2. RandomizedSearchCV with C ~ uniform(0.1, 10) and gamma ~ uniform(0.01, 1), scipy's
     uniform(loc, scale), i.e. C on [0.1, 10.1] and gamma on [0.01, 1.01], 10 draws (the default);
  3. bayes_opt's BayesianOptimization over C in (0.1, 10), gamma in (0.01, 1), random_state=1,
     maximize(init_points=5, n_iter=10).
Here every one of them scores a point the way Knobs does: mean accuracy over the five
bundled reference folds of breast_cancer (assets/datasets/breast_cancer.folds.csv), with a
StandardScaler fitted on each split's training rows. The chapter's examples pass no seed to the
random search, so it is run with seeds 0-9 (and bayes_opt with the chapter's seed 1 and with
0-9), to give means that Knobs' runs of the same sessions with the same seeds can stand beside.

Run from the repository root with the scikit-learn venv (versions: examples/requirements-seed.txt):
    /work/venv-sk/bin/python examples/seed_examples.py [--out results.json]
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
from bayes_opt import BayesianOptimization
from scipy.stats import uniform
from sklearn.model_selection import GridSearchCV, PredefinedSplit, RandomizedSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

DATA = Path(__file__).resolve().parent.parent / "assets" / "datasets"
SEEDS = range(10)


def load(name):
    raw = np.loadtxt(DATA / f"{name}.csv", delimiter=",", skiprows=1)
    folds = np.loadtxt(DATA / f"{name}.folds.csv", delimiter=",", skiprows=1, dtype=int)
    if not (folds[:, 0] == np.arange(len(raw))).all():
        raise SystemExit(f"{name}.folds.csv does not list the rows in order")
    return raw[:, :-1], raw[:, -1].astype(int), folds[:, 1]


def pipeline():
    return Pipeline([("scale", StandardScaler()), ("svc", SVC(kernel="rbf"))])


def grid(X, y, fold):
    search = GridSearchCV(
        pipeline(),
        {"svc__C": [0.1, 1, 10], "svc__gamma": [1, 0.1, 0.01]},
        cv=PredefinedSplit(fold),
        scoring="accuracy",
        refit=False,
    )
    search.fit(X, y)
    trials = [
        {"C": p["svc__C"], "gamma": p["svc__gamma"], "accuracy": float(s)}
        for p, s in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"])
    ]
    return {
        "best_params": {k.removeprefix("svc__"): v for k, v in search.best_params_.items()},
        "best_score": float(search.best_score_),
        "trials": trials,
    }


def random_search(X, y, fold, seed):
    search = RandomizedSearchCV(
        pipeline(),
        {"svc__C": uniform(0.1, 10), "svc__gamma": uniform(0.01, 1)},
        n_iter=10,
        cv=PredefinedSplit(fold),
        scoring="accuracy",
        refit=False,
        random_state=seed,
    )
    search.fit(X, y)
    return {
        "seed": seed,
        "best_params": {k.removeprefix("svc__"): float(v) for k, v in search.best_params_.items()},
        "best_score": float(search.best_score_),
    }


def cv_accuracy(X, y, fold, C, gamma):
    accs = []
    for k in range(fold.max() + 1):
        train, test = fold != k, fold == k
        scaler = StandardScaler().fit(X[train])
        model = SVC(kernel="rbf", C=C, gamma=gamma).fit(scaler.transform(X[train]), y[train])
        accs.append(float(np.mean(model.predict(scaler.transform(X[test])) == y[test])))
    return float(np.mean(accs))


def bayes(X, y, fold, seed):
    optimizer = BayesianOptimization(
        f=lambda C, gamma: cv_accuracy(X, y, fold, C, gamma),
        pbounds={"C": (0.1, 10), "gamma": (0.01, 1)},
        random_state=seed,
        verbose=0,
    )
    optimizer.maximize(init_points=5, n_iter=10)
    return {
        "seed": seed,
        "best_params": {k: float(v) for k, v in optimizer.max["params"].items()},
        "best_score": float(optimizer.max["target"]),
        "trials": len(optimizer.res),
    }


def summary(runs):
    scores = [r["best_score"] for r in runs]
    return {"mean": statistics.mean(scores), "min": min(scores), "max": max(scores)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="breast_cancer")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    X, y, fold = load(args.dataset)
    started = time.perf_counter()
    randoms = [random_search(X, y, fold, s) for s in SEEDS]
    bayes_runs = [bayes(X, y, fold, s) for s in SEEDS]
    result = {
        "dataset": args.dataset,
        "grid": grid(X, y, fold),
        "random": {"runs": randoms, "best_of_seed": summary(randoms)},
        "bayes_opt": {
            "chapter_seed_1": bayes(X, y, fold, 1),
            "runs": bayes_runs,
            "best_of_seed": summary(bayes_runs),
        },
        "seconds": time.perf_counter() - started,
    }
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    g = result["grid"]
    print(f"grid: best {g['best_score']:.6f} at {g['best_params']}")
    r = result["random"]["best_of_seed"]
    print(f"random (seeds 0-9, 10 draws): best mean {r['mean']:.6f}, min {r['min']:.6f}, max {r['max']:.6f}")
    b = result["bayes_opt"]
    print(
        f"bayes_opt (seed 1): best {b['chapter_seed_1']['best_score']:.6f} at "
        f"{b['chapter_seed_1']['best_params']}; seeds 0-9 mean {b['best_of_seed']['mean']:.6f}, "
        f"min {b['best_of_seed']['min']:.6f}, max {b['best_of_seed']['max']:.6f}"
    )


if __name__ == "__main__":
    main()
