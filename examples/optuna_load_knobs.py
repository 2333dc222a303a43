"""Load a study Knobs wrote to an SQL storage with Optuna 5.0, as a user of Optuna would.

    python examples/optuna_load_knobs.py sqlite:///runs/study.db "study name"
    python examples/optuna_load_knobs.py postgresql://knobs@/db?host=/socket/dir "study name"

Prints the trial count, the number complete and the best value (the test
`tests/storage_sql.rs` compares them with Knobs' run), then each trial as Optuna sees it.
Requires the versions in examples/requirements-optuna.txt (psycopg for PostgreSQL).
"""

import sys

import optuna

if __name__ == "__main__":
    url, name = sys.argv[1], sys.argv[2]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=name, storage=url)
    trials = study.trials
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    print(f"optuna {optuna.__version__} loaded `{name}` from {url.split('?')[0]}")
    print(f"trials {len(trials)} complete {len(complete)} best {study.best_value!r}")
    system = study._storage.get_study_system_attrs(study._study_id)
    print(f"direction {study.direction.name}, Knobs definition stored: {'knobs:study' in system}")
    for t in trials[:3]:
        print(t.number, t.state.name, t.value, t.params, t.datetime_start)
