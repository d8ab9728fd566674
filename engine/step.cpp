// Stepping: policies first, then the first enabled transition in document order, then rules
// (edge-triggered) and the events they raise, run to completion. A rejection never leaves a
// partial update: assignments are undone, and a failed run of rules restores the snapshot.
#include "engine/step.hpp"

#include <algorithm>
#include <deque>

#include "engine/eval.hpp"

namespace vflow::engine {

std::string_view to_string(reject_reason r) {
  switch (r) {
    case reject_reason::none: return "none";
    case reject_reason::bad_parameters: return "bad_parameters";
    case reject_reason::policy_denied: return "policy_denied";
    case reject_reason::no_transition: return "no_transition";
    case reject_reason::guards_false: return "guards_false";
    case reject_reason::evaluation_error: return "evaluation_error";
    case reject_reason::rule_cycle: return "rule_cycle";
    case reject_reason::budget_exceeded: return "budget_exceeded";
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
  return instance_state{
      {m.initial}, std::move(data), std::vector<std::uint8_t>(m.rules.size(), 0), {}};
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

std::string active_names(const machine& m, const instance_state& s) {
  std::string where;
  for (const state_id id : s.configuration) {
    if (!where.empty()) where += ", ";
    where += m.state(id).name;
  }
  return where;
}

// One step in progress: the external event, then rules and internal events.
class stepper {
 public:
  stepper(const machine& m, instance_state& state, step_result& out, const step_options& options,
          const value& actor, std::int64_t now)
      : m_(m),
        s_(state),
        out_(out),
        options_(options),
        actor_(actor),
        now_(now),
        budget_(m.evaluation_budget) {}

  // Policies and transitions for one event; false (with `out_` saying why) when not taken.
  bool micro_step(const event_call& call, std::uint32_t depth) {
    const event_def& ev = m_.event(call.event);
    const activation act = activation_for(&call.params);
    for (std::uint32_t d = ev.first_deny; d < ev.first_deny + ev.deny_count; ++d) {
      const deny_def& deny = m_.denies[d];
      trace_entry& t = record(trace_kind::deny, d, depth);
      const eval_result r = evaluate(m_, deny.condition, act);
      explain(t, deny.parts, act, &ev.params);
      if (!r.ok)
        return fail_evaluation(t, r.error, "deny clause of policy '" + policy_name(deny) + "'");
      t.result = r.result.as_bool();
      if (t.result) {
        const policy_def& p = m_.policies[deny.policy];
        std::string message = "denied by policy " + p.name + ": " + p.description;
        if (!deny.because.empty()) message += " (" + deny.because + ")";
        out_.denied_by = d;
        reject(out_, reject_reason::policy_denied, std::move(message));
        return false;
      }
    }
    bool any_candidate = false;
    for (const state_id active : s_.configuration) {
      const auto [first, last] = transitions_for(m_, active, call.event);
      for (std::uint32_t t = first; t < last; ++t) {
        any_candidate = true;
        const transition_def& tr = m_.transitions[t];
        if (tr.guard != no_expr) {
          trace_entry& e = record(trace_kind::guard, t, depth);
          const eval_result g = evaluate(m_, tr.guard, act);
          explain(e, tr.guard_parts, act, &ev.params);
          if (!g.ok) {
            return fail_evaluation(e, g.error,
                                   "guard '" + tr.guard_text + "' of transition at line " +
                                       std::to_string(tr.pos.line));
          }
          e.result = g.result.as_bool();
          if (!e.result) continue;
        }
        if (!apply_transition(active, tr.target, tr.first_assignment, tr.assignment_count,
                              tr.pos.line, act)) {
          return false;
        }
        if (depth == 0) out_.taken = static_cast<transition_id>(t);
        return true;
      }
    }
    if (!any_candidate) {
      reject(out_, reject_reason::no_transition,
             "event '" + ev.name + "' is not enabled in state " + active_names(m_, s_));
    } else {
      reject(
          out_, reject_reason::guards_false,
          "every guard on event '" + ev.name + "' in state " + active_names(m_, s_) + " is false");
    }
    return false;
  }

  // Runs a transition's assignments, leaves `source` (cancelling its timers) and enters
  // `target` (arming its timers, even when it is the same state); false when evaluation fails,
  // with the micro step's assignments undone.
  bool apply_transition(state_id source, state_id target, std::uint32_t first_assignment,
                        std::uint32_t assignment_count, std::uint32_t line, const activation& act) {
    for (std::uint32_t i = 0; i < assignment_count; ++i) {
      const assignment& a = m_.assignments[first_assignment + i];
      eval_result v = evaluate(m_, a.value, act);
      if (!v.ok) {
        undo();
        reject(
            out_,
            budget_out(v.error) ? reject_reason::budget_exceeded : reject_reason::evaluation_error,
            "assignment to '" + m_.field(a.field).name + "' at line " + std::to_string(line) +
                " failed: " + v.error);
        return false;
      }
      assign(a.field, std::move(v.result));
    }
    // Only states with timers need their timers saved: entering one may fail half-way.
    const bool timed = m_.state(source).timer_count + m_.state(target).timer_count > 0;
    std::vector<armed_timer> timers_before;
    if (timed) timers_before = s_.timers;
    leave(source);
    if (!enter(target)) {
      s_.timers = std::move(timers_before);
      undo();
      return false;
    }
    std::replace(s_.configuration.begin(), s_.configuration.end(), source, target);
    std::sort(s_.configuration.begin(), s_.configuration.end(),
              [](state_id a, state_id b) { return index(a) < index(b); });
    return true;
  }

  // Arms the timers of `state`: each delay is evaluated now, on entry.
  bool enter(state_id state) {
    const state_def& st = m_.state(state);
    const activation act = activation_for(nullptr);
    for (std::uint32_t t = st.first_timer; t < st.first_timer + st.timer_count; ++t) {
      const timer_def& timer = m_.timers[t];
      const eval_result d = evaluate(m_, timer.delay, act);
      std::int64_t due = 0;
      if (!d.ok || __builtin_add_overflow(now_, d.result.as_duration(), &due)) {
        const std::string error = d.ok ? "time overflow" : d.error;
        reject(out_,
               budget_out(error) ? reject_reason::budget_exceeded : reject_reason::evaluation_error,
               "delay '" + timer.delay_text + "' of the timer at line " +
                   std::to_string(timer.pos.line) + " failed: " + error);
        return false;
      }
      s_.timers.push_back({t, due});
    }
    return true;
  }

  // Cancels the timers of `state`.
  void leave(state_id state) {
    s_.timers.erase(
        std::remove_if(s_.timers.begin(), s_.timers.end(),
                       [&](const armed_timer& a) { return m_.timers[a.timer].source == state; }),
        s_.timers.end());
  }

  // Fires an armed timer: consumed first; then its guard; then its transition.
  bool fire(std::uint32_t timer_index) {
    const auto armed = std::find_if(s_.timers.begin(), s_.timers.end(),
                                    [&](const armed_timer& a) { return a.timer == timer_index; });
    if (armed == s_.timers.end()) {
      reject(out_, reject_reason::no_transition, "the timer is not armed");
      return false;
    }
    s_.timers.erase(armed);
    const timer_def& timer = m_.timers[timer_index];
    const activation act = activation_for(nullptr);
    trace_entry& t = record(trace_kind::timer, timer_index, 0);
    t.result = true;
    if (timer.guard != no_expr) {
      const eval_result g = evaluate(m_, timer.guard, act);
      explain(t, timer.guard_parts, act, nullptr);
      if (!g.ok)
        return fail_evaluation(t, g.error,
                               "guard '" + timer.guard_text + "' of the timer at line " +
                                   std::to_string(timer.pos.line));
      t.result = g.result.as_bool();
      if (!t.result) {
        reject(out_, reject_reason::guards_false,
               "the guard '" + timer.guard_text + "' of the timer at line " +
                   std::to_string(timer.pos.line) + " is false: the timer lapsed");
        return false;
      }
    }
    return apply_transition(timer.source, timer.target, timer.first_assignment,
                            timer.assignment_count, timer.pos.line, act);
  }

  // Rules to a fixed point, and the events they raise in order; false when the whole step must
  // be rolled back (a cycle, an evaluation failure, the budget).
  bool run_to_completion() {
    std::deque<event_call> queue;
    std::uint32_t firings = 0, internal = 0;
    std::vector<std::uint32_t> fired_order;
    for (;;) {
      const auto fired = fire_one_rule(queue);
      if (!fired) return false;
      if (*fired) {
        if (++firings > m_.max_rule_firings) {
          std::string names;
          for (const std::uint32_t r : fired_order) {
            const std::string& n = m_.rules[r].name;
            if (names.find("'" + n + "'") == std::string::npos)
              names += (names.empty() ? "'" : ", '") + n + "'";
          }
          reject(out_, reject_reason::rule_cycle,
                 "rule cycle: rules " + names + " fired more than " +
                     std::to_string(m_.max_rule_firings) +
                     " times in one step; the step was rolled back");
          return false;
        }
        fired_order.push_back(last_fired_);
        continue;
      }
      if (queue.empty()) return true;
      const event_call call = std::move(queue.front());
      queue.pop_front();
      const std::size_t at = out_.trace.size();
      record(trace_kind::internal, index(call.event), ++internal);
      const bool taken = micro_step(call, internal);
      trace_entry& after = out_.trace[at];  // by position: micro_step appends to the trace
      after.result = taken;
      if (taken) continue;
      if (out_.reason == reject_reason::evaluation_error ||
          out_.reason == reject_reason::budget_exceeded) {
        return false;
      }
      // An internal event nothing accepts is ignored, as in SCXML; the trace keeps why.
      after.note = out_.message;
      out_.reason = reject_reason::none;
      out_.message.clear();
      out_.denied_by.reset();
    }
  }

  void finish_taken() {
    out_.outcome = outcome::taken;
    out_.reason = reject_reason::none;
    out_.message.clear();
    out_.changes.erase(std::remove_if(out_.changes.begin(), out_.changes.end(),
                                      [](const field_change& c) { return c.before == c.after; }),
                       out_.changes.end());
  }

 private:
  activation activation_for(const std::vector<value>* params) {
    return activation{&s_.data, params, now_, &actor_, &s_.configuration, &budget_};
  }

  trace_entry& record(trace_kind kind, std::uint32_t index, std::uint32_t depth) {
    trace_entry e;
    e.kind = kind;
    e.index = index;
    e.depth = depth;
    out_.trace.push_back(std::move(e));
    return out_.trace.back();
  }

  // Evaluates each part of a condition on its own, for the explanation.
  void explain(trace_entry& t, const std::vector<condition_part>& parts, const activation& act,
               const std::vector<param_def>* params) {
    if (!options_.explain) return;
    std::uint64_t spare = 10000;  // explanations never eat into the step's own budget
    activation quiet = act;
    quiet.budget = &spare;
    for (const condition_part& p : parts) {
      part_result r;
      r.text = p.text;
      const eval_result v = evaluate(m_, p.expr, quiet);
      if (v.ok) {
        r.result = v.result.as_bool();
      } else {
        r.error = v.error;
      }
      r.reads = reads_of(m_, p.expr, act, params);
      t.parts.push_back(std::move(r));
    }
  }

  static bool budget_out(const std::string& error) { return error == "evaluation budget exceeded"; }

  bool fail_evaluation(trace_entry& t, const std::string& error, const std::string& what) {
    t.error = error;
    undo();
    reject(out_,
           budget_out(error) ? reject_reason::budget_exceeded : reject_reason::evaluation_error,
           what + " failed: " + error);
    return false;
  }

  std::string policy_name(const deny_def& d) const { return m_.policies[d.policy].name; }

  // Assigns and records the change (the first `before` and the last `after` of each field).
  void assign(field_id f, value v) {
    value& slot = s_.data[index(f)];
    const auto seen = std::find_if(out_.changes.begin(), out_.changes.end(),
                                   [&](const field_change& c) { return c.field == f; });
    if (seen == out_.changes.end()) {
      out_.changes.push_back({f, std::move(slot), v});
    } else {
      seen->after = v;
    }
    slot = std::move(v);
  }

  // Undoes every assignment of the step so far. A failure after the first micro step rolls the
  // whole step back from a snapshot anyway, so the step's own change list is all undo needs.
  void undo() {
    for (const field_change& c : out_.changes) s_.data[index(c.field)] = c.before;
    out_.changes.clear();
  }

  // Evaluates every rule; the first whose condition turned from false to true fires. Memory is
  // updated for every rule without a pending edge (so a condition that went false is seen
  // going true again), and for the one that fires; others keep their edge for the next pass.
  // Returns whether one fired, or nothing when evaluation failed.
  std::optional<bool> fire_one_rule(std::deque<event_call>& queue) {
    const activation act = activation_for(nullptr);
    std::optional<std::uint32_t> first_edge;
    for (std::uint32_t r = 0; r < m_.rules.size(); ++r) {
      const rule_def& rule = m_.rules[r];
      const eval_result c = evaluate(m_, rule.condition, act);
      if (!c.ok) {
        trace_entry& t = record(trace_kind::rule, r, 0);
        t.error = c.error;
        reject(
            out_,
            budget_out(c.error) ? reject_reason::budget_exceeded : reject_reason::evaluation_error,
            "condition of rule '" + rule.name + "' failed: " + c.error);
        return std::nullopt;
      }
      const bool now_true = c.result.as_bool();
      if (now_true && !s_.rule_memory[r]) {
        if (!first_edge) first_edge = r;
        continue;
      }
      s_.rule_memory[r] = now_true ? 1 : 0;
    }
    if (!first_edge) return false;
    const std::uint32_t r = *first_edge;
    const rule_def& rule = m_.rules[r];
    s_.rule_memory[r] = 1;
    {
      trace_entry& t = record(trace_kind::rule, r, 0);
      t.result = true;
      explain(t, rule.parts, act, nullptr);
      last_fired_ = r;
      for (std::uint32_t i = 0; i < rule.action_count; ++i) {
        const rule_action_def& a = m_.rule_actions[rule.first_action + i];
        if (a.kind == action_kind::assign) {
          eval_result v = evaluate(m_, a.value, act);
          if (!v.ok) {
            reject(out_,
                   budget_out(v.error) ? reject_reason::budget_exceeded
                                       : reject_reason::evaluation_error,
                   "rule '" + rule.name + "' failed to assign '" + m_.field(a.field).name +
                       "': " + v.error);
            return std::nullopt;
          }
          assign(a.field, std::move(v.result));
        } else {
          event_call call{a.event, {}, now_, actor_};
          for (std::uint32_t k = 0; k < a.arg_count; ++k) {
            eval_result v = evaluate(m_, m_.rule_args[a.first_arg + k], act);
            if (!v.ok) {
              reject(out_,
                     budget_out(v.error) ? reject_reason::budget_exceeded
                                         : reject_reason::evaluation_error,
                     "rule '" + rule.name + "' failed to raise '" + m_.event(a.event).name +
                         "': " + v.error);
              return std::nullopt;
            }
            call.params.push_back(std::move(v.result));
          }
          trace_entry& raised = record(trace_kind::raise, index(a.event), 0);
          raised.rule = r;
          queue.push_back(std::move(call));
        }
      }
      return true;
    }
  }

  const machine& m_;
  instance_state& s_;
  step_result& out_;
  const step_options& options_;
  const value& actor_;
  std::int64_t now_;
  std::uint64_t budget_;
  std::uint32_t last_fired_ = 0;
};

void reset(step_result& out, const instance_state& state) {
  out.outcome = outcome::rejected;
  out.reason = reject_reason::none;
  out.message.clear();
  out.taken.reset();
  out.denied_by.reset();
  out.trace.clear();
  out.changes.clear();
  out.from = state.configuration;
}

}  // namespace

void start(const machine& m, instance_state& state, const value& actor, std::int64_t now,
           step_result& out, const step_options& options) {
  reset(out, state);
  const instance_state snapshot = state;
  stepper st(m, state, out, options, actor, now);
  for (const state_id s : snapshot.configuration) {
    if (!st.enter(s)) {
      state = snapshot;
      return;
    }
  }
  if (!m.rules.empty() && !st.run_to_completion()) {
    state = snapshot;
    out.changes.clear();
    return;
  }
  st.finish_taken();
}

void fire_timer(const machine& m, instance_state& state, std::uint32_t timer, std::int64_t now,
                step_result& out, const step_options& options) {
  reset(out, state);
  const instance_state snapshot = state;
  stepper st(m, state, out, options, value::null(), now);
  if (!st.fire(timer)) {
    // A lapsed timer (guard false) stays consumed; anything else leaves the state as it was.
    if (out.reason != reject_reason::guards_false) state = snapshot;
    out.changes.clear();
    return;
  }
  if (!m.rules.empty() && !st.run_to_completion()) {
    state = snapshot;
    out.changes.clear();
    return;
  }
  st.finish_taken();
}

std::optional<std::int64_t> next_due(const instance_state& state) {
  std::optional<std::int64_t> due;
  for (const armed_timer& t : state.timers) {
    if (!due || t.due < *due) due = t.due;
  }
  return due;
}

void step(const machine& m, instance_state& state, const event_call& call, step_result& out,
          const step_options& options) {
  reset(out, state);
  if (auto problem = check_params(m, call)) {
    reject(out, reject_reason::bad_parameters, std::move(*problem));
    return;
  }
  // Only machines with rules can fail after the first micro step, so only they need a snapshot.
  std::optional<instance_state> snapshot;
  if (!m.rules.empty()) snapshot = state;
  stepper st(m, state, out, options, call.actor, call.now);
  if (!st.micro_step(call, 0)) {
    out.changes.clear();
    return;
  }
  if (snapshot && !st.run_to_completion()) {
    state = std::move(*snapshot);
    out.changes.clear();
    out.taken.reset();
    return;
  }
  st.finish_taken();
}

step_result step(const machine& m, instance_state& state, const event_call& call,
                 const step_options& options) {
  step_result out;
  step(m, state, call, out, options);
  return out;
}

bool is_complete(const machine& m, const instance_state& state) {
  return !state.configuration.empty() &&
         std::all_of(state.configuration.begin(), state.configuration.end(),
                     [&](state_id s) { return m.state(s).is_final; });
}

}  // namespace vflow::engine
