// The shipped workflow library for tests that compile one of its files alone: the files import
// each other, so a lone file resolves the others through their signatures.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dsl/compiler.hpp"
#include "tests/dsl/test_util.hpp"

namespace vflow::test {

/// The signatures of every shipped workflow, compiled together once.
inline const std::vector<dsl::workflow_signature>& library_signatures() {
  static const std::vector<dsl::workflow_signature> signatures = [] {
    std::vector<std::string> texts, names;
    for (const auto& p : flow_files({"workflows"})) {
      texts.push_back(read_file(p));
      names.push_back(p.string());
    }
    std::vector<dsl::flow_source> sources;
    for (std::size_t i = 0; i < texts.size(); ++i) sources.push_back({names[i], texts[i], false});
    std::vector<dsl::workflow_signature> out;
    for (const auto& r : dsl::compile_set(sources)) {
      for (const auto& m : r.machines) out.push_back(dsl::signature_of(m));
    }
    return out;
  }();
  return signatures;
}

/// Finds a shipped workflow by name: the lookup a lone shipped file compiles with.
inline dsl::workflow_lookup library_lookup() {
  return [](const std::string& name) -> std::optional<dsl::workflow_signature> {
    for (const auto& s : library_signatures()) {
      if (s.name == name) return s;
    }
    return std::nullopt;
  };
}

}  // namespace vflow::test
