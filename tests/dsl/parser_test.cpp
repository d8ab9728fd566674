// Parser: tree shapes, precedence, literals and 1-based spans.
#include <gtest/gtest.h>

#include "dsl/parser.hpp"
#include "dsl/printer.hpp"

namespace {

using namespace vflow::dsl;

// Parses `guard` as the guard of a one-transition workflow and returns the guard.
expr parse_guard(const std::string& guard) {
  const std::string text =
      "stream D2C\nworkflow W {\n  initial state A {\n    on e -> A when " + guard + "\n  }\n}\n";
  auto r = parse(text, "t.flow");
  EXPECT_TRUE(r.file) << (r.diagnostics.empty() ? "" : r.diagnostics.front().message);
  if (!r.file) return {};
  return *r.file->workflows.at(0).states.at(0).transitions.at(0).guard;
}

std::string shape(const std::string& guard) {
  return print(parse_guard(guard), print_options{true});
}

TEST(Parser, PrecedenceFollowsTheLanguageReference) {
  EXPECT_EQ(shape("a or b and c"), "(a or (b and c))");
  EXPECT_EQ(shape("not a == b"), "(not (a == b))");
  EXPECT_EQ(shape("a + b * c == d"), "((a + (b * c)) == d)");
  EXPECT_EQ(shape("a - b - c"), "((a - b) - c)");
  EXPECT_EQ(shape("a ?? b ?? c"), "(a ?? (b ?? c))");
  EXPECT_EQ(shape("a ?? 1 + 2 == 3"), "((a ?? (1 + 2)) == 3)");
  EXPECT_EQ(shape("x in [1, 2 + 3] and y"), "((x in [1, (2 + 3)]) and y)");
  EXPECT_EQ(shape("-a * b"), "((-a) * b)");
  EXPECT_EQ(shape("(a or b) and c"), "((a or b) and c)");
  EXPECT_EQ(shape("len(lower(s)) % 2 != 0"), "((len(lower(s)) % 2) != 0)");
}

TEST(Parser, LiteralsAndNames) {
  const expr e = parse_guard("event.user == \"a\\\"b\\n\" and now > t and d == 1h30m");
  ASSERT_EQ(e.kind, expr_kind::binary);
  const expr& left = e.children[0].children[0];  // event.user == "a\"b\n"
  EXPECT_EQ(left.children[0].kind, expr_kind::event_param);
  EXPECT_EQ(left.children[0].text, "user");
  EXPECT_EQ(left.children[1].kind, expr_kind::string_literal);
  EXPECT_EQ(left.children[1].text, "a\"b\n");
  const expr& dur = e.children[1].children[1];
  EXPECT_EQ(dur.kind, expr_kind::duration_literal);
  EXPECT_EQ(dur.number, 90 * 60 * 1000);
}

TEST(Parser, NegativeLiteralsFoldIncludingTheMinimum) {
  const expr e = parse_guard("x == -9223372036854775808");
  const expr& lit = e.children[1];
  EXPECT_EQ(lit.kind, expr_kind::int_literal);
  EXPECT_FALSE(lit.overflow);
  EXPECT_EQ(lit.number, INT64_MIN);
  EXPECT_TRUE(parse_guard("x == 9223372036854775808").children[1].overflow);
}

TEST(Parser, SpansAreOneBasedAndCoverTheNode) {
  const expr e = parse_guard("count + 1 > limit");
  EXPECT_EQ(e.span.line, 4u);
  EXPECT_EQ(e.span.column, 20u);
  EXPECT_EQ(e.span.end_column, 37u);
  const expr& limit = e.children[1];
  EXPECT_EQ(limit.span.column, 32u);
  EXPECT_EQ(limit.span.end_column, 37u);

  auto r = parse("stream D2C\nworkflow W {\n  data {\n    n: int? = 4\n  }\n}\n", "t.flow");
  ASSERT_TRUE(r.file);
  const auto& f = r.file->workflows[0].fields[0];
  EXPECT_EQ(f.name_span.line, 4u);
  EXPECT_EQ(f.name_span.column, 5u);
  EXPECT_EQ(f.type.name, "int");
  EXPECT_TRUE(f.type.nullable);
  EXPECT_EQ(f.type.span.column, 8u);
  EXPECT_EQ(r.file->stream_span.column, 8u);
}

TEST(Parser, StatesEventsAndAssignments) {
  const std::string text = R"(stream D2C
workflow W {
  title "t"
  data { a: int = 1
         b: string? }
  event go(x: int, y: string?)
  initial state A {
    on go -> B when event.x > 0 { a = event.x; b = event.y
      a = a + 1 }
  }
  final state B
}
)";
  auto r = parse(text, "t.flow");
  ASSERT_TRUE(r.file) << r.diagnostics.front().message;
  const workflow_decl& w = r.file->workflows.at(0);
  EXPECT_EQ(w.titles.at(0).text, "t");
  ASSERT_EQ(w.fields.size(), 2u);
  ASSERT_EQ(w.events.at(0).params.size(), 2u);
  EXPECT_TRUE(w.events[0].params[1].type.nullable);
  ASSERT_EQ(w.states.size(), 2u);
  EXPECT_TRUE(w.states[0].is_initial);
  EXPECT_TRUE(w.states[1].is_final);
  const transition_decl& t = w.states[0].transitions.at(0);
  EXPECT_EQ(t.target, "B");
  EXPECT_EQ(t.assignments.size(), 3u);
  EXPECT_EQ(t.span.line, 8u);
  EXPECT_EQ(t.span.end_line, 9u);
}

TEST(Parser, SyntaxErrorNamesWhatWasExpectedAndFound) {
  auto r = parse("stream D2C\nworkflow W {\n  initial state A {\n    on e B\n  }\n}\n", "t.flow");
  ASSERT_FALSE(r.file);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  const diagnostic& d = r.diagnostics[0];
  EXPECT_EQ(d.code, "F0001");
  EXPECT_EQ(d.span.line, 4u);
  EXPECT_EQ(d.span.column, 10u);
  EXPECT_EQ(d.message, "expected '->' and a target state after the event, found 'B'");
  EXPECT_EQ(render_text(d, "stream D2C\nworkflow W {\n  initial state A {\n    on e B\n"),
            "t.flow:4:10: error[F0001]: expected '->' and a target state after the event, "
            "found 'B'\n 4 |     on e B\n   |          ^\n");
}

}  // namespace
