// The pure stepping semantics: (machine, instance state, event, time) -> outcome and explanation.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/machine.hpp"

namespace vflow::engine {

/// The part of an instance the engine reads and writes: its configuration (the set of active
/// states, sorted by id) and its data (one value per declared field, indexed by field id).
struct instance_state {
  std::vector<state_id> configuration;
  std::vector<value> data;

  friend bool operator==(const instance_state&, const instance_state&) = default;
};

/// An event occurrence: which event, its parameters (indexed by param id), and when it happened.
struct event_call {
  event_id event{};
  std::vector<value> params;
  std::int64_t now = 0;
};

/// Whether a step moved the instance.
enum class outcome : std::uint8_t { taken, rejected };

/// Why a step was rejected.
enum class reject_reason : std::uint8_t {
  none,              // taken
  bad_parameters,    // wrong number or types of parameters
  no_transition,     // no transition for this event in the active states
  guards_false,      // transitions exist but every guard was false
  evaluation_error,  // a guard or assignment failed (overflow, division by zero)
};

/// The stable spelling of a reject reason, e.g. `no_transition`.
std::string_view to_string(reject_reason r);

/// One guard the engine evaluated while deciding a step, in the order evaluated.
struct guard_check {
  transition_id transition{};
  bool result = false;
  std::string error;  // non-empty when the guard could not be evaluated
};

/// A data field changed by a taken step.
struct field_change {
  field_id field{};
  value before;
  value after;
};

/// The outcome of one step and the explanation of how it was decided.
struct step_result {
  engine::outcome outcome = outcome::rejected;
  reject_reason reason = reject_reason::none;
  std::string message;  // for people: why it was rejected
  std::optional<transition_id> taken;
  std::vector<guard_check> guards;
  std::vector<field_change> changes;
  std::vector<state_id> from;  // configuration before the step

  bool is_taken() const { return outcome == outcome::taken; }
};

/// The state a new instance starts in: the initial configuration and data from `fields`, which
/// must hold one value per declared field (callers fill defaults with `initial_data`).
instance_state initial_state(const machine& m, std::vector<value> data);

/// The declared defaults of every field (null for required fields, which callers must supply).
std::vector<value> initial_data(const machine& m);

/// Checks event parameters against the declaration; returns a message naming the first problem.
std::optional<std::string> check_params(const machine& m, const event_call& call);

/// Steps `state` by `call`. On *taken*, `state` holds the new configuration and data; on
/// *rejected*, `state` is exactly as it was. `out` is reused so hot loops need not allocate.
void step(const machine& m, instance_state& state, const event_call& call, step_result& out);

/// Convenience form of `step` that returns a fresh result.
step_result step(const machine& m, instance_state& state, const event_call& call);

/// True when every active state is final: the instance has completed.
bool is_complete(const machine& m, const instance_state& state);

}  // namespace vflow::engine
