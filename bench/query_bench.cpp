// The auditor's reads at scale: `history ID` and a selective `find --records` on a journal of
// 1,000,000 records over 10,000 instances, in-process through the runtime (p50 / p99 / max of
// each call), side by side with the same SQL run in the sqlite3 shell on the same file (its
// `.timer` per statement): the floor of SQLite answering the question without vflow.
//
// Usage: vflow_bench_query [DB]   The database is built once (about two minutes: every record
// is a real fire through the runtime) and kept for later runs; default
// $TMPDIR/vflow-bench-query-1M.db.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "bench/latency.hpp"
#include "runtime/runtime.hpp"
#include "tests/dsl/test_util.hpp"

namespace {

namespace fs = std::filesystem;
using namespace vflow;
using namespace vflow::bench;

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
