// Random walks over every valid test workflow and shipped workflow: whatever events arrive, the
// configuration stays well-formed and a rejected step changes nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "tests/dsl/library_util.hpp"
#include "tests/dsl/test_util.hpp"
#include "tests/engine/machine_util.hpp"

namespace {

namespace fs = std::filesystem;
using namespace vflow;
using engine::state_kind;
using engine::value;

std::vector<fs::path> machines_to_walk() {
  return vflow::test::flow_files({"tests/flows/valid", "workflows"});
}

// The configuration is sorted, closed under parents, has one active child per active compound
// state, every region of an active parallel state, and only atomic leaves.
void expect_well_formed(const engine::machine& m, const engine::instance_state& s,
                        const std::string& where) {
  const auto& c = s.configuration;
  ASSERT_TRUE(std::is_sorted(c.begin(), c.end(), [](auto a, auto b) {
    return engine::index(a) < engine::index(b);
  })) << where;
  const auto active = [&](engine::state_id id) {
    return std::find(c.begin(), c.end(), id) != c.end();
  };
  for (const auto id : c) {
    const auto& d = m.state(id);
    EXPECT_NE(d.kind, state_kind::history) << where;
    EXPECT_NE(d.kind, state_kind::deep_history) << where;
    if (d.parent != engine::no_state) {
      EXPECT_TRUE(active(d.parent)) << where << ": parent of " << d.name;
    }
    std::size_t active_children = 0, children = 0;
    for (std::uint32_t k = d.first_child; k < d.first_child + d.child_count; ++k) {
      const auto& child = m.state(m.children[k]);
      if (child.kind == state_kind::history || child.kind == state_kind::deep_history) continue;
      ++children;
      active_children += active(m.children[k]);
    }
    if (d.kind == state_kind::compound) {
      EXPECT_EQ(active_children, 1u) << where << ": " << d.name;
    }
    if (d.kind == state_kind::parallel) {
      EXPECT_EQ(active_children, children) << where << ": " << d.name;
    }
  }
  EXPECT_FALSE(engine::atomic_states(m, s).empty()) << where;
}

TEST(Invariants, RandomWalksKeepConfigurationsWellFormed) {
  std::mt19937 rng(424242);
  for (const auto& path : machines_to_walk()) {
    auto r = dsl::compile(test::read_file(path), path.string(), {}, test::library_lookup());
    ASSERT_TRUE(r.ok()) << path;
    for (const auto& m : r.machines) {
      for (int walk = 0; walk < 20; ++walk) {
        auto data = engine::initial_data(m);
        for (std::size_t f = 0; f < m.fields.size(); ++f) {
          if (m.fields[f].required) data[f] = test::random_value(m.fields[f].declared, rng);
        }
        auto state = engine::initial_state(m, data);
        engine::step_result out;
        engine::start(m, state, value::of_string("alice"), 0, out);
        if (!out.is_taken()) continue;
        const std::string where = path.filename().string() + "/" + m.name;
        expect_well_formed(m, state, where);
        for (int i = 0; i < 200 && !engine::is_complete(m, state); ++i) {
          const auto before = state;
          std::int64_t now = 1000 * i;
          if (!state.timers.empty() && rng() % 5 == 0) {
            engine::fire_timer(m, state, state.timers[rng() % state.timers.size()].timer,
                               now + 10'000'000, out);
          } else {
            engine::event_call call{
                static_cast<engine::event_id>(rng() % m.events.size()),
                {},
                now,
                rng() % 3 ? value::of_string(rng() % 2 ? "alice" : "bob") : value::null()};
            for (const auto& p : m.event(call.event).params)
              call.params.push_back(test::random_value(p.declared, rng));
            engine::step(m, state, call, out);
            if (!out.is_taken()) {
              EXPECT_EQ(state, before) << where << ": " << out.message;
            }
          }
          expect_well_formed(m, state, where);
        }
      }
    }
  }
}

}  // namespace
