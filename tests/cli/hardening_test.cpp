// Defects found by careless and hostile use (the hardening issue), each reproduced through the
// real binary and kept fixed: bad input gets a clear message, a non-zero exit code, and leaves the
// store exactly as it was.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_util.hpp"

namespace {

using json = nlohmann::json;
using vflow::test::shell;

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class Hardening : public vflow::test::cli_fixture {
 protected:
  void deploy_and_start() {
    ASSERT_EQ(vflow("deploy " + src("workflows")).exit_code, 0);
    const auto r = vflow("start Incident --id INC-1 service=mail priority=2 --actor alice");
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
};

// Item 5: a repeated parameter or field was silently accepted, the last one winning.
TEST_F(Hardening, RepeatedParameterIsAUsageErrorAndWritesNothing) {
  deploy_and_start();
  const std::string before = dump();
  const auto r = vflow("fire INC-1 reprioritize priority=1 priority=5");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(r.out, "vflow: parameters 'priority' is given more than once; give each once\n");
  EXPECT_EQ(dump(), before);
  const auto s = vflow("start Incident --id INC-2 service=a service=b");
  EXPECT_EQ(s.exit_code, 2) << s.out;
  EXPECT_EQ(dump(), before);
}

// Item 13: a directory given to graph was read as an empty file and reported at DIR:1:1; a file
// that does not compile exited 2 (usage) instead of 1 (diagnostics).
TEST_F(Hardening, GraphOfADirectoryOrABrokenFile) {
  const auto d = vflow("graph " + src("workflows"));
  EXPECT_EQ(d.exit_code, 2);
  EXPECT_EQ(d.out, "vflow: cannot read " + src("workflows") + ": it is a directory\n");
  const auto b = vflow("graph " + src("tests/flows/invalid/unknown_state.flow"));
  EXPECT_EQ(b.exit_code, 1) << b.out;
  EXPECT_NE(b.out.find("unknown_state.flow:5:19: error[F0102]: unknown state 'Resloved'"),
            std::string::npos)
      << b.out;
}

// Item 2: diagnostics were rendered in O(lines x diagnostics) and printed without end; now at
// most --error-limit (20) are shown, with the count of the rest.
TEST_F(Hardening, ManyErrorsAreCutAtTheLimitAndCounted) {
  std::string text = "stream D2C\nworkflow W {\n  initial state A\n";
  for (int i = 0; i < 20000; ++i)
    text += "  state S" + std::to_string(i) + " { on x -> Nowhere }\n";
  text += "}\n";
  write(dir / "many.flow", text);
  const auto r = vflow("check " + (dir / "many.flow").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(occurrences(r.out, "error[F"), 20u) << r.out.substr(0, 2000);
  EXPECT_NE(r.out.find("vflow: 39980 more errors not shown (--error-limit 0 shows all)\n"),
            std::string::npos)
      << r.out.substr(r.out.size() - 500);
  const auto all = vflow("--error-limit 0 check " + (dir / "many.flow").string());
  EXPECT_EQ(occurrences(all.out, "error[F"), 40000u);
  EXPECT_EQ(all.out.find("not shown"), std::string::npos);
  const json j = vflow_json("check " + (dir / "many.flow").string());
  EXPECT_EQ(j["diagnostics"].size(), 20u);
  EXPECT_EQ(j["diagnostics_not_shown"], 39980);
  EXPECT_EQ(j["error_count"], 40000);
}

// Item 1: a second root element was freed while its attributes were still being written (heap
// use-after-free); now expat reads the document and refuses it.
TEST_F(Hardening, ScxmlWithTwoRootsIsRefused) {
  write(dir / "u.scxml", "<a/><b c=\"\"/>");
  const auto r = vflow("import scxml " + (dir / "u.scxml").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("u.scxml:1:5: error[S0000]: not a well-formed XML document: junk after "
                       "document element"),
            std::string::npos)
      << r.out;
}

// Item 1: 10,000 nested <state> overflowed the stack; 2,000 took 78 s to be refused.
TEST_F(Hardening, DeeplyNestedScxmlIsRefusedAtTheBound) {
  std::string doc = "<scxml xmlns=\"http://www.w3.org/2005/07/scxml\">\n";
  for (int i = 0; i < 10000; ++i) doc += "<state id=\"s" + std::to_string(i) + "\">";
  for (int i = 0; i < 10000; ++i) doc += "</state>";
  doc += "</scxml>\n";
  write(dir / "deep.scxml", doc);
  const auto r = vflow("import scxml " + (dir / "deep.scxml").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("error[S0000]: not a well-formed XML document: elements are nested more "
                       "than 128 levels deep"),
            std::string::npos)
      << r.out.substr(0, 500);
}

// Item 1: an 80k-state chart took minutes (every element re-counted lines from the start).
TEST_F(Hardening, LargeScxmlImportsInOnePass) {
  std::string doc = "<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" initial=\"s0\">\n";
  for (int i = 0; i < 80000; ++i) {
    doc += "  <state id=\"s" + std::to_string(i) + "\"><transition event=\"next\" target=\"s" +
           std::to_string(i + 1 < 80000 ? i + 1 : i) + "\"/></state>\n";
  }
  doc += "</scxml>\n";
  write(dir / "big.scxml", doc);
  const auto r = vflow("import scxml " + (dir / "big.scxml").string(), false);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("  state s79999 {\n    on next -> s79999\n  }\n"), std::string::npos);
}

}  // namespace
