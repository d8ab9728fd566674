// to_text writes what nlohmann's dump() writes, byte for byte: the journal's records and the
// instance rows are written with it, and the hash chain covers those bytes.
#include "runtime/encoding.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>

namespace {

using vflow::runtime::json;
using vflow::runtime::to_text;

// A random JSON value: every kind, nested, with strings of every ASCII byte, UTF-8 beyond ASCII
// and the escapes.
json random_json(std::mt19937_64& rng, int depth) {
  const auto pick = [&](std::uint64_t n) { return rng() % n; };
  switch (pick(depth > 3 ? 7 : 9)) {
    case 0: return nullptr;
    case 1: return pick(2) == 0;
    case 2: {
      static const std::int64_t edges[] = {0, -1, 1, std::numeric_limits<std::int64_t>::min(),
                                           std::numeric_limits<std::int64_t>::max()};
      return pick(3) == 0 ? edges[pick(5)] : static_cast<std::int64_t>(rng()) >> pick(60);
    }
    case 3: return std::numeric_limits<std::uint64_t>::max() - pick(1000);
    case 4: return static_cast<double>(pick(100000)) / 7.0;
    case 5:
    case 6: {
      static const char* pieces[] = {"a",  " ",    "\"",   "\\",   "/", "\n", "\t",   "\r", "\b",
                                     "\f", "\x01", "\x1f", "\x7f", "é", "€",  "日本", "😀",  "z9_-"};
      std::string s;
      for (std::uint64_t n = pick(12); n > 0; --n) s += pieces[pick(std::size(pieces))];
      if (pick(4) == 0) s += static_cast<char>(pick(128));  // any ASCII byte, NUL included
      return s;
    }
    case 7: {
      json a = json::array();
      for (std::uint64_t n = pick(5); n > 0; --n) a.push_back(random_json(rng, depth + 1));
      return a;
    }
    default: {
      json o = json::object();
      for (std::uint64_t n = pick(5); n > 0; --n) {
        o[random_json(rng, 5).dump()] = random_json(rng, depth + 1);  // keys with escapes too
      }
      return o;
    }
  }
}

TEST(Encoding, ToTextWritesWhatDumpWrites) {
  std::mt19937_64 rng(20261203);
  for (int i = 0; i < 20000; ++i) {
    const json j = random_json(rng, 0);
    ASSERT_EQ(to_text(j), j.dump()) << "case " << i;
  }
  EXPECT_EQ(to_text(json::parse(R"({"b":[1,-2,"x\u0001y",true,null],"a":{"é":"\"q\""}})")),
            R"({"b":[1,-2,"x\u0001y",true,null],"a":{"é":"\"q\""}})");
}

TEST(Encoding, ToTextRefusesInvalidUtf8AsDumpDoes) {
  const json j = std::string("ok\xff");
  EXPECT_THROW(to_text(j), json::type_error);
}

}  // namespace
