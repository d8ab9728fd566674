// Total, bounded evaluation of resolved expressions against one activation.
#pragma once

#include <string>
#include <vector>

#include "engine/machine.hpp"

namespace vflow::engine {

/// A linked instance as a step sees it: read-only, as it was when the step began.
struct linked_instance {
  std::string id;
  const machine* definition = nullptr;  // the workflow version it runs
  std::vector<state_id> configuration;  // of `definition`
  std::vector<value> data;              // one per field of `definition`
};

/// The instances each link of a machine holds, by link index: what guards over links read.
using link_snapshot = std::vector<std::vector<linked_instance>>;

/// What an expression may read while it runs: instance data, the event's parameters, and the
/// event's time. Nothing else, so replaying a journal gives the same results.
struct activation {
  const std::vector<value>* data = nullptr;
  const std::vector<value>* params = nullptr;
  std::int64_t now = 0;
  const value* actor = nullptr;                          // null pointer: no actor
  const std::vector<state_id>* configuration = nullptr;  // for in_state()
  std::uint64_t* budget = nullptr;        // operations left; evaluation fails when it runs out
  const link_snapshot* links = nullptr;   // linked instances (none when absent)
  const linked_instance* each = nullptr;  // inside all(link, ...) / any(link, ...)
};

/// Why an evaluation failed: what callers decide by (the message is for people).
enum class eval_failure : std::uint8_t {
  none,
  arithmetic,  // overflow, division by zero
  link,        // a linked instance's field is gone or has another type
  budget,      // the step's evaluation budget ran out
  limit,       // a bound of the instance (pending sends) would be passed
};

/// The outcome of evaluating an expression: a value, or an error (overflow, division by zero)
/// with its kind and a message for people.
struct eval_result {
  value result;
  bool ok = true;
  std::string error;
  eval_failure failure = eval_failure::none;
};

/// Evaluates expression `e` of machine `m`. Never throws on user data; never loops; stops with an
/// error when the activation's budget runs out.
eval_result evaluate(const machine& m, expr_id e, const activation& a);

/// The names expression `e` reads (fields, `event.X`, `actor`, `now`) with their current values,
/// each once, in the order first read: what explanations show next to a decision.
std::vector<std::pair<std::string, value>> reads_of(const machine& m, expr_id e,
                                                    const activation& a,
                                                    const std::vector<param_def>* params);

}  // namespace vflow::engine
