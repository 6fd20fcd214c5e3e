#!/usr/bin/env bash
# Reproduces the figures in BENCHMARKS.md. Usage: scripts/bench.sh [OUTDIR] (default /tmp/tood-bench).
# Builds Release, makes a 1280x720 synthetic video and (unless MODEL is set) a random-weight tiny model
# exported at 640x640, then runs tood-live bench (batch 1 and 4), tood-train bench-train and the
# BenchmarkDotNet micro-benchmarks. Everything runs at nice 10.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/tood-bench}
mkdir -p "$OUT"
N="nice -n 10"
$N dotnet build Tood.sln -c Release -v q -nologo
LIVE="$N dotnet Tood.Realtime/bin/Release/net10.0/Tood.Realtime.dll"
TRAIN="$N dotnet Tood.Train/bin/Release/net10.0/Tood.Train.dll"

[ -f "$OUT/video720p.mp4" ] || $TRAIN synth --video "$OUT/video720p.mp4" --frames 120 --size 1280 --height 720 --seed 3
MODEL=${MODEL:-}
if [ -z "$MODEL" ]; then
  MODEL="$OUT/tiny640.onnx"
  if [ ! -f "$MODEL" ]; then
    # A real checkpoint from a 1-epoch tiny run on 8 synthetic 64 px images (weights barely trained: speed only).
    $TRAIN synth --out "$OUT/synth64" --images 8 --size 64
    $TRAIN train --data "$OUT/synth64/annotations.json" --images "$OUT/synth64/images" --out "$OUT/run64" \
      --preset tiny --epochs 1 --batch 4 --imgsz 64 --device cpu --warmup-epochs 0
    $TRAIN export --checkpoint "$OUT/run64/last.ckpt" --output "$MODEL" --imgsz 640
  fi
fi
for B in 1 4; do
  $LIVE bench --model "$MODEL" --source "$OUT/video720p.mp4" --batch $B --frames ${FRAMES:-96} --json "$OUT/live_b$B.json" | tee "$OUT/live_b$B.txt"
done
$TRAIN bench-train --preset tiny --imgsz 320 --batch 8 --steps ${STEPS:-8} --json "$OUT/train_tiny.json" | tee "$OUT/train_tiny.txt"
$N dotnet run -c Release --project Tood.Benchmarks --no-build -- --filter '*' --job short --inProcess \
  --artifacts "$OUT/bdn" | tee "$OUT/bdn.txt"
