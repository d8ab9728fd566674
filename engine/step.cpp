// Stepping: first enabled transition in document order, assignments applied in order, and a
// rejection (never a partial update) when nothing applies or evaluation fails.
#include "engine/step.hpp"

#include <algorithm>

#include "engine/eval.hpp"

namespace vflow::engine {

std::string_view to_string(reject_reason r) {
  switch (r) {
    case reject_reason::none: return "none";
    case reject_reason::bad_parameters: return "bad_parameters";
    case reject_reason::no_transition: return "no_transition";
    case reject_reason::guards_false: return "guards_false";
    case reject_reason::evaluation_error: return "evaluation_error";
  }
  return "?";
}

std::vector<value> initial_data(const machine& m) {
  std::vector<value> data;
  data.reserve(m.fields.size());
  for (const field_def& f : m.fields) data.push_back(f.initial);
  return data;
}

instance_state initial_state(const machine& m, std::vector<value> data) {
  return instance_state{{m.initial}, std::move(data)};
}

std::optional<std::string> check_params(const machine& m, const event_call& call) {
  if (index(call.event) >= m.events.size()) return std::string("unknown event");
  const event_def& e = m.event(call.event);
  if (call.params.size() != e.params.size()) {
    return "event '" + e.name + "' takes " + std::to_string(e.params.size()) +
           " parameter(s), got " + std::to_string(call.params.size());
  }
  for (std::size_t i = 0; i < e.params.size(); ++i) {
    const value& v = call.params[i];
    const type t = e.params[i].declared;
    if (v.is_null() ? !t.nullable : v.kind() != t.base) {
      return "parameter '" + e.params[i].name + "' of event '" + e.name + "' must be " +
             to_string(t);
    }
  }
  return std::nullopt;
}

namespace {

void reject(step_result& out, reject_reason reason, std::string message) {
  out.outcome = outcome::rejected;
  out.reason = reason;
  out.message = std::move(message);
}

// The transitions of state `s` for event `e`: a contiguous run inside the state's slice.
std::pair<std::uint32_t, std::uint32_t> transitions_for(const machine& m, state_id s, event_id e) {
  const state_def& st = m.state(s);
  const auto begin = m.transitions.begin() + st.first_transition;
  const auto end = begin + st.transition_count;
  const auto lo = std::lower_bound(begin, end, e, [](const transition_def& t, event_id ev) {
    return index(t.event) < index(ev);
  });
  auto hi = lo;
  while (hi != end && hi->event == e) ++hi;
  return {static_cast<std::uint32_t>(lo - m.transitions.begin()),
          static_cast<std::uint32_t>(hi - m.transitions.begin())};
}

}  // namespace

void step(const machine& m, instance_state& state, const event_call& call, step_result& out) {
  out.outcome = outcome::rejected;
  out.reason = reject_reason::none;
  out.message.clear();
  out.taken.reset();
  out.guards.clear();
  out.changes.clear();
  out.from = state.configuration;

  if (auto problem = check_params(m, call)) {
    reject(out, reject_reason::bad_parameters, std::move(*problem));
    return;
  }

  const activation act{&state.data, &call.params, call.now};
  bool any_candidate = false;
  for (const state_id active : state.configuration) {
    const auto [first, last] = transitions_for(m, active, call.event);
    for (std::uint32_t t = first; t < last; ++t) {
      any_candidate = true;
      const transition_def& tr = m.transitions[t];
      if (tr.guard != no_expr) {
        eval_result g = evaluate(m, tr.guard, act);
        out.guards.push_back({static_cast<transition_id>(t), g.ok && g.result.as_bool(), g.error});
        if (!g.ok) {
          reject(out, reject_reason::evaluation_error,
                 "guard '" + tr.guard_text + "' of transition at line " +
                     std::to_string(tr.pos.line) + " failed: " + g.error);
          return;
        }
        if (!g.result.as_bool()) continue;
      }
      // Assignments run in order, each seeing the ones before it; on failure they are undone.
      for (std::uint32_t i = 0; i < tr.assignment_count; ++i) {
        const assignment& a = m.assignments[tr.first_assignment + i];
        eval_result v = evaluate(m, a.value, act);
        if (!v.ok) {
          for (auto c = out.changes.rbegin(); c != out.changes.rend(); ++c) {
            state.data[index(c->field)] = std::move(c->before);
          }
          out.changes.clear();
          reject(out, reject_reason::evaluation_error,
                 "assignment to '" + m.field(a.field).name + "' at line " +
                     std::to_string(tr.pos.line) + " failed: " + v.error);
          return;
        }
        value& slot = state.data[index(a.field)];
        const auto seen = std::find_if(out.changes.begin(), out.changes.end(),
                                       [&](const field_change& c) { return c.field == a.field; });
        if (seen == out.changes.end()) {
          out.changes.push_back({a.field, slot, v.result});
        } else {
          seen->after = v.result;
        }
        slot = std::move(v.result);
      }
      // Flat machines: the source state is replaced by the target.
      std::replace(state.configuration.begin(), state.configuration.end(), active, tr.target);
      std::sort(state.configuration.begin(), state.configuration.end(),
                [](state_id a, state_id b) { return index(a) < index(b); });
      out.outcome = outcome::taken;
      out.taken = static_cast<transition_id>(t);
      // A field set back to its old value did not change.
      out.changes.erase(std::remove_if(out.changes.begin(), out.changes.end(),
                                       [](const field_change& c) { return c.before == c.after; }),
                        out.changes.end());
      return;
    }
  }

  const std::string& ev = m.event(call.event).name;
  std::string where;
  for (const state_id s : state.configuration) {
    if (!where.empty()) where += ", ";
    where += m.state(s).name;
  }
  if (!any_candidate) {
    reject(out, reject_reason::no_transition,
           "event '" + ev + "' is not enabled in state " + where);
  } else {
    reject(out, reject_reason::guards_false,
           "every guard on event '" + ev + "' in state " + where + " is false");
  }
}

step_result step(const machine& m, instance_state& state, const event_call& call) {
  step_result out;
  step(m, state, call, out);
  return out;
}

bool is_complete(const machine& m, const instance_state& state) {
  return !state.configuration.empty() &&
         std::all_of(state.configuration.begin(), state.configuration.end(),
                     [&](state_id s) { return m.state(s).is_final; });
}

}  // namespace vflow::engine
