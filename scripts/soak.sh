#!/usr/bin/env bash
# Release checklist soak: the SIGKILL durability test for N trials (default 1000) and the
# concurrent-writers test with W writers (default 8), against the build in ./build.
# Usage: scripts/soak.sh [TRIALS] [WRITERS]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${VFLOW_BUILD_DIR:-build}
[ -x "$build_dir/tests/vflow_runtime_tests" ] || bash scripts/build.sh -DVFLOW_TESTS=ON
VFLOW_SOAK_TRIALS=${1:-1000} VFLOW_SOAK_WRITERS=${2:-8} \
  "$build_dir/tests/vflow_runtime_tests" --gtest_filter='Durability.*'
