// Temporary databases and small helpers for runtime tests.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "runtime/runtime.hpp"
#include "tests/dsl/test_util.hpp"

namespace vflow::test {

/// A fresh directory under the system temp directory, removed with its contents at the end.
class temp_dir {
 public:
  temp_dir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("vflow-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// The source of a shipped or test workflow file.
inline runtime::source_file source(const std::string& relative) {
  const std::string path = std::string(VFLOW_SOURCE_DIR) + "/" + relative;
  return {relative, read_file(path)};
}

/// Every shipped workflow file, as a deploy of workflows/ reads them (they import each other).
inline std::vector<runtime::source_file> library() {
  std::vector<runtime::source_file> out;
  for (const auto& p : flow_files({"workflows"})) {
    out.push_back(source(std::filesystem::relative(p, VFLOW_SOURCE_DIR).generic_string()));
  }
  return out;
}

}  // namespace vflow::test
