// `vflow export scxml` and back: every valid test workflow and every shipped workflow, exported
// to SCXML and imported again, behaves like the original on random event sequences (with
// parameters, timers and delayed sends), and exporting the result gives the same document.
#include <gtest/gtest.h>

#include <random>

#include "dsl/scxml.hpp"
#include "engine/text.hpp"
#include "tests/dsl/library_util.hpp"
#include "tests/dsl/test_util.hpp"
#include "tests/engine/machine_util.hpp"

namespace {

namespace fs = std::filesystem;
using namespace vflow;

std::string text(const engine::value& v) { return engine::to_literal(v); }

// What an instance is, by names (ids are compared through them): configuration, data, rule
// memory, armed timers, history and pending sends.
std::string snapshot(const engine::machine& m, const engine::instance_state& s) {
  std::vector<std::string> states;
  for (const auto id : s.configuration) states.push_back(m.state(id).name);
  std::sort(states.begin(), states.end());
  std::string out = "states:";
  for (const auto& n : states) out += " " + n;
  out += "\ndata:";
  for (std::size_t f = 0; f < m.fields.size(); ++f)
    out += " " + m.fields[f].name + "=" + text(s.data[f]);
  out += "\nrules:";
  for (const auto r : s.rule_memory) out += " " + std::to_string(r);
  out += "\ntimers:";
  for (const auto& t : s.timers) out += " " + std::to_string(t.timer) + "@" + std::to_string(t.due);
  out += "\nhistory:";
  for (const auto& [h, remembered] : s.history) {
    out += " " + m.state(h).name + "[";
    for (const auto id : remembered) out += " " + m.state(id).name;
    out += " ]";
  }
  out += "\nsends:";
  for (const auto& p : s.sends) {
    out += " " + m.event(p.event).name + "(";
    for (const auto& v : p.params) out += text(v) + ",";
    out += ")@" + std::to_string(p.due) + " as " + p.name;
  }
  return out;
}

// How a step ended and what it asked of the world outside the instance.
std::string outcome(const engine::machine& m, const engine::step_result& r) {
  std::string out = std::string(r.is_taken() ? "taken" : "rejected") + " " +
                    std::string(engine::to_string(r.reason));
  if (r.denied_by) out += " by " + m.policies[m.denies[*r.denied_by].policy].name;
  for (const auto& e : r.effects) {
    out += "\neffect " + std::to_string(static_cast<int>(e.kind)) + " " + e.name + " " +
           text(e.target) + (e.must ? " must" : "");
    if (engine::is_external(e.kind) && e.kind != engine::effect_kind::log)
      out += " link " + m.links[e.link].name;
    for (const auto& [k, v] : e.args) out += " " + k + "=" + text(v);
  }
  return out;
}

// The workflows of the file and the shipped library, for a lone workflow's links and sends.
dsl::workflow_lookup lookup_with(const std::vector<engine::machine>& own) {
  return [&own](const std::string& name) -> std::optional<dsl::workflow_signature> {
    for (const auto& m : own) {
      if (m.name == name) return dsl::signature_of(m);
    }
    return test::library_lookup()(name);
  };
}

// Drives `a` and `b` with the same random events, timers and deliveries; every step must end
// alike and leave both instances alike.
// Returns how many steps were compared.
std::size_t expect_same_behaviour(const engine::machine& a, const engine::machine& b,
                                  const std::string& where) {
  std::size_t steps = 0;
  std::mt19937 rng(20261203);
  for (int walk = 0; walk < 20; ++walk) {
    auto data = engine::initial_data(a);
    for (std::size_t f = 0; f < a.fields.size(); ++f) {
      if (a.fields[f].required) data[f] = test::random_value(a.fields[f].declared, rng);
    }
    auto sa = engine::initial_state(a, data);
    auto sb = engine::initial_state(b, data);
    engine::step_result ra, rb;
    engine::start(a, sa, engine::value::of_string("alice"), 0, ra);
    engine::start(b, sb, engine::value::of_string("alice"), 0, rb);
    EXPECT_EQ(outcome(a, ra), outcome(b, rb)) << where << ": start";
    EXPECT_EQ(snapshot(a, sa), snapshot(b, sb)) << where << ": start";
    if (snapshot(a, sa) != snapshot(b, sb)) return steps;
    if (!ra.is_taken()) continue;
    for (int i = 0; i < 200 && !engine::is_complete(a, sa); ++i) {
      const std::int64_t now = 1000 * i;
      std::string what;
      if (!sa.timers.empty() && rng() % 5 == 0) {
        const auto k = rng() % sa.timers.size();
        what = "timer " + std::to_string(sa.timers[k].timer);
        engine::fire_timer(a, sa, sa.timers[k].timer, now + 10'000'000, ra);
        engine::fire_timer(b, sb, sb.timers[k].timer, now + 10'000'000, rb);
      } else if (!sa.sends.empty() && rng() % 4 == 0) {
        const auto k = rng() % sa.sends.size();
        what = "delivery of " + a.event(sa.sends[k].event).name;
        engine::deliver_send(a, sa, k, now + 10'000'000, ra);
        engine::deliver_send(b, sb, k, now + 10'000'000, rb);
      } else {
        const auto& event = a.events[rng() % a.events.size()];
        const auto other = b.find_event(event.name);
        if (!other) {
          ADD_FAILURE() << where << ": " << event.name << " is not declared after the trip";
          return steps;
        }
        engine::event_call ca{*a.find_event(event.name),
                              {},
                              now,
                              rng() % 3 ? engine::value::of_string(rng() % 2 ? "alice" : "bob")
                                        : engine::value::null()};
        for (const auto& p : event.params) ca.params.push_back(test::random_value(p.declared, rng));
        engine::event_call cb = ca;
        cb.event = *other;
        what = "event " + event.name;
        engine::step(a, sa, ca, ra);
        engine::step(b, sb, cb, rb);
      }
      ++steps;
      EXPECT_EQ(outcome(a, ra), outcome(b, rb)) << where << ", walk " << walk << ", " << what;
      EXPECT_EQ(snapshot(a, sa), snapshot(b, sb)) << where << ", walk " << walk << ", " << what;
      if (outcome(a, ra) != outcome(b, rb) || snapshot(a, sa) != snapshot(b, sb)) return steps;
    }
  }
  return steps;
}

// The export without its first comment (which names the file it came from).
std::string body(const std::string& xml) { return xml.substr(xml.find("-->")); }

TEST(ScxmlRoundTrip, EveryWorkflowBehavesTheSameAfterExportAndImport) {
  std::size_t workflows = 0, steps = 0;
  for (const auto& path : test::flow_files({"tests/flows/valid", "workflows"})) {
    const auto r = dsl::compile(test::read_file(path), path.string(), {}, test::library_lookup());
    ASSERT_TRUE(r.ok()) << path;
    for (std::size_t i = 0; i < r.machines.size(); ++i) {
      const std::string where = path.filename().string() + "/" + r.machines[i].name;
      const std::string xml = dsl::export_scxml(r, i, path.string());
      const auto imported = dsl::import_scxml(xml, where + ".scxml");
      for (const auto& d : imported.diagnostics)
        ADD_FAILURE() << where << ":" << d.span.line << ": " << d.message;
      const auto back = dsl::compile(imported.flow, where + ".flow", {}, lookup_with(r.machines));
      for (const auto& d : back.diagnostics) {
        if (d.severity == dsl::severity::error)
          ADD_FAILURE() << where << ":" << d.span.line << ": " << d.message << "\n"
                        << imported.flow;
      }
      ASSERT_EQ(back.machines.size(), 1u) << where;
      // The same document again: nothing was lost or changed on the way.
      EXPECT_EQ(body(dsl::export_scxml(back, 0, path.string())), body(xml)) << where;
      steps += expect_same_behaviour(r.machines[i], back.machines.front(), where);
      ++workflows;
    }
  }
  EXPECT_GE(workflows, 26u);  // 14 shipped, the rest from tests/flows/valid
  EXPECT_GE(steps, 20'000u);  // most walks run their 200 steps
}

}  // namespace
