// `vflow query` on the SQLite store: one read-only statement over documented views, with an
// authorizer, a time limit and a row limit. Private to the SQLite store.
#pragma once

#include <string>

#include "runtime/store.hpp"

struct sqlite3;

namespace vflow::runtime::sqlite_query {

/// Runs `sql` on `db`, which must be inside a read transaction; throws query_error when the
/// statement is refused or fails.
query_result run(sqlite3* db, const std::string& sql, const query_limits& limits);

}  // namespace vflow::runtime::sqlite_query
