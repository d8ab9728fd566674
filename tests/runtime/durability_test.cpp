// Crash and concurrency, on each backend: processes killed with SIGKILL mid-loop lose no
// acknowledged event and duplicate none; processes firing into one instance, each with its own
// connection (four on SQLite, eight on PostgreSQL: the shared store of many CI runners), lose no
// update and see no busy database.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <cstdlib>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "tests/runtime/runtime_util.hpp"

namespace {

using namespace vflow;

// A child process running vflow_fire_loop, with its stdout readable through a pipe.
struct child {
  pid_t pid = -1;
  FILE* out = nullptr;
};

child spawn_loop(const std::string& db, const std::string& prefix, int count) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    const std::string n = std::to_string(count);
    execl(VFLOW_FIRE_LOOP, VFLOW_FIRE_LOOP, db.c_str(), "C-1", prefix.c_str(), n.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  return {pid, fdopen(fds[0], "r")};
}

// Reads "ack ID" lines until end of file.
std::vector<std::string> read_acks(FILE* f) {
  std::vector<std::string> acks;
  char line[256];
  while (std::fgets(line, sizeof line, f)) {
    std::string s(line);
    if (s.rfind("ack ", 0) == 0) acks.push_back(s.substr(4, s.size() - 5));
  }
  return acks;
}

std::string integrity_check(const std::string& db) {
  const std::string cmd = "sqlite3 '" + db + "' 'PRAGMA integrity_check' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[256];
  while (p && std::fgets(buf, sizeof buf, p)) out += buf;
  if (p) pclose(p);
  return out;
}

class Durability : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = test::fresh_database(GetParam(), dir);
    if (db_.empty()) GTEST_SKIP() << "no PostgreSQL server (set VFLOW_TEST_POSTGRES)";
    auto rt = runtime::engine_runtime::open(db());
    ASSERT_TRUE(rt.deploy({test::source("tests/flows/valid/counter.flow")}).ok());
    ASSERT_EQ(rt.start({.workflow = "Counter", .id = "C-1"}).status, runtime::status::ok);
  }
  const std::string& db() const { return db_; }
  bool sqlite() const { return GetParam() == "sqlite"; }

  // Checks the journal against the acknowledged event ids; returns the number of bump records.
  std::size_t check_journal(const std::set<std::string>& acked) {
    auto rt = runtime::engine_runtime::open(db());
    const auto history = *rt.history("C-1");
    std::map<std::string, int> seen;
    for (const auto& r : history) {
      if (r.kind == runtime::record_kind::event) ++seen[r.event_id.value_or("")];
    }
    for (const auto& [id, n] : seen)
      EXPECT_EQ(n, 1) << "event id " << id << " journaled " << n << " times";
    for (const auto& id : acked)
      EXPECT_EQ(seen.count(id), 1u) << "acknowledged " << id << " is missing";
    const auto v = rt.status("C-1");
    EXPECT_EQ(v->data[0].second, engine::value::of_int(static_cast<std::int64_t>(seen.size())));
    EXPECT_EQ(v->seq, static_cast<std::int64_t>(history.size()));
    const auto verified = rt.verify("C-1");
    EXPECT_TRUE(verified.consistent) << verified.message;
    if (sqlite()) {
      EXPECT_EQ(integrity_check(db()), "ok\n");
    }
    return seen.size();
  }

  test::temp_dir dir;
  std::string db_;
};

INSTANTIATE_TEST_SUITE_P(Backends, Durability, testing::ValuesIn(test::backends()),
                         test::backend_name);

// A positive count from the environment, or `fallback`.
int count_from_env(const char* name, int fallback) {
  const char* v = std::getenv(name);
  const int n = v ? std::atoi(v) : 0;
  return n > 0 ? n : fallback;
}

TEST_P(Durability, KilledWritersLoseNoAcknowledgedEvent) {
  std::mt19937 rng(7);
  std::set<std::string> acked;
  // A few in every test run; scripts/soak.sh asks for many more through the environment.
  const int trials = count_from_env("VFLOW_SOAK_TRIALS", 24);
  for (int trial = 0; trial < trials; ++trial) {
    child c = spawn_loop(db(), "t" + std::to_string(trial), 1000000);
    ASSERT_GT(c.pid, 0);
    // Killed only once it is writing (its first acknowledgement), however long a sanitized
    // process on a busy machine takes to get there; then at a random moment.
    char first[256];
    ASSERT_TRUE(std::fgets(first, sizeof first, c.out)) << "trial " << trial;
    const std::string line(first);
    if (line.rfind("ack ", 0) == 0) acked.insert(line.substr(4, line.size() - 5));
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 170));
    kill(c.pid, SIGKILL);
    int status = 0;
    waitpid(c.pid, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status)) << "trial " << trial << " ended before it was killed";
    for (auto& id : read_acks(c.out)) acked.insert(std::move(id));
    fclose(c.out);
  }
  const std::size_t journaled = check_journal(acked);
  EXPECT_GE(journaled, acked.size());
  EXPECT_GE(acked.size(), static_cast<std::size_t>(trials));  // every trial got some work done
}

TEST_P(Durability, ConcurrentWritersLoseNoUpdate) {
  const int writers = count_from_env("VFLOW_SOAK_WRITERS", sqlite() ? 4 : 8), per_writer = 150;
  std::vector<child> children;
  for (int w = 0; w < writers; ++w)
    children.push_back(spawn_loop(db(), "w" + std::to_string(w), per_writer));
  std::set<std::string> acked;
  for (auto& c : children) {
    ASSERT_GT(c.pid, 0);
    for (auto& id : read_acks(c.out)) acked.insert(std::move(id));
    fclose(c.out);
    int status = 0;
    waitpid(c.pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "a writer failed (a busy database must not reach the user)";
  }
  EXPECT_EQ(acked.size(), static_cast<std::size_t>(writers * per_writer));
  EXPECT_EQ(check_journal(acked), static_cast<std::size_t>(writers * per_writer));
}

}  // namespace
