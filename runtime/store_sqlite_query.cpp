// `vflow query` on the SQLite store. The views are TEMP views of this connection (so they exist on
// a read-only or immutable database too, and change with vflow, not with the file); they shadow
// the tables of the same name, which a query may not read directly. Defence in depth: the
// authorizer allows only SELECT, reads through the views and functions; the statement must be
// one read-only statement; a progress handler stops it at the time limit; a length limit bounds
// any value it makes.
#include "runtime/store_sqlite_query.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstring>
#include <memory>

namespace vflow::runtime::sqlite_query {

namespace {

#define VFLOW_ISO(ms) "strftime('%Y-%m-%dT%H:%M:%SZ', (" ms ") / 1000, 'unixepoch')"

// The documented views (docs/audit.md). Times are ISO-8601 UTC text and, with `_ms`, integers.
constexpr const char* views = R"sql(
CREATE TEMP VIEW IF NOT EXISTS definitions AS
  SELECT d.name AS workflow, d.version, d.stream, d.hash,
         )sql" VFLOW_ISO("d.deployed_at") R"sql( AS deployed_at, d.deployed_at AS deployed_ms,
         d.source_name AS file, (c.hash IS NOT NULL) AS current
  FROM main.definitions AS d LEFT JOIN main.current_definitions AS c ON c.hash = d.hash;
CREATE TEMP VIEW IF NOT EXISTS instances AS
  SELECT i.id, i.workflow, d.version, d.stream, i.definition, i.lifecycle,
         i.configuration AS states, i.data, i.seq AS records,
         )sql" VFLOW_ISO("i.created_at") R"sql( AS created_at, i.created_at AS created_ms,
         )sql" VFLOW_ISO("i.updated_at") R"sql( AS updated_at, i.updated_at AS updated_ms,
         CASE WHEN i.next_due IS NULL THEN NULL ELSE )sql" VFLOW_ISO("i.next_due") R"sql( END
           AS next_due
  FROM main.instances AS i JOIN main.definitions AS d ON d.hash = i.definition;
CREATE TEMP VIEW IF NOT EXISTS journal AS
  SELECT j.gseq, j.instance, j.seq, d.name AS workflow, d.version, d.stream, j.kind, j.event,
         j.params, j.actor, j.event_id,
         )sql" VFLOW_ISO("j.at") R"sql( AS at, j.at AS at_ms,
         )sql" VFLOW_ISO("j.recorded_at") R"sql( AS recorded_at, j.recorded_at AS recorded_ms,
         j.from_config AS from_states, j.to_config AS to_states, j.changes, j.outcome, j.reason,
         json_extract(j.detail, '$.reason_code') AS reason_code,
         (SELECT json_extract(t.value, '$.policy') FROM json_each(j.detail, '$.trace') AS t
           WHERE json_extract(t.value, '$.kind') = 'deny' AND json_extract(t.value, '$.result')
           LIMIT 1) AS policy,
         json_extract(j.detail, '$.timer.state') AS timer_state,
         json_extract(j.detail, '$.timer.after') AS timer_after,
         json_extract(j.detail, '$.timer.due') AS timer_due,
         j.lifecycle, j.cause, j.detail, j.hash
  FROM main.journal AS j JOIN main.definitions AS d ON d.hash = j.definition;
CREATE TEMP VIEW IF NOT EXISTS links AS
  SELECT l.source, s.workflow AS source_workflow, l.name AS link, l.target,
         t.workflow AS target_workflow,
         )sql" VFLOW_ISO("l.made_at") R"sql( AS made_at, l.made_at AS made_ms
  FROM main.links AS l JOIN main.instances AS s ON s.id = l.source
       JOIN main.instances AS t ON t.id = l.target;
CREATE TEMP VIEW IF NOT EXISTS timers AS
  SELECT i.id AS instance, i.workflow, json_extract(t.value, '$.state') AS state,
         json_extract(t.value, '$.after') AS after,
         )sql" VFLOW_ISO("json_extract(t.value, '$.due_ms')") R"sql( AS due,
         json_extract(t.value, '$.due_ms') AS due_ms, i.lifecycle
  FROM main.instances AS i, json_each(i.memory, '$.timers') AS t;
CREATE TEMP VIEW IF NOT EXISTS notes AS
  SELECT )sql" VFLOW_ISO("at") R"sql( AS at, kind, upto_gseq, text FROM main.journal_notes;
)sql";

#undef VFLOW_ISO

constexpr const char* view_names = "instances, journal, links, timers, definitions, notes";

bool is_view(const char* name) {
  for (const char* v : {"instances", "journal", "links", "timers", "definitions", "notes"}) {
    if (name && std::strcmp(name, v) == 0) return true;
  }
  return false;
}

struct guard_state {
  std::string denied;  // what the authorizer refused first
  std::chrono::steady_clock::time_point deadline;
  bool timed_out = false;
};

int authorize(void* context, int action, const char* a3, const char* /*a4*/, const char* db,
              const char* view) {
  auto& g = *static_cast<guard_state*>(context);
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE: return SQLITE_OK;
    case SQLITE_READ:
      // Through one of the views, or a view itself, or what the query itself names (a common
      // table expression, which has no database); never a table directly.
      if (is_view(view) || !db || std::strcmp(db, "temp") == 0) return SQLITE_OK;
      // The JSON table-valued functions, over values the query has read.
      if (a3 && (std::strcmp(a3, "json_each") == 0 || std::strcmp(a3, "json_tree") == 0)) {
        return SQLITE_OK;
      }
      if (g.denied.empty())
        g.denied = std::string("it reads table ") + (a3 ? a3 : "?") + " directly";
      return SQLITE_DENY;
    default:
      if (g.denied.empty()) g.denied = "it is not a SELECT";
      return SQLITE_DENY;
  }
}

int progress(void* context) {
  auto& g = *static_cast<guard_state*>(context);
  if (std::chrono::steady_clock::now() < g.deadline) return 0;
  g.timed_out = true;
  return 1;
}

// Installs the guards for the lifetime of one query and removes them after.
class guarded {
 public:
  guarded(sqlite3* db, guard_state& g) : db_(db) {
    length_ = sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 16 << 20);
    sqlite3_set_authorizer(db, authorize, &g);
    sqlite3_progress_handler(db, 1000, progress, &g);
  }
  guarded(const guarded&) = delete;
  guarded& operator=(const guarded&) = delete;
  ~guarded() {
    sqlite3_progress_handler(db_, 0, nullptr, nullptr);
    sqlite3_set_authorizer(db_, nullptr, nullptr);
    sqlite3_limit(db_, SQLITE_LIMIT_LENGTH, length_);
  }

 private:
  sqlite3* db_;
  int length_;
};

query_cell cell(sqlite3_stmt* s, int col) {
  query_cell c;
  switch (sqlite3_column_type(s, col)) {
    case SQLITE_INTEGER:
      c.kind = query_cell::type::integer;
      c.integer = sqlite3_column_int64(s, col);
      break;
    case SQLITE_FLOAT:
      c.kind = query_cell::type::real;
      c.real = sqlite3_column_double(s, col);
      break;
    case SQLITE_NULL: break;
    default: {  // text, and blobs shown as their bytes
      c.kind = query_cell::type::text;
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
      if (p) c.text.assign(p, static_cast<std::size_t>(sqlite3_column_bytes(s, col)));
    }
  }
  return c;
}

// The views exist only while a query runs: they shadow the tables of the same name, which the
// store's own statements on this connection must see again afterwards.
class temporary_views {
 public:
  explicit temporary_views(sqlite3* db) : db_(db) {
    if (sqlite3_exec(db, views, nullptr, nullptr, nullptr) != SQLITE_OK) {
      const std::string message = sqlite3_errmsg(db);
      drop();
      throw query_error("the query views cannot be made: " + message);
    }
  }
  temporary_views(const temporary_views&) = delete;
  temporary_views& operator=(const temporary_views&) = delete;
  ~temporary_views() { drop(); }

 private:
  void drop() {
    sqlite3_exec(db_,
                 "DROP VIEW IF EXISTS temp.definitions; DROP VIEW IF EXISTS temp.instances; "
                 "DROP VIEW IF EXISTS temp.journal; DROP VIEW IF EXISTS temp.links; "
                 "DROP VIEW IF EXISTS temp.timers; DROP VIEW IF EXISTS temp.notes;",
                 nullptr, nullptr, nullptr);
  }
  sqlite3* db_;
};

}  // namespace

query_result run(sqlite3* db, const std::string& sql, const query_limits& limits) {
  const temporary_views made(db);
  guard_state g;
  g.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limits.timeout_ms);
  const guarded guards(db, g);
  const auto refused = [&](const std::string& why) {
    return query_error("refused: a query may only read the views " + std::string(view_names) +
                       " (" + why + ")");
  };
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()), 0, &raw, &tail);
  const std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw, sqlite3_finalize);
  if (rc != SQLITE_OK) {
    if (!g.denied.empty()) throw refused(g.denied);
    throw query_error(sqlite3_errmsg(db));
  }
  if (!stmt) throw query_error("the query is empty");
  for (; tail && *tail; ++tail) {
    if (*tail != ';' && *tail != ' ' && *tail != '\n' && *tail != '\t' && *tail != '\r') {
      throw query_error("give one statement (a second one starts at '" +
                        std::string(tail).substr(0, 20) + "')");
    }
  }
  if (!sqlite3_stmt_readonly(stmt.get())) throw refused("it is not a SELECT");
  query_result out;
  const int columns = sqlite3_column_count(stmt.get());
  for (int c = 0; c < columns; ++c) out.columns.emplace_back(sqlite3_column_name(stmt.get(), c));
  for (;;) {
    const int step = sqlite3_step(stmt.get());
    if (step == SQLITE_DONE) break;
    if (step != SQLITE_ROW) {
      if (g.timed_out) {
        throw query_error("the query ran longer than " + std::to_string(limits.timeout_ms) +
                          " ms (raise it with --timeout MS)");
      }
      throw query_error(sqlite3_errmsg(db));
    }
    if (out.rows.size() == limits.max_rows) {
      out.cut = true;
      break;
    }
    auto& row = out.rows.emplace_back();
    row.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) row.push_back(cell(stmt.get(), c));
  }
  return out;
}

}  // namespace vflow::runtime::sqlite_query
