// The embedding API: deploy definitions, start instances, fire events, read status and history.
// The vflow command is a thin layer over this; examples/embed uses it directly.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dsl/diagnostic.hpp"
#include "engine/machine.hpp"
#include "engine/value.hpp"
#include "runtime/lifecycle.hpp"
#include "runtime/store.hpp"

namespace vflow::runtime {

/// How a request ended. Everything but `ok` leaves the store exactly as it was, except
/// `rejected`, which journals the refused attempt (auditors ask who tried).
enum class status {
  ok,         ///< done (or an idempotent repeat of something done)
  rejected,   ///< the workflow said no: event not enabled, guards false, instance not active
  not_found,  ///< unknown instance or workflow
  conflict,   ///< expected sequence mismatch, id already used, event id reused differently
  invalid,    ///< bad input: unknown event, field or parameter, value of the wrong type
};

/// `ok`, `rejected`, `not_found`, `conflict` or `invalid`.
std::string_view to_string(status s);

/// `name=value` pairs from a command line or a caller; values are parsed by the declared type.
using named_values = std::vector<std::pair<std::string, std::string>>;

/// A timer armed on an instance: fires at the first tick at or after `due`.
struct pending_timer {
  std::string state;
  std::string after;  // the delay as written, e.g. `15m`
  std::uint32_t line = 0;
  std::int64_t due = 0;
};

/// A delayed send the instance made itself (`send E after D [as NAME]`): delivered by the first
/// tick at or after `due`.
struct pending_delivery {
  std::string event;
  std::string name;  // `as NAME`, or empty
  std::int64_t due = 0;
};

/// An instance as callers see it.
struct instance_view {
  std::string id;
  std::string workflow;
  std::int64_t version = 0;
  std::string stream;
  std::string definition;  // content hash
  runtime::lifecycle lifecycle = runtime::lifecycle::active;
  std::vector<std::string> state;                           // active atomic (leaf) state names
  std::vector<std::string> configuration;                   // every active state, parents included
  std::vector<std::pair<std::string, engine::value>> data;  // in declaration order
  std::vector<pending_timer> timers;
  std::vector<pending_delivery> sends;
  /// The instances each link holds, in the workflow's link order (links holding none included).
  std::vector<std::pair<std::string, std::vector<std::string>>> links;
  /// What each history state remembers (restored by a transition to it).
  std::vector<std::pair<std::string, std::vector<std::string>>> history;
  std::int64_t seq = 0;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

/// The result of start, fire and lifecycle requests.
struct step_outcome {
  runtime::status status = runtime::status::ok;
  std::string message;     // why, when not ok
  bool duplicate = false;  // an event id delivered before: this is the first delivery's outcome
  std::optional<instance_view> instance;  // the instance after the request
  std::optional<journal_row> record;      // the journal record written (or found, if duplicate)
  /// Timers that were due by the event's time, fired (and journaled) before it was applied.
  std::vector<journal_row> timers;
  /// A gate or a dry run that says no: every reason, each policy that denies and the state's
  /// (no transition for the event, or every guard false). `message` joins them.
  std::vector<std::string> blockers;
};

/// The result of a batch of events applied in one transaction (group commit).
struct batch_outcome {
  std::vector<step_outcome> events;  ///< one per request, in order
  bool committed =
      false;  ///< false: nothing was written (all or nothing said no, or a store error)
};

/// A .flow file to deploy.
struct source_file {
  std::string name;  ///< where it came from, for diagnostics and the record
  std::string text;
  bool context = false;  ///< imported by another file: read for its signatures, not deployed
};

/// One deployed workflow.
struct deployed_workflow {
  std::string source_name;
  std::string name;
  std::int64_t version = 0;
  std::string hash;
  bool created = false;       ///< a new version; false: identical source was deployed before
  bool made_current = false;  ///< new instances start on it now (new, or an older one again)
};

/// One deployed version of a workflow (`vflow versions`).
struct workflow_version {
  std::string workflow;
  std::int64_t version = 0;
  std::string hash;
  std::string stream;
  std::string source_name;  ///< the file it was deployed from
  std::int64_t deployed_at = 0;
  bool current = false;  ///< new instances start on it
};

/// The result of deploying a set of files.
struct deploy_outcome {
  std::vector<dsl::diagnostic> diagnostics;
  std::vector<deployed_workflow> workflows;
  bool ok() const { return dsl::count(diagnostics, dsl::severity::error) == 0; }
};

/// A request to start an instance.
struct start_request {
  std::string workflow;
  std::optional<std::string> id;  ///< generated when absent
  /// Field values, and links (`service=AS-7`; a `[]` link may be named more than once, or take
  /// ids separated by commas).
  named_values fields;
  std::optional<std::string> actor;
  std::optional<std::int64_t> at;       ///< ms since the epoch; default: now
  std::optional<std::int64_t> version;  ///< pin a deployed version; default: the current one
};

/// A request to deliver an event.
struct fire_request {
  std::string id;
  std::string event;
  named_values params;
  std::optional<std::string> actor;
  std::optional<std::string> event_id;  ///< idempotency key
  /// Optimistic concurrency: a conflict unless the instance is as it was at this seq (only gate
  /// answers, which change nothing, may have been journaled since).
  std::optional<std::int64_t> expect_seq;
  std::optional<std::int64_t> at;
  bool dry_run = false;  ///< decide and explain, but write nothing
};

/// A CI gate question: would EVENT be taken now (`can`), or is the instance in one of the
/// states (`in`)? The answer is journaled as a gate record; the instance does not change.
struct gate_request {
  std::string id;
  std::optional<std::string> can;  ///< an event name
  named_values params;             ///< its parameters
  std::vector<std::string> in;     ///< state names
  std::optional<std::string> actor;
  std::optional<std::int64_t> at;
};

/// A request to suspend, resume or cancel an instance.
struct lifecycle_request {
  std::string id;
  lifecycle_event action = lifecycle_event::suspend;
  std::optional<std::string> reason;
  std::optional<std::string> actor;
  std::optional<std::int64_t> at;
};

/// A request to link two instances (`vflow link`) or to unlink them (`vflow unlink`).
struct link_request {
  std::string id;
  std::string link;   ///< a link of `id`'s workflow
  std::string other;  ///< the instance it is to hold, or to stop holding
  bool unlink = false;
  std::optional<std::string> actor;
  std::optional<std::int64_t> at;
};

/// Which links `trace` follows: those an instance holds (down), those held to it (up), or both.
enum class trace_direction { down, up, both };

/// A request to trace an instance's lineage through its links.
struct trace_request {
  std::string id;
  trace_direction direction = trace_direction::down;
  std::optional<std::size_t> depth;  ///< links followed from the instance; default: no limit
  std::size_t max_nodes = 10000;     ///< a bound on the answer
};

/// One instance of a trace, with how far from the traced one it is.
struct trace_node {
  std::string id;
  std::string workflow;
  std::string stream;
  std::int64_t version = 0;
  std::vector<std::string> state;
  runtime::lifecycle lifecycle = runtime::lifecycle::active;
  std::size_t depth = 0;
};

/// One link of a trace: `from`'s link `link` holds `to`.
struct trace_edge {
  std::string from;
  std::string link;
  std::string to;
};

/// The lineage graph of an instance: nodes in the order reached (breadth first), edges between
/// them.
struct trace_graph {
  std::vector<trace_node> nodes;
  std::vector<trace_edge> edges;
  bool cut = false;  ///< more was reachable than max_nodes allowed
};

/// What a tick did: each timer fired (or lapsed), with the instance and its journal record.
struct tick_outcome {
  std::int64_t now = 0;
  std::vector<journal_row> fired;
  /// Instances whose due timer could not fire (its sends or spawns failed), with why.
  std::vector<std::pair<std::string, std::string>> failed;
};

/// The result of verifying an instance (its chain and the replay of its journal) or the whole
/// journal (`verify_all`).
struct verify_outcome {
  runtime::status status = runtime::status::ok;
  bool consistent = false;
  std::size_t records = 0;  ///< records checked
  std::string message;      ///< what was found: the first broken thing, or that all is well
  /// Where the first break is, when one was found: the instance, its record (`seq`, 0 when the
  /// instance itself differs) and that record's global sequence (0 when not a record).
  std::string instance;
  std::int64_t seq = 0;
  std::int64_t gseq = 0;
  std::size_t instances = 0;    ///< instances checked
  std::size_t definitions = 0;  ///< definitions checked (`verify_all`)
  std::size_t links = 0;        ///< links checked (`verify_all`, replaying)
  journal_head head;            ///< the journal's head (`verify_all`)
  /// Records grown since the digest verified against (`verify_all` with `against`).
  std::optional<std::int64_t> grown;
  std::vector<journal_note> notes;  ///< what the store noted about the journal
};

/// A `find` request: the store's criteria, and a condition on the instance's data written in the
/// .flow expression language (it needs `filter.workflow`).
struct find_request {
  find_filter filter;
  std::optional<std::string> where;
  bool records = false;  ///< records instead of instances
};

/// What `find` found: one page, and where the next one starts when more match.
struct find_outcome {
  runtime::status status = runtime::status::ok;
  std::string message;                       ///< when not ok (a bad --where)
  std::vector<dsl::diagnostic> diagnostics;  ///< of the --where expression
  std::vector<instance_view> instances;      ///< without data, unless `where` read it
  std::vector<journal_row> records;
  std::optional<std::string> next;  ///< pass as after_id / after_gseq for the next page
};

/// A workflow runtime over a store.
class loaded_instance;  // runtime/decisions.hpp

class engine_runtime {
 public:
  /// Uses `s` for all persistence.
  explicit engine_runtime(std::unique_ptr<store> s);
  ~engine_runtime();
  engine_runtime(const engine_runtime&) = delete;
  engine_runtime& operator=(const engine_runtime&) = delete;

  /// Opens the embedded SQLite store at `path` (created when missing).
  static engine_runtime open(const std::string& path, const sqlite_options& options = {});

  engine_runtime(engine_runtime&&) noexcept;

  /// Sets the key `secret` fields and parameters are hashed with (HMAC-SHA-256; at least 16
  /// bytes; throws std::invalid_argument when shorter). Without one, a request that gives a
  /// secret is refused (status invalid). Secrets compare equal only under the key they were
  /// hashed with: a request giving a secret to an instance holding one hashed under another key
  /// is refused too.
  void set_secret_key(std::string key);

  /// Compiles `files` and stores each workflow by content hash: identical source is a no-op,
  /// changed source becomes the next version, an older source deployed again becomes current.
  /// Running instances keep their definition. All or nothing: when any file has an error, or two
  /// files define one workflow, nothing is stored.
  deploy_outcome deploy(const std::vector<source_file>& files);
  /// Starts an instance of the current version of a workflow (the one deployed last), or of the
  /// version the request pins.
  step_outcome start(const start_request& r);
  /// Delivers an event in one transaction: load, step, journal, update, commit.
  step_outcome fire(const fire_request& r);
  /// Answers a gate question and journals the answer (status ok: yes; rejected: no).
  step_outcome gate(const gate_request& r);
  /// Group commit: applies `requests` in order in one transaction (one commit, one sync), each
  /// journaled as its own record with its own idempotency and outcome, exactly as `fire` would.
  /// A request that fails (unknown instance, bad input, a cascade over its bound) leaves nothing
  /// of itself and the others go on; a rejection is journaled like any. With `all_or_nothing`,
  /// the first request not taken rolls the whole batch back. Dry runs are refused.
  batch_outcome fire_batch(const std::vector<fire_request>& requests, bool all_or_nothing = false);
  /// Fires every timer due at or before `now` (default: the wall clock), across all active
  /// instances, each in its own transaction, earliest first. Idempotent: a fired timer is
  /// consumed, so a second tick at the same time fires nothing.
  tick_outcome tick(std::optional<std::int64_t> now = std::nullopt);
  /// Suspends, resumes or cancels an instance.
  step_outcome change_lifecycle(const lifecycle_request& r);
  /// Links or unlinks two instances, checked like any link (the workflow, the cardinality, the
  /// inverse), journaled on both. Status invalid, and nothing written, when the link is wrong.
  step_outcome link(const link_request& r);
  /// The lineage of an instance through its links; nothing when the instance is unknown.
  std::optional<trace_graph> trace(const trace_request& r);
  /// The current state of an instance.
  std::optional<instance_view> status(const std::string& id);
  /// Instance `id` loaded for questions asked in memory (runtime/decisions.hpp), as of `at`
  /// (default: the wall clock); nothing when the instance is unknown.
  std::optional<loaded_instance> load(const std::string& id,
                                      std::optional<std::int64_t> at = std::nullopt);
  /// The deployed versions of workflow `name` (of every workflow when empty), by workflow and
  /// version; which one is current (redeploying an older source makes it current again).
  std::vector<workflow_version> versions(const std::string& name = "");
  /// The definition an instance runs on: its name, version, source file and source text.
  std::optional<definition_row> definition_of(const std::string& id);
  /// The compiled workflow an instance runs on (as checked when it was deployed, against the
  /// workflows it links to then).
  std::optional<engine::machine> machine_of(const std::string& id);
  /// Every journal record of an instance, oldest first; nothing when the instance is unknown.
  std::optional<std::vector<journal_row>> history(const std::string& id);
  /// Instances matching a filter (without their data).
  std::vector<instance_view> list(const instance_filter& f);
  /// Checks an instance's records against their hashes (each chained to the one before) and
  /// compares the replay of its journal with its stored state.
  verify_outcome verify(const std::string& id);
  /// Checks everything: each definition against its hash, the whole journal's chain (global and
  /// per instance, in order, nothing missing), and every instance against the replay of its
  /// journal; stops at the first break. With `against` (a digest saved earlier), also proves the
  /// journal still holds that head unchanged and has only grown since. One pass over the journal;
  /// without `replay`, the hashes only (definitions and the chain), which is much faster.
  verify_outcome verify_all(const std::optional<journal_head>& against = std::nullopt,
                            bool replay = true);
  /// The journal's head: what `vflow digest` prints for a CI log or a signature.
  journal_head digest();
  /// Instances or journal records by workflow, version, stream, state (now, ever, during a time
  /// range), lifecycle, actor, event, outcome, kind, time range and a condition on the data; one
  /// page at a time, never silently cut.
  find_outcome find(const find_request& r);
  /// Runs one read-only SQL SELECT over the documented views (docs/audit.md) within `limits`;
  /// throws query_error when the statement is refused or fails.
  query_result query(const std::string& sql, const query_limits& limits = {});
  /// The store's backend description.
  std::string backend() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Milliseconds since the epoch, from the system clock.
std::int64_t wall_clock_ms();

}  // namespace vflow::runtime
