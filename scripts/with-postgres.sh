#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL cluster (scripts/postgres.sh) whose URI is in
# VFLOW_TEST_POSTGRES, so that the store conformance tests run on PostgreSQL too; stops and removes
# the cluster afterwards, whatever the command's outcome. Usage: with-postgres.sh COMMAND [ARGS...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -u "${TMPDIR:-/tmp}/vflow-postgres.XXXXXX")
trap 'bash "$here/postgres.sh" stop "$dir"' EXIT
VFLOW_TEST_POSTGRES=$(bash "$here/postgres.sh" start "$dir")
export VFLOW_TEST_POSTGRES
echo "with-postgres: a throw-away cluster at $VFLOW_TEST_POSTGRES" >&2
"$@"
