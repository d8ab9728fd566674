// The compiled, immutable state machine: dense ids, transition tables and resolved expressions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/value.hpp"

namespace vflow::engine {

/// Dense identifiers; distinct types so that a state is never passed where an event is meant.
enum class state_id : std::uint32_t {};
enum class event_id : std::uint32_t {};
enum class field_id : std::uint32_t {};
enum class param_id : std::uint32_t {};
enum class transition_id : std::uint32_t {};
enum class expr_id : std::uint32_t {};

/// The underlying index of a dense id.
template <typename Id>
constexpr std::uint32_t index(Id id) {
  return static_cast<std::uint32_t>(id);
}

/// Marks "no expression" (an absent guard).
inline constexpr expr_id no_expr = static_cast<expr_id>(0xffffffffu);

/// Operations of resolved expression nodes. Operand types were checked at compile time, so each
/// arithmetic node already says which domain it computes in.
enum class op : std::uint8_t {
  literal,       // constant value
  field,         // instance data field
  param,         // parameter of the event being processed
  now,           // time of the event being processed
  actor,         // identity that fired the event being processed (string, or null)
  in_state,      // index = a state id: is that state active
  neg_int,       // -int
  neg_duration,  // -duration
  not_,          // not bool
  and_,          // short-circuit
  or_,           // short-circuit
  add_int,
  sub_int,
  mul_int,
  div_int,
  mod_int,
  add_duration,       // duration + duration
  sub_duration,       // duration - duration
  add_time_duration,  // time + duration, duration + time (operands ordered time first)
  sub_time_duration,  // time - duration
  sub_time_time,      // time - time -> duration
  mul_duration_int,   // duration * int, int * duration (operands ordered duration first)
  div_duration_int,   // duration / int
  concat,             // string + string
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  in_list,   // operand 0 in operands 1..n
  coalesce,  // operand 0 ?? operand 1
  len,       // len(string) -> int (bytes)
  lower,     // lower(string) -> string (ASCII)
  contains,  // contains(string, string) -> bool
  cond,      // if operand 0 then operand 1 else operand 2
  // Reads of linked instances (see `link_def`; the activation's `links` holds them):
  link_count,     // index = a link: how many instances it holds -> int
  link_id,        // index = a single link: the id of the instance it holds (a ref), or null
  link_in_state,  // index = a single link; operand 0: literal state name -> bool
  link_field,     // index = a single link; operands: literal field name, literal type spelling
  link_all,       // index = a link; operand 0: a condition over each linked instance -> bool
  link_any,       // likewise, true when one holds
  each_in_state,  // inside link_all/link_any: operand 0: literal state name -> bool
  each_field,     // inside link_all/link_any: operands as for link_field
};

/// One node of a resolved expression. Children are listed in `machine::operands`.
struct expr_node {
  op code = op::literal;
  std::uint32_t index = 0;          // field / param id, or literal index
  std::uint32_t first_operand = 0;  // into machine::operands
  std::uint32_t operand_count = 0;
};

/// The source position of a construct, kept so explanations can point at the .flow text.
struct source_pos {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

/// One conjunct of a condition (`a and b and c` has three), kept so explanations can show which
/// part held and what it read.
struct condition_part {
  expr_id expr{};
  std::uint32_t begin = 0;  // its text: [begin, begin + size) of the whole condition's text
  std::uint32_t size = 0;
};

/// A declared instance data field.
struct field_def {
  std::string name;
  type declared;
  std::string ref;        // `ref W`: the workflow the id must name (the value is the instance's id)
  bool required = false;  // no default and not nullable: must be given at start
  value initial;          // the default (null for nullable fields without one)
};

/// A declared event parameter.
struct param_def {
  std::string name;
  type declared;
  std::string ref;  // `ref W`: the workflow the id must name (the value is the instance's id)
};

/// How many instances a link holds: exactly one (`W`), zero or one (`W?`), any number (`W[]`).
enum class cardinality : std::uint8_t { one, optional, many };

/// `links { NAME: WORKFLOW[?|[]] [inverse OTHER] }`: a typed reference to other instances.
struct link_def {
  std::string name;
  std::string workflow;
  engine::cardinality cardinality = cardinality::one;
  std::string inverse;  // the link of the other workflow kept in step with this one, or empty
  source_pos pos;
};

/// What an effect does to the world outside the instance. The engine only reports effects; the
/// runtime applies them in the step's transaction.
enum class effect_kind : std::uint8_t {
  link_add,     // LINK += REF
  link_remove,  // LINK -= REF
  link_set,     // LINK = REF (a single link; null unlinks)
  spawn,        // LINK += spawn W(...) or LINK = spawn W(...): a new instance, linked
  send,         // send EVENT(args) to LINK: the event, to every linked instance
  raise,        // raise EVENT(args): the instance's internal queue (the engine's own)
  send_self,    // send EVENT(args): the instance's external queue, after the internal one
  log,          // log EXPR: the value (args[0]), journaled with the step
  cancel,       // cancel NAME: the instance's pending sends named NAME are dropped
};

/// Whether the runtime applies an effect (the rest are the engine's own queues).
constexpr bool is_external(effect_kind k) {
  return k != effect_kind::raise && k != effect_kind::send_self && k != effect_kind::cancel;
}

/// A link change, spawn or send in a transition, timer, or entry or exit block.
struct effect_def {
  effect_kind kind = effect_kind::send;
  std::uint32_t link = 0;
  expr_id target{};                // link changes: the id (a `ref` value)
  std::string name;                // spawn: the workflow; send: the event
  std::vector<std::string> names;  // spawn: fields and links given; send: the parameters
  std::vector<expr_id> args;       // their values, in the same order
  bool must = false;               // `send!`: a refused delivery rolls the sender back
  source_pos pos;
  event_id event{};         // raise, send_self: the instance's own event
  expr_id delay = no_expr;  // send_self `after DELAY`: a pending send, delivered by a tick
  std::string label;        // send_self `as NAME`, cancel NAME
};

/// A declared event.
struct event_def {
  std::string name;
  std::vector<param_def> params;
  std::uint32_t first_deny = 0;  // deny clauses naming this event occupy
  std::uint32_t deny_count = 0;  // machine::denies[first, first + count), in document order
};

/// `policy NAME "description" { ... }`.
struct policy_def {
  std::string name;
  std::string description;
  source_pos pos;
};

/// One `deny EVENT when COND [because "text"]` clause, for one of the events it names.
struct deny_def {
  event_id event{};
  std::uint32_t policy = 0;
  expr_id condition{};
  std::vector<condition_part> parts;
  std::string condition_text;
  std::string because;
  source_pos pos;
};

/// What a rule does when it fires.
/// `branch_unless` and `jump` are how `if / elif / else` runs: they move within the block.
enum class action_kind : std::uint8_t { assign, raise, effect, branch_unless, jump };

/// `field = expr` or `raise EVENT(args)` inside a rule; a statement of an entry or exit block.
struct rule_action_def {
  action_kind kind = action_kind::assign;
  field_id field{};
  expr_id value{};  // assign: the value; branch_unless: the condition
  event_id event{};
  // Into machine::rule_args; for an effect, its machine::effects index; for branch_unless (when
  // its condition is false) and jump: how many actions forward the block goes on.
  std::uint32_t first_arg = 0;
  std::uint32_t arg_count = 0;
};

/// `rule NAME when COND { actions }`: fires when COND turns from false to true.
struct rule_def {
  std::string name;
  expr_id condition{};
  std::vector<condition_part> parts;
  std::string condition_text;
  source_pos pos;
  std::uint32_t first_action = 0;
  std::uint32_t action_count = 0;
};

/// Marks a workflow that declares no `error.execution` event (machine::error_event).
inline constexpr std::uint32_t no_error_event = 0xffffffffu;

/// Marks "no state" (the parent of a top-level state, a missing initial child).
inline constexpr state_id no_state = static_cast<state_id>(0xffffffffu);

/// What a state is: a leaf, a state with children (one active at a time), a parallel state
/// (all its regions active at once), or a history pseudo-state.
enum class state_kind : std::uint8_t { atomic, compound, parallel, history, deep_history };

/// A declared state. States are numbered in document order, parents before their children.
struct state_def {
  std::string name;
  state_kind kind = state_kind::atomic;
  bool is_final = false;
  source_pos pos;
  state_id parent = no_state;
  state_id initial_child = no_state;  // compound states: the child entered by default
  std::uint32_t depth = 0;            // 0 for top-level states
  std::uint32_t first_child = 0;      // machine::children[first_child, + child_count)
  std::uint32_t child_count = 0;
  // The state's transitions occupy machine::transitions[first_transition, + transition_count),
  // sorted by event then document order; its timers machine::timers[first_timer, + timer_count);
  // its done and always transitions machine::done / machine::always likewise.
  std::uint32_t first_transition = 0;
  std::uint32_t transition_count = 0;
  std::uint32_t first_timer = 0;
  std::uint32_t timer_count = 0;
  std::uint32_t first_done = 0;
  std::uint32_t done_count = 0;
  std::uint32_t first_always = 0;
  std::uint32_t always_count = 0;
  // Entry and exit actions: machine::rule_actions[first_entry, + entry_count) and likewise.
  std::uint32_t first_entry = 0;
  std::uint32_t entry_count = 0;
  std::uint32_t first_exit = 0;
  std::uint32_t exit_count = 0;
  /// `initial -> A, B`: the descendants entered by default instead of `initial_child` (which is
  /// then the child holding the first of them), machine::initial_targets[first, + count).
  std::uint32_t first_initial_target = 0;
  std::uint32_t initial_target_count = 0;
  /// `initial -> A { ... }` of a compound state, or `history H -> T { ... }` of a history state:
  /// machine::rule_actions[first_default_action, + count), run when that default is taken, after
  /// the entry block of the state (of the history state's parent).
  std::uint32_t first_default_action = 0;
  std::uint32_t default_action_count = 0;
  /// History states: where `history H -> T` leads before the parent was ever left.
  state_id history_default = no_state;
  /// The event `done.state.NAME`, when the workflow declares it: raised when the state completes.
  std::uint32_t done_event = 0xffffffffu;
};

/// `field = expr` executed when a transition is taken.
struct assignment {
  field_id field;
  expr_id value;
};

/// `on EVENT -> TARGET [when GUARD] [{ ASSIGNMENTS }]`.
struct transition_def {
  state_id source;
  event_id event;
  state_id target;
  expr_id guard = no_expr;
  std::uint32_t first_assignment = 0;
  std::uint32_t assignment_count = 0;
  std::uint32_t first_effect = 0;  // machine::effects[first_effect, + effect_count)
  std::uint32_t effect_count = 0;
  // From the block's first `if` on: machine::rule_actions[first_action, + action_count), run
  // after the effects.
  std::uint32_t first_action = 0;
  std::uint32_t action_count = 0;
  source_pos pos;
  std::string guard_text;  // the guard as written, for explanations
  std::vector<condition_part> guard_parts;
  // `-> A, B`: the targets after the first, machine::extra_targets[first, + count).
  std::uint32_t first_extra_target = 0;
  std::uint32_t extra_target_count = 0;
  bool internal = false;  // `internal`: a compound source whose descendants it targets stays
};

/// `after DELAY [when GUARD] -> TARGET [{ ASSIGNMENTS }]`: armed when its state is entered (the
/// delay is evaluated then), cancelled when the state is left, fired by a clock tick.
struct timer_def {
  state_id source{};
  state_id target{};
  expr_id delay{};
  std::string delay_text;
  expr_id guard = no_expr;
  std::string guard_text;
  std::vector<condition_part> guard_parts;
  std::uint32_t first_assignment = 0;
  std::uint32_t assignment_count = 0;
  std::uint32_t first_effect = 0;
  std::uint32_t effect_count = 0;
  std::uint32_t first_action = 0;  // as transition_def's
  std::uint32_t action_count = 0;
  source_pos pos;
};

/// Which table of the machine a transition is in.
enum class edge_kind : std::uint8_t { event, done, always, timer };

/// One transition of a machine: transitions, done, always or timers[index]. Steps report the
/// ones they take; the journal keeps them, and pictures draw them.
struct taken_edge {
  edge_kind kind = edge_kind::event;
  std::uint32_t index = 0;

  friend bool operator==(const taken_edge&, const taken_edge&) = default;
};

/// An immutable, compiled workflow. Built by the compiler; read-only for the engine.
struct machine {
  std::string name;
  std::string stream;
  std::string title;
  std::string source_name;
  state_id initial{};

  std::vector<field_def> fields;
  std::vector<link_def> links;
  std::vector<event_def> events;
  std::vector<state_def> states;
  std::vector<transition_def> transitions;
  std::vector<timer_def> timers;          // grouped by state, see state_def::first_timer
  std::vector<transition_def> done;       // `done -> T` transitions, grouped by state
  std::vector<transition_def> always;     // `always -> T` transitions, grouped by state
  std::vector<state_id> children;         // child lists, see state_def::first_child
  std::vector<state_id> extra_targets;    // see transition_def::first_extra_target
  std::vector<state_id> initial_targets;  // see state_def::first_initial_target
  /// `initial -> A, B` at the top: what a new instance enters (`initial` is then the top-level
  /// state holding the first of them).
  std::vector<state_id> root_initial;
  /// Eventless transitions taken in one step before it is rolled back as a loop.
  std::uint32_t max_eventless = 100;
  /// Whether anything can follow a transition besides the transition itself: rules, eventless
  /// or done transitions, entry or exit actions, nested states. Set by the compiler; plain flat
  /// machines skip the work of running to completion.
  bool reactive = false;
  std::vector<assignment> assignments;
  std::vector<expr_node> nodes;
  std::vector<std::uint32_t> operands;  // child node indices
  std::vector<value> literals;
  std::vector<policy_def> policies;
  std::vector<deny_def> denies;  // grouped by event, see event_def::first_deny
  std::vector<rule_def> rules;
  std::vector<rule_action_def> rule_actions;
  std::vector<expr_id> rule_args;
  std::vector<effect_def> effects;
  /// Whether any expression reads linked instances (the runtime then loads and journals them).
  bool reads_links = false;

  /// `accept late events`: an event whose time is before the instance's last record is applied
  /// rather than refused.
  bool accepts_late_events = false;
  /// `first match wins`: two transitions of one state on one event are allowed (the first in
  /// document order is taken), as SCXML has it.
  bool first_match_wins = false;
  /// `error.execution` (or `error`) when the workflow declares it without parameters: a failure
  /// in executable content then skips the rest of its block and raises this event (SCXML),
  /// instead of rolling the step back.
  std::uint32_t error_event = 0xffffffffu;
  /// Rule firings allowed in one step before it is rolled back as a cycle.
  std::uint32_t max_rule_firings = 64;
  /// Expression operations allowed in one step before it is rolled back.
  std::uint64_t evaluation_budget = 100000;

  const state_def& state(state_id s) const { return states[index(s)]; }
  const event_def& event(event_id e) const { return events[index(e)]; }
  const field_def& field(field_id f) const { return fields[index(f)]; }
  const transition_def& transition(transition_id t) const { return transitions[index(t)]; }

  /// Looks a state, event or field up by name (linear; for the edges, not the hot path).
  std::optional<state_id> find_state(std::string_view name) const;
  std::optional<event_id> find_event(std::string_view name) const;
  /// The event an occurrence named `name` is: the event of that name; else, for a dotted name,
  /// the longest declared prefix of it (`a.b` for `a.b.c`: SCXML's descriptors match by words,
  /// so the transitions that match it are those that match `a.b.c`); else `*` when declared.
  std::optional<event_id> match_event(std::string_view name) const;
  std::optional<field_id> find_field(std::string_view name) const;
  std::optional<std::uint32_t> find_link(std::string_view name) const;
  std::optional<std::uint32_t> find_rule(std::string_view name) const;
  std::optional<std::uint32_t> find_policy(std::string_view name) const;
};

}  // namespace vflow::engine
