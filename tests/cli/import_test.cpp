// `vflow import scxml`: a hand-written SCXML document becomes a .flow machine that behaves as
// specified; what cannot be imported is reported with its element and line.
#include <gtest/gtest.h>

#include <filesystem>
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

// `export scxml` then `import scxml` beside the other shipped files: the incident comes back with
// its timer, links and history, deploys with the library, and runs through the CLI.
TEST_F(ImportCli, ExportedWorkflowImportsBackBesideItsLibraryAndRuns) {
  namespace fs = std::filesystem;
  const fs::path library = dir / "workflows";
  fs::copy(src("workflows"), library, fs::copy_options::recursive);
  const fs::path flow = library / "d2c" / "incident.flow";
  const fs::path chart = library / "d2c" / "incident.scxml";
  const auto exported = vflow("export scxml " + flow.string(), false);
  ASSERT_EQ(exported.exit_code, 0) << exported.out;
  for (const std::string& part :
       {std::string("datamodel=\"vflow\" name=\"Incident\" initial=\"New\" vflow:stream=\"D2C\""),
        std::string("<data id=\"response_time\" vflow:type=\"duration\" expr=\"15m\"/>"),
        std::string("<vflow:link name=\"problem\" workflow=\"Problem\" cardinality=\"optional\" "
                    "inverse=\"incidents\"/>"),
        std::string(
            "<vflow:after delay=\"response_time\" cond=\"priority &lt;= 2\" "
            "target=\"Escalated\">\n      <assign location=\"escalated_at\" expr=\"now\"/>"),
        std::string("<history id=\"Resume\" type=\"shallow\"/>")}) {
    EXPECT_NE(exported.out.find(part), std::string::npos) << part << "\n" << exported.out;
  }
  std::ofstream(chart) << exported.out;
  fs::remove(flow);
  // The imports are read next to the document, as if the .flow were written there.
  const auto imported = vflow("import scxml " + chart.string(), false);
  ASSERT_EQ(imported.exit_code, 0) << imported.out;
  std::ofstream(flow) << imported.out;
  ASSERT_EQ(vflow("deploy " + library.string()).exit_code, 0);
  ASSERT_EQ(
      vflow("start Incident --id I1 service=mail priority=1 --at 2026-12-03T08:00:00Z").exit_code,
      0);
  vflow("tick --now 2026-12-03T08:20:00Z");
  EXPECT_EQ(vflow_json("status I1")["state"], json::array({"Escalated"}));
  for (const char* e :
       {"assign user=ann", "start_work", "diagnose finding=disk", "hold reason=vendor", "resume"}) {
    ASSERT_EQ(vflow(std::string("fire I1 ") + e + " --at 2026-12-03T09:00:00Z").exit_code, 0) << e;
  }
  EXPECT_EQ(vflow_json("status I1")["state"], json::array({"Fixing"}));  // back through history
  EXPECT_EQ(vflow("verify I1").exit_code, 0);  // the journal replays on the imported definition
}

TEST_F(ImportCli, ExportScxmlUsage) {
  const auto two = vflow("export scxml " + src("tests/flows/valid/two_workflows.flow"));
  EXPECT_EQ(two.exit_code, 2);
  EXPECT_NE(two.out.find("defines several workflows (Order, Subscription): choose one with "
                         "--workflow"),
            std::string::npos)
      << two.out;
  const json one = vflow_json("export scxml " + src("tests/flows/valid/two_workflows.flow") +
                              " --workflow Subscription");
  EXPECT_EQ(one["workflow"], "Subscription");
  EXPECT_NE(one["scxml"].get<std::string>().find("name=\"Subscription\""), std::string::npos);
  EXPECT_EQ(
      vflow("export scxml " + src("tests/flows/valid/two_workflows.flow") + " --workflow Nope")
          .exit_code,
      2);
  EXPECT_EQ(vflow("export scxml /no/such.flow").exit_code, 2);
  const auto broken = vflow("export scxml " + src("tests/flows/invalid/if_errors.flow"));
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.out.find("does not compile"), std::string::npos) << broken.out;
}

// A document claiming to be vflow's cannot smuggle declarations in through an expression.
TEST_F(ImportCli, VflowDocumentsKeepExpressionsInTheirPlace) {
  const std::string chart = (dir / "hostile.scxml").string();
  std::ofstream(chart)
      << "<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" "
         "xmlns:v=\"https://vflow.dev/scxml/1\" datamodel=\"vflow\" name=\"H\">\n"
         "  <datamodel><data id=\"n\" v:type=\"int; evil\" expr=\"0\"/></datamodel>\n"
         "  <v:event name=\"go\"/>\n"
         "  <state id=\"a\">\n"
         "    <transition event=\"go\" cond=\"true { n = 1 }\" target=\"a\"/>\n"
         "  </state>\n"
         "</scxml>\n";
  const auto r = vflow("import scxml " + chart);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(":2:14: warning[S0001]: 'int; evil' is not a .flow type; it was not "
                       "imported"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(":5:5: warning[S0001]: 'true { n = 1 }' is not a .flow expression; it was "
                       "not imported"),
            std::string::npos)
      << r.out;
  const auto flow = vflow("import scxml " + chart, false).out;  // stdout: the .flow alone
  EXPECT_NE(flow.find("workflow H {"), std::string::npos) << flow;
  EXPECT_EQ(flow.find("n = 1"), std::string::npos) << flow;
}

// The exported documents kept in tests/scxml/exported (also the fuzzer's seeds) are what `export
// scxml` writes now: a change of the format is a visible change of these files.
TEST_F(ImportCli, ExportedDocumentsAreStable) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"workflows/d2c/change.flow", "change"},
      {"workflows/d2c/incident.flow", "incident"},
      {"tests/flows/valid/links.flow --workflow Change", "links_change"},
      {"tests/flows/valid/links.flow --workflow Problem", "links_problem"},
      {"tests/flows/valid/branches.flow", "branches"},
      {"tests/flows/valid/default_blocks.flow", "default_blocks"}};
  const auto after_comment = [](const std::string& xml) { return xml.substr(xml.find("-->")); };
  for (const auto& [args, name] : cases) {
    const auto r = vflow("export scxml " + src(args), false);
    ASSERT_EQ(r.exit_code, 0) << args;
    std::ifstream in(src("tests/scxml/exported/" + name + ".scxml"));
    const std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(after_comment(r.out), after_comment(kept)) << name;
  }
}

}  // namespace
