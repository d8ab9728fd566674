// Temporary databases and small helpers for runtime tests.
#pragma once

#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

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

/// Runs a shell command and returns its standard output.
inline std::string shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf{};
  while (const std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  pclose(p);
  return out;
}

/// The backends the store conformance tests run on (each a parameter of the suites that take
/// one): SQLite, and PostgreSQL on the server VFLOW_TEST_POSTGRES names (scripts/test.sh starts
/// a throw-away cluster and sets it).
inline std::vector<std::string> backends() { return {"sqlite", "postgresql"}; }

/// A gtest parameter name for a backend.
inline std::string backend_name(const testing::TestParamInfo<std::string>& info) {
  return info.param;
}

/// A fresh, empty database of `backend`: a file in `dir`, or a new database on the test server.
/// Empty when that backend has no server here (the test then skips).
inline std::string fresh_database(const std::string& backend, const temp_dir& dir) {
  if (backend == "sqlite") return (dir / "t.db").string();
  const char* server = std::getenv("VFLOW_TEST_POSTGRES");
  if (!server || !*server) return {};
  static std::atomic<int> counter{0};
  const std::string name =
      "vflow_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  const std::string url = server;
  const std::string cmd = "psql '" + url + "' -qc 'CREATE DATABASE " + name + "' 2>&1";
  if (std::system(cmd.c_str()) != 0) return {};
  return url.substr(0, url.rfind('/') + 1) + name;
}

}  // namespace vflow::test
