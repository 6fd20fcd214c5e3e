#!/usr/bin/env bash
# Several streams in one process against as many separate processes (issue 17; BENCHMARKS.md §12).
# Usage: scripts/bench_multistream.sh [OUTDIR] (default /tmp/tood-multistream). Needs a Release build
# (dotnet build Tood.Tests -c Release) and ffmpeg. For 1, 2 and 4 streams of the real camera video
# (../shared/videos/one-by-one-person-detection.mp4, cut to FRAMES / LIVE_FRAMES frames) and the README quickstart's model:
#   file mode: every frame, as fast as possible — one process with --batch 1 and with --batch N, vs N processes;
#   live mode: --realtime replays each copy at its 10 fps as a camera — one process with --batch N, vs N processes.
# Each line: wall time of the whole set (process start to the last exit), frames/wall, and the per-stream
# latency (capture → overlay drawn) and drop share from the run summaries. All rows come from one run of this
# script, so compare rows within it: the machine's speed drifts between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/tood-multistream}
FRAMES=${FRAMES:-300}
LIVE_FRAMES=${LIVE_FRAMES:-150}
MODEL=${MODEL:-samples/tood_tiny_shapes.onnx}
VIDEO=${VIDEO:-../shared/videos/one-by-one-person-detection.mp4}
LIVE="dotnet Tood.Realtime/Tood.Live/bin/Release/net10.0/Tood.Live.dll"
mkdir -p "$OUT"
ffmpeg -v error -y -i "$VIDEO" -frames:v "$FRAMES" -c copy "$OUT/clip.mp4"
ffmpeg -v error -y -i "$VIDEO" -frames:v "$LIVE_FRAMES" -c copy "$OUT/clip_live.mp4"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# Parses the run summaries in the given files: total frames, the per-stream latency mean / p95 averaged over the
# streams (the "stream k" lines of a run with several sources, else each run's latency line), dropped share.
stats() {
  local frames dc lat
  frames=$(grep -hE '^[0-9]+ frames in ' "$@" | awk '{ s += $1 } END { print s + 0 }')
  dc=$(grep -hoE '^[0-9]+ frames in .*' "$@" | grep -oE '[0-9]+ dropped of [0-9]+ captured' | awk '{ d += $1; c += $4 } END { printf "%.1f", (c > 0 ? 100 * d / c : 0) }')
  if grep -qE '^stream [0-9]+ ' "$@"; then lat=$(grep -hE '^stream [0-9]+ ' "$@"); else lat=$(grep -hE '^latency capture' "$@"); fi
  lat=$(echo "$lat" | grep -oE 'mean [0-9.]+ ms, p95 [0-9.]+' | awk '{ m += $2; p += $5; n++ } END { printf "%.1f %.1f", m / n, p / n }')
  echo "$frames $lat $dc"
}

row() { # mode streams layout batch wall files...
  local mode=$1 n=$2 layout=$3 batch=$4 wall=$5; shift 5
  read -r frames lat p95 drop <<<"$(stats "$@")"
  printf "| %s | %d | %s | %s | %.1f | %d | %.1f | %.0f | %.0f | %.0f %% |\n" "$mode" "$n" "$layout" "$batch" "$wall" "$frames" \
    "$(awk -v f="$frames" -v w="$wall" 'BEGIN { print f / w }')" "$lat" "$p95" "$drop" | tee -a "$OUT/table.md"
}

echo "| mode | streams | layout | --batch | wall s | frames | frames / wall s | latency mean ms | latency p95 ms | dropped |" | tee "$OUT/table.md"
echo "|---|---|---|---|---|---|---|---|---|---|" | tee -a "$OUT/table.md"

for mode in file live; do
  clip="$OUT/clip.mp4"; extra=()
  if [ $mode = live ]; then clip="$OUT/clip_live.mp4"; extra=(--realtime); fi
  for n in 1 2 4; do
    srcs=(); for ((k = 1; k <= n; k++)); do srcs+=(--source "$clip"); done
    batches=("$n"); if [ $mode = file ] && [ "$n" -gt 1 ]; then batches=(1 "$n"); fi
    for b in "${batches[@]}"; do
      t0=$(now)
      $LIVE "${srcs[@]}" "${extra[@]}" --model "$MODEL" --batch "$b" --save-json "$OUT/${mode}_n${n}_b${b}_{i}.jsonl" > "$OUT/${mode}_n${n}_b${b}.txt" 2> "$OUT/${mode}_n${n}_b${b}.log"
      row $mode "$n" "1 process" "$b" "$(since "$t0")" "$OUT/${mode}_n${n}_b${b}.txt"
    done
    if [ "$n" -gt 1 ]; then
      t0=$(now); pids=(); files=()
      for ((k = 1; k <= n; k++)); do
        f="$OUT/${mode}_n${n}_sep$k"
        $LIVE --source "$clip" "${extra[@]}" --model "$MODEL" --save-json "$f.jsonl" > "$f.txt" 2> "$f.log" & pids+=($!)
        files+=("$f.txt")
      done
      for p in "${pids[@]}"; do wait "$p"; done
      row $mode "$n" "$n processes" 1 "$(since "$t0")" "${files[@]}"
    fi
  done
done
echo "table: $OUT/table.md"
