#!/usr/bin/env bash
# Sets up, builds (warnings as errors) and runs every test. The README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh -DVFLOW_WERROR=ON -DVFLOW_TESTS=ON
build_dir=${VFLOW_BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure -j"${VFLOW_JOBS:-2}"
