// Stepping: policies first, then the first enabled transition in document order, then rules
// (edge-triggered) and the events they raise, run to completion. A rejection never leaves a
// partial update: assignments are undone, and a failed run of rules restores the snapshot.
#include "engine/step.hpp"

#include <algorithm>

#include "engine/eval.hpp"
#include "engine/stepper.hpp"

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
      {m.initial}, std::move(data), std::vector<std::uint8_t>(m.rules.size(), 0), {}, {}, {}};
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

namespace detail {

// Policies and transitions for one event; false (with `out_` saying why) when not taken.
bool stepper::micro_step(const event_call& call, std::uint32_t depth) {
  const event_def& ev = m_.event(call.event);
  const activation act = activation_for(&call.params);
  const bool all = options_.all_blockers && depth == 0;
  bool denied = false;
  for (std::uint32_t d = ev.first_deny; d < ev.first_deny + ev.deny_count; ++d) {
    const deny_def& deny = m_.denies[d];
    trace_entry& t = record(trace_kind::deny, d, depth);
    const eval_result r = evaluate(m_, deny.condition, act);
    explain(t, deny.parts, deny.condition_text, act, &ev.params);
    if (!r.ok) return fail_evaluation(t, r, "deny clause of policy '" + policy_name(deny) + "'");
    t.result = r.result.as_bool();
    if (t.result) {
      const policy_def& p = m_.policies[deny.policy];
      std::string message = "denied by policy " + p.name + ": " + p.description;
      if (!deny.because.empty()) message += " (" + deny.because + ")";
      if (all) out_.blockers.push_back(message);
      if (!denied) {
        out_.denied_by = d;
        reject(out_, reject_reason::policy_denied, std::move(message));
      }
      denied = true;
      if (!all) return false;
    }
  }
  // For each active atomic state in document order, the first enabled transition on it or on
  // its nearest ancestor that has one. (Scratch space kept per thread: a step's hot path should
  // not allocate; micro_step is never re-entered while it is in use.)
  thread_local std::vector<chosen> enabled;
  enabled.clear();
  bool any_candidate = false;
  for (const state_id atomic : s_.configuration) {
    if (m_.state(atomic).kind != state_kind::atomic) continue;
    bool found = false;
    for (state_id st = atomic; st != no_state && !found; st = m_.state(st).parent) {
      const auto [first, last] = transitions_for(m_, st, call.event);
      for (std::uint32_t t = first; t < last && !found; ++t) {
        any_candidate = true;
        const transition_def& tr = m_.transitions[t];
        if (tr.guard != no_expr) {
          trace_entry& e = record(trace_kind::guard, t, depth);
          const eval_result g = evaluate(m_, tr.guard, act);
          explain(e, tr.guard_parts, tr.guard_text, act, &ev.params);
          if (!g.ok) {
            return fail_evaluation(e, g,
                                   "guard '" + tr.guard_text + "' of transition at line " +
                                       std::to_string(tr.pos.line));
          }
          e.result = g.result.as_bool();
          if (!e.result) continue;
        }
        found = true;
        const chosen c = choose(tr, chosen::kind::event, t);
        if (std::none_of(enabled.begin(), enabled.end(), [&](const chosen& x) {
              return x.which == c.which && x.index == c.index;
            })) {
          enabled.push_back(c);
        }
      }
    }
  }
  if (enabled.empty()) {
    const reject_reason why =
        any_candidate ? reject_reason::guards_false : reject_reason::no_transition;
    std::string message =
        any_candidate ? "every guard on event '" + ev.name + "' in state " + active_names(m_, s_) +
                            " is false"
                      : "event '" + ev.name + "' is not enabled in state " + active_names(m_, s_);
    if (all) out_.blockers.push_back(message);
    if (!denied) reject(out_, why, std::move(message));
    return false;
  }
  if (denied) return false;
  const activation after = activation_for(&call.params);
  // (Two calls, not `?:`, which would copy `enabled` into a temporary on every step.)
  const bool taken =
      enabled.size() == 1 ? take(enabled, after) : take(remove_conflicts(enabled), after);
  if (!taken) return false;
  if (depth == 0) out_.taken = static_cast<transition_id>(enabled.front().index);
  return true;
}

// Fires an armed timer: consumed first; then its guard; then its transition.
bool stepper::fire(std::uint32_t timer_index) {
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
    explain(t, timer.guard_parts, timer.guard_text, act, nullptr);
    if (!g.ok)
      return fail_evaluation(t, g,
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
  chosen c{chosen::kind::timer,    timer_index,
           timer.source,           timer.target,
           timer.first_assignment, timer.assignment_count,
           timer.pos.line,         timer.first_effect,
           timer.effect_count};
  c.first_action = timer.first_action;
  c.action_count = timer.action_count;
  return take({c}, act);
}

// Enters the initial configuration of a new instance: entry actions, timers, completion.
bool stepper::enter_initial() {
  s_.configuration.clear();
  std::vector<state_id> to_enter;
  default_blocks_.clear();
  add_initial(no_state, to_enter);
  return enter_states(to_enter, activation_for(nullptr));
}

// Eventless transitions to a fixed point, rules, and the internal events in order; false when
// the whole step must be rolled back (a loop, an evaluation failure, the budget).
bool stepper::run_to_completion() {
  std::uint32_t firings = 0, eventless = 0, internal = 0;
  std::vector<std::uint32_t> fired_order;
  for (;;) {
    // Eventless transitions first, each round taking every enabled one.
    for (; !m_.always.empty();) {
      std::vector<chosen> enabled;
      const activation act = activation_for(nullptr);
      for (const state_id atomic : s_.configuration) {
        if (m_.state(atomic).kind != state_kind::atomic) continue;
        bool found = false;
        for (state_id st = atomic; st != no_state && !found; st = m_.state(st).parent) {
          const state_def& d = m_.state(st);
          for (std::uint32_t t = d.first_always; t < d.first_always + d.always_count && !found;
               ++t) {
            const transition_def& tr = m_.always[t];
            if (tr.guard != no_expr) {
              trace_entry& e = record(trace_kind::always, t, internal);
              const eval_result g = evaluate(m_, tr.guard, act);
              explain(e, tr.guard_parts, tr.guard_text, act, nullptr);
              if (!g.ok) {
                return fail_evaluation(e, g,
                                       "guard '" + tr.guard_text +
                                           "' of the always transition at line " +
                                           std::to_string(tr.pos.line));
              }
              e.result = g.result.as_bool();
              if (!e.result) {
                // False eventless guards are re-checked constantly: keep only takes.
                if (options_.explain) out_.trace.pop_back();
                continue;
              }
            }
            found = true;
            const chosen c = choose(tr, chosen::kind::always, t);
            if (std::none_of(enabled.begin(), enabled.end(),
                             [&](const chosen& x) { return x.index == c.index; })) {
              enabled.push_back(c);
            }
          }
        }
      }
      if (enabled.empty()) break;
      if (++eventless > m_.max_eventless) {
        reject(out_, reject_reason::rule_cycle,
               "eventless transitions were taken more than " + std::to_string(m_.max_eventless) +
                   " times in one step; the step was rolled back");
        return false;
      }
      if (!take(remove_conflicts(enabled), act)) return false;
    }
    const auto fired = m_.rules.empty() ? std::optional<bool>(false) : fire_one_rule();
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
    if (queue_head_ == queue_.size()) {
      if (external_head_ == external_.size()) return true;
      // The internal queue is empty: the next event the instance sent itself, as SCXML takes
      // its external queue, each one macrostep.
      if (external_head_ >= m_.max_eventless) {
        reject(out_, reject_reason::rule_cycle,
               "the instance sent itself more than " + std::to_string(m_.max_eventless) +
                   " events in one step; the step was rolled back");
        return false;
      }
      queue_.push_back({false, {}, std::move(external_[external_head_++])});
    }
    const queued next = std::move(queue_[queue_head_++]);
    ++internal;
    if (next.done) {
      if (!take_done(next.state, internal)) return false;
      continue;
    }
    const std::size_t at = out_.trace.size();
    record(trace_kind::internal, index(next.call.event), internal);
    const bool taken = micro_step(next.call, internal);
    // By position: micro_step appends to the trace.
    trace_entry& after = options_.explain ? out_.trace[at] : scratch_;
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

void stepper::finish_taken() {
  // A completed instance receives nothing more: its pending sends go with it (SCXML cancels a
  // session's delayed events when it ends).
  if (!s_.sends.empty() && is_complete(m_, s_)) s_.sends.clear();
  out_.outcome = outcome::taken;
  out_.reason = reject_reason::none;
  out_.message.clear();
  out_.changes.erase(std::remove_if(out_.changes.begin(), out_.changes.end(),
                                    [](const field_change& c) { return c.before == c.after; }),
                     out_.changes.end());
}

// One microstep: exit (innermost first, remembering history), the transitions' assignments in
// order, then entry (outermost first). False when evaluation failed.
bool stepper::take(const std::vector<chosen>& transitions, const activation& act) {
  if (options_.explain) {  // the journal records the path, so pictures can show it
    for (const chosen& t : transitions) out_.path.push_back({edge_of(t.which), t.index});
  }
  if (transitions.size() == 1 && transitions.front().target == no_state) {
    return run_block(transitions.front(), act);
  }
  if (transitions.size() == 1 && s_.configuration.size() == 1) {
    const chosen& t = transitions.front();
    const state_def& from = m_.state(t.source);
    const state_def& to = m_.state(t.target);
    const bool flat = from.parent == no_state && to.parent == no_state &&
                      from.kind == state_kind::atomic && to.kind == state_kind::atomic &&
                      from.exit_count == 0 && to.entry_count == 0;
    if (flat) return take_flat(t, act);
  }
  return take_general(transitions, act);
}

// A transition's block: its assignments in order, then its link changes, spawns and sends.
// False, with everything it assigned undone, when one fails. A targetless transition is just
// its block: no state is left or entered (timers keep running, siblings keep what they hold).
bool stepper::run_block(const chosen& t, const activation& act) {
  const bool ok = run_in_block([&] {
    for (std::uint32_t i = 0; i < t.assignment_count; ++i) {
      const assignment& a = m_.assignments[t.first_assignment + i];
      eval_result v = evaluate(m_, a.value, act);
      if (!v.ok) {
        return block_failed(v.failure, "assignment to '" + m_.field(a.field).name + "' at line " +
                                           std::to_string(t.line) + " failed: " + v.error);
      }
      assign(a.field, std::move(v.result));
    }
    return make_effects(t, act) &&
           (t.action_count == 0 ||
            run_action_list(t.first_action, t.action_count, act,
                            "the transition at line " + std::to_string(t.line)));
  });
  if (!ok) undo();
  return ok;
}

// The common case of a flat machine, without the general algorithm's bookkeeping: one
// top-level atomic state to another (or itself), no entry or exit actions.
bool stepper::take_flat(const chosen& t, const activation& act) {
  if (!run_block(t, act)) return false;
  const bool timed = m_.state(t.source).timer_count + m_.state(t.target).timer_count > 0;
  std::vector<armed_timer> saved_timers;
  if (timed) {
    saved_timers = s_.timers;
    s_.timers.erase(
        std::remove_if(s_.timers.begin(), s_.timers.end(),
                       [&](const armed_timer& a) { return m_.timers[a.timer].source == t.source; }),
        s_.timers.end());
  }
  s_.configuration.front() = t.target;
  if (timed && !arm(t.target, act)) {
    s_.configuration.front() = t.source;
    s_.timers = std::move(saved_timers);
    return false;
  }
  return true;
}

// The link changes, spawns and sends of a transition, with their values computed now.
bool stepper::make_effects(const chosen& t, const activation& act) {
  for (std::uint32_t i = 0; i < t.effect_count; ++i) {
    if (!make_effect(m_.effects[t.first_effect + i], act)) return false;
  }
  return true;
}

trace_entry& stepper::record(trace_kind kind, std::uint32_t index, std::uint32_t depth) {
  trace_entry& e = options_.explain ? out_.trace.emplace_back() : scratch_;
  e.kind = kind;
  e.index = index;
  e.depth = depth;
  e.result = false;
  e.rule = 0;
  if (!options_.explain) {  // the scratch entry is written and never read: only keep it small
    e.error.clear();
    e.note.clear();
  }
  return e;
}

// Evaluates each part of a condition on its own, for the explanation.
void stepper::explain(trace_entry& t, const std::vector<condition_part>& parts,
                      const std::string& whole, const activation& act,
                      const std::vector<param_def>* params) {
  if (!options_.explain) return;
  std::uint64_t spare = 10000;  // explanations never eat into the step's own budget
  activation quiet = act;
  quiet.budget = &spare;
  for (const condition_part& p : parts) {
    part_result r;
    r.text = whole.substr(p.begin, p.size);
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

bool stepper::fail_evaluation(trace_entry& t, const eval_result& r, const std::string& what) {
  t.error = r.error;
  undo();
  reject(out_,
         budget_out(r.failure) ? reject_reason::budget_exceeded : reject_reason::evaluation_error,
         what + " failed: " + r.error);
  return false;
}

// Assigns and records the change (the first `before` and the last `after` of each field).
void stepper::assign(field_id f, value v) {
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

// Undoes every assignment of the step so far. A failure after the first microstep rolls the
// whole step back from a snapshot anyway, so the step's own change list is all undo needs.
void stepper::undo() {
  for (const field_change& c : out_.changes) s_.data[index(c.field)] = c.before;
  out_.changes.clear();
  out_.effects.clear();
}

// Evaluates every rule; the first whose condition turned from false to true fires. Memory is
// updated for every rule without a pending edge (so a condition that went false is seen
// going true again), and for the one that fires; others keep their edge for the next pass.
// Returns whether one fired, or nothing when evaluation failed.
std::optional<bool> stepper::fire_one_rule() {
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
          budget_out(c.failure) ? reject_reason::budget_exceeded : reject_reason::evaluation_error,
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
  trace_entry& t = record(trace_kind::rule, r, 0);
  t.result = true;
  explain(t, rule.parts, rule.condition_text, act, nullptr);
  last_fired_ = r;
  for (std::uint32_t i = 0; i < rule.action_count; ++i) {
    const rule_action_def& a = m_.rule_actions[rule.first_action + i];
    const std::size_t queued_before = queue_.size();
    if (!run_action(a, act, "rule '" + rule.name + "'")) return std::nullopt;
    if (queue_.size() > queued_before) {
      trace_entry& raised = record(trace_kind::raise, index(a.event), 0);
      raised.rule = r;
    }
  }
  return true;
}

}  // namespace detail

namespace {

using detail::reject;
using detail::stepper;
// What a failed step restores besides data (data comes back from the step's change list, which
// holds each changed field's value from before the step): cheaper than copying the whole state.
// One per thread, copied into and out of with assignments that reuse its storage, so saving
// allocates nothing once it has held a state of the size; steps never run inside each other.
struct saved_shape {
  std::vector<state_id> configuration;
  std::vector<armed_timer> timers;
  std::vector<std::pair<state_id, std::vector<state_id>>> history;
  std::vector<std::uint8_t> rule_memory;
  std::vector<pending_send> sends;

  static saved_shape& of(const instance_state& s) {
    thread_local saved_shape saved;
    saved.configuration = s.configuration;
    saved.timers = s.timers;
    saved.history = s.history;
    saved.rule_memory = s.rule_memory;
    saved.sends = s.sends;
    return saved;
  }

  void restore(instance_state& s, step_result& out) const {
    for (const field_change& c : out.changes) s.data[index(c.field)] = c.before;
    out.changes.clear();
    out.effects.clear();
    s.configuration = configuration;
    s.timers = timers;
    s.history = history;
    s.rule_memory = rule_memory;
    s.sends = sends;
  }
};

void reset(step_result& out, const instance_state& state) {
  out.outcome = outcome::rejected;
  out.reason = reject_reason::none;
  out.message.clear();
  out.taken.reset();
  out.denied_by.reset();
  out.trace.clear();
  out.changes.clear();
  out.path.clear();
  out.effects.clear();
  out.blockers.clear();
  out.from = state.configuration;
}

}  // namespace

void start(const machine& m, instance_state& state, const value& actor, std::int64_t now,
           step_result& out, const step_options& options) {
  reset(out, state);
  const saved_shape& saved = saved_shape::of(state);
  stepper st(m, state, out, options, actor, now);
  if (!st.enter_initial() || !st.run_to_completion()) {
    saved.restore(state, out);
    return;
  }
  st.finish_taken();
}

void fire_timer(const machine& m, instance_state& state, std::uint32_t timer, std::int64_t now,
                step_result& out, const step_options& options) {
  reset(out, state);
  const saved_shape& saved = saved_shape::of(state);
  stepper st(m, state, out, options, value::null(), now);
  if (!st.fire(timer)) {
    if (out.reason == reject_reason::guards_false) {
      out.changes.clear();
      out.effects.clear();  // a lapsed timer stays consumed; nothing else changed
    } else {
      saved.restore(state, out);
    }
    return;
  }
  if (m.reactive && !st.run_to_completion()) {
    saved.restore(state, out);
    return;
  }
  st.finish_taken();
}

std::optional<std::int64_t> next_due(const instance_state& state) {
  std::optional<std::int64_t> due;
  for (const armed_timer& t : state.timers) {
    if (!due || t.due < *due) due = t.due;
  }
  for (const pending_send& s : state.sends) {
    if (!due || s.due < *due) due = s.due;
  }
  return due;
}

void deliver_send(const machine& m, instance_state& state, std::size_t index, std::int64_t now,
                  step_result& out, const step_options& options) {
  if (index >= state.sends.size()) {
    reset(out, state);
    reject(out, reject_reason::no_transition, "no such pending send");
    return;
  }
  pending_send sent = std::move(state.sends[index]);
  state.sends.erase(state.sends.begin() + static_cast<std::ptrdiff_t>(index));
  step(m, state, event_call{sent.event, std::move(sent.params), now, value::null()}, out, options);
}

void step(const machine& m, instance_state& state, const event_call& call, step_result& out,
          const step_options& options) {
  reset(out, state);
  if (auto problem = check_params(m, call)) {
    reject(out, reject_reason::bad_parameters, std::move(*problem));
    return;
  }
  // Only reactive machines can fail after the first microstep, so only they save their shape;
  // a flat machine's microstep undoes itself.
  const saved_shape* saved = m.reactive ? &saved_shape::of(state) : nullptr;
  stepper st(m, state, out, options, call.actor, call.now);
  if (!st.micro_step(call, 0)) {
    if (saved) saved->restore(state, out);
    out.changes.clear();
    out.effects.clear();
    return;
  }
  if (saved && !st.run_to_completion()) {
    saved->restore(state, out);
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

std::vector<state_id> atomic_states(const machine& m, const instance_state& state) {
  std::vector<state_id> out;
  for (const state_id s : state.configuration) {
    if (m.state(s).kind == state_kind::atomic) out.push_back(s);
  }
  return out;
}

bool is_complete(const machine& m, const instance_state& state) {
  return std::any_of(state.configuration.begin(), state.configuration.end(), [&](state_id s) {
    return m.state(s).is_final && m.state(s).parent == no_state;
  });
}

}  // namespace vflow::engine
