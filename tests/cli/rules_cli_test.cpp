// The rules-and-policies issue's Change example driven through the CLI: self-approval refused
// naming four_eyes, escalation exactly once on start, gates refusing then allowing deploy,
// gate records journaled, dry runs writing nothing, a rule cycle leaving the instance as it was,
// and explanations showing the values behind each decision.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/cli/cli_util.hpp"

namespace {

using json = nlohmann::json;
using vflow::test::run_vflow;
using vflow::test::shell;

class RulesCli : public vflow::test::cli_fixture {
 protected:
  void SetUp() override {
    ASSERT_EQ(vflow("deploy " + src("tests/flows/valid/change_example.flow") + " " +
                    src("tests/flows/valid/rule_cycle.flow"))
                  .exit_code,
              0);
    const auto r = vflow(
        "start Change --id CHG-1 requester=alice risk=high --actor alice --at "
        "2026-11-26T09:00:00Z");
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
};

TEST_F(RulesCli, HighRiskEscalatesExactlyOnceOnStart) {
  EXPECT_EQ(vflow_json("status CHG-1")["data"]["escalations"], 1);
  vflow("fire CHG-1 approve user=bob --actor bob");
  vflow("fire CHG-1 cab_approve --actor cab");
  EXPECT_EQ(vflow_json("status CHG-1")["data"]["escalations"], 1);
  const json start = vflow_json("history CHG-1")[0];
  const json trace = start["detail"]["trace"];
  ASSERT_EQ(trace.size(), 3u);
  EXPECT_EQ(trace[0]["kind"], "rule");
  EXPECT_EQ(trace[0]["rule"], "high_risk_escalates");
  EXPECT_EQ(trace[1]["kind"], "raise");
  EXPECT_EQ(trace[2]["kind"], "internal");
  EXPECT_EQ(trace[2]["taken"], true);
}

TEST_F(RulesCli, SelfApprovalIsRejectedNamingFourEyes) {
  const auto r = vflow("fire CHG-1 approve user=alice --actor alice");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            "vflow fire: rejected: denied by policy four_eyes: The requester may not approve their "
            "own change\n");
  const json last = vflow_json("history CHG-1").back();
  EXPECT_EQ(last["outcome"], "rejected");
  EXPECT_EQ(last["detail"]["reason_code"], "policy_denied");
  EXPECT_EQ(vflow_json("status CHG-1")["state"], json::array({"Requested"}));
}

TEST_F(RulesCli, GateRefusesDeployUntilCabApprovesThenAllowsIt) {
  vflow("fire CHG-1 approve user=bob --actor bob");
  const std::string before =
      shell("sqlite3 '" + db() + "' 'SELECT configuration, data FROM instances'");
  auto r = vflow("gate CHG-1 --can deploy --actor ci-42");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("no: can deploy \u2014 denied by policy cab_for_high_risk"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("risk == \"high\" \u2192 true (risk = \"high\"), not cab_approved \u2192 "
                       "true (cab_approved = false)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(shell("sqlite3 '" + db() + "' 'SELECT configuration, data FROM instances'"), before);
  EXPECT_EQ(vflow("fire CHG-1 cab_approve --actor cab").exit_code, 0);
  r = vflow("gate CHG-1 --can deploy --actor ci-42");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("yes: can deploy\n", 0), 0u) << r.out;
  const json answer = vflow_json("gate CHG-1 --can deploy");
  EXPECT_EQ(answer["answer"], true);
  EXPECT_EQ(answer["record"]["kind"], "gate");
  // Every question and answer is in the journal; the state never moved.
  int gates = 0;
  for (const auto& rec : vflow_json("history CHG-1")) gates += rec["kind"] == "gate";
  EXPECT_EQ(gates, 3);
  EXPECT_EQ(vflow_json("status CHG-1")["state"], json::array({"Approved"}));
  EXPECT_EQ(vflow("verify CHG-1").exit_code, 0);
}

TEST_F(RulesCli, GateInState) {
  EXPECT_EQ(vflow("gate CHG-1 --in Requested,Approved").exit_code, 0);
  const auto no = vflow("gate CHG-1 --in Deployed");
  EXPECT_EQ(no.exit_code, 1);
  EXPECT_EQ(no.out, "no: in Deployed \u2014 instance 'CHG-1' is in Requested, not in Deployed\n");
  EXPECT_EQ(vflow("gate CHG-1 --in Deploid").exit_code, 1);
  EXPECT_EQ(vflow("gate CHG-1").exit_code, 2);
  EXPECT_EQ(vflow("gate CHG-1 --can deploy --in Deployed").exit_code, 2);
}

TEST_F(RulesCli, DryRunWritesNothing) {
  vflow("fire CHG-1 approve user=bob --actor bob");
  const std::string before = dump();
  const auto r = vflow("fire CHG-1 deploy --dry-run");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("dry run (nothing written)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("deploy rejected by policy cab_for_high_risk"), std::string::npos) << r.out;
  const json j = vflow_json("fire CHG-1 approve user=carol --dry-run");
  EXPECT_EQ(j["status"], "rejected");
  EXPECT_EQ(dump(), before);
}

TEST_F(RulesCli, RuleCycleLeavesTheInstanceAsItWas) {
  ASSERT_EQ(vflow("start Flipper --id F-1").exit_code, 0);
  const json before = vflow_json("status F-1");
  const auto r = vflow("fire F-1 arm");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(
      r.out,
      "vflow fire: rejected: rule cycle: rules 'flip', 'flop' fired more than 64 times in one "
      "step; the step was rolled back\n");
  const json after = vflow_json("status F-1");
  EXPECT_EQ(after["state"], before["state"]);
  EXPECT_EQ(after["data"], before["data"]);
  EXPECT_EQ(after["seq"], 2);  // the refused attempt is journaled
  EXPECT_EQ(vflow_json("history F-1").back()["detail"]["reason_code"], "rule_cycle");
  EXPECT_EQ(vflow("verify F-1").exit_code, 0);
}

TEST_F(RulesCli, ExplainShowsTheValuesBehindEachDecision) {
  vflow("fire CHG-1 approve user=alice --actor alice --at 2026-11-26T09:05:00Z");
  const auto text = vflow("explain CHG-1");
  EXPECT_EQ(text.exit_code, 0);
  const std::string file = src("tests/flows/valid/change_example.flow");
  EXPECT_EQ(text.out,
            "seq 2: event approve by alice at 2026-11-26T09:05:00Z: rejected\n"
            "  approve rejected by policy four_eyes (" +
                file +
                ":18): event.user == requester \u2192 "
                "true (event.user = \"alice\", requester = \"alice\")\n"
                "  rejected: denied by policy four_eyes: The requester may not approve their own "
                "change\n");
  const auto start = vflow("explain CHG-1 --seq 1");
  EXPECT_NE(start.out.find("rule high_risk_escalates (" + file +
                           ":25) fired: risk == \"high\" \u2192 true (risk = \"high\"), "
                           "escalations == 0 \u2192 true (escalations = 0)"),
            std::string::npos)
      << start.out;
  const json j = vflow_json("explain CHG-1 --seq 2");
  EXPECT_EQ(j["format_version"], 1);
  EXPECT_EQ(j["detail"]["trace"][0]["policy"], "four_eyes");
  EXPECT_EQ(j["detail"]["trace"][0]["parts"][0]["reads"]["requester"], "alice");
  EXPECT_EQ(vflow("explain CHG-1 --seq 99").exit_code, 1);
  EXPECT_EQ(vflow("explain NOPE").exit_code, 1);
}

TEST_F(RulesCli, LowRiskChangesSkipTheBoard) {
  ASSERT_EQ(vflow("deploy " + src("workflows")).exit_code, 0);
  ASSERT_EQ(vflow("start Change --id RFC-8 summary='rotate logs' requester=alice").exit_code, 0);
  vflow("fire RFC-8 submit");
  EXPECT_EQ(vflow_json("status RFC-8")["state"], json::array({"PeerPending", "BoardApproved"}));
  vflow("fire RFC-8 approve user=bob --actor bob");
  EXPECT_EQ(vflow_json("status RFC-8")["state"], json::array({"Approved"}));
  EXPECT_EQ(vflow("verify RFC-8").exit_code, 0);
}

TEST_F(RulesCli, ShippedChangeWorkflowHappyPath) {
  ASSERT_EQ(vflow("deploy " + src("workflows")).exit_code, 0);
  // The shipped Change replaces the example's: version 2 of the same name.
  ASSERT_EQ(
      vflow("start Change --id RFC-7 summary='patch mail relay' requester=alice --actor alice")
          .exit_code,
      0);
  EXPECT_EQ(vflow_json("status RFC-7")["version"], 2);
  EXPECT_EQ(vflow("fire RFC-7 assess risk=extreme --actor bob").exit_code, 1);  // valid_risk
  EXPECT_EQ(vflow("fire RFC-7 assess risk=high --actor bob").exit_code, 0);
  EXPECT_EQ(vflow_json("status RFC-7")["data"]["escalated_to"], "CAB");
  EXPECT_EQ(vflow("fire RFC-7 submit --actor alice").exit_code, 0);
  EXPECT_EQ(vflow("fire RFC-7 approve user=bob --actor alice").exit_code, 1);  // four_eyes: actor
  EXPECT_EQ(vflow("fire RFC-7 approve user=bob --actor bob").exit_code, 0);
  // Peer approval is in; the board's is pending (high risk): still in Approval.
  EXPECT_EQ(vflow_json("status RFC-7")["state"], json::array({"PeerApproved", "BoardPending"}));
  EXPECT_EQ(vflow("gate RFC-7 --can deploy").exit_code, 1);  // CAB and tests missing
  vflow("fire RFC-7 cab_approve --actor cab");
  EXPECT_EQ(vflow_json("status RFC-7")["state"], json::array({"Approved"}));
  const auto no_tests = vflow("gate RFC-7 --can deploy");
  EXPECT_EQ(no_tests.exit_code, 1);
  EXPECT_NE(no_tests.out.find("no passing test run is recorded"), std::string::npos)
      << no_tests.out;
  vflow("fire RFC-7 record_tests passed=true evidence=https://ci.example/run/42 --actor ci");
  EXPECT_EQ(vflow("gate RFC-7 --can deploy").exit_code, 0);
  EXPECT_EQ(vflow("fire RFC-7 deploy --actor ci").exit_code, 0);
  EXPECT_EQ(vflow("fire RFC-7 complete --actor ops").exit_code, 0);
  const json s = vflow_json("status RFC-7");
  EXPECT_EQ(s["state"], json::array({"Completed"}));
  EXPECT_EQ(s["lifecycle"], "completed");
  EXPECT_EQ(vflow("verify RFC-7").exit_code, 0);
}

}  // namespace
