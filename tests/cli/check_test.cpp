// `vflow check` driven as a user would: the real binary, exit codes, text and JSON output.
#include <gtest/gtest.h>

#include "tests/cli/cli_util.hpp"

#include <filesystem>
#include <fstream>
#include <set>

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

// The CI formats, on a file with an error (and the help that goes with it) and a file with only
// warnings: SARIF 2.1.0, JUnit XML and GitHub annotations, each the whole report on stdout.
class CheckFormats : public testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir / "bad.flow") << "stream R2F\nworkflow Order {\n  event submit\n"
                                       "  event submit(by: string)\n"
                                       "  initial state Draft { on submit -> Submitted }\n"
                                       "  final state Submitted\n}\n";
    std::ofstream(dir / "warn.flow") << "stream S2P\nworkflow Idea {\n  event approve\n"
                                        "  event shelve\n"
                                        "  initial state Proposed { on approve -> Approved }\n"
                                        "  final state Approved\n}\n";
    bad = (dir / "bad.flow").string();
    warn = (dir / "warn.flow").string();
  }
  vflow::test::temp_dir dir;
  std::string bad, warn;
};

TEST_F(CheckFormats, SarifHasARulePerCodeAndAResultPerDiagnostic) {
  const auto r = run("check --format sarif '" + bad + "' '" + warn + "'", false);
  EXPECT_EQ(r.exit_code, 1);
  const auto log = nlohmann::json::parse(r.out);
  EXPECT_EQ(log["version"], "2.1.0");
  EXPECT_EQ(log["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
  ASSERT_EQ(log["runs"].size(), 1u);
  const auto& run0 = log["runs"][0];
  EXPECT_EQ(run0["tool"]["driver"]["name"], "vflow");
  EXPECT_TRUE(run0["tool"]["driver"]["version"].is_string());
  std::set<std::string> rules;
  for (const auto& rule : run0["tool"]["driver"]["rules"]) {
    EXPECT_TRUE(rule["shortDescription"]["text"].is_string());
    EXPECT_TRUE(rules.insert(rule["id"].get<std::string>()).second) << "a rule twice";
  }
  EXPECT_EQ(rules, (std::set<std::string>{"F0104", "W0304"}));
  ASSERT_EQ(run0["results"].size(), 2u);
  const auto& error = run0["results"][0];
  EXPECT_EQ(error["ruleId"], "F0104");
  EXPECT_EQ(error["level"], "error");
  EXPECT_EQ(error["message"]["text"].get<std::string>().substr(0, 24), "duplicate event 'submit'");
  const auto& where = error["locations"][0]["physicalLocation"];
  EXPECT_EQ(where["artifactLocation"]["uri"], bad);
  EXPECT_EQ(where["region"]["startLine"], 4);
  EXPECT_EQ(where["region"]["startColumn"], 9);
  EXPECT_EQ(where["region"]["endLine"], 4);
  EXPECT_EQ(where["region"]["endColumn"], 15);
  const auto& warning = run0["results"][1];
  EXPECT_EQ(warning["ruleId"], "W0304");
  EXPECT_EQ(warning["level"], "warning");
  // With --warnings-as-errors the warning is an error too.
  const auto strict = nlohmann::json::parse(
      run("check --format sarif --warnings-as-errors '" + warn + "'", false).out);
  EXPECT_EQ(strict["runs"][0]["results"][0]["level"], "error");
}

TEST_F(CheckFormats, JunitHasATestCasePerFileFailedByItsErrors) {
  const auto r = run("check --format junit '" + bad + "' '" + warn + "'", false);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"vflow\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\">\n"
            "  <testsuite name=\"vflow check\" tests=\"2\" failures=\"1\" errors=\"0\" "
            "skipped=\"0\">\n"
            "    <testcase classname=\"vflow check\" name=\"" +
                bad + "\" file=\"" + bad +
                "\">\n"
                "      <failure message=\"duplicate event &apos;submit&apos;\" type=\"F0104\">" +
                bad +
                ":4:9: error[F0104]: duplicate event &apos;submit&apos;\n</failure>\n"
                "    </testcase>\n"
                "    <testcase classname=\"vflow check\" name=\"" +
                warn + "\" file=\"" + warn +
                "\">\n"
                "      <system-out>" +
                warn +
                ":4:9: warning[W0304]: event &apos;shelve&apos; is declared but no state handles "
                "it\n</system-out>\n"
                "    </testcase>\n"
                "  </testsuite>\n"
                "</testsuites>\n");
  const auto strict = run("check --format junit --warnings-as-errors '" + warn + "'", false);
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_NE(strict.out.find("failures=\"1\""), std::string::npos) << strict.out;
  EXPECT_NE(strict.out.find("<failure message=\"event &apos;shelve&apos;"), std::string::npos);
}

TEST_F(CheckFormats, GithubPrintsAnAnnotationPerDiagnostic) {
  auto r = run("check --format github '" + bad + "' '" + warn + "'", false);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "::error file=" + bad +
                       ",line=4,col=9,endLine=4,endColumn=15,title=F0104::duplicate event "
                       "'submit'\n"
                       "::warning file=" +
                       warn +
                       ",line=4,col=9,endLine=4,endColumn=15,title=W0304::event 'shelve' is "
                       "declared but no state handles it\n");
  r = run("check --format github '" + warn + "'", false);
  EXPECT_EQ(r.exit_code, 0);  // warnings pass, unless they count as errors
  r = run("check --format github --warnings-as-errors '" + warn + "'", false);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.substr(0, 7), "::error");
  r = run("--error-limit 1 check --format github '" + bad + "' '" + warn + "'", false);
  EXPECT_EQ(r.out.substr(r.out.find('\n') + 1),
            "::notice title=vflow check::1 more diagnostics not shown (--error-limit 0 shows "
            "all)\n");
}

TEST_F(CheckFormats, TextAndJsonCountWarningsAsErrorsWhenAsked) {
  EXPECT_EQ(run("check '" + warn + "'").exit_code, 0);
  const auto r = run("check --warnings-as-errors '" + warn + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("FAIL  " + warn), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(
      run("check --format json --warnings-as-errors '" + warn + "'", false).out);
  EXPECT_EQ(j["valid"], false);
  EXPECT_EQ(run("check --format yaml '" + warn + "'").exit_code, 2);
}

// Colour on a terminal (forced here with CLICOLOR_FORCE, as a test has none), never when
// NO_COLOR is set or when the output is piped.
TEST_F(CheckFormats, DiagnosticsAreColouredOnlyWhenWanted) {
  const auto forced = run_vflow("check '" + bad + "'", true);
  EXPECT_EQ(forced.out.find("\x1b["), std::string::npos) << "piped: no colour";
  const auto colour = vflow::test::shell("CLICOLOR_FORCE=1 " + std::string(VFLOW_BINARY) +
                                         " check '" + bad + "' 2>&1");
  EXPECT_NE(colour.find("\x1b[1;31merror[F0104]\x1b[0m"), std::string::npos) << colour;
  EXPECT_NE(colour.find("\x1b[32m^^^^^^\x1b[0m"), std::string::npos) << colour;
  const auto none = vflow::test::shell("NO_COLOR=1 CLICOLOR_FORCE=1 " + std::string(VFLOW_BINARY) +
                                       " check '" + bad + "' 2>&1");
  EXPECT_EQ(none.find("\x1b["), std::string::npos) << none;
  EXPECT_NE(none.find("error[F0104]"), std::string::npos);
}

}  // namespace
