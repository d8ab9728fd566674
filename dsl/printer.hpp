// Syntax tree -> canonical .flow text (parse -> print -> parse gives the same tree).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/ast.hpp"

namespace vflow::dsl {

/// A comment of a .flow file: `#` to the end of its line.
struct source_comment {
  std::uint32_t line = 1;
  std::string text;           ///< from `#`, without trailing blanks
  bool own_line = true;       ///< nothing but blanks before it on its line
  bool blank_after = false;   ///< followed by an empty line (kept by fmt)
  bool blank_before = false;  ///< an own-line comment after an empty line (kept by fmt)
};

/// The comments of .flow text, in order (a `#` inside a string literal starts none).
std::vector<source_comment> comments_of(std::string_view text);

/// How to print.
struct print_options {
  /// Parenthesise every compound sub-expression: a structural dump for tests.
  bool parenthesize_all = false;
  /// The comments of the source, placed above the declaration they precede, or after the one
  /// whose line they end, or before the `}` of the block they end (`vflow fmt`). A declaration the
  /// canonical layout moves takes the comments above it along; none is ever dropped.
  const std::vector<source_comment>* comments = nullptr;
  /// Keep the parentheses the source wrote around compound expressions, and a transition's
  /// block on several lines where the source had it so (or where one line would pass 100
  /// columns); trailing comments of consecutive lines aligned (`vflow fmt`).
  bool source_layout = false;
};

/// Prints a whole file in canonical layout (two-space indent, one declaration per line).
std::string print(const flow_file& file, const print_options& options = {});

/// `vflow fmt`: `file` (parsed from `source`) in canonical layout with every comment of `source`
/// kept. Idempotent: formatting the result again gives it unchanged.
std::string format(const flow_file& file, std::string_view source);

/// Prints the stream header and workflow number `index` of `f` alone: the canonical source of
/// one workflow (what the runtime stores and hashes on deploy).
std::string print_workflow(const flow_file& f, std::size_t index);

/// Prints expression `e` of file `f` with the minimal parentheses its precedence needs.
std::string print_expr(const flow_file& f, expr_ref e, const print_options& options = {});

}  // namespace vflow::dsl
