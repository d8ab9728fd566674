// The PostgreSQL store's parts that its files share (private to the store: only they include it,
// and with it <libpq-fe.h>): the connection with its statements, a result, and the transaction.
// store_postgres.cpp holds the connection (opening, transactions, retries, migrations, queries);
// store_postgres_rows.cpp the rows the transaction reads and writes.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "engine/text.hpp"
#include "runtime/store.hpp"

namespace vflow::runtime::postgres_db {

// The functions of libpq the store calls. libpq (and, through it, Kerberos, LDAP, GnuTLS ...) is
// loaded only when a PostgreSQL database is opened: a vflow command on the SQLite default does
// not pay for loading it at every start.
// clang-format off
#define VFLOW_LIBPQ_FUNCTIONS(X) \
  X(PQclear) \
  X(PQconnectdb) \
  X(PQconninfoFree) \
  X(PQconninfoParse) \
  X(PQerrorMessage) \
  X(PQexec) \
  X(PQexecParams) \
  X(PQexecPrepared) \
  X(PQfinish) \
  X(PQfname) \
  X(PQfreemem) \
  X(PQftype) \
  X(PQgetisnull) \
  X(PQgetlength) \
  X(PQgetvalue) \
  X(PQnfields) \
  X(PQntuples) \
  X(PQprepare) \
  X(PQreset) \
  X(PQresultErrorField) \
  X(PQresultStatus) \
  X(PQserverVersion) \
  X(PQsetNoticeProcessor) \
  X(PQstatus) \
  X(PQtransactionStatus) \
  X(PQenterPipelineMode) \
  X(PQexitPipelineMode) \
  X(PQpipelineSync) \
  X(PQsendQueryPrepared) \
  X(PQsendQueryParams) \
  X(PQsendPrepare) \
  X(PQgetResult)
// clang-format on

struct libpq_functions {
#define VFLOW_LIBPQ_DECLARE(name) decltype(&::name) name = nullptr;
  VFLOW_LIBPQ_FUNCTIONS(VFLOW_LIBPQ_DECLARE)
#undef VFLOW_LIBPQ_DECLARE
};

/// libpq, loaded on first use; a store error (exit 3) saying what to install when it cannot be.
const libpq_functions& libpq();

/// A failure PostgreSQL reported: its SQLSTATE (five characters) and our words for it.
class pg_error : public store_error {
 public:
  pg_error(std::string sqlstate, const std::string& message)
      : store_error(-1, message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

/// What a failure means for the user, in words that name no SQL or internal step; PostgreSQL's
/// own message otherwise.
std::string plain_message(const std::string& sqlstate, const std::string& message);

/// One value bound to a statement: NULL, a number or text.
using parameter = std::variant<std::monostate, std::int64_t, std::string>;

/// A statement's result, freed with it.
class result {
 public:
  explicit result(PGresult* r) : r_(r) {}
  int rows() const { return libpq().PQntuples(r_.get()); }
  bool null(int row, int col) const { return libpq().PQgetisnull(r_.get(), row, col) != 0; }
  std::string text(int row, int col) const {
    return std::string(libpq().PQgetvalue(r_.get(), row, col),
                       static_cast<std::size_t>(libpq().PQgetlength(r_.get(), row, col)));
  }
  std::int64_t integer(int row, int col) const;
  std::optional<std::string> optional_text(int row, int col) const {
    if (null(row, col)) return std::nullopt;
    return text(row, col);
  }
  std::optional<std::int64_t> optional_integer(int row, int col) const {
    if (null(row, col)) return std::nullopt;
    return integer(row, col);
  }
  // An enumeration from its spelling: a store error when the store holds one this vflow does not
  // know (a database someone else wrote or altered).
  template <typename E>
  E spelled(int row, int col, std::optional<E> (*parse)(std::string_view), const char* what) const {
    const std::string t = text(row, col);
    if (const auto v = parse(t)) return *v;
    throw store_error(-1, std::string("the database holds a record this vflow cannot read (") +
                              what + " '" + engine::escape_for_terminal(t) +
                              "'): it was not written by vflow, or has been altered");
  }
  PGresult* get() const { return r_.get(); }

 private:
  struct clear {
    void operator()(PGresult* r) const { libpq().PQclear(r); }
  };
  std::unique_ptr<PGresult, clear> r_;
};

/// A connection. Statements are prepared once per connection, by their text, and reused.
/// Statements whose result nobody reads (`BEGIN`, the lock, the writes, `COMMIT`) are deferred
/// and sent with the next one that is read, in one round trip (libpq's pipeline mode): a fire
/// costs 4 round trips instead of 8. Their failure is thrown when they are sent, inside the
/// transaction, as if they had run alone.
class connection {
 public:
  PGconn* conn = nullptr;

  /// Runs `sql` (one statement, `$1`, `$2`, ... bound to `params` in order) as a prepared
  /// statement, after the deferred ones; throws pg_error when one of them fails.
  result run(const std::string& sql, const std::vector<parameter>& params = {});
  /// Defers `sql` (one statement) until the next `run`, `exec` or `flush`; `prepared`: as a
  /// prepared statement (false for transaction control).
  void defer(const std::string& sql, std::vector<parameter> params = {}, bool prepared = true) {
    deferred_.push_back({sql, std::move(params), prepared});
  }
  /// Sends the deferred statements, if any.
  void flush();
  /// Drops the deferred statements (their transaction is rolled back).
  void discard() { deferred_.clear(); }
  /// Runs `sql` (any number of statements, nothing bound) once, unprepared, after the deferred
  /// ones.
  void exec(const std::string& sql);
  /// Forgets the prepared statements (after the connection was reset).
  void forget() {
    prepared_.clear();
    deferred_.clear();
  }

  /// Definitions read, by hash: immutable once committed (a hash names its content), so read
  /// once per connection; forgotten when a transaction rolls back (it may have read one it
  /// inserted).
  std::unordered_map<std::string, definition_row> definitions;

 private:
  struct statement {
    std::string sql;
    std::vector<parameter> params;
    bool prepared = true;
  };
  // Sends `list` in one pipeline; the result of the last one.
  result pipeline(const std::vector<statement>& list);

  std::vector<std::pair<std::string, std::string>> prepared_;  // text, name
  std::vector<statement> deferred_;
};

/// The parameters of a statement, in order: `with(a, b, c)`.
inline void add(std::vector<parameter>& out, std::int64_t v) { out.emplace_back(v); }
inline void add(std::vector<parameter>& out, const std::string& v) { out.emplace_back(v); }
inline void add(std::vector<parameter>& out, const char* v) { out.emplace_back(std::string(v)); }
template <typename E, typename = std::enable_if_t<std::is_enum_v<E>>>
void add(std::vector<parameter>& out, E v) {
  out.emplace_back(std::string(to_string(v)));
}
template <typename T>
void add(std::vector<parameter>& out, const std::optional<T>& v) {
  if (v) {
    add(out, *v);
  } else {
    out.emplace_back(std::monostate{});
  }
}
template <typename... Args>
std::vector<parameter> with(const Args&... args) {
  std::vector<parameter> out;
  out.reserve(sizeof...(args));
  (add(out, args), ...);
  return out;
}

class postgres_transaction : public store_transaction {
 public:
  explicit postgres_transaction(connection& c) : c_(c) {}

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
  bool changed_after(const std::string& instance, std::int64_t seq) override;
  std::optional<journal_row> journal_by_event_id(const std::string& instance,
                                                 const std::string& event_id) override;
  std::pair<std::optional<instance_row>, std::optional<journal_row>> instance_and_delivery(
      const std::string& id, const std::optional<std::string>& event_id) override;
  std::vector<journal_row> history(const std::string& instance) override;
  std::vector<instance_row> list(const instance_filter& f) override;
  std::vector<std::string> due_instances(std::int64_t now, std::size_t limit) override;
  std::vector<instance_row> find_instances(const find_filter& f) override;
  std::vector<journal_row> find_records(const find_filter& f) override;
  journal_head head() override;
  std::pair<journal_head, std::optional<std::string>> chain_ends(const std::string& instance,
                                                                 std::int64_t seq) override;
  std::optional<std::string> record_hash(const std::string& instance, std::int64_t seq) override;
  std::vector<journal_row> journal_after(std::int64_t after, std::size_t limit) override;
  std::vector<definition_row> definitions() override;
  std::vector<journal_note> journal_notes() override;
  std::vector<link_row> links_from(const std::string& source) override;
  std::vector<link_row> links_to(const std::string& target) override;
  std::vector<link_row> all_links() override;
  void mark() override;
  void release_mark() override;
  void rollback_to_mark() override;
  void insert_link(const link_row& l) override;
  void delete_link(const std::string& source, const std::string& name,
                   const std::string& target) override;

 protected:
  void insert_journal(const journal_row& r) override;

 private:
  connection& c_;
};

}  // namespace vflow::runtime::postgres_db
