// `vflow graph`: byte-stable DOT and Mermaid, instance marks, and pictures Graphviz can render.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/cli/cli_util.hpp"

namespace {

using vflow::test::shell;

class GraphCli : public vflow::test::cli_fixture {
 protected:
  void SetUp() override {
    std::ofstream(flow()) << R"(stream R2D
workflow Build {
  title "CI build"
  data { tries: int = 0 }
  event pass
  event fail(reason: string)
  initial state Running {
    on pass -> Passed
    on fail -> Running when tries < 2 { tries = tries + 1 }
    on fail -> Failed
    after 1h -> Failed
  }
  final state Passed
  final state Failed
}
)";
  }
  std::string flow() const { return (dir / "build.flow").string(); }
};

TEST_F(GraphCli, DotIsByteStable) {
  const auto r = vflow("graph " + flow());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "digraph \"Build\" {\n"
            "  rankdir=LR;\n"
            "  compound=true;\n"
            "  labelloc=t;\n"
            "  nodesep=0.4;\n"
            "  ranksep=0.6;\n"
            "  label=\"Build: CI build\";\n"
            "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
            "  edge [fontname=\"Helvetica\", fontsize=10];\n"
            "  \"__initial\" [shape=point, width=0.15];\n"
            "  \"Running\";\n"
            "  \"Passed\" [peripheries=2];\n"
            "  \"Failed\" [peripheries=2];\n"
            "  \"__initial\" -> \"Running\";\n"
            "  \"Running\" -> \"Passed\" [label=\"pass\"];\n"
            "  \"Running\" -> \"Running\" [label=\"fail\\n[tries < 2]\"];\n"
            "  \"Running\" -> \"Failed\" [label=\"fail\"];\n"
            "  \"Running\" -> \"Failed\" [label=\"after 1h\", style=dashed];\n"
            "}\n");
  EXPECT_EQ(vflow("graph " + flow()).out, r.out);
}

TEST_F(GraphCli, Mermaid) {
  EXPECT_EQ(vflow("graph " + flow() + " --format mermaid").out,
            "stateDiagram-v2\n"
            "  %% Build: CI build\n"
            "  [*] --> Running\n"
            "  Running --> Passed : pass\n"
            "  Running --> Running : fail [tries < 2]\n"
            "  Running --> Failed : fail\n"
            "  Running --> Failed : after 1h\n"
            "  Passed --> [*]\n"
            "  Failed --> [*]\n");
}

TEST_F(GraphCli, InstanceMarksActiveStatesAndTakenTransitions) {
  ASSERT_EQ(vflow("deploy " + flow()).exit_code, 0);
  ASSERT_EQ(vflow("start Build --id B-1").exit_code, 0);
  ASSERT_EQ(vflow("fire B-1 fail reason=flaky").exit_code, 0);
  const auto r = vflow("graph --instance B-1");
  EXPECT_NE(r.out.find("\"Running\" [style=\"rounded,filled\", fillcolor=\"#ffd966\"];"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\"Running\" -> \"Running\" [label=\"fail\\n[tries < 2]\", "
                       "color=\"#1f77b4\", penwidth=2];"),
            std::string::npos)
      << r.out;
  EXPECT_NE(vflow("graph --instance B-1 --format mermaid").out.find("class Running active"),
            std::string::npos);
  EXPECT_EQ(vflow("graph --instance NOPE").exit_code, 1);
}

TEST_F(GraphCli, UsageErrors) {
  EXPECT_EQ(vflow("graph").exit_code, 2);
  EXPECT_EQ(vflow("graph " + flow() + " --format png").exit_code, 2);
  EXPECT_EQ(vflow("graph " + flow() + " --workflow Nope").exit_code, 2);
  EXPECT_EQ(vflow("graph " + src("tests/flows/valid/two_workflows.flow")).exit_code, 2);
  EXPECT_EQ(
      vflow("graph " + src("tests/flows/valid/two_workflows.flow") + " --workflow Order").exit_code,
      0);
}

TEST_F(GraphCli, NestedStatesAreClustersAndComposites) {
  const std::string release = src("tests/flows/valid/release.flow");
  const auto dot = vflow("graph " + release).out;
  EXPECT_NE(dot.find("subgraph \"cluster_Approvals\" {\n    label=\"Approvals (parallel)\";\n"
                     "    style=dashed;\n    labeljust=l;"),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("\"__Approvals\" -> \"__Building\" [label=\"done\", "
                     "ltail=\"cluster_Approvals\", lhead=\"cluster_Building\"];"),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("\"Resume\" [shape=circle, fontsize=10, label=\"H\\nResume\"];"),
            std::string::npos)
      << dot;
  const auto mermaid = vflow("graph " + release + " --format mermaid").out;
  EXPECT_NE(mermaid.find("  state Approvals {\n    state Security {\n      [*] --> SecPending\n"),
            std::string::npos)
      << mermaid;
  EXPECT_NE(mermaid.find("    }\n    --\n    state Cab {"), std::string::npos) << mermaid;
}

TEST_F(GraphCli, GraphvizRendersTheShippedWorkflows) {
  if (shell("command -v dot").empty()) GTEST_SKIP() << "graphviz is not installed";
  for (const char* f : {"workflows/d2c/incident.flow", "workflows/d2c/change.flow",
                        "tests/flows/valid/release.flow"}) {
    const std::string svg = shell(std::string(VFLOW_BINARY) + " graph " + src(f) + " | dot -Tsvg");
    EXPECT_NE(svg.find("<svg"), std::string::npos) << f;
    EXPECT_NE(svg.find("</svg>"), std::string::npos) << f;
    const std::string warnings =
        shell(std::string(VFLOW_BINARY) + " graph " + src(f) + " | dot -Tsvg 2>&1 >/dev/null");
    EXPECT_EQ(warnings, "") << f;
  }
}

// Mermaid's own parser reads what `graph --format mermaid` writes for every shipped and valid
// workflow and for an instance inside composite states; states named like Mermaid keywords
// parse; the active state inside a composite carries its mark (a description: Mermaid cannot
// style nested states, mermaid-js/mermaid#3732).
TEST_F(GraphCli, MermaidParsesEveryWorkflowAndInstance) {
  const std::string npm = VFLOW_NPM_DIR;
  if (!std::filesystem::exists(npm + "/node_modules/mermaid"))
    GTEST_SKIP() << "mermaid is not installed in " << npm << " (scripts/test.sh installs it)";
  std::filesystem::copy_file(src("tests/cli/mermaid_parse.mjs"), npm + "/mermaid_parse.mjs",
                             std::filesystem::copy_options::overwrite_existing);
  std::vector<std::string> files;
  int n = 0;
  for (const auto& f : vflow::test::flow_files({"workflows", "tests/flows/valid"})) {
    const std::string out = (dir / ("g" + std::to_string(n++) + ".mmd")).string();
    shell(std::string(VFLOW_BINARY) + " graph --format mermaid '" + f.string() + "' " +
          (f.filename() == "two_workflows.flow" ? "--workflow Order "
           : f.filename() == "links.flow"       ? "--workflow Problem "
                                                : "") +
          "> '" + out + "'");
    files.push_back(out);
  }
  const std::string keywords = (dir / "kw.flow").string();
  std::ofstream(keywords) << "stream D2C\nworkflow K {\n  event go\n  initial state note {\n"
                             "    on go -> class\n  }\n  state class {\n    initial state end {\n"
                             "      on go -> style\n    }\n    final state style\n  }\n}\n";
  files.push_back((dir / "kw.mmd").string());
  shell(std::string(VFLOW_BINARY) + " graph --format mermaid '" + keywords + "' > '" +
        files.back() + "'");
  ASSERT_EQ(vflow("deploy " + src("workflows")).exit_code, 0);
  ASSERT_EQ(vflow("start Incident --id INC-1 service=mail").exit_code, 0);
  for (const char* e : {"assign user=ada", "start_work"}) {
    ASSERT_EQ(vflow(std::string("fire INC-1 ") + e).exit_code, 0) << e;
  }
  // A trace is a flowchart: instance ids and states in quoted labels.
  ASSERT_EQ(
      vflow("start Problem --id \"PRB-1\" title='a \"quoted\" <title>' incidents=INC-1").exit_code,
      0);
  files.push_back((dir / "trace.mmd").string());
  shell(std::string(VFLOW_BINARY) + " --db '" + db() + "' trace INC-1 --format mermaid > '" +
        files.back() + "'");
  files.push_back((dir / "instance.mmd").string());
  shell(std::string(VFLOW_BINARY) + " --db '" + db() +
        "' graph --instance INC-1 --format mermaid > '" + files.back() + "'");
  std::string args;
  for (const auto& f : files) args += " '" + f + "'";
  const std::string out = shell("cd '" + npm + "' && node mermaid_parse.mjs" + args);
  std::istringstream lines(out);
  std::size_t parsed = 0;
  nlohmann::json instance;
  for (std::string line; std::getline(lines, line);) {
    const auto r = nlohmann::json::parse(line);
    EXPECT_TRUE(r["ok"].get<bool>()) << r["file"] << ": " << r["error"];
    ++parsed;
    if (r["file"] == files.back()) instance = r["states"];
  }
  EXPECT_EQ(parsed, files.size()) << out;
  ASSERT_TRUE(instance.contains("Diagnosing")) << instance.dump();
  EXPECT_EQ(instance["Diagnosing"]["descriptions"], nlohmann::json::array({"active"}));
  EXPECT_EQ(instance["Diagnosing"]["classes"], nlohmann::json::array({"active"}));
  EXPECT_EQ(instance["Assigned"]["classes"], nlohmann::json::array({"visited"}));
}

}  // namespace
