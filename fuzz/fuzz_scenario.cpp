// libFuzzer target: any bytes as a `.flowtest` scenario file (vflow test): parsed without a
// crash, a hang or a quadratic blow-up; what parses has a workflow file and every scenario a step.
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/cli/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  vflow::cli::scenario_file f;
  if (!vflow::cli::parse_scenarios("fuzz.flowtest", text, f)) {
    if (f.uses.empty()) __builtin_trap();
    for (const auto& s : f.scenarios) {
      if (s.steps.empty()) __builtin_trap();
    }
  }
  return 0;
}
