// Types, values and their text forms: literals, ISO-8601 times and duration literals.
#include "engine/value.hpp"

#include "engine/text.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <new>

namespace vflow::engine {

std::string_view to_string(base_type b) {
  switch (b) {
    case base_type::null_type: return "null";
    case base_type::int_type: return "int";
    case base_type::bool_type: return "bool";
    case base_type::string_type: return "string";
    case base_type::time_type: return "time";
    case base_type::duration_type: return "duration";
    case base_type::secret_type: return "secret";
  }
  return "?";
}

std::string to_string(type t) {
  std::string s(to_string(t.base));
  if (t.nullable && t.base != base_type::null_type) s += '?';
  return s;
}

bool is_assignable(type from, type to) {
  if (from.base == base_type::null_type) return to.nullable;
  if (from.base != to.base) return false;
  return to.nullable || !from.nullable;
}

namespace {

constexpr std::int64_t ms_per_second = 1000;
constexpr std::int64_t ms_per_minute = 60 * ms_per_second;
constexpr std::int64_t ms_per_hour = 60 * ms_per_minute;
constexpr std::int64_t ms_per_day = 24 * ms_per_hour;

// Days since 1970-01-01 of a proleptic Gregorian date (era-based arithmetic).
std::int64_t days_from_date(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(y - era * 400);
  const unsigned day_of_year = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

struct civil_date {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

civil_date date_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(z - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  const unsigned d = day_of_year - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(year_of_era) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr std::array<unsigned, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

// Reads exactly `n` digits at `pos`, advancing it.
bool read_digits(std::string_view s, std::size_t& pos, std::size_t n, unsigned& out) {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  pos += n;
  out = v;
  return true;
}

// A string as a quoted literal for people: quotes, backslashes and line breaks escaped as in
// .flow, and every other character a terminal would act on escaped too.
std::string escape_string(std::string_view s) {
  std::string out = "\"";
  std::size_t run = 0;  // where the bytes not yet copied begin
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char* named = nullptr;
    switch (s[i]) {
      case '"': named = "\\\""; break;
      case '\\': named = "\\\\"; break;
      case '\n': named = "\\n"; break;
      case '\t': named = "\\t"; break;
      case '\r': named = "\\r"; break;
      default: continue;
    }
    out += escape_for_terminal(s.substr(run, i - run));
    out += named;
    run = i + 1;
  }
  out += escape_for_terminal(s.substr(run));
  out += '"';
  return out;
}

}  // namespace

std::string format_time(std::int64_t ms) {
  std::int64_t days = ms / ms_per_day;
  std::int64_t rest = ms % ms_per_day;
  if (rest < 0) {
    rest += ms_per_day;
    --days;
  }
  const civil_date d = date_from_days(days);
  const auto h = rest / ms_per_hour;
  const auto mi = rest % ms_per_hour / ms_per_minute;
  const auto se = rest % ms_per_minute / ms_per_second;
  const auto milli = rest % ms_per_second;
  char buf[64];
  if (milli != 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(d.year), d.month, d.day, static_cast<long long>(h),
                  static_cast<long long>(mi), static_cast<long long>(se),
                  static_cast<long long>(milli));
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                  static_cast<long long>(d.year), d.month, d.day, static_cast<long long>(h),
                  static_cast<long long>(mi), static_cast<long long>(se));
  }
  return buf;
}

std::optional<std::int64_t> parse_time(std::string_view s) {
  std::size_t pos = 0;
  unsigned year = 0, month = 0, day = 0;
  if (!read_digits(s, pos, 4, year) || pos >= s.size() || s[pos++] != '-' ||
      !read_digits(s, pos, 2, month) || pos >= s.size() || s[pos++] != '-' ||
      !read_digits(s, pos, 2, day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  std::int64_t ms = days_from_date(year, month, day) * ms_per_day;
  if (pos == s.size()) return ms;
  if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
  ++pos;
  unsigned h = 0, mi = 0, se = 0;
  if (!read_digits(s, pos, 2, h) || pos >= s.size() || s[pos++] != ':' ||
      !read_digits(s, pos, 2, mi)) {
    return std::nullopt;
  }
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!read_digits(s, pos, 2, se)) return std::nullopt;
  }
  if (h > 23 || mi > 59 || se > 60) return std::nullopt;
  ms += h * ms_per_hour + mi * ms_per_minute + se * ms_per_second;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::int64_t frac = 0;
    std::size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) frac = frac * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (std::size_t i = digits; i < 3; ++i) frac *= 10;
    ms += frac;
  }
  if (pos == s.size()) return std::nullopt;  // a time of day needs an explicit zone
  if (s[pos] == 'Z' || s[pos] == 'z') return pos + 1 == s.size() ? std::optional(ms) : std::nullopt;
  if (s[pos] != '+' && s[pos] != '-') return std::nullopt;
  const bool minus = s[pos++] == '-';
  unsigned oh = 0, om = 0;
  if (!read_digits(s, pos, 2, oh)) return std::nullopt;
  if (pos < s.size() && s[pos] == ':') ++pos;
  if (!read_digits(s, pos, 2, om) || pos != s.size() || oh > 23 || om > 59) return std::nullopt;
  const std::int64_t offset = oh * ms_per_hour + om * ms_per_minute;
  return minus ? ms + offset : ms - offset;
}

std::string format_duration(std::int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  // Negating INT64_MIN would overflow; work in unsigned magnitude.
  std::uint64_t rest = ms < 0 ? 0 - static_cast<std::uint64_t>(ms) : static_cast<std::uint64_t>(ms);
  if (ms < 0) out += '-';
  static constexpr std::array<std::pair<std::uint64_t, const char*>, 5> units{{{ms_per_day, "d"},
                                                                               {ms_per_hour, "h"},
                                                                               {ms_per_minute, "m"},
                                                                               {ms_per_second, "s"},
                                                                               {1, "ms"}}};
  for (const auto& [size, suffix] : units) {
    if (rest >= size) {
      out += std::to_string(rest / size);
      out += suffix;
      rest %= size;
    }
  }
  return out;
}

std::optional<std::int64_t> parse_duration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(s.data() + pos, s.data() + s.size(), n);
    if (ec != std::errc() || end == s.data() + pos) return std::nullopt;
    pos = static_cast<std::size_t>(end - s.data());
    std::int64_t unit = 0;
    if (s.substr(pos, 2) == "ms") {
      unit = 1;
      pos += 2;
    } else if (pos < s.size()) {
      switch (s[pos]) {
        case 'd': unit = ms_per_day; break;
        case 'h': unit = ms_per_hour; break;
        case 'm': unit = ms_per_minute; break;
        case 's': unit = ms_per_second; break;
        default: return std::nullopt;
      }
      ++pos;
    } else {
      return std::nullopt;
    }
    std::int64_t part = 0;
    if (__builtin_mul_overflow(n, unit, &part) || __builtin_add_overflow(total, part, &total)) {
      return std::nullopt;
    }
  }
  return total;
}

value::value(base_type k, std::string_view s) : kind_(k), num_(0) {
  if (s.empty()) return;  // the empty text is the null pointer
  void* block = ::operator new(sizeof(text) + s.size());
  text* t = new (block) text{{1}, s.size()};
  std::memcpy(reinterpret_cast<char*>(t + 1), s.data(), s.size());
  num_ = static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(t));
}

void value::release(text* t) {
  if (t->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    t->~text();
    ::operator delete(t);
  }
}

std::string to_literal(const value& v) {
  switch (v.kind()) {
    case base_type::null_type: return "null";
    case base_type::int_type: return std::to_string(v.as_int());
    case base_type::bool_type: return v.as_bool() ? "true" : "false";
    case base_type::string_type: return escape_string(v.as_string());
    case base_type::time_type: return format_time(v.as_time());
    case base_type::duration_type: return format_duration(v.as_duration());
    case base_type::secret_type: return "***";
  }
  return "?";
}

std::string to_display(const value& v) {
  return v.kind() == base_type::string_type ? std::string(v.as_string()) : to_literal(v);
}

std::optional<value> parse_value(type t, std::string_view text) {
  if (t.nullable && text == "null") return value::null();
  switch (t.base) {
    case base_type::int_type: {
      std::int64_t n = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
      return value::of_int(n);
    }
    case base_type::bool_type:
      if (text == "true") return value::of_bool(true);
      if (text == "false") return value::of_bool(false);
      return std::nullopt;
    case base_type::string_type: return value::of_string(std::string(text));
    case base_type::time_type: {
      const auto ms = parse_time(text);
      return ms ? std::optional(value::of_time(*ms)) : std::nullopt;
    }
    case base_type::duration_type: {
      const bool negative = !text.empty() && text.front() == '-';
      const auto ms = parse_duration(negative ? text.substr(1) : text);
      return ms ? std::optional(value::of_duration(negative ? -*ms : *ms)) : std::nullopt;
    }
    case base_type::null_type:
    case base_type::secret_type: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace vflow::engine
