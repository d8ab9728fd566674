// Syntax tree -> canonical .flow text (parse -> print -> parse gives the same tree).
#pragma once

#include <string>

#include "dsl/ast.hpp"

namespace vflow::dsl {

/// How to print.
struct print_options {
  /// Parenthesise every compound sub-expression: a structural dump for tests.
  bool parenthesize_all = false;
};

/// Prints a whole file in canonical layout (two-space indent, one declaration per line).
std::string print(const flow_file& file, const print_options& options = {});

/// Prints the stream header and workflow number `index` of `f` alone: the canonical source of
/// one workflow (what the runtime stores and hashes on deploy).
std::string print_workflow(const flow_file& f, std::size_t index);

/// Prints expression `e` of file `f` with the minimal parentheses its precedence needs.
std::string print_expr(const flow_file& f, expr_ref e, const print_options& options = {});

}  // namespace vflow::dsl
