#!/usr/bin/env bash
# Regenerates the shipped person detector samples/tood_r18_person.onnx with Tood's own tools, from real data:
#   capston2-person train (../shared/datasets/capston2-person: 2,885 photos, CC BY 4.0, "Capston2 v11 by siwookim,
#   Roboflow Universe") + coco128 train2017 persons (../shared/datasets/coco128: 128 photos, COCO annotations CC BY 4.0),
# backbone from the ImageNet ResNet-18 of the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 (MIT;
# `--backbone-weights resnet18-mlnet`). Validation during training uses capston2-person val only; coco128 val2017 is
# used once, to score the exported file with `tood-live val` (never to select). BENCHMARKS.md §8 and §14 have the figures.
#
# Recipe (BENCHMARKS §14 for why): 4 epochs × 369 steps of batch 8 at 320 px, lr 0.01 cosine after 100 warm-up
# iterations, ATSS throughout (--warmup-epochs 4 = all epochs; on this budget TAL did not earn its place, §14).
# About 1 h 40 min on this 2-core machine with one libtorch thread while other work runs.
#
# Long runs: run it in the background and resume after an interruption (kill, reboot) — the run folder keeps
# last.ckpt every 50 steps (--save-every), and RESUME=1 continues from it to the same weights:
#   nohup setsid bash samples/make_person_model.sh > person.log 2>&1 &
#   RESUME=1 nohup setsid bash samples/make_person_model.sh > person.log 2>&1 &
# OMP_NUM_THREADS=1 keeps libtorch from stalling when another process holds a core (BENCHMARKS §10); on an idle
# machine unset it. SCRATCH=1 trains the same model and schedule from random init.
# INIT=MODEL continues from a trained Tood detector (.onnx or .ckpt, e.g. the shipped file) instead of the ImageNet
# backbone: `INIT=samples/tood_r18_person.onnx EPOCHS=3 bash samples/make_person_model.sh` is the continuation measured
# in BENCHMARKS §15 ("More steps of the same recipe"; that run used 50 warm-up iterations, this one 100); it writes
# the run to $WORK/continued.
# INT8_ONLY=1 skips training and export: it only regenerates samples/tood_r18_person.int8.onnx from whatever
# samples/tood_r18_person.onnx holds now (fp16 or fp32) — run it after replacing that file.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-out/person-work}
EPOCHS=${EPOCHS:-4}
SHARED=../shared/datasets
COCO=$SHARED/coco128/data.yaml
CAPSTON=$SHARED/capston2-person/data.yaml
dotnet build Tood.Train -c Release -nologo -v q
dotnet build Tood.Realtime/Tood.Live -c Release -nologo -v q
TRAIN="dotnet Tood.Train/bin/Release/net10.0/Tood.Train.dll"
LIVE="dotnet Tood.Realtime/Tood.Live/bin/Release/net10.0/Tood.Live.dll"
CREDIT="Images and annotations: Capston2 v11 by siwookim, Roboflow Universe, CC BY 4.0 (capston2-person); COCO train2017 (cocodataset.org, annotations CC BY 4.0, images Flickr under the COCO terms of use) via coco128. Backbone: ImageNet ResNet-18 of Microsoft.ML.DnnImageFeaturizer.ResNet18 (MIT). Demo video samples/one-by-one-person-detection.mp4: Intel Corporation, sample-videos, CC BY 4.0"
RESUME_FLAG=(); [[ "${RESUME:-0}" == 1 ]] && RESUME_FLAG=(--resume)
COMMON=(--data "$CAPSTON" --data "$COCO" --split train --val-data "$CAPSTON" --val-split val --classes person --preset r18mlnet
    --epochs "$EPOCHS" --batch 8 --imgsz 320 --lr 0.01 --schedule cosine --warmup-iters 100 --warmup-epochs "$EPOCHS"
    --clip-grad 10 --workers 1 --seed 0 --val-every 1 --log-every 10 --save-every 50 --data-credit "$CREDIT" "${RESUME_FLAG[@]}")
int8() {
    # The int8 file for CPUs (README "INT8 models for CPUs", BENCHMARKS.md §14): static QDQ quantization of the shipped
    # ONNX file itself (fp16 weights are widened to fp32 first; no checkpoint needed), activation ranges from running
    # it on 64 coco128 TRAIN2017 images through the deployment letterbox (minmax; val2017 is never calibrated on), then
    # scored by tood-live val on val2017 like the file it came from. Its metadata records the sha256 of its source, and
    # ShippedPersonModelTests fails until this is re-run after tood_r18_person.onnx changes.
    $TRAIN quantize --model samples/tood_r18_person.onnx --output samples/tood_r18_person.int8.onnx \
        --calibration "$COCO" --calibration-split train --calibration-images 64 --calibration-method minmax
    $LIVE val --model samples/tood_r18_person.int8.onnx --data "$COCO" --split val --json "$WORK/val_int8.json"
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
RUN="$WORK/pretrained"
if [[ -n "${INIT:-}" ]]; then
    RUN="$WORK/continued"
    $TRAIN train "${COMMON[@]}" --init "$INIT" --frozen-stages 1 --out "$RUN"
else
    $TRAIN train "${COMMON[@]}" --backbone-weights resnet18-mlnet --frozen-stages 1 --out "$RUN"
fi
# 384x224 keeps the 16:9 video's aspect (768x432 → 384x216, padded to 224); weights stored as fp16 (half the file).
# BENCHMARKS §8 has the speed/accuracy of the other sizes.
$TRAIN export --checkpoint "$RUN/last.ckpt" --output samples/tood_r18_person.onnx --imgsz 384x224 --batch dynamic --fp16
$LIVE val --model samples/tood_r18_person.onnx --data "$COCO" --split val --json "$WORK/val.json" --plots "$WORK/val_plots"
echo "person model: samples/tood_r18_person.onnx"
int8
