#!/usr/bin/env bash
# Fails when a C++ file is not formatted with clang-format 14 and the repository's .clang-format,
# or a .flow file (the workflows, the valid test cases) is not as `vflow fmt` writes it. The
# invalid test cases stay as they are: their diagnostics are asserted at exact lines and columns.
set -euo pipefail
cd "$(dirname "$0")/.."
formatter=$(command -v clang-format-14 || command -v clang-format)
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
[ ${#files[@]} -eq 0 ] && exit 0
"$formatter" --dry-run -Werror "${files[@]}"
echo "format: ${#files[@]} files ok"
vflow=${VFLOW_BUILD_DIR:-build}/vflow
if [ -x "$vflow" ]; then
  "$vflow" fmt --check workflows tests/flows/valid
  echo "format: .flow files ok"
else
  echo "format: $vflow not built, .flow files not checked" >&2
  exit 1
fi
