#!/usr/bin/env bash
# Byte-identity check between two tood-live builds (issue 23, BENCHMARKS §16): runs both over the same inputs and
# flags — the demo video with tracking and every sink, mp4v with a stride, coco128 val2017 as an image folder, two
# streams — and compares every output file with cmp (the logs only by their non-timing lines).
# usage: scripts/compare_outputs.sh BEFORE/Tood.Live.dll AFTER/Tood.Live.dll OUTDIR [MODEL.onnx]
set -uo pipefail
cd "$(dirname "$0")/.."
A=$1; B=$2; OUT=$3; M=${4:-samples/tood_r18_person.onnx}
V=samples/one-by-one-person-detection.mp4
IMG=../shared/datasets/coco128/images/val2017
runs() {
    local live="dotnet $1" o=$2; mkdir -p "$o"
    $live --source $V --model $M --track --trails 8 --save-json $o/track.jsonl --save-csv $o/track.csv --save-mot $o/track.mot.txt --output $o/track.mp4 --codec h264 --batch 4 > $o/track.log 2>&1
    $live --source $V --model $M --output $o/mp4v.mp4 --codec mp4v --save-json $o/mp4v.jsonl --vid-stride 3 > $o/mp4v.log 2>&1
    $live --source $IMG --model $M --output $o/images --save-json $o/images.jsonl --save-csv $o/images.csv --save-coco $o/images.coco.json --conf 0.05 > $o/images.log 2>&1
    $live --source $V --source $V --model $M --batch 2 --vid-stride 5 --output "$o/multi_{i}.mp4" --codec h264 --save-json "$o/multi_{i}.jsonl" --save-csv "$o/multi_{i}.csv" > $o/multi.log 2>&1
}
runs "$A" "$OUT/a"; runs "$B" "$OUT/b"
n=0; bad=0
while IFS= read -r f; do
    n=$((n + 1)); cmp -s "$OUT/a/$f" "$OUT/b/$f" || { echo "differs: $f"; bad=$((bad + 1)); }
done < <(cd "$OUT/a" && find . -type f ! -name '*.log' | sort)
echo "$n files compared, $bad differ"
[ "$bad" -eq 0 ]
