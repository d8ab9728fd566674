// Engine values as JSON, the one encoding used by the store's columns and the CLI's output:
// ints, bools, strings and null as themselves; times as ISO-8601 strings; durations as literals;
// secrets as their digest in the store and as `***` wherever they are shown (shown_json).
// Internal to runtime/ (it includes nlohmann-json); not part of the embedding API.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/value.hpp"

namespace vflow::runtime {

/// A value as JSON.
inline nlohmann::ordered_json value_to_json(const engine::value& v) {
  switch (v.kind()) {
    case engine::base_type::null_type: return nullptr;
    case engine::base_type::int_type: return v.as_int();
    case engine::base_type::bool_type: return v.as_bool();
    case engine::base_type::string_type: return v.as_string();
    case engine::base_type::time_type: return engine::format_time(v.as_time());
    case engine::base_type::duration_type: return engine::format_duration(v.as_duration());
    case engine::base_type::secret_type: return v.as_string();  // the digest
  }
  return nullptr;
}

/// A value as JSON for people and for the journal's explanations (changes, decision traces,
/// effects): like value_to_json, but a secret is `***`.
inline nlohmann::ordered_json shown_json(const engine::value& v) {
  if (v.kind() == engine::base_type::secret_type) return "***";
  return value_to_json(v);
}

/// A value of type `t` from JSON written by value_to_json (null when it does not fit).
inline engine::value value_from_json(const nlohmann::ordered_json& j, engine::type t) {
  if (j.is_null()) return engine::value::null();
  if (t.base == engine::base_type::int_type && j.is_number_integer()) {
    return engine::value::of_int(j.get<std::int64_t>());
  }
  if (t.base == engine::base_type::bool_type && j.is_boolean())
    return engine::value::of_bool(j.get<bool>());
  if (!j.is_string()) return engine::value::null();
  if (t.base == engine::base_type::secret_type)
    return engine::value::of_secret(j.get<std::string>());
  return engine::parse_value(t, j.get<std::string>()).value_or(engine::value::null());
}

}  // namespace vflow::runtime
