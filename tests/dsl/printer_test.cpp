// Printer: parse -> print -> parse gives the same tree, for every valid case and shipped workflow.
#include <gtest/gtest.h>

#include <filesystem>

#include "dsl/parser.hpp"
#include "dsl/printer.hpp"
#include "tests/dsl/test_util.hpp"

namespace {

namespace fs = std::filesystem;
using namespace vflow::dsl;

std::vector<fs::path> round_trip_inputs() {
  return vflow::test::flow_files({"tests/flows/valid", "workflows"});
}

TEST(Printer, RoundTripGivesTheSameTree) {
  const auto inputs = round_trip_inputs();
  ASSERT_GE(inputs.size(), 4u);
  for (const auto& path : inputs) {
    const auto first = parse(vflow::test::read_file(path), path.string());
    ASSERT_TRUE(first.file) << path;
    const std::string printed = print(*first.file);
    const auto second = parse(printed, "printed.flow");
    ASSERT_TRUE(second.file) << path << "\n" << printed << second.diagnostics.front().message;
    // The fully parenthesised dump is a structural comparison that ignores spans.
    EXPECT_EQ(print(*first.file, {true}), print(*second.file, {true})) << path;
    // Printing is canonical: a second round prints the same text.
    EXPECT_EQ(printed, print(*second.file)) << path;
  }
}

TEST(Printer, MinimalParenthesesKeepMeaning) {
  const std::string text =
      "stream D2C\nworkflow W {\n  initial state A {\n    on e -> A when "
      "not (a or b) and (c ?? d) ?? e == f and -(x - y) * 2 > - -3 and (x in [1]) == true\n  "
      "}\n}\n";
  const auto r = parse(text, "t.flow");
  ASSERT_TRUE(r.file) << r.diagnostics.front().message;
  const expr_ref g = *r.file->workflows[0].states[0].transitions[0].guard;
  EXPECT_EQ(print_expr(*r.file, g),
            "not (a or b) and (c ?? d) ?? e == f and -(x - y) * 2 > 3 and (x in [1]) == true");
}

}  // namespace
