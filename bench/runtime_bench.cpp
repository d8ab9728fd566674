// Runtime throughput next to its floors, measured in the same run:
//  - in-memory engine steps on the shipped incident machine;
//  - durable fire through the runtime (one WAL + synchronous=FULL commit per event) next to the
//    floor: a raw prepared INSERT of a journal-sized row plus an UPDATE per transaction, with the
//    same SQLite settings. This file includes <sqlite3.h> only to measure that floor.
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "dsl/compiler.hpp"
#include "engine/step.hpp"
#include "runtime/chain.hpp"
#include "runtime/decisions.hpp"
#include "runtime/runtime.hpp"
#include "tests/dsl/library_util.hpp"
#include "tests/dsl/test_util.hpp"
#include "tests/runtime/runtime_util.hpp"

namespace {

namespace fs = std::filesystem;
using namespace vflow;

std::string bench_db(const std::string& name) {
  const fs::path p =
      fs::temp_directory_path() / ("vflow-bench-" + std::to_string(getpid()) + "-" + name);
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
  return p.string();
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
}

void engine_step(benchmark::State& state) {
  auto r = dsl::compile(test::read_file(VFLOW_SOURCE_DIR "/workflows/d2c/incident.flow"),
                        "incident.flow", {}, test::library_lookup());
  const engine::machine& m = r.machines.at(0);
  auto data = engine::initial_data(m);
  data[engine::index(*m.find_field("service"))] = engine::value::of_string("mail");
  engine::instance_state s = engine::initial_state(m, data);
  const auto ev = [&](const char* name, std::vector<engine::value> p = {}) {
    return engine::event_call{*m.find_event(name), std::move(p), 0, engine::value::null()};
  };
  engine::step_result out;
  engine::step(m, s, ev("assign", {engine::value::of_string("ada")}), out);
  engine::step(m, s, ev("start_work"), out);
  // Alternate hold (guard + string assignment) and resume (assignment to null).
  const engine::event_call hold = ev("hold", {engine::value::of_string("vendor")});
  const engine::event_call resume = ev("resume");
  std::int64_t taken = 0;
  for (auto _ : state) {
    engine::step(m, s, hold, out);
    taken += out.is_taken();
    engine::step(m, s, resume, out);
    taken += out.is_taken();
  }
  if (taken != static_cast<std::int64_t>(state.iterations()) * 2)
    state.SkipWithError("a step was rejected");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2);
}

// A flat machine (no nested states, rules or entry actions): the engine's fast path.
void engine_step_flat(benchmark::State& state) {
  auto r = dsl::compile(test::read_file(VFLOW_SOURCE_DIR "/tests/flows/valid/counter.flow"),
                        "counter.flow");
  const engine::machine& m = r.machines.at(0);
  engine::instance_state s = engine::initial_state(m, engine::initial_data(m));
  const engine::event_call bump{
      *m.find_event("bump"), {engine::value::of_int(1)}, 0, engine::value::null()};
  engine::step_result out;
  std::int64_t taken = 0;
  for (auto _ : state) {
    engine::step(m, s, bump, out);
    taken += out.is_taken();
  }
  if (taken != static_cast<std::int64_t>(state.iterations()))
    state.SkipWithError("a step was rejected");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// A policy question about a change awaiting its peer's approval: approve(user) by the requester
// (denied by four_eyes) and by someone else (allowed), alternately. Arg 1: in memory on a loaded
// instance (runtime/decisions.hpp); arg 0: the runtime's dry run of the same event, which reads
// the instance from the store, decodes it and explains the decision every time.
void policy_decision(benchmark::State& state) {
  const std::string path = bench_db("decide.db");
  {
    auto rt = runtime::engine_runtime::open(path);
    rt.deploy(test::library());
    rt.start({.workflow = "Change",
              .id = "C-1",
              .fields = {{"summary", "patch"}, {"requester", "alice"}},
              .at = 1000});
    rt.fire({"C-1", "submit", {}, "alice", {}, {}, 2000});
    const runtime::named_values own{{"user", "alice"}}, other{{"user", "bob"}};
    std::int64_t allowed = 0;
    if (state.range(0) == 1) {
      auto loaded = rt.load("C-1", 3000);
      std::string error;
      const auto deny = loaded->ask("approve", own, "alice", error);
      const auto allow = loaded->ask("approve", other, "bob", error);
      for (auto _ : state) {
        allowed += loaded->decide(*deny).allowed;
        allowed += loaded->decide(*allow).allowed;
      }
    } else {
      runtime::fire_request deny{"C-1", "approve", own, "alice", {}, {}, 3000};
      runtime::fire_request allow{"C-1", "approve", other, "bob", {}, {}, 3000};
      deny.dry_run = allow.dry_run = true;
      for (auto _ : state) {
        allowed += rt.fire(deny).status == runtime::status::ok;
        allowed += rt.fire(allow).status == runtime::status::ok;
      }
    }
    if (allowed != static_cast<std::int64_t>(state.iterations()))
      state.SkipWithError("the answers are not one yes and one no");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2);
  }
  remove_db(path);
}

void durable_fire(benchmark::State& state) {
  const std::string path = bench_db("fire.db");
  {
    auto rt = runtime::engine_runtime::open(path);
    rt.deploy(
        {{"counter.flow", test::read_file(VFLOW_SOURCE_DIR "/tests/flows/valid/counter.flow")}});
    rt.start({.workflow = "Counter", .id = "C-1"});
    std::int64_t i = 0;
    for (auto _ : state) {
      const auto o =
          rt.fire({"C-1", "bump", {{"by", "1"}}, "bench", "e-" + std::to_string(i++), {}, {}});
      if (o.status != runtime::status::ok) state.SkipWithError("fire failed");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  }
  remove_db(path);
}

// Group commit: 100 bump events per transaction through fire_batch, each its own record with
// its own event id (compare raw_sqlite_floor/100, the same rows 100 per transaction).
void durable_fire_batch(benchmark::State& state) {
  const std::string path = bench_db("batch.db");
  {
    auto rt = runtime::engine_runtime::open(path);
    rt.deploy(
        {{"counter.flow", test::read_file(VFLOW_SOURCE_DIR "/tests/flows/valid/counter.flow")}});
    rt.start({.workflow = "Counter", .id = "C-1"});
    std::int64_t i = 0;
    std::vector<runtime::fire_request> batch(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
      for (auto& r : batch) {
        r = {.id = "C-1",
             .event = "bump",
             .params = {{"by", "1"}},
             .actor = "bench",
             .event_id = "e-" + std::to_string(i++)};
      }
      const auto o = rt.fire_batch(batch);
      if (!o.committed || o.events.back().status != runtime::status::ok)
        state.SkipWithError("batch failed");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  }
  remove_db(path);
}

void check(int rc, sqlite3* db) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(sqlite3_errmsg(db));
}

void raw_sqlite_floor(benchmark::State& state) {
  const std::string path = bench_db("floor.db");
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db);
  check(sqlite3_exec(
            db,
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA mmap_size=0;"
            "CREATE TABLE j (gseq INTEGER PRIMARY KEY, instance TEXT, seq INTEGER, body TEXT);"
            "CREATE TABLE i (id TEXT PRIMARY KEY, seq INTEGER, data TEXT);"
            "INSERT INTO i VALUES ('C-1', 0, '{}');",
            nullptr, nullptr, nullptr),
        db);
  sqlite3_stmt* ins = nullptr;
  sqlite3_stmt* upd = nullptr;
  check(sqlite3_prepare_v2(db, "INSERT INTO j (instance, seq, body) VALUES ('C-1', ?1, ?2)", -1,
                           &ins, nullptr),
        db);
  check(sqlite3_prepare_v2(db, "UPDATE i SET seq = ?1, data = ?2 WHERE id = 'C-1'", -1, &upd,
                           nullptr),
        db);
  // A body the size of the runtime's journal record for a bump event (its columns together).
  const std::string body(420, 'x');
  const std::string data = R"({"count":123456,"label":""})";
  std::int64_t seq = 0;
  const std::int64_t per_transaction = state.range(0);
  for (auto _ : state) {
    check(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), db);
    for (std::int64_t k = 0; k < per_transaction; ++k) {
      ++seq;
      sqlite3_bind_int64(ins, 1, seq);
      sqlite3_bind_text(ins, 2, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
      check(sqlite3_step(ins), db);
      sqlite3_reset(ins);
      sqlite3_bind_int64(upd, 1, seq);
      sqlite3_bind_text(upd, 2, data.data(), static_cast<int>(data.size()), SQLITE_STATIC);
      check(sqlite3_step(upd), db);
      sqlite3_reset(upd);
    }
    check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * per_transaction);
  sqlite3_finalize(ins);
  sqlite3_finalize(upd);
  sqlite3_close(db);
  remove_db(path);
}

// A journal of the counter workflow: `records` bump events on 100 instances (synchronous=NORMAL
// to build it quickly; the benchmarks below only read it).
std::string counter_journal(std::int64_t records) {
  const std::string path = bench_db("journal-" + std::to_string(records) + ".db");
  auto rt = runtime::engine_runtime::open(path, {.synchronous = "NORMAL"});
  rt.deploy(
      {{"counter.flow", test::read_file(VFLOW_SOURCE_DIR "/tests/flows/valid/counter.flow")}});
  for (int i = 0; i < 100; ++i) rt.start({.workflow = "Counter", .id = "C-" + std::to_string(i)});
  for (std::int64_t i = 100; i < records; ++i) {
    rt.fire({"C-" + std::to_string(i % 100), "bump", {{"by", "1"}}, "bench", {}, {}, {}});
  }
  return path;
}

// What the hash chain adds to every append: the journal's head and the instance's previous
// record (two indexed look-ups) and SHA-256 over the record's canonical encoding. Compare with
// durable_fire's time per event.
void chain_append_cost(benchmark::State& state) {
  const std::string path = counter_journal(1000);
  {
    auto store = runtime::open_sqlite_store(path);
    store->read([&](runtime::store_transaction& t) {
      runtime::journal_row r = t.history("C-7").back();
      for (auto _ : state) {
        const auto head = t.head();
        const auto previous = t.record_hash(r.instance, r.seq - 1);
        benchmark::DoNotOptimize(runtime::chain_hash(r, previous.value_or(""), head.hash));
      }
    });
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  }
  remove_db(path);
}

// `verify --all` on a journal of 20,000 records: definitions and the whole chain, with every
// instance replayed (the argument 1) or without (0, `--chain-only`).
void verify_all_records(benchmark::State& state) {
  const bool replay = state.range(0) != 0;
  const std::string path = counter_journal(20000);
  {
    auto rt = runtime::engine_runtime::open(path, {.read_only = true});
    std::size_t records = 0;
    for (auto _ : state) {
      const auto v = rt.verify_all(std::nullopt, replay);
      if (!v.consistent) state.SkipWithError(v.message.c_str());
      records += v.records;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(records));
  }
  remove_db(path);
}

// The floor under `verify --all --chain-only`: reading the same 20,000 records through the store
// in pages, as the chain pass does, without hashing them.
void journal_read_floor(benchmark::State& state) {
  const std::string path = counter_journal(20000);
  {
    auto store = runtime::open_sqlite_store(path, {.create = false, .read_only = true});
    std::size_t records = 0;
    for (auto _ : state) {
      store->read([&](runtime::store_transaction& t) {
        std::int64_t after = 0;
        for (;;) {
          const auto page = t.journal_after(after, 4096);
          if (page.empty()) break;
          after = page.back().gseq;
          records += page.size();
          benchmark::DoNotOptimize(page.data());
        }
      });
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(records));
  }
  remove_db(path);
}

}  // namespace

BENCHMARK(chain_append_cost)->Unit(benchmark::kMicrosecond);
BENCHMARK(verify_all_records)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->MinTime(3);
BENCHMARK(journal_read_floor)->Unit(benchmark::kMillisecond)->MinTime(3);
BENCHMARK(engine_step);
BENCHMARK(engine_step_flat);
BENCHMARK(policy_decision)->Arg(1)->Arg(0);
BENCHMARK(durable_fire)->Unit(benchmark::kMicrosecond)->MinTime(2)->UseRealTime();
BENCHMARK(raw_sqlite_floor)
    ->Arg(1)
    ->Arg(100)
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(2)
    ->UseRealTime();
BENCHMARK(durable_fire_batch)->Arg(100)->Unit(benchmark::kMicrosecond)->MinTime(2)->UseRealTime();

BENCHMARK_MAIN();
