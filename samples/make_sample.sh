#!/usr/bin/env bash
# Regenerates the shipped sample model and video from scratch with Tood's own tools
# (tood-train synth / train / export). Deterministic data; training takes ~20 min on a 2-core CPU
# (19 min 26 s for the shipped model, BENCHMARKS.md "Training the tiny preset").
#   samples/tood_tiny_shapes.onnx  — tiny preset, T-Head + TAL, 6 shape classes, input 320×256
#   samples/shapes.mp4 (+ shapes.json ground truth) — 100 frames of moving shapes, 320×256
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-out/sample-work}
EPOCHS=${EPOCHS:-30}
dotnet build Tood.sln -c Release -nologo -v q
TRAIN="dotnet Tood.Train/bin/Release/net10.0/Tood.Train.dll"
$TRAIN synth --out "$WORK/train" --images 2000 --size 256 --seed 1
$TRAIN synth --out "$WORK/val" --images 200 --size 256 --seed 2
$TRAIN train --data "$WORK/train/annotations.json" --images "$WORK/train/images" \
    --val-data "$WORK/val/annotations.json" --val-images "$WORK/val/images" \
    --preset tiny --epochs "$EPOCHS" --batch 16 --imgsz 256 --out "$WORK/run" \
    --warmup-epochs 3 --warmup-iters 100 --lr 0.03 --clip-grad 10 --schedule cosine --workers 2 --seed 0 --val-every 5
$TRAIN eval --checkpoint "$WORK/run/last.ckpt" --data "$WORK/val/annotations.json" --images "$WORK/val/images" --out "$WORK/val_stats.json"
$TRAIN export --checkpoint "$WORK/run/last.ckpt" --output samples/tood_tiny_shapes.onnx --imgsz 320x256 --batch dynamic
$TRAIN synth --video samples/shapes.mp4 --frames 100 --size 320 --height 256 --seed 7
echo "sample model: samples/tood_tiny_shapes.onnx; sample video: samples/shapes.mp4"
