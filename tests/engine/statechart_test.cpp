// Statechart semantics (W3C SCXML, Appendix D): exit and entry order, document-order and
// descendant priority, parallel completion, shallow and deep history, eventless chains and the
// loop bound.
#include <gtest/gtest.h>

#include "tests/dsl/test_util.hpp"
#include "tests/engine/machine_util.hpp"

namespace {

using namespace vflow;
using engine::value;

struct instance {
  explicit instance(const std::string& source) : m(test::compile_machine(source)) {
    state = engine::initial_state(m, engine::initial_data(m));
    engine::step_result r;
    engine::start(m, state, value::null(), 0, r);
    EXPECT_TRUE(r.is_taken()) << r.message;
  }
  engine::step_result fire(const std::string& event) {
    return engine::step(m, state, test::call(m, event));
  }
  std::string text(const std::string& field) const {
    return std::string(state.data[engine::index(*m.find_field(field))].as_string());
  }
  std::int64_t number(const std::string& field) const {
    return state.data[engine::index(*m.find_field(field))].as_int();
  }
  std::vector<std::string> leaves() const {
    std::vector<std::string> out;
    for (const auto s : engine::atomic_states(m, state)) out.push_back(m.state(s).name);
    return out;
  }
  std::vector<std::string> all() const { return test::active(m, state); }

  engine::machine m;
  engine::instance_state state;
};

using names = std::vector<std::string>;

TEST(Statechart, ExitInnermostFirstThenTransitionThenEntryOutermostFirst) {
  instance i(R"(stream R2D
workflow Order {
  data { log: string = "" }
  event go
  event back
  initial state A {
    entry { log = log + "+A" }
    exit { log = log + "-A" }
    initial state A1 {
      entry { log = log + "+A1" }
      exit { log = log + "-A1" }
      on go -> B2 { log = log + "/t" }
    }
  }
  state B {
    entry { log = log + "+B" }
    exit { log = log + "-B" }
    initial state B1 { entry { log = log + "+B1" } }
    state B2 {
      entry { log = log + "+B2" }
      exit { log = log + "-B2" }
    }
    on back -> A
  }
}
)");
  EXPECT_EQ(i.text("log"), "+A+A1");
  EXPECT_EQ(i.all(), (names{"A", "A1"}));
  ASSERT_TRUE(i.fire("go").is_taken());
  EXPECT_EQ(i.text("log"), "+A+A1-A1-A/t+B+B2");
  EXPECT_EQ(i.all(), (names{"B", "B2"}));
  ASSERT_TRUE(i.fire("back").is_taken());  // declared on B, taken from B2
  EXPECT_EQ(i.text("log"), "+A+A1-A1-A/t+B+B2-B2-B+A+A1");
}

TEST(Statechart, DescendantTransitionsWinThenDocumentOrder) {
  instance i(R"(stream R2D
workflow Priority {
  event e
  event f
  initial state P {
    initial state C {
      on e -> X
      on f -> Y when 1 == 1
      on f -> Z
    }
    on e -> Y
  }
  final state X
  final state Y
  final state Z
}
)");
  instance j = i;
  ASSERT_TRUE(i.fire("e").is_taken());
  EXPECT_EQ(i.leaves(), names{"X"});
  ASSERT_TRUE(j.fire("f").is_taken());
  EXPECT_EQ(j.leaves(), names{"Y"});
}

const char* const release = VFLOW_SOURCE_DIR "/tests/flows/valid/release.flow";

TEST(Statechart, ParallelCompletesWhenEveryRegionIsFinal) {
  instance i(test::read_file(release));
  ASSERT_TRUE(i.fire("start").is_taken());
  EXPECT_EQ(i.leaves(), (names{"SecPending", "CabPending"}));
  EXPECT_EQ(i.all(), (names{"Approvals", "Security", "SecPending", "Cab", "CabPending"}));
  ASSERT_TRUE(i.fire("cab_ok").is_taken());
  EXPECT_EQ(i.leaves(), (names{"SecPending", "CabDone"}));
  ASSERT_TRUE(i.fire("sec_ok").is_taken());
  EXPECT_EQ(i.all(), (names{"Building", "Compile"}));
  EXPECT_EQ(i.number("entered"), 1);
}

TEST(Statechart, ShallowAndDeepHistory) {
  const std::string source = R"(stream R2D
workflow Work {
  event refine
  event build
  event pause
  event resume
  event resume_deep
  initial state Active {
    initial state Design {
      initial state Sketch { on refine -> Detail }
      state Detail { on build -> Coding }
    }
    state Coding
    history Last
    deep history Exact
    on pause -> Paused
  }
  state Paused {
    on resume -> Last
    on resume_deep -> Exact
  }
}

# expect: warning[W0302] 13:11: state 'Coding' is not final but has no transition to another state
)";
  instance shallow(source);
  shallow.fire("refine");
  EXPECT_EQ(shallow.leaves(), names{"Detail"});
  instance deep = shallow;
  ASSERT_TRUE(shallow.fire("pause").is_taken());
  ASSERT_TRUE(shallow.fire("resume").is_taken());
  EXPECT_EQ(shallow.all(), (names{"Active", "Design", "Sketch"}));  // shallow: Design, entered anew
  ASSERT_TRUE(deep.fire("pause").is_taken());
  ASSERT_TRUE(deep.fire("resume_deep").is_taken());
  EXPECT_EQ(deep.all(), (names{"Active", "Design", "Detail"}));  // deep: exactly where it was
  // Never paused before: history falls back to the parent's initial state.
  instance fresh(source);
  fresh.state.history.clear();
  fresh.fire("pause");
  fresh.state.history.clear();
  ASSERT_TRUE(fresh.fire("resume").is_taken());
  EXPECT_EQ(fresh.leaves(), names{"Sketch"});
}

TEST(Statechart, EventlessChainsRunToCompletion) {
  instance i(R"(stream R2D
workflow Chain {
  data { n: int = 0 }
  event go
  initial state A { on go -> B { n = 1 } }
  state B { always -> C when n == 1 { n = 2 } }
  state C { always -> D when n == 2 }
  final state D
}
)");
  const auto r = i.fire("go");
  ASSERT_TRUE(r.is_taken()) << r.message;
  EXPECT_EQ(i.leaves(), names{"D"});
  EXPECT_EQ(i.number("n"), 2);
  EXPECT_TRUE(engine::is_complete(i.m, i.state));
}

TEST(Statechart, EndlessEventlessLoopsAreRolledBack) {
  instance i(R"(stream R2D
workflow Loop {
  data { n: int = 0 }
  event go
  initial state Idle { on go -> Ping }
  state Ping { always -> Pong { n = n + 1 } }
  state Pong { always -> Ping }
}
)");
  const auto before = i.state;
  const auto r = i.fire("go");
  EXPECT_EQ(r.reason, engine::reject_reason::rule_cycle);
  EXPECT_EQ(
      r.message,
      "eventless transitions were taken more than 100 times in one step; the step was rolled back");
  EXPECT_EQ(i.state, before);
}

// An instance that keeps sending itself events is stopped at the bound, with nothing changed;
// a delayed send in the same step is dropped with the rest.
TEST(Statechart, EndlessSendsToItselfAreRolledBack) {
  instance i(R"(stream R2D
workflow Echo {
  data { n: int = 0 }
  event go
  event ping
  initial state Idle { on go -> Echoing { send later after 1h } }
  state Echoing { on ping -> Echoing { n = n + 1; send ping } entry { send ping } }
  event later
}
)");
  const auto before = i.state;
  const auto r = i.fire("go");
  EXPECT_EQ(r.reason, engine::reject_reason::rule_cycle);
  EXPECT_NE(r.message.find("the instance sent itself more than 100"), std::string::npos)
      << r.message;
  EXPECT_EQ(i.state, before);
  EXPECT_TRUE(i.state.sends.empty());
}

// Delayed sends wait in the instance until a tick delivers them; completing drops them.
TEST(Statechart, DelayedSendsWaitAndCompletionDropsThem) {
  instance i(R"(stream R2D
workflow Later {
  event go
  event nudge
  event finish
  initial state Idle { on go -> Busy { send nudge after 1h as n1; send nudge after 2h } }
  state Busy { on finish -> Done }
  final state Done
}
)");
  ASSERT_TRUE(i.fire("go").is_taken());
  ASSERT_EQ(i.state.sends.size(), 2u);
  EXPECT_EQ(i.state.sends[0].name, "n1");
  EXPECT_EQ(i.state.sends[0].due, 3'600'000);
  EXPECT_EQ(engine::next_due(i.state), 3'600'000);
  ASSERT_TRUE(i.fire("finish").is_taken());
  EXPECT_TRUE(i.state.sends.empty());
  EXPECT_EQ(engine::next_due(i.state), std::nullopt);
}

// A failed assignment rolls the step back, unless the workflow declares error.execution: then,
// as SCXML has it, the rest of the block is skipped and the event raised.
TEST(Statechart, ErrorExecutionIsRaisedOnlyWhenDeclared) {
  const std::string head = R"(stream R2D
workflow Div {
  data { x: int = 0
         y: int = 0 }
  event go
)";
  const std::string body = R"(  initial state A { on go -> B { y = 1; x = 1 / x; y = 2 } }
  state B
}
)";
  instance rolled(head + body);
  const auto before = rolled.state;
  EXPECT_EQ(rolled.fire("go").reason, engine::reject_reason::evaluation_error);
  EXPECT_EQ(rolled.state, before);

  instance raised(head + "  event error.execution\n" + body.substr(0, body.size() - 2) +
                  "  state C\n  state B2\n}\n");
  const auto r = raised.fire("go");
  ASSERT_TRUE(r.is_taken()) << r.message;
  EXPECT_EQ(raised.leaves(), names{"B"});
  EXPECT_EQ(raised.number("y"), 1);  // the assignment after the failed one was skipped
  ASSERT_EQ(r.effects.size(), 1u);
  EXPECT_EQ(r.effects[0].args[0].second.as_string(),
            "error.execution: assignment to 'x' at line 7 failed: division by zero");
}

TEST(Statechart, EntryRaisesAnInternalEvent) {
  instance i(R"(stream R2D
workflow Relay {
  data { hops: int = 0 }
  event go
  event next
  initial state A { on go -> B }
  state B {
    entry { raise next }
    on next -> C { hops = hops + 1 }
  }
  final state C
}
)");
  ASSERT_TRUE(i.fire("go").is_taken());
  EXPECT_EQ(i.leaves(), names{"C"});
  EXPECT_EQ(i.number("hops"), 1);
}

}  // namespace
