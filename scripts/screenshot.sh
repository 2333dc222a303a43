#!/usr/bin/env bash
# Run the real app under Xvfb on a session, let it run a moment, and save a PNG of the screen.
# Usage: scripts/screenshot.sh OUT.png [SESSION.ron] [SECONDS]
# Needs (Debian): xvfb libgl1-mesa-dri libegl1 imagemagick (and optionally xdotool)
set -euo pipefail
out=${1:?usage: scripts/screenshot.sh OUT.png [SESSION.ron] [SECONDS]}
session=${2:-}
wait_s=${3:-6}
cd "$(dirname "$0")/.."
# KNOBS_BIN=target/debug/knobs skips the release build; KNOBS_TAB=race opens on that tab.
bin=${KNOBS_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet --bin knobs
  bin=${CARGO_TARGET_DIR:-./target}/release/knobs
fi
# The app is killed at the end, as in a crash: its run journal would be left beside the
# session and in the recovery folder. Run on a copy in a temporary folder, with its own data
# folder (so also no remembered tab or recent list), and the repository stays clean.
scratch=$(mktemp -d)
if [ -n "$session" ]; then
  cp "$session" "$scratch/"
  session=$scratch/$(basename "$session")
fi
export XDG_DATA_HOME=$scratch/data
display=:$(( (RANDOM % 400) + 100 ))
Xvfb "$display" -screen 0 1280x800x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $app $xvfb 2>/dev/null || true; sleep 1; rm -rf "$scratch"' EXIT
sleep 1
DISPLAY=$display LIBGL_ALWAYS_SOFTWARE=1 "$bin" gui $session --run ${KNOBS_TAB:+--tab "$KNOBS_TAB"} &
app=$!
sleep "$wait_s"
# Park the pointer in a corner so no plot shows a hover label (xdotool is optional).
if command -v xdotool >/dev/null 2>&1; then
  DISPLAY=$display xdotool mousemove 1279 799 || true
  sleep 1
fi
DISPLAY=$display import -window root "$out"
echo "wrote $out"
