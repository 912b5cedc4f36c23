#!/usr/bin/env bash
# Records the end-to-end output of every command on the fixtures and the corpus:
# one file per invocation holding its exit code, stdout and stderr. Run it with
# the binary before and after a refactor and `diff -r` the two directories; a
# refactor that changes no behaviour leaves them byte-identical.
#
#   bench/golden.sh BIN OUTDIR
#
# The corpus (../shared/corpus) is used when present. Time-dependent output
# (progress bars) never appears: stdout and stderr are files, not a terminal.
set -uo pipefail
bin=$(realpath "$1")
out=$(realpath -m "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$root/../shared/corpus
rm -rf "$out" && mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
run() { # run NAME ARGS...  (runs from $work, so relative paths in output are stable)
    local name=$1
    shift
    n=$((n + 1))
    local f="$out/$(printf '%04d' $n)-$name"
    (cd "$work" && "$bin" "$@" >"$f.stdout" 2>"$f.stderr")
    echo "exit $? :: $*" >"$f.cmd"
    # Paths of the temporary directory and of the repo vary between runs.
    sed -i -E -e "s#$work#WORK#g" -e "s#$root#ROOT#g" -e "s#[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}#TIME#g" "$f.stdout" "$f.stderr" "$f.cmd"
}
cp -r "$root/fixtures" "$work/fixtures"
[ -d "$corpus" ] && cp -r "$corpus" "$work/corpus"
cd "$work"

# elle on every fixture, text and JSON, and with the options that change output.
for f in fixtures/*.edn fixtures/*.json fixtures/elle/* fixtures/elle-rw/*.edn fixtures/bad/*; do
    b=$(basename "$f")
    run "elle-$b" elle "$f"
    run "elle-json-$b" elle --json "$f"
done
run elle-list-models elle --list-models
run elle-models-si elle -c snapshot-isolation fixtures/elle/la-06-g2.edn
run elle-info-reads elle --info-reads fixtures/elle/info-reads-g2.edn
run elle-several elle fixtures/elle/la-01-g0.edn fixtures/elle/la-02-g1a.edn fixtures/list-append-small.edn
run elle-several-json elle --json fixtures/elle/la-01-g0.edn fixtures/elle/la-06-g2.edn
run elle-missing elle nope.edn
run elle-empty-c elle -c "" fixtures/elle/la-01-g0.edn
for f in fixtures/*.edn fixtures/*.json fixtures/bad/*; do
    b=$(basename "$f")
    run "stats-$b" stats "$f"
    run "stats-json-$b" stats --json "$f"
    for to in edn json jsonl plume; do run "convert-$to-$b" convert "$f" --to $to; done
done
run convert-lossy-json convert fixtures/lossy.edn --to json
run convert-to-file convert fixtures/list-append-small.edn --to json -o conv.json
run convert-file-back convert conv.json --to edn
run convert-over-input convert conv.json --to edn -o ./conv.json
run convert-into-dir convert conv.json --to edn -o fixtures
run convert-plume-refused convert fixtures/list-append-small.edn --to plume -o conv.txt
run stats-stdin-missing stats missing.edn

# gen: deterministic by seed.
for lvl in serializable snapshot-isolation read-committed; do
    run "gen-la-$lvl" gen list-append --txns 200 --seed 7 --isolation "$lvl"
    run "gen-rw-$lvl" gen rw-register --txns 200 --seed 7 --isolation "$lvl"
done
run gen-trace gen trace --steps 200 --seed 3
run gen-trace-cluster gen trace --kind cluster --steps 300 --seed 3 --violations leader-overlap=0.3,missed-deadline=0.1
run gen-la-help gen list-append --help
run gen-la-faults gen list-append --txns 300 --seed 11 --faults stale-read=0.02,aborted-read=0.02,crash=0.02 --expect expect.json -o gen-la.edn
[ -f expect.json ] && cp expect.json "$out/gen-la-expect.json"
run elle-gen-fault elle gen-la.edn
run elle-gen-fault-json elle --json gen-la.edn

# ltl on the fixtures.
for t in fixtures/ltl/*.jsonl; do
    b=$(basename "$t")
    run "ltl-spec-$b" ltl --spec fixtures/ltl/cluster.spec "$t"
    run "ltl-spec-json-$b" ltl --json --spec fixtures/ltl/cluster.spec "$t"
    run "ltl-always-$b" ltl 'always (time >= 0)' "$t"
done
run ltl-bad-formula ltl 'always (x >' fixtures/ltl/cluster.jsonl
run ltl-eventually ltl --json 'eventually (state.n1.role == "leader")' fixtures/ltl/cluster.jsonl
run ltl-strict ltl --end strict 'eventually false' fixtures/ltl/cluster.jsonl

# runs: a store written by the example, then every runs subcommand.
db=$work/store.db
if [ -x "$root/target/release/examples/detsys_synth" ]; then
    "$root/target/release/examples/detsys_synth" "$db" --register >/dev/null 2>&1
    run runs-list runs list --db "$db"
    run runs-list-json runs list --db "$db" --json
    run runs-check runs check --db "$db" --no-write --elle rw-register
    run runs-check-json runs check --db "$db" --json --no-write --elle rw-register -j 1
    run runs-check-la runs check --db "$db" --no-write --elle list-append -c serializable
    run runs-check-write runs check --db "$db" --elle rw-register --spec fixtures/ltl/cluster.spec
    run runs-show-after runs show --db "$db" --test-id 0 --run-id 2
    run runs-show-json runs show --db "$db" --test-id 0 --run-id 2 --json
    run runs-check-ltl runs check --db "$db" --no-write --ltl 'always true'
    run runs-show runs show --db "$db" --test-id 0 --run-id 1
    run runs-trace runs trace --db "$db" --test-id 0 --run-id 1
    run ltl-db ltl --db "$db" --test-id 0 --run-id 1 'always true'
    run runs-import runs import --db "$db" fixtures/elle/la-01-g0.edn
    run runs-list-after runs list --db "$db"
fi

# The corpus: elle and stats on every transactional history.
if [ -d corpus ]; then
    for f in $(find corpus/list-append corpus/rw-register -type f \( -name '*.edn' -o -name '*.json' \) | sort); do
        b=$(echo "$f" | tr / _)
        run "elle-$b" elle "$f"
        run "elle-json-$b" elle --json "$f"
        run "stats-$b" stats --json "$f"
    done
    for f in corpus/isolation-text/*.txt; do
        b=$(basename "$f")
        run "elle-plume-$b" elle --format plume "$f"
        run "elle-plume-seq-$b" elle --format plume --sequential-keys "$f"
    done
    for f in $(find corpus/linearizability -type f -name '*.edn' | sort | head -40); do
        b=$(echo "$f" | tr / _)
        run "elle-lin-$b" elle "$f"
    done
fi
echo "golden: $n invocations recorded in $out"
