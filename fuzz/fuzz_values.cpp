// libFuzzer target: the text checks every command-line value goes through: parsing a value of
// each type, times and durations, UTF-8 validation, safe ids and terminal escapes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/text.hpp"
#include "engine/value.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vflow::engine;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const base_type b : {base_type::int_type, base_type::bool_type, base_type::string_type,
                            base_type::time_type, base_type::duration_type}) {
    for (const bool nullable : {false, true}) {
      if (const auto v = parse_value(type{b, nullable}, text)) {
        // What parses prints, and what prints of a time or duration parses back the same.
        const std::string shown = to_literal(*v);
        if (b == base_type::time_type || b == base_type::duration_type) {
          const auto again = parse_value(type{b, nullable}, shown);
          if (!again || !(*again == *v)) __builtin_trap();
        }
      }
    }
  }
  const bool valid = is_utf8(text);
  const std::string escaped = escape_for_terminal(text);
  // An escape is always valid UTF-8 and holds no control character.
  if (!is_utf8(escaped)) __builtin_trap();
  for (const char c : escaped) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) __builtin_trap();
  }
  if (is_safe_id(text) && (!valid || escaped != text)) __builtin_trap();
  return 0;
}
