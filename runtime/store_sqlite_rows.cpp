// The rows of the SQLite store: what a transaction reads and writes (definitions, instances,
// the journal, links) and the queries `find` composes. The connection is in store_sqlite.cpp.
#include "runtime/store_find_sql.hpp"
#include "runtime/store_sqlite_db.hpp"

namespace vflow::runtime::sqlite_db {

// The one row a bound statement selects, read by `read`; nothing when there is none.
template <typename Read>
static auto one_row(statement& s, Read read) -> std::optional<decltype(read(s))> {
  if (!s.step()) return std::nullopt;
  auto row = read(s);
  s.done();
  return row;
}

static definition_row read_definition(const statement& s) {
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

static instance_row read_instance(const statement& s) {
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
      .bind_borrowed(i.id, i.definition, i.workflow, i.lifecycle, i.configuration, i.data, i.seq,
                     i.created_at, i.updated_at, i.memory, i.next_due)
      .run();
}

void sqlite_transaction::update_instance(const instance_row& i) {
  s_.prepare(
        "UPDATE instances SET lifecycle = ?2, configuration = ?3, data = ?4, seq = ?5, "
        "updated_at = ?6, memory = ?7, next_due = ?8 WHERE id = ?1")
      .bind_borrowed(i.id, i.lifecycle, i.configuration, i.data, i.seq, i.updated_at, i.memory,
                     i.next_due)
      .run();
}

constexpr const char* journal_select =
    "SELECT gseq, instance, seq, definition, kind, event, params, actor, event_id, at, "
    "recorded_at, from_config, to_config, changes, outcome, reason, detail, lifecycle, cause, "
    "hash FROM journal ";

static journal_row read_journal(const statement& s) {
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
      .bind_borrowed(r.gseq, r.instance, r.seq, r.definition, r.kind, r.event, r.params, r.actor,
                     r.event_id, r.at, r.recorded_at, r.from_config, r.to_config, r.changes,
                     r.outcome, r.reason, r.detail, r.lifecycle, r.cause, r.hash)
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
  // NULL parameters match everything. A state is looked up in its index, which holds the
  // state's instances in creation order: the first page is read, not every configuration.
  auto& s = f.state ? s_.prepare(
                          "SELECT i.id, i.definition, i.workflow, i.lifecycle, i.configuration, "
                          "i.data, i.seq, i.created_at, i.updated_at, i.memory, i.next_due FROM "
                          "instance_states AS s JOIN instances AS i ON i.id = s.instance WHERE "
                          "s.state = ?3 AND (?1 IS NULL OR i.workflow = ?1) AND (?2 IS NULL OR "
                          "i.lifecycle = ?2) ORDER BY s.created_at, s.instance LIMIT ?4")
                    : s_.prepare(
                          "SELECT id, definition, workflow, lifecycle, configuration, data, seq, "
                          "created_at, updated_at, memory, next_due FROM instances WHERE (?1 IS "
                          "NULL OR workflow = ?1) AND (?2 IS NULL OR lifecycle = ?2) AND ?3 IS "
                          "NULL ORDER BY created_at, id LIMIT ?4");
  std::vector<instance_row> out;
  s.bind(f.workflow, f.lifecycle, f.state, static_cast<std::int64_t>(f.limit));
  while (s.step()) out.push_back(read_instance(s));
  return out;
}

// `find` in SQLite's words: `?N`, json_each over a configuration, index hints.
const find_dialect sqlite_find{[](std::size_t n) { return "?" + std::to_string(n); },
                               [](const std::string& column, const std::string& value) {
                                 return "EXISTS (SELECT 1 FROM json_each(" + column +
                                        ") WHERE value = " + value + ")";
                               },
                               true};

std::vector<instance_row> sqlite_transaction::find_instances(const find_filter& f) {
  find_sql q(sqlite_find);
  const std::string limit = q.instances(f);
  auto& s = s_.prepare(
      "SELECT i.id, i.definition, i.workflow, i.lifecycle, i.configuration, i.data, i.seq, "
      "i.created_at, i.updated_at, i.memory, i.next_due FROM instances AS i" +
      find_sql::instance_joins(f) + " JOIN definitions AS d ON d.hash = i.definition WHERE " +
      q.conditions() + " ORDER BY " + find_sql::instance_order(f) + " LIMIT " + limit);
  std::vector<instance_row> out;
  s.bind_values(q.values());
  while (s.step()) out.push_back(read_instance(s));
  return out;
}

std::vector<journal_row> sqlite_transaction::find_records(const find_filter& f) {
  find_sql q(sqlite_find);
  const std::string limit = q.records(f);
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

static link_row read_link(const statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.integer(3)};
}

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

void sqlite_transaction::mark() { s_.prepare("SAVEPOINT vflow_mark").run(); }
void sqlite_transaction::release_mark() { s_.prepare("RELEASE vflow_mark").run(); }
void sqlite_transaction::rollback_to_mark() {
  s_.prepare("ROLLBACK TO vflow_mark").run();
  s_.prepare("RELEASE vflow_mark").run();
}

bool sqlite_transaction::changed_after(const std::string& instance, std::int64_t seq) {
  auto& s = s_.prepare(
      "SELECT 1 FROM journal WHERE instance = ?1 AND seq > ?2 AND kind != 'gate' LIMIT 1");
  s.bind(instance, seq);
  const bool changed = s.step();
  s.done();
  return changed;
}

std::vector<link_row> sqlite_transaction::all_links() {
  auto& s =
      s_.prepare("SELECT source, name, target, made_at FROM links ORDER BY source, name, target");
  std::vector<link_row> out;
  s.bind();
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

}  // namespace vflow::runtime::sqlite_db
