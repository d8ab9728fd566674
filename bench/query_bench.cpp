// The auditor's reads at scale: `history ID` and a selective `find --records` on a journal of
// 1,000,000 records over 10,000 instances, in-process through the runtime (p50 / p99 / max of
// each call), side by side with the same SQL run in the sqlite3 shell on the same file (its
// `.timer` per statement): the floor of SQLite answering the question without vflow.
//
// Usage: vflow_bench_query [DB]   The database is built once (about two minutes: every record
// is a real fire through the runtime) and kept for later runs; default
// $TMPDIR/vflow-bench-query-1M.db.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "runtime/runtime.hpp"
#include "tests/dsl/test_util.hpp"

namespace {

namespace fs = std::filesystem;
using namespace vflow;
using clock_type = std::chrono::steady_clock;

constexpr std::int64_t instances = 10000;
constexpr std::int64_t records = 1000000;
constexpr int actors = 1000;
constexpr int samples = 2000;

std::string id_of(std::int64_t i) { return "C-" + std::to_string(i); }
std::string actor_of(std::int64_t i) { return "user-" + std::to_string(i % actors); }

// Builds the journal: every instance started, then events round-robin, each by one of `actors`.
void build(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
  auto rt = runtime::engine_runtime::open(path, {.synchronous = "NORMAL"});
  rt.deploy(
      {{"counter.flow", test::read_file(VFLOW_SOURCE_DIR "/tests/flows/valid/counter.flow")}});
  std::cerr << "building " << path << " (" << records << " records)...\n";
  std::int64_t at = 1'700'000'000'000;
  for (std::int64_t i = 0; i < instances; ++i) {
    rt.start({.workflow = "Counter", .id = id_of(i), .actor = actor_of(i), .at = at++});
  }
  for (std::int64_t n = instances; n < records; ++n) {
    rt.fire({id_of(n % instances), "bump", {{"by", "1"}}, actor_of(n), {}, {}, at++});
    if (n % 100000 == 0) std::cerr << "  " << n << '\n';
  }
}

struct stats {
  double p50 = 0, p99 = 0, max = 0;
};

stats summarise(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double q) {
    return ms[static_cast<std::size_t>(q * static_cast<double>(ms.size() - 1))];
  };
  return {at(0.5), at(0.99), ms.back()};
}

template <typename F>
stats time_each(int n, F&& f) {
  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const auto start = clock_type::now();
    f(i);
    ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - start).count());
  }
  return summarise(std::move(ms));
}

// The same statements in one sqlite3 shell session, timed by the shell itself.
stats shell_time(const std::string& path, const std::vector<std::string>& statements) {
  const std::string script = (fs::temp_directory_path() / "vflow-bench-query.sql").string();
  {
    std::FILE* f = std::fopen(script.c_str(), "w");
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
  if (ms.empty()) return {};
  return summarise(std::move(ms));
}

void row(const char* what, const stats& s) {
  std::printf("%-58s p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms\n", what, s.p50, s.p99, s.max);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path =
      argc > 1 ? argv[1] : (fs::temp_directory_path() / "vflow-bench-query-1M.db").string();
  {
    bool ready = false;
    if (fs::exists(path)) {
      auto rt = runtime::engine_runtime::open(path, {.create = false, .read_only = true});
      ready = rt.digest().gseq == records;
    }
    if (!ready) build(path);
  }
  auto rt = runtime::engine_runtime::open(path, {.create = false, .read_only = true});
  std::mt19937_64 rng(42);
  std::vector<std::int64_t> picks(samples);
  for (auto& p : picks) p = static_cast<std::int64_t>(rng() % instances);

  std::size_t seen = 0;
  const stats history = time_each(samples, [&](int i) {
    seen += rt.history(id_of(picks[static_cast<std::size_t>(i)]))->size();
  });
  const stats find = time_each(samples, [&](int i) {
    runtime::find_request r;
    r.records = true;
    r.filter.actor = actor_of(picks[static_cast<std::size_t>(i)]);
    r.filter.event = "bump";
    r.filter.limit = 100;
    seen += rt.find(r).records.size();
  });
  std::vector<std::string> history_sql, find_sql;
  for (int i = 0; i < samples / 4; ++i) {
    const auto p = picks[static_cast<std::size_t>(i)];
    history_sql.push_back("SELECT * FROM journal WHERE instance = '" + id_of(p) + "' ORDER BY seq");
    find_sql.push_back("SELECT * FROM journal AS r WHERE r.actor = '" + actor_of(p) +
                       "' AND +r.event = 'bump' ORDER BY gseq LIMIT 101");
  }
  std::printf("%lld journal records over %lld instances (%zu records read)\n",
              static_cast<long long>(records), static_cast<long long>(instances), seen);
  row("history ID (100 records), vflow in-process", history);
  row("  the same SELECT in the sqlite3 shell", shell_time(path, history_sql));
  row("find --records --actor A --event bump (first page of 100)", find);
  row("  the same SELECT in the sqlite3 shell", shell_time(path, find_sql));
  return 0;
}
