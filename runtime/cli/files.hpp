// Finding and reading .flow files for the commands that take paths.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vflow::cli {

/// Expands files and directories (searched recursively for *.flow) into a sorted, de-duplicated
/// list; returns a message when a path does not exist or a directory holds no .flow file.
std::optional<std::string> collect_flow_files(const std::vector<std::string>& paths,
                                              std::vector<std::filesystem::path>& out);

/// Reads a whole file into `out`; a message saying why when it cannot (missing, a directory,
/// not readable).
std::optional<std::string> read_file(const std::filesystem::path& path, std::string& out);

}  // namespace vflow::cli
