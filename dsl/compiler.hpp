// The front end's entry point: .flow text -> checked, lowered machines plus every diagnostic.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/ast.hpp"
#include "dsl/diagnostic.hpp"
#include "dsl/parser.hpp"
#include "engine/machine.hpp"

namespace vflow::dsl {

/// The result of compiling one file: the machines (only when there are no errors), the syntax
/// tree (when the file parsed), and every diagnostic, sorted by position.
struct compile_result {
  std::vector<engine::machine> machines;
  std::optional<flow_file> ast;
  std::vector<diagnostic> diagnostics;

  /// True when no diagnostic is an error.
  bool ok() const;
};

/// Parses, checks and lowers `text`. Never throws on bad input.
compile_result compile(std::string_view text, const std::string& source_name,
                       const parse_limits& limits = {});

/// Checks and lowers an already parsed file (the compiler stages after parsing).
compile_result check_and_lower(const flow_file& file, std::string_view text,
                               const std::string& source_name);

}  // namespace vflow::dsl
