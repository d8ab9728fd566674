#!/usr/bin/env bash
# Fails when a C++ file is not formatted with clang-format 14 and the repository's .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
formatter=$(command -v clang-format-14 || command -v clang-format)
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
[ ${#files[@]} -eq 0 ] && exit 0
"$formatter" --dry-run -Werror "${files[@]}"
echo "format: ${#files[@]} files ok"
