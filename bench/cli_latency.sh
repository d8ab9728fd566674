#!/usr/bin/env bash
# One-shot process latency: `vflow fire` (open, load, step, journal, commit, exit) next to the
# sqlite3 shell doing one INSERT into a WAL database, in the same run. Prints mean ms and ratio.
#   bench/cli_latency.sh [RUNS]   (default 100)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100}
vflow=${VFLOW_BUILD_DIR:-build}/vflow
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

export VFLOW_DB=$dir/cli.db
"$vflow" deploy tests/flows/valid/counter.flow >/dev/null
"$vflow" start Counter --id C-1 >/dev/null
sqlite3 "$dir/floor.db" "PRAGMA journal_mode=WAL; CREATE TABLE j (gseq INTEGER PRIMARY KEY, body TEXT);" >/dev/null

now_ns() { date +%s%N; }

start=$(now_ns)
for ((i = 0; i < runs; i++)); do
  "$vflow" fire C-1 bump by=1 --event-id "e-$i" >/dev/null
done
vflow_ns=$(( $(now_ns) - start ))

start=$(now_ns)
for ((i = 0; i < runs; i++)); do
  sqlite3 "$dir/floor.db" "INSERT INTO j (body) VALUES ('$(printf '%0420d' "$i")');"
done
sqlite_ns=$(( $(now_ns) - start ))

awk -v v="$vflow_ns" -v s="$sqlite_ns" -v n="$runs" 'BEGIN {
  printf "vflow fire (one process per event):   %.2f ms\n", v / n / 1e6
  printf "sqlite3 shell (one INSERT per process): %.2f ms\n", s / n / 1e6
  printf "ratio: %.2fx\n", v / s
}'
