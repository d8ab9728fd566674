// `vflow test` through the real binary: the shipped scenarios pass with a coverage summary; a
// failing expectation and an unexpected refusal fail their scenario at their file:line; JUnit
// and JSON reports; a malformed scenario file is a usage error naming its line.
#include <fstream>

#include "cli_util.hpp"

namespace vflow::test {
namespace {

class TestCommand : public cli_fixture {
 protected:
  std::string write(const std::string& body) {
    const auto path = dir / "w.flowtest";
    std::ofstream(path) << "use \"" + src("workflows/d2c/change.flow") + "\"\n" + body;
    return path.string();
  }
};

// Every shipped workflow has scenarios, and they pass: each of the 14 workflows of the four
// streams has its transitions exercised (what is not is listed, by line).
TEST_F(TestCommand, TheShippedScenariosPassWithCoverage) {
  const auto r = run_vflow("test '" + src("workflows") + "'", false);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("coverage (what no scenario exercised):\n"), std::string::npos) << r.out;
  EXPECT_NE(
      r.out.find("  Change: 16 of 16 transitions, 5 of 6 policy clauses\n      " +
                 src("workflows/d2c/change.flow") + ":55  policy cab_for_high_risk never denied\n"),
      std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
  const auto j =
      nlohmann::json::parse(run_vflow("--json test '" + src("workflows") + "'", false).out);
  EXPECT_EQ(j["failed"], 0);
  EXPECT_GE(j["passed"], 20);
  ASSERT_EQ(j["coverage"].size(), 14u);
  for (const auto& w : j["coverage"]) {
    EXPECT_GT(w["transitions"]["covered"], 0) << w["workflow"];
    EXPECT_GE(w["transitions"]["covered"].get<int>() + 1, w["transitions"]["total"].get<int>())
        << w["workflow"] << " has more than one transition no scenario takes";
  }
}

TEST_F(TestCommand, AFailingExpectationFailsItsScenarioAtItsLine) {
  const std::string file = write(
      "scenario \"passes\"\n"  // line 2
      "  start Change summary=a requester=alice\n"
      "  expect state Requested\n"
      "end\n"
      "scenario \"fails\"\n"  // line 6
      "  start Change summary=a requester=alice --id C-1\n"
      "  fire submit\n"
      "  expect state Approved\n"  // line 9
      "end\n");
  const auto r = run_vflow("test '" + file + "'", false);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("ok    " + file + ":2  passes\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL  " + file + ":6  fails\n      " + file +
                       ":9: expected state Approved, but Change C-1 is in PeerPending, "
                       "BoardApproved\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("2 scenarios: 1 passed, 1 failed\n"), std::string::npos) << r.out;
}

TEST_F(TestCommand, ARefusalNobodyExpectedFailsAtItsStep) {
  const std::string file = write(
      "scenario \"self-approval\"\n"
      "  start Change summary=a requester=alice\n"
      "  fire submit\n"
      "  fire approve user=alice\n"  // line 5: refused, and nothing expects it
      "  expect state Approved\n"
      "end\n");
  const auto r = run_vflow("test '" + file + "'", false);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(file + ":5: rejected: denied by policy four_eyes"), std::string::npos)
      << r.out;
}

TEST_F(TestCommand, JunitAndJsonReports) {
  const std::string file = write(
      "scenario \"passes\"\n"
      "  start Change summary=a requester=alice\n"
      "end\n"
      "scenario \"fails & says so\"\n"
      "  start Change summary=a requester=alice\n"
      "  expect risk = high\n"
      "end\n");
  const auto junit = run_vflow("test --format junit '" + file + "'", false);
  EXPECT_EQ(junit.exit_code, 1);
  EXPECT_EQ(junit.out.substr(0, junit.out.find("time=")),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"vflow\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\">\n"
            "  <testsuite name=\"vflow test\" tests=\"2\" failures=\"1\" errors=\"0\" "
            "skipped=\"0\">\n"
            "    <testcase classname=\"" +
                file + "\" name=\"passes\" file=\"" + file + "\" line=\"2\" ");
  EXPECT_NE(junit.out.find("name=\"fails &amp; says so\""), std::string::npos) << junit.out;
  EXPECT_NE(junit.out.find("<failure message=\"expected risk = high, but it is low\">" + file +
                           ":7: expected risk = high, but it is low</failure>"),
            std::string::npos)
      << junit.out;
  const auto j = nlohmann::json::parse(run_vflow("--json test '" + file + "'", false).out);
  EXPECT_EQ(j["passed"], 1);
  EXPECT_EQ(j["failed"], 1);
  EXPECT_EQ(j["scenarios"][1]["failure"]["line"], 7);
  EXPECT_EQ(j["coverage"][0]["workflow"], "Change");
  EXPECT_EQ(j["coverage"][0]["transitions"]["total"], 16);
  EXPECT_EQ(j["coverage"][0]["transitions"]["covered"], 0);
}

TEST_F(TestCommand, AMalformedScenarioFileIsAUsageErrorAtItsLine) {
  const std::string file = write("scenario \"x\"\n  frobnicate\nend\n");
  const auto r = run_vflow("test '" + file + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "vflow test: " + file +
                       ":3: unknown word 'frobnicate': expected use, scenario, start, fire, "
                       "gate, tick, expect or end\n");
  EXPECT_EQ(run_vflow("test '" + (dir / "none").string() + "'").exit_code, 2);
}

// examples/ci/pipeline.sh, as a CI job runs it: SARIF and JUnit reports written, the release
// reported and deployed through the gate; run again for the same job, the events are not
// recorded twice and the gate, asked about a deployed release, says no (exit 1).
TEST_F(TestCommand, TheCiExamplePipelineDeploysThroughTheGate) {
  const std::string env = "cd '" + src("") + "' && VFLOW='" + std::string(VFLOW_BINARY) +
                          "' VFLOW_DB='" + db() + "' VFLOW_REPORTS='" + (dir / "r").string() +
                          "' CI_JOB_ID=77 bash examples/ci/pipeline.sh REL-9 > /dev/null 2>&1";
  EXPECT_EQ(shell(env + "; echo $?"), "0\n");
  EXPECT_EQ(vflow_json("status REL-9")["state"][0], "Deployed");
  const auto sarif = nlohmann::json::parse(shell("cat '" + (dir / "r/vflow.sarif").string() + "'"));
  EXPECT_EQ(sarif["version"], "2.1.0");
  EXPECT_NE(shell("cat '" + (dir / "r/vflow-junit.xml").string() + "'").find("failures=\"0\""),
            std::string::npos);
  const auto seq = vflow_json("status REL-9")["seq"];
  EXPECT_EQ(shell(env + "; echo $?"), "1\n");
  EXPECT_EQ(vflow_json("status REL-9")["seq"].get<int>(), seq.get<int>() + 1);  // the gate's answer
}

}  // namespace
}  // namespace vflow::test
