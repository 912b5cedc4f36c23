#!/usr/bin/env bash
# Scaling benchmark of the release binary, per stage, under /usr/bin/time -v.
#
# Generates strictly serializable list-append histories of 10k, 100k and 1M
# transactions (16 processes, 1-6 micro-ops, keys retired after 32 appends) and
# a 1M-step cluster trace with `histcheck gen`, timing the generation itself;
# then reads each history with `histcheck stats`. Rows for `histcheck elle`
# (on the same histories) and `histcheck ltl` (on the trace) are added when
# those commands exist in the binary. Each command runs RUNS times (default 3)
# and the fastest run is reported (this VM is shared and noisy); peak RSS is the
# largest seen. Prints a Markdown table, then the scaling of each stage:
# 10x the transactions must cost at most 12x the time.
#
# Usage: [RUNS=3] [SIZES="10000 100000 1000000"] [STEPS=1000000] [BENCH_DIR=dir] bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
sizes=${SIZES:-"10000 100000 1000000"}
steps=${STEPS:-1000000}
dir=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$dir"
cargo build --release --quiet -p histcheck
bin=$PWD/target/release/histcheck

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "best of $runs runs; peak RSS is the largest seen; throughput is of the file written or read"
echo

have_elle=0
"$bin" elle --help > /dev/null 2>&1 && have_elle=1
have_ltl=0
"$bin" ltl --help > /dev/null 2>&1 && have_ltl=1

secs=0
rss_kb=0
# timed CMD...: sets secs (best wall time of $runs) and rss_kb (largest peak RSS).
timed() {
    secs=""
    rss_kb=0
    local status=0
    for _ in $(seq "$runs"); do
        status=0
        local t0 t1
        t0=$(date +%s%N)
        /usr/bin/time -v "$@" > /dev/null 2> "$dir/time.txt" || status=$?
        t1=$(date +%s%N)
        # Exit 1 (violation found) and 3 (inconclusive, e.g. pending) are results,
        # not failures of the benchmark.
        if [ "$status" -eq 2 ] || [ "$status" -gt 3 ]; then
            echo "error: $* exited $status" >&2
            tail -5 "$dir/time.txt" >&2
            exit 1
        fi
        local s r
        # Wall time from the clock (ns), not time -v's 10 ms resolution.
        s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b-a)/1e9 }')
        r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time.txt")
        if [ -z "$secs" ] || awk -v a="$s" -v b="$secs" 'BEGIN { exit !(a < b) }'; then secs=$s; fi
        if [ "$r" -gt "$rss_kb" ]; then rss_kb=$r; fi
    done
    return 0
}

declare -A times
# row STAGE INPUT COUNT UNIT BYTES
row() {
    awk -v st="$1" -v inp="$2" -v n="$3" -v u="$4" -v b="$5" -v s="$secs" -v r="$rss_kb" 'BEGIN {
        printf "| %s | %s | %.1f MB | %.3f s | %.0f MB/s, %.2fM %s/s | %.0f MB |\n",
            st, inp, b/1e6, s, b/1e6/s, n/s/1e6, u, r*1024/1e6 }'
    times["$1 $3"]=$secs
    return 0
}

echo "| stage | input | size | wall | throughput | peak RSS |"
echo "|---|---|---|---|---|---|"
for n in $sizes; do
    f=$dir/la-$n.edn
    timed "$bin" gen list-append --txns "$n" --processes 16 --keys 8 --mops 6 --max-writes-per-key 32 -o "$f"
    row "gen list-append" "$n txns, EDN" "$n" txns "$(stat -c %s "$f")"
done
for n in $sizes; do
    f=$dir/la-$n.edn
    cat "$f" > /dev/null
    timed "$bin" stats "$f"
    row "stats" "$n txns, EDN" "$n" txns "$(stat -c %s "$f")"
done
if [ "$have_elle" = 1 ]; then
    for n in $sizes; do
        f=$dir/la-$n.edn
        timed "$bin" elle "$f"
        row "elle" "$n txns, EDN" "$n" txns "$(stat -c %s "$f")"
    done
fi
t=$dir/cluster-$steps.jsonl
timed "$bin" gen trace --kind cluster --steps "$steps" -o "$t"
row "gen trace" "$steps steps, cluster" "$steps" steps "$(stat -c %s "$t")"
if [ "$have_ltl" = 1 ]; then
    pq=$dir/props-$steps.jsonl
    [ -s "$pq" ] || "$bin" gen trace --kind props --props p=0.3,q=0.2 --steps "$steps" -o "$pq"
    timed "$bin" ltl 'always (state.p -> eventually state.q)' "$pq"
    row "ltl: always (p -> eventually q)" "$steps steps, props" "$steps" steps "$(stat -c %s "$pq")"
    # Every request answered within 50 ms (times are in ns), by a response with its id.
    timed "$bin" ltl --time-unit ns 'always (event.kind == "request" -> bind w. eventually (event.kind == "response" && event.id == w.event.id && time - w.time <= 50000000))' "$t"
    row "ltl: request/response bind" "$steps steps, cluster" "$steps" steps "$(stat -c %s "$t")"
fi
[ "$have_elle" = 1 ] || echo "| elle | not in this build yet | | | | |"
[ "$have_ltl" = 1 ] || echo "| ltl | not in this build yet | | | | |"

echo
echo "scaling (time ratio for 10x the transactions; must be <= 12):"
stages=("gen list-append" "stats")
[ "$have_elle" = 1 ] && stages+=("elle")
fail=0
for st in "${stages[@]}"; do
    prev=""
    for n in $sizes; do
        cur=${times["$st $n"]}
        if [ -n "$prev" ]; then
            ratio=$(awk -v a="$cur" -v b="$prev" 'BEGIN { printf "%.1f", a/b }')
            ok=$(awk -v r="$ratio" 'BEGIN { print (r <= 12) ? "ok" : "TOO SLOW" }')
            echo "- $st: $pn -> $n txns: ${ratio}x ($ok)"
            [ "$ok" = ok ] || fail=1
        fi
        prev=$cur
        pn=$n
    done
done
exit $fail
