// The SQLite store's parts that its two files share (private to the store: only they include
// it, and with it <sqlite3.h>): the prepared statement, the statement cache of a connection and
// the transaction. store_sqlite.cpp holds the connection (opening, transactions, retries,
// migrations); store_sqlite_rows.cpp the rows the transaction reads and writes.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "engine/text.hpp"
#include "runtime/store.hpp"

namespace vflow::runtime::sqlite_db {

// What a failure means for the user, in words that name no SQL, PRAGMA or internal step.
std::string plain_message(int code, const char* sqlite_message);

// Throws the store_error for `rc` (with `db`'s message, when there is a connection).
[[noreturn]] void fail(sqlite3* db, int rc);

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

  // As bind(), without copying the texts: the caller keeps every argument alive and unchanged
  // until the statement has been stepped to its end (`.bind_borrowed(...).run()` in one
  // expression). For the writes of every step, whose texts are a record's kilobyte.
  template <typename... Args>
  statement& bind_borrowed(const Args&... args) {
    borrowed_ = true;
    bind(args...);
    borrowed_ = false;
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
    const std::string_view spelled = to_string(v);  // a literal: nothing to copy
    check(sqlite3_bind_text(stmt_, i, spelled.data(), static_cast<int>(spelled.size()),
                            SQLITE_STATIC));
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
    check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()),
                            borrowed_ ? SQLITE_STATIC : SQLITE_TRANSIENT));
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
  bool borrowed_ = false;  // bind_borrowed() in progress
};

// A connection's prepared statements, by SQL text: the fixed statements, and the few shapes
// `find` composes. Statements are reused across transactions.
class statement_cache {
 public:
  sqlite3* db = nullptr;

  // The cached prepared statement for `sql`.
  statement& prepare(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      it = statements_.emplace(sql, std::make_unique<statement>(db, sql.c_str())).first;
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
  // Finalizes every statement (before the connection closes).
  void clear() {
    by_literal_.clear();
    statements_.clear();
  }

 private:
  std::unordered_map<std::string, std::unique_ptr<statement>> statements_;
  std::unordered_map<const char*, statement*> by_literal_;  // into statements_
};

class sqlite_transaction : public store_transaction {
 public:
  explicit sqlite_transaction(statement_cache& s) : s_(s) {}

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
  statement_cache& s_;
};

}  // namespace vflow::runtime::sqlite_db
