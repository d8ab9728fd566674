// Builds machines from .flow text for engine tests.
#pragma once

#include <gtest/gtest.h>

#include <random>

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

/// A random value of type `t`: small numbers, a few words, equal and unequal secret digests, and
/// null for nullable types now and then.
inline engine::value random_value(engine::type t, std::mt19937& rng) {
  if (t.nullable && rng() % 4 == 0) return engine::value::null();
  switch (t.base) {
    case engine::base_type::int_type: return engine::value::of_int(static_cast<int>(rng() % 7) - 1);
    case engine::base_type::bool_type: return engine::value::of_bool(rng() % 2 == 0);
    case engine::base_type::string_type: {
      static const char* words[] = {"", "high", "low", "medium", "alice", "bob", "x"};
      return engine::value::of_string(words[rng() % 7]);
    }
    case engine::base_type::time_type:
      return engine::value::of_time(static_cast<std::int64_t>(rng() % 100000));
    case engine::base_type::duration_type:
      return engine::value::of_duration(static_cast<std::int64_t>(rng() % 100000));
    case engine::base_type::secret_type: {  // digests, two of which are equal
      static const char* digests[] = {"hmac-sha256:0:a", "hmac-sha256:0:b", "hmac-sha256:0:a"};
      return engine::value::of_secret(digests[rng() % 3]);
    }
    case engine::base_type::null_type: break;
  }
  return engine::value::null();
}

}  // namespace vflow::test
