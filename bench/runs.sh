#!/usr/bin/env bash
# Store benchmark: `histcheck runs check --elle list-append` over a detsys store
# of RUNS_N runs (default 1000) of OPS history ops each (default 1000: 500
# client ops by 5 concurrent clients, appends of distinct integers and reads of
# the whole list, all on one key as detsys's rewrite has it). The store is
# written by store/examples/detsys_synth.rs. Times the check without writing
# (--no-write, read-only) and with an Analysis event written per run (on a
# fresh copy of the store each time), RUNS times each (default 3), and prints
# the fastest (this VM is shared and noisy) with CPU time and peak RSS.
#
# Usage: [RUNS=3] [RUNS_N=1000] [OPS=1000] [INTERNAL=0] [BENCH_DIR=dir] bench/runs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
n=${RUNS_N:-1000}
ops=${OPS:-1000}
internal=${INTERNAL:-0}
dir=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$dir"
cargo build --release --quiet -p histcheck
cargo build --release --quiet -p store --example detsys_synth
bin=$PWD/target/release/histcheck
db=$dir/detsys-$n-$ops-$internal.db
if [ ! -f "$db" ]; then
    t0=$(date +%s%N)
    target/release/examples/detsys_synth "$db" --runs "$n" --ops "$ops" --internal "$internal"
    t1=$(date +%s%N)
    echo "wrote $db in $(( (t1 - t0) / 1000000 )) ms"
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
rows=$(sqlite3 "$db" "SELECT count(*) FROM event_log" 2>/dev/null || echo "?")
echo "store: $n runs x $ops ops ($internal internal messages per client op), $rows rows, $(( $(stat -c %s "$db") / 1000000 )) MB; best of $runs"
echo
echo "| command | wall | CPU (user+sys) | peak RSS |"
echo "|---|---|---|---|"
measure() {
    local label=$1 write=$2
    local best="" cpu="" rss=0
    for _ in $(seq "$runs"); do
        local target=$db
        if [ "$write" = 1 ]; then
            target=$dir/copy.db
            rm -f "$target" "$target-wal" "$target-shm"
            cp "$db" "$target"
        fi
        cat "$target" > /dev/null
        local args=(runs check --db "$target" --elle list-append)
        [ "$write" = 1 ] || args+=(--no-write)
        local status=0
        /usr/bin/time -f "%e %U %S %M" -o "$dir/time.txt" "$bin" "${args[@]}" > /dev/null || status=$?
        if [ "$status" -ne 0 ]; then
            echo "error: ${args[*]} exited $status" >&2
            exit 1
        fi
        read -r w u s m < "$dir/time.txt"
        if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$w
            cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
        fi
        [ "$m" -gt "$rss" ] && rss=$m
        if [ "$write" = 1 ]; then
            local got
            got=$(sqlite3 "$target" "SELECT count(*) FROM event_log WHERE event = 'Analysis'" 2>/dev/null || echo "$n")
            [ "$got" = "$n" ] || { echo "error: $got Analysis rows, expected $n" >&2; exit 1; }
        fi
    done
    echo "| $label | $best s | $cpu s | $(( rss / 1024 )) MB |"
}
measure "runs check --elle list-append --no-write" 0
measure "runs check --elle list-append (writes $n Analysis events)" 1
