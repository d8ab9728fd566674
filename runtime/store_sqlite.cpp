// The SQLite store's connection (the rows are in store_sqlite_rows.cpp). WAL journal,
// synchronous=FULL, BEGIN IMMEDIATE for every write, busy_timeout plus a bounded retry with
// jitter, mmap off, foreign keys on, schema versioned with PRAGMA user_version.
#include "runtime/store_sqlite_db.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "runtime/chain.hpp"
#include "runtime/store_retry.hpp"
#include "runtime/store_sqlite_query.hpp"
#include "runtime/store_sqlite_schema.hpp"

namespace vflow::runtime {

namespace sqlite_db {

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

namespace {

bool is_busy(int code) { return (code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED; }

}  // namespace

}  // namespace sqlite_db

namespace {

using namespace sqlite_db;

constexpr int schema_version = 9;

// PRAGMA application_id of every vflow database ('vflw'): what tells a vflow database from
// another application's SQLite file, which vflow must never change.
constexpr int application_id = 0x76666c77;

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
          sqlite_transaction t(statements_);
          work(t);
        });
      });
    });
  }

  void read(const std::function<void(store_transaction&)>& work) override {
    naming_the_file("cannot read", [&] {
      with_retry([&] {
        in_transaction("BEGIN", [&] {
          sqlite_transaction t(statements_);
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
    retry_with_jitter<store_error>(
        std::chrono::milliseconds(options_.busy_timeout_ms), options_.busy_retries,
        [](const store_error& e) { return is_busy(e.code()); }, attempt);
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
    statements_.db = db_;
  }

  void close() {
    statements_.clear();
    sqlite3_close(db_);
    db_ = nullptr;
    statements_.db = nullptr;
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
        if (id.version < 9) exec(sqlite_schema::schema_v9);
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
      sqlite_transaction t(statements_);
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
      add_note("chained", std::string("records 1 to ") + std::to_string(head.gseq) +
                              " were written before the journal was hash-chained (schema " +
                              std::to_string(from_version) +
                              ") and chained when the database was migrated: the chain proves "
                              "they have not changed since then, not before");
    }
  }

  // Seals the definitions deployed before definitions were sealed (runtime/chain.hpp), and notes
  // that it did. Part of the migration's transaction.
  void seal_existing_definitions(int from_version) {
    exec("DROP TRIGGER IF EXISTS definitions_no_update");
    std::int64_t count = 0;
    {
      sqlite_transaction t(statements_);
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
    add_note("sealed",
             std::to_string(count) + (count == 1 ? " definition" : " definitions") +
                 " deployed before definitions were sealed (schema " +
                 std::to_string(from_version) +
                 (count == 1 ? ") was sealed when the database was migrated, with"
                             : ") were sealed when the database was migrated, each with") +
                 " the signatures it was checked against: the seal proves those have not "
                 "changed since then, not before");
  }

  // Notes what a migration did to the journal, up to its last record, now.
  void add_note(const char* kind, const std::string& text) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    statement(db_,
              "INSERT INTO journal_notes (at, kind, upto_gseq, text) VALUES (?1, ?2, "
              "(SELECT coalesce(max(gseq), 0) FROM journal), ?3)")
        .bind(static_cast<std::int64_t>(now), std::string(kind), text)
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
  statement_cache statements_;
};

}  // namespace

std::unique_ptr<store> open_sqlite_store(const std::string& path, const sqlite_options& options) {
  return std::make_unique<sqlite_store>(path, options);
}

std::string sqlite_version() { return sqlite3_libversion(); }

}  // namespace vflow::runtime
