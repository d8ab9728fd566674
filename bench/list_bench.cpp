// `list --state S` and `find --state S` at 100,000 instances, in-process through the runtime (p50 /
// p99 / max of each call), next to the scan they replaced: the same question asked of every
// instance's configuration (json_each) in the sqlite3 shell on the same file.
//
// Usage: vflow_bench_list [DB]   The database is built once (100,000 starts through the runtime,
// every hundredth instance then stopped) and kept for later runs; default
// $TMPDIR/vflow-bench-list-100k.db.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "runtime/runtime.hpp"
#include "tests/dsl/test_util.hpp"

namespace {

namespace fs = std::filesystem;
using namespace vflow;
using clock_type = std::chrono::steady_clock;

constexpr std::int64_t instances = 100000;
constexpr std::int64_t stopped_every = 100;  // 1,000 instances in Stopped, 99,000 in Counting
constexpr int samples = 500;

std::string id_of(std::int64_t i) { return "C-" + std::to_string(i); }

void build(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
  auto rt = runtime::engine_runtime::open(path, {.synchronous = "OFF"});
  rt.deploy(
      {{"counter.flow", test::read_file(VFLOW_SOURCE_DIR "/tests/flows/valid/counter.flow")}});
  std::cerr << "building " << path << " (" << instances << " instances)...\n";
  std::int64_t at = 1'700'000'000'000;
  for (std::int64_t i = 0; i < instances; ++i) {
    rt.start({.workflow = "Counter", .id = id_of(i), .at = at++});
    if (i % stopped_every == stopped_every - 1) rt.fire({id_of(i), "stop", {}, {}, {}, {}, at++});
    if (i % 20000 == 0) std::cerr << "  " << i << '\n';
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
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - start).count());
  }
  return summarise(std::move(ms));
}

// One statement `n` times in one sqlite3 shell session, timed by the shell itself.
stats shell_time(const std::string& path, const std::string& statement, int n) {
  const std::string script = (fs::temp_directory_path() / "vflow-bench-list.sql").string();
  {
    std::FILE* f = std::fopen(script.c_str(), "w");
    std::fputs(".timer on\n.output /dev/null\n", f);
    for (int i = 0; i < n; ++i) std::fprintf(f, "%s;\n", statement.c_str());
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
  std::printf("%-62s p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms\n", what, s.p50, s.p99, s.max);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path =
      argc > 1 ? argv[1] : (fs::temp_directory_path() / "vflow-bench-list-100k.db").string();
  {
    bool ready = false;
    if (fs::exists(path)) {
      auto rt = runtime::engine_runtime::open(path, {.create = false, .read_only = true});
      ready = rt.list({.limit = static_cast<std::size_t>(instances) + 1}).size() ==
              static_cast<std::size_t>(instances);
    }
    if (!ready) build(path);
  }
  auto rt = runtime::engine_runtime::open(path, {.create = false, .read_only = true});
  std::size_t seen = 0;
  const auto list = [&](const char* state) {
    return time_each(samples, [&] { seen += rt.list({.state = state, .limit = 100}).size(); });
  };
  const stats rare = list("Stopped");
  const stats common = list("Counting");
  const stats none = list("Nowhere");
  const stats find = time_each(samples, [&] {
    runtime::find_request r;
    r.filter.state = "Stopped";
    r.filter.limit = 100;
    seen += rt.find(r).instances.size();
  });
  const auto scan = [&](const char* state) {
    return shell_time(
        path,
        "SELECT * FROM instances WHERE EXISTS (SELECT 1 FROM json_each(configuration) "
        "WHERE value = '" +
            std::string(state) + "') ORDER BY created_at, id LIMIT 100",
        20);
  };
  std::printf("%lld instances, 1 in %lld stopped (%zu rows read)\n",
              static_cast<long long>(instances), static_cast<long long>(stopped_every), seen);
  row("list --state Stopped (1,000 match; first page of 100)", rare);
  row("list --state Counting (99,000 match; first page of 100)", common);
  row("list --state Nowhere (none match)", none);
  row("find --state Stopped (first page of 100)", find);
  row("  before, Stopped: configurations scanned (sqlite3 shell)", scan("Stopped"));
  row("  before, Nowhere: every configuration scanned (sqlite3 shell)", scan("Nowhere"));
  return 0;
}
