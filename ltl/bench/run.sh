#!/usr/bin/env bash
# The histcheck ltl benchmark: RUNS=5 ltl/bench/run.sh [STEPS]
# Generates the traces with ltl/examples/gen_trace.rs (into target/ltl-bench/),
# then times the release binary end to end (read + parse + evaluate + proof) with
# /usr/bin/time, and prints the best wall time of RUNS and the CPU time of that run.
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS=${1:-1000000}
RUNS=${RUNS:-5}
DIR=target/ltl-bench
mkdir -p "$DIR"
cargo build --release --quiet --bin histcheck
cargo build --release --quiet -p ltl --example gen_trace
for kind in pq rr; do
  [ -s "$DIR/$kind-$STEPS.jsonl" ] || target/release/examples/gen_trace "$kind" "$STEPS" > "$DIR/$kind-$STEPS.jsonl"
done
bench() {
  local name=$1 formula=$2 file=$3
  local best="" line
  for _ in $(seq "$RUNS"); do
    line=$( { /usr/bin/time -f "%e %U %S %M" target/release/histcheck ltl "$formula" "$file" > /dev/null || true; } 2>&1 | tail -1)
    if [ -z "$best" ] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN{exit !(a<b)}'; then best=$line; fi
  done
  read -r wall user sys rss <<< "$best"
  local size
  size=$(stat -c %s "$file")
  awk -v n="$name" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v st="$STEPS" -v sz="$size" 'BEGIN{
    printf "%-4s %9d steps %7.1f MB  wall %.2f s (%.1fM steps/s)  cpu %.2f s  rss %d MB\n", n, st, sz/1e6, w, st/w/1e6, u+s, r/1024 }'
}
bench pq 'always (state.p -> eventually state.q)' "$DIR/pq-$STEPS.jsonl"
bench pq10 'always (state.p -> eventually[..10] state.q)' "$DIR/pq-$STEPS.jsonl"
bench rr 'always (event.kind == "request" -> bind w. eventually (event.kind == "response" && event.id == w.event.id && time - w.time <= 100))' "$DIR/rr-$STEPS.jsonl"
