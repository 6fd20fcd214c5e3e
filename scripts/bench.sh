#!/usr/bin/env bash
# Reproduces the figures in BENCHMARKS.md. Usage: scripts/bench.sh [OUTDIR] (default /tmp/tood-bench).
# Builds Release, then runs:
#   1. tood-live bench on the shipped sample model + sample video (the issue's targets), batch 1 and 2, and on
#      a 1280x720 synthetic video with a tiny model exported at 640x640 (MODEL640=... to use another .onnx);
#   2. tood-train bench-train for tiny (the sample model's 256 px / batch 16 recipe) and r18 (320 px / batch 8);
#   3. the BenchmarkDotNet micro-benchmarks.
# Nothing else should run meanwhile: this 2-vCPU machine's speed already drifts by tens of percent
# between runs, which is why every figure that matters is a ratio taken inside one process.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/tood-bench}
mkdir -p "$OUT"
dotnet build Tood.sln -c Release -v q -nologo
LIVE="dotnet Tood.Realtime/Tood.Live/bin/Release/net10.0/Tood.Live.dll"
TRAIN="dotnet Tood.Train/bin/Release/net10.0/Tood.Train.dll"
FRAMES=${FRAMES:-200}

for B in 1 2; do
  $LIVE bench --model samples/tood_tiny_shapes.onnx --source samples/shapes.mp4 --batch $B --frames "$FRAMES" \
    --json "$OUT/sample_b$B.json" | tee "$OUT/sample_b$B.txt"
done

[ -f "$OUT/video720p.mp4" ] || $TRAIN synth --video "$OUT/video720p.mp4" --frames 120 --size 1280 --height 720 --seed 3
MODEL640=${MODEL640:-}
if [ -z "$MODEL640" ]; then
  MODEL640="$OUT/tiny640.onnx"
  if [ ! -f "$MODEL640" ]; then
    # A real checkpoint from a 1-epoch tiny run on 8 synthetic 64 px images (speed only; its detections are few).
    $TRAIN synth --out "$OUT/synth64" --images 8 --size 64
    $TRAIN train --data "$OUT/synth64/annotations.json" --images "$OUT/synth64/images" --out "$OUT/run64" \
      --preset tiny --epochs 1 --batch 4 --imgsz 64 --device cpu --warmup-epochs 0
    $TRAIN export --checkpoint "$OUT/run64/last.ckpt" --output "$MODEL640" --imgsz 640
  fi
fi
$LIVE bench --model "$MODEL640" --source "$OUT/video720p.mp4" --batch 1 --frames 96 --json "$OUT/live640_b1.json" | tee "$OUT/live640_b1.txt"

$TRAIN bench-train --preset tiny --imgsz 256 --batch 16 --steps ${STEPS:-20} --json "$OUT/train_tiny.json" | tee "$OUT/train_tiny.txt"
$TRAIN bench-train --preset r18 --imgsz 320 --batch 8 --steps ${STEPS_R18:-6} --json "$OUT/train_r18.json" | tee "$OUT/train_r18.txt"
dotnet run -c Release --project Tood.Benchmarks --no-build -- --filter '*' --job short --inProcess \
  --artifacts "$OUT/bdn" | tee "$OUT/bdn.txt"
