// Typed values and types of the .flow language, as the engine stores and evaluates them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace vflow::engine {

/// The base types of the language; `null_type` is the type of the `null` literal only.
/// A `secret` is text never held in clear: the runtime keeps a keyed hash of it (its digest),
/// which compares equal exactly when the texts do, under the same key.
enum class base_type : std::uint8_t {
  null_type,
  int_type,
  bool_type,
  string_type,
  time_type,
  duration_type,
  secret_type
};

/// The base types a field or parameter may be declared with, in the order the language lists them.
inline constexpr std::array<base_type, 6> declarable_types{
    base_type::int_type,  base_type::bool_type,     base_type::string_type,
    base_type::time_type, base_type::duration_type, base_type::secret_type};

/// A static type: a base type, possibly nullable (`T?`).
struct type {
  base_type base = base_type::null_type;
  bool nullable = false;

  friend bool operator==(const type&, const type&) = default;
};

/// The spelling of a type as written in .flow source, e.g. `int?`.
std::string to_string(type t);
/// The spelling of a base type, e.g. `duration`.
std::string_view to_string(base_type b);
/// True when a value of type `from` may be stored where `to` is declared.
bool is_assignable(type from, type to);

/// A run-time value: null, or a value of one base type. Times are milliseconds since the Unix
/// epoch (UTC) and durations are milliseconds; both are kept in `num`.
class value {
 public:
  value() = default;
  static value null() { return value(); }
  static value of_int(std::int64_t v) { return value(base_type::int_type, v); }
  static value of_bool(bool v) { return value(base_type::bool_type, v ? 1 : 0); }
  static value of_time(std::int64_t ms) { return value(base_type::time_type, ms); }
  static value of_duration(std::int64_t ms) { return value(base_type::duration_type, ms); }
  static value of_string(std::string s) {
    value v(base_type::string_type, 0);
    v.str_ = std::move(s);
    return v;
  }
  /// A secret, by its digest (the runtime's keyed hash of the text; never the text itself).
  static value of_secret(std::string digest) {
    value v(base_type::secret_type, 0);
    v.str_ = std::move(digest);
    return v;
  }

  base_type kind() const { return kind_; }
  bool is_null() const { return kind_ == base_type::null_type; }
  std::int64_t as_int() const { return num_; }
  bool as_bool() const { return num_ != 0; }
  std::int64_t as_time() const { return num_; }
  std::int64_t as_duration() const { return num_; }
  /// The text of a string, or the digest of a secret.
  const std::string& as_string() const { return str_; }

  friend bool operator==(const value& a, const value& b) {
    return a.kind_ == b.kind_ && a.num_ == b.num_ && a.str_ == b.str_;
  }

 private:
  value(base_type k, std::int64_t n) : kind_(k), num_(n) {}

  base_type kind_ = base_type::null_type;
  std::int64_t num_ = 0;
  std::string str_;
};

/// Renders a value as a .flow literal: `42`, `"text"` (escaped), `true`, `null`, `2h30m`, and
/// times as ISO-8601 UTC (`2026-01-31T12:00:00Z`); a secret as `***`.
std::string to_literal(const value& v);
/// Renders a value for people: like to_literal, but strings without quotes.
std::string to_display(const value& v);

/// Formats milliseconds since the epoch as ISO-8601 UTC, with milliseconds only when non-zero.
std::string format_time(std::int64_t ms);
/// Parses ISO-8601 UTC (`2026-01-31T12:00:00Z`, optional `.mmm`, optional `+hh:mm` offset, or a
/// bare date); nullopt when malformed.
std::optional<std::int64_t> parse_time(std::string_view text);
/// Formats a duration in the largest units that divide it, e.g. `2d`, `1h30m`, `0s`, `-5m`.
std::string format_duration(std::int64_t ms);
/// Parses a duration literal such as `30m`, `4h`, `2d`, `1h30m`, `500ms`; nullopt when malformed
/// or out of range.
std::optional<std::int64_t> parse_duration(std::string_view text);
/// Parses a value of type `t` from command-line text: ints in decimal, bools as true/false,
/// times as ISO-8601, durations as literals, strings as they are; `null` for nullable types.
/// Never a secret: only the runtime, which holds the key, turns text into one.
std::optional<value> parse_value(type t, std::string_view text);

}  // namespace vflow::engine
