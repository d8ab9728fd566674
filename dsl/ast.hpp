// The syntax tree of a .flow file; every node carries its 1-based source span.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vflow::dsl {

/// A region of source text: byte offsets plus 1-based line and column of both ends
/// (the end is one past the last character).
struct source_span {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::uint32_t line = 1;
  std::uint32_t column = 1;
  std::uint32_t end_line = 1;
  std::uint32_t end_column = 1;
};

enum class expr_kind : std::uint8_t {
  int_literal,
  string_literal,
  bool_literal,
  null_literal,
  duration_literal,
  name,         // a data field
  event_param,  // event.NAME
  now,
  actor,  // the identity that fired the event
  unary,
  binary,
  in_list,      // children[0] in [children[1..]]
  call,         // text(children...)
  member,       // LINK.FIELD (text: the whole of it)
  conditional,  // if children[0] then children[1] else children[2]
};

enum class unary_op : std::uint8_t { negate, not_ };

enum class binary_op : std::uint8_t {
  or_,
  and_,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  coalesce,
  add,
  sub,
  mul,
  div,
  mod,
};

/// An expression is an index into its file's expression pool (`flow_file::exprs`).
using expr_ref = std::uint32_t;

/// An expression node. Nodes live in one pool per file and name their children by index, so a
/// large file costs one allocation for all its expressions rather than one per node.
struct expr {
  expr_kind kind = expr_kind::null_literal;
  unary_op uop = unary_op::negate;
  binary_op bop = binary_op::or_;
  bool overflow = false;       // an int literal that does not fit in 64 bits
  bool parenthesized = false;  // written in parentheses (fmt keeps them)
  std::uint32_t depth = 1;     // height of this subtree
  source_span span;
  std::int64_t number = 0;        // int value, bool (0/1), or duration in milliseconds
  std::uint32_t text_begin = 0;   // name, parameter, function name, the string literal's value,
  std::uint32_t text_size = 0;    // or the digits of an int literal: in flow_file::strings
  std::uint32_t first_child = 0;  // into flow_file::children
  std::uint32_t child_count = 0;
};

/// `int`, `string?`, ... as written.
struct type_ref {
  std::string name;  // for `ref W`, the workflow W
  bool nullable = false;
  source_span span;
  bool is_ref = false;  // `ref W`
};

/// How many instances a link holds.
enum class link_cardinality : std::uint8_t { one, optional, many };

/// `NAME: WORKFLOW[?|[]] [inverse OTHER]` in a links block.
struct link_decl {
  std::string name;
  source_span name_span;
  std::string workflow;
  source_span workflow_span;
  link_cardinality cardinality = link_cardinality::one;
  std::string inverse;
  source_span inverse_span;
};

/// `name: type [= default]` in a data block.
struct field_decl {
  std::string name;
  source_span name_span;
  type_ref type;
  std::optional<expr_ref> initial;
};

/// `name: type` in an event's parameter list.
struct param_decl {
  std::string name;
  source_span name_span;
  type_ref type;
};

/// `event NAME[(params)]`.
struct event_decl {
  std::string name;
  source_span name_span;
  std::vector<param_decl> params;
};

/// `NAME: expr` in a spawn.
struct spawn_arg {
  std::string name;
  source_span name_span;
  expr_ref value = 0;
};

/// `spawn WORKFLOW(name: expr, ...)`.
struct spawn_decl {
  std::string workflow;
  source_span workflow_span;
  std::vector<spawn_arg> args;
};

/// How an assignment changes its target: `=`, `+=` (add to a link), `-=` (remove from a link).
enum class assign_op : std::uint8_t { set, add, remove };

/// `field = expr`, or `LINK = REF`, `LINK += REF`, `LINK -= REF` inside a transition's block.
struct assignment_stmt {
  std::string field;
  source_span field_span;
  expr_ref value = 0;
  assign_op op = assign_op::set;
  std::optional<spawn_decl> spawn;  // the value is `spawn W(...)`
};

/// `send[!] EVENT[(args)] to LINK`; without `to LINK`, to the instance itself (queued after
/// everything the current event sets off); or, in a transition's block, `raise EVENT[(args)]`.
struct send_decl {
  std::string event;
  source_span event_span;
  std::vector<expr_ref> args;
  std::string link;  // empty: to the instance itself
  source_span link_span;
  bool must = false;
  bool raise = false;             // `raise`: the internal queue, before anything sent
  bool log = false;               // `log EXPR`: args[0] is journaled with the step; event is empty
  std::optional<expr_ref> delay;  // `after DELAY`: a pending send
  std::string label;              // `as NAME`; for `cancel NAME`, the name
  source_span label_span;
  bool cancel = false;  // `cancel NAME`: event is empty
};

/// A name with where it was written.
using spelled = std::pair<std::string, source_span>;

struct rule_action;

/// `on EVENT -> TARGET [when GUARD] [{ ASSIGNMENTS }]`.
struct transition_decl {
  std::string event;  // empty for a timer
  source_span event_span;
  std::optional<expr_ref> after;  // a timer: `after DELAY [when GUARD] -> TARGET`
  bool done = false;              // `done -> TARGET`: the state's final child was reached
  bool always = false;            // `always -> TARGET`: eventless
  std::string target;
  source_span target_span;
  std::optional<expr_ref> guard;
  std::vector<assignment_stmt> assignments;
  std::vector<send_decl> sends;  // applied after the link changes, in order
  // From the block's first `if` on: its statements in order, run after the sends.
  std::vector<rule_action> actions;
  bool targetless = false;            // `on EVENT [when GUARD] { ... }`: the state is not left
  std::vector<spelled> more_events;   // `on a, b.c, * -> ...`: descriptors after the first
  std::vector<spelled> more_targets;  // `-> A, B`: targets after the first
  bool internal = false;              // `-> T internal`: a compound source is not left
  source_span span;                   // from `on` to the end of the transition
};

/// One branch of `if COND { ... } elif COND { ... } else { ... }`: no condition for `else`.
struct if_branch {
  std::optional<expr_ref> condition;
  std::vector<rule_action> body;
  source_span span;            // its keyword
  std::uint32_t end_line = 0;  // the line of its `}`
};

/// An action of a rule: `field = expr` or `raise EVENT(args)`.
struct rule_action {
  bool is_raise = false;
  std::optional<send_decl> send;  // `send ...` (entry and exit blocks)
  std::string target;             // the field assigned, or the event raised
  source_span target_span;
  expr_ref value = 0;               // assignments
  std::vector<expr_ref> args;       // raises
  std::vector<if_branch> branches;  // `if`: its branches, in order (target_span: the `if`)
};

/// The first and last line of a block (`data { ... }`, `entry { ... }`): fmt places comments by
/// them. Zero when the file has no such block.
struct block_lines {
  std::uint32_t line = 0;
  std::uint32_t end_line = 0;
};

/// What a state declaration declares.
enum class state_kind : std::uint8_t { basic, parallel, region, history, deep_history };

/// `[initial] [final] state NAME [{ ... }]`, `parallel NAME { ... }`, `region NAME { ... }` or
/// `[deep] history NAME`.
struct state_decl {
  state_kind kind = state_kind::basic;
  std::vector<state_decl> children;
  std::vector<rule_action> entry;
  std::vector<rule_action> exit;
  std::string name;
  source_span name_span;
  bool is_initial = false;
  bool is_final = false;
  source_span keyword_span;  // the `initial` modifier when present, else `state`
  std::vector<transition_decl> transitions;
  std::uint32_t end_line = 0;  // the line it ends on (its `}`, or its name): fmt places comments
  block_lines entry_block, exit_block;
  std::string history_default;  // `history H -> T`: T
  source_span history_default_span;
  /// `initial -> A[, B...]`: the descendants entered by default, at any depth (SCXML's
  /// `initial` attribute); `initial_span` is its `initial` keyword.
  std::vector<std::pair<std::string, source_span>> initial_targets;
  source_span initial_span;
  /// `initial -> A { ... }` (or, for a history state, `history H -> T { ... }`): run when the
  /// state is entered by that default, after its entry block (SCXML's content of <initial> and
  /// of a history state's default transition).
  std::vector<rule_action> initial_actions;
  block_lines initial_block;
};

/// `deny EVENT[, EVENT...] when COND [because "text"]` inside a policy.
struct deny_clause {
  std::vector<std::pair<std::string, source_span>> events;
  expr_ref condition = 0;
  std::optional<std::string> because;
  source_span span;  // from `deny` to the end of the clause
};

/// `policy NAME "description" { deny clauses }`.
struct policy_decl {
  std::string name;
  source_span name_span;
  std::string description;
  std::vector<deny_clause> clauses;
  std::uint32_t end_line = 0;  // the line of its `}` (fmt places comments by it)
};

/// `rule NAME when COND { actions }`.
struct rule_decl {
  std::string name;
  source_span name_span;
  expr_ref condition = 0;
  std::vector<rule_action> actions;
  std::uint32_t end_line = 0;  // the line of its `}` (fmt places comments by it)
};

/// `title "..."`.
struct title_decl {
  std::string text;
  source_span span;
};

/// `workflow NAME { ... }`.
struct workflow_decl {
  std::string name;
  source_span name_span;
  std::vector<title_decl> titles;
  bool accepts_late_events = false;  // `accept late events`
  bool first_match_wins = false;     // `first match wins`
  std::vector<field_decl> fields;
  std::vector<link_decl> links;
  std::vector<event_decl> events;
  std::vector<state_decl> states;
  std::vector<policy_decl> policies;
  std::vector<rule_decl> rules;
  std::uint32_t end_line = 0;  // the line of its `}` (fmt places comments by it)
  block_lines data_block, links_block;
  /// `initial -> A[, B...]` at the top: as in a state.
  std::vector<std::pair<std::string, source_span>> initial_targets;
  source_span initial_span;
  std::vector<rule_action> initial_actions;  // a block there is an error (F0142)
  block_lines initial_block;
};

/// The expression nodes of one file, stored in fixed-size chunks: appending never moves a node
/// and a large file never needs one huge allocation.
class expr_pool {
 public:
  /// Appends a node and returns its index.
  expr_ref push_back(expr e) {
    if ((size_ & (chunk_size - 1)) == 0) chunks_.push_back(std::make_unique<expr[]>(chunk_size));
    chunks_.back()[size_ & (chunk_size - 1)] = std::move(e);
    return size_++;
  }
  expr& operator[](expr_ref e) { return chunks_[e / chunk_size][e & (chunk_size - 1)]; }
  const expr& operator[](expr_ref e) const { return chunks_[e / chunk_size][e & (chunk_size - 1)]; }
  /// How many nodes the pool holds.
  std::uint32_t size() const { return size_; }

 private:
  static constexpr std::uint32_t chunk_size = 1024;  // a power of two
  std::vector<std::unique_ptr<expr[]>> chunks_;
  std::uint32_t size_ = 0;
};

/// `import "path"`.
struct import_decl {
  std::string path;
  source_span span;
};

/// A whole .flow file.
struct flow_file {
  std::optional<std::string> stream;
  source_span stream_span;
  std::vector<import_decl> imports;
  std::vector<workflow_decl> workflows;
  expr_pool exprs;  // every expression node of the file
  std::vector<expr_ref> children;
  std::string strings;  // the texts of the expression nodes, back to back  // child lists of the
                        // nodes, contiguous per node

  const expr& operator[](expr_ref e) const { return exprs[e]; }
  /// The text of `e` (see expr::text_begin).
  std::string_view text(const expr& e) const {
    return std::string_view(strings).substr(e.text_begin, e.text_size);
  }
  /// The i-th child of `e`.
  const expr& child(const expr& e, std::uint32_t i) const {
    return exprs[children[e.first_child + i]];
  }
  /// The index of the i-th child of `e`.
  expr_ref child_ref(const expr& e, std::uint32_t i) const { return children[e.first_child + i]; }
};

}  // namespace vflow::dsl
