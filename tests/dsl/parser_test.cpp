// Parser: tree shapes, precedence, literals and 1-based spans.
#include <gtest/gtest.h>

#include "dsl/parser.hpp"
#include "dsl/printer.hpp"

namespace {

using namespace vflow::dsl;

// A parsed guard: the file that owns the expression pool, and the guard's root.
struct parsed_guard {
  flow_file file;
  expr_ref root = 0;
  const expr& operator*() const { return file[root]; }
  const expr& child(const expr& e, std::uint32_t i) const { return file.child(e, i); }
};

// Parses `guard` as the guard of a one-transition workflow.
parsed_guard parse_guard(const std::string& guard) {
  const std::string text =
      "stream D2C\nworkflow W {\n  initial state A {\n    on e -> A when " + guard + "\n  }\n}\n";
  auto r = parse(text, "t.flow");
  EXPECT_TRUE(r.file) << (r.diagnostics.empty() ? "" : r.diagnostics.front().message);
  if (!r.file) return {};
  parsed_guard g{std::move(*r.file), 0};
  g.root = *g.file.workflows.at(0).states.at(0).transitions.at(0).guard;
  return g;
}

std::string shape(const std::string& guard) {
  const parsed_guard g = parse_guard(guard);
  return print_expr(g.file, g.root, print_options{true});
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
  const parsed_guard g = parse_guard("event.user == \"a\\\"b\\n\" and now > t and d == 1h30m");
  const expr& e = *g;
  ASSERT_EQ(e.kind, expr_kind::binary);
  const expr& left = g.child(g.child(e, 0), 0);  // event.user == "a\"b\n"
  EXPECT_EQ(g.child(left, 0).kind, expr_kind::event_param);
  EXPECT_EQ(g.file.text(g.child(left, 0)), "user");
  EXPECT_EQ(g.child(left, 1).kind, expr_kind::string_literal);
  EXPECT_EQ(g.file.text(g.child(left, 1)), "a\"b\n");
  const expr& dur = g.child(g.child(e, 1), 1);
  EXPECT_EQ(dur.kind, expr_kind::duration_literal);
  EXPECT_EQ(dur.number, 90 * 60 * 1000);
}

TEST(Parser, NegativeLiteralsFoldIncludingTheMinimum) {
  const parsed_guard g = parse_guard("x == -9223372036854775808");
  const expr& lit = g.child(*g, 1);
  EXPECT_EQ(lit.kind, expr_kind::int_literal);
  EXPECT_FALSE(lit.overflow);
  EXPECT_EQ(lit.number, INT64_MIN);
  const parsed_guard big = parse_guard("x == 9223372036854775808");
  EXPECT_TRUE(big.child(*big, 1).overflow);
}

TEST(Parser, SpansAreOneBasedAndCoverTheNode) {
  const parsed_guard g = parse_guard("count + 1 > limit");
  const expr& e = *g;
  EXPECT_EQ(e.span.line, 4u);
  EXPECT_EQ(e.span.column, 20u);
  EXPECT_EQ(e.span.end_column, 37u);
  const expr& limit = g.child(e, 1);
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
  EXPECT_EQ(d.message,
            "expected '->' and a target state after the event (or '{' for a targetless "
            "transition), found 'B'");
  EXPECT_EQ(
      render_text(d, "stream D2C\nworkflow W {\n  initial state A {\n    on e B\n"),
      "t.flow:4:10: error[F0001]: expected '->' and a target state after the event (or '{' for a "
      "targetless transition), found 'B'\n 4 |     on e B\n   |          ^\n");
}

}  // namespace
