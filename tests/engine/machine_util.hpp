// Builds machines from .flow text for engine tests.
#pragma once

#include <gtest/gtest.h>

#include "dsl/compiler.hpp"
#include "engine/step.hpp"
#include "tests/dsl/library_util.hpp"

namespace vflow::test {

/// Compiles `text`, failing the test on any error; returns the first workflow.
inline engine::machine compile_machine(const std::string& text) {
  auto r = dsl::compile(text, "test.flow", {}, library_lookup());
  for (const auto& d : r.diagnostics) {
    if (d.severity == dsl::severity::error)
      ADD_FAILURE() << d.span.line << ":" << d.span.column << ": " << d.message;
  }
  if (r.machines.empty()) return {};
  return std::move(r.machines.front());
}

/// An event call by name with parameters in declaration order.
inline engine::event_call call(const engine::machine& m, const std::string& event,
                               std::vector<engine::value> params = {}, std::int64_t now = 0) {
  return engine::event_call{*m.find_event(event), std::move(params), now, engine::value::null()};
}

/// The names of the active states.
inline std::vector<std::string> active(const engine::machine& m, const engine::instance_state& s) {
  std::vector<std::string> out;
  for (const auto id : s.configuration) out.push_back(m.state(id).name);
  return out;
}

}  // namespace vflow::test
