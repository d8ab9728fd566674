#!/usr/bin/env bash
# Sets up, builds (warnings as errors) and runs every test, the store conformance tests on SQLite
# and on a throw-away PostgreSQL cluster (scripts/with-postgres.sh). The README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh -DVFLOW_WERROR=ON -DVFLOW_TESTS=ON
build_dir=${VFLOW_BUILD_DIR:-build}
# Mermaid's own parser checks `graph --format mermaid` (GraphCli.MermaidParses...): mermaid and
# jsdom from the npm registry, once per build directory. Without node the test is skipped.
if command -v npm >/dev/null && [ ! -d "$build_dir/npm/node_modules/mermaid" ]; then
  npm install --prefix "$build_dir/npm" --no-audit --no-fund --silent mermaid@10 jsdom@24 >&2 ||
    echo "test: could not install mermaid from npm; the Mermaid parser test will be skipped" >&2
fi
bash scripts/with-postgres.sh ctest --test-dir "$build_dir" --output-on-failure -j"${VFLOW_JOBS:-2}"
