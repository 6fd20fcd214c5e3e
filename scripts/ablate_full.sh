#!/usr/bin/env bash
# The four cells of the paper's Table 3 / Table 6 (T-Head + TAL, T-Head + ATSS, parallel head + TAL, parallel head
# + ATSS) at small scale on the synthetic shapes data: same data, seed, budget, schedule and warm-up for every cell,
# only the head and the assigner differ (what Tood.Train/Training/Ablation.cs runs for `ablate --full`: the TAL
# cells use ATSS for the first WARMUP epochs, the ATSS cells for every epoch). Each cell's last checkpoint is
# evaluated on the held-out split. BENCHMARKS.md "Table 3, all four cells" has the results of:
#   TRAIN=path/to/Tood.Train scripts/ablate_full.sh
set -euo pipefail
TRAIN=${TRAIN:-"dotnet run -c Release --project Tood.Train --"}
OUT=${OUT:-out/ablate-full}
EPOCHS=${EPOCHS:-6}
WARMUP=${WARMUP:-2}
IMAGES=${IMAGES:-600}

$TRAIN synth --out "$OUT/data/train" --images "$IMAGES" --size 256 --seed 1
$TRAIN synth --out "$OUT/data/val" --images 200 --size 256 --seed 2
for cell in tood_tal:tood:$WARMUP tood_atss:tood:$EPOCHS parallel_tal:parallel:$WARMUP parallel_atss:parallel:$EPOCHS; do
  IFS=: read -r name head warm <<< "$cell"
  start=$(date +%s)
  $TRAIN train --data "$OUT/data/train/annotations.json" --images "$OUT/data/train/images" \
    --preset tiny --head "$head" --epochs "$EPOCHS" --warmup-epochs "$warm" --batch 16 --imgsz 256 --lr 0.03 \
    --warmup-iters 50 --schedule cosine --clip-grad 10 --workers 1 --seed 0 --out "$OUT/$name"
  echo "$name train_seconds $(( $(date +%s) - start ))" | tee -a "$OUT/train_seconds.txt"
  $TRAIN eval --checkpoint "$OUT/$name/last.ckpt" --data "$OUT/data/val/annotations.json" \
    --images "$OUT/data/val/images" --imgsz 256 --out "$OUT/$name/val_stats.json"
done
