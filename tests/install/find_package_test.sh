#!/usr/bin/env bash
# Installs the build in BUILD_DIR into a temporary prefix and builds examples/embed against it as
# an outside project would (find_package(vflow), vflow::runtime), then runs it.
# Usage: find_package_test.sh SOURCE_DIR BUILD_DIR CXX
set -euo pipefail
src=$1 build=$2 cxx=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
test -f "$tmp/prefix/lib/cmake/vflow/vflowConfig.cmake" -o -f "$tmp"/prefix/lib/*/cmake/vflow/vflowConfig.cmake
test -f "$tmp/prefix/include/vflow/runtime/runtime.hpp"
# No private header is installed: only the stores include SQLite, only the parser PEGTL.
if grep -rlE '#include <(sqlite3|tao/pegtl|nlohmann/json|spdlog)' "$tmp/prefix/include"; then
  echo "a public header includes a dependency" >&2
  exit 1
fi
cmake -S "$src/examples/embed" -B "$tmp/embed" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/embed" -j2 >/dev/null
"$tmp/embed/embed" "$tmp/embed.db"
