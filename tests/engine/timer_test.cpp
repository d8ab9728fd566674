// Durable timers in the engine: armed on entry with the delay evaluated then, cancelled on exit,
// fired once, lapsed when their guard is false.
#include <gtest/gtest.h>

#include "tests/engine/machine_util.hpp"

namespace {

using namespace vflow;
using engine::value;

constexpr std::int64_t minute = 60 * 1000;

const char* const source = R"(stream D2C
workflow Ticket {
  data {
    patience: duration = 30m
    urgent: bool = true
    pings: int = 0
  }
  event touch
  event park
  event close
  initial state Open {
    after patience when urgent -> Open { pings = pings + 1 }
    after 2h -> Stale
    on touch -> Open
    on park -> Parked
    on close -> Closed
  }
  state Parked {
    on touch -> Open
  }
  state Stale {
    on close -> Closed
  }
  final state Closed
}
)";

class Timers : public testing::Test {
 protected:
  void SetUp() override {
    state = engine::initial_state(m, engine::initial_data(m));
    engine::start(m, state, value::null(), 0, out);
    ASSERT_TRUE(out.is_taken());
  }
  std::vector<std::int64_t> dues() const {
    std::vector<std::int64_t> d;
    for (const auto& t : state.timers) d.push_back(t.due);
    return d;
  }
  engine::machine m = test::compile_machine(source);
  engine::instance_state state;
  engine::step_result out;
};

TEST_F(Timers, ArmedOnStartWithTheDelayEvaluatedOnEntry) {
  EXPECT_EQ(dues(), (std::vector<std::int64_t>{30 * minute, 120 * minute}));
  EXPECT_EQ(engine::next_due(state), 30 * minute);
}

TEST_F(Timers, FiringReentersAndRearms) {
  engine::fire_timer(m, state, 0, 31 * minute, out);
  ASSERT_TRUE(out.is_taken()) << out.message;
  EXPECT_EQ(state.data[2], value::of_int(1));
  // Open was left and entered again: both timers re-armed from the firing time.
  EXPECT_EQ(dues(), (std::vector<std::int64_t>{61 * minute, 151 * minute}));
}

TEST_F(Timers, LeavingTheStateCancelsItsTimers) {
  ASSERT_TRUE(engine::step(m, state, test::call(m, "park", {}, 10 * minute)).is_taken());
  EXPECT_TRUE(state.timers.empty());
  engine::fire_timer(m, state, 1, 200 * minute, out);
  EXPECT_FALSE(out.is_taken());
  EXPECT_EQ(out.message, "the timer is not armed");
  ASSERT_TRUE(engine::step(m, state, test::call(m, "touch", {}, 100 * minute)).is_taken());
  EXPECT_EQ(dues(), (std::vector<std::int64_t>{130 * minute, 220 * minute}));
}

TEST_F(Timers, AFalseGuardLapsesTheTimer) {
  state.data[1] = value::of_bool(false);
  const auto before = state.configuration;
  engine::fire_timer(m, state, 0, 30 * minute, out);
  EXPECT_EQ(out.reason, engine::reject_reason::guards_false);
  EXPECT_EQ(state.configuration, before);
  EXPECT_EQ(dues(), (std::vector<std::int64_t>{120 * minute}));  // consumed
  engine::fire_timer(m, state, 1, 125 * minute, out);
  ASSERT_TRUE(out.is_taken());
  EXPECT_EQ(test::active(m, state), std::vector<std::string>{"Stale"});
  EXPECT_TRUE(state.timers.empty());
}

}  // namespace
