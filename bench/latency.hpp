// Latency of single calls, for the benchmarks of reads at scale (query_bench, list_bench): p50 /
// p99 / max of a call timed in-process, and of SQL statements timed by the sqlite3 shell itself
// (its `.timer`, millisecond resolution) on the same file: the floor of SQLite answering alone.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace vflow::bench {

struct stats {
  double p50 = 0, p99 = 0, max = 0;
};

inline stats summarise(std::vector<double> ms) {
  if (ms.empty()) return {};
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double q) {
    return ms[static_cast<std::size_t>(q * static_cast<double>(ms.size() - 1))];
  };
  return {at(0.5), at(0.99), ms.back()};
}

/// Times `f(i)` for i in [0, n), each call on its own, in milliseconds.
template <typename F>
stats time_each(int n, F&& f) {
  using clock_type = std::chrono::steady_clock;
  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const auto start = clock_type::now();
    f(i);
    ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - start).count());
  }
  return summarise(std::move(ms));
}

/// The statements in one read-only sqlite3 shell session on `path`, each timed by the shell.
inline stats shell_time(const std::string& path, const std::vector<std::string>& statements) {
  const std::string script =
      (std::filesystem::temp_directory_path() / "vflow-bench-shell.sql").string();
  {
    std::FILE* f = std::fopen(script.c_str(), "w");
    if (!f) return {};
    std::fputs(".timer on\n.output /dev/null\n", f);
    for (const auto& s : statements) std::fprintf(f, "%s;\n", s.c_str());
    std::fclose(f);
  }
  const std::string cmd = "sqlite3 -readonly '" + path + "' < '" + script + "' 2>&1";
  std::FILE* p = popen(cmd.c_str(), "r");
  std::vector<double> ms;
  char line[512];
  while (p && std::fgets(line, sizeof line, p)) {
    double real = 0;
    if (std::sscanf(line, "Run Time: real %lf", &real) == 1) ms.push_back(real * 1000);
  }
  if (p) pclose(p);
  return summarise(std::move(ms));
}

inline void row(const char* what, const stats& s) {
  std::printf("%-62s p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms\n", what, s.p50, s.p99, s.max);
}

}  // namespace vflow::bench
