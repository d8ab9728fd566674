// The stepper: one step in progress, shared by step.cpp (deciding: events, timers, rules, run
// to completion) and step_take.cpp (taking transitions: exits, history, entries, actions and the
// document tree). Private to engine/.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "engine/eval.hpp"
#include "engine/step.hpp"

namespace vflow::engine::detail {

inline void reject(step_result& out, reject_reason reason, std::string message) {
  out.outcome = outcome::rejected;
  out.reason = reason;
  out.message = std::move(message);
}

// The transitions of state `s` for event `e`: a contiguous run inside the state's slice.
inline std::pair<std::uint32_t, std::uint32_t> transitions_for(const machine& m, state_id s,
                                                               event_id e) {
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

inline std::string active_names(const machine& m, const instance_state& s) {
  std::string where;
  for (const state_id id : s.configuration) {
    if (!where.empty()) where += ", ";
    where += m.state(id).name;
  }
  return where;
}

// A transition chosen to be taken: an event transition, a done or always transition, or a timer.
struct chosen {
  enum class kind : std::uint8_t { event, done, always, timer } which = kind::event;
  std::uint32_t index = 0;
  state_id source{};
  state_id target{};
  std::uint32_t first_assignment = 0;
  std::uint32_t assignment_count = 0;
  std::uint32_t line = 0;
  std::uint32_t first_effect = 0;
  std::uint32_t effect_count = 0;
  bool internal = false;
  std::uint32_t first_extra_target = 0;  // machine::extra_targets[first, + count)
  std::uint32_t extra_target_count = 0;
  std::uint32_t first_action = 0;  // machine::rule_actions[first, + count): from the first `if` on
  std::uint32_t action_count = 0;
};

inline edge_kind edge_of(chosen::kind k) {
  switch (k) {
    case chosen::kind::event: return edge_kind::event;
    case chosen::kind::done: return edge_kind::done;
    case chosen::kind::always: return edge_kind::always;
    case chosen::kind::timer: return edge_kind::timer;
  }
  return edge_kind::event;
}

inline chosen choose(const transition_def& t, chosen::kind which, std::uint32_t index) {
  return {which,
          index,
          t.source,
          t.target,
          t.first_assignment,
          t.assignment_count,
          t.pos.line,
          t.first_effect,
          t.effect_count,
          t.internal,
          t.first_extra_target,
          t.extra_target_count,
          t.first_action,
          t.action_count};
}

// An internal event waiting: one a rule or an entry/exit block raised, or the completion of a
// compound or parallel state.
struct queued {
  bool done = false;
  state_id state{};  // for done
  event_call call;   // for raised events
};

// One step in progress: the external event (or timer), then eventless transitions, rules and
// internal events, to completion. Follows the W3C SCXML algorithm (its Appendix D): document
// order priority, descendants before ancestors, conflicts resolved in favour of the earlier
// transition, exits innermost first and entries outermost first.
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
  bool micro_step(const event_call& call, std::uint32_t depth);

  // Fires an armed timer: consumed first; then its guard; then its transition.
  bool fire(std::uint32_t timer_index);

  // Enters the initial configuration of a new instance: entry actions, timers, completion.
  bool enter_initial();

  // Eventless transitions to a fixed point, rules, and the internal events in order; false when
  // the whole step must be rolled back (a loop, an evaluation failure, the budget).
  bool run_to_completion();

  void finish_taken();

 private:
  // ---- the document tree ----

  state_id parent(state_id s) const { return m_.state(s).parent; }

  bool is_descendant(state_id s, state_id ancestor) const;

  bool is_active(state_id s) const;

  std::pair<std::uint32_t, std::uint32_t> children(state_id s) const;

  // The innermost compound state enclosing both ends (no_state: the document root); the source
  // itself for an internal transition from a compound state to its descendants.
  state_id domain(const chosen& c) const;

  // Whether every target of `c` is a descendant of `a`.
  bool targets_inside(const chosen& c, state_id a) const;

  std::vector<state_id> exit_set(const chosen& c) const;

  // Drops transitions whose exits overlap an earlier one's, unless they come from a descendant
  // of its source (then the earlier one is dropped).
  std::vector<chosen> remove_conflicts(const std::vector<chosen>& enabled) const;

  static void add_unique(std::vector<state_id>& v, state_id s);

  bool has_descendant_in(const std::vector<state_id>& v, state_id s) const;

  const std::vector<state_id>* remembered(state_id history) const;

  // `s` and what entering it enters by default: initial children, every region, or history.
  void add_descendants(state_id s, std::vector<state_id>& to_enter) const;

  // A failure inside executable content (`error` from the evaluator, `message` for people): with
  // `error.execution` declared, the rest of the block is skipped and the event raised (SCXML);
  // otherwise the step is rejected. False either way: the block stops.
  bool block_failed(eval_failure failure, std::string message);
  // Runs `body`, one block of executable content: a block stopped by block_failed ends there
  // and the step goes on (true); any other failure is the step's (false).
  template <typename Body>
  bool run_in_block(Body&& body) {
    ++blocks_;
    const bool ok = body();
    --blocks_;
    if (ok || !stopped_) return ok;
    stopped_ = false;
    return true;
  }
  std::uint32_t blocks_ = 0;  // blocks being run (nested: a default block inside an entry)
  bool stopped_ = false;      // block_failed stopped the innermost one

  // States entered by a default with a block (`initial -> A { }`, `history H -> T { }`): the
  // block runs after the entry of the state (of the history state's parent). Filled while the
  // states to enter are gathered.
  mutable std::vector<state_id> default_blocks_;
  bool run_default_blocks(state_id entered);

  // What entering compound `parent` (or the workflow: no_state) enters below it by default: its
  // initial child, or the targets of its `initial -> A, B` with the states between.
  void add_initial(state_id parent, std::vector<state_id>& to_enter) const;

  // The ancestors of `s` below `until`, with the regions of any parallel ancestor.
  void add_ancestors(state_id s, state_id until, std::vector<state_id>& to_enter) const;

  bool in_final(state_id s) const;

  // ---- taking transitions ----

  // One microstep: exit (innermost first, remembering history), the transitions' assignments in
  // order, then entry (outermost first). False when evaluation failed.
  bool take(const std::vector<chosen>& transitions, const activation& act);
  bool take_general(const std::vector<chosen>& transitions, const activation& act);

  // A transition's block: its assignments in order, then its link changes, spawns and sends.
  // False, with everything it assigned undone, when one fails. A targetless transition is just
  // its block: no state is left or entered (timers keep running, siblings keep what they hold).
  bool run_block(const chosen& t, const activation& act);

  // The common case of a flat machine, without the general algorithm's bookkeeping: one
  // top-level atomic state to another (or itself), no entry or exit actions.
  bool take_flat(const chosen& t, const activation& act);

  bool enter_states(std::vector<state_id>& to_enter, const activation& act);

  // Arms the timers of `state`: each delay is evaluated now, on entry.
  bool arm(state_id state, const activation& act);

  // A compound or parallel state completed: its first done transition whose guard holds.
  bool take_done(state_id s, std::uint32_t depth);

  // Runs entry or exit actions: assignments, and raises queued as internal events.
  // Runs the entry or exit actions of state `s`.
  bool run_actions(state_id s, bool entry);

  // The link changes, spawns and sends of a transition, with their values computed now.
  bool make_effects(const chosen& t, const activation& act);

  bool make_effect(const effect_def& d, const activation& act);

  bool run_action(const rule_action_def& a, const activation& act, const std::string& owner);
  // machine::rule_actions[first, + count) in order, following `if` branches.
  bool run_action_list(std::uint32_t first, std::uint32_t count, const activation& act,
                       const std::string& owner);

  activation activation_for(const std::vector<value>* params) {
    return activation{&s_.data, params, now_, &actor_, &s_.configuration, &budget_, options_.links};
  }

  trace_entry& record(trace_kind kind, std::uint32_t index, std::uint32_t depth);

  // Evaluates each part of a condition on its own, for the explanation.
  void explain(trace_entry& t, const std::vector<condition_part>& parts, const std::string& whole,
               const activation& act, const std::vector<param_def>* params);

  static bool budget_out(eval_failure f) { return f == eval_failure::budget; }

  bool fail_evaluation(trace_entry& t, const eval_result& r, const std::string& what);

  std::string policy_name(const deny_def& d) const { return m_.policies[d.policy].name; }

  // Assigns and records the change (the first `before` and the last `after` of each field).
  void assign(field_id f, value v);

  // Undoes every assignment of the step so far. A failure after the first microstep rolls the
  // whole step back from a snapshot anyway, so the step's own change list is all undo needs.
  void undo();

  // Evaluates every rule; the first whose condition turned from false to true fires. Memory is
  // updated for every rule without a pending edge (so a condition that went false is seen
  // going true again), and for the one that fires; others keep their edge for the next pass.
  // Returns whether one fired, or nothing when evaluation failed.
  std::optional<bool> fire_one_rule();

  const machine& m_;
  instance_state& s_;
  step_result& out_;
  const step_options& options_;
  const value& actor_;
  std::int64_t now_;
  std::uint64_t budget_;
  std::uint32_t last_fired_ = 0;
  // Internal events in the order raised, consumed from queue_head_ (a vector: unlike a deque it
  // allocates nothing until something is raised).
  std::vector<queued> queue_;
  std::size_t queue_head_ = 0;
  // Events sent to the instance itself (`send E` without `to`): SCXML's external queue, taken
  // one at a time once the internal queue is empty.
  std::vector<event_call> external_;
  std::size_t external_head_ = 0;
  // Where record() writes when the step is not explained: the decisions are made the same way,
  // and nothing is kept.
  trace_entry scratch_;
};

}  // namespace vflow::engine::detail
