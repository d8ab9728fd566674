// The texts a decision trace shows: every condition and each of its parts is cut from the source
// whole, parentheses included (a regression: `(n + 1) * 2 > 100` used to lose its '(').
#include <gtest/gtest.h>

#include "dsl/compiler.hpp"
#include "tests/dsl/library_util.hpp"
#include "tests/dsl/test_util.hpp"

namespace {

using namespace vflow;

std::vector<std::string> part_texts(const std::string& whole,
                                    const std::vector<engine::condition_part>& parts) {
  std::vector<std::string> out;
  for (const auto& p : parts) out.push_back(whole.substr(p.begin, p.size));
  return out;
}

// Parentheses and brackets outside string literals open and close in order.
bool balanced(const std::string& text) {
  std::string open;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '(' || c == '[') open += c;
    if (c == ')' || c == ']') {
      if (open.empty() || open.back() != (c == ')' ? '(' : '[')) return false;
      open.pop_back();
    }
  }
  return open.empty() && !in_string;
}

TEST(ConditionText, ParenthesesStayWithTheirPart) {
  const auto r = dsl::compile(R"(stream D2C
workflow W {
  data {
    n: int = 0
    ok: bool = true
  }
  event go
  policy limits "bounded" {
    deny go when (n + 1) * 2 > 100 and ok because "too many"
  }
  rule big when ok and ((n)) - 1 >= 0 { n = n + 1 }
  initial state A {
    on go -> B when (n + 1) * 2 > 100 and (ok or n > 3)
  }
  state B
})",
                              "w.flow");
  ASSERT_TRUE(r.ok()) << r.diagnostics.front().message;
  const auto& m = r.machines.front();
  const auto& t = m.transitions.front();
  EXPECT_EQ(t.guard_text, "(n + 1) * 2 > 100 and (ok or n > 3)");
  EXPECT_EQ(part_texts(t.guard_text, t.guard_parts),
            (std::vector<std::string>{"(n + 1) * 2 > 100", "(ok or n > 3)"}));
  const auto& d = m.denies.front();
  EXPECT_EQ(part_texts(d.condition_text, d.parts),
            (std::vector<std::string>{"(n + 1) * 2 > 100", "ok"}));
  const auto& rule = m.rules.front();
  EXPECT_EQ(part_texts(rule.condition_text, rule.parts),
            (std::vector<std::string>{"ok", "((n)) - 1 >= 0"}));
}

// Every condition of every shipped and valid workflow: the whole text and each part balanced.
TEST(ConditionText, EveryShippedConditionIsCutWhole) {
  std::size_t checked = 0;
  const auto check = [&](const std::string& where, const std::string& whole,
                         const std::vector<engine::condition_part>& parts) {
    EXPECT_TRUE(balanced(whole)) << where << ": " << whole;
    for (const auto& text : part_texts(whole, parts)) {
      EXPECT_TRUE(balanced(text)) << where << ": part '" << text << "' of " << whole;
      EXPECT_FALSE(text.empty()) << where;
      ++checked;
    }
  };
  for (const auto& path : test::flow_files({"workflows", "tests/flows/valid"})) {
    const auto r = dsl::compile(test::read_file(path), path.string(), {}, test::library_lookup());
    ASSERT_TRUE(r.ok()) << path;
    for (const auto& m : r.machines) {
      const std::string at = path.filename().string() + " " + m.name;
      for (const auto& t : m.transitions) check(at, t.guard_text, t.guard_parts);
      for (const auto& t : m.done) check(at, t.guard_text, t.guard_parts);
      for (const auto& t : m.always) check(at, t.guard_text, t.guard_parts);
      for (const auto& t : m.timers) check(at, t.guard_text, t.guard_parts);
      for (const auto& d : m.denies) check(at, d.condition_text, d.parts);
      for (const auto& rule : m.rules) check(at, rule.condition_text, rule.parts);
    }
  }
  EXPECT_GT(checked, 20u);
}

}  // namespace
