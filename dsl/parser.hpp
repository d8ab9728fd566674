// Text -> syntax tree, or a syntax diagnostic.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/ast.hpp"
#include "dsl/diagnostic.hpp"

namespace vflow::dsl {

/// Limits that keep hostile input from exhausting time, memory or stack.
struct parse_limits {
  std::size_t max_bytes = 64u << 20;   ///< larger files are refused before parsing
  std::size_t max_nesting = 128;       ///< parentheses, `not`, `-`, `??` and call nesting
  std::uint32_t max_expr_depth = 256;  ///< height of any expression tree
};

/// The syntax tree of a file, or nothing plus the syntax diagnostic that stopped the parse.
struct parse_result {
  std::optional<flow_file> file;
  std::vector<diagnostic> diagnostics;
};

/// Parses .flow text. `source_name` is used in diagnostics.
parse_result parse(std::string_view text, const std::string& source_name,
                   const parse_limits& limits = {});

}  // namespace vflow::dsl
