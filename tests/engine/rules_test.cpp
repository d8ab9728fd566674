// Policies, rules and raised events: what is denied, when rules fire, run to completion, and
// the rollback of cycles, failures and exhausted budgets.
#include <gtest/gtest.h>

#include "tests/dsl/test_util.hpp"
#include "tests/engine/machine_util.hpp"

namespace {

using namespace vflow;
using engine::value;

const char* const change_example = VFLOW_SOURCE_DIR "/tests/flows/valid/change_example.flow";

engine::event_call by(const engine::machine& m, const std::string& event, const std::string& actor,
                      std::vector<value> params = {}) {
  auto c = test::call(m, event, std::move(params));
  c.actor = value::of_string(actor);
  return c;
}

class ChangeRules : public testing::Test {
 protected:
  void start_with(const std::string& risk) {
    auto data = engine::initial_data(m);
    data[engine::index(*m.find_field("requester"))] = value::of_string("alice");
    data[engine::index(*m.find_field("risk"))] = value::of_string(risk);
    state = engine::initial_state(m, std::move(data));
    engine::start(m, state, value::of_string("alice"), 0, started, {true});
  }
  value field(const std::string& name) const {
    return state.data[engine::index(*m.find_field(name))];
  }

  engine::machine m = test::compile_machine(test::read_file(change_example));
  engine::instance_state state;
  engine::step_result started;
};

TEST_F(ChangeRules, HighRiskEscalatesExactlyOnceOnStart) {
  start_with("high");
  ASSERT_TRUE(started.is_taken()) << started.message;
  EXPECT_EQ(field("escalations"), value::of_int(1));
  ASSERT_EQ(started.trace.size(), 3u);
  EXPECT_EQ(started.trace[0].kind, engine::trace_kind::rule);
  EXPECT_EQ(started.trace[1].kind, engine::trace_kind::raise);
  EXPECT_EQ(started.trace[2].kind, engine::trace_kind::internal);
  EXPECT_TRUE(started.trace[2].result);
  // The condition stays true... no: escalations is now 1, so it is false; later steps never
  // re-fire it, and its memory stays consistent.
  const auto r = engine::step(m, state, by(m, "approve", "bob", {value::of_string("bob")}));
  ASSERT_TRUE(r.is_taken());
  EXPECT_EQ(field("escalations"), value::of_int(1));
  EXPECT_TRUE(std::none_of(r.trace.begin(), r.trace.end(),
                           [](const auto& t) { return t.kind == engine::trace_kind::rule; }));
}

TEST_F(ChangeRules, LowRiskDoesNotEscalate) {
  start_with("low");
  EXPECT_TRUE(started.is_taken());
  EXPECT_EQ(field("escalations"), value::of_int(0));
  EXPECT_TRUE(started.trace.empty());
}

TEST_F(ChangeRules, SelfApprovalIsDeniedWithThePolicyAndTheValuesRead) {
  start_with("low");
  const auto before = state;
  const auto r =
      engine::step(m, state, by(m, "approve", "alice", {value::of_string("alice")}), {true});
  EXPECT_EQ(r.reason, engine::reject_reason::policy_denied);
  EXPECT_EQ(r.message,
            "denied by policy four_eyes: The requester may not approve their own change");
  EXPECT_EQ(state, before);
  ASSERT_EQ(r.trace.size(), 1u);
  const auto& t = r.trace[0];
  EXPECT_EQ(t.kind, engine::trace_kind::deny);
  EXPECT_TRUE(t.result);
  ASSERT_EQ(t.parts.size(), 1u);
  EXPECT_EQ(t.parts[0].text, "event.user == requester");
  using reads = std::vector<std::pair<std::string, value>>;
  EXPECT_EQ(t.parts[0].reads, (reads{{"event.user", value::of_string("alice")},
                                     {"requester", value::of_string("alice")}}));
}

TEST_F(ChangeRules, DeployNeedsCabForHighRisk) {
  start_with("high");
  engine::step(m, state, by(m, "approve", "bob", {value::of_string("bob")}));
  auto r = engine::step(m, state, by(m, "deploy", "ci"), {true});
  EXPECT_EQ(r.reason, engine::reject_reason::policy_denied);
  ASSERT_EQ(r.trace.at(0).parts.size(), 2u);  // risk == "high" and not cab_approved
  EXPECT_EQ(r.trace[0].parts[1].text, "not cab_approved");
  EXPECT_EQ(r.trace[0].parts[1].result, true);
  ASSERT_TRUE(engine::step(m, state, by(m, "cab_approve", "cab")).is_taken());
  r = engine::step(m, state, by(m, "deploy", "ci"));
  EXPECT_TRUE(r.is_taken()) << r.message;
  EXPECT_TRUE(engine::is_complete(m, state));
}

const char* const rules_source = R"(stream D2C
workflow Rules {
  data {
    x: int = 0
    armed: bool = false
    count: int = 0
    who: string? = null
    log: string = ""
  }
  event arm
  event tick
  event note(text: string)
  event stop
  policy actors "Only known actors tick" {
    deny tick, note when actor == null or actor == "mallory"
  }
  rule counted when armed and count >= 2 {
    log = log + "counted;"
    raise note("from rule")
  }
  rule watch when in_state(Armed) and x > 0 {
    who = actor
  }
  initial state Idle {
    on arm -> Armed { armed = true }
  }
  state Armed {
    on tick -> Armed { count = count + 1; x = x + 1 }
    on note -> Armed { log = log + event.text + ";" }
    on stop -> Done
  }
  final state Done
}
)";

TEST(Rules, FireOnTheEdgeNotOnEveryStep) {
  const auto m = test::compile_machine(rules_source);
  auto s = engine::initial_state(m, engine::initial_data(m));
  const auto log = [&] {
    return std::string(s.data[engine::index(*m.find_field("log"))].as_string());
  };
  ASSERT_TRUE(engine::step(m, s, by(m, "arm", "ann")).is_taken());
  ASSERT_TRUE(engine::step(m, s, by(m, "tick", "ann")).is_taken());
  EXPECT_EQ(log(), "");
  ASSERT_TRUE(engine::step(m, s, by(m, "tick", "ann")).is_taken());  // count turns 2
  EXPECT_EQ(log(), "counted;from rule;");
  ASSERT_TRUE(engine::step(m, s, by(m, "tick", "ann")).is_taken());  // still true: no edge
  EXPECT_EQ(log(), "counted;from rule;");
  EXPECT_EQ(s.data[engine::index(*m.find_field("who"))], value::of_string("ann"));
}

TEST(Rules, PoliciesSeeTheActorOnEveryEventTheyName) {
  const auto m = test::compile_machine(rules_source);
  auto s = engine::initial_state(m, engine::initial_data(m));
  engine::step(m, s, by(m, "arm", "ann"));
  auto r = engine::step(m, s, by(m, "tick", "mallory"));
  EXPECT_EQ(r.reason, engine::reject_reason::policy_denied);
  r = engine::step(m, s, test::call(m, "note", {value::of_string("x")}));  // no actor
  EXPECT_EQ(r.reason, engine::reject_reason::policy_denied);
  EXPECT_TRUE(engine::step(m, s, by(m, "note", "ann", {value::of_string("x")})).is_taken());
}

TEST(Rules, CycleRollsTheWholeStepBack) {
  const auto m =
      test::compile_machine(test::read_file(VFLOW_SOURCE_DIR "/tests/flows/valid/rule_cycle.flow"));
  auto s = engine::initial_state(m, engine::initial_data(m));
  const auto before = s;
  const auto r = engine::step(m, s, test::call(m, "arm"));
  EXPECT_EQ(r.reason, engine::reject_reason::rule_cycle);
  EXPECT_EQ(r.message,
            "rule cycle: rules 'flip', 'flop' fired more than 64 times in one step; the step was "
            "rolled back");
  EXPECT_EQ(s, before);
  EXPECT_TRUE(r.changes.empty());
}

TEST(Rules, ExhaustedBudgetRollsBack) {
  auto m = test::compile_machine(rules_source);
  m.evaluation_budget = 6;  // the assignment and the first rule fit; the second does not
  auto s = engine::initial_state(m, engine::initial_data(m));
  const auto before = s;
  const auto r = engine::step(m, s, by(m, "arm", "ann"));
  EXPECT_EQ(r.reason, engine::reject_reason::budget_exceeded);
  EXPECT_NE(r.message.find("evaluation budget exceeded"), std::string::npos) << r.message;
  EXPECT_EQ(s, before);
}

TEST(Rules, RaisedEventNothingAcceptsIsIgnoredWithTheReason) {
  const auto m = test::compile_machine(
      test::read_file(VFLOW_SOURCE_DIR "/tests/flows/valid/rule_warnings.flow"));
  auto s = engine::initial_state(m, engine::initial_data(m));
  engine::step_result r;
  engine::start(m, s, value::null(), 0, r, {.explain = true});
  ASSERT_TRUE(r.is_taken());
  ASSERT_EQ(r.trace.size(), 3u);
  EXPECT_EQ(r.trace[2].kind, engine::trace_kind::internal);
  EXPECT_FALSE(r.trace[2].result);
  EXPECT_EQ(r.trace[2].note, "event 'ping' is not enabled in state Open");
}

}  // namespace
