// Expression typing and evaluation: precedence, null, ??, in, overflow and division by zero.
#include <gtest/gtest.h>

#include "tests/engine/machine_util.hpp"

namespace {

using namespace vflow;

// Evaluates `expr` as the assignment `out = expr` (out: `type?`) and returns the result as a
// literal, or "error: <reason>" when the step was rejected.
std::string eval(const std::string& type, const std::string& expr, std::int64_t now = 0) {
  const std::string text =
      "stream D2C\nworkflow P {\n  data {\n    i: int = 7\n    s: string = \"Ab\"\n"
      "    n: int?\n    ns: string?\n    d: duration = 2h\n    out: " +
      type +
      "?\n  }\n  event go(p: int, q: string?)\n  initial state A {\n"
      "    on go -> B { out = " +
      expr + " }\n  }\n  final state B\n}\n";
  const engine::machine m = test::compile_machine(text);
  if (m.states.empty()) return "compile error";
  auto state = engine::initial_state(m, engine::initial_data(m));
  const auto r = engine::step(
      m, state, test::call(m, "go", {engine::value::of_int(3), engine::value::null()}, now));
  if (!r.is_taken()) return "error: " + r.message;
  return engine::to_literal(state.data[engine::index(*m.find_field("out"))]);
}

TEST(Eval, ArithmeticPrecedence) {
  EXPECT_EQ(eval("int", "1 + 2 * 3"), "7");
  EXPECT_EQ(eval("int", "(1 + 2) * 3"), "9");
  EXPECT_EQ(eval("int", "10 - 4 - 3"), "3");
  EXPECT_EQ(eval("int", "-i % 4"), "-3");
  EXPECT_EQ(eval("int", "i / 2 * 2"), "6");
  EXPECT_EQ(eval("int", "event.p * -2"), "-6");
}

TEST(Eval, BooleanLogicShortCircuits) {
  EXPECT_EQ(eval("bool", "true or false and false"), "true");
  EXPECT_EQ(eval("bool", "not true or true"), "true");
  EXPECT_EQ(eval("bool", "not (i > 3)"), "false");
  // The right side would divide by zero; short-circuiting never evaluates it.
  EXPECT_EQ(eval("bool", "false and 1 / 0 == 1"), "false");
  EXPECT_EQ(eval("bool", "true or 1 / 0 == 1"), "true");
}

TEST(Eval, NullAndCoalesce) {
  EXPECT_EQ(eval("int", "n ?? 5"), "5");
  EXPECT_EQ(eval("int", "n ?? n ?? 6"), "6");
  EXPECT_EQ(eval("bool", "n == null"), "true");
  EXPECT_EQ(eval("bool", "ns != null"), "false");
  EXPECT_EQ(eval("string", "event.q ?? \"none\""), "\"none\"");
  EXPECT_EQ(eval("int", "null"), "null");
}

TEST(Eval, MembershipAndComparison) {
  EXPECT_EQ(eval("bool", "i in [1, 7, 9]"), "true");
  EXPECT_EQ(eval("bool", "s in [\"ab\", \"AB\"]"), "false");
  EXPECT_EQ(eval("bool", "i in []"), "false");
  EXPECT_EQ(eval("bool", "\"abc\" < \"abd\""), "true");
  EXPECT_EQ(eval("bool", "i >= 7 and i <= 7 and i != 8"), "true");
}

TEST(Eval, StringsAndBuiltins) {
  EXPECT_EQ(eval("string", "s + \"-\" + lower(s)"), "\"Ab-ab\"");
  EXPECT_EQ(eval("int", "len(s + s)"), "4");
  EXPECT_EQ(eval("bool", "contains(lower(s), \"b\")"), "true");
}

TEST(Eval, TimesAndDurations) {
  EXPECT_EQ(eval("duration", "d + 30m"), "2h30m");
  EXPECT_EQ(eval("duration", "d * 3 / 2"), "3h");
  EXPECT_EQ(eval("duration", "-d"), "-2h");
  EXPECT_EQ(eval("time", "now + d", 0), "1970-01-01T02:00:00Z");
  EXPECT_EQ(eval("duration", "(now + 1d) - now", 1000), "1d");
  EXPECT_EQ(eval("bool", "now - 1h < now"), "true");
}

TEST(Eval, OverflowAndDivisionByZeroRejectTheStep) {
  EXPECT_EQ(eval("int", "9223372036854775807 + 1"),
            "error: assignment to 'out' at line 13 failed: integer overflow in addition");
  EXPECT_EQ(eval("int", "-9223372036854775807 - 2"),
            "error: assignment to 'out' at line 13 failed: integer overflow in subtraction");
  EXPECT_EQ(eval("int", "4611686018427387904 * 2"),
            "error: assignment to 'out' at line 13 failed: integer overflow in multiplication");
  EXPECT_EQ(eval("int", "i / (i - 7)"),
            "error: assignment to 'out' at line 13 failed: division by zero");
  EXPECT_EQ(eval("int", "i % 0"), "error: assignment to 'out' at line 13 failed: division by zero");
  EXPECT_EQ(eval("int", "-9223372036854775808 / -1"),
            "error: assignment to 'out' at line 13 failed: integer overflow in division");
  EXPECT_EQ(eval("int", "-(-9223372036854775807 - 1)"),
            "error: assignment to 'out' at line 13 failed: integer overflow in negation");
  EXPECT_EQ(eval("duration", "106751991167d * 1000"),
            "error: assignment to 'out' at line 13 failed: duration overflow in multiplication");
}

// Callers decide by the kind of a failure, never by its message: a budget overrun and a division by
// zero are told apart without comparing text.
TEST(Eval, FailuresCarryTheirKind) {
  const engine::machine m = test::compile_machine(
      "stream D2C\nworkflow P {\n  data {\n    i: int = 0\n  }\n  event go\n"
      "  initial state A {\n    on go -> B when 1 / i > 0 and i + 1 > 0\n  }\n  final state "
      "B\n}\n");
  ASSERT_FALSE(m.transitions.empty());
  const std::vector<engine::value> data{engine::value::of_int(0)};
  const std::vector<engine::state_id> configuration;
  engine::activation a;
  a.data = &data;
  a.configuration = &configuration;
  const auto guard = m.transitions.front().guard;
  const auto zero = engine::evaluate(m, guard, a);
  EXPECT_FALSE(zero.ok);
  EXPECT_EQ(zero.failure, engine::eval_failure::arithmetic);
  EXPECT_EQ(zero.error, "division by zero");
  std::uint64_t budget = 1;
  a.budget = &budget;
  const auto starved = engine::evaluate(m, guard, a);
  EXPECT_FALSE(starved.ok);
  EXPECT_EQ(starved.failure, engine::eval_failure::budget);
  budget = 1000;
  const std::vector<engine::value> one{engine::value::of_int(1)};
  a.data = &one;
  const auto fine = engine::evaluate(m, guard, a);
  EXPECT_TRUE(fine.ok);
  EXPECT_EQ(fine.failure, engine::eval_failure::none);
}

}  // namespace
