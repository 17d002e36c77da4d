#!/usr/bin/env bash
# Trains the character-level models at once on one GPU (docs/training.md), each for MINUTES of training, then packs
# what comes back: per run, the float16-rounded weights (final/), the log, and the resume state.
#   bash train/run-char-lm.sh OUT_DIR [MINUTES] [more char_lm.py options, e.g. for a smoke test]
# Runs: the selective model at dropout 0.1 and 0.2 (the one with the better validation score ships) and the LTI twin.
# The corpus must be built first (npm run data:corpus) and lie in data/corpus/prose.
set -euo pipefail
out=${1:?usage: run-char-lm.sh OUT_DIR [MINUTES]}
minutes=${2:-6}
work=$(mktemp -d)
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader || true
declare -A runs=([selective]="--variant selective --dropout 0.1" [selective-dropout2]="--variant selective --dropout 0.2" [lti]="--variant lti --dropout 0.1")
for name in "${!runs[@]}"; do
  # shellcheck disable=SC2086
  PYTHONUNBUFFERED=1 python3 train/char_lm.py ${runs[$name]} --out "$work/$name" --max-minutes "$minutes" "${@:3}" \
    > "$work/$name.out" 2>&1 &
done
wait
for name in "${!runs[@]}"; do
  tail -n 2 "$work/$name.out"
  tar -C "$work/$name" -cf "$out/char-$name.tar" final log.jsonl last-f32.safetensors
  cp "$work/$name/optimizer.pt" "$out/char-$name-optimizer.pt"
done
