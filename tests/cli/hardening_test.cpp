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

}  // namespace
