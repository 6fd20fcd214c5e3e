#!/usr/bin/env bash
# BENCHMARKS.md §14, in one run: the fp32 reference of the shipped person model, then `tood-live bench` comparing
# fp32 / int8 / the shipped fp16 file (interleaved rounds), then `tood-live val` of each on coco128 val2017.
# The int8 file is samples/tood_r18_person.int8.onnx (INT8_ONLY=1 samples/make_person_model.sh makes it).
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out/int8-bench}
mkdir -p "$OUT"
TRAIN="dotnet Tood.Train/bin/Release/net10.0/Tood.Train.dll"
LIVE="dotnet Tood.Realtime/Tood.Live/bin/Release/net10.0/Tood.Live.dll"
DATA=../shared/datasets/coco128/data.yaml
$TRAIN quantize --fp32 --model samples/tood_r18_person.onnx --output "$OUT/person.fp32.onnx"
$LIVE bench --model "$OUT/person.fp32.onnx" --model samples/tood_r18_person.int8.onnx --model samples/tood_r18_person.onnx \
  --source samples/one-by-one-person-detection.mp4 --frames 60 --rounds 3 --json "$OUT/bench_compare.json" | tee "$OUT/bench_compare.txt"
for m in "$OUT/person.fp32.onnx" samples/tood_r18_person.int8.onnx samples/tood_r18_person.onnx; do
  $LIVE val --model "$m" --data "$DATA" --split val --device cpu --json "$OUT/val_$(basename "$m" .onnx).json" | grep "Average Precision" | head -3
done
