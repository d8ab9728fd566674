// `vflow import scxml`: a hand-written SCXML document becomes a .flow machine that behaves as
// specified; what cannot be imported is reported with its element and line.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/cli/cli_util.hpp"

namespace {

using nlohmann::json;

class ImportCli : public vflow::test::cli_fixture {};

TEST_F(ImportCli, ReleaseRoundTripsIntoAMachineThatBehavesAsSpecified) {
  const auto r = vflow("import scxml " + src("tests/scxml/release.scxml"), false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("  parallel Approvals {\n    region Security {\n"), std::string::npos)
      << r.out;
  // SCXML's delayed send stays a delayed send (delivered even after Paused is left), not a timer.
  EXPECT_NE(r.out.find("      send timeout after 2h\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("on built -> Compile when in_state(Compile) and not in_state(Test)"),
            std::string::npos)
      << r.out;
  const std::string flow = (dir / "release.flow").string();
  std::ofstream(flow) << r.out;
  ASSERT_EQ(vflow("check " + flow).exit_code, 0);
  ASSERT_EQ(vflow("deploy " + flow).exit_code, 0);
  ASSERT_EQ(vflow("start Release --id R --at 2026-11-26T08:00:00Z").exit_code, 0);
  for (const char* e : {"start", "sec_ok", "cab_ok", "fix"}) {
    ASSERT_EQ(vflow(std::string("fire R ") + e + " --at 2026-11-26T08:10:00Z").exit_code, 0) << e;
  }
  EXPECT_EQ(vflow_json("status R")["state"], json::array({"Test"}));
  EXPECT_EQ(vflow_json("status R")["data"]["entered"], 1);
  vflow("fire R pause --at 2026-11-26T09:00:00Z");
  vflow("fire R resume --at 2026-11-26T09:30:00Z");
  EXPECT_EQ(vflow_json("status R")["state"], json::array({"Test"}));  // back through history
  vflow("fire R pause --at 2026-11-26T10:00:00Z");
  EXPECT_NE(vflow("tick --now 2026-11-26T12:00:00Z").out.find("Paused -> Abandoned"),
            std::string::npos);
  EXPECT_EQ(vflow_json("status R")["lifecycle"], "completed");
}

TEST_F(ImportCli, UnsupportedPartsAreReportedNotDropped) {
  const auto r = vflow("import scxml " + src("tests/scxml/unsupported.scxml"));
  EXPECT_EQ(r.exit_code, 1);
  const std::string file = src("tests/scxml/unsupported.scxml");
  for (const std::string& expected :
       {file + ":3:5: warning[S0001]: <invoke> is not supported; it was not imported\n"
               " 3 |     <invoke type=\"http\" src=\"http://example/service\"/>\n"
               "   |     ^^^^^^^\n",
        file + ":4:14: warning[S0001]: <foreach> is not supported; it was not imported",
        file + ":4:46: warning[S0001]: expression 'Math.max(y, 1)' uses '.', which is not "
               "imported",
        file + ":5:39: warning[S0001]: <script> is not supported; it was not imported"}) {
    EXPECT_NE(r.out.find(expected), std::string::npos) << expected << "\n" << r.out;
  }
}

TEST_F(ImportCli, JsonCarriesTheFlowAndTheDiagnostics) {
  const json ok = vflow_json("import scxml " + src("tests/scxml/release.scxml"));
  EXPECT_EQ(ok["format_version"], 1);
  EXPECT_EQ(ok["imported"], true);
  EXPECT_NE(ok["flow"].get<std::string>().find("parallel Approvals"), std::string::npos);
  const json bad = vflow_json("import scxml " + src("tests/scxml/unsupported.scxml"));
  EXPECT_EQ(bad["imported"], false);
  EXPECT_EQ(bad["diagnostics"].size(), 4u);
  EXPECT_EQ(bad["diagnostics"][0]["line"], 3);
  EXPECT_EQ(bad["diagnostics"][0]["column"], 5);
  EXPECT_EQ(bad["diagnostics"][0]["severity"], "warning");
  const json graph = vflow_json("graph " + src("tests/flows/valid/release.flow"));
  EXPECT_EQ(graph["workflow"], "Release");
  EXPECT_EQ(graph["graph"].get<std::string>().rfind("digraph \"Release\"", 0), 0u);
}

TEST_F(ImportCli, MalformedDocumentsAndUsage) {
  const std::string bad = (dir / "bad.scxml").string();
  std::ofstream(bad) << "<scxml><state id=\"a\"></scxml>";
  const auto r = vflow("import scxml " + bad);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("error[S0000]: not a well-formed XML document"), std::string::npos) << r.out;
  EXPECT_EQ(vflow("import bpmn " + bad).exit_code, 2);
  EXPECT_EQ(vflow("import scxml /no/such.scxml").exit_code, 2);
}

}  // namespace
