#!/usr/bin/env bash
# A CI pipeline that drives a release through vflow: it checks the workflows (SARIF for code
# scanning), runs their scenarios (JUnit for the test report), then reports the release's build
# and tests as events and deploys only when vflow's gate says yes.
#
#   VFLOW_DB=ci.db examples/ci/pipeline.sh [RELEASE-ID]      (from the repository's root)
#
# Each event carries the job's id as its event id: a retried job never records twice. Exit codes
# are vflow's: 0 yes, 1 no (refused, gate closed), 2 usage, 3 vflow or its store unavailable.
set -euo pipefail
vflow=${VFLOW:-build/vflow}
release=${1:-REL-CI-1}
job=${CI_JOB_ID:-${GITHUB_RUN_ID:-local-$$}}
reports=${VFLOW_REPORTS:-vflow-reports}
mkdir -p "$reports"

# Runs vflow, and says what its exit code means; returns that code.
run() {
  local rc=0
  "$vflow" "$@" || rc=$?   # the code of vflow itself, not of an `if`
  case $rc in
    0) ;;
    1) echo "pipeline: vflow said no to: $*" >&2 ;;
    2) echo "pipeline: vflow was called wrongly: $*" >&2 ;;
    *) echo "pipeline: vflow or its store is unavailable ($rc); failing the job" >&2 ;;
  esac
  return "$rc"
}

# 1. The workflows compile (SARIF for code scanning) and their scenarios pass (JUnit).
run check --format sarif workflows/ > "$reports/vflow.sarif"
run test --format junit workflows/ > "$reports/vflow-junit.xml"
run deploy workflows/ >/dev/null

# The release implements an approved requirement of a funded portfolio item: set them up once
# (a real pipeline finds them in the shared store).
if ! "$vflow" status PBI-CI >/dev/null 2>&1; then
  run start PortfolioBacklogItem --id PBI-CI title=ci sponsor=carol budget=100 --actor carol >/dev/null
  run fire PBI-CI submit --actor carol >/dev/null
  run fire PBI-CI score value=7 risk=2 --actor pmo >/dev/null
  run fire PBI-CI approve --actor dana >/dev/null
  run fire PBI-CI fund amount=50 --actor finance >/dev/null
  run start Requirement --id REQ-CI title=ci portfolio_item=PBI-CI >/dev/null
  run fire REQ-CI refine acceptance=green-build >/dev/null
  run fire REQ-CI approve --actor po >/dev/null
fi
if ! "$vflow" status "$release" >/dev/null 2>&1; then
  run start Release --id "$release" version=1.0 requirements=REQ-CI --actor ci >/dev/null
fi

# 2. What the jobs report. A retried job sends the same event id: the first outcome returns.
run fire "$release" build_passed build="$job" --actor ci --event-id "$job-build" >/dev/null
run fire "$release" test_results passed=true coverage=91 --actor ci --event-id "$job-tests" >/dev/null
run fire "$release" test_results passed=true coverage=91 --actor ci --event-id "$job-tests" >/dev/null

# 3. The gate: every blocker in one answer; deploy only on yes.
if run gate "$release" --can deploy --actor ci; then
  run fire "$release" deploy --actor ci --event-id "$job-deploy"
else
  exit 1
fi
run status "$release"
