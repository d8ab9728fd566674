#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and runs each for
# SECONDS (default 60) on a working copy of the seed corpus: the shipped and test workflows, the
# test SCXML documents, and every input under fuzz/regressions/ (crashes found earlier).
# Usage: fuzz/run.sh [SECONDS] [TARGET...]   A crash leaves its input in build-fuzz/findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_compile fuzz_eval fuzz_scxml fuzz_values fuzz_query fuzz_scenario)
build=${VFLOW_FUZZ_BUILD_DIR:-build-fuzz}

CXX=$(command -v clang++-14 || command -v clang++) cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVFLOW_FUZZ=ON \
  -DVFLOW_TESTS=OFF -DVFLOW_BENCH=OFF -DVFLOW_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j"${VFLOW_JOBS:-2}" --target "${targets[@]}"

mkdir -p "$build/findings"
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  rm -rf "$corpus" && mkdir -p "$corpus"
  dict=fuzz/flow.dict
  case $target in
    fuzz_scxml)
      cp tests/scxml/*.scxml tests/scxml/conformance/*.scxml tests/scxml/exported/*.scxml "$corpus"/
      dict=fuzz/scxml.dict ;;
    fuzz_eval)
      # Guards cut from the shipped workflows.
      grep -rhoE 'when [^{]+' workflows tests/flows/valid | sed -E 's/^when //; s/ +$//' |
        awk '{ f = sprintf("'"$corpus"'/guard-%04d", NR); printf "%s", $0 > f; close(f) }' ;;
    fuzz_query)
      # Queries (first byte even) and --where conditions (odd).
      i=0
      for q in "SELECT * FROM journal" "SELECT instance, count(*) FROM journal GROUP BY instance" \
               "SELECT id, json_extract(data, '\$.risk') FROM instances" "PRAGMA user_version" \
               "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x FROM c) SELECT * FROM c"; do
        printf 'p%s' "$q" > "$corpus/query-$i"; i=$((i + 1))
      done
      for w in 'risk == "high"' 'not tests_passed and escalations < 2' 'len(summary) > 0'; do
        printf 'w%s' "$w" > "$corpus/where-$i"; i=$((i + 1))
      done ;;
    fuzz_values)
      i=0
      for v in 42 -7 true null "2026-11-26T08:00:00Z" 90m 4h30m -2d "ada" "$(printf 'a\342\200\256b')"; do
        printf '%s' "$v" > "$corpus/value-$i"; i=$((i + 1))
      done ;;
    fuzz_scenario)
      find workflows -name '*.flowtest' -exec cp --backup=numbered {} "$corpus"/ \; ;;
    *)
      find workflows tests/flows -name '*.flow' -exec cp --backup=numbered {} "$corpus"/ \; ;;
  esac
  [ -d "fuzz/regressions/$target" ] && cp fuzz/regressions/"$target"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz: $target for ${seconds}s on $(ls "$corpus" | wc -l) seeds" >&2
  "$build/fuzz/$target" "$corpus" -dict="$dict" -max_total_time="$seconds" -max_len=16384 \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/findings/$target-" \
    2> "$build/$target.log" || { tail -n 60 "$build/$target.log" >&2; echo "fuzz: $target FAILED" >&2; exit 1; }
  grep -E '^stat::number_of_executed_units' "$build/$target.log" | sed "s/^/fuzz: $target /" >&2
done
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each without a finding"
