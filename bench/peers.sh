#!/usr/bin/env bash
# vflow next to its peers, measured in the same run in interleaved rounds, every ratio of issue 14
# with its min / median / max over the rounds:
#   - the in-memory step (the incident's hold/resume loop) against the same loop written by hand
#     for Boost.MSM (bench/msm_bench.cpp) and in XState 5;
#   - a policy decision in memory (runtime/decisions.hpp) against json-rules-engine 7 and the
#     runtime's own dry run;
#   - a durable fire, CPU-bound (the database in /dev/shm), against raw SQLite's INSERT + UPDATE
#     per transaction; group commit (100 events per transaction) against the same rows 100 per
#     transaction.
# XState and json-rules-engine come from the npm registry (installed once into the build
# directory) when node is present; without node their rows are left out.
# Usage: bench/peers.sh [ROUNDS]   (default 5; builds with scripts/build.sh when needed)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
build=${VFLOW_BUILD_DIR:-build}
bench=$build/bench
if [ ! -x "$bench/vflow_bench_runtime" ] || [ ! -x "$bench/vflow_bench_msm" ]; then
  bash scripts/build.sh >&2
fi
npm_dir=$build/bench-npm
have_node=0
if command -v node >/dev/null && command -v npm >/dev/null; then
  if [ ! -d "$npm_dir/node_modules/xstate" ] || [ ! -d "$npm_dir/node_modules/json-rules-engine" ]; then
    npm install --prefix "$npm_dir" --no-audit --no-fund --silent xstate@5 json-rules-engine@7 >&2 ||
      echo "peers: could not install xstate and json-rules-engine from npm" >&2
  fi
  if [ -d "$npm_dir/node_modules/xstate" ] && [ -d "$npm_dir/node_modules/json-rules-engine" ]; then
    cp bench/peers/*.mjs "$npm_dir/"  # ES modules resolve their imports next to themselves
    have_node=1
  fi
fi
shm=$(mktemp -d /dev/shm/vflow-peers.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$shm"' EXIT

# Nanoseconds per item of one Google Benchmark (by its full name's regex) of binary $1.
per_item() {
  TMPDIR=$shm "$1" --benchmark_filter="$2" --benchmark_min_time="${3:-0.5}" \
    --benchmark_format=csv 2>/dev/null |
    awk -F, 'NR > 1 && $7 != "" { printf "%.1f\n", 1e9 / $7; exit }'
}

declare -A samples
add() { samples[$1]+="$2 "; }

for ((round = 1; round <= rounds; ++round)); do
  echo "round $round of $rounds" >&2
  step=$(per_item "$bench/vflow_bench_runtime" '^engine_step$')
  msm=$(per_item "$bench/vflow_bench_msm" '^msm_step$')
  add "step / MSM (x, lower is better; goal <= 10)" "$(awk -v a="$step" -v b="$msm" 'BEGIN { print a / b }')"
  decide=$(per_item "$bench/vflow_bench_runtime" '^policy_decision/1$')
  dry=$(per_item "$bench/vflow_bench_runtime" '^policy_decision/0$')
  add "decision in memory: per second (goal >= 1M)" "$(awk -v a="$decide" 'BEGIN { print 1e9 / a }')"
  add "decision in memory / dry run (x faster)" "$(awk -v a="$decide" -v b="$dry" 'BEGIN { print b / a }')"
  if [ "$have_node" = 1 ]; then
    xstate=$(cd "$npm_dir" && node xstate_loop.mjs)
    rules=$(cd "$npm_dir" && node rules.mjs)
    add "XState 5 / step (x slower than vflow; goal >= 50)" "$(awk -v a="$step" -v b="$xstate" 'BEGIN { print b / a }')"
    add "decision: json-rules-engine / vflow (x; goal >= 40)" "$(awk -v a="$decide" -v b="$rules" 'BEGIN { print b / a }')"
  fi
  fire=$(per_item "$bench/vflow_bench_runtime" '^durable_fire/' 1)
  floor=$(per_item "$bench/vflow_bench_runtime" '^raw_sqlite_floor/1/' 1)
  add "durable fire / raw SQLite floor, tmpfs (goal >= 0.6)" "$(awk -v a="$fire" -v b="$floor" 'BEGIN { print b / a }')"
  batch=$(per_item "$bench/vflow_bench_runtime" '^durable_fire_batch/100/' 1)
  floor100=$(per_item "$bench/vflow_bench_runtime" '^raw_sqlite_floor/100/' 1)
  add "group commit / floor, 100 per txn, tmpfs (goal >= 0.5)" "$(awk -v a="$batch" -v b="$floor100" 'BEGIN { print b / a }')"
done

echo "$(date -u +%Y-%m-%d), $(nproc) cores, $rounds interleaved rounds: min / median / max"
for key in "${!samples[@]}"; do
  printf '%s\n' "${samples[$key]}" | tr ' ' '\n' | grep -v '^$' | sort -g |
    awk -v k="$key" '{ v[NR] = $1 } END {
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%-58s %10.3g %10.3g %10.3g\n", k, v[1], m, v[NR] }'
done | sort
