#!/bin/sh
# A learning curve without a framework, for trying pruners: `--x V` sets a quality
# q = 1 - (V - 0.3)^2, and 20 "epochs" report q * (1 - e^(-k/4)) as {"step": k, "value": v};
# the last line is the final value. Every curve has the same shape, so the best final value
# is also the best at every step: a pruner should never stop the best trial.
x=$2
k=1
while [ "$k" -le 20 ]; do
  awk -v x="$x" -v k="$k" 'BEGIN { q = 1 - (x - 0.3)^2; printf "{\"step\": %d, \"value\": %.6f}\n", k, q * (1 - exp(-k / 4)) }'
  k=$((k + 1))
done
awk -v x="$x" 'BEGIN { q = 1 - (x - 0.3)^2; printf "%.6f\n", q * (1 - exp(-20 / 4)) }'
