"""Load a journal written by Knobs with real Optuna, as an Optuna user would.

    python -m venv /tmp/venv-optuna && /tmp/venv-optuna/bin/pip install -r examples/requirements-optuna.txt
    knobs run --objective branin --strategy tpe --budget 20 --seed 1 --save /tmp/b.ron   # writes /tmp/b.journal
    /tmp/venv-optuna/bin/python examples/optuna_load_journal.py /tmp/b.journal

Prints the study's trials through `optuna.load_study`, its best trial, Knobs' study definition
(a study system attribute), and exits 1 if anything does not load.
"""

import json
import sys

import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend


def main(path, name=None):
    storage = JournalStorage(JournalFileBackend(path))
    if name is None:
        names = [s.study_name for s in optuna.get_all_study_summaries(storage)]
        if len(names) != 1:
            sys.exit(f"{path} holds {len(names)} studies: {names}; name one")
        name = names[0]
    study = optuna.load_study(study_name=name, storage=storage)
    print(f"optuna {optuna.__version__}: study {study.study_name!r}, direction {study.direction.name}")
    counts = {}
    for t in study.trials:
        counts[t.state.name] = counts.get(t.state.name, 0) + 1
    print(f"{len(study.trials)} trials: {counts}")
    for t in study.trials[:5]:
        knobs = t.system_attrs.get("knobs:trial", {})
        print(f"  trial {t.number} (knobs #{knobs.get('number')}): {t.state.name} value={t.value} params={t.params}")
    best = study.best_trial
    print(f"best: trial {best.number} value={best.value} params={best.params}")
    # Study.system_attrs is gone in Optuna 5; the storage still serves them.
    system_attrs = storage.get_study_system_attrs(storage.get_study_id_from_name(name))
    definition = system_attrs.get("knobs:study")
    if definition is not None:
        print("knobs:study:", json.dumps({k: definition[k] for k in ("objective", "strategy", "seed", "budget")}))
    print("last run:", system_attrs.get("knobs:last_run"))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: optuna_load_journal.py JOURNAL [STUDY_NAME]")
    main(*sys.argv[1:])
