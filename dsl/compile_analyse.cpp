// Analyse: checks on the lowered tables: determinism, reachability, dead ends, events no state
// handles, rules that re-trigger each other.
#include <algorithm>
#include <optional>

#include "dsl/compiler_stages.hpp"

namespace vflow::dsl::detail {

// Fields an expression reads (by lowered node).
void workflow_compiler::fields_read(std::uint32_t node, std::vector<bool>& out) const {
  const engine::expr_node& n = m_.nodes[node];
  if (n.code == op::field) out[n.index] = true;
  for (std::uint32_t i = 0; i < n.operand_count; ++i)
    fields_read(m_.operands[n.first_operand + i], out);
}

// Warnings about rules: raising an event no state handles, and pairs of rules that can
// re-trigger each other (each assigns a field the other's condition reads).
void workflow_compiler::check_rules(const std::vector<bool>& handled) {
  const std::size_t n = m_.rules.size();
  std::vector<std::vector<bool>> reads(n, std::vector<bool>(m_.fields.size(), false));
  std::vector<std::vector<bool>> writes(n, std::vector<bool>(m_.fields.size(), false));
  for (std::size_t r = 0; r < n; ++r) {
    const engine::rule_def& rule = m_.rules[r];
    fields_read(engine::index(rule.condition), reads[r]);
    for (std::uint32_t i = 0; i < rule.action_count; ++i) {
      const auto& a = m_.rule_actions[rule.first_action + i];
      if (a.kind == engine::action_kind::assign) {
        writes[r][engine::index(a.field)] = true;
      } else if (!handled[engine::index(a.event)]) {
        warning("W0306", rule_decls_[r]->name_span,
                "rule '" + rule.name + "' raises event '" + m_.event(a.event).name +
                    "', which no state handles");
      }
    }
  }
  const auto overlap = [&](const std::vector<bool>& w, const std::vector<bool>& rd) {
    for (std::size_t f = 0; f < w.size(); ++f) {
      if (w[f] && rd[f]) return std::optional<std::size_t>(f);
    }
    return std::optional<std::size_t>();
  };
  for (std::size_t a = 0; a < n; ++a) {
    for (std::size_t b = a + 1; b < n; ++b) {
      const auto ab = overlap(writes[a], reads[b]);
      const auto ba = overlap(writes[b], reads[a]);
      if (!ab || !ba) continue;
      warning(
          "W0307", rule_decls_[b]->name_span,
          "rules '" + m_.rules[a].name + "' and '" + m_.rules[b].name +
              "' can re-trigger each other: '" + m_.rules[a].name + "' assigns '" +
              m_.fields[*ab].name + "', which '" + m_.rules[b].name + "' reads, and '" +
              m_.rules[b].name + "' assigns '" + m_.fields[*ba].name + "', which '" +
              m_.rules[a].name + "' reads",
          "a cycle between rules is rolled back at run time; make one condition stop the other");
    }
  }
}

void workflow_compiler::check_structure() {
  std::vector<bool> handled(m_.events.size(), false);
  std::vector<bool> raised(m_.events.size(), false);
  // A state's transitions are sorted by event: those on one event are a run, walked once,
  // remembering its first unguarded transition that names the event exactly.
  std::optional<std::size_t> first_unguarded;
  for (std::size_t t = 0; t < m_.transitions.size(); ++t) {
    const engine::transition_def& tr = m_.transitions[t];
    handled[engine::index(tr.event)] = true;
    if (t == 0 || m_.transitions[t - 1].source != tr.source ||
        m_.transitions[t - 1].event != tr.event) {
      first_unguarded.reset();
    }
    // An earlier unguarded transition on the same state and event makes this one dead.
    const auto names_exactly = [&](const transition_decl& d) {
      const std::string& name = m_.events[engine::index(tr.event)].name;
      return d.event == name || std::any_of(d.more_events.begin(), d.more_events.end(),
                                            [&](const spelled& e) { return e.first == name; });
    };
    // A descriptor that matches many events (`*`, a prefix) is a fallback: only transitions that
    // name the event exactly can make each other dead. The same declaration is expanded once per
    // event, so it never meets itself in a run.
    const transition_decl& here = *decls_of_transitions_[t];
    if (!names_exactly(here)) continue;
    if (!first_unguarded) {
      if (tr.guard == engine::no_expr) first_unguarded = t;
      continue;
    }
    const transition_decl& there = *decls_of_transitions_[*first_unguarded];
    const std::string where = "state '" + m_.states[engine::index(tr.source)].name +
                              "' on event '" + m_.events[engine::index(tr.event)].name + "'";
    const std::string first = "at line " + std::to_string(there.span.line);
    if (tr.guard == engine::no_expr && !m_.first_match_wins) {
      error("F0114", here.span,
            "nondeterministic transitions: " + where + " has two unguarded transitions",
            "add a 'when' guard to one of them (the other is " + first + ")");
    } else {
      warning(
          "W0303", here.span,
          "transition is never taken: " + where + " already has an unguarded transition " + first,
          "move the guarded transition above the unguarded one");
    }
  }
  for (const auto& a : m_.rule_actions) {  // an event a rule, entry or exit raises is used
    if (a.kind == engine::action_kind::raise) raised[engine::index(a.event)] = true;
  }
  for (const auto& e : m_.effects) {  // and one a block raises or sends to the instance itself
    if (e.kind == engine::effect_kind::raise || e.kind == engine::effect_kind::send_self)
      raised[engine::index(e.event)] = true;
  }
  if (const auto star = event_ids_.find("*")) raised[*star] = true;  // declared by `on *`
  if (!had_error()) check_rules(handled);
  for (std::size_t e = 0; e < m_.events.size(); ++e) {
    if (!handled[e] && !raised[e] && !had_error()) {
      warning("W0304", w_.events[e].name_span,
              "event '" + m_.events[e].name + "' is declared but no state handles it");
    }
  }
  if (!has_initial_ || had_error()) return;
  // Reachability from the initial state: a state reached brings its ancestors and the states
  // entered by default below it; every transition, timer, done and always edge leads on.
  std::vector<bool> seen(m_.states.size(), false);
  std::vector<std::uint32_t> work;
  const auto reach = [&](engine::state_id id) {
    for (auto s = id; s != engine::no_state; s = m_.states[engine::index(s)].parent) {
      if (seen[engine::index(s)]) break;
      seen[engine::index(s)] = true;
      work.push_back(engine::index(s));
    }
  };
  reach(m_.initial);
  for (const engine::state_id s : m_.root_initial) reach(s);
  const auto targets = [&](const engine::state_def& st, auto&& each) {
    for (std::uint32_t t = st.first_transition; t < st.first_transition + st.transition_count;
         ++t) {
      const engine::transition_def& d = m_.transitions[t];
      each(d.target);
      for (std::uint32_t x = 0; x < d.extra_target_count; ++x)
        each(m_.extra_targets[d.first_extra_target + x]);
    }
    for (std::uint32_t t = st.first_timer; t < st.first_timer + st.timer_count; ++t)
      each(m_.timers[t].target);
    for (std::uint32_t t = st.first_done; t < st.first_done + st.done_count; ++t)
      each(m_.done[t].target);
    for (std::uint32_t t = st.first_always; t < st.first_always + st.always_count; ++t)
      each(m_.always[t].target);
  };
  while (!work.empty()) {
    const std::uint32_t s = work.back();
    work.pop_back();
    const engine::state_def& st = m_.states[s];
    if (st.kind == engine::state_kind::compound && st.initial_child != engine::no_state)
      reach(st.initial_child);
    for (std::uint32_t i = 0; i < st.initial_target_count; ++i)
      reach(m_.initial_targets[st.first_initial_target + i]);
    if (st.kind == engine::state_kind::parallel) {
      for (std::uint32_t c = st.first_child; c < st.first_child + st.child_count; ++c)
        reach(m_.children[c]);
    }
    if (st.kind == engine::state_kind::history || st.kind == engine::state_kind::deep_history) {
      const auto& parent = m_.states[engine::index(st.parent)];
      for (std::uint32_t c = parent.first_child; c < parent.first_child + parent.child_count; ++c) {
        reach(m_.children[c]);
      }
    }
    targets(st, reach);
  }
  for (std::size_t s = 0; s < m_.states.size(); ++s) {
    const engine::state_def& st = m_.states[s];
    const bool pseudo =
        st.kind == engine::state_kind::history || st.kind == engine::state_kind::deep_history;
    if (!seen[s] && !pseudo) {
      warning("W0301", state_decls_[s]->name_span,
              "state '" + st.name + "' is unreachable from the initial state '" +
                  m_.states[engine::index(m_.initial)].name + "'");
      continue;
    }
    if (st.is_final || st.kind != engine::state_kind::atomic) continue;
    // A way out: an edge to another state from this state or any state enclosing it.
    bool way_out = false;
    for (auto a = static_cast<engine::state_id>(s); a != engine::no_state && !way_out;
         a = m_.states[engine::index(a)].parent) {
      targets(m_.states[engine::index(a)], [&](engine::state_id t) {
        way_out = way_out || (t != engine::no_state && engine::index(t) != s);
      });
    }
    if (!way_out) {
      warning("W0302", state_decls_[s]->name_span,
              "state '" + st.name + "' is not final but has no transition to another state",
              "mark it 'final', or add a transition out of it");
    }
  }
}

}  // namespace vflow::dsl::detail
