#!/usr/bin/env bash
# Installs missing packages, then configures and builds vflow into ./build (or $VFLOW_BUILD_DIR).
# Extra arguments are passed to CMake's configure step; $VFLOW_BUILD_TARGET builds one target only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build_dir=${VFLOW_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build_dir" -j"${VFLOW_JOBS:-2}" ${VFLOW_BUILD_TARGET:+--target "$VFLOW_BUILD_TARGET"}
