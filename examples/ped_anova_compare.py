"""Knobs' functional ANOVA of the GP mean beside Optuna 5.0's PED-ANOVA and fANOVA, on the
same trials (a journal Knobs wrote).

    /work/venv-optuna/bin/pip install -r examples/requirements-optuna.txt
    knobs run --objective rosenbrock --strategy sobol --budget 60 --seed 1 --journal /tmp/r.journal
    cargo build --no-default-features --example surrogate_anova
    KNOBS_ANOVA=$CARGO_TARGET_DIR/debug/examples/surrogate_anova \\
        /work/venv-optuna/bin/python examples/ped_anova_compare.py /tmp/r.journal

Optuna reads the journal through `optuna.load_study`, as an Optuna user would. Knobs' numbers
come from `examples/surrogate_anova.rs` (its JSON, or a JSON file given as the second
argument). All three importances are normalised to sum to one over the parameters; Knobs also
prints its pairwise interaction shares (of the GP mean's variance), which the other two do
not estimate.

The three answer different questions: fANOVA decomposes the variance of a random forest's
prediction over the whole space; PED-ANOVA (Watanabe et al., 2023) measures how much each
parameter's distribution among the top 10% of trials differs from its distribution among all
trials (a Pearson divergence of the two Parzen estimates) -- "which parameters matter for being
good" rather than "which explain the variance"; Knobs decomposes the GP's posterior mean. They
agree on which parameters matter when the objective's variation and its good region are driven
by the same parameters, and differ when they are not (see the note in the report).
"""

import json
import os
import subprocess
import sys

import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend


def knobs_anova(journal, given=None):
    if given is not None:
        with open(given) as f:
            return json.load(f)
    binary = os.environ.get("KNOBS_ANOVA")
    if binary is None:
        target = os.environ.get("CARGO_TARGET_DIR", "target")
        binary = os.path.join(target, "debug", "examples", "surrogate_anova")
    out = subprocess.run([binary, journal], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main(journal, given=None):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = JournalStorage(JournalFileBackend(journal))
    names = [s.study_name for s in optuna.get_all_study_summaries(storage)]
    if len(names) != 1:
        sys.exit(f"{journal} holds {len(names)} studies: {names}")
    study = optuna.load_study(study_name=names[0], storage=storage)
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    ped = optuna.importance.get_param_importances(
        study, evaluator=optuna.importance.PedAnovaImportanceEvaluator(), normalize=True
    )
    fan = optuna.importance.get_param_importances(
        study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0), normalize=True
    )
    knobs = knobs_anova(journal, given)
    ours = dict(zip(knobs["params"], knobs["main_normalised"]))
    print(
        f"study {study.study_name!r}: {len(complete)} complete trials, direction "
        f"{study.direction.name}; optuna {optuna.__version__}"
    )
    truth = knobs.get("truth_main_normalised")
    head = "| parameter | Knobs fANOVA of GP mean | Optuna fANOVA (RF) | Optuna PED-ANOVA |"
    rule = "|---|---|---|---|"
    if truth is not None:
        head += " true function's fANOVA |"
        rule += "---|"
    print(head)
    print(rule)
    for k, p in enumerate(knobs["params"]):
        row = f"| {p} | {ours.get(p, float('nan')):.3f} | {fan.get(p, float('nan')):.3f} | {ped.get(p, float('nan')):.3f} |"
        if truth is not None:
            row += f" {truth[k]:.3f} |"
        print(row)
    pairs = ", ".join(f"{a}×{b} {s:.3f}" for (a, b), s in ((q["params"], q["share"]) for q in knobs["pairs"]))
    print(f"Knobs interactions (share of the GP mean's variance): {pairs}; higher-order {knobs['higher_order']:.3f}")
    if knobs.get("truth_pairs") is not None:
        true_pairs = ", ".join(f"{a}×{b} {s:.3f}" for (a, b), s in ((q["params"], q["share"]) for q in knobs["truth_pairs"]))
        print(f"true function's interactions: {true_pairs}")
    print(f"Knobs leave-one-out: {100 * knobs['loo_inside_95']:.0f}% of trials inside their 95% interval, r = {knobs['loo_correlation']:.3f}")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: ped_anova_compare.py JOURNAL [KNOBS_ANOVA.json]")
    main(*sys.argv[1:])
