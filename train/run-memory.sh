#!/usr/bin/env bash
# Trains chapter 7's models at once on one GPU (docs/training.md): a smoke stage first (every piece on small inputs; a
# failure stops the run), then every run of memory_tasks.py RUNS in parallel until the same deadline, each scoring and
# exporting its own model. Everything under the work folder is packed into OUT_DIR/memory-runs.tar every 30 s, so a
# run cut short still returns what it has.
#   bash train/run-memory.sh OUT_DIR [TRAIN_END_S] [EVAL_END_S]
# TRAIN_END_S and EVAL_END_S count from the start of this script (defaults 330 and 400): training stops at the first,
# no held-out point starts after the second, and everything is killed 40 s later.
set -uo pipefail
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
out=${1:?usage: run-memory.sh OUT_DIR [TRAIN_END_S] [EVAL_END_S]}
here=$(cd "$(dirname "$0")" && pwd)
start=$(date +%s)
train_end=$((start + ${2:-330}))
eval_end=$((start + ${3:-400}))
hard_end=$((eval_end + 40))
work=$(mktemp -d)
mkdir -p "$out"
pack() { tar -C "$work" --warning=no-file-changed -cf "$out/memory-runs.tar.tmp" . ; mv -f "$out/memory-runs.tar.tmp" "$out/memory-runs.tar"; }
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv,noheader > "$work/gpu.txt" 2>&1 || true
python3 -c "import torch, transformers, triton; print(torch.__version__, transformers.__version__, triton.__version__)" >> "$work/gpu.txt" 2>&1
cat "$work/gpu.txt"

PYTHONUNBUFFERED=1 timeout $((hard_end - $(date +%s))) python3 "$here/memory_tasks.py" smoke --out "$work/smoke" > "$work/smoke.out" 2>&1
status=$?
tail -n 5 "$work/smoke.out"
if [ $status -ne 0 ]; then
  echo "smoke stage failed ($status); no training"
  pack
  exit 1
fi
echo "smoke passed after $(( $(date +%s) - start )) s"

names=$(python3 -c "import sys; sys.path.insert(0, '$here'); import memory_tasks; print(' '.join(memory_tasks.RUNS))")
for name in $names; do
  PYTHONUNBUFFERED=1 timeout $((hard_end - $(date +%s))) python3 "$here/memory_tasks.py" train --name "$name" --out "$work/$name" \
    --train-until "$train_end" --eval-until "$eval_end" > "$work/$name.out" 2>&1 &
done
( while sleep 30; do pack; done ) &
packer=$!
wait $(jobs -p | grep -v "^$packer$")
kill "$packer" 2>/dev/null
for name in $names; do
  echo "== $name"; grep -E '"event": "(steps|trained|done)"|"held_out"' "$work/$name.out" | cut -c1-300
done
pack
echo "done after $(( $(date +%s) - start )) s"
