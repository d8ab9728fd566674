#!/usr/bin/env bash
# Builds everything with AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/ and runs
# every test there: a finding aborts the process, so the test that met it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export VFLOW_BUILD_DIR=${VFLOW_SANITIZE_BUILD_DIR:-build-asan}
bash scripts/build.sh -DVFLOW_SANITIZE=address,undefined -DVFLOW_WERROR=ON -DVFLOW_TESTS=ON \
  -DVFLOW_BENCH=OFF -DVFLOW_EXAMPLES=OFF
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$VFLOW_BUILD_DIR" --output-on-failure -j"${VFLOW_JOBS:-2}"
