// Values: ISO-8601 times, duration literals, command-line parsing and literal rendering.
#include <gtest/gtest.h>

#include "engine/value.hpp"

using namespace vflow::engine;

TEST(Value, TimesRoundTripThroughIso8601) {
  EXPECT_EQ(parse_time("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_time("2026-11-26T18:41:29Z"), 1795718489000);
  EXPECT_EQ(format_time(1795718489000), "2026-11-26T18:41:29Z");
  EXPECT_EQ(format_time(1795718489123), "2026-11-26T18:41:29.123Z");
  EXPECT_EQ(parse_time("2026-11-26T20:41:29+02:00"), 1795718489000);
  EXPECT_EQ(parse_time("2024-02-29"), 1709164800000);
  EXPECT_EQ(format_time(-1000), "1969-12-31T23:59:59Z");
}

TEST(Value, MalformedTimesAreRefused) {
  for (const char* bad : {"", "2026-13-01", "2023-02-29", "2026-11-26T25:00:00Z",
                          "2026-11-26T10:00:00", "2026-11-26T10:00:00Zjunk", "yesterday"}) {
    EXPECT_FALSE(parse_time(bad)) << bad;
  }
}

TEST(Value, DurationsParseAndFormat) {
  EXPECT_EQ(parse_duration("30m"), 30 * 60000);
  EXPECT_EQ(parse_duration("1h30m"), 90 * 60000);
  EXPECT_EQ(parse_duration("2d"), 2 * 86400000LL);
  EXPECT_EQ(parse_duration("500ms"), 500);
  EXPECT_FALSE(parse_duration("4x"));
  EXPECT_FALSE(parse_duration("h"));
  EXPECT_FALSE(parse_duration("99999999999999999d"));
  EXPECT_EQ(format_duration(90 * 60000), "1h30m");
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(-5 * 60000), "-5m");
  EXPECT_EQ(format_duration(INT64_MIN).front(), '-');
}

TEST(Value, CommandLineValuesFollowTheDeclaredType) {
  EXPECT_EQ(parse_value({base_type::int_type, false}, "42"), value::of_int(42));
  EXPECT_FALSE(parse_value({base_type::int_type, false}, "4x"));
  EXPECT_FALSE(parse_value({base_type::int_type, false}, "99999999999999999999"));
  EXPECT_FALSE(parse_value({base_type::int_type, false}, "null"));
  EXPECT_EQ(parse_value({base_type::int_type, true}, "null"), value::null());
  EXPECT_EQ(parse_value({base_type::bool_type, false}, "true"), value::of_bool(true));
  EXPECT_FALSE(parse_value({base_type::bool_type, false}, "yes"));
  EXPECT_EQ(parse_value({base_type::duration_type, false}, "-2h"), value::of_duration(-7200000));
  EXPECT_EQ(parse_value({base_type::string_type, false}, "null"), value::of_string("null"));
}

TEST(Value, LiteralsAreEscaped) {
  EXPECT_EQ(to_literal(value::of_string("a\"b\\\n")), "\"a\\\"b\\\\\\n\"");
  EXPECT_EQ(to_display(value::of_string("plain")), "plain");
  EXPECT_EQ(to_literal(value::null()), "null");
  EXPECT_EQ(to_string(type{base_type::string_type, true}), "string?");
}
