// Stepping: document-order priority, guards, assignments, and rejections that change nothing.
#include <gtest/gtest.h>

#include "tests/dsl/test_util.hpp"
#include "tests/engine/machine_util.hpp"

namespace {

using namespace vflow;
using engine::value;

const char* const incident_path = VFLOW_SOURCE_DIR "/workflows/d2c/incident.flow";

class IncidentStep : public testing::Test {
 protected:
  void SetUp() override {
    m = test::compile_machine(test::read_file(incident_path));
    auto data = engine::initial_data(m);
    data[engine::index(*m.find_field("service"))] = value::of_string("mail");
    state = engine::initial_state(m, std::move(data));
  }
  engine::step_result fire(const std::string& event, std::vector<value> params = {},
                           engine::step_options options = {}) {
    return engine::step(m, state, test::call(m, event, std::move(params)), options);
  }
  value field(const std::string& name) const {
    return state.data[engine::index(*m.find_field(name))];
  }

  engine::machine m;
  engine::instance_state state;
};

TEST_F(IncidentStep, HappyPathReachesClosed) {
  EXPECT_EQ(test::active(m, state), std::vector<std::string>{"New"});
  auto r = fire("assign", {value::of_string("ada")});
  ASSERT_TRUE(r.is_taken()) << r.message;
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(m.field(r.changes[0].field).name, "assignee");
  EXPECT_EQ(r.changes[0].before, value::null());
  EXPECT_EQ(r.changes[0].after, value::of_string("ada"));
  EXPECT_TRUE(fire("start_work").is_taken());
  EXPECT_TRUE(fire("resolve", {value::of_string("restarted")}).is_taken());
  EXPECT_FALSE(engine::is_complete(m, state));
  EXPECT_TRUE(fire("close").is_taken());
  EXPECT_EQ(test::active(m, state), std::vector<std::string>{"Closed"});
  EXPECT_TRUE(engine::is_complete(m, state));
}

TEST_F(IncidentStep, EventNotEnabledIsRejectedAndChangesNothing) {
  const auto before = state;
  const auto r = fire("close");
  EXPECT_FALSE(r.is_taken());
  EXPECT_EQ(r.reason, engine::reject_reason::no_transition);
  EXPECT_EQ(r.message, "event 'close' is not enabled in state New");
  EXPECT_EQ(state, before);
}

TEST_F(IncidentStep, FalseGuardsAreRejectedWithTheirEvaluations) {
  fire("assign", {value::of_string("ada")});
  fire("start_work");
  const auto before = state;
  const auto r = fire("resolve", {value::of_string("")}, {.explain = true});
  EXPECT_EQ(r.reason, engine::reject_reason::guards_false);
  EXPECT_EQ(r.message, "every guard on event 'resolve' in state InProgress, Diagnosing is false");
  ASSERT_EQ(r.trace.size(), 1u);
  EXPECT_EQ(r.trace[0].kind, engine::trace_kind::guard);
  EXPECT_FALSE(r.trace[0].result);
  EXPECT_EQ(m.transitions[r.trace[0].index].guard_text, "len(event.code) > 0");
  EXPECT_EQ(state, before);
}

// The trace is the explanation: a step that is not asked to explain decides the same way and
// keeps no trace and no path (what a tight in-memory loop must not pay for).
TEST_F(IncidentStep, WithoutExplainingTheStepDecidesTheSameAndKeepsNoTrace) {
  const auto walk = {
      std::pair<const char*, std::vector<value>>{"assign", {value::of_string("ada")}},
      {"start_work", {}},
      {"resolve", {value::of_string("")}},
      {"hold", {value::of_string("vendor")}},
      {"resume", {}},
      {"resolve", {value::of_string("fixed")}}};
  engine::instance_state explained = state;
  for (const auto& [event, params] : walk) {
    const auto quiet = fire(event, params);
    const auto told = engine::step(m, explained, test::call(m, event, params), {.explain = true});
    EXPECT_EQ(quiet.outcome, told.outcome) << event;
    EXPECT_EQ(quiet.reason, told.reason) << event;
    EXPECT_EQ(quiet.message, told.message) << event;
    EXPECT_EQ(state, explained) << event;
    EXPECT_TRUE(quiet.trace.empty()) << event;
    EXPECT_TRUE(quiet.path.empty()) << event;
    EXPECT_FALSE(told.trace.empty() && told.path.empty()) << event;  // guards, or the path
  }
  EXPECT_EQ(test::active(m, state), std::vector<std::string>{"Resolved"});
}

TEST_F(IncidentStep, ReopenIsBoundedByTheCounter) {
  fire("assign", {value::of_string("ada")});
  fire("start_work");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(fire("resolve", {value::of_string("fix")}).is_taken());
    ASSERT_TRUE(fire("reopen").is_taken()) << i;
  }
  EXPECT_EQ(field("reopened"), value::of_int(3));
  ASSERT_TRUE(fire("resolve", {value::of_string("fix")}).is_taken());
  EXPECT_EQ(fire("reopen").reason, engine::reject_reason::guards_false);
  EXPECT_EQ(test::active(m, state), std::vector<std::string>{"Resolved"});
}

TEST_F(IncidentStep, WrongParametersAreRejected) {
  EXPECT_EQ(fire("assign").reason, engine::reject_reason::bad_parameters);
  const auto r = fire("assign", {value::of_int(3)});
  EXPECT_EQ(r.reason, engine::reject_reason::bad_parameters);
  EXPECT_EQ(r.message, "parameter 'user' of event 'assign' must be string");
  EXPECT_EQ(test::active(m, state), std::vector<std::string>{"New"});
}

TEST(Step, FirstEnabledTransitionInDocumentOrderWins) {
  const auto m = test::compile_machine(R"(stream D2C
workflow Route {
  data {
    score: int = 0
    path: string = ""
  }
  event route(score: int)
  initial state In {
    on route -> High when event.score >= 80 { path = "high" }
    on route -> Mid when event.score >= 50 { path = "mid" }
    on route -> Low { path = "low" }
  }
  final state High
  final state Mid
  final state Low
}
)");
  for (const auto& [score, target, evaluated] :
       std::vector<std::tuple<int, std::string, std::size_t>>{
           {90, "High", 1}, {60, "Mid", 2}, {10, "Low", 2}}) {
    auto s = engine::initial_state(m, engine::initial_data(m));
    const auto r =
        engine::step(m, s, test::call(m, "route", {value::of_int(score)}), {.explain = true});
    ASSERT_TRUE(r.is_taken());
    EXPECT_EQ(test::active(m, s), std::vector<std::string>{target});
    EXPECT_EQ(r.trace.size(), evaluated) << score;
  }
}

TEST(Step, AssignmentsSeeEarlierOnesAndFailuresUndoThemAll) {
  const auto m = test::compile_machine(R"(stream D2C
workflow Calc {
  data {
    a: int = 1
    b: int = 0
  }
  event go(d: int)
  initial state S {
    on go -> S { a = a + 1; b = a * 10; a = 100 / event.d }
  }
}
)");
  auto s = engine::initial_state(m, engine::initial_data(m));
  auto r = engine::step(m, s, test::call(m, "go", {value::of_int(4)}));
  ASSERT_TRUE(r.is_taken());
  EXPECT_EQ(s.data[0], value::of_int(25));
  EXPECT_EQ(s.data[1], value::of_int(20));
  ASSERT_EQ(r.changes.size(), 2u);
  EXPECT_EQ(r.changes[0].before, value::of_int(1));
  EXPECT_EQ(r.changes[0].after, value::of_int(25));

  const auto before = s;
  r = engine::step(m, s, test::call(m, "go", {value::of_int(0)}));
  EXPECT_EQ(r.reason, engine::reject_reason::evaluation_error);
  EXPECT_EQ(r.message, "assignment to 'a' at line 9 failed: division by zero");
  EXPECT_TRUE(r.changes.empty());
  EXPECT_EQ(s, before);
}

TEST(Step, GuardErrorsRejectWithTheReason) {
  const auto m = test::compile_machine(R"(stream D2C
workflow G {
  data { n: int = 0 }
  event go
  initial state S {
    on go -> T when 10 / n > 1
  }
  final state T
}
)");
  auto s = engine::initial_state(m, engine::initial_data(m));
  const auto r = engine::step(m, s, test::call(m, "go"), {.explain = true});
  EXPECT_EQ(r.reason, engine::reject_reason::evaluation_error);
  EXPECT_EQ(r.message, "guard '10 / n > 1' of transition at line 6 failed: division by zero");
  ASSERT_EQ(r.trace.size(), 1u);
  EXPECT_EQ(r.trace[0].error, "division by zero");
}

}  // namespace
