// The persistence interface of the runtime. SQL text and statement handles never leave the
// implementations: SQLite (store_sqlite*.cpp, the default) and PostgreSQL (store_postgres*.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/lifecycle.hpp"

namespace vflow {

/// A failure of the environment (I/O error, locked or read-only database, corrupt or newer
/// schema): the operation did not happen. Carries the database's own code and message.
class store_error : public std::runtime_error {
 public:
  store_error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  /// The database's error code (SQLite's extended result code for the SQLite store).
  int code() const { return code_; }

 private:
  int code_;
};

}  // namespace vflow

namespace vflow::runtime {

/// What a journal record records.
enum class record_kind : std::uint8_t {
  start,      ///< the instance was started
  event,      ///< an event was delivered (taken or rejected)
  lifecycle,  ///< suspend, resume or cancel
  gate,       ///< a gate question was answered (the instance does not change)
  timer,      ///< a timer fired (or lapsed)
  link        ///< a link to the instance was made or removed by another
};
/// How a request recorded ended (for a gate: yes or no).
enum class record_outcome : std::uint8_t { taken, rejected };

/// `start`, `event`, `lifecycle`, `gate`, `timer` or `link`: the journal's spelling.
std::string_view to_string(record_kind k);
std::optional<record_kind> parse_record_kind(std::string_view text);
/// `taken` or `rejected`.
std::string_view to_string(record_outcome o);
std::optional<record_outcome> parse_record_outcome(std::string_view text);

/// A deployed workflow definition, addressed by the hash of its canonical source.
struct definition_row {
  std::string hash;
  std::string name;
  std::int64_t version = 0;
  std::string stream;
  std::string source;  // the .flow file it was deployed from (its hash is of the canonical text)
  std::string source_name;  // the file it was deployed from
  std::int64_t deployed_at = 0;
  /// The workflows it links to, spawns or sends to, as JSON signatures: what it was checked
  /// against when deployed, and is compiled against again when loaded.
  std::string imports = "[]";
  /// SHA-256 over the hash and the imports (runtime/chain.hpp: definition_seal): checked when
  /// the definition is loaded, so that neither its source nor what it was checked against can be
  /// changed unnoticed.
  std::string seal;
};

/// One link between two instances: `source`'s link `name` holds `target`.
struct link_row {
  std::string source;
  std::string name;
  std::string target;
  std::int64_t made_at = 0;
};

/// An instance's current state. `configuration` and `data` are JSON text.
struct instance_row {
  std::string id;
  std::string definition;  // hash
  std::string workflow;
  runtime::lifecycle lifecycle = runtime::lifecycle::active;
  std::string configuration;
  std::string data;
  std::string memory = "{}";  // what the engine remembers besides data: rule conditions, timers
  std::optional<std::int64_t> next_due;  // the earliest armed timer, for `tick`
  std::int64_t seq = 0;                  // number of journal records of this instance
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

/// One append-only journal record. JSON columns: params, from_config, to_config, changes, detail.
struct journal_row {
  std::int64_t gseq = 0;  // global sequence, assigned when appended
  std::string instance;
  std::int64_t seq = 0;  // per-instance sequence, from 1
  std::string definition;
  record_kind kind = record_kind::event;
  std::optional<std::string> event;
  std::string params = "{}";
  std::optional<std::string> actor;
  std::optional<std::string> event_id;
  std::int64_t at = 0;           // the time of the event (ms since the epoch)
  std::int64_t recorded_at = 0;  // wall-clock time of the commit
  std::string from_config = "[]";
  std::string to_config = "[]";
  std::string changes = "[]";
  record_outcome outcome = record_outcome::taken;
  std::optional<std::string> reason;
  std::string detail = "{}";
  runtime::lifecycle lifecycle = runtime::lifecycle::active;  // the instance's, after this record
  /// The global sequence of the record that caused this one (a send or spawn), if any.
  std::optional<std::int64_t> cause;
  /// SHA-256 over all the fields above, its instance's previous record's hash and the journal's
  /// previous record's hash (runtime/chain.hpp); set when appended.
  std::string hash;
};

/// The head of the journal: its last record's global sequence and hash (0 and empty when the
/// journal is empty). Printed by `vflow digest` as `GSEQ:HASH`.
struct journal_head {
  std::int64_t gseq = 0;
  std::string hash;
};

/// A note the store keeps about the journal itself, e.g. that records written before the hash
/// chain existed were chained when the database was migrated.
struct journal_note {
  std::int64_t at = 0;
  std::string kind;  // chained
  std::int64_t upto_gseq = 0;
  std::string text;
};

/// Which instances `list` returns.
struct instance_filter {
  std::optional<std::string> workflow;
  std::optional<std::string> state;  // an active state name
  std::optional<runtime::lifecycle> lifecycle;
  std::size_t limit = 1000;
};

/// What `find` selects. Every criterion given must hold; none given selects everything.
/// Instance criteria: workflow, version, stream, lifecycle, states. Record criteria (actor,
/// event, outcome, kind, since, until): with `records`, the records; without, instances with at
/// least one such record (without any record criterion, since and until bound the instance's
/// creation).
struct find_filter {
  std::optional<std::string> workflow;
  std::optional<std::int64_t> version;
  std::optional<std::string> stream;
  std::optional<runtime::lifecycle> lifecycle;
  std::optional<std::string> state;  ///< active now
  std::optional<std::string> ever;   ///< reached by some record
  /// In this state at some time in [during_from, during_to) (needs both).
  std::optional<std::string> during;
  std::optional<std::int64_t> during_from, during_to;
  std::optional<std::string> actor;
  std::optional<std::string> event;
  std::optional<record_outcome> outcome;
  std::optional<record_kind> kind;
  std::optional<std::int64_t> since, until;  ///< [since, until), ms
  /// Paging: after this instance id (in creation order) or record (global sequence).
  std::optional<std::string> after_id;
  std::optional<std::int64_t> after_gseq;
  std::size_t limit = 100;
  bool has_record_criteria() const { return actor || event || outcome || kind; }
};

/// One value of a query's answer.
struct query_cell {
  enum class type { null, integer, real, text };
  type kind = type::null;
  std::int64_t integer = 0;
  double real = 0;
  std::string text;
};

/// The answer to a read-only query: column names and rows, in order.
struct query_result {
  std::vector<std::string> columns;
  std::vector<std::vector<query_cell>> rows;
  bool cut = false;  ///< more rows matched than the row limit allowed
};

/// Bounds on a read-only query.
struct query_limits {
  std::size_t max_rows = 10000;
  int timeout_ms = 10000;
};

/// A query refused or failed for what it says (not allowed, malformed, too slow): nothing about
/// the store's health. The message is the database's, or ours.
class query_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The operations available inside one transaction.
class store_transaction {
 public:
  virtual ~store_transaction() = default;
  virtual std::optional<definition_row> definition(const std::string& hash) = 0;
  /// The highest version deployed of workflow `name`.
  virtual std::optional<definition_row> latest_definition(const std::string& name) = 0;
  /// Version `version` of workflow `name`.
  virtual std::optional<definition_row> definition_version(const std::string& name,
                                                           std::int64_t version) = 0;
  /// The version new instances of `name` start on: the one deployed last (which may be an
  /// older source deployed again).
  virtual std::optional<definition_row> current_definition(const std::string& name) = 0;
  /// Makes definition `hash` the current one of its workflow.
  virtual void set_current(const std::string& name, const std::string& hash, std::int64_t at) = 0;
  virtual void insert_definition(const definition_row& d) = 0;
  virtual std::optional<instance_row> instance(const std::string& id) = 0;
  virtual void insert_instance(const instance_row& i) = 0;
  virtual void update_instance(const instance_row& i) = 0;
  /// Whether `instance` has a record other than a gate answer after `seq`: what `--expect-seq`
  /// asks (a gate changes nothing, so polling one never makes another writer's update fail).
  virtual bool changed_after(const std::string& instance, std::int64_t seq) = 0;
  /// The record an earlier delivery of `event_id` to `instance` produced, if any.
  virtual std::optional<journal_row> journal_by_event_id(const std::string& instance,
                                                         const std::string& event_id) = 0;
  /// Instance `id` and, when it exists and `event_id` is given, the record an earlier delivery
  /// of that event id produced: what every event reads first. A store with round trips answers
  /// both in one (PostgreSQL); by default, one after the other.
  virtual std::pair<std::optional<instance_row>, std::optional<journal_row>> instance_and_delivery(
      const std::string& id, const std::optional<std::string>& event_id) {
    auto row = instance(id);
    if (!row || !event_id) return {std::move(row), std::nullopt};
    return {std::move(row), journal_by_event_id(id, *event_id)};
  }
  /// Appends `r` to the journal: gives it the next global sequence and its hash, chained to its
  /// instance's previous record and to the journal's last record (runtime/chain.cpp). The one way
  /// a record is written, on every backend.
  void append_journal(journal_row& r);
  /// The journal's last record (global sequence and hash).
  virtual journal_head head() = 0;
  /// What a new record of `instance` is chained to: the journal's head and the hash of the
  /// instance's record `seq` (nothing when `seq` is 0 or there is none). A backend may read both
  /// at once.
  virtual std::pair<journal_head, std::optional<std::string>> chain_ends(
      const std::string& instance, std::int64_t seq) {
    return {head(), seq > 0 ? record_hash(instance, seq) : std::nullopt};
  }
  /// The hash of record `seq` of `instance`, if there is one.
  virtual std::optional<std::string> record_hash(const std::string& instance, std::int64_t seq) = 0;
  /// Up to `limit` records after global sequence `after`, in global order.
  virtual std::vector<journal_row> journal_after(std::int64_t after, std::size_t limit) = 0;
  /// Every deployed definition, by name and version.
  virtual std::vector<definition_row> definitions() = 0;
  /// What the store noted about the journal (oldest first).
  virtual std::vector<journal_note> journal_notes() = 0;
  virtual std::vector<journal_row> history(const std::string& instance) = 0;
  virtual std::vector<instance_row> list(const instance_filter& f) = 0;
  /// Instances matching `f` (not its `records` side), in creation order, at most `f.limit`.
  virtual std::vector<instance_row> find_instances(const find_filter& f) = 0;
  /// Journal records matching `f`, in global order, at most `f.limit`.
  virtual std::vector<journal_row> find_records(const find_filter& f) = 0;
  /// Ids of active instances with a timer due at or before `now`, earliest first.
  virtual std::vector<std::string> due_instances(std::int64_t now, std::size_t limit) = 0;
  /// The links an instance holds, by link name then time made.
  virtual std::vector<link_row> links_from(const std::string& source) = 0;
  /// The links other instances hold to `target`.
  virtual std::vector<link_row> links_to(const std::string& target) = 0;
  /// Every link, by source, name and target (for `verify --all`).
  virtual std::vector<link_row> all_links() = 0;
  virtual void insert_link(const link_row& l) = 0;
  virtual void delete_link(const std::string& source, const std::string& name,
                           const std::string& target) = 0;

  /// A mark inside the transaction (group commit: one per event): what is written after it can
  /// be undone alone (`rollback_to_mark`) or kept (`release_mark`). Marks do not nest.
  virtual void mark() = 0;
  virtual void release_mark() = 0;
  virtual void rollback_to_mark() = 0;

 protected:
  /// Inserts `r` as it is, global sequence and hash included.
  virtual void insert_journal(const journal_row& r) = 0;
};

/// A database of definitions, instances and the journal.
class store {
 public:
  virtual ~store() = default;
  /// Runs `work` in one write transaction (BEGIN IMMEDIATE ... COMMIT): all of it is durable
  /// when this returns, or none of it happened and an exception propagates. `work` may run more
  /// than once when the database is busy, so it must not have effects outside the transaction.
  virtual void write(const std::function<void(store_transaction&)>& work) = 0;
  /// Runs `work` in one read transaction with a consistent snapshot.
  virtual void read(const std::function<void(store_transaction&)>& work) = 0;
  /// Runs one read-only SQL statement over the documented views (docs/audit.md: instances,
  /// journal, links, timers, definitions, notes), in a read transaction, within `limits`. Throws
  /// query_error for a statement that is not one SELECT over those views, or that fails.
  virtual query_result query(const std::string& sql, const query_limits& limits) = 0;
  /// The backend and its version, e.g. `SQLite 3.40.1`.
  virtual std::string backend() const = 0;
};

/// How the SQLite store opens its file.
struct sqlite_options {
  bool create = true;           ///< create the file and schema when missing
  bool read_only = false;       ///< open for reading only
  int busy_timeout_ms = 10000;  ///< SQLite's own wait for locks
  int busy_retries = 1000;      ///< at most this many retries of a busy transaction within that
  std::string synchronous = "FULL";  ///< FULL (durable on power loss) or NORMAL
};

/// Opens (creating and migrating when needed) the SQLite store at `path`.
std::unique_ptr<store> open_sqlite_store(const std::string& path,
                                         const sqlite_options& options = {});

/// The SQLite library version the store runs on, e.g. `3.40.1`.
std::string sqlite_version();

/// How the PostgreSQL store connects.
struct postgres_options {
  bool create = true;           ///< create the schema in a database that has none
  bool read_only = false;       ///< refuse writes (reads run in READ ONLY transactions anyway)
  int busy_timeout_ms = 10000;  ///< the lock timeout, and how long conflicts are retried
};

/// True for a PostgreSQL connection URI (`postgresql://...` or `postgres://...`), which `--db`
/// and VFLOW_DB take besides a file name.
bool is_postgres_url(std::string_view db);

/// Connects to the PostgreSQL database `url` (a libpq connection URI), creating the schema in
/// it when it has none.
std::unique_ptr<store> open_postgres_store(const std::string& url,
                                           const postgres_options& options = {});

}  // namespace vflow::runtime
