#!/usr/bin/env bash
# Sets up, builds and runs the main job: checks every shipped workflow.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
build_dir=${VFLOW_BUILD_DIR:-build}
echo "== vflow check workflows/"
"$build_dir/vflow" check workflows/
