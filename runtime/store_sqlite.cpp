// The SQLite store: the only file of the project that includes <sqlite3.h>. WAL journal,
// synchronous=FULL, BEGIN IMMEDIATE for every write, busy_timeout plus a bounded retry with
// jitter, mmap off, foreign keys on, schema versioned with PRAGMA user_version.
#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>
#include <unordered_map>
#include <variant>

#include "engine/text.hpp"
#include "runtime/chain.hpp"
#include "runtime/store.hpp"
#include "runtime/store_sqlite_query.hpp"
#include "runtime/store_sqlite_schema.hpp"

namespace vflow::runtime {

namespace {

constexpr int schema_version = 8;

// PRAGMA application_id of every vflow database ('vflw'): what tells a vflow database from
// another application's SQLite file, which vflow must never change.
constexpr int application_id = 0x76666c77;

// What a failure means for the user, in words that name no SQL, PRAGMA or internal step.
std::string plain_message(int code, const char* sqlite_message) {
  switch (code & 0xff) {
    case SQLITE_READONLY: return "the database is read-only for this user";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "the database is locked by another process (wait longer with --busy-timeout MS)";
    case SQLITE_FULL: return "the disk is full";
    case SQLITE_CANTOPEN: return "the file cannot be opened";
    case SQLITE_IOERR: return "an I/O error occurred";
    case SQLITE_CORRUPT: return "the database file is corrupt";
    case SQLITE_NOTADB: return "it is not a vflow database (not an SQLite file)";
    case SQLITE_PERM: return "permission denied";
    default: return sqlite_message ? sqlite_message : sqlite3_errstr(code);
  }
}

[[noreturn]] void fail(sqlite3* db, int rc) {
  const int code = db ? sqlite3_extended_errcode(db) : rc;
  throw store_error(code, plain_message(code, db ? sqlite3_errmsg(db) : nullptr));
}

bool is_busy(int code) { return (code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED; }

// A prepared statement, reset after each use.
class statement {
 public:
  statement(sqlite3* db, const char* sql) : db_(db) {
    const int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) fail(db, rc);
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

  // Binds `values` to ?1, ?2, ... in order (a statement whose text is composed at run time).
  statement& bind_values(const std::vector<std::variant<std::int64_t, std::string>>& values) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    int i = 1;
    for (const auto& v : values) std::visit([&](const auto& x) { bind_one(i++, x); }, v);
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
    fail(db_, rc);
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
  // An enumeration from its spelling: a store error when the store holds one this vflow does not
  // know (a database someone else wrote or altered).
  template <typename E>
  E spelled(int col, std::optional<E> (*parse)(std::string_view), const char* what) const {
    const std::string t = text(col);
    if (const auto v = parse(t)) return *v;
    throw store_error(-1, std::string("the database holds a record this vflow cannot read (") +
                              what + " '" + engine::escape_for_terminal(t) +
                              "'): it was not written by vflow, or has been altered");
  }
  void done() { sqlite3_reset(stmt_); }

 private:
  void bind_one(int i, std::int64_t v) { check(sqlite3_bind_int64(stmt_, i, v)); }
  // An enumeration by its spelling in the store (to_string).
  template <typename E, typename = std::enable_if_t<std::is_enum_v<E>>>
  void bind_one(int i, E v) {
    bind_one(i, std::string(to_string(v)));
  }
  template <typename E, typename = std::enable_if_t<std::is_enum_v<E>>>
  void bind_one(int i, const std::optional<E>& v) {
    if (v) {
      bind_one(i, *v);
    } else {
      check(sqlite3_bind_null(stmt_, i));
    }
  }
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
    if (rc != SQLITE_OK) fail(db_, rc);
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
  std::optional<definition_row> definition_version(const std::string& name,
                                                   std::int64_t version) override;
  std::optional<definition_row> current_definition(const std::string& name) override;
  void set_current(const std::string& name, const std::string& hash, std::int64_t at) override;
  void insert_definition(const definition_row& d) override;
  std::optional<instance_row> instance(const std::string& id) override;
  void insert_instance(const instance_row& i) override;
  void update_instance(const instance_row& i) override;
  std::optional<journal_row> journal_by_event_id(const std::string& instance,
                                                 const std::string& event_id) override;
  std::vector<journal_row> history(const std::string& instance) override;
  std::vector<instance_row> list(const instance_filter& f) override;
  std::vector<std::string> due_instances(std::int64_t now, std::size_t limit) override;
  std::vector<instance_row> find_instances(const find_filter& f) override;
  std::vector<journal_row> find_records(const find_filter& f) override;
  journal_head head() override;
  std::optional<std::string> record_hash(const std::string& instance, std::int64_t seq) override;
  std::vector<journal_row> journal_after(std::int64_t after, std::size_t limit) override;
  std::vector<definition_row> definitions() override;
  std::vector<journal_note> journal_notes() override;
  std::vector<link_row> links_from(const std::string& source) override;
  std::vector<link_row> links_to(const std::string& target) override;
  void insert_link(const link_row& l) override;
  void delete_link(const std::string& source, const std::string& name,
                   const std::string& target) override;

 protected:
  void insert_journal(const journal_row& r) override;

 private:
  sqlite_store& s_;
};

class sqlite_store : public store {
 public:
  sqlite_store(const std::string& path, const sqlite_options& o) : path_(path), options_(o) {
    const bool exists = std::filesystem::exists(path);
    if (!exists && !o.create) {
      throw store_error(SQLITE_CANTOPEN,
                        "no vflow database at " + path + "; run `vflow deploy` to create one");
    }
    if (!exists) create_private_file(path);
    open(path, o.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);
    try {
      configure();
    } catch (const store_error& e) {
      close();
      // A database in a directory this user may not write, whose -wal and -shm files are gone
      // (its last writer closed it cleanly), is complete in its main file: read it as an
      // immutable file. Not safe while a writer works on it, which would need those files.
      const bool cannot_open =
          (e.code() & 0xff) == SQLITE_CANTOPEN || (e.code() & 0xff) == SQLITE_READONLY;
      if (!o.read_only || !cannot_open || std::filesystem::exists(path + "-wal")) throw;
      open("file:" + uri_path(path) + "?immutable=1", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
      try {
        configure();
      } catch (...) {
        close();
        throw;
      }
    } catch (...) {
      close();
      throw;
    }
  }

  ~sqlite_store() override { close(); }

  void write(const std::function<void(store_transaction&)>& work) override {
    naming_the_file("cannot write", [&] {
      with_retry([&] {
        in_transaction("BEGIN IMMEDIATE", [&] {
          sqlite_transaction t(*this);
          work(t);
        });
      });
    });
  }

  void read(const std::function<void(store_transaction&)>& work) override {
    naming_the_file("cannot read", [&] {
      with_retry([&] {
        in_transaction("BEGIN", [&] {
          sqlite_transaction t(*this);
          work(t);
        });
      });
    });
  }

  query_result query(const std::string& sql, const query_limits& limits) override {
    query_result out;
    naming_the_file("cannot read", [&] {
      with_retry(
          [&] { in_transaction("BEGIN", [&] { out = sqlite_query::run(db_, sql, limits); }); });
    });
    return out;
  }

  std::string backend() const override { return std::string("SQLite ") + sqlite3_libversion(); }

  // The cached prepared statement for `sql` (statements are reused across transactions).
  statement& prepare(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      it = statements_.emplace(sql, std::make_unique<statement>(db_, sql.c_str())).first;
    }
    return *it->second;
  }
  // The same for a string literal, found by its address without building a key on every call
  // (most statements are literals, prepared on every request).
  template <std::size_t N>
  statement& prepare(const char (&sql)[N]) {
    const auto it = by_literal_.find(sql);
    if (it != by_literal_.end()) return *it->second;
    statement& s = prepare(std::string(sql, N - 1));
    by_literal_.emplace(sql, &s);
    return s;
  }

 private:
  void exec(const char* sql) {
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc);
  }

  // Runs `body`; a store failure says which database it was about.
  template <typename F>
  void naming_the_file(const char* verb, F&& body) {
    try {
      body();
    } catch (const store_error& e) {
      throw store_error(e.code(), std::string(verb) + " database " + path_ + ": " + e.what());
    }
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

  // Opens the connection; the messages name the file, never SQLite's internals.
  void open(const std::string& name, int flags) {
    const int rc = sqlite3_open_v2(name.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      const int code = db_ ? sqlite3_extended_errcode(db_) : rc;
      close();
      throw store_error(code,
                        "cannot open database " + name + ": " + plain_message(code, msg.c_str()));
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, options_.busy_timeout_ms);
  }

  void close() {
    by_literal_.clear();
    statements_.clear();
    sqlite3_close(db_);
    db_ = nullptr;
  }

  // Creates an empty database file readable and writable by its owner only: journals hold
  // personal data. SQLite gives the -wal and -shm files the same permissions.
  static void create_private_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) {
      throw store_error(SQLITE_CANTOPEN,
                        "cannot create database " + path + ": " + std::strerror(errno));
    }
    if (fd >= 0) ::close(fd);
  }

  // `path` with the characters a URI gives a meaning to escaped.
  static std::string uri_path(const std::string& path) {
    std::string out;
    for (const char c : path) {
      if (c == '%' || c == '?' || c == '#') {
        static constexpr char hex[] = "0123456789ABCDEF";
        out += '%';
        out += hex[(static_cast<unsigned char>(c) >> 4) & 0xf];
        out += hex[static_cast<unsigned char>(c) & 0xf];
      } else {
        out += c;
      }
    }
    return out;
  }

  // What the file holds, read before anything is written to it.
  struct identity {
    int application = 0;
    int version = 0;
    bool empty = true;          // no schema object at all
    bool vflow_tables = false;  // a database of vflow 0.1, made before the application id
  };

  identity identify() {
    identity id;
    try {
      id.application = static_cast<int>(single_integer("PRAGMA application_id"));
      id.version = static_cast<int>(single_integer("PRAGMA user_version"));
      id.empty = single_integer("SELECT count(*) FROM sqlite_schema") == 0;
      id.vflow_tables = single_integer(
                            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                            "('definitions', 'instances', 'journal')") == 3;
    } catch (const store_error& e) {
      if ((e.code() & 0xff) == SQLITE_CANTOPEN) {
        throw store_error(e.code(),
                          "its -wal and -shm files are missing or unreadable and "
                          "cannot be created here; read it where you may write the "
                          "directory, or ask its owner to close every writer");
      }
      throw;
    }
    return id;
  }

  std::int64_t single_integer(const char* sql) {
    statement s(db_, sql);
    const std::int64_t v = s.step() ? s.integer(0) : 0;
    s.done();
    return v;
  }

  void configure() {
    naming_the_file("cannot open", [&] { configure_connection(); });
  }

  void configure_connection() {
    exec("PRAGMA foreign_keys = ON");
    exec("PRAGMA mmap_size = 0");
    exec("PRAGMA trusted_schema = OFF");
    const std::string sync = options_.synchronous == "NORMAL" ? "NORMAL" : "FULL";
    exec(("PRAGMA synchronous = " + sync).c_str());
    with_retry([&] { check_identity(identify()); });
    if (options_.read_only) return;
    // Writers keep the -wal and -shm files when they close, so that readers without write access
    // to the directory can still open the database.
    int persist = 1;
    sqlite3_file_control(db_, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    with_retry([&] {
      const identity before = identify();
      if (before.version == schema_version && before.application == application_id) return;
      // WAL is a property of the file: set once, when the schema is created.
      exec("PRAGMA journal_mode = WAL");
      in_transaction("BEGIN IMMEDIATE", [&] {
        const identity id = identify();  // again, under the write lock
        check_identity(id);
        // Each migration runs in order, all in this one transaction.
        if (id.version < 1) exec(sqlite_schema::schema_v1);
        if (id.version < 2) exec(sqlite_schema::schema_v2);
        if (id.version < 3) exec(sqlite_schema::schema_v3);
        if (id.version < 4) exec(sqlite_schema::schema_v4);
        if (id.version < 5) exec(sqlite_schema::schema_v5);
        if (id.version < 6) {
          exec(sqlite_schema::schema_v6);
          chain_existing_records(id.version);
        }
        if (id.version < 7) exec(sqlite_schema::schema_v7);
        if (id.version < 8) {
          exec(sqlite_schema::schema_v8);
          seal_existing_definitions(id.version);
        }
        exec(("PRAGMA application_id = " + std::to_string(application_id)).c_str());
        exec(("PRAGMA user_version = " + std::to_string(schema_version)).c_str());
      });
    });
  }

  // Chains the records of a journal written before the hash chain, in global order, and notes
  // that it did: their content before now is not proven by the chain. Part of the migration's
  // transaction, so a journal is chained entirely or not at all.
  void chain_existing_records(int from_version) {
    std::int64_t count = 0;
    {
      exec("DROP TRIGGER IF EXISTS journal_no_update");
      sqlite_transaction t(*this);
      std::unordered_map<std::string, std::string> last_of_instance;
      journal_head head;
      statement update(db_, "UPDATE journal SET hash = ?2 WHERE gseq = ?1");
      for (;;) {
        const auto page = t.journal_after(head.gseq, 4096);
        if (page.empty()) break;
        for (const journal_row& r : page) {
          std::string& previous = last_of_instance[r.instance];
          const std::string hash = chain_hash(r, previous, head.hash);
          update.bind(r.gseq, hash).run();
          previous = hash;
          head = {r.gseq, hash};
          ++count;
        }
      }
      exec(
          "CREATE TRIGGER IF NOT EXISTS journal_no_update BEFORE UPDATE ON journal "
          "BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;");
      if (count == 0) return;
      const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      statement note(db_,
                     "INSERT INTO journal_notes (at, kind, upto_gseq, text) VALUES (?1, 'chained', "
                     "?2, ?3)");
      note.bind(static_cast<std::int64_t>(now), head.gseq,
                std::string("records 1 to ") + std::to_string(head.gseq) +
                    " were written before the journal was hash-chained (schema " +
                    std::to_string(from_version) +
                    ") and chained when the database was migrated: the chain proves they have "
                    "not changed since then, not before")
          .run();
    }
  }

  // Seals the definitions deployed before definitions were sealed (runtime/chain.hpp), and notes
  // that it did. Part of the migration's transaction.
  void seal_existing_definitions(int from_version) {
    exec("DROP TRIGGER IF EXISTS definitions_no_update");
    std::int64_t count = 0;
    {
      sqlite_transaction t(*this);
      statement update(db_, "UPDATE definitions SET seal = ?2 WHERE hash = ?1");
      for (const definition_row& d : t.definitions()) {
        update.bind(d.hash, definition_seal(d)).run();
        ++count;
      }
    }
    exec(
        "CREATE TRIGGER IF NOT EXISTS definitions_no_update BEFORE UPDATE ON definitions "
        "BEGIN SELECT RAISE(ABORT, 'deployed definitions cannot be changed'); END;");
    if (count == 0) return;
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    statement note(db_,
                   "INSERT INTO journal_notes (at, kind, upto_gseq, text) VALUES (?1, 'sealed', "
                   "(SELECT coalesce(max(gseq), 0) FROM journal), ?2)");
    note.bind(static_cast<std::int64_t>(now),
              std::to_string(count) + (count == 1 ? " definition" : " definitions") +
                  " deployed before definitions were sealed (schema " +
                  std::to_string(from_version) +
                  (count == 1 ? ") was sealed when the database was migrated, with"
                              : ") were sealed when the database was migrated, each with") +
                  " the signatures it was checked against: the seal proves those have not "
                  "changed since then, not before")
        .run();
  }

  // Refuses a file vflow did not make (or may not initialise here) and a newer schema.
  void check_identity(const identity& id) {
    const bool ours = id.application == application_id ||
                      (id.application == 0 && id.vflow_tables && id.version >= 1);
    if (!ours && !(id.application == 0 && id.empty)) {
      throw store_error(SQLITE_ERROR,
                        "it is not a vflow database (it belongs to another application); nothing "
                        "was changed");
    }
    if (!ours && !options_.create) {
      throw store_error(SQLITE_CANTOPEN,
                        "the file is empty; run `vflow deploy` to make it a vflow database");
    }
    if (id.version > schema_version) {
      throw store_error(SQLITE_ERROR, "it has schema version " + std::to_string(id.version) +
                                          ", newer than this vflow (" +
                                          std::to_string(schema_version) + "): upgrade vflow");
    }
    if (options_.read_only && ours && id.version < schema_version) {
      throw store_error(SQLITE_READONLY, "it has schema version " + std::to_string(id.version) +
                                             ": run a writing vflow command on it once to "
                                             "upgrade it");
    }
  }

  sqlite3* db_ = nullptr;
  std::string path_;
  sqlite_options options_;
  // By SQL text: the fixed statements, and the few shapes `find` composes.
  std::unordered_map<std::string, std::unique_ptr<statement>> statements_;
  std::unordered_map<const char*, statement*> by_literal_;  // into statements_
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
  return {s.text(0), s.text(1),    s.integer(2), s.text(3), s.text(4),
          s.text(5), s.integer(6), s.text(7),    s.text(8)};
}

std::optional<definition_row> sqlite_transaction::definition(const std::string& hash) {
  auto& s = s_.prepare(
      "SELECT hash, name, version, stream, source, source_name, deployed_at, imports, seal FROM "
      "definitions "
      "WHERE hash = ?1");
  return one_row(s.bind(hash), read_definition);
}

std::optional<definition_row> sqlite_transaction::latest_definition(const std::string& name) {
  auto& s = s_.prepare(
      "SELECT hash, name, version, stream, source, source_name, deployed_at, imports, seal FROM "
      "definitions "
      "WHERE name = ?1 ORDER BY version DESC LIMIT 1");
  return one_row(s.bind(name), read_definition);
}

std::optional<definition_row> sqlite_transaction::definition_version(const std::string& name,
                                                                     std::int64_t version) {
  auto& s = s_.prepare(
      "SELECT hash, name, version, stream, source, source_name, deployed_at, imports, seal FROM "
      "definitions "
      "WHERE name = ?1 AND version = ?2");
  return one_row(s.bind(name, version), read_definition);
}

std::optional<definition_row> sqlite_transaction::current_definition(const std::string& name) {
  auto& s = s_.prepare(
      "SELECT d.hash, d.name, d.version, d.stream, d.source, d.source_name, d.deployed_at, "
      "d.imports, d.seal FROM "
      "current_definitions AS c JOIN definitions AS d ON d.hash = c.hash WHERE c.name = ?1");
  return one_row(s.bind(name), read_definition);
}

void sqlite_transaction::set_current(const std::string& name, const std::string& hash,
                                     std::int64_t at) {
  s_.prepare(
        "INSERT INTO current_definitions (name, hash, since) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, since = excluded.since")
      .bind(name, hash, at)
      .run();
}

void sqlite_transaction::insert_definition(const definition_row& d) {
  s_.prepare(
        "INSERT INTO definitions (hash, name, version, stream, source, source_name, deployed_at, "
        "imports, seal) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
      .bind(d.hash, d.name, d.version, d.stream, d.source, d.source_name, d.deployed_at, d.imports,
            d.seal)
      .run();
}

instance_row read_instance(const statement& s) {
  instance_row r;
  r.id = s.text(0);
  r.definition = s.text(1);
  r.workflow = s.text(2);
  r.lifecycle = s.spelled(3, parse_lifecycle, "lifecycle");
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
    "recorded_at, from_config, to_config, changes, outcome, reason, detail, lifecycle, cause, "
    "hash FROM journal ";

journal_row read_journal(const statement& s) {
  journal_row r;
  r.gseq = s.integer(0);
  r.instance = s.text(1);
  r.seq = s.integer(2);
  r.definition = s.text(3);
  r.kind = s.spelled(4, parse_record_kind, "record kind");
  r.event = s.optional_text(5);
  r.params = s.text(6);
  r.actor = s.optional_text(7);
  r.event_id = s.optional_text(8);
  r.at = s.integer(9);
  r.recorded_at = s.integer(10);
  r.from_config = s.text(11);
  r.to_config = s.text(12);
  r.changes = s.text(13);
  r.outcome = s.spelled(14, parse_record_outcome, "outcome");
  r.reason = s.optional_text(15);
  r.detail = s.text(16);
  r.lifecycle = s.spelled(17, parse_lifecycle, "lifecycle");
  r.cause = s.optional_integer(18);
  r.hash = s.text(19);
  return r;
}

std::optional<journal_row> sqlite_transaction::journal_by_event_id(const std::string& instance,
                                                                   const std::string& event_id) {
  static const std::string sql =
      std::string(journal_select) + "WHERE instance = ?1 AND event_id = ?2";
  auto& s = s_.prepare(sql);
  return one_row(s.bind(instance, event_id), read_journal);
}

void sqlite_transaction::insert_journal(const journal_row& r) {
  s_.prepare(
        "INSERT INTO journal (gseq, instance, seq, definition, kind, event, params, actor, "
        "event_id, at, recorded_at, from_config, to_config, changes, outcome, reason, detail, "
        "lifecycle, cause, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
        "?14, ?15, ?16, ?17, ?18, ?19, ?20)")
      .bind(r.gseq, r.instance, r.seq, r.definition, r.kind, r.event, r.params, r.actor, r.event_id,
            r.at, r.recorded_at, r.from_config, r.to_config, r.changes, r.outcome, r.reason,
            r.detail, r.lifecycle, r.cause, r.hash)
      .run();
}

journal_head sqlite_transaction::head() {
  auto& s = s_.prepare("SELECT gseq, hash FROM journal ORDER BY gseq DESC LIMIT 1");
  return one_row(s.bind(),
                 [](const statement& x) {
                   return journal_head{x.integer(0), x.text(1)};
                 })
      .value_or(journal_head{});
}

std::optional<std::string> sqlite_transaction::record_hash(const std::string& instance,
                                                           std::int64_t seq) {
  auto& s = s_.prepare("SELECT hash FROM journal WHERE instance = ?1 AND seq = ?2");
  return one_row(s.bind(instance, seq), [](const statement& x) { return x.text(0); });
}

std::vector<journal_row> sqlite_transaction::journal_after(std::int64_t after, std::size_t limit) {
  static const std::string sql =
      std::string(journal_select) + "WHERE gseq > ?1 ORDER BY gseq LIMIT ?2";
  auto& s = s_.prepare(sql);
  std::vector<journal_row> out;
  out.reserve(std::min<std::size_t>(limit, 4096));
  s.bind(after, static_cast<std::int64_t>(limit));
  while (s.step()) out.push_back(read_journal(s));
  return out;
}

std::vector<definition_row> sqlite_transaction::definitions() {
  auto& s = s_.prepare(
      "SELECT hash, name, version, stream, source, source_name, deployed_at, imports, seal FROM "
      "definitions ORDER BY name, version");
  std::vector<definition_row> out;
  s.bind();
  while (s.step()) out.push_back(read_definition(s));
  return out;
}

std::vector<journal_note> sqlite_transaction::journal_notes() {
  auto& s = s_.prepare("SELECT at, kind, upto_gseq, text FROM journal_notes ORDER BY rowid");
  std::vector<journal_note> out;
  s.bind();
  while (s.step()) out.push_back({s.integer(0), s.text(1), s.integer(2), s.text(3)});
  return out;
}

std::vector<journal_row> sqlite_transaction::history(const std::string& instance) {
  static const std::string sql = std::string(journal_select) + "WHERE instance = ?1 ORDER BY seq";
  auto& s = s_.prepare(sql);
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

// The WHERE clause of a `find`, composed of the criteria given only (so that SQLite can use the
// journal's and instances' indexes), with its values bound in order.
class find_query {
 public:
  // `?N` for the next value.
  template <typename T>
  std::string value(T v) {
    values_.emplace_back(std::move(v));
    return "?" + std::to_string(values_.size());
  }
  void where(const std::string& clause) { sql_ += (sql_.empty() ? "" : " AND ") + clause; }
  std::string conditions() const { return sql_.empty() ? "1" : sql_; }
  const std::vector<std::variant<std::int64_t, std::string>>& values() const { return values_; }

  // The criteria on an instance `i` of definition `d`.
  void instance_criteria(const find_filter& f) {
    if (f.workflow) where("i.workflow = " + value(*f.workflow));
    if (f.version) where("d.version = " + value(*f.version));
    if (f.stream) where("d.stream = " + value(*f.stream));
    if (f.lifecycle) where("i.lifecycle = " + value(std::string(to_string(*f.lifecycle))));
    if (f.state) {
      where("EXISTS (SELECT 1 FROM json_each(i.configuration) WHERE value = " + value(*f.state) +
            ")");
    }
    if (f.ever) {
      where(
          "EXISTS (SELECT 1 FROM journal AS e, json_each(e.to_config) AS s WHERE e.instance = "
          "i.id AND s.value = " +
          value(*f.ever) + ")");
    }
    if (f.during && f.during_from && f.during_to) {
      // A record put it in the state before the range ends, and it left only when the range had
      // begun, or never.
      const std::string state = value(*f.during), from = value(*f.during_from),
                        to = value(*f.during_to);
      where("EXISTS (SELECT 1 FROM journal AS e WHERE e.instance = i.id AND e.at < " + to +
            " AND EXISTS (SELECT 1 FROM json_each(e.to_config) WHERE value = " + state +
            ") AND coalesce((SELECT min(n.at) FROM journal AS n WHERE n.instance = e.instance "
            "AND n.seq > e.seq AND NOT EXISTS (SELECT 1 FROM json_each(n.to_config) WHERE value "
            "= " +
            state + ")), " + from + ") >= " + from + ")");
    }
  }

  // The criteria on a record `r`, as one clause ("1" when there are none).
  std::string record_criteria(const find_filter& f) {
    find_query r;
    // One index serves the search, the most selective one given: an actor's records are few, an
    // event's many (`+` keeps SQLite from choosing an index for a column; without statistics
    // it would take the event's index for `--actor A --event bump` and read most of the journal).
    if (f.actor) r.where("r.actor = " + value(*f.actor));
    if (f.event) r.where(std::string(f.actor ? "+" : "") + "r.event = " + value(*f.event));
    const char* plain = f.actor || f.event ? "+" : "";
    if (f.outcome)
      r.where(plain + std::string("r.outcome = ") + value(std::string(to_string(*f.outcome))));
    if (f.kind) r.where(plain + std::string("r.kind = ") + value(std::string(to_string(*f.kind))));
    if (f.since) r.where("r.at >= " + value(*f.since));
    if (f.until) r.where("r.at < " + value(*f.until));
    return r.conditions();
  }

 private:
  std::string sql_;
  std::vector<std::variant<std::int64_t, std::string>> values_;
};

std::vector<instance_row> sqlite_transaction::find_instances(const find_filter& f) {
  find_query q;
  q.instance_criteria(f);
  if (f.has_record_criteria()) {
    q.where("EXISTS (SELECT 1 FROM journal AS r WHERE r.instance = i.id AND " +
            q.record_criteria(f) + ")");
  } else {
    if (f.since) q.where("i.created_at >= " + q.value(*f.since));
    if (f.until) q.where("i.created_at < " + q.value(*f.until));
  }
  if (f.after_id) {
    q.where("(i.created_at, i.id) > (SELECT created_at, id FROM instances WHERE id = " +
            q.value(*f.after_id) + ")");
  }
  const std::string limit = q.value(static_cast<std::int64_t>(f.limit));
  auto& s = s_.prepare(
      "SELECT i.id, i.definition, i.workflow, i.lifecycle, i.configuration, i.data, i.seq, "
      "i.created_at, i.updated_at, i.memory, i.next_due FROM instances AS i JOIN definitions AS "
      "d ON d.hash = i.definition WHERE " +
      q.conditions() + " ORDER BY i.created_at, i.id LIMIT " + limit);
  std::vector<instance_row> out;
  s.bind_values(q.values());
  while (s.step()) out.push_back(read_instance(s));
  return out;
}

std::vector<journal_row> sqlite_transaction::find_records(const find_filter& f) {
  find_query q;
  q.instance_criteria(f);
  q.where(q.record_criteria(f));
  if (f.after_gseq) q.where("r.gseq > " + q.value(*f.after_gseq));
  const std::string limit = q.value(static_cast<std::int64_t>(f.limit));
  auto& s = s_.prepare(
      "SELECT r.gseq, r.instance, r.seq, r.definition, r.kind, r.event, r.params, r.actor, "
      "r.event_id, r.at, r.recorded_at, r.from_config, r.to_config, r.changes, r.outcome, "
      "r.reason, r.detail, r.lifecycle, r.cause, r.hash FROM journal AS r JOIN instances AS i ON "
      "i.id = r.instance JOIN definitions AS d ON d.hash = r.definition WHERE " +
      q.conditions() + " ORDER BY r.gseq LIMIT " + limit);
  std::vector<journal_row> out;
  s.bind_values(q.values());
  while (s.step()) out.push_back(read_journal(s));
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

link_row read_link(const statement& s) { return {s.text(0), s.text(1), s.text(2), s.integer(3)}; }

std::vector<link_row> sqlite_transaction::links_from(const std::string& source) {
  auto& s = s_.prepare(
      "SELECT source, name, target, made_at FROM links WHERE source = ?1 "
      "ORDER BY name, made_at, target");
  std::vector<link_row> out;
  s.bind(source);
  while (s.step()) out.push_back(read_link(s));
  return out;
}

std::vector<link_row> sqlite_transaction::links_to(const std::string& target) {
  auto& s = s_.prepare(
      "SELECT source, name, target, made_at FROM links WHERE target = ?1 "
      "ORDER BY source, name");
  std::vector<link_row> out;
  s.bind(target);
  while (s.step()) out.push_back(read_link(s));
  return out;
}

void sqlite_transaction::insert_link(const link_row& l) {
  s_.prepare("INSERT OR IGNORE INTO links (source, name, target, made_at) VALUES (?1, ?2, ?3, ?4)")
      .bind(l.source, l.name, l.target, l.made_at)
      .run();
}

void sqlite_transaction::delete_link(const std::string& source, const std::string& name,
                                     const std::string& target) {
  s_.prepare("DELETE FROM links WHERE source = ?1 AND name = ?2 AND target = ?3")
      .bind(source, name, target)
      .run();
}

}  // namespace

std::unique_ptr<store> open_sqlite_store(const std::string& path, const sqlite_options& options) {
  return std::make_unique<sqlite_store>(path, options);
}

std::string sqlite_version() { return sqlite3_libversion(); }

}  // namespace vflow::runtime
