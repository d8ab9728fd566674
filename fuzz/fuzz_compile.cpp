// libFuzzer target: any bytes as a .flow file through the whole front end (parse, check, lower),
// the diagnostics renderer and `vflow fmt`'s formatter. No input may crash, hang or exhaust
// memory; and a file that parses formats to text that parses to the same tree, keeps every
// comment, and formats to itself again (a violation aborts, so the fuzzer reports it).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dsl/compiler.hpp"
#include "dsl/diagnostic.hpp"
#include "dsl/parser.hpp"
#include "dsl/printer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = vflow::dsl::compile(text, "fuzz.flow");
  const vflow::dsl::source_lines lines(text);
  for (const auto& d : r.diagnostics) (void)vflow::dsl::render_text(d, lines);
  if (r.ast) {
    using namespace vflow::dsl;
    const std::string once = format(*r.ast, text);
    const parse_result again = parse(once, "fuzz.flow");
    if (!again.file) __builtin_trap();  // formatted text that does not parse
    if (print(*again.file, {true}) != print(*r.ast, {true})) __builtin_trap();   // meaning changed
    if (comments_of(once).size() != comments_of(text).size()) __builtin_trap();  // a comment lost
    if (format(*again.file, once) != once) __builtin_trap();                     // not idempotent
  }
  return 0;
}
