// Runs the real vflow binary for CLI tests.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

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

}  // namespace vflow::test
