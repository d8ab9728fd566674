// Finding and reading .flow files for the commands that take paths.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dsl/compiler.hpp"
#include "dsl/diagnostic.hpp"

namespace vflow::cli {

/// A .flow file read for a command: one it was given, or one those import (read only for the
/// signatures of its workflows).
struct flow_text {
  std::string name;
  std::string text;
  bool imported = false;
};

/// Reads `paths` and, transitively, the files they `import` (paths relative to the importing
/// file). A given file that cannot be read is a message (a usage error); an import that cannot
/// be read is a diagnostic (F0140) at its line in `diags`.
std::optional<std::string> read_with_imports(const std::vector<std::filesystem::path>& paths,
                                             std::vector<flow_text>& out,
                                             std::vector<dsl::diagnostic>& diags);

/// Compiles `name` (whose text is `text`; the file need not exist) with the files it imports,
/// relative to its directory, read for their signatures so that its links resolve; an import
/// that cannot be read joins the diagnostics.
dsl::compile_result compile_with_imports(const std::string& name, std::string_view text);

struct global_options;

/// A file compiled with its imports, and the workflow of it a command works on.
struct picked_workflow {
  dsl::compile_result compiled;
  std::size_t index = 0;  // into compiled.machines (and compiled.ast->workflows)
};

/// Compiles `name` (whose text is `text`) with its imports and picks the workflow named `wanted`,
/// or its only one. Nothing, with the diagnostics printed and "vflow COMMAND: NAME does not
/// compile", when it does not compile; a usage error when `wanted` names none of its workflows,
/// or is empty and there are several.
std::optional<picked_workflow> compile_and_pick(const std::string& name, std::string_view text,
                                                const std::string& wanted, const char* command,
                                                const global_options& g);

/// Expands files and directories (searched recursively for *.flow) into a sorted, de-duplicated
/// list; returns a message when a path does not exist or a directory holds no .flow file.
std::optional<std::string> collect_flow_files(const std::vector<std::string>& paths,
                                              std::vector<std::filesystem::path>& out);

/// Reads a whole file into `out`; a message saying why when it cannot (missing, a directory,
/// not readable).
std::optional<std::string> read_file(const std::filesystem::path& path, std::string& out);

}  // namespace vflow::cli
