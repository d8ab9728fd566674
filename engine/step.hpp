// The pure stepping semantics: (machine, instance state, event, time) -> outcome and explanation.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/eval.hpp"
#include "engine/machine.hpp"

namespace vflow::engine {

/// The part of an instance the engine reads and writes: its configuration (the set of active
/// states, sorted by id), its data (one value per declared field, indexed by field id), and the
/// last value of each rule's condition (rules fire on a false-to-true edge).
/// A timer waiting to fire: which one, and when it is due (ms since the epoch).
struct armed_timer {
  std::uint32_t timer = 0;
  std::int64_t due = 0;

  friend bool operator==(const armed_timer&, const armed_timer&) = default;
};

/// `send EVENT(args) after DELAY [as NAME]`: an event the instance sent itself, delivered at
/// `due` whatever state it is in then, unless `cancel NAME` removed it first.
struct pending_send {
  event_id event{};
  std::vector<value> params;
  std::int64_t due = 0;
  std::string name;  // `as NAME`; empty when unnamed

  friend bool operator==(const pending_send&, const pending_send&) = default;
};

/// Delayed sends one instance may hold at once; a step that would hold more is rolled back.
inline constexpr std::size_t max_pending_sends = 1000;

struct instance_state {
  std::vector<state_id> configuration;
  std::vector<value> data;
  std::vector<std::uint8_t> rule_memory;
  std::vector<armed_timer> timers;  // armed timers of the active states
  /// What each history pseudo-state remembers: the states to restore (history state id first).
  std::vector<std::pair<state_id, std::vector<state_id>>> history;
  std::vector<pending_send> sends;  // delayed sends not yet delivered, in the order sent

  friend bool operator==(const instance_state&, const instance_state&) = default;
};

/// An event occurrence: which event, its parameters (indexed by param id), when it happened and
/// who caused it.
struct event_call {
  event_id event{};
  std::vector<value> params;
  std::int64_t now = 0;
  value actor;  // a string, or null when unknown
};

/// Whether a step moved the instance.
enum class outcome : std::uint8_t { taken, rejected };

/// Why a step was rejected.
enum class reject_reason : std::uint8_t {
  none,              // taken
  bad_parameters,    // wrong number or types of parameters
  policy_denied,     // a policy's deny clause held
  no_transition,     // no transition for this event in the active states
  guards_false,      // transitions exist but every guard was false
  evaluation_error,  // a guard, clause, rule or assignment failed (overflow, division by zero)
  rule_cycle,        // rules or eventless transitions kept going past their bound: rolled back
  budget_exceeded,   // the step evaluated more than the machine's budget allows
};

/// The stable spelling of a reject reason, e.g. `no_transition`.
std::string_view to_string(reject_reason r);

/// One conjunct of a condition as evaluated: its text, its value and the names it read.
struct part_result {
  std::string text;
  std::optional<bool> result;  // nothing when it failed
  std::string error;
  std::vector<std::pair<std::string, value>> reads;
};

/// What an explanation entry is about.
enum class trace_kind : std::uint8_t {
  deny,      // index: into machine::denies
  guard,     // index: a transition id
  rule,      // index: a rule that fired
  raise,     // index: the event raised (by `rule`)
  internal,  // index: the raised event, processed (`result`: taken or ignored)
  timer,     // index: a timer that came due (`result`: its guard held)
  done,      // index: into machine::done, a completion transition's guard
  always,    // index: into machine::always, an eventless transition's guard
};

/// One decision of a step, in the order it was made.
struct trace_entry {
  trace_kind kind = trace_kind::guard;
  std::uint32_t index = 0;
  bool result = false;
  std::string error;
  std::uint32_t depth = 0;         // 0: the external event; n: the n-th internal event
  std::uint32_t rule = 0;          // for raise: the rule that raised it
  std::string note;                // for internal: why an internal event was ignored
  std::vector<part_result> parts;  // filled when tracing is on
};

/// A data field changed by a taken step.
struct field_change {
  field_id field{};
  value before;
  value after;
};

/// A link change, spawn or send a taken step asks for, with its values computed. The runtime
/// applies them in the step's transaction, in order.
struct effect {
  effect_kind kind = effect_kind::send;
  std::uint32_t link = 0;  // machine::links index
  value target;            // link changes: the other instance's id (null: unlink, for link_set)
  std::string name;        // spawn: the workflow; send: the event
  std::vector<std::pair<std::string, value>> args;  // spawn: fields and links; send: parameters
  bool must = false;
  std::uint32_t line = 0;
};

/// The outcome of one step and the explanation of how it was decided.
struct step_result {
  engine::outcome outcome = outcome::rejected;
  reject_reason reason = reject_reason::none;
  std::string message;                     // for people: why it was rejected
  std::optional<transition_id> taken;      // the external event's transition
  std::optional<std::uint32_t> denied_by;  // the deny clause that refused it
  std::vector<trace_entry> trace;          // with step_options::explain only
  std::vector<field_change> changes;       // net changes of the whole step, rules included
  std::vector<state_id> from;              // configuration before the step
  std::vector<taken_edge> path;            // every transition taken, in order (when explaining)
  std::vector<effect> effects;             // link changes, spawns and sends, in the order made
  /// With `step_options::all_blockers`, every reason the event is refused, in order: each
  /// denying policy clause, then the state's (no transition for it, or every guard false).
  std::vector<std::string> blockers;

  bool is_taken() const { return outcome == outcome::taken; }
};

/// How much a step records.
struct step_options {
  /// Record the explanation: `step_result::trace`, every decision in order with each
  /// condition's parts, values and the names they read, and `step_result::path` (the journal
  /// wants this; a tight in-memory loop does not, and without it the trace stays empty).
  bool explain = false;
  /// The instances this one links to, as of the start of the step (guards over links read
  /// them). None: every link is empty.
  const link_snapshot* links = nullptr;
  /// A question, not a step (a gate, a dry run): evaluate every policy clause and the
  /// transitions even after the first refusal, listing each reason in `blockers`; nothing is
  /// taken when there is one. `message` and `reason` stay the first.
  bool all_blockers = false;
};

/// The declared defaults of every field (null for required fields, which callers must supply).
std::vector<value> initial_data(const machine& m);

/// The state a new instance starts in, before `start`: the initial configuration, `data` (one
/// value per field), rule memory all false and no timers armed.
instance_state initial_state(const machine& m, std::vector<value> data);

/// Starts a new instance at `now`: arms the initial state's timers, then runs its rules
/// (conditions already true fire on start) with their raised events. Rejected (and `state`
/// unchanged) on a rule cycle or evaluation failure.
void start(const machine& m, instance_state& state, const value& actor, std::int64_t now,
           step_result& out, const step_options& options = {});

/// Checks event parameters against the declaration; returns a message naming the first problem.
std::optional<std::string> check_params(const machine& m, const event_call& call);

/// Steps `state` by `call`: policies, then the first enabled transition, then rules and the
/// events they raise, to completion. On *taken*, `state` holds the result; on *rejected*,
/// `state` is exactly as it was. `out` is reused so hot loops need not allocate.
void step(const machine& m, instance_state& state, const event_call& call, step_result& out,
          const step_options& options = {});

/// Fires armed timer `timer` at time `now` (at or after its due time): its guard, assignments and
/// transition, then rules, as for an event. The timer is consumed whether or not its guard
/// holds, so `state` changes even when the result is *rejected* (guard false); it is unchanged
/// only when the timer was not armed or evaluation failed.
void fire_timer(const machine& m, instance_state& state, std::uint32_t timer, std::int64_t now,
                step_result& out, const step_options& options = {});

/// Delivers pending send `index` of `state` at time `now`: removed from `state`, then stepped as
/// its event (policies, transitions, rules). Consumed whatever the outcome.
void deliver_send(const machine& m, instance_state& state, std::size_t index, std::int64_t now,
                  step_result& out, const step_options& options = {});

/// The earliest due time of the armed timers and pending sends, if any.
std::optional<std::int64_t> next_due(const instance_state& state);

/// Convenience form of `step` that returns a fresh result.
step_result step(const machine& m, instance_state& state, const event_call& call,
                 const step_options& options = {});

/// The active atomic states (what `status` calls the state), in document order.
std::vector<state_id> atomic_states(const machine& m, const instance_state& state);

/// True when a top-level final state is active: the instance has completed.
bool is_complete(const machine& m, const instance_state& state);

}  // namespace vflow::engine
