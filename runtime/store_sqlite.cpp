// The SQLite store: the only file of the project that includes <sqlite3.h>. WAL journal,
// synchronous=FULL, BEGIN IMMEDIATE for every write, busy_timeout plus a bounded retry with
// jitter, mmap off, foreign keys on, schema versioned with PRAGMA user_version.
#include <sqlite3.h>

#include <chrono>
#include <random>
#include <thread>
#include <unordered_map>

#include "runtime/store.hpp"

namespace vflow::runtime {

namespace {

constexpr int schema_version = 3;

// Version 1 of the schema. Every statement is idempotent so a racing creator is harmless.
constexpr const char* schema_v1 = R"sql(
CREATE TABLE IF NOT EXISTS definitions (
  hash        TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  version     INTEGER NOT NULL,
  stream      TEXT NOT NULL,
  source      TEXT NOT NULL,
  source_name TEXT NOT NULL,
  deployed_at INTEGER NOT NULL,
  UNIQUE (name, version)
);
CREATE TABLE IF NOT EXISTS instances (
  id            TEXT PRIMARY KEY,
  definition    TEXT NOT NULL REFERENCES definitions (hash),
  workflow      TEXT NOT NULL,
  lifecycle     TEXT NOT NULL,
  configuration TEXT NOT NULL,
  data          TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_by_workflow ON instances (workflow, lifecycle);
CREATE TABLE IF NOT EXISTS journal (
  gseq        INTEGER PRIMARY KEY AUTOINCREMENT,
  instance    TEXT NOT NULL REFERENCES instances (id),
  seq         INTEGER NOT NULL,
  definition  TEXT NOT NULL REFERENCES definitions (hash),
  kind        TEXT NOT NULL,
  event       TEXT,
  params      TEXT NOT NULL,
  actor       TEXT,
  event_id    TEXT,
  at          INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  from_config TEXT NOT NULL,
  to_config   TEXT NOT NULL,
  changes     TEXT NOT NULL,
  outcome     TEXT NOT NULL,
  reason      TEXT,
  detail      TEXT NOT NULL,
  lifecycle   TEXT NOT NULL,
  UNIQUE (instance, seq)
);
CREATE UNIQUE INDEX IF NOT EXISTS journal_by_event_id ON journal (instance, event_id)
  WHERE event_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS journal_by_time ON journal (at);
-- The journal is append-only: history cannot be rewritten through SQL either.
CREATE TRIGGER IF NOT EXISTS journal_no_update BEFORE UPDATE ON journal
  BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER IF NOT EXISTS journal_no_delete BEFORE DELETE ON journal
  BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
)sql";

// Version 2: instances remember engine state besides data (rule conditions, later timers).
constexpr const char* schema_v2 = R"sql(
ALTER TABLE instances ADD COLUMN memory TEXT NOT NULL DEFAULT '{}';
)sql";

// Version 3: the earliest armed timer of each instance, indexed for `tick`.
constexpr const char* schema_v3 = R"sql(
ALTER TABLE instances ADD COLUMN next_due INTEGER;
CREATE INDEX IF NOT EXISTS instances_by_due ON instances (next_due) WHERE next_due IS NOT NULL;
)sql";

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& what) {
  const int code = db ? sqlite3_extended_errcode(db) : rc;
  const char* msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw store_error(code, what + ": " + (msg ? msg : sqlite3_errstr(rc)));
}

bool is_busy(int code) { return (code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED; }

// A prepared statement, reset after each use.
class statement {
 public:
  statement(sqlite3* db, const char* sql) : db_(db) {
    const int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, "preparing a statement");
  }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement() { sqlite3_finalize(stmt_); }

  // Binds the arguments to ?1, ?2, ... in order.
  template <typename... Args>
  statement& bind(const Args&... args) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    int i = 1;
    (bind_one(i++, args), ...);
    return *this;
  }

  // Steps once; true when a row is available.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) {
      sqlite3_reset(stmt_);
      return false;
    }
    sqlite3_reset(stmt_);
    fail(db_, rc, "executing a statement");
  }

  void run() {
    while (step()) {
    }
  }

  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  std::optional<std::int64_t> optional_integer(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return integer(col);
  }
  std::optional<std::string> optional_text(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return text(col);
  }
  void done() { sqlite3_reset(stmt_); }

 private:
  void bind_one(int i, std::int64_t v) { check(sqlite3_bind_int64(stmt_, i, v)); }
  void bind_one(int i, const std::string& v) {
    check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  void bind_one(int i, const std::optional<std::int64_t>& v) {
    if (v) {
      bind_one(i, *v);
    } else {
      check(sqlite3_bind_null(stmt_, i));
    }
  }
  void bind_one(int i, const std::optional<std::string>& v) {
    if (v) {
      bind_one(i, *v);
    } else {
      check(sqlite3_bind_null(stmt_, i));
    }
  }
  void check(int rc) {
    if (rc != SQLITE_OK) fail(db_, rc, "binding a parameter");
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class sqlite_store;

class sqlite_transaction : public store_transaction {
 public:
  explicit sqlite_transaction(sqlite_store& s) : s_(s) {}

  std::optional<definition_row> definition(const std::string& hash) override;
  std::optional<definition_row> latest_definition(const std::string& name) override;
  void insert_definition(const definition_row& d) override;
  std::optional<instance_row> instance(const std::string& id) override;
  void insert_instance(const instance_row& i) override;
  void update_instance(const instance_row& i) override;
  std::optional<journal_row> journal_by_event_id(const std::string& instance,
                                                 const std::string& event_id) override;
  void append_journal(journal_row& r) override;
  std::vector<journal_row> history(const std::string& instance) override;
  std::vector<instance_row> list(const instance_filter& f) override;
  std::vector<std::string> due_instances(std::int64_t now, std::size_t limit) override;

 private:
  sqlite_store& s_;
};

class sqlite_store : public store {
 public:
  sqlite_store(const std::string& path, const sqlite_options& o) : options_(o) {
    int flags = SQLITE_OPEN_NOMUTEX;
    flags |= o.read_only ? SQLITE_OPEN_READONLY
                         : (SQLITE_OPEN_READWRITE | (o.create ? SQLITE_OPEN_CREATE : 0));
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      const int code = db_ ? sqlite3_extended_errcode(db_) : rc;
      sqlite3_close(db_);
      db_ = nullptr;
      throw store_error(code, "cannot open database " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, o.busy_timeout_ms);
    try {
      configure(path);
    } catch (...) {
      statements_.clear();
      sqlite3_close(db_);
      throw;
    }
  }

  ~sqlite_store() override {
    statements_.clear();
    sqlite3_close(db_);
  }

  void write(const std::function<void(store_transaction&)>& work) override {
    with_retry([&] {
      in_transaction("BEGIN IMMEDIATE", [&] {
        sqlite_transaction t(*this);
        work(t);
      });
    });
  }

  void read(const std::function<void(store_transaction&)>& work) override {
    with_retry([&] {
      in_transaction("BEGIN", [&] {
        sqlite_transaction t(*this);
        work(t);
      });
    });
  }

  std::string backend() const override { return std::string("SQLite ") + sqlite3_libversion(); }

  // The cached prepared statement for `sql` (statements are reused across transactions).
  statement& prepare(const char* sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      it = statements_.emplace(sql, std::make_unique<statement>(db_, sql)).first;
    }
    return *it->second;
  }

 private:
  void exec(const char* sql) {
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc, std::string("executing ") + sql);
  }

  // Runs `body` between `begin` and COMMIT; any exception rolls back and propagates.
  template <typename F>
  void in_transaction(const char* begin, F&& body) {
    exec(begin);
    try {
      body();
      exec("COMMIT");
    } catch (...) {
      if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  // Runs `attempt` again when the database is busy beyond busy_timeout (for example while the
  // last connection of another process checkpoints and removes the WAL, when SQLite reports
  // SQLITE_BUSY without waiting), with jittered back-off, until the busy timeout has passed
  // since the first attempt.
  template <typename F>
  void with_retry(F&& attempt) {
    const auto start = std::chrono::steady_clock::now();
    const auto budget = std::chrono::milliseconds(options_.busy_timeout_ms);
    std::minstd_rand rng(static_cast<unsigned>(start.time_since_epoch().count()));
    for (int tries = 0;; ++tries) {
      try {
        attempt();
        return;
      } catch (const store_error& e) {
        const bool out_of_time = std::chrono::steady_clock::now() - start >= budget;
        if (!is_busy(e.code()) || tries >= options_.busy_retries || out_of_time) throw;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2 + rng() % 20));
    }
  }

  void configure(const std::string& path) {
    exec("PRAGMA foreign_keys = ON");
    exec("PRAGMA mmap_size = 0");
    exec("PRAGMA trusted_schema = OFF");
    const std::string sync = options_.synchronous == "NORMAL" ? "NORMAL" : "FULL";
    exec(("PRAGMA synchronous = " + sync).c_str());
    if (options_.read_only) {
      check_version(path, read_user_version());
      return;
    }
    with_retry([&] {
      if (read_user_version() == schema_version) return;
      // WAL is a property of the file: set once, when the schema is created.
      exec("PRAGMA journal_mode = WAL");
      in_transaction("BEGIN IMMEDIATE", [&] {
        const int version = read_user_version();
        check_version(path, version);
        // Each migration runs in order, all in this one transaction.
        if (version < 1) exec(schema_v1);
        if (version < 2) exec(schema_v2);
        if (version < 3) exec(schema_v3);
        if (version < schema_version) {
          exec(("PRAGMA user_version = " + std::to_string(schema_version)).c_str());
        }
      });
    });
  }

  void check_version(const std::string& path, int version) {
    if (version > schema_version) {
      throw store_error(SQLITE_ERROR, "database " + path + " has schema version " +
                                          std::to_string(version) + ", newer than this vflow (" +
                                          std::to_string(schema_version) + "): upgrade vflow");
    }
  }

  int read_user_version() {
    statement s(db_, "PRAGMA user_version");
    const int v = s.step() ? static_cast<int>(s.integer(0)) : 0;
    s.done();
    return v;
  }

  sqlite3* db_ = nullptr;
  sqlite_options options_;
  std::unordered_map<const char*, std::unique_ptr<statement>> statements_;
};

// The one row a bound statement selects, read by `read`; nothing when there is none.
template <typename Read>
auto one_row(statement& s, Read read) -> std::optional<decltype(read(s))> {
  if (!s.step()) return std::nullopt;
  auto row = read(s);
  s.done();
  return row;
}

definition_row read_definition(const statement& s) {
  return {s.text(0), s.text(1), s.integer(2), s.text(3), s.text(4), s.text(5), s.integer(6)};
}

std::optional<definition_row> sqlite_transaction::definition(const std::string& hash) {
  auto& s = s_.prepare(
      "SELECT hash, name, version, stream, source, source_name, deployed_at FROM definitions "
      "WHERE hash = ?1");
  return one_row(s.bind(hash), read_definition);
}

std::optional<definition_row> sqlite_transaction::latest_definition(const std::string& name) {
  auto& s = s_.prepare(
      "SELECT hash, name, version, stream, source, source_name, deployed_at FROM definitions "
      "WHERE name = ?1 ORDER BY version DESC LIMIT 1");
  return one_row(s.bind(name), read_definition);
}

void sqlite_transaction::insert_definition(const definition_row& d) {
  s_.prepare(
        "INSERT INTO definitions (hash, name, version, stream, source, source_name, deployed_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
      .bind(d.hash, d.name, d.version, d.stream, d.source, d.source_name, d.deployed_at)
      .run();
}

instance_row read_instance(const statement& s) {
  instance_row r;
  r.id = s.text(0);
  r.definition = s.text(1);
  r.workflow = s.text(2);
  r.lifecycle = s.text(3);
  r.configuration = s.text(4);
  r.data = s.text(5);
  r.seq = s.integer(6);
  r.created_at = s.integer(7);
  r.updated_at = s.integer(8);
  r.memory = s.text(9);
  r.next_due = s.optional_integer(10);
  return r;
}

std::optional<instance_row> sqlite_transaction::instance(const std::string& id) {
  auto& s = s_.prepare(
      "SELECT id, definition, workflow, lifecycle, configuration, data, seq, created_at, "
      "updated_at, memory, next_due FROM instances WHERE id = ?1");
  return one_row(s.bind(id), read_instance);
}

void sqlite_transaction::insert_instance(const instance_row& i) {
  s_.prepare(
        "INSERT INTO instances (id, definition, workflow, lifecycle, configuration, data, seq, "
        "created_at, updated_at, memory, next_due) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
        "?10, "
        "?11)")
      .bind(i.id, i.definition, i.workflow, i.lifecycle, i.configuration, i.data, i.seq,
            i.created_at, i.updated_at, i.memory, i.next_due)
      .run();
}

void sqlite_transaction::update_instance(const instance_row& i) {
  s_.prepare(
        "UPDATE instances SET lifecycle = ?2, configuration = ?3, data = ?4, seq = ?5, "
        "updated_at = ?6, memory = ?7, next_due = ?8 WHERE id = ?1")
      .bind(i.id, i.lifecycle, i.configuration, i.data, i.seq, i.updated_at, i.memory, i.next_due)
      .run();
}

constexpr const char* journal_select =
    "SELECT gseq, instance, seq, definition, kind, event, params, actor, event_id, at, "
    "recorded_at, from_config, to_config, changes, outcome, reason, detail, lifecycle FROM "
    "journal ";

journal_row read_journal(const statement& s) {
  journal_row r;
  r.gseq = s.integer(0);
  r.instance = s.text(1);
  r.seq = s.integer(2);
  r.definition = s.text(3);
  r.kind = s.text(4);
  r.event = s.optional_text(5);
  r.params = s.text(6);
  r.actor = s.optional_text(7);
  r.event_id = s.optional_text(8);
  r.at = s.integer(9);
  r.recorded_at = s.integer(10);
  r.from_config = s.text(11);
  r.to_config = s.text(12);
  r.changes = s.text(13);
  r.outcome = s.text(14);
  r.reason = s.optional_text(15);
  r.detail = s.text(16);
  r.lifecycle = s.text(17);
  return r;
}

std::optional<journal_row> sqlite_transaction::journal_by_event_id(const std::string& instance,
                                                                   const std::string& event_id) {
  static const std::string sql =
      std::string(journal_select) + "WHERE instance = ?1 AND event_id = ?2";
  auto& s = s_.prepare(sql.c_str());
  return one_row(s.bind(instance, event_id), read_journal);
}

void sqlite_transaction::append_journal(journal_row& r) {
  auto& s = s_.prepare(
      "INSERT INTO journal (instance, seq, definition, kind, event, params, actor, event_id, at, "
      "recorded_at, from_config, to_config, changes, outcome, reason, detail, lifecycle) VALUES "
      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) "
      "RETURNING gseq");
  s.bind(r.instance, r.seq, r.definition, r.kind, r.event, r.params, r.actor, r.event_id, r.at,
         r.recorded_at, r.from_config, r.to_config, r.changes, r.outcome, r.reason, r.detail,
         r.lifecycle);
  if (s.step()) r.gseq = s.integer(0);
  s.run();
}

std::vector<journal_row> sqlite_transaction::history(const std::string& instance) {
  static const std::string sql = std::string(journal_select) + "WHERE instance = ?1 ORDER BY seq";
  auto& s = s_.prepare(sql.c_str());
  std::vector<journal_row> out;
  s.bind(instance);
  while (s.step()) out.push_back(read_journal(s));
  return out;
}

std::vector<instance_row> sqlite_transaction::list(const instance_filter& f) {
  // NULL parameters match everything; the state filter matches one name of the JSON array.
  auto& s = s_.prepare(
      "SELECT id, definition, workflow, lifecycle, configuration, data, seq, created_at, "
      "updated_at, memory, next_due FROM instances WHERE (?1 IS NULL OR workflow = ?1) AND "
      "(?2 IS NULL OR lifecycle = ?2) AND "
      "(?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(configuration) WHERE value = ?3)) "
      "ORDER BY created_at, id LIMIT ?4");
  std::vector<instance_row> out;
  s.bind(f.workflow, f.lifecycle, f.state, static_cast<std::int64_t>(f.limit));
  while (s.step()) out.push_back(read_instance(s));
  return out;
}

std::vector<std::string> sqlite_transaction::due_instances(std::int64_t now, std::size_t limit) {
  auto& s = s_.prepare(
      "SELECT id FROM instances WHERE next_due IS NOT NULL AND next_due <= ?1 AND "
      "lifecycle = 'active' ORDER BY next_due, id LIMIT ?2");
  std::vector<std::string> out;
  s.bind(now, static_cast<std::int64_t>(limit));
  while (s.step()) out.push_back(s.text(0));
  return out;
}

}  // namespace

std::unique_ptr<store> open_sqlite_store(const std::string& path, const sqlite_options& options) {
  return std::make_unique<sqlite_store>(path, options);
}

std::string sqlite_version() { return sqlite3_libversion(); }

}  // namespace vflow::runtime
