// `vflow fmt` through the real binary: --check lists what differs (exit 1), --diff shows it,
// plain fmt rewrites in place keeping the file's mode, - formats standard input, and a file that
// does not parse is reported at its line and left untouched. The repository's own files are
// formatted (CI runs `vflow fmt --check`).
#include <sys/stat.h>

#include <fstream>

#include "cli_util.hpp"

namespace vflow::test {
namespace {

const char* const messy =
    "stream D2C\n"
    "workflow  W {   # the chart\n"
    "  event go\n"
    "    initial state A {on go->B}\n"
    "  # the end\n"
    "  final state B\n"
    "}\n";

const char* const tidy =
    "stream D2C\n"
    "\n"
    "workflow W {  # the chart\n"
    "  event go\n"
    "\n"
    "  initial state A {\n"
    "    on go -> B\n"
    "  }\n"
    "  # the end\n"
    "  final state B\n"
    "}\n";

class FmtCli : public cli_fixture {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir / name;
    std::ofstream(path) << text;
    return path.string();
  }
  static std::string read(const std::string& path) { return shell("cat '" + path + "'"); }
};

TEST_F(FmtCli, CheckListsTheFilesThatDifferAndWritesNothing) {
  const std::string bad = write("bad.flow", messy);
  const std::string good = write("good.flow", tidy);
  auto r = vflow("fmt --check '" + dir.path().string() + "'", false);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, bad + "\n");
  EXPECT_EQ(read(bad), messy);
  r = vflow("fmt --check '" + good + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "");
}

TEST_F(FmtCli, DiffShowsTheChangeAsAUnifiedDiff) {
  const std::string bad = write("bad.flow", messy);
  const auto r = vflow("fmt --diff '" + bad + "'", false);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "--- " + bad + "\n+++ " + bad +
                       " (formatted)\n"
                       "@@ -1,7 +1,11 @@\n"
                       " stream D2C\n"
                       "-workflow  W {   # the chart\n"
                       "+\n"
                       "+workflow W {  # the chart\n"
                       "   event go\n"
                       "-    initial state A {on go->B}\n"
                       "+\n"
                       "+  initial state A {\n"
                       "+    on go -> B\n"
                       "+  }\n"
                       "   # the end\n"
                       "   final state B\n"
                       " }\n");
  EXPECT_EQ(read(bad), messy);
  // Applied with patch(1), the diff gives what fmt writes.
  shell("cd '" + dir.path().string() + "' && " + std::string(VFLOW_BINARY) +
        " fmt --diff bad.flow | patch -s -p0 bad.flow");
  EXPECT_EQ(read(bad), tidy);
}

TEST_F(FmtCli, FmtRewritesInPlaceKeepingTheModeAndIsIdempotent) {
  const std::string bad = write("bad.flow", messy);
  ::chmod(bad.c_str(), 0640);
  auto r = vflow("fmt '" + bad + "'", false);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, bad + "\n");
  EXPECT_EQ(read(bad), tidy);
  struct stat st {};
  ASSERT_EQ(::stat(bad.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  r = vflow("fmt '" + bad + "'", false);  // nothing left to do: nothing printed
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(read(bad), tidy);
  EXPECT_EQ(shell("ls -a '" + dir.path().string() + "'").find("vflow-fmt"), std::string::npos);
}

TEST_F(FmtCli, StandardInputIsFormattedToStandardOutput) {
  const std::string in = write("in.txt", messy);
  auto r = run_vflow("fmt - < '" + in + "'", false);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, tidy);
  r = run_vflow("fmt --check - < '" + in + "'", false);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "-\n");
  EXPECT_EQ(run_vflow("fmt - '" + in + "'").exit_code, 2);
}

TEST_F(FmtCli, AFileThatDoesNotParseIsReportedAtItsLineAndLeftAsItIs) {
  const std::string broken = write("broken.flow", "stream D2C\nworkflow W {\n  state A {\n}\n");
  const std::string bad = write("bad.flow", messy);
  const auto r = vflow("fmt '" + dir.path().string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(broken + ":5:1: error"), std::string::npos) << r.out;
  EXPECT_EQ(read(broken), "stream D2C\nworkflow W {\n  state A {\n}\n");
  EXPECT_EQ(read(bad), tidy);  // the others are still formatted
}

TEST_F(FmtCli, JsonSaysWhatDiffers) {
  const std::string bad = write("bad.flow", messy);
  const auto j = vflow_json("fmt --check '" + bad + "'");
  EXPECT_EQ(j["formatted"], false);
  EXPECT_EQ(j["written"], false);
  EXPECT_EQ(j["differ_count"], 1);
  EXPECT_EQ(j["files"][0]["file"], bad);
  EXPECT_EQ(j["files"][0]["formatted"], false);
}

TEST_F(FmtCli, TheRepositorysFlowFilesAreFormatted) {
  const auto r = vflow("fmt --check '" + src("workflows") + "' '" + src("tests/flows/valid") + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

}  // namespace
}  // namespace vflow::test
