// libFuzzer target: any bytes as an SCXML document through the importer, and what it writes
// through the .flow compiler (the importer promises text that compiles or a diagnostic).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dsl/compiler.hpp"
#include "dsl/scxml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto imported = vflow::dsl::import_scxml(text, "fuzz.scxml");
  if (!imported.flow.empty()) (void)vflow::dsl::compile(imported.flow, "fuzz.flow");
  return 0;
}
