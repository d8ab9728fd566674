// Helpers shared by the dsl and engine tests.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

namespace vflow::test {

/// Reads a whole file.
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Every .flow file under the given folders of the source tree, sorted.
inline std::vector<std::filesystem::path> flow_files(std::initializer_list<const char*> folders) {
  std::vector<std::filesystem::path> out;
  for (const char* dir : folders) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(
             std::filesystem::path(VFLOW_SOURCE_DIR) / dir)) {
      if (e.path().extension() == ".flow") out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// A workflow of `states` states in a chain, each with guarded and unguarded transitions and
/// assignments: the generated input of the robustness tests and the compile benchmark.
inline std::string generated_workflow(std::size_t states) {
  std::string s = "stream R2D\n\nworkflow Generated {\n  title \"generated\"\n  data {\n";
  s += "    count: int = 0\n    owner: string?\n    limit: duration = 4h\n  }\n";
  s += "  event next(by: string)\n  event back\n  event done\n\n";
  for (std::size_t i = 0; i < states; ++i) {
    const std::string n = "S" + std::to_string(i);
    const std::string next = "S" + std::to_string(i + 1 < states ? i + 1 : i);
    s += i == 0 ? "  initial state " : "  state ";
    s += n + " {\n";
    s += "    on next -> " + next +
         " when count < 1000000 and event.by != \"\" { count = count + 1; owner = event.by }\n";
    s += "    on next -> " + n + " { owner = event.by ?? owner }\n";
    s += "    on back -> S0 when owner in [\"a\", \"b\"] or len(owner ?? \"\") > 3\n";
    s += "    on done -> Done\n  }\n";
  }
  s += "  final state Done\n}\n";
  return s;
}

}  // namespace vflow::test
