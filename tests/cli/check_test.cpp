// `vflow check` driven as a user would: the real binary, exit codes, text and JSON output.
#include <gtest/gtest.h>

#include "tests/cli/cli_util.hpp"

#include <filesystem>
#include <fstream>

namespace {

using vflow::test::run_vflow;

vflow::test::run_result run(const std::string& args, bool merge_stderr = true) {
  return run_vflow(args, merge_stderr);
}

std::string src(const std::string& rel) { return std::string(VFLOW_SOURCE_DIR) + "/" + rel; }

TEST(CheckCommand, ShippedWorkflowsAreClean) {
  const auto r = run("check " + src("workflows"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("Incident (11 states"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 errors, 0 warnings"), std::string::npos) << r.out;
}

TEST(CheckCommand, ReportsEverySemanticErrorOfAFileInOneRun) {
  const auto r = run("check " + src("tests/flows/invalid/operator_types.flow"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("checked 1 file: 8 errors, 0 warnings"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("operator_types.flow:19:27: error[F0204]: operator '-' cannot be applied to "
                       "'time' and 'time?'"),
            std::string::npos)
      << r.out;
}

TEST(CheckCommand, RendersCaretAndHelp) {
  const auto r = run("check " + src("tests/flows/invalid/unknown_state.flow"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("unknown_state.flow:5:19: error[F0102]: unknown state 'Resloved'\n"
                       " 5 |     on resolve -> Resloved\n"
                       "   |                   ^^^^^^^^\n"
                       "   help: did you mean 'Resolved'?\n"),
            std::string::npos)
      << r.out;
}

TEST(CheckCommand, JsonReportHasTheDocumentedShape) {
  const auto r = run("check --json " + src("tests/flows/invalid/unknown_state.flow"), false);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.rfind("{\n  \"format_version\": 1,\n  \"valid\": false,\n  \"error_count\": 1,\n"
                        "  \"warning_count\": 0,\n  \"diagnostics\": [\n",
                        0),
            0u)
      << r.out;
  for (const char* key :
       {"\"code\": \"F0102\"", "\"severity\": \"error\"", "\"line\": 5", "\"column\": 19",
        "\"end_line\": 5", "\"end_column\": 27", "\"help\": \"did you mean 'Resolved'?\""}) {
    EXPECT_NE(r.out.find(key), std::string::npos) << key << "\n" << r.out;
  }
}

TEST(CheckCommand, UsageErrorsExitTwo) {
  EXPECT_EQ(run("check").exit_code, 2);
  EXPECT_EQ(run("check /no/such/file.flow").exit_code, 2);
  EXPECT_EQ(run("check --bogus x").exit_code, 2);
  EXPECT_EQ(run("frobnicate").exit_code, 2);
  EXPECT_EQ(run("").exit_code, 2);
}

TEST(CheckCommand, DuplicateWorkflowAcrossFilesIsAnError) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("vflow-check-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  for (const char* name : {"a.flow", "b.flow"}) {
    std::ofstream(dir / name) << "stream D2C\nworkflow Same {\n  initial final state Done\n}\n";
  }
  const auto r = run("check " + dir.string());
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("b.flow:2:10: error[F0101]: duplicate workflow 'Same'"), std::string::npos)
      << r.out;
}

TEST(CheckCommand, HostileInputExitsOneWithADiagnostic) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("vflow-hostile-" + std::to_string(getpid()) + ".flow");
  std::ofstream(path) << "stream D2C\nworkflow W {\n  initial state A {\n    on e -> A when "
                      << std::string(200000, '(') << "\n";
  const auto r = run("check " + path.string());
  std::filesystem::remove(path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("error[F0001]: expression is nested too deeply"), std::string::npos)
      << r.out.substr(0, 300);
}

}  // namespace
