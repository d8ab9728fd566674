// The shipped workflow library, workflow by workflow: its happy path, and at least two refusals,
// each with the state, data or links it must leave. Run through the real binary on a database
// holding the whole library.
#include "cli_util.hpp"

namespace vflow::test {
namespace {

class Library : public cli_fixture {
 protected:
  void SetUp() override { ASSERT_EQ(vflow("deploy " + src("workflows")).exit_code, 0); }

  // A step that must be taken.
  void ok(const std::string& args) {
    const auto r = vflow(args);
    ASSERT_EQ(r.exit_code, 0) << args << "\n" << r.out;
  }
  // A step that must be refused with `message` (exit 1), changing nothing but the journal.
  void refused(const std::string& args, const std::string& message) {
    const auto r = vflow(args);
    EXPECT_EQ(r.exit_code, 1) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << args << "\n" << r.out;
  }
  std::string state(const std::string& id) {
    const auto s = vflow_json("status " + id);
    std::string out;
    for (const auto& x : s["state"]) out += (out.empty() ? "" : ",") + x.get<std::string>();
    return out;
  }
  nlohmann::json data(const std::string& id, const std::string& field) {
    return vflow_json("status " + id)["data"][field];
  }
  std::string linked(const std::string& id, const std::string& link) {
    const auto ids = vflow_json("status " + id + " --link " + link)["ids"];
    return ids.empty() ? "" : ids[0].get<std::string>();
  }

  // A funded portfolio item with an approved requirement: what R2D starts from.
  void funded_item_with_requirement() {
    ok("start PortfolioBacklogItem --id PBI-1 title=mail sponsor=carol budget=100 --actor carol");
    ok("fire PBI-1 submit --actor carol");
    ok("fire PBI-1 score value=7 risk=2 --actor pmo");
    ok("fire PBI-1 approve --actor dana");
    ok("fire PBI-1 fund amount=60 --actor finance");
    ok("start Requirement --id REQ-1 title=self-service portfolio_item=PBI-1");
    ok("fire REQ-1 refine acceptance=fast");
    ok("fire REQ-1 approve --actor po");
  }
  // A deployed release of REQ-1.
  void deployed_release(const std::string& id = "REL-1") {
    ok("start Release --id " + id + " version=1.0 requirements=REQ-1");
    ok("fire " + id + " build_passed build=b1");
    ok("fire " + id + " test_results passed=true coverage=90");
    ok("fire " + id + " deploy --actor ci");
  }
  // A live actual service, reached through an offer, an order and a subscription.
  std::string live_service() {
    funded_item_with_requirement();
    deployed_release();
    ok("start ServiceOffer --id OFF-1 name=mail price=10 release=REL-1");
    ok("fire OFF-1 publish");
    ok("start Order --id ORD-1 customer=acme offer=OFF-1 --actor acme");
    ok("fire ORD-1 submit --actor acme");
    ok("fire ORD-1 approve --actor sales");
    const std::string ful = linked("ORD-1", "fulfillment");
    ok("fire " + ful + " approve --actor ops");
    ok("fire " + ful + " complete --actor ops");
    const std::string sub = linked("ORD-1", "subscription");
    ok("fire " + sub + " activate service=mail");
    const std::string ds = linked(sub, "desired");
    ok("fire " + ds + " configure configuration=small");
    ok("fire " + ds + " approve --actor architect");
    ok("fire " + ds + " instantiate");
    const std::string as = linked(ds, "actual");
    ok("fire " + as + " go_live");
    return as;
  }
};

TEST_F(Library, PortfolioBacklogItem) {
  ok("start PortfolioBacklogItem --id PBI-1 title=mail sponsor=carol budget=100 --actor carol");
  ok("fire PBI-1 submit --actor carol");
  refused("fire PBI-1 approve --actor dana", "denied by policy scored_first");
  refused("fire PBI-1 score value=11 risk=2", "denied by policy valid_scores");
  ok("fire PBI-1 score value=7 risk=2 --actor pmo");
  refused("fire PBI-1 approve --actor carol", "denied by policy separation_of_duties");
  ok("fire PBI-1 approve --actor dana");
  EXPECT_EQ(data("PBI-1", "decided_by"), "dana");
  refused("fire PBI-1 fund amount=101 --actor finance", "denied by policy within_budget");
  ok("fire PBI-1 fund amount=60 --actor finance");
  ok("fire PBI-1 fund amount=40 --actor finance");
  refused("fire PBI-1 fund amount=1 --actor finance", "denied by policy within_budget");
  EXPECT_EQ(data("PBI-1", "funded"), 100);
  // Delivered only through its requirements.
  refused("fire PBI-1 requirement_delivered", "is false");
  EXPECT_EQ(state("PBI-1"), "Funded");
  // An item nobody scores goes back to its sponsor after 30 days.
  ok("start PortfolioBacklogItem --id PBI-2 title=x sponsor=s budget=1 --at 2026-01-01T00:00:00Z");
  ok("fire PBI-2 submit --at 2026-01-01T00:00:00Z");
  ok("tick --now 2026-02-01T00:00:00Z");
  EXPECT_EQ(state("PBI-2"), "Proposed");
  EXPECT_EQ(data("PBI-2", "reason"), "not scored within 30 days");
}

TEST_F(Library, Requirement) {
  ok("start PortfolioBacklogItem --id PBI-1 title=mail sponsor=carol budget=100");
  refused("start Requirement --id REQ-0 title=orphan",
          "missing required link 'portfolio_item' (PortfolioBacklogItem)");
  refused("start Requirement --id REQ-0 title=x portfolio_item=NOPE",
          "link 'portfolio_item' names an unknown instance 'NOPE'");
  ok("start Requirement --id REQ-1 title=self-service portfolio_item=PBI-1");
  refused("fire REQ-1 approve --actor po", "denied by policy acceptance_criteria");
  ok("fire REQ-1 refine acceptance=fast");
  refused("fire REQ-1 approve --actor po", "denied by policy funded_demand");
  ok("fire PBI-1 submit");
  ok("fire PBI-1 score value=7 risk=2");
  ok("fire PBI-1 approve --actor dana");
  ok("fire PBI-1 fund amount=60");
  ok("fire REQ-1 approve --actor po");
  // Not delivered until a release of it is deployed; then it delivers the portfolio item.
  refused("fire REQ-1 release_deployed", "is false");
  deployed_release();
  EXPECT_EQ(state("REQ-1"), "Delivered");
  EXPECT_EQ(state("PBI-1"), "Delivered");
}

TEST_F(Library, ReleaseGatedByCi) {
  funded_item_with_requirement();
  ok("start Release --id REL-0 version=0.9");
  ok("fire REL-0 build_passed build=b0");
  ok("fire REL-0 test_results passed=true coverage=95");
  refused("fire REL-0 deploy", "denied by policy implements_requirements");
  ok("start Release --id REL-1 version=1.0 requirements=REQ-1");
  ok("fire REL-1 build_passed build=b1");
  ok("fire REL-1 test_results passed=true coverage=60");
  refused("gate REL-1 --can deploy --actor ci", "denied by policy test_evidence");
  ok("fire REL-1 build_passed build=b2");
  ok("fire REL-1 test_results passed=true coverage=85");
  ok("start Defect --id DEF-1 summary=crash severity=1 release=REL-1");
  refused("fire REL-1 deploy", "denied by policy no_critical_defects");
  ok("fire DEF-1 fix build=b3 --actor dev");
  ok("fire DEF-1 verify --actor qa");
  ok("gate REL-1 --can deploy --actor ci");
  ok("fire REL-1 deploy --actor ci");
  EXPECT_EQ(state("REL-1"), "Deployed");
  EXPECT_EQ(data("REL-1", "deployed_by"), "ci");
  EXPECT_EQ(state("REQ-1"), "Delivered");
}

// A fresh release has three blockers: one gate question names them all (a CI job learns what to
// do in one call, not one call per blocker), in the answer, its JSON and the journaled reason.
TEST_F(Library, GateCanNamesEveryBlockerInOneAnswer) {
  ok("start Release --id REL-1 version=1.0");
  const auto r = vflow("gate REL-1 --can deploy --actor ci", false);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.substr(0, r.out.find("seq ")),
            "no: can deploy \u2014 3 blockers:\n"
            "  - denied by policy implements_requirements: A release implements at least one "
            "approved requirement (it implements no approved requirement)\n"
            "  - denied by policy test_evidence: A release deploys only with passing tests "
            "covering 80% or more\n"
            "  - event 'deploy' is not enabled in state Planned\n");
  const auto j = vflow_json("gate REL-1 --can deploy");
  EXPECT_EQ(j["answer"], false);
  ASSERT_EQ(j["blockers"].size(), 3u);
  EXPECT_EQ(j["record"]["detail"]["blockers"], j["blockers"]);
  EXPECT_EQ(j["record"]["reason"].get<std::string>().substr(0, 12), "3 blockers: ");
  // For CI systems: a JUnit test case failed by the blockers, a GitHub annotation per blocker.
  const auto junit = vflow("gate REL-1 --can deploy --format junit", false);
  EXPECT_EQ(junit.exit_code, 1);
  EXPECT_NE(junit.out.find("<testcase classname=\"vflow gate\" name=\"REL-1 can deploy\">\n"
                           "      <failure message=\"3 blockers\">denied by policy "
                           "implements_requirements"),
            std::string::npos)
      << junit.out;
  const auto github = vflow("gate REL-1 --can deploy --format github", false);
  EXPECT_EQ(std::count(github.out.begin(), github.out.end(), '\n'), 3);
  EXPECT_EQ(github.out.substr(0, 44), "::error title=vflow gate REL-1 can deploy::d");
  EXPECT_NE(github.out.find("covering 80%25 or more"), std::string::npos) << github.out;
  EXPECT_EQ(vflow("gate REL-1 --can deploy --format sarif").exit_code, 2);
  // A dry run answers the same; a real fire stops at the first, as before.
  const auto dry = vflow_json("fire REL-1 deploy --dry-run");
  EXPECT_EQ(dry["blockers"], j["blockers"]);
  const auto fired = vflow_json("fire REL-1 deploy");
  EXPECT_EQ(fired["blockers"], nlohmann::json::array());
  EXPECT_EQ(fired["message"],
            "denied by policy implements_requirements: A release implements at least one "
            "approved requirement (it implements no approved requirement)");
  // One blocker left: the answer is as it always was.
  ok("fire REL-1 build_passed build=b1");
  ok("fire REL-1 test_results passed=true coverage=90");
  funded_item_with_requirement();
  ok("link REL-1 requirements REQ-1");
  const auto one = vflow("gate REL-1 --can deploy", false);
  EXPECT_EQ(one.exit_code, 0) << one.out;
}

TEST_F(Library, Defect) {
  funded_item_with_requirement();
  ok("start Release --id REL-1 version=1.0 requirements=REQ-1");
  ok("start Defect --id DEF-1 summary=crash release=REL-1");
  refused("fire DEF-1 triage severity=7", "denied by policy severity_range");
  ok("fire DEF-1 triage severity=1");
  refused("fire DEF-1 decline reason=later", "denied by policy critical_defects_are_fixed");
  ok("fire DEF-1 fix build=b2 --actor dev");
  refused("fire DEF-1 verify --actor dev", "denied by policy independent_verification");
  ok("fire DEF-1 reopen reason=still-crashes --actor qa");
  EXPECT_EQ(data("DEF-1", "fixed_by"), nullptr);
  ok("fire DEF-1 fix build=b3 --actor dev");
  ok("fire DEF-1 verify --actor qa");
  EXPECT_EQ(state("DEF-1"), "Closed");
}

TEST_F(Library, ServiceOfferOrderFulfillmentSubscription) {
  funded_item_with_requirement();
  ok("start Release --id REL-1 version=1.0 requirements=REQ-1");
  ok("start ServiceOffer --id OFF-1 name=mail price=10 release=REL-1");
  refused("fire OFF-1 publish", "denied by policy deployed_release");
  refused("fire OFF-1 reprice price=0", "denied by policy positive_price");
  ok("fire REL-1 build_passed build=b1");
  ok("fire REL-1 test_results passed=true coverage=90");
  ok("fire REL-1 deploy");
  ok("fire OFF-1 publish");
  ok("start Order --id ORD-1 customer=acme quantity=0 offer=OFF-1");
  refused("fire ORD-1 submit", "denied by policy positive_quantity");
  ok("start Order --id ORD-2 customer=acme offer=OFF-1");
  ok("fire ORD-2 submit --actor acme");
  refused("fire OFF-1 retire reason=old", "denied by policy no_open_orders");
  refused("fire ORD-2 approve --actor acme", "denied by policy not_self_approved");
  ok("fire ORD-2 approve --actor sales");
  EXPECT_EQ(state("ORD-2"), "Fulfilling");
  const std::string ful = linked("ORD-2", "fulfillment");
  ASSERT_FALSE(ful.empty());
  EXPECT_EQ(linked(ful, "order"), "ORD-2");
  refused("fire " + ful + " approve --actor acme", "denied by policy four_eyes");
  ok("fire " + ful + " approve --actor ops");
  ok("fire " + ful + " complete");
  EXPECT_EQ(state("ORD-2"), "Completed");
  const std::string sub = linked("ORD-2", "subscription");
  ASSERT_FALSE(sub.empty());
  EXPECT_EQ(data(sub, "customer"), "acme");
  ok("fire " + sub + " activate service=mail");
  EXPECT_EQ(state(sub), "Active");
  const std::string ds = linked(sub, "desired");
  refused("fire " + sub + " terminate reason=done", "denied by policy services_retired_first");
  refused("fire " + ds + " approve", "denied by policy configured");
}

TEST_F(Library, FulfillmentServiceLevels) {
  funded_item_with_requirement();
  deployed_release();
  ok("start ServiceOffer --id OFF-1 name=mail price=10 release=REL-1");
  ok("fire OFF-1 publish");
  ok("start Order --id ORD-1 customer=acme offer=OFF-1");
  ok("fire ORD-1 submit");
  ok("fire ORD-1 approve --actor sales --at 2100-03-02T08:00:00Z");
  const std::string ful = linked("ORD-1", "fulfillment");
  ok("tick --now 2100-03-02T13:00:00Z");  // 4 hours without approval: escalated
  EXPECT_EQ(data(ful, "escalated"), true);
  ok("fire " + ful + " approve --actor ops --at 2100-03-02T14:00:00Z");
  ok("tick --now 2100-03-05T00:00:00Z");  // 2 days provisioning: breached, journaled
  EXPECT_EQ(data(ful, "breached"), true);
  ok("fire " + ful + " fail reason=no-capacity");
  EXPECT_EQ(state("ORD-1"), "Failed");
  EXPECT_EQ(data("ORD-1", "reason"), "no-capacity");
}

TEST_F(Library, DesiredAndActualService) {
  const std::string as = live_service();
  EXPECT_EQ(state(as), "Live");
  const std::string ds = linked(as, "desired");
  refused("fire " + ds + " retire", "denied by policy actual_retired_first");
  ok("start Incident --id INC-1 service=mail actual_service=" + as);
  refused("fire " + as + " retire", "denied by policy nothing_open");
  ok("fire INC-1 cancel reason=duplicate");
  ok("fire " + as + " degrade");
  ok("fire " + as + " restore");
  ok("fire " + as + " retire");
  ok("fire " + ds + " retire");
  EXPECT_EQ(state(ds), "Retired");
}

TEST_F(Library, EventRaisesALinkedIncident) {
  const std::string as = live_service();
  ok("start Event --id EVT-1 message=noise severity=5 service=" + as);
  refused("fire EVT-1 raise_incident", "denied by policy actionable");
  refused("start Event --id EVT-2 message=x service=ORD-1",
          "link 'service' must name a ActualService, but 'ORD-1' is a Order");
  ok("start Event --id EVT-3 message=backlog severity=2 service=" + as);
  ok("fire EVT-3 raise_incident");
  const std::string inc = linked("EVT-3", "incident");
  ASSERT_FALSE(inc.empty());
  EXPECT_EQ(data(inc, "priority"), 2);
  EXPECT_EQ(data(inc, "service"), "mail");
  EXPECT_EQ(linked(inc, "actual_service"), as);
  EXPECT_EQ(linked(inc, "detected_by"), "EVT-3");
}

TEST_F(Library, ProblemFixAndIncidentsResolvedThroughSend) {
  ok("start Incident --id INC-1 service=mail");
  ok("start Incident --id INC-2 service=mail");
  ok("fire INC-2 assign user=ada");
  ok("start Problem --id PRB-1 title=stalls incidents=INC-1");
  refused("fire PRB-1 accept_fix requester=ada", "denied by policy root_cause_first");
  refused("fire PRB-1 link_incident incident=PRB-1",
          "parameter 'incident' must name a Incident, but 'PRB-1' is a Problem");
  ok("fire PRB-1 link_incident incident=INC-2");
  ok("fire PRB-1 diagnose root_cause=lock");
  ok("fire PRB-1 publish_workaround workaround=restart");
  EXPECT_EQ(state("PRB-1"), "KnownError");
  refused("fire PRB-1 close reason=gone", "denied by policy evidence_of_impact");
  ok("fire PRB-1 accept_fix requester=ada");
  const std::string chg = linked("PRB-1", "fixes");
  ASSERT_FALSE(chg.empty());
  EXPECT_EQ(data(chg, "requester"), "ada");
  ok("fire " + chg + " submit");
  ok("fire " + chg + " approve user=grace --actor grace");
  ok("fire " + chg + " record_tests passed=true evidence=run-1");
  ok("fire " + chg + " deploy");
  ok("fire " + chg + " complete");
  EXPECT_EQ(state("PRB-1"), "Resolved");
  EXPECT_EQ(state("INC-1"), "Resolved");
  EXPECT_EQ(state("INC-2"), "Resolved");
  EXPECT_EQ(data("INC-2", "resolution"), "resolved by its problem");
}

TEST_F(Library, ChangeShippingAReleaseWaitsForIt) {
  funded_item_with_requirement();
  ok("start Release --id REL-1 version=1.0 requirements=REQ-1");
  ok("start Change --id RFC-1 summary=ship requester=ada risk=high release=REL-1");
  ok("fire RFC-1 submit --actor ada");
  refused("fire RFC-1 approve user=ada --actor ada", "denied by policy four_eyes");
  ok("fire RFC-1 approve user=grace --actor grace");
  EXPECT_EQ(state("RFC-1"), "PeerApproved,BoardPending");  // high risk: the board too
  ok("fire RFC-1 cab_approve");
  refused("fire RFC-1 deploy", "denied by policy test_evidence");
  ok("fire RFC-1 record_tests passed=true evidence=run-9");
  ok("fire RFC-1 deploy");
  refused("fire RFC-1 complete", "denied by policy release_first");
  ok("fire REL-1 build_passed build=b1");
  ok("fire REL-1 test_results passed=true coverage=90");
  ok("fire REL-1 deploy");
  ok("fire RFC-1 complete");
  EXPECT_EQ(state("RFC-1"), "Completed");
}

}  // namespace
}  // namespace vflow::test
