#!/usr/bin/env bash
# Installs the Debian packages vflow builds with; silent and quick when all are present.
set -euo pipefail

packages=(
  build-essential cmake
  tao-pegtl-dev libboost-dev libspdlog-dev libfmt-dev libsqlite3-dev sqlite3
  libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev libbenchmark-dev
  libexpat1-dev libssl-dev libpq-dev postgresql-15 clang-format-14 graphviz
  clang-14 libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >&2
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
