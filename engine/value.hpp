// Typed values and types of the .flow language, as the engine stores and evaluates them.
#pragma once

#include <array>
#include <atomic>
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
///
/// Sixteen bytes: the kind, and either the number or a pointer to an immutable, reference-counted
/// text (strings and secrets' digests), so that copying a value never allocates and a step that
/// reads and writes strings shares them. The empty text needs no allocation at all.
class value {
 public:
  value() noexcept : num_(0) {}
  static value null() { return value(); }
  static value of_int(std::int64_t v) { return value(base_type::int_type, v); }
  static value of_bool(bool v) { return value(base_type::bool_type, v ? 1 : 0); }
  static value of_time(std::int64_t ms) { return value(base_type::time_type, ms); }
  static value of_duration(std::int64_t ms) { return value(base_type::duration_type, ms); }
  static value of_string(std::string_view s) { return value(base_type::string_type, s); }
  /// A secret, by its digest (the runtime's keyed hash of the text; never the text itself).
  static value of_secret(std::string_view digest) { return value(base_type::secret_type, digest); }

  value(const value& o) noexcept : kind_(o.kind_), num_(o.num_) {
    if (o.has_text() && num_ != 0) retain(o.text_ptr());
  }
  value(value&& o) noexcept : kind_(o.kind_), num_(o.num_) {
    o.kind_ = base_type::null_type;
    o.num_ = 0;
  }
  value& operator=(const value& o) noexcept {
    value copy(o);
    swap(copy);
    return *this;
  }
  value& operator=(value&& o) noexcept {
    value moved(std::move(o));
    swap(moved);
    return *this;
  }
  ~value() {
    if (has_text() && num_ != 0) release(text_ptr());
  }
  void swap(value& o) noexcept {
    std::swap(kind_, o.kind_);
    std::swap(num_, o.num_);
  }

  base_type kind() const { return kind_; }
  bool is_null() const { return kind_ == base_type::null_type; }
  std::int64_t as_int() const { return has_text() ? 0 : num_; }
  bool as_bool() const { return !has_text() && num_ != 0; }
  std::int64_t as_time() const { return as_int(); }
  std::int64_t as_duration() const { return as_int(); }
  /// The text of a string, or the digest of a secret (empty for other kinds).
  std::string_view as_string() const {
    if (!has_text() || num_ == 0) return {};
    const text* t = text_ptr();
    return {reinterpret_cast<const char*>(t + 1), t->size};
  }

  friend bool operator==(const value& a, const value& b) {
    if (a.kind_ != b.kind_) return false;
    if (!a.has_text()) return a.num_ == b.num_;
    return a.num_ == b.num_ || a.as_string() == b.as_string();
  }

 private:
  // The header of a text; its bytes follow it in the same allocation.
  struct text {
    std::atomic<std::uint32_t> refs;
    std::size_t size;
  };

  value(base_type k, std::int64_t n) : kind_(k), num_(n) {}
  value(base_type k, std::string_view s);

  bool has_text() const {
    return kind_ == base_type::string_type || kind_ == base_type::secret_type;
  }
  text* text_ptr() const { return reinterpret_cast<text*>(static_cast<std::intptr_t>(num_)); }
  static void retain(text* t) { t->refs.fetch_add(1, std::memory_order_relaxed); }
  static void release(text* t);

  base_type kind_ = base_type::null_type;
  // The number; for strings and secrets the address of their text (0 for the empty text).
  std::int64_t num_;
};

static_assert(sizeof(value) == 16, "a value is a kind and a number or a pointer");

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
