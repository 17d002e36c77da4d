#!/usr/bin/env bash
# Trains both character-level models at once on one GPU (docs/training.md), each for MINUTES of training,
# then packs what comes back: per variant, the float16-rounded weights (final/), the log, and the resume state.
#   bash train/run-char-lm.sh OUT_DIR [MINUTES] [more char_lm.py options, e.g. for a smoke test]
# The corpus must be built first (npm run data:corpus) and lie in data/corpus/brown.
set -euo pipefail
out=${1:?usage: run-char-lm.sh OUT_DIR [MINUTES]}
minutes=${2:-6}
work=$(mktemp -d)
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader || true
for variant in selective lti; do
  PYTHONUNBUFFERED=1 python3 train/char_lm.py --variant "$variant" --out "$work/$variant" --max-minutes "$minutes" "${@:3}" \
    > "$work/$variant.out" 2>&1 &
done
wait
for variant in selective lti; do
  tail -n 3 "$work/$variant.out"
  tar -C "$work/$variant" -cf "$out/char-$variant.tar" final log.jsonl last-f32.safetensors
  cp "$work/$variant/optimizer.pt" "$out/char-$variant-optimizer.pt"
done
