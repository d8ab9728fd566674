// Links in the engine: guards read the linked instances the caller supplies; link changes,
// spawns and sends come back as effects of a taken step and vanish with a rejected one;
// targetless transitions leave the configuration alone.
#include <gtest/gtest.h>

#include "machine_util.hpp"

namespace vflow::engine {
namespace {

using test::active;
using test::call;
using test::compile_machine;

const char* const chain = R"(stream D2C
workflow Problem {
  data { title: string = "db" }
  links {
    incidents: Incident[] inverse problem
    fixes: Change[] inverse problem
    lead: Change?
  }
  event link_incident(i: ref Incident)
  event accept_fix
  event fix_done
  event check
  initial state Analysing {
    on link_incident { incidents += event.i }
    on accept_fix -> FixPending { fixes += spawn Change(summary: "fix " + title) }
    on check -> Analysing when lead.summary == "x" and in_state(lead, Completed)
  }
  state FixPending {
    on fix_done -> Resolved when count(fixes) > 0 and all(fixes, in_state(Completed))
  }
  final state Resolved {
    entry { send problem_resolved to incidents }
  }
}
workflow Incident {
  links { problem: Problem? inverse incidents }
  event problem_resolved
  initial state Open { on problem_resolved -> Done }
  final state Done
}
workflow Change {
  data { summary: string }
  links { problem: Problem? inverse fixes }
  event complete
  initial state Open { on complete -> Completed }
  final state Completed
}
)";

class Links : public testing::Test {
 protected:
  void SetUp() override {
    auto r = dsl::compile(chain, "chain.flow");
    ASSERT_TRUE(r.ok());
    problem = std::move(r.machines[0]);
    change = std::move(r.machines[2]);
  }
  // A linked Change in state `state` with summary `summary`.
  linked_instance change_in(const std::string& id, const std::string& state,
                            const std::string& summary = "s") const {
    return {id, &change, {*change.find_state(state)}, {value::of_string(summary)}};
  }
  machine problem, change;
};

TEST_F(Links, TargetlessTransitionAddsALinkAndStays) {
  instance_state s = initial_state(problem, initial_data(problem));
  const auto r = step(problem, s, call(problem, "link_incident", {value::of_string("INC-1")}),
                      step_options{true});
  ASSERT_TRUE(r.is_taken()) << r.message;
  EXPECT_EQ(active(problem, s), std::vector<std::string>{"Analysing"});
  ASSERT_EQ(r.effects.size(), 1u);
  EXPECT_EQ(r.effects[0].kind, effect_kind::link_add);
  EXPECT_EQ(problem.links[r.effects[0].link].name, "incidents");
  EXPECT_EQ(r.effects[0].target, value::of_string("INC-1"));
}

TEST_F(Links, SpawnCarriesItsComputedFields) {
  instance_state s = initial_state(problem, initial_data(problem));
  const auto r = step(problem, s, call(problem, "accept_fix"));
  ASSERT_TRUE(r.is_taken());
  ASSERT_EQ(r.effects.size(), 1u);
  EXPECT_EQ(r.effects[0].kind, effect_kind::spawn);
  EXPECT_EQ(r.effects[0].name, "Change");
  ASSERT_EQ(r.effects[0].args.size(), 1u);
  EXPECT_EQ(r.effects[0].args[0].first, "summary");
  EXPECT_EQ(r.effects[0].args[0].second, value::of_string("fix db"));
}

TEST_F(Links, GuardsReadTheLinkedInstances) {
  instance_state s = initial_state(problem, initial_data(problem));
  ASSERT_TRUE(step(problem, s, call(problem, "accept_fix")).is_taken());
  const auto fixes = *problem.find_link("fixes");
  link_snapshot links(problem.links.size());
  // No fix yet: count(fixes) > 0 is false.
  step_options options{true, &links};
  auto r = step(problem, s, call(problem, "fix_done"), options);
  EXPECT_EQ(r.reason, reject_reason::guards_false);
  // One fix open, one completed: all() is false.
  links[fixes] = {change_in("CHG-1", "Open"), change_in("CHG-2", "Completed")};
  r = step(problem, s, call(problem, "fix_done"), options);
  EXPECT_EQ(r.reason, reject_reason::guards_false);
  EXPECT_EQ(active(problem, s), std::vector<std::string>{"FixPending"});
  // Both completed: resolved, and the entry sends to the incidents.
  links[fixes][0] = change_in("CHG-1", "Completed");
  r = step(problem, s, call(problem, "fix_done"), options);
  ASSERT_TRUE(r.is_taken()) << r.message;
  EXPECT_EQ(active(problem, s), std::vector<std::string>{"Resolved"});
  ASSERT_EQ(r.effects.size(), 1u);
  EXPECT_EQ(r.effects[0].kind, effect_kind::send);
  EXPECT_EQ(r.effects[0].name, "problem_resolved");
  // The explanation names the linked instances the guard read.
  const auto& parts = r.trace.back().parts;
  ASSERT_FALSE(parts.empty());
  EXPECT_EQ(parts.back().reads.front().first, "fixes");
  EXPECT_EQ(parts.back().reads.front().second, value::of_string("CHG-1,CHG-2"));
}

TEST_F(Links, ASingleLinksFieldAndStateAreRead) {
  instance_state s = initial_state(problem, initial_data(problem));
  link_snapshot links(problem.links.size());
  step_options options{false, &links};
  EXPECT_FALSE(step(problem, s, call(problem, "check"), options).is_taken());  // no lead: null
  links[*problem.find_link("lead")] = {change_in("CHG-9", "Completed", "x")};
  EXPECT_TRUE(step(problem, s, call(problem, "check"), options).is_taken());
}

TEST_F(Links, AFieldGoneFromTheLinkedVersionIsAnEvaluationErrorNotAWrongValue) {
  machine other = change;
  other.fields[0].name = "title";  // a redeployed Change without `summary`
  instance_state s = initial_state(problem, initial_data(problem));
  link_snapshot links(problem.links.size());
  links[*problem.find_link("lead")] = {
      {"CHG-9", &other, {*other.find_state("Completed")}, {value::of_string("x")}}};
  const auto r = step(problem, s, call(problem, "check"), step_options{false, &links});
  EXPECT_EQ(r.reason, reject_reason::evaluation_error);
  EXPECT_NE(r.message.find("linked instance 'CHG-9' (Change) has no field 'summary'"),
            std::string::npos)
      << r.message;
}

TEST(Targetless, KeepsParallelRegionsAndTheirTimers) {
  const auto m = compile_machine(R"(stream R2D
workflow Review {
  data { score: int = 0 approvals: int = 0 }
  event approve
  event rate(v: int)
  event close
  initial parallel Reviewing {
    region Votes {
      initial state Waiting { on approve -> Approved { approvals = approvals + 1 } }
      state Approved
    }
    region Scoring {
      initial state Open { after 1h -> Late }
      state Late
    }
    on rate { score = if event.v > 10 then 10 else event.v }
    on close -> Closed
  }
  final state Closed
}
)");
  instance_state s = initial_state(m, initial_data(m));
  step_result r;
  start(m, s, value::null(), 0, r);
  ASSERT_TRUE(r.is_taken());
  ASSERT_TRUE(step(m, s, call(m, "approve")).is_taken());
  const auto timers = s.timers;
  ASSERT_EQ(timers.size(), 1u);
  const auto before = active(m, s);
  r = step(m, s, call(m, "rate", {value::of_int(42)}, 1000));
  ASSERT_TRUE(r.is_taken()) << r.message;
  EXPECT_EQ(active(m, s), before);  // Approved is still recorded
  EXPECT_EQ(s.timers, timers);      // the timer was not re-armed
  EXPECT_EQ(s.data[0], value::of_int(10));
  EXPECT_EQ(s.data[1], value::of_int(1));
  ASSERT_TRUE(step(m, s, call(m, "rate", {value::of_int(7)})).is_taken());
  EXPECT_EQ(s.data[0], value::of_int(7));
}

}  // namespace
}  // namespace vflow::engine
