// Taking transitions: the general microstep (exits innermost first with history, the blocks,
// entries outermost first), entry and exit actions, timers armed on entry, completion, and the
// document tree those need. Part of the stepper (stepper.hpp); the flat fast path is in step.cpp.
#include <algorithm>

#include "engine/stepper.hpp"

namespace vflow::engine::detail {

// The general microstep: exits, history, the blocks, entries.
bool stepper::take_general(const std::vector<chosen>& transitions, const activation& act) {
  // A failure half-way leaves the instance as it was before this microstep. Reactive machines
  // restore the whole step from its snapshot instead, so only flat ones save here.
  // Scratch kept per thread so a step does not allocate; take() never runs inside itself.
  const bool local = !m_.reactive;
  thread_local std::vector<state_id> saved_configuration;
  thread_local std::vector<armed_timer> saved_timers;
  if (local) {
    saved_configuration = s_.configuration;  // reuses its storage
    saved_timers = s_.timers;
  }
  const auto fail = [&] {
    undo();
    if (local) {
      s_.configuration = saved_configuration;
      s_.timers = saved_timers;
    }
    return false;
  };
  thread_local std::vector<state_id> exits;
  exits.clear();
  for (const chosen& t : transitions) {
    if (t.target == no_state) continue;  // targetless: exits nothing
    const state_id d = domain(t);
    for (const state_id s : s_.configuration) {
      if (d == no_state || is_descendant(s, d)) add_unique(exits, s);
    }
  }
  std::sort(exits.begin(), exits.end(), [](state_id a, state_id b) { return index(a) > index(b); });
  for (const state_id s : exits) {  // history first, from the configuration before any exit
    const auto [first, last] = children(s);
    for (std::uint32_t c = first; c < last; ++c) {
      const state_id h = m_.children[c];
      const state_kind k = m_.state(h).kind;
      if (k != state_kind::history && k != state_kind::deep_history) continue;
      auto slot = std::find_if(s_.history.begin(), s_.history.end(),
                               [&](const auto& e) { return e.first == h; });
      if (slot == s_.history.end()) {
        s_.history.emplace_back(h, std::vector<state_id>{});
        slot = s_.history.end() - 1;
      }
      std::vector<state_id>& memory = slot->second;  // written in place: its storage is reused
      memory.clear();
      for (const state_id a : s_.configuration) {
        const bool atomic = m_.state(a).kind == state_kind::atomic;
        if (k == state_kind::deep_history ? (atomic && is_descendant(a, s)) : parent(a) == s) {
          memory.push_back(a);
        }
      }
    }
  }
  for (const state_id s : exits) {
    if (!run_actions(s, false)) {
      const reject_reason why = out_.reason;  // fail() keeps the reason and message
      fail();
      out_.reason = why;
      return false;
    }
    s_.timers.erase(
        std::remove_if(s_.timers.begin(), s_.timers.end(),
                       [&](const armed_timer& a) { return m_.timers[a.timer].source == s; }),
        s_.timers.end());
    s_.configuration.erase(std::find(s_.configuration.begin(), s_.configuration.end(), s));
  }
  for (const chosen& t : transitions) {
    if (!run_block(t, act)) {
      const reject_reason why = out_.reason;  // fail() keeps the reason and message
      const std::string message = out_.message;
      fail();
      out_.reason = why;
      out_.message = message;
      return false;
    }
  }
  thread_local std::vector<state_id> to_enter;
  to_enter.clear();
  default_blocks_.clear();
  for (const chosen& t : transitions) {  // every target's default entry, then its ancestors
    if (t.target == no_state) continue;
    add_descendants(t.target, to_enter);
    for (std::uint32_t k = 0; k < t.extra_target_count; ++k)
      add_descendants(m_.extra_targets[t.first_extra_target + k], to_enter);
    const state_id d = domain(t);
    add_ancestors(t.target, d, to_enter);
    for (std::uint32_t k = 0; k < t.extra_target_count; ++k)
      add_ancestors(m_.extra_targets[t.first_extra_target + k], d, to_enter);
  }
  if (!enter_states(to_enter, act)) return fail();
  return true;
}

bool stepper::is_descendant(state_id s, state_id ancestor) const {
  for (state_id p = parent(s); p != no_state; p = parent(p)) {
    if (p == ancestor) return true;
  }
  return false;
}

bool stepper::is_active(state_id s) const {
  return std::binary_search(s_.configuration.begin(), s_.configuration.end(), s,
                            [](state_id a, state_id b) { return index(a) < index(b); });
}

std::pair<std::uint32_t, std::uint32_t> stepper::children(state_id s) const {
  const state_def& d = m_.state(s);
  return {d.first_child, d.first_child + d.child_count};
}

// The innermost compound state enclosing both ends (no_state: the document root).
state_id stepper::domain(const chosen& c) const {
  if (c.internal && m_.state(c.source).kind == state_kind::compound && targets_inside(c, c.source))
    return c.source;
  for (state_id a = parent(c.source); a != no_state; a = parent(a)) {
    if (m_.state(a).kind == state_kind::compound && targets_inside(c, a)) return a;
  }
  return no_state;
}

bool stepper::targets_inside(const chosen& c, state_id a) const {
  if (!is_descendant(c.target, a)) return false;
  for (std::uint32_t k = 0; k < c.extra_target_count; ++k) {
    if (!is_descendant(m_.extra_targets[c.first_extra_target + k], a)) return false;
  }
  return true;
}

std::vector<state_id> stepper::exit_set(const chosen& c) const {
  std::vector<state_id> out;
  if (c.target == no_state) return out;  // targetless: leaves nothing
  const state_id d = domain(c);
  for (const state_id s : s_.configuration) {
    if (d == no_state || is_descendant(s, d)) out.push_back(s);
  }
  return out;
}

// Drops transitions whose exits overlap an earlier one's, unless they come from a descendant
// of its source (then the earlier one is dropped).
std::vector<chosen> stepper::remove_conflicts(const std::vector<chosen>& enabled) const {
  std::vector<chosen> kept;
  std::vector<std::vector<state_id>> kept_exits;
  for (const chosen& t1 : enabled) {
    const auto exits1 = exit_set(t1);
    bool preempted = false;
    std::vector<std::size_t> drop;
    for (std::size_t k = 0; k < kept.size(); ++k) {
      const bool overlap = std::any_of(exits1.begin(), exits1.end(), [&](state_id s) {
        return std::find(kept_exits[k].begin(), kept_exits[k].end(), s) != kept_exits[k].end();
      });
      if (!overlap) continue;
      if (is_descendant(t1.source, kept[k].source)) {
        drop.push_back(k);
      } else {
        preempted = true;
        break;
      }
    }
    if (preempted) continue;
    for (auto k = drop.rbegin(); k != drop.rend(); ++k) {
      kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(*k));
      kept_exits.erase(kept_exits.begin() + static_cast<std::ptrdiff_t>(*k));
    }
    kept.push_back(t1);
    kept_exits.push_back(exits1);
  }
  return kept;
}

void stepper::add_unique(std::vector<state_id>& v, state_id s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

bool stepper::has_descendant_in(const std::vector<state_id>& v, state_id s) const {
  return std::any_of(v.begin(), v.end(), [&](state_id x) { return x == s || is_descendant(x, s); });
}

const std::vector<state_id>* stepper::remembered(state_id history) const {
  for (const auto& [h, states] : s_.history) {
    if (h == history) return &states;
  }
  return nullptr;
}

// `s` and what entering it enters by default: initial children, every region, or history.
void stepper::add_descendants(state_id s, std::vector<state_id>& to_enter) const {
  const state_def& d = m_.state(s);
  if (d.kind == state_kind::history || d.kind == state_kind::deep_history) {
    if (const auto* memory = remembered(s)) {
      for (const state_id x : *memory) add_descendants(x, to_enter);
      for (const state_id x : *memory) add_ancestors(x, d.parent, to_enter);
    } else if (d.history_default != no_state) {
      if (d.default_action_count > 0) default_blocks_.push_back(s);
      add_descendants(d.history_default, to_enter);
      add_ancestors(d.history_default, d.parent, to_enter);
    } else {
      add_initial(d.parent, to_enter);
    }
    return;
  }
  add_unique(to_enter, s);
  if (d.kind == state_kind::compound) {
    add_initial(s, to_enter);
  } else if (d.kind == state_kind::parallel) {
    const auto [first, last] = children(s);
    for (std::uint32_t c = first; c < last; ++c) {
      if (!has_descendant_in(to_enter, m_.children[c])) add_descendants(m_.children[c], to_enter);
    }
  }
}

void stepper::add_initial(state_id parent, std::vector<state_id>& to_enter) const {
  const state_id* first = m_.root_initial.data();
  std::uint32_t count = static_cast<std::uint32_t>(m_.root_initial.size());
  if (parent != no_state) {
    const state_def& p = m_.state(parent);
    first = m_.initial_targets.data() + p.first_initial_target;
    count = p.initial_target_count;
    if (p.default_action_count > 0) default_blocks_.push_back(parent);
    if (count == 0) {
      if (p.initial_child != no_state) add_descendants(p.initial_child, to_enter);
      return;
    }
  } else if (count == 0) {
    add_descendants(m_.initial, to_enter);
    return;
  }
  // Every target before any ancestor, so that a parallel ancestor's other regions are not
  // entered by default where a later target lies.
  for (std::uint32_t i = 0; i < count; ++i) add_descendants(first[i], to_enter);
  for (std::uint32_t i = 0; i < count; ++i) add_ancestors(first[i], parent, to_enter);
}

// The ancestors of `s` below `until`, with the regions of any parallel ancestor.
void stepper::add_ancestors(state_id s, state_id until, std::vector<state_id>& to_enter) const {
  for (state_id a = parent(s); a != until && a != no_state; a = parent(a)) {
    add_unique(to_enter, a);
    if (m_.state(a).kind != state_kind::parallel) continue;
    const auto [first, last] = children(a);
    for (std::uint32_t c = first; c < last; ++c) {
      if (!has_descendant_in(to_enter, m_.children[c])) add_descendants(m_.children[c], to_enter);
    }
  }
}

bool stepper::in_final(state_id s) const {
  const state_def& d = m_.state(s);
  const auto [first, last] = children(s);
  if (d.kind == state_kind::compound) {
    for (std::uint32_t c = first; c < last; ++c) {
      if (m_.state(m_.children[c]).is_final && is_active(m_.children[c])) return true;
    }
    return false;
  }
  if (d.kind == state_kind::parallel) {
    for (std::uint32_t c = first; c < last; ++c) {
      if (!in_final(m_.children[c])) return false;
    }
    return true;
  }
  return false;
}

bool stepper::enter_states(std::vector<state_id>& to_enter, const activation& act) {
  std::sort(to_enter.begin(), to_enter.end(),
            [](state_id a, state_id b) { return index(a) < index(b); });
  for (const state_id s : to_enter) {
    if (is_active(s)) continue;
    s_.configuration.insert(
        std::lower_bound(s_.configuration.begin(), s_.configuration.end(), s,
                         [](state_id a, state_id b) { return index(a) < index(b); }),
        s);
    const state_def& d = m_.state(s);
    if (!run_actions(s, true)) return false;
    if (!default_blocks_.empty() && !run_default_blocks(s)) return false;
    if (!arm(s, act)) return false;
    if (d.is_final && d.parent != no_state) {
      queue_.push_back({true, d.parent, {}});
      const state_id grandparent = parent(d.parent);
      if (grandparent != no_state && m_.state(grandparent).kind == state_kind::parallel &&
          in_final(grandparent)) {
        queue_.push_back({true, grandparent, {}});
      }
    }
  }
  return true;
}

// The blocks of the defaults that entered `entered`: its own `initial -> A { }`, or that of a
// history state of it whose default was taken.
bool stepper::run_default_blocks(state_id entered) {
  for (const state_id x : default_blocks_) {
    if (x != entered && m_.state(x).parent != entered) continue;
    const state_def& d = m_.state(x);
    if (x != entered && d.kind != state_kind::history && d.kind != state_kind::deep_history)
      continue;
    const bool ran = run_in_block([&] {
      return run_action_list(d.first_default_action, d.default_action_count,
                             activation_for(nullptr),
                             "the default entry of state '" + d.name + "'");
    });
    if (!ran) return false;
  }
  return true;
}

// Arms the timers of `state`: each delay is evaluated now, on entry.
bool stepper::arm(state_id state, const activation& act) {
  const state_def& st = m_.state(state);
  for (std::uint32_t t = st.first_timer; t < st.first_timer + st.timer_count; ++t) {
    const timer_def& timer = m_.timers[t];
    const eval_result d = evaluate(m_, timer.delay, act);
    std::int64_t due = 0;
    if (!d.ok || __builtin_add_overflow(now_, d.result.as_duration(), &due)) {
      const std::string error = d.ok ? "time overflow" : d.error;
      undo();
      reject(
          out_,
          budget_out(d.failure) ? reject_reason::budget_exceeded : reject_reason::evaluation_error,
          "delay '" + timer.delay_text + "' of the timer at line " +
              std::to_string(timer.pos.line) + " failed: " + error);
      return false;
    }
    s_.timers.push_back({t, due});
  }
  return true;
}

// A compound or parallel state completed: its first done transition whose guard holds.
bool stepper::take_done(state_id s, std::uint32_t depth) {
  const state_def& d = m_.state(s);
  if (d.done_event != 0xffffffffu) {  // `done.state.NAME` is declared: an event like any other
    const event_call call{static_cast<event_id>(d.done_event), {}, now_, actor_};
    if (micro_step(call, depth)) return true;
    if (out_.reason == reject_reason::evaluation_error ||
        out_.reason == reject_reason::budget_exceeded) {
      return false;
    }
    out_.reason = reject_reason::none;  // nothing took it: ignored, as SCXML ignores it
    out_.message.clear();
    out_.denied_by.reset();
  }
  if (!is_active(s)) return true;  // left again before its completion was processed
  const activation act = activation_for(nullptr);
  for (std::uint32_t t = d.first_done; t < d.first_done + d.done_count; ++t) {
    const transition_def& tr = m_.done[t];
    trace_entry& e = record(trace_kind::done, t, depth);
    e.result = true;
    if (tr.guard != no_expr) {
      const eval_result g = evaluate(m_, tr.guard, act);
      explain(e, tr.guard_parts, tr.guard_text, act, nullptr);
      if (!g.ok)
        return fail_evaluation(e, g, "guard '" + tr.guard_text + "' of the done transition");
      e.result = g.result.as_bool();
      if (!e.result) continue;
    }
    return take({choose(tr, chosen::kind::done, t)}, act);
  }
  return true;
}

// Runs entry or exit actions: assignments, and raises queued as internal events.
// Runs the entry or exit actions of state `s`.
bool stepper::run_actions(state_id s, bool entry) {
  const state_def& d = m_.state(s);
  const std::uint32_t first = entry ? d.first_entry : d.first_exit;
  const std::uint32_t count = entry ? d.entry_count : d.exit_count;
  if (count == 0) return true;
  const activation act = activation_for(nullptr);
  const std::string owner =
      std::string(entry ? "the entry" : "the exit") + " of state '" + d.name + "'";
  return run_in_block([&] { return run_action_list(first, count, act, owner); });
}

bool stepper::block_failed(eval_failure failure, std::string message) {
  if (blocks_ > 0 && !budget_out(failure) && m_.error_event != no_error_event) {
    // SCXML: the rest of the block is skipped and error.execution goes on the internal queue;
    // the message is journaled with the step as a log.
    const auto ev = static_cast<event_id>(m_.error_event);
    queue_.push_back({false, {}, event_call{ev, {}, now_, actor_}});
    effect e;
    e.kind = effect_kind::log;
    e.args.emplace_back("value", value::of_string(m_.event(ev).name + ": " + message));
    out_.effects.push_back(std::move(e));
    stopped_ = true;
    return false;
  }
  reject(out_,
         budget_out(failure) ? reject_reason::budget_exceeded : reject_reason::evaluation_error,
         std::move(message));
  return false;
}

bool stepper::run_action_list(std::uint32_t first, std::uint32_t count, const activation& act,
                              const std::string& owner) {
  for (std::uint32_t i = 0; i < count;) {
    const rule_action_def& a = m_.rule_actions[first + i];
    if (a.kind == action_kind::jump) {
      i += a.first_arg;
    } else if (a.kind == action_kind::branch_unless) {
      eval_result v = evaluate(m_, a.value, act);
      if (!v.ok) {
        block_failed(v.failure, owner + ": an 'if' condition failed: " + v.error);
        return false;
      }
      i += v.result.as_bool() ? 1 : a.first_arg;
    } else {
      if (!run_action(a, act, owner)) return false;
      ++i;
    }
  }
  return true;
}

bool stepper::make_effect(const effect_def& d, const activation& act) {
  if (d.kind == effect_kind::cancel) {
    std::erase_if(s_.sends, [&](const pending_send& p) { return p.name == d.label; });
    return true;
  }
  if (!is_external(d.kind)) {  // the instance's own queues
    event_call call{d.event, {}, now_, actor_};
    for (const expr_id a : d.args) {
      eval_result v = evaluate(m_, a, act);
      if (!v.ok) {
        block_failed(v.failure,
                     std::string(d.kind == effect_kind::raise ? "the raise" : "the send") +
                         " of '" + m_.event(d.event).name + "' at line " +
                         std::to_string(d.pos.line) + " failed: " + v.error);
        return false;
      }
      call.params.push_back(std::move(v.result));
    }
    if (d.delay != no_expr) {  // a pending send, delivered by a tick
      const eval_result delay = evaluate(m_, d.delay, act);
      std::int64_t due = 0;
      const bool overflow =
          delay.ok &&
          __builtin_add_overflow(now_, std::max<std::int64_t>(0, delay.result.as_duration()), &due);
      const bool full = delay.ok && !overflow && s_.sends.size() >= max_pending_sends;
      const std::string error = !delay.ok  ? delay.error
                                : overflow ? "time overflow"
                                : full     ? "the instance already holds " +
                                             std::to_string(max_pending_sends) + " pending sends"
                                       : std::string();
      if (!error.empty()) {
        block_failed(!delay.ok  ? delay.failure
                     : overflow ? eval_failure::arithmetic
                                : eval_failure::limit,
                     "the send of '" + m_.event(d.event).name + "' at line " +
                         std::to_string(d.pos.line) + " failed: " + error);
        return false;
      }
      s_.sends.push_back({d.event, std::move(call.params), due, d.label});
    } else if (d.kind == effect_kind::raise) {
      queue_.push_back({false, {}, std::move(call)});
    } else {
      external_.push_back(std::move(call));
    }
    return true;
  }
  effect e;
  e.kind = d.kind;
  e.link = d.link;
  e.name = d.name;
  e.must = d.must;
  e.line = d.pos.line;
  const auto failed = [&](const eval_result& v) {
    block_failed(v.failure, "the " +
                                std::string(d.kind == effect_kind::send  ? "send"
                                            : d.kind == effect_kind::log ? "log"
                                                                         : "link change") +
                                " at line " + std::to_string(d.pos.line) + " failed: " + v.error);
    return false;
  };
  if (d.kind == effect_kind::link_add || d.kind == effect_kind::link_remove ||
      d.kind == effect_kind::link_set) {
    eval_result v = evaluate(m_, d.target, act);
    if (!v.ok) return failed(v);
    e.target = std::move(v.result);
  }
  for (std::size_t k = 0; k < d.args.size(); ++k) {
    eval_result v = evaluate(m_, d.args[k], act);
    if (!v.ok) return failed(v);
    e.args.emplace_back(d.names[k], std::move(v.result));
  }
  out_.effects.push_back(std::move(e));
  return true;
}

bool stepper::run_action(const rule_action_def& a, const activation& act,
                         const std::string& owner) {
  if (a.kind == action_kind::effect) return make_effect(m_.effects[a.first_arg], act);
  if (a.kind == action_kind::assign) {
    eval_result v = evaluate(m_, a.value, act);
    if (!v.ok) {
      block_failed(v.failure,
                   owner + " failed to assign '" + m_.field(a.field).name + "': " + v.error);
      return false;
    }
    assign(a.field, std::move(v.result));
    return true;
  }
  event_call call{a.event, {}, now_, actor_};
  for (std::uint32_t k = 0; k < a.arg_count; ++k) {
    eval_result v = evaluate(m_, m_.rule_args[a.first_arg + k], act);
    if (!v.ok) {
      block_failed(v.failure,
                   owner + " failed to raise '" + m_.event(a.event).name + "': " + v.error);
      return false;
    }
    call.params.push_back(std::move(v.result));
  }
  queue_.push_back({false, {}, std::move(call)});
  return true;
}

}  // namespace vflow::engine::detail
