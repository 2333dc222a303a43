"""Optuna 5.0's side of crates/knobs-core/examples/bench_storage.rs: trials a second through
its RDB storage on SQLite and PostgreSQL on a near-instant objective (random search on
Branin, one process, one thread), and the seconds to open a 10,000-trial study
(`optuna.load_study` then `study.trials`, what a dashboard or a resume does).

    python examples/bench_storage_optuna.py --dir DIR [--trials 300] [--big 10000] [--pg URL]
    python examples/bench_storage_optuna.py --dir DIR --workers 1,4,16 [--trials 1000] [--pg URL]

With --workers, the side of crates/knobs-core/examples/bench_workers.rs instead: N worker
processes running `study.optimize` on one study in the same storage (Optuna's way to use
several processes), trials a second over the whole run including the processes' start.

Requires the versions in examples/requirements-optuna.txt (psycopg for PostgreSQL).
"""

import argparse
import math
import os
import time

import optuna


def branin(trial):
    x = trial.suggest_float("x", -5.0, 10.0)
    y = trial.suggest_float("y", 0.0, 15.0)
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


def throughput(url, trials):
    name = f"throughput {os.getpid()}"
    study = optuna.create_study(study_name=name, storage=url, sampler=optuna.samplers.RandomSampler(seed=1))
    t0 = time.perf_counter()
    study.optimize(branin, n_trials=trials)
    return trials / (time.perf_counter() - t0)


def _worker(url, name, n_trials, seed):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=name, storage=url, sampler=optuna.samplers.RandomSampler(seed=seed))
    study.optimize(branin, n_trials=n_trials)


def workers_throughput(url, trials, n):
    """Trials a second of `trials` trials shared by `n` processes on one study."""
    import multiprocessing

    name = f"workers {n} {os.getpid()}"
    optuna.create_study(study_name=name, storage=url, sampler=optuna.samplers.RandomSampler(seed=1))
    ctx = multiprocessing.get_context("spawn")
    shares = [trials // n + (1 if i < trials % n else 0) for i in range(n)]
    t0 = time.perf_counter()
    procs = [ctx.Process(target=_worker, args=(url, name, k, i + 1)) for i, k in enumerate(shares)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        assert p.exitcode == 0, p.exitcode
    seconds = time.perf_counter() - t0
    done = len(optuna.load_study(study_name=name, storage=url).trials)
    assert done == trials, done
    return trials / seconds


def opening(url, big):
    name = f"open {os.getpid()}"
    study = optuna.create_study(study_name=name, storage=url, sampler=optuna.samplers.RandomSampler(seed=1))
    dists = {
        "x": optuna.distributions.FloatDistribution(-5.0, 10.0),
        "y": optuna.distributions.FloatDistribution(0.0, 15.0),
    }
    sampler = optuna.samplers.RandomSampler(seed=2)
    trials = []
    for i in range(big):
        x, y = -5.0 + 15.0 * ((i * 0.618) % 1.0), 15.0 * ((i * 0.414) % 1.0)
        trials.append(optuna.trial.create_trial(params={"x": x, "y": y}, distributions=dists, value=x + y))
    study.add_trials(trials)
    del sampler
    t0 = time.perf_counter()
    loaded = optuna.load_study(study_name=name, storage=url)
    n = len(loaded.trials)
    seconds = time.perf_counter() - t0
    assert n == big, n
    return seconds


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--dir", default=".")
    p.add_argument("--trials", type=int, default=300)
    p.add_argument("--big", type=int, default=10_000)
    p.add_argument("--pg")
    p.add_argument("--workers", help="comma-separated process counts, e.g. 1,4,16")
    a = p.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rows = [("sqlite", f"sqlite:///{os.path.abspath(os.path.join(a.dir, f'optuna-bench-{os.getpid()}.db'))}")]
    if a.pg:
        rows.append(("postgresql", a.pg))
    print(f"optuna {optuna.__version__}")
    if a.workers:
        counts = [int(n) for n in a.workers.split(",")]
        print(f"optuna workers, {a.trials} trials of random search on Branin: trials/s")
        print("storage     " + "  ".join(f"{n:>4} workers" for n in counts))
        for name, url in rows:
            rates = [workers_throughput(url, a.trials, n) for n in counts]
            print(f"{name:<11} " + " ".join(f"{r:>12.1f}" for r in rates))
        raise SystemExit(0)
    print(f"storage     trials/s ({a.trials} trials, 1 job)   open {a.big} trials (s)")
    for name, url in rows:
        rate = throughput(url, a.trials)
        opened = opening(url, a.big)
        print(f"{name:<11} {rate:>10.1f}                     {opened:>8.3}")
