// The PostgreSQL store's connection (the rows are in store_postgres_rows.cpp). One connection per
// store; every write transaction takes the store's advisory lock first, so writers are serialised
// as SQLite's BEGIN IMMEDIATE serialises them (the journal is one hash chain: each record names
// the one before it), and reads run in REPEATABLE READ READ ONLY snapshots. Serialization
// failures and deadlocks are retried, bounded and jittered; the schema is versioned in
// `vflow_schema` and created under the lock by the first writer. libpq is loaded on first use;
// statements travel in its pipeline (see `connection`).
#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>

#include "runtime/store_postgres_db.hpp"
#include "runtime/store_postgres_schema.hpp"
#include "runtime/store_retry.hpp"

namespace vflow::runtime {

namespace postgres_db {

const libpq_functions& libpq() {
  // A failed load throws out of the initialiser; the next call tries again.
  static const libpq_functions functions = [] {
    void* lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* why = dlerror();
      throw store_error(-1, std::string("PostgreSQL's client library cannot be loaded (") +
                                (why ? why : "libpq.so.5") +
                                "); install it (Debian: apt-get install libpq5)");
    }
    libpq_functions f;
#define VFLOW_LIBPQ_LOAD(name)                                                            \
  f.name = reinterpret_cast<decltype(f.name)>(dlsym(lib, #name));                         \
  if (!f.name) {                                                                          \
    throw store_error(-1, "PostgreSQL's client library has no " #name ": update libpq5"); \
  }
    VFLOW_LIBPQ_FUNCTIONS(VFLOW_LIBPQ_LOAD)
#undef VFLOW_LIBPQ_LOAD
    return f;
  }();
  return functions;
}

std::string plain_message(const std::string& sqlstate, const std::string& message) {
  const std::string cls = sqlstate.substr(0, 2);
  if (sqlstate == "25006") return "the database is read-only for this user";
  if (sqlstate == "42501") return "permission denied (" + message + ")";
  if (sqlstate == "55P03" || sqlstate == "57014")
    return "the database is locked by another process (wait longer with --busy-timeout MS)";
  if (sqlstate == "40001" || sqlstate == "40P01")
    return "a concurrent writer kept conflicting with this one";
  if (sqlstate == "53100") return "the server's disk is full";
  if (cls == "08") return "the connection to the server was lost (" + message + ")";
  if (cls == "53") return "the server is out of resources (" + message + ")";
  return message;
}

std::int64_t result::integer(int row, int col) const {
  const char* text = libpq().PQgetvalue(r_.get(), row, col);
  char* end = nullptr;
  const long long v = std::strtoll(text, &end, 10);
  if (end == text || *end != '\0') {
    throw store_error(-1, "the database holds a value this vflow cannot read ('" +
                              engine::escape_for_terminal(text) + "' is not an integer)");
  }
  return v;
}

namespace {

// The first line of what libpq says (its messages end with a line break).
std::string first_line(const char* message) {
  std::string m = message ? message : "";
  const auto eol = m.find('\n');
  return eol == std::string::npos ? m : m.substr(0, eol);
}

[[noreturn]] void fail(PGconn* conn, const PGresult* r) {
  const char* state = r ? libpq().PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = r ? libpq().PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  // No SQLSTATE: libpq's own failure, most often a lost connection.
  const std::string sqlstate = state ? state : "08006";
  const std::string message = primary ? primary : first_line(libpq().PQerrorMessage(conn));
  throw pg_error(sqlstate, plain_message(sqlstate, message));
}

void check(PGconn* conn, const PGresult* r) {
  const auto status = r ? libpq().PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(conn, r);
}

}  // namespace

namespace {

// The texts of a statement's parameters, alive as long as it.
struct texts {
  explicit texts(const std::vector<parameter>& params) {
    numbers.reserve(params.size());
    for (const parameter& p : params) {
      if (const auto* n = std::get_if<std::int64_t>(&p)) {
        numbers.push_back(std::to_string(*n));
        values.push_back(numbers.back().c_str());
      } else if (const auto* t = std::get_if<std::string>(&p)) {
        values.push_back(t->c_str());
      } else {
        values.push_back(nullptr);
      }
    }
  }
  std::vector<std::string> numbers;
  std::vector<const char*> values;
};

}  // namespace

result connection::pipeline(const std::vector<statement>& list) {
  // Each statement prepared the first time it is sent, in the same pipeline: a one-shot command
  // pays no round trip of its own for preparing.
  struct sent {
    std::size_t statement;
    bool prepare;  // the preparation of `name`, not the statement's execution
    std::string name;
  };
  std::vector<sent> items;
  std::vector<std::pair<std::string, std::string>> preparing;  // text, name
  const auto name_of = [&](const std::string& sql) -> const std::string* {
    for (const auto* known : {&prepared_, &preparing}) {
      for (const auto& [text, name] : *known) {
        if (text == sql) return &name;
      }
    }
    return nullptr;
  };
  if (libpq().PQenterPipelineMode(conn) != 1) fail(conn, nullptr);
  bool sent_all = true;
  for (std::size_t i = 0; i < list.size() && sent_all; ++i) {
    const statement& s = list[i];
    const texts t(s.params);
    const int n = static_cast<int>(t.values.size());
    if (!s.prepared) {
      sent_all = libpq().PQsendQueryParams(conn, s.sql.c_str(), n, nullptr, t.values.data(),
                                           nullptr, nullptr, 0) == 1;
      items.push_back({i, false, {}});
      continue;
    }
    const std::string* name = name_of(s.sql);
    if (!name) {
      preparing.emplace_back(s.sql, "vflow_" + std::to_string(prepared_.size() + preparing.size()));
      name = &preparing.back().second;
      sent_all = libpq().PQsendPrepare(conn, name->c_str(), s.sql.c_str(), 0, nullptr) == 1;
      items.push_back({i, true, *name});
    }
    sent_all = sent_all && libpq().PQsendQueryPrepared(conn, name->c_str(), n, t.values.data(),
                                                       nullptr, nullptr, 0) == 1;
    items.push_back({i, false, *name});
  }
  sent_all = sent_all && libpq().PQpipelineSync(conn) == 1;
  // Every result is read, up to the sync, whatever failed: the connection must leave the
  // pipeline idle. The first failure is the one thrown.
  std::optional<result> last, failure;
  for (const sent& item : items) {
    if (!sent_all) break;
    PGresult* raw = libpq().PQgetResult(conn);
    if (!raw) {
      sent_all = false;
      break;
    }
    result r(raw);
    while (PGresult* more = libpq().PQgetResult(conn)) libpq().PQclear(more);
    const auto status = libpq().PQresultStatus(r.get());
    const bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    if (!ok && !failure && status != PGRES_PIPELINE_ABORTED) {
      failure.emplace(std::move(r));
    } else if (ok && item.prepare) {
      prepared_.emplace_back(list[item.statement].sql, item.name);
    } else if (ok && item.statement + 1 == list.size()) {
      last.emplace(std::move(r));
    }
  }
  if (sent_all) {
    const result sync(libpq().PQgetResult(conn));
    sent_all = sync.get() && libpq().PQresultStatus(sync.get()) == PGRES_PIPELINE_SYNC;
  }
  if (!sent_all || libpq().PQexitPipelineMode(conn) != 1) fail(conn, nullptr);
  if (failure) fail(conn, failure->get());
  if (!last) fail(conn, nullptr);
  return std::move(*last);
}

result connection::run(const std::string& sql, const std::vector<parameter>& params) {
  std::vector<statement> list = std::move(deferred_);
  deferred_.clear();
  list.push_back({sql, params, true});
  return pipeline(list);
}

void connection::flush() {
  if (deferred_.empty()) return;
  std::vector<statement> list = std::move(deferred_);
  deferred_.clear();
  pipeline(list);
}

void connection::exec(const std::string& sql) {
  flush();
  const result r(libpq().PQexec(conn, sql.c_str()));
  check(conn, r.get());
}

}  // namespace postgres_db

namespace {

using namespace postgres_db;

constexpr int schema_version = 2;
// The advisory lock every write transaction takes ('vflw'), and the one of schema changes.
constexpr std::int64_t write_lock = 0x76666c77;
constexpr std::int64_t schema_lock = 0x76666c78;

bool is_conflict(const std::string& sqlstate) { return sqlstate == "40001" || sqlstate == "40P01"; }

class postgres_store : public store {
 public:
  postgres_store(const std::string& url, const postgres_options& o) : options_(o) {
    where_ = describe(url);
    db_.conn = libpq().PQconnectdb(url.c_str());
    if (!db_.conn) throw std::bad_alloc();
    if (libpq().PQstatus(db_.conn) != CONNECTION_OK) {
      const std::string why = first_line(libpq().PQerrorMessage(db_.conn));
      libpq().PQfinish(db_.conn);
      db_.conn = nullptr;
      throw store_error(-1, "cannot connect to PostgreSQL " + where_ + ": " + why);
    }
    libpq().PQsetNoticeProcessor(
        db_.conn, [](void*, const char*) {}, nullptr);
    try {
      naming_the_database("cannot open", [&] {
        db_.exec("SET lock_timeout = " + std::to_string(std::max(1, o.busy_timeout_ms)));
        migrate();
      });
    } catch (...) {
      libpq().PQfinish(db_.conn);
      throw;
    }
  }

  ~postgres_store() override { libpq().PQfinish(db_.conn); }

  void write(const std::function<void(store_transaction&)>& work) override {
    if (options_.read_only) {
      throw store_error(-1, "cannot write database " + where_ + ": it was opened for reading");
    }
    naming_the_database("cannot write", [&] {
      with_retry([&] {
        in_transaction("BEGIN ISOLATION LEVEL READ COMMITTED", true, [&] {
          postgres_transaction t(db_);
          work(t);
        });
      });
    });
  }

  void read(const std::function<void(store_transaction&)>& work) override {
    naming_the_database("cannot read", [&] {
      with_retry([&] {
        in_transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", false, [&] {
          postgres_transaction t(db_);
          work(t);
        });
      });
    });
  }

  query_result query(const std::string& sql, const query_limits& limits) override;

  std::string backend() const override {
    const int v = libpq().PQserverVersion(db_.conn);
    return "PostgreSQL " + std::to_string(v / 10000) + "." + std::to_string(v % 10000);
  }

 private:
  // `host:port/dbname` of a connection string, without its password.
  static std::string describe(const std::string& url) {
    char* error = nullptr;
    PQconninfoOption* options = libpq().PQconninfoParse(url.c_str(), &error);
    if (!options) {
      const std::string why = first_line(error);
      libpq().PQfreemem(error);
      throw store_error(
          -1, "cannot connect to PostgreSQL: the connection string is malformed (" + why + ")");
    }
    std::string host = "localhost", port, dbname;
    for (PQconninfoOption* o = options; o->keyword; ++o) {
      if (!o->val) continue;
      const std::string key = o->keyword;
      if (key == "host" || key == "hostaddr") host = o->val;
      if (key == "port") port = o->val;
      if (key == "dbname") dbname = o->val;
    }
    libpq().PQconninfoFree(options);
    return host + (port.empty() ? "" : ":" + port) + "/" + dbname;
  }

  // Runs `body`; a store failure says which database it was about.
  template <typename F>
  void naming_the_database(const char* verb, F&& body) {
    try {
      body();
    } catch (const pg_error& e) {
      throw pg_error(e.sqlstate(), std::string(verb) + " database " + where_ + ": " + e.what());
    } catch (const store_error& e) {
      throw store_error(e.code(), std::string(verb) + " database " + where_ + ": " + e.what());
    }
  }

  // Runs `body` between `begin` (with the write lock when `lock`) and COMMIT; any exception
  // rolls back and propagates. BEGIN and the lock go with the body's first read, COMMIT with its
  // last writes: one round trip each way.
  template <typename F>
  void in_transaction(const char* begin, bool lock, F&& body) {
    db_.defer(begin, {}, false);
    if (lock) db_.defer("SELECT pg_advisory_xact_lock($1)", with(write_lock));
    try {
      body();
      db_.defer("COMMIT", {}, false);
      db_.flush();
    } catch (...) {
      db_.discard();
      if (libpq().PQtransactionStatus(db_.conn) != PQTRANS_IDLE) {
        libpq().PQclear(libpq().PQexec(db_.conn, "ROLLBACK"));
      }
      db_.definitions.clear();
      if (libpq().PQstatus(db_.conn) == CONNECTION_BAD) {  // for the next request
        libpq().PQreset(db_.conn);
        db_.forget();
      }
      throw;
    }
  }

  // Runs `attempt` again after a serialization failure or a deadlock, with jittered back-off,
  // until the busy timeout has passed since the first attempt.
  template <typename F>
  void with_retry(F&& attempt) {
    retry_with_jitter<pg_error>(
        std::chrono::milliseconds(options_.busy_timeout_ms), 1000,
        [](const pg_error& e) { return is_conflict(e.sqlstate()); }, attempt);
  }

  // Creates the schema in an empty database (under the schema lock: a racing creator waits and
  // then finds it made), refuses a database that holds other tables or a newer schema.
  void migrate() {
    // Already made at this version: nothing to lock (the common case, once per process).
    if (db_.run("SELECT to_regclass('vflow_schema') IS NOT NULL").text(0, 0) == "t") {
      const auto v = db_.run("SELECT version, application FROM vflow_schema");
      if (v.rows() == 1 && v.text(0, 1) == "vflow" && v.integer(0, 0) == schema_version) return;
    }
    in_transaction("BEGIN", false, [&] {
      if (!options_.read_only) db_.run("SELECT pg_advisory_xact_lock($1)", with(schema_lock));
      const auto marked = db_.run("SELECT to_regclass('vflow_schema') IS NOT NULL");
      if (marked.text(0, 0) == "t") {
        const auto v = db_.run("SELECT version, application FROM vflow_schema");
        if (v.rows() != 1 || v.text(0, 1) != "vflow") {
          throw store_error(-1, "it is not a vflow database; nothing was changed");
        }
        const std::int64_t version = v.integer(0, 0);
        if (version > schema_version) {
          throw store_error(-1, "it has schema version " + v.text(0, 0) +
                                    ", newer than this vflow (" + std::to_string(schema_version) +
                                    "): upgrade vflow");
        }
        if (version == schema_version) return;  // a racing writer upgraded it
        if (options_.read_only) {
          throw store_error(-1, "it has schema version " + v.text(0, 0) +
                                    ": run a writing vflow command on it once to upgrade it");
        }
        upgrade(version);
        return;
      }
      const auto tables = db_.run(
          "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()");
      if (tables.integer(0, 0) > 0) {
        throw store_error(-1,
                          "it is not a vflow database (its schema holds tables of another "
                          "application); nothing was changed");
      }
      if (!options_.create || options_.read_only) {
        throw store_error(-1, "it holds no vflow schema; run `vflow deploy` to create one");
      }
      db_.exec(postgres_schema::schema_v1);
      db_.exec(
          "CREATE TABLE vflow_schema (version INTEGER NOT NULL, application TEXT NOT NULL); "
          "INSERT INTO vflow_schema VALUES (1, 'vflow')");
      upgrade(1);
    });
  }

  // Each migration after `from`, in order, in the caller's transaction (under the schema lock).
  void upgrade(std::int64_t from) {
    if (from < 2) db_.exec(postgres_schema::schema_v2);
    db_.exec("UPDATE vflow_schema SET version = " + std::to_string(schema_version));
  }

  connection db_;
  postgres_options options_;
  std::string where_;
};

query_result postgres_store::query(const std::string& sql, const query_limits& limits) {
  // One SELECT (or VALUES, or WITH without writes): what a cursor may be declared for; one
  // statement (the extended protocol takes no second); in a READ ONLY transaction with a statement
  // timeout, the views first on the search path; at most max_rows + 1 rows fetched.
  std::string body = sql;
  while (!body.empty() &&
         (body.back() == ';' || std::isspace(static_cast<unsigned char>(body.back()))))
    body.pop_back();
  if (body.empty()) throw query_error("the query is empty");
  query_result out;
  naming_the_database("cannot read", [&] {
    in_transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", false, [&] {
      db_.exec("SET LOCAL statement_timeout = " + std::to_string(std::max(1, limits.timeout_ms)) +
               "; SET LOCAL search_path = vflow_audit, pg_catalog");
      // Runs one step of the query; its failure as the query's, in words.
      const auto step = [&](const std::string& statement, ExecStatusType expected) {
        result r(libpq().PQexecParams(db_.conn, statement.c_str(), 0, nullptr, nullptr, nullptr,
                                      nullptr, 0));
        if (libpq().PQresultStatus(r.get()) == expected) return r;
        const char* state = libpq().PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
        const char* primary = libpq().PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY);
        if (!state || std::string(state).substr(0, 2) == "08") fail(db_.conn, r.get());
        if (std::string(state) == "57014") {
          throw query_error("the query ran longer than " + std::to_string(limits.timeout_ms) +
                            " ms (raise it with --timeout MS)");
        }
        throw query_error(primary ? primary : "the query failed");
      };
      step("DECLARE vflow_query NO SCROLL CURSOR FOR " + body, PGRES_COMMAND_OK);
      const result r =
          step("FETCH FORWARD " + std::to_string(limits.max_rows + 1) + " FROM vflow_query",
               PGRES_TUPLES_OK);
      const int columns = libpq().PQnfields(r.get());
      for (int c = 0; c < columns; ++c) out.columns.emplace_back(libpq().PQfname(r.get(), c));
      for (int i = 0; i < r.rows(); ++i) {
        if (out.rows.size() == limits.max_rows) {
          out.cut = true;
          break;
        }
        auto& row = out.rows.emplace_back();
        for (int c = 0; c < columns; ++c) {
          query_cell cell;
          if (!r.null(i, c)) {
            const Oid type = libpq().PQftype(r.get(), c);
            const std::string text = r.text(i, c);
            if (type == 20 || type == 21 || type == 23) {  // int8, int2, int4
              cell.kind = query_cell::type::integer;
              cell.integer = std::strtoll(text.c_str(), nullptr, 10);
            } else if (type == 16) {  // bool
              cell.kind = query_cell::type::integer;
              cell.integer = text == "t" ? 1 : 0;
            } else if (type == 700 || type == 701 || type == 1700) {  // float4, float8, numeric
              cell.kind = query_cell::type::real;
              cell.real = std::strtod(text.c_str(), nullptr);
            } else {
              cell.kind = query_cell::type::text;
              cell.text = text;
            }
          }
          row.push_back(std::move(cell));
        }
      }
    });
  });
  return out;
}

}  // namespace

bool is_postgres_url(std::string_view db) {
  return db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
}

std::unique_ptr<store> open_postgres_store(const std::string& url,
                                           const postgres_options& options) {
  return std::make_unique<postgres_store>(url, options);
}

}  // namespace vflow::runtime
