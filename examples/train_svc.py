"""Tune a scikit-learn SVC with Knobs, reporting a learning curve as it trains:
knobs run --command "python3 examples/train_svc.py" --param C=0.01..1000:log \
  --param gamma=1e-5..1e-1:log --direction maximize --strategy gp --budget 16 --jobs 2 --window 2"""
import json, sys
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC
p = json.load(sys.stdin)  # the same values are in argv (--C 1.2 …) and $KNOBS_PARAMS_JSON
X, y = load_digits(return_X_y=True)
scores = []
for step, (tr, te) in enumerate(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y), 1):
    scores.append(SVC(C=p["C"], gamma=p["gamma"]).fit(X[tr], y[tr]).score(X[te], y[te]))
    print(json.dumps({"step": step, "value": sum(scores) / len(scores)}), flush=True)
print(json.dumps({"attr": "folds_run", "value": len(scores)}))
print(json.dumps({"value": sum(scores) / len(scores)}))
