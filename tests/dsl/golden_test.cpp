// Golden .flow cases: each file states its exact diagnostics inline as `# expect:` lines.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dsl/compiler.hpp"
#include "tests/dsl/library_util.hpp"

namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> cases(const std::string& folder) {
  std::vector<fs::path> out;
  for (const auto& e :
       fs::directory_iterator(fs::path(VFLOW_SOURCE_DIR) / "tests/flows" / folder)) {
    if (e.path().extension() == ".flow") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// `# expect: error[F0102] 5:19: unknown state 'Resloved'` lines, in file order.
std::vector<std::string> expectations(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  const std::string marker = "# expect: ";
  for (std::string line; std::getline(in, line);) {
    const auto at = line.find(marker);
    if (at != std::string::npos) out.push_back(line.substr(at + marker.size()));
  }
  return out;
}

std::vector<std::string> actual(const std::vector<vflow::dsl::diagnostic>& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags) {
    out.push_back(std::string(to_string(d.severity)) + "[" + d.code + "] " +
                  std::to_string(d.span.line) + ":" + std::to_string(d.span.column) + ": " +
                  d.message);
  }
  return out;
}

class Golden : public testing::TestWithParam<fs::path> {};

TEST_P(Golden, ReportsExactlyTheExpectedDiagnostics) {
  const std::string text = read(GetParam());
  const auto result = vflow::dsl::compile(text, GetParam().filename().string());
  const bool invalid = GetParam().parent_path().filename() == "invalid";
  const auto expected = expectations(text);
  EXPECT_EQ(actual(result.diagnostics), expected);
  if (invalid) {
    EXPECT_FALSE(expected.empty()) << "an invalid case must state what it expects";
    const bool wants_error = std::any_of(expected.begin(), expected.end(),
                                         [](const auto& e) { return e.rfind("error", 0) == 0; });
    EXPECT_EQ(result.ok(), !wants_error);
  } else {
    EXPECT_TRUE(result.ok());
    EXPECT_FALSE(result.machines.empty());
  }
}

std::string case_name(const testing::TestParamInfo<fs::path>& info) {
  std::string n = info.param.parent_path().filename().string() + "_" + info.param.stem().string();
  std::replace_if(
      n.begin(), n.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return n;
}

INSTANTIATE_TEST_SUITE_P(Invalid, Golden, testing::ValuesIn(cases("invalid")), case_name);
INSTANTIATE_TEST_SUITE_P(Valid, Golden, testing::ValuesIn(cases("valid")), case_name);

// Every shipped workflow compiles with zero diagnostics.
TEST(ShippedWorkflows, CompileWithoutDiagnostics) {
  std::size_t seen = 0;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(VFLOW_SOURCE_DIR) / "workflows")) {
    if (e.path().extension() != ".flow") continue;
    ++seen;
    // Each file alone, as `vflow check FILE` compiles it: the others through its imports.
    const auto r =
        vflow::dsl::compile(read(e.path()), e.path().string(), {}, vflow::test::library_lookup());
    EXPECT_TRUE(r.diagnostics.empty()) << e.path() << ": " << actual(r.diagnostics).front();
    EXPECT_FALSE(r.machines.empty()) << e.path();
  }
  EXPECT_GE(seen, 1u);
}

}  // namespace
