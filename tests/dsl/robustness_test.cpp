// Hostile input: nothing crashes, hangs or overflows the stack; every failure is a diagnostic.
#include <gtest/gtest.h>

#include <random>

#include "dsl/compiler.hpp"
#include "tests/dsl/test_util.hpp"

namespace {

using namespace vflow::dsl;

std::string guard_file(const std::string& guard) {
  return "stream D2C\nworkflow W {\n  data { a: int = 0 }\n  event e\n  initial state A {\n"
         "    on e -> A when " +
         guard + "\n  }\n}\n";
}

void expect_single_error(const compile_result& r, const std::string& code,
                         const std::string& text) {
  ASSERT_FALSE(r.ok());
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.diagnostics.front().code, code);
  EXPECT_NE(r.diagnostics.front().message.find(text), std::string::npos)
      << r.diagnostics.front().message;
}

TEST(Robustness, DeeplyNestedParenthesesAreRefused) {
  const std::string guard = std::string(200000, '(') + "true" + std::string(200000, ')');
  const auto r = compile(guard_file(guard), "t.flow");
  expect_single_error(r, "F0001", "nested too deeply");
  EXPECT_EQ(r.diagnostics.front().span.line, 6u);
}

TEST(Robustness, LongOperatorChainsAreRefused) {
  std::string chain = "a";
  for (int i = 0; i < 100000; ++i) chain += " + a";
  expect_single_error(compile(guard_file(chain + " > 0"), "t.flow"), "F0001", "nested too deeply");

  std::string nots;
  for (int i = 0; i < 200000; ++i) nots += "not ";
  expect_single_error(compile(guard_file(nots + "true"), "t.flow"), "F0001", "nested too deeply");

  std::string negs(200000, '-');
  expect_single_error(compile(guard_file(negs + "a > 0"), "t.flow"), "F0001", "nested too deeply");

  std::string coalesce = "a";
  for (int i = 0; i < 100000; ++i) coalesce += " ?? a";
  expect_single_error(compile(guard_file(coalesce + " > 0"), "t.flow"), "F0001",
                      "nested too deeply");
}

TEST(Robustness, ModerateNestingIsAccepted) {
  const std::string guard = std::string(100, '(') + "a > 0" + std::string(100, ')');
  EXPECT_TRUE(compile(guard_file(guard), "t.flow").ok());
}

TEST(Robustness, UnclosedBlocksAreASyntaxError) {
  std::string text = "stream D2C\n";
  for (int i = 0; i < 50000; ++i) text += "workflow W {\n";
  expect_single_error(compile(text, "t.flow"), "F0001", "expected 'title'");

  text = "stream D2C\nworkflow W {\n  initial state A {\n    on e -> A ";
  for (int i = 0; i < 50000; ++i) text += "{ ";
  expect_single_error(compile(text, "t.flow"), "F0001", "expected an assignment");
}

TEST(Robustness, DeeplyNestedStatesAreRefused) {
  std::string text = "stream D2C\nworkflow W {\n";
  for (int i = 0; i < 50000; ++i) text += "initial state S" + std::to_string(i) + " {\n";
  expect_single_error(compile(text, "t.flow"), "F0001", "states are nested too deeply");
  text = "stream D2C\nworkflow W {\n";
  for (int i = 0; i < 20000; ++i)
    text += "parallel P" + std::to_string(i) + " { region R" + std::to_string(i) + " {\n";
  expect_single_error(compile(text, "t.flow"), "F0001", "states are nested too deeply");
}

TEST(Robustness, DeeplyNestedIfBlocksAreRefused) {
  std::string block;
  for (int i = 0; i < 5000; ++i) block += "if true { ";
  for (int i = 0; i < 5000; ++i) block += "} ";
  const std::string text =
      "stream D2C\nworkflow W {\n  initial state A {\n    entry { " + block + "}\n  }\n}\n";
  expect_single_error(compile(text, "t.flow"), "F0001", "'if' blocks are nested too deeply");
}

// `on *` copies a transition once per event: many of both would build their product.
TEST(Robustness, DescriptorExpansionIsBounded) {
  std::string text = "stream D2C\nworkflow W {\n  first match wins\n";
  for (int i = 0; i < 20000; ++i) text += "  event e" + std::to_string(i) + "\n";
  text += "  initial state A {\n";
  for (int i = 0; i < 20000; ++i) text += "    on * -> A\n";
  text += "  }\n}\n";
  const auto r = compile(text, "t.flow");
  ASSERT_FALSE(r.ok());
  std::vector<diagnostic> errors;
  for (const auto& d : r.diagnostics) {
    if (d.severity == severity::error) errors.push_back(d);
  }
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors.front().code, "F0145");
  EXPECT_EQ(errors.front().span.line, 20009u);  // the transition that went past the bound
}

TEST(Robustness, NulBytesAreReported) {
  const std::string text("stream D2C\0workflow W {}", 24);
  expect_single_error(compile(text, "t.flow"), "F0001", "NUL byte");
  expect_single_error(compile(std::string(1000, '\0'), "t.flow"), "F0001", "NUL byte");
}

TEST(Robustness, RandomBytesNeverCrash) {
  std::mt19937 rng(20261126);
  const std::string alphabet =
      "stream workflow state initial final on when -> { } ( ) [ ] \" # = ; : ? + - * / % < > ! . , "
      "and or not in event data title now null true 0 1 9 a b x policy deny because rule raise "
      "after parallel region history deep entry exit done always actor in_state \n\t\\";
  for (int trial = 0; trial < 5000; ++trial) {
    std::string text;
    const std::size_t len = rng() % 400;
    for (std::size_t i = 0; i < len; ++i) {
      text += trial % 2 ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
    }
    const auto r = compile(text, "fuzz.flow");
    if (!r.ok()) {
      ASSERT_FALSE(r.diagnostics.empty());
      for (const auto& d : r.diagnostics) {
        EXPECT_GE(d.span.line, 1u);
        EXPECT_GE(d.span.column, 1u);
        (void)render_text(d, text);
      }
    }
  }
}

TEST(Robustness, InputSizeIsBounded) {
  parse_limits limits;
  limits.max_bytes = 1024;
  const auto r = compile(std::string(2048, ' '), "big.flow", limits);
  expect_single_error(r, "F0002", "file is too large (2048 bytes; the limit is 1024)");
}

TEST(Robustness, TwentyThousandStatesCompile) {
  const auto r = compile(vflow::test::generated_workflow(20000), "big.flow");
  EXPECT_TRUE(r.ok());
  ASSERT_EQ(r.machines.size(), 1u);
  EXPECT_EQ(r.machines[0].states.size(), 20001u);
  EXPECT_EQ(r.machines[0].transitions.size(), 80000u);
}

}  // namespace
