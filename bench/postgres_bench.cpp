// Durable fire on PostgreSQL next to its floor, in the same run, interleaved over rounds:
//  - floor: through libpq, per transaction BEGIN, a prepared INSERT of a journal-sized row, a
//    prepared UPDATE of the instance row, COMMIT (what a fire must write at least);
//  - vflow: `engine_runtime::fire` of a counter's `bump`, each with its own event id;
//  - clients: 1 and 8 threads, each with its own connection and instance, firing for a fixed time;
//    the throughput of 8 over that of 1.
// This file includes <libpq-fe.h> only to measure that floor and to create its databases.
// Usage: vflow_bench_postgres SERVER_URI [ROUNDS]   (scripts/with-postgres.sh gives a server)
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/runtime.hpp"
#include "tests/dsl/test_util.hpp"

namespace {

using namespace vflow;
using clock_type = std::chrono::steady_clock;

void check(PGconn* c, PGresult* r) {
  const auto s = PQresultStatus(r);
  const bool ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
  const std::string message = ok ? "" : PQerrorMessage(c);
  PQclear(r);
  if (!ok) throw std::runtime_error(message);
}

PGconn* connect(const std::string& url) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(c));
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  return c;
}

// A new database on the server; its URI.
std::string fresh_database(const std::string& server, const std::string& name) {
  PGconn* c = connect(server);
  check(c, PQexec(c, ("DROP DATABASE IF EXISTS " + name).c_str()));
  check(c, PQexec(c, ("CREATE DATABASE " + name).c_str()));
  PQfinish(c);
  return server.substr(0, server.rfind('/') + 1) + name;
}

// Transactions per second of the floor over `n` transactions.
double floor_rate(const std::string& url, int n) {
  PGconn* c = connect(url);
  check(c, PQexec(c,
                  "DROP TABLE IF EXISTS j, i; CREATE TABLE j (gseq BIGINT PRIMARY KEY, instance "
                  "TEXT NOT NULL, seq BIGINT NOT NULL, body TEXT NOT NULL, UNIQUE (instance, "
                  "seq)); CREATE TABLE i (id TEXT PRIMARY KEY, seq BIGINT NOT NULL, data TEXT "
                  "NOT NULL); INSERT INTO i VALUES ('C-1', 0, '{}')"));
  check(c,
        PQprepare(c, "ins", "INSERT INTO j (gseq, instance, seq, body) VALUES ($1, 'C-1', $1, $2)",
                  0, nullptr));
  check(c, PQprepare(c, "upd", "UPDATE i SET seq = $1, data = $2 WHERE id = 'C-1'", 0, nullptr));
  const std::string body(700, 'x'), data = R"({"count":1,"label":""})";
  const auto start = clock_type::now();
  for (int k = 1; k <= n; ++k) {
    const std::string seq = std::to_string(k);
    const char* ins[] = {seq.c_str(), body.c_str()};
    const char* upd[] = {seq.c_str(), data.c_str()};
    check(c, PQexec(c, "BEGIN"));
    check(c, PQexecPrepared(c, "ins", 2, ins, nullptr, nullptr, 0));
    check(c, PQexecPrepared(c, "upd", 2, upd, nullptr, nullptr, 0));
    check(c, PQexec(c, "COMMIT"));
  }
  const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  PQfinish(c);
  return n / seconds;
}

runtime::engine_runtime counter_runtime(const std::string& url, int instances) {
  auto rt = runtime::engine_runtime::open(url);
  if (!rt.deploy({{"counter.flow",
                   test::read_file(VFLOW_SOURCE_DIR "/tests/flows/valid/counter.flow")}})
           .ok())
    throw std::runtime_error("deploy failed");
  for (int k = 0; k < instances; ++k)
    rt.start({.workflow = "Counter", .id = "C-" + std::to_string(k)});
  return rt;
}

// Fires per second through the runtime over `n` fires into one instance.
double fire_rate(const std::string& url, int n, int round) {
  auto rt = counter_runtime(url, 1);
  const auto start = clock_type::now();
  for (int k = 0; k < n; ++k) {
    const auto o = rt.fire({"C-0",
                            "bump",
                            {{"by", "1"}},
                            "bench",
                            "r" + std::to_string(round) + "-" + std::to_string(k),
                            {},
                            {}});
    if (o.status != runtime::status::ok) throw std::runtime_error(o.message);
  }
  return n / std::chrono::duration<double>(clock_type::now() - start).count();
}

// Fires per second of `clients` threads, each with its own connection and instance, for `ms`.
double clients_rate(const std::string& url, int clients, int ms, int round) {
  { counter_runtime(url, clients); }
  std::atomic<long> fired{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto start = clock_type::now();
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      auto rt = runtime::engine_runtime::open(url);
      for (long k = 0; !stop; ++k) {
        const auto o = rt.fire(
            {"C-" + std::to_string(t),
             "bump",
             {{"by", "1"}},
             "bench",
             "c" + std::to_string(round) + "-" + std::to_string(t) + "-" + std::to_string(k),
             {},
             {}});
        if (o.status == runtime::status::ok) ++fired;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  stop = true;
  for (auto& th : threads) th.join();
  return static_cast<double>(fired) /
         std::chrono::duration<double>(clock_type::now() - start).count();
}

struct spread {
  std::vector<double> v;
  std::string text(const char* fmt) const {
    auto s = v;
    std::sort(s.begin(), s.end());
    char buf[160];
    std::snprintf(buf, sizeof buf, fmt, s.front(), s[s.size() / 2], s.back());
    return buf;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: vflow_bench_postgres SERVER_URI [ROUNDS]\n");
    return 2;
  }
  const std::string server = argv[1];
  const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  try {
    spread floor, fire, ratio, one, eight, scaling;
    for (int r = 0; r < rounds; ++r) {
      const std::string tag = std::to_string(r);
      floor.v.push_back(floor_rate(fresh_database(server, "bench_floor_" + tag), 500));
      fire.v.push_back(fire_rate(fresh_database(server, "bench_fire_" + tag), 500, r));
      ratio.v.push_back(fire.v.back() / floor.v.back());
      one.v.push_back(clients_rate(fresh_database(server, "bench_one_" + tag), 1, 2000, r));
      eight.v.push_back(clients_rate(fresh_database(server, "bench_eight_" + tag), 8, 2000, r));
      scaling.v.push_back(eight.v.back() / one.v.back());
    }
    std::printf("%d rounds, min / median / max\n", rounds);
    std::printf("floor (INSERT + UPDATE per transaction, libpq)  %s\n",
                floor.text("%.0f / %.0f / %.0f per s").c_str());
    std::printf("durable fire (vflow)                            %s\n",
                fire.text("%.0f / %.0f / %.0f per s").c_str());
    std::printf("durable fire / floor                            %s\n",
                ratio.text("%.2fx / %.2fx / %.2fx").c_str());
    std::printf("1 client                                        %s\n",
                one.text("%.0f / %.0f / %.0f per s").c_str());
    std::printf("8 clients                                       %s\n",
                eight.text("%.0f / %.0f / %.0f per s").c_str());
    std::printf("8 clients / 1 client                            %s\n",
                scaling.text("%.2fx / %.2fx / %.2fx").c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vflow_bench_postgres: %s\n", e.what());
    return 1;
  }
  return 0;
}
