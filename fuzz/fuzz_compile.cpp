// libFuzzer target: any bytes as a .flow file through the whole front end (parse, check, lower)
// and the diagnostics renderer. No input may crash, hang or exhaust memory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dsl/compiler.hpp"
#include "dsl/diagnostic.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = vflow::dsl::compile(text, "fuzz.flow");
  const vflow::dsl::source_lines lines(text);
  for (const auto& d : r.diagnostics) (void)vflow::dsl::render_text(d, lines);
  return 0;
}
