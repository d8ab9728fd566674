// The rows of the PostgreSQL store: what a transaction reads and writes (definitions, instances,
// the journal, links) and the queries `find` composes. The connection is in store_postgres.cpp.
// Configurations are JSON text (the hash chain covers the text as written); set membership is
// asked through jsonb.
#include <algorithm>

#include "runtime/store_find_sql.hpp"
#include "runtime/store_postgres_db.hpp"

namespace vflow::runtime::postgres_db {

namespace {

constexpr const char* definition_columns =
    "SELECT hash, name, version, stream, source, source_name, deployed_at, imports, seal FROM "
    "definitions ";

definition_row read_definition(const result& r, int i) {
  return {r.text(i, 0), r.text(i, 1),    r.integer(i, 2), r.text(i, 3), r.text(i, 4),
          r.text(i, 5), r.integer(i, 6), r.text(i, 7),    r.text(i, 8)};
}

constexpr const char* instance_columns =
    "SELECT i.id, i.definition, i.workflow, i.lifecycle, i.configuration, i.data, i.seq, "
    "i.created_at, i.updated_at, i.memory, i.next_due FROM instances AS i ";

instance_row read_instance(const result& r, int i) {
  instance_row out;
  out.id = r.text(i, 0);
  out.definition = r.text(i, 1);
  out.workflow = r.text(i, 2);
  out.lifecycle = r.spelled(i, 3, parse_lifecycle, "lifecycle");
  out.configuration = r.text(i, 4);
  out.data = r.text(i, 5);
  out.seq = r.integer(i, 6);
  out.created_at = r.integer(i, 7);
  out.updated_at = r.integer(i, 8);
  out.memory = r.text(i, 9);
  out.next_due = r.optional_integer(i, 10);
  return out;
}

constexpr const char* journal_columns =
    "SELECT r.gseq, r.instance, r.seq, r.definition, r.kind, r.event, r.params, r.actor, "
    "r.event_id, r.at, r.recorded_at, r.from_config, r.to_config, r.changes, r.outcome, "
    "r.reason, r.detail, r.lifecycle, r.cause, r.hash FROM journal AS r ";

// The record in row `i` of `res`, its columns from `c` on (in journal_columns' order).
journal_row read_journal_at(const result& res, int i, int c) {
  journal_row r;
  r.gseq = res.integer(i, c + 0);
  r.instance = res.text(i, c + 1);
  r.seq = res.integer(i, c + 2);
  r.definition = res.text(i, c + 3);
  r.kind = res.spelled(i, c + 4, parse_record_kind, "record kind");
  r.event = res.optional_text(i, c + 5);
  r.params = res.text(i, c + 6);
  r.actor = res.optional_text(i, c + 7);
  r.event_id = res.optional_text(i, c + 8);
  r.at = res.integer(i, c + 9);
  r.recorded_at = res.integer(i, c + 10);
  r.from_config = res.text(i, c + 11);
  r.to_config = res.text(i, c + 12);
  r.changes = res.text(i, c + 13);
  r.outcome = res.spelled(i, c + 14, parse_record_outcome, "outcome");
  r.reason = res.optional_text(i, c + 15);
  r.detail = res.text(i, c + 16);
  r.lifecycle = res.spelled(i, c + 17, parse_lifecycle, "lifecycle");
  r.cause = res.optional_integer(i, c + 18);
  r.hash = res.text(i, c + 19);
  return r;
}

journal_row read_journal(const result& res, int i) { return read_journal_at(res, i, 0); }

link_row read_link(const result& r, int i) {
  return {r.text(i, 0), r.text(i, 1), r.text(i, 2), r.integer(i, 3)};
}

// Every row of `r`, read by `read`.
template <typename Read>
auto all_rows(const result& r, Read read) {
  std::vector<decltype(read(r, 0))> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read(r, i));
  return out;
}

// The first row of `r`, or nothing.
template <typename Read>
auto first_row(const result& r, Read read) -> std::optional<decltype(read(r, 0))> {
  if (r.rows() == 0) return std::nullopt;
  return read(r, 0);
}

std::int64_t count(std::size_t n) { return static_cast<std::int64_t>(n); }

}  // namespace

std::optional<definition_row> postgres_transaction::definition(const std::string& hash) {
  if (const auto known = c_.definitions.find(hash); known != c_.definitions.end()) {
    return known->second;
  }
  auto row = first_row(c_.run(std::string(definition_columns) + "WHERE hash = $1", with(hash)),
                       read_definition);
  if (row) c_.definitions.emplace(hash, *row);
  return row;
}

std::optional<definition_row> postgres_transaction::latest_definition(const std::string& name) {
  return first_row(
      c_.run(std::string(definition_columns) + "WHERE name = $1 ORDER BY version DESC LIMIT 1",
             with(name)),
      read_definition);
}

std::optional<definition_row> postgres_transaction::definition_version(const std::string& name,
                                                                       std::int64_t version) {
  return first_row(c_.run(std::string(definition_columns) + "WHERE name = $1 AND version = $2",
                          with(name, version)),
                   read_definition);
}

std::optional<definition_row> postgres_transaction::current_definition(const std::string& name) {
  return first_row(
      c_.run("SELECT d.hash, d.name, d.version, d.stream, d.source, d.source_name, "
             "d.deployed_at, d.imports, d.seal FROM current_definitions AS c JOIN definitions AS "
             "d ON d.hash = c.hash WHERE c.name = $1",
             with(name)),
      read_definition);
}

void postgres_transaction::set_current(const std::string& name, const std::string& hash,
                                       std::int64_t at) {
  c_.defer(
      "INSERT INTO current_definitions (name, hash, since) VALUES ($1, $2, $3) "
      "ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, since = excluded.since",
      with(name, hash, at));
}

void postgres_transaction::insert_definition(const definition_row& d) {
  c_.defer(
      "INSERT INTO definitions (hash, name, version, stream, source, source_name, deployed_at, "
      "imports, seal) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      with(d.hash, d.name, d.version, d.stream, d.source, d.source_name, d.deployed_at, d.imports,
           d.seal));
}

std::optional<instance_row> postgres_transaction::instance(const std::string& id) {
  return first_row(c_.run(std::string(instance_columns) + "WHERE i.id = $1", with(id)),
                   read_instance);
}

void postgres_transaction::insert_instance(const instance_row& i) {
  c_.defer(
      "INSERT INTO instances (id, definition, workflow, lifecycle, configuration, data, seq, "
      "created_at, updated_at, memory, next_due) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
      "$10, $11)",
      with(i.id, i.definition, i.workflow, i.lifecycle, i.configuration, i.data, i.seq,
           i.created_at, i.updated_at, i.memory, i.next_due));
}

void postgres_transaction::update_instance(const instance_row& i) {
  c_.defer(
      "UPDATE instances SET lifecycle = $2, configuration = $3, data = $4, seq = $5, "
      "updated_at = $6, memory = $7, next_due = $8 WHERE id = $1",
      with(i.id, i.lifecycle, i.configuration, i.data, i.seq, i.updated_at, i.memory, i.next_due));
}

bool postgres_transaction::changed_after(const std::string& instance, std::int64_t seq) {
  return c_.run(
               "SELECT 1 FROM journal WHERE instance = $1 AND seq > $2 AND kind <> 'gate' "
               "LIMIT 1",
               with(instance, seq))
             .rows() > 0;
}

std::optional<journal_row> postgres_transaction::journal_by_event_id(const std::string& instance,
                                                                     const std::string& event_id) {
  return first_row(
      c_.run(std::string(journal_columns) + "WHERE r.instance = $1 AND r.event_id = $2",
             with(instance, event_id)),
      read_journal);
}

// One statement, one round trip: the instance's columns, then (NULL when there is none) the
// record of the earlier delivery's.
std::pair<std::optional<instance_row>, std::optional<journal_row>>
postgres_transaction::instance_and_delivery(const std::string& id,
                                            const std::optional<std::string>& event_id) {
  if (!event_id) return {instance(id), std::nullopt};
  const result res = c_.run(
      "SELECT i.id, i.definition, i.workflow, i.lifecycle, i.configuration, i.data, i.seq, "
      "i.created_at, i.updated_at, i.memory, i.next_due, r.gseq, r.instance, r.seq, "
      "r.definition, r.kind, r.event, r.params, r.actor, r.event_id, r.at, r.recorded_at, "
      "r.from_config, r.to_config, r.changes, r.outcome, r.reason, r.detail, r.lifecycle, "
      "r.cause, r.hash FROM instances AS i LEFT JOIN journal AS r ON r.instance = i.id AND "
      "r.event_id = $2 WHERE i.id = $1",
      with(id, *event_id));
  if (res.rows() == 0) return {std::nullopt, std::nullopt};
  constexpr int record_from = 11;  // after the instance's eleven columns
  std::optional<journal_row> first;
  if (res.optional_integer(0, record_from)) first = read_journal_at(res, 0, record_from);
  return {read_instance(res, 0), std::move(first)};
}

void postgres_transaction::insert_journal(const journal_row& r) {
  c_.defer(
      "INSERT INTO journal (gseq, instance, seq, definition, kind, event, params, actor, "
      "event_id, at, recorded_at, from_config, to_config, changes, outcome, reason, detail, "
      "lifecycle, cause, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
      "$14, $15, $16, $17, $18, $19, $20)",
      with(r.gseq, r.instance, r.seq, r.definition, r.kind, r.event, r.params, r.actor, r.event_id,
           r.at, r.recorded_at, r.from_config, r.to_config, r.changes, r.outcome, r.reason,
           r.detail, r.lifecycle, r.cause, r.hash));
}

journal_head postgres_transaction::head() {
  const auto r = c_.run("SELECT gseq, hash FROM journal ORDER BY gseq DESC LIMIT 1");
  if (r.rows() == 0) return {};
  return {r.integer(0, 0), r.text(0, 1)};
}

std::pair<journal_head, std::optional<std::string>> postgres_transaction::chain_ends(
    const std::string& instance, std::int64_t seq) {
  // One round trip for both ends.
  const auto r = c_.run(
      "SELECT h.gseq, h.hash, (SELECT hash FROM journal WHERE instance = $1 AND seq = $2) FROM "
      "(SELECT 1) AS one LEFT JOIN (SELECT gseq, hash FROM journal ORDER BY gseq DESC LIMIT 1) "
      "AS h ON TRUE",
      with(instance, seq));
  journal_head head;
  if (!r.null(0, 0)) head = {r.integer(0, 0), r.text(0, 1)};
  return {head, r.optional_text(0, 2)};
}

std::optional<std::string> postgres_transaction::record_hash(const std::string& instance,
                                                             std::int64_t seq) {
  return first_row(
      c_.run("SELECT hash FROM journal WHERE instance = $1 AND seq = $2", with(instance, seq)),
      [](const result& r, int i) { return r.text(i, 0); });
}

std::vector<journal_row> postgres_transaction::journal_after(std::int64_t after,
                                                             std::size_t limit) {
  return all_rows(
      c_.run(std::string(journal_columns) + "WHERE r.gseq > $1 ORDER BY r.gseq LIMIT $2",
             with(after, count(limit))),
      read_journal);
}

std::vector<definition_row> postgres_transaction::definitions() {
  return all_rows(c_.run(std::string(definition_columns) + "ORDER BY name, version"),
                  read_definition);
}

std::vector<journal_note> postgres_transaction::journal_notes() {
  return all_rows(
      c_.run("SELECT at, kind, upto_gseq, text FROM journal_notes ORDER BY id"),
      [](const result& r, int i) {
        return journal_note{r.integer(i, 0), r.text(i, 1), r.integer(i, 2), r.text(i, 3)};
      });
}

std::vector<journal_row> postgres_transaction::history(const std::string& instance) {
  return all_rows(
      c_.run(std::string(journal_columns) + "WHERE r.instance = $1 ORDER BY r.seq", with(instance)),
      read_journal);
}

std::vector<instance_row> postgres_transaction::list(const instance_filter& f) {
  // NULL parameters match everything. A state is looked up in its index, which holds the
  // state's instances in creation order: the first page is read, not every configuration.
  if (f.state) {
    return all_rows(
        c_.run(std::string(instance_columns) +
                   "JOIN instance_states AS s ON s.instance = i.id WHERE s.state = $3 AND "
                   "($1::text IS NULL OR i.workflow = $1) AND ($2::text IS NULL OR i.lifecycle "
                   "= $2) ORDER BY s.created_at, s.instance LIMIT $4",
               with(f.workflow, f.lifecycle, *f.state, count(f.limit))),
        read_instance);
  }
  return all_rows(c_.run(std::string(instance_columns) +
                             "WHERE ($1::text IS NULL OR i.workflow = $1) AND "
                             "($2::text IS NULL OR i.lifecycle = $2) ORDER BY i.created_at, i.id "
                             "LIMIT $3",
                         with(f.workflow, f.lifecycle, count(f.limit))),
                  read_instance);
}

namespace {

// `find` in PostgreSQL's words: `$N`, a configuration asked as jsonb.
const find_dialect postgres_find{[](std::size_t n) { return "$" + std::to_string(n); },
                                 [](const std::string& column, const std::string& value) {
                                   return "(" + column + "::jsonb ? " + value + ")";
                                 },
                                 false};

std::vector<parameter> parameters(const std::vector<find_sql::value>& values) {
  std::vector<parameter> out;
  for (const auto& v : values) std::visit([&](const auto& x) { out.emplace_back(x); }, v);
  return out;
}

}  // namespace

std::vector<instance_row> postgres_transaction::find_instances(const find_filter& f) {
  find_sql q(postgres_find);
  const std::string limit = q.instances(f);
  return all_rows(
      c_.run(std::string(instance_columns) + find_sql::instance_joins(f) +
                 " JOIN definitions AS d ON d.hash = i.definition WHERE " + q.conditions() +
                 " ORDER BY " + find_sql::instance_order(f) + " LIMIT " + limit,
             parameters(q.values())),
      read_instance);
}

std::vector<journal_row> postgres_transaction::find_records(const find_filter& f) {
  find_sql q(postgres_find);
  const std::string limit = q.records(f);
  return all_rows(c_.run(std::string(journal_columns) +
                             "JOIN instances AS i ON i.id = r.instance JOIN definitions AS d ON "
                             "d.hash = r.definition WHERE " +
                             q.conditions() + " ORDER BY r.gseq LIMIT " + limit,
                         parameters(q.values())),
                  read_journal);
}

std::vector<std::string> postgres_transaction::due_instances(std::int64_t now, std::size_t limit) {
  return all_rows(c_.run("SELECT id FROM instances WHERE next_due IS NOT NULL AND next_due <= $1 "
                         "AND lifecycle = 'active' ORDER BY next_due, id LIMIT $2",
                         with(now, count(limit))),
                  [](const result& r, int i) { return r.text(i, 0); });
}

std::vector<link_row> postgres_transaction::links_from(const std::string& source) {
  return all_rows(c_.run("SELECT source, name, target, made_at FROM links WHERE source = $1 "
                         "ORDER BY name, made_at, target",
                         with(source)),
                  read_link);
}

std::vector<link_row> postgres_transaction::links_to(const std::string& target) {
  return all_rows(c_.run("SELECT source, name, target, made_at FROM links WHERE target = $1 "
                         "ORDER BY source, name",
                         with(target)),
                  read_link);
}

std::vector<link_row> postgres_transaction::all_links() {
  return all_rows(
      c_.run("SELECT source, name, target, made_at FROM links ORDER BY source, name, target"),
      read_link);
}

void postgres_transaction::insert_link(const link_row& l) {
  c_.defer(
      "INSERT INTO links (source, name, target, made_at) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT DO NOTHING",
      with(l.source, l.name, l.target, l.made_at));
}

void postgres_transaction::delete_link(const std::string& source, const std::string& name,
                                       const std::string& target) {
  c_.defer("DELETE FROM links WHERE source = $1 AND name = $2 AND target = $3",
           with(source, name, target));
}

void postgres_transaction::mark() { c_.exec("SAVEPOINT vflow_mark"); }
void postgres_transaction::release_mark() { c_.exec("RELEASE SAVEPOINT vflow_mark"); }
void postgres_transaction::rollback_to_mark() {
  c_.discard();  // written since the mark (which sent everything before it): undone anyway
  c_.exec("ROLLBACK TO SAVEPOINT vflow_mark; RELEASE SAVEPOINT vflow_mark");
}

}  // namespace vflow::runtime::postgres_db
