// `list --state S` and `find --state S` at 100,000 instances, in-process through the runtime (p50 /
// p99 / max of each call), next to the scan they replaced: the same question asked of every
// instance's configuration (json_each) in the sqlite3 shell on the same file.
//
// Usage: vflow_bench_list [DB]   The database is built once (100,000 starts through the runtime,
// every hundredth instance then stopped) and kept for later runs; default
// $TMPDIR/vflow-bench-list-100k.db.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "bench/latency.hpp"
#include "runtime/runtime.hpp"
#include "tests/dsl/test_util.hpp"

namespace {

namespace fs = std::filesystem;
using namespace vflow;
using namespace vflow::bench;

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
    return time_each(samples, [&](int) { seen += rt.list({.state = state, .limit = 100}).size(); });
  };
  const stats rare = list("Stopped");
  const stats common = list("Counting");
  const stats none = list("Nowhere");
  const stats find = time_each(samples, [&](int) {
    runtime::find_request r;
    r.filter.state = "Stopped";
    r.filter.limit = 100;
    seen += rt.find(r).instances.size();
  });
  const auto scan = [&](const char* state) {
    const std::string sql =
        "SELECT * FROM instances WHERE EXISTS (SELECT 1 FROM json_each(configuration) WHERE "
        "value = '" +
        std::string(state) + "') ORDER BY created_at, id LIMIT 100";
    return shell_time(path, std::vector<std::string>(20, sql));
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
