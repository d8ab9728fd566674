#!/usr/bin/env bash
# One whole IT4IT value chain on the embedded SQLite store, through the vflow command:
#   S2P  a portfolio backlog item is scored, approved (not by its sponsor) and funded
#   R2D  a requirement derived from it; a release built, tested and gated by CI, then deployed,
#        which delivers the requirement and, through it, the portfolio item
#   R2F  an offer on the release; an order, its fulfillment (spawned) and the subscription
#        (spawned); the desired service (spawned) instantiated as an actual service (spawned)
#   D2C  a monitoring event raises an incident (spawned); a problem links it and a second one,
#        accepts a fix, which spawns a change; the change ships in a hotfix release and may not
#        complete before that release is deployed; completing it resolves the problem, which
#        resolves both incidents
# and ends with the incident's trace back to the portfolio item.
# Usage: examples/value-chain/run.sh [VFLOW-BINARY]   (VFLOW_DB names the database)
set -euo pipefail
cd "$(dirname "$0")/../.."
vflow=${1:-build/vflow}
export VFLOW_DB=${VFLOW_DB:-build/value-chain.db}
rm -f "$VFLOW_DB" "$VFLOW_DB-wal" "$VFLOW_DB-shm"

step() { printf '\n$ vflow %s\n' "$*"; "$vflow" "$@"; }
# A step the workflow must refuse: its refusal is the point.
refused() {
  printf '\n$ vflow %s    # refused, as it must be\n' "$*"
  if "$vflow" "$@"; then echo "expected a refusal" >&2; exit 1; fi
}
# The id a link of an instance holds (instances spawned along the way get generated ids).
linked() { "$vflow" status "$1" --link "$2"; }

printf '# Deploy the library: four value streams, linked.\n'
step deploy workflows/ >/dev/null
step check workflows/

printf '\n# S2P: a portfolio decision.\n'
step start PortfolioBacklogItem --id PBI-1 title="Self-service mailboxes" sponsor=carol budget=500000 --actor carol
step fire PBI-1 submit --actor carol
step fire PBI-1 score value=8 risk=3 --actor pmo
refused fire PBI-1 approve --actor carol
step fire PBI-1 approve --actor dana
step fire PBI-1 fund amount=300000 --actor finance

printf '\n# R2D: a requirement, and a release CI builds, tests, gates and deploys.\n'
refused start Requirement --id REQ-0 title="Orphan demand"
step start Requirement --id REQ-1 title="Users create mailboxes themselves" portfolio_item=PBI-1 --actor po
step fire REQ-1 refine acceptance="a mailbox is usable within 5 minutes" --actor po
step fire REQ-1 approve --actor po
step start Release --id REL-1 version=1.0.0 requirements=REQ-1 --actor ci
step fire REL-1 build_passed build=ci-101 --actor ci
refused gate REL-1 --can deploy --actor ci
step fire REL-1 test_results passed=true coverage=91 --actor ci
step gate REL-1 --can deploy --actor ci
step fire REL-1 deploy --actor ci
step status PBI-1

printf '\n# R2F: an offer, an order, its fulfillment and subscription, the service instantiated.\n'
step start ServiceOffer --id OFF-1 name="Managed mail" price=12 release=REL-1 --actor catalog
step fire OFF-1 publish --actor catalog
step start Order --id ORD-1 customer=acme offer=OFF-1 --actor acme
step fire ORD-1 submit --actor acme
refused fire ORD-1 approve --actor acme
step fire ORD-1 approve --actor sales
FUL=$(linked ORD-1 fulfillment)
step fire "$FUL" approve --actor ops
step fire "$FUL" complete --actor ops
SUB=$(linked ORD-1 subscription)
step fire "$SUB" activate service=mail --actor ops
DS=$(linked "$SUB" desired)
step fire "$DS" configure configuration="3 nodes, eu-west" --actor architect
step fire "$DS" approve --actor architect
step fire "$DS" instantiate --actor ops
AS=$(linked "$DS" actual)
step fire "$AS" go_live --actor ops

printf '\n# D2C: an event raises an incident; a problem, its fix, and the incidents resolved.\n'
step start Event --id EVT-1 message="mail queue backlog over 10000" severity=2 service="$AS" --actor monitoring
step fire EVT-1 raise_incident --actor monitoring
INC=$(linked EVT-1 incident)
step start Incident --id INC-2 service=mail priority=3 actual_service="$AS" --actor servicedesk
step fire INC-2 assign user=ada --actor dispatcher
step start Problem --id PRB-1 title="Mail queue stalls under load" service="$AS" incidents="$INC",INC-2 --actor ada
refused fire PRB-1 accept_fix requester=ada --actor ada
step fire PRB-1 diagnose root_cause="a lock held across a network call" --actor ada
step fire PRB-1 accept_fix requester=ada --actor ada
CHG=$(linked PRB-1 fixes)
step start Release --id REL-2 version=1.0.1 requirements=REQ-1 --actor ci
step link "$CHG" release REL-2 --actor ada
step fire "$CHG" submit --actor ada
step fire "$CHG" approve user=grace --actor grace
step fire "$CHG" record_tests passed=true evidence=ci-run-4711 --actor ci
step fire "$CHG" deploy --actor ci
refused fire "$CHG" complete --actor ci
step fire REL-2 build_passed build=ci-102 --actor ci
step fire REL-2 test_results passed=true coverage=93 --actor ci
step fire REL-2 deploy --actor ci
step fire "$CHG" complete --actor ci
step status PRB-1
step history INC-2
for id in PBI-1 REQ-1 REL-1 REL-2 PRB-1 INC-2 "$INC" "$CHG"; do "$vflow" verify "$id" >/dev/null; done
printf '\n# The whole journal: every hash, every replay. Its digest goes to the CI log.\n'
step verify --all
step digest

printf '\n# Everything the incident is linked to, and theirs: the lineage across the four streams.\n'
step trace "$INC"
printf '\n# The incident, traced back to the portfolio decision.\n'
step trace "$INC" --to PBI-1
