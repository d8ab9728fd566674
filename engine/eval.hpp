// Total, bounded evaluation of resolved expressions against one activation.
#pragma once

#include <string>
#include <vector>

#include "engine/machine.hpp"

namespace vflow::engine {

/// What an expression may read while it runs: instance data, the event's parameters, and the
/// event's time. Nothing else, so replaying a journal gives the same results.
struct activation {
  const std::vector<value>* data = nullptr;
  const std::vector<value>* params = nullptr;
  std::int64_t now = 0;
};

/// The outcome of evaluating an expression: a value, or an error (overflow, division by zero)
/// with a message for people.
struct eval_result {
  value result;
  bool ok = true;
  std::string error;
};

/// Evaluates expression `e` of machine `m`. Never throws on user data; never loops.
eval_result evaluate(const machine& m, expr_id e, const activation& a);

}  // namespace vflow::engine
