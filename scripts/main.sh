#!/usr/bin/env bash
# The main job: set up, build, check the shipped workflows, drive an incident and a change through
# their lifecycles on the embedded SQLite store, then run one whole IT4IT value chain
# (examples/value-chain), ending with an incident's trace back to its portfolio decision.
set -euo pipefail
cd "$(dirname "$0")/.."
VFLOW_BUILD_TARGET=vflow bash scripts/build.sh  # the command only; the tests build with test.sh
build_dir=${VFLOW_BUILD_DIR:-build}
vflow="$build_dir/vflow"
export VFLOW_DB=${VFLOW_DB:-$build_dir/main-job.db}
rm -f "$VFLOW_DB" "$VFLOW_DB-wal" "$VFLOW_DB-shm"

step() { printf '\n$ vflow %s\n' "$*"; "$vflow" "$@"; }

step check workflows/
step deploy workflows/
step start Incident --id INC-1001 service=email priority=2 --actor servicedesk --at 2026-11-26T08:00:00Z
step fire INC-1001 assign user=ada --actor dispatcher --at 2026-11-26T08:03:00Z --event-id triage-17
step fire INC-1001 start_work --actor ada --at 2026-11-26T08:10:00Z
step fire INC-1001 hold reason="waiting for the mail vendor" --actor ada --at 2026-11-26T08:40:00Z
step fire INC-1001 resume --actor ada --at 2026-11-26T09:15:00Z
# Closing before the incident is resolved is refused, and the refusal is journaled.
if step fire INC-1001 close --actor ada --at 2026-11-26T09:16:00Z; then
  echo "expected the early close to be rejected" >&2
  exit 1
fi
step fire INC-1001 resolve code="restarted the mail relay" --actor ada --at 2026-11-26T09:30:00Z
step fire INC-1001 close --actor servicedesk --at 2026-11-26T10:00:00Z
step status INC-1001
step history INC-1001
step verify INC-1001

# Time: an urgent incident nobody picks up escalates on its own at the next clock tick.
step start Incident --id INC-1002 service=vpn priority=1 --actor monitoring --at 2026-11-26T09:00:00Z
step tick --now 2026-11-26T09:10:00Z
step tick --now 2026-11-26T09:20:00Z
step status INC-1002

# Change control: policies decide, a rule escalates, CI asks a gate before deploying.
step start Change --id RFC-2001 summary="patch the mail relay" requester=ada risk=high --actor ada --at 2026-11-26T10:05:00Z
step fire RFC-2001 submit --actor ada --at 2026-11-26T10:08:00Z
if step fire RFC-2001 approve user=ada --actor ada --at 2026-11-26T10:10:00Z; then
  echo "expected the self-approval to be refused" >&2
  exit 1
fi
step fire RFC-2001 approve user=grace --actor grace --at 2026-11-26T10:20:00Z
step gate RFC-2001 --can deploy --actor ci --at 2026-11-26T10:30:00Z || true
step fire RFC-2001 cab_approve --actor cab --at 2026-11-26T11:00:00Z
step fire RFC-2001 record_tests passed=true evidence=ci-run-4711 --actor ci --at 2026-11-26T11:20:00Z
step gate RFC-2001 --can deploy --actor ci --at 2026-11-26T11:30:00Z
step fire RFC-2001 deploy --actor ci --at 2026-11-26T11:31:00Z
step history RFC-2001
step explain RFC-2001 --seq 1
printf '\nThe journal is in %s (SQLite %s).\n' "$VFLOW_DB" "$(sqlite3 --version | cut -d' ' -f1)"

# The whole value chain, S2P to D2C, in a database of its own.
printf '\n# ---- The value chain: examples/value-chain/run.sh ----\n'
VFLOW_DB=$build_dir/value-chain.db bash examples/value-chain/run.sh "$vflow"
