#!/usr/bin/env bash
# Regenerates the shipped person detector samples/tood_r18_person.onnx with Tood's own tools, from real data:
# coco128 train2017 (../shared/datasets/coco128, YOLO layout; COCO annotations CC BY 4.0), person class only
# (61 images, 254 boxes), backbone initialised from the ImageNet ResNet-18 of the NuGet package
# Microsoft.ML.DnnImageFeaturizer.ResNet18 (MIT; `--backbone-weights resnet18-mlnet`). coco128 val2017 is used only
# to report (validation at epochs 32 and 64; the last checkpoint is exported, never a "best" one), then the exported
# ONNX file itself is scored by `tood-live val`. BENCHMARKS.md §8 has the figures and the scratch baseline.
#   SCRATCH=1 trains the same model and schedule from random init (BENCHMARKS.md "pretrained vs scratch").
#   INT8_ONLY=1 skips training and export: it only regenerates samples/tood_r18_person.int8.onnx from whatever
#   samples/tood_r18_person.onnx holds now (fp16 or fp32) — run it after replacing that file.
#   OMP_NUM_THREADS=1 is what made training robust on a shared 2-core machine (libtorch's 2-thread barriers stall
#   when another process holds a core); on an idle machine leave it unset.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-out/person-work}
EPOCHS=${EPOCHS:-64}
DATA=../shared/datasets/coco128/data.yaml
dotnet build Tood.Train -c Release -nologo -v q
dotnet build Tood.Realtime/Live -c Release -nologo -v q
TRAIN="dotnet Tood.Train/bin/Release/net10.0/Tood.Train.dll"
LIVE="dotnet Tood.Realtime/Live/bin/Release/net10.0/Tood.Live.dll"
CREDIT="Images and annotations: COCO train2017 (cocodataset.org, annotations CC BY 4.0, images Flickr under the COCO terms of use) via coco128. Backbone: ImageNet ResNet-18 of Microsoft.ML.DnnImageFeaturizer.ResNet18 (MIT). Demo video samples/one-by-one-person-detection.mp4: Intel Corporation, sample-videos, CC BY 4.0"
COMMON=(--data "$DATA" --split train --val-data "$DATA" --val-split val --classes person --preset r18mlnet
    --epochs "$EPOCHS" --batch 8 --imgsz 320 --lr 0.01 --schedule cosine --warmup-iters 100 --warmup-epochs 12
    --clip-grad 10 --workers 1 --seed 0 --val-every 32 --log-every 8 --data-credit "$CREDIT")
int8() {
    # The int8 file for CPUs (README "INT8 models for CPUs", BENCHMARKS.md §14): static QDQ quantization of the shipped
    # ONNX file itself (fp16 weights are widened to fp32 first; no checkpoint needed), activation ranges from running
    # it on 64 coco128 TRAIN2017 images through the deployment letterbox (minmax; val2017 is never calibrated on), then
    # scored by tood-live val on val2017 like the file it came from. Its metadata records the sha256 of its source, and
    # ShippedPersonModelTests fails until this is re-run after tood_r18_person.onnx changes.
    $TRAIN quantize --model samples/tood_r18_person.onnx --output samples/tood_r18_person.int8.onnx \
        --calibration "$DATA" --calibration-split train --calibration-images 64 --calibration-method minmax
    $LIVE val --model samples/tood_r18_person.int8.onnx --data "$DATA" --split val --json "$WORK/val_int8.json"
    echo "int8 person model: samples/tood_r18_person.int8.onnx"
}
if [[ "${INT8_ONLY:-0}" == 1 ]]; then
    mkdir -p "$WORK"
    int8
    exit 0
fi
if [[ "${SCRATCH:-0}" == 1 ]]; then
    $TRAIN train "${COMMON[@]}" --frozen-stages -1 --backbone-norm train --out "$WORK/scratch"
    exit 0
fi
$TRAIN train "${COMMON[@]}" --backbone-weights resnet18-mlnet --frozen-stages 1 --out "$WORK/pretrained"
# 320x192 keeps the 16:9 video's aspect (768x432 → 320x180, padded to 192); weights stored as fp16 (half the file).
$TRAIN export --checkpoint "$WORK/pretrained/last.ckpt" --output samples/tood_r18_person.onnx --imgsz 320x192 --batch dynamic --fp16
$LIVE val --model samples/tood_r18_person.onnx --data "$DATA" --split val --json "$WORK/val.json" --plots "$WORK/val_plots"
echo "person model: samples/tood_r18_person.onnx"
int8
