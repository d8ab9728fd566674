#!/usr/bin/env bash
# A CI pipeline reporting to vflow: each job fires an event with its job id as the event id, so
# a retried job never records twice, and checks the exit code (0 taken, 1 no, 2 usage, 3 store).
#   VFLOW_DB=ci.db examples/ci/pipeline.sh RELEASE-ID
set -euo pipefail
vflow=${VFLOW:-build/vflow}
release=${1:-INC-CI-1}
job=${CI_JOB_ID:-local-$$}

"$vflow" deploy workflows/ >/dev/null
"$vflow" start Incident --id "$release" service=ci-demo --actor ci 2>/dev/null || true

fire() {
  # Retrying the same job id is safe: the second delivery returns the first outcome.
  if "$vflow" fire "$release" "$@" --actor ci --event-id "$job-$1"; then
    return 0
  fi
  case $? in
    1) echo "vflow refused '$1' for $release" >&2; return 1 ;;
    *) echo "vflow is unavailable; failing the job" >&2; return 3 ;;
  esac
}

fire assign user=ci-bot
fire start_work
fire start_work   # a retried job: same event id, so vflow returns the first outcome and writes nothing
"$vflow" fire "$release" close --actor ci --event-id "$job-close" ||
  echo "(close is refused while the incident is in progress: exit $?, and the refusal is journaled)"
"$vflow" status "$release" --json
