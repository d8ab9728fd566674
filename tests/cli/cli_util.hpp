// Runs the real vflow binary for CLI tests.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/runtime/runtime_util.hpp"

namespace vflow::test {

struct run_result {
  int exit_code = -1;
  std::string out;  // stdout (and stderr when merged)
};

/// Runs `vflow ARGS` through the shell; stderr is merged into `out` unless `merge_stderr` is
/// false, in which case it is discarded.
inline run_result run_vflow(const std::string& args, bool merge_stderr = true) {
  const std::string cmd =
      std::string(VFLOW_BINARY) + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  run_result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  while (const std::size_t n = fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// A test with its own database, driving the real binary against it.
class cli_fixture : public testing::Test {
 protected:
  std::string db() const { return (dir / "cli.db").string(); }
  /// An absolute path in the source tree.
  static std::string src(const std::string& rel) {
    return std::string(VFLOW_SOURCE_DIR) + "/" + rel;
  }
  /// `vflow --db DB ARGS`.
  run_result vflow(const std::string& args, bool merge = true) {
    return run_vflow("--db '" + db() + "' " + args, merge);
  }
  /// `vflow --db DB --json ARGS`, parsed.
  nlohmann::json vflow_json(const std::string& args) {
    return nlohmann::json::parse(vflow("--json " + args, false).out);
  }
  /// Everything the store holds, as text: compared before and after a command that must not
  /// write.
  std::string dump() { return shell("sqlite3 '" + db() + "' .dump"); }

  temp_dir dir;
};

}  // namespace vflow::test
