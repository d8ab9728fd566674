// PEGTL actions that build the syntax tree, the error messages of every must<> point, and the
// control that bounds nesting depth. The only translation unit of the product that runs PEGTL.
#include "dsl/parser.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "dsl/grammar.hpp"
#include "engine/text.hpp"
#include "engine/value.hpp"

namespace vflow::dsl {

namespace {

namespace pegtl = tao::pegtl;
namespace g = grammar;

enum class type_context : std::uint8_t { field, param };

// Everything the actions need while one file is parsed; passed to PEGTL as parse state.
struct builder {
  builder(std::string_view text, const parse_limits& l) : base(text.data()), limits(l) {
    line_starts.push_back(0);
    const char* const end = text.data() + text.size();
    for (const char* p = text.data();
         (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p))));) {
      ++p;
      line_starts.push_back(static_cast<std::uint32_t>(p - text.data()));
    }
  }

  // 1-based line and column of a byte offset. Offsets arrive mostly in increasing order, so
  // the search starts from the line of the previous look-up.
  std::pair<std::uint32_t, std::uint32_t> locate(std::uint32_t offset) {
    if (offset < line_starts[cursor]) {
      const auto it = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
      cursor = static_cast<std::size_t>(it - line_starts.begin()) - 1;
    }
    while (cursor + 1 < line_starts.size() && line_starts[cursor + 1] <= offset) ++cursor;
    return {static_cast<std::uint32_t>(cursor + 1), offset - line_starts[cursor] + 1};
  }

  source_span span(const char* b, const char* e) {
    source_span s;
    s.begin = static_cast<std::uint32_t>(b - base);
    s.end = static_cast<std::uint32_t>(e - base);
    std::tie(s.line, s.column) = locate(s.begin);
    std::tie(s.end_line, s.end_column) = locate(s.end);
    return s;
  }

  template <typename Input>
  source_span span(const Input& in) {
    return span(in.begin(), in.end());
  }

  expr_ref pop() {
    const expr_ref e = stack.back();
    stack.pop_back();
    return e;
  }

  expr& node(expr_ref e) { return file.exprs[e]; }

  // Stores `text` as the text of `e`.
  void set_text(expr& e, std::string_view text) {
    e.text_begin = static_cast<std::uint32_t>(file.strings.size());
    e.text_size = static_cast<std::uint32_t>(text.size());
    file.strings.append(text);
  }

  workflow_decl& workflow() { return file.workflows.back(); }
  state_decl& state() { return *open_states.back(); }

  // Adds a state to the innermost open state (or the workflow) and opens it.
  state_decl& open_state(state_decl s) {
    auto& siblings = open_states.empty() ? workflow().states : open_states.back()->children;
    siblings.push_back(std::move(s));
    open_states.push_back(&siblings.back());
    return siblings.back();
  }

  // The actions of the rule, entry or exit block being parsed.
  std::vector<rule_action>& actions() { return *action_target; }
  transition_decl& transition() { return state().transitions.back(); }

  const char* base;
  const parse_limits& limits;
  std::vector<std::uint32_t> line_starts;
  std::size_t cursor = 0;  // index into line_starts of the last look-up
  flow_file file;
  std::vector<expr_ref> stack;       // expressions under construction
  std::vector<std::size_t> markers;  // stack sizes where call arguments and list items begin
  std::vector<binary_op> ops;        // operators matched, waiting for their right operand
  std::size_t nesting = 0;           // expression depth, while parsing one
  std::size_t state_nesting = 0;     // state declaration depth
  type_ref pending_type;
  type_context types_for = type_context::field;
  bool pending_initial = false;
  bool pending_final = false;
  std::optional<source_span> pending_mark;
  bool pending_deep = false;
  bool pending_ref = false;
  std::optional<spawn_decl> pending_spawn;
  send_decl pending_send;
  bool in_actions = false;  // a send belongs to an entry or exit block, not a transition
  std::vector<state_decl*> open_states;  // the state being parsed and its ancestors
  std::vector<rule_action>* action_target = nullptr;
};

source_span join(const source_span& a, const source_span& b) {
  return {a.begin, b.end, a.line, a.column, b.end_line, b.end_column};
}

// Adds a node to the file's pool and pushes it on the expression stack.
template <typename Input>
void push_node(builder& b, expr node, const Input& in) {
  if (node.depth > b.limits.max_expr_depth) {
    throw pegtl::parse_error("expression is nested too deeply (the limit is " +
                                 std::to_string(b.limits.max_expr_depth) + " levels)",
                             in);
  }
  b.stack.push_back(b.file.exprs.push_back(std::move(node)));
}

// Records `refs` as the children of `node`, and its depth.
void adopt(builder& b, expr& node, const expr_ref* refs, std::size_t n) {
  node.first_child = static_cast<std::uint32_t>(b.file.children.size());
  node.child_count = static_cast<std::uint32_t>(n);
  std::uint32_t depth = 0;
  for (std::size_t i = 0; i < n; ++i) {
    b.file.children.push_back(refs[i]);
    depth = std::max(depth, b.node(refs[i]).depth);
  }
  node.depth = depth + 1;
}

template <typename Input>
void combine_binary(builder& b, binary_op op, const Input& in) {
  const expr_ref pair[2] = {b.stack[b.stack.size() - 2], b.stack.back()};
  b.stack.resize(b.stack.size() - 2);
  expr node;
  node.kind = expr_kind::binary;
  node.bop = op;
  node.span = join(b.node(pair[0]).span, b.node(pair[1]).span);
  adopt(b, node, pair, 2);
  push_node(b, std::move(node), in);
}

template <typename Input>
expr leaf(builder& b, expr_kind kind, const Input& in) {
  expr e;
  e.kind = kind;
  e.span = b.span(in);
  return e;
}

// Makes the expressions pushed since the last marker (preceded by `extra` more) the children
// of `node`.
void adopt_since_marker(builder& b, expr& node, std::size_t extra = 0) {
  const std::size_t mark = b.markers.back() - extra;
  b.markers.pop_back();
  adopt(b, node, b.stack.data() + mark, b.stack.size() - mark);
  b.stack.resize(mark);
}

template <typename Rule>
struct action : pegtl::nothing<Rule> {};

// ---- expressions ----

template <>
struct action<g::number_literal> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    const std::string_view text = in.string_view();
    expr e = leaf(b, expr_kind::int_literal, in);
    b.set_text(e, text);
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      std::uint64_t magnitude = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude);
      if (ec != std::errc() || end != text.data() + text.size() ||
          magnitude > static_cast<std::uint64_t>(INT64_MAX) + 1) {
        e.overflow = true;
      } else if (magnitude == static_cast<std::uint64_t>(INT64_MAX) + 1) {
        e.overflow = true;  // fits only when negated
        e.number = INT64_MIN;
      } else {
        e.number = static_cast<std::int64_t>(magnitude);
      }
    } else if (const auto ms = engine::parse_duration(text)) {
      e.kind = expr_kind::duration_literal;
      e.number = *ms;
    } else {
      throw pegtl::parse_error("malformed number or duration '" + std::string(text) +
                                   "' (durations look like 30s, 15m, 4h, 2d or 1h30m)",
                               in);
    }
    push_node(b, std::move(e), in);
  }
};

// The value of a string literal's text (with its quotes): escapes replaced.
std::string unescape(std::string_view quoted) {
  const std::string_view raw = quoted.substr(1, quoted.size() - 2);
  std::string value;
  value.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      value += raw[i];
      continue;
    }
    switch (raw[++i]) {
      case 'n': value += '\n'; break;
      case 't': value += '\t'; break;
      case 'r': value += '\r'; break;
      default: value += raw[i]; break;  // \" and \\ (the grammar allows no others)
    }
  }
  return value;
}

template <>
struct action<g::string_literal> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    expr e = leaf(b, expr_kind::string_literal, in);
    b.set_text(e, unescape(in.string_view()));
    push_node(b, std::move(e), in);
  }
};

template <bool Value>
struct bool_action {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    expr e = leaf(b, expr_kind::bool_literal, in);
    e.number = Value ? 1 : 0;
    push_node(b, std::move(e), in);
  }
};
template <>
struct action<g::true_literal> : bool_action<true> {};
template <>
struct action<g::false_literal> : bool_action<false> {};

template <expr_kind Kind>
struct leaf_action {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    expr e = leaf(b, Kind, in);
    if constexpr (Kind == expr_kind::name || Kind == expr_kind::member)
      b.set_text(e, in.string_view());
    push_node(b, std::move(e), in);
  }
};
template <>
struct action<g::null_literal> : leaf_action<expr_kind::null_literal> {};
template <>
struct action<g::now_ref> : leaf_action<expr_kind::now> {};
template <>
struct action<g::name_ref> : leaf_action<expr_kind::name> {};
template <>
struct action<g::actor_ref> : leaf_action<expr_kind::actor> {};

template <>
struct action<g::member_ref> : leaf_action<expr_kind::member> {};

template <>
struct action<g::if_expr> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    expr e = leaf(b, expr_kind::conditional, in);
    const expr_ref parts[3] = {b.stack[b.stack.size() - 3], b.stack[b.stack.size() - 2],
                               b.stack.back()};
    b.stack.resize(b.stack.size() - 3);
    adopt(b, e, parts, 3);
    push_node(b, std::move(e), in);
  }
};

template <>
struct action<g::event_ref> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    expr e = leaf(b, expr_kind::event_param, in);
    const std::string_view text = in.string_view();
    b.set_text(e, text.substr(text.find('.') + 1));
    push_node(b, std::move(e), in);
  }
};

struct push_marker {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.markers.push_back(b.stack.size());
  }
};
template <>
struct action<g::call_open> : push_marker {};
template <>
struct action<g::list_open> : push_marker {};
template <>
struct action<g::raise_open> : push_marker {};

template <>
struct action<g::call> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    expr e = leaf(b, expr_kind::call, in);
    const std::string_view text = in.string_view();
    const auto name_end = std::find_if(text.begin(), text.end(), [](char c) {
      return !(std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    });
    b.set_text(e, text.substr(0, static_cast<std::size_t>(name_end - text.begin())));
    adopt_since_marker(b, e);
    push_node(b, std::move(e), in);
  }
};

template <>
struct action<g::in_tail> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    expr e;
    e.kind = expr_kind::in_list;
    const expr_ref needle = b.stack[b.markers.back() - 1];
    e.span = join(b.node(needle).span, b.span(in));
    adopt_since_marker(b, e, 1);  // the needle, then the list items
    push_node(b, std::move(e), in);
  }
};

// A parenthesised expression spans its parentheses, so that the text of `(n + 1) * 2` (in a
// decision trace, say) is cut from the source with both of them.
template <>
struct action<g::paren_expr> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.node(b.stack.back()).span = b.span(in);
  }
};

template <>
struct action<g::negate> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    const source_span whole = b.span(in);
    expr& operand = b.node(b.stack.back());
    if (operand.kind == expr_kind::int_literal) {
      // Fold -literal so that -9223372036854775808 is representable.
      if (!operand.overflow) {
        operand.number = operand.number == INT64_MIN ? INT64_MIN : -operand.number;
      } else if (operand.number == INT64_MIN) {
        operand.overflow = false;
      }
      const std::string digits(b.file.text(operand));
      b.set_text(operand, digits.front() == '-' ? digits.substr(1) : '-' + digits);
      operand.span = whole;
      return;
    }
    const expr_ref x = b.pop();
    expr e;
    e.kind = expr_kind::unary;
    e.uop = unary_op::negate;
    e.span = whole;
    adopt(b, e, &x, 1);
    push_node(b, std::move(e), in);
  }
};

template <>
struct action<g::not_app> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    const expr_ref x = b.pop();
    expr e;
    e.kind = expr_kind::unary;
    e.uop = unary_op::not_;
    e.span = b.span(in);
    adopt(b, e, &x, 1);
    push_node(b, std::move(e), in);
  }
};

template <>
struct action<g::mul_op> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    const char c = in.peek_char();
    b.ops.push_back(c == '*' ? binary_op::mul : c == '/' ? binary_op::div : binary_op::mod);
  }
};
template <>
struct action<g::add_op> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.ops.push_back(in.peek_char() == '+' ? binary_op::add : binary_op::sub);
  }
};
template <>
struct action<g::cmp_op> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    const std::string_view t = in.string_view();
    binary_op op = binary_op::eq;
    if (t == "!=")
      op = binary_op::ne;
    else if (t == "<=")
      op = binary_op::le;
    else if (t == ">=")
      op = binary_op::ge;
    else if (t == "<")
      op = binary_op::lt;
    else if (t == ">")
      op = binary_op::gt;
    b.ops.push_back(op);
  }
};

struct pending_op_tail {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    const binary_op op = b.ops.back();
    b.ops.pop_back();
    combine_binary(b, op, in);
  }
};
template <>
struct action<g::mul_tail> : pending_op_tail {};
template <>
struct action<g::add_tail> : pending_op_tail {};
template <>
struct action<g::cmp_tail> : pending_op_tail {};

template <binary_op Op>
struct fixed_op_tail {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    combine_binary(b, Op, in);
  }
};
template <>
struct action<g::coalesce_tail> : fixed_op_tail<binary_op::coalesce> {};
template <>
struct action<g::and_tail> : fixed_op_tail<binary_op::and_> {};
template <>
struct action<g::or_tail> : fixed_op_tail<binary_op::or_> {};

// ---- declarations ----

template <>
struct action<g::stream_name> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.file.stream = in.string();
    b.file.stream_span = b.span(in);
  }
};

template <>
struct action<g::import_path> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.file.imports.push_back({unescape(in.string_view()), b.span(in)});
  }
};

template <>
struct action<g::workflow_name> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    workflow_decl w;
    w.name = in.string();
    w.name_span = b.span(in);
    b.file.workflows.push_back(std::move(w));
  }
};

template <>
struct action<g::title_decl> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    const expr& text = b.node(b.pop());
    b.workflow().titles.push_back({std::string(b.file.text(text)), text.span});
  }
};

template <>
struct action<g::field_name> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    field_decl f;
    f.name = in.string();
    f.name_span = b.span(in);
    b.workflow().fields.push_back(std::move(f));
    b.types_for = type_context::field;
  }
};

template <>
struct action<g::field_default> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.workflow().fields.back().initial = b.pop();
  }
};

template <>
struct action<g::type_name> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.pending_type = type_ref{in.string(), false, b.span(in)};
  }
};

template <>
struct action<g::ref_mark> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.pending_ref = true;
  }
};

template <>
struct action<g::type_ref> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.pending_type.nullable = in.string_view().back() == '?';
    b.pending_type.is_ref = b.pending_ref;
    b.pending_ref = false;
    b.pending_type.span = b.span(in);
    if (b.types_for == type_context::field) {
      b.workflow().fields.back().type = std::move(b.pending_type);
    } else {
      b.workflow().events.back().params.back().type = std::move(b.pending_type);
    }
  }
};

template <>
struct action<g::link_name> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    link_decl l;
    l.name = in.string();
    l.name_span = b.span(in);
    b.workflow().links.push_back(std::move(l));
  }
};
template <>
struct action<g::link_workflow> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.workflow().links.back().workflow = in.string();
    b.workflow().links.back().workflow_span = b.span(in);
  }
};
template <>
struct action<g::link_many> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.workflow().links.back().cardinality = link_cardinality::many;
  }
};
template <>
struct action<g::link_optional> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.workflow().links.back().cardinality = link_cardinality::optional;
  }
};
template <>
struct action<g::link_inverse> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.workflow().links.back().inverse = in.string();
    b.workflow().links.back().inverse_span = b.span(in);
  }
};

template <>
struct action<g::event_name> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    event_decl e;
    e.name = in.string();
    e.name_span = b.span(in);
    b.workflow().events.push_back(std::move(e));
  }
};

template <>
struct action<g::param_name> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.workflow().events.back().params.push_back({in.string(), b.span(in), {}});
    b.types_for = type_context::param;
  }
};

template <>
struct action<g::initial_mark> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.pending_initial = true;
    if (!b.pending_mark) b.pending_mark = b.span(in);
  }
};
template <>
struct action<g::final_mark> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.pending_final = true;
    if (!b.pending_mark) b.pending_mark = b.span(in);
  }
};
template <>
struct action<g::state_mark> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    if (!b.pending_mark) b.pending_mark = b.span(in);
  }
};

template <>
struct action<g::state_name> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    state_decl s;
    s.name = in.string();
    s.name_span = b.span(in);
    s.is_initial = b.pending_initial;
    s.is_final = b.pending_final;
    s.keyword_span = *b.pending_mark;
    b.open_state(std::move(s));
    b.pending_initial = b.pending_final = false;
    b.pending_mark.reset();
  }
};

// A state, parallel state or region ends: close it.
struct close_state {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.open_states.pop_back();
  }
};
template <>
struct action<g::state_decl> : close_state {};
template <>
struct action<g::parallel_decl> : close_state {};
template <>
struct action<g::region_decl> : close_state {};

template <state_kind Kind>
struct open_named_state {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    state_decl s;
    s.kind = Kind;
    s.name = in.string();
    s.name_span = b.span(in);
    s.keyword_span = b.pending_mark.value_or(s.name_span);
    s.is_initial = b.pending_initial;
    b.pending_initial = false;
    b.pending_mark.reset();
    b.open_state(std::move(s));
  }
};
template <>
struct action<g::parallel_name> : open_named_state<state_kind::parallel> {};
template <>
struct action<g::region_name> : open_named_state<state_kind::region> {};

template <>
struct action<g::deep_mark> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.pending_deep = true;
  }
};

template <>
struct action<g::history_name> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    state_decl s;
    s.kind = b.pending_deep ? state_kind::deep_history : state_kind::history;
    s.name = in.string();
    s.name_span = b.span(in);
    s.keyword_span = s.name_span;
    b.state().children.push_back(std::move(s));
    b.pending_deep = false;
  }
};

template <>
struct action<g::entry_start> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.action_target = &b.state().entry;
    b.in_actions = true;
  }
};
template <>
struct action<g::exit_start> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.action_target = &b.state().exit;
    b.in_actions = true;
  }
};

template <bool Done>
struct start_pseudo_transition {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    transition_decl t;
    t.done = Done;
    t.always = !Done;
    t.event_span = b.span(in);
    b.state().transitions.push_back(std::move(t));
    b.in_actions = false;
  }
};
template <>
struct action<g::done_start> : start_pseudo_transition<true> {};
template <>
struct action<g::always_start> : start_pseudo_transition<false> {};

template <>
struct action<g::trans_event> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    transition_decl t;
    t.event = in.string();
    t.event_span = b.span(in);
    b.state().transitions.push_back(std::move(t));
    b.in_actions = false;
  }
};

template <>
struct action<g::timer_start> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    transition_decl t;
    t.event_span = b.span(in);
    b.state().transitions.push_back(std::move(t));
    b.in_actions = false;
  }
};

template <>
struct action<g::timer_delay> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.transition().after = b.pop();
  }
};

template <>
struct action<g::trans_target> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.transition().target = in.string();
    b.transition().target_span = b.span(in);
  }
};

template <>
struct action<g::guard> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.transition().guard = b.pop();
  }
};

template <>
struct action<g::assign_field> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.transition().assignments.push_back({in.string(), b.span(in), {}});
  }
};

template <>
struct action<g::assign_eq> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    const char c = in.string_view().front();
    b.transition().assignments.back().op =
        c == '+' ? assign_op::add : (c == '-' ? assign_op::remove : assign_op::set);
  }
};

template <>
struct action<g::spawn_workflow> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.pending_spawn = spawn_decl{in.string(), b.span(in), {}};
  }
};
template <>
struct action<g::spawn_arg_name> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.pending_spawn->args.push_back({in.string(), b.span(in), 0});
  }
};
template <>
struct action<g::spawn_arg> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.pending_spawn->args.back().value = b.pop();
  }
};

template <>
struct action<g::assignment> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    assignment_stmt& a = b.transition().assignments.back();
    if (b.pending_spawn) {
      a.spawn = std::move(b.pending_spawn);
      b.pending_spawn.reset();
    } else {
      a.value = b.pop();
    }
  }
};

template <>
struct action<g::send_start> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.pending_send = send_decl{};
  }
};
template <>
struct action<g::send_must> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.pending_send.must = true;
  }
};
template <>
struct action<g::send_event> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.pending_send.event = in.string();
    b.pending_send.event_span = b.span(in);
  }
};
template <>
struct action<g::send_open> : push_marker {};
template <>
struct action<g::send_args> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    const std::size_t mark = b.markers.back();
    b.markers.pop_back();
    b.pending_send.args.assign(b.stack.begin() + static_cast<std::ptrdiff_t>(mark), b.stack.end());
    b.stack.resize(mark);
  }
};
template <>
struct action<g::send_link> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.pending_send.link = in.string();
    b.pending_send.link_span = b.span(in);
  }
};
template <>
struct action<g::send_stmt> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    if (b.in_actions) {
      rule_action a;
      a.target = b.pending_send.event;
      a.target_span = b.pending_send.event_span;
      a.send = std::move(b.pending_send);
      b.actions().push_back(std::move(a));
    } else {
      b.transition().sends.push_back(std::move(b.pending_send));
    }
    b.pending_send = send_decl{};
  }
};

struct end_transition {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    // The trailing blanks the rule consumed are not part of the transition.
    const char* end = in.end();
    while (end > in.begin() && std::isspace(static_cast<unsigned char>(end[-1]))) --end;
    b.transition().span = b.span(in.begin(), end);
  }
};

template <>
struct action<g::transition> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    end_transition::apply(in, b);
    b.transition().targetless = b.transition().target.empty();
  }
};

template <>
struct action<g::timer> : end_transition {};
template <>
struct action<g::done_transition> : end_transition {};
template <>
struct action<g::always_transition> : end_transition {};

// ---- policies and rules ----

template <>
struct action<g::policy_name> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    policy_decl p;
    p.name = in.string();
    p.name_span = b.span(in);
    b.workflow().policies.push_back(std::move(p));
  }
};

template <>
struct action<g::policy_description> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.workflow().policies.back().description = unescape(in.string_view());
  }
};

template <>
struct action<g::deny_start> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    deny_clause c;
    c.span = b.span(in);
    b.workflow().policies.back().clauses.push_back(std::move(c));
  }
};

template <>
struct action<g::deny_event> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.workflow().policies.back().clauses.back().events.emplace_back(in.string(), b.span(in));
  }
};

template <>
struct action<g::deny_when> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.workflow().policies.back().clauses.back().condition = b.pop();
  }
};

template <>
struct action<g::because_text> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.workflow().policies.back().clauses.back().because = std::string(b.file.text(b.node(b.pop())));
  }
};

template <>
struct action<g::deny_clause> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    deny_clause& c = b.workflow().policies.back().clauses.back();
    const char* end = in.end();
    while (end > in.begin() && std::isspace(static_cast<unsigned char>(end[-1]))) --end;
    c.span = b.span(in.begin(), end);
  }
};

template <>
struct action<g::rule_name> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    rule_decl r;
    r.name = in.string();
    r.name_span = b.span(in);
    b.workflow().rules.push_back(std::move(r));
    b.action_target = &b.workflow().rules.back().actions;
  }
};

template <>
struct action<g::rule_when> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.workflow().rules.back().condition = b.pop();
  }
};

template <>
struct action<g::raise_event> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    rule_action a;
    a.is_raise = true;
    a.target = in.string();
    a.target_span = b.span(in);
    b.actions().push_back(std::move(a));
  }
};

template <>
struct action<g::raise_args> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    const std::size_t mark = b.markers.back();
    b.markers.pop_back();
    auto& args = b.actions().back().args;
    args.assign(b.stack.begin() + static_cast<std::ptrdiff_t>(mark), b.stack.end());
    b.stack.resize(mark);
  }
};

template <>
struct action<g::rule_assign_field> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    rule_action a;
    a.target = in.string();
    a.target_span = b.span(in);
    b.actions().push_back(std::move(a));
  }
};

template <>
struct action<g::rule_assignment> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.actions().back().value = b.pop();
  }
};

// Names what stands at `offset`, for "expected X, found Y" messages.
std::string describe_found(std::string_view text, std::size_t offset) {
  if (offset >= text.size()) return "end of file";
  const auto c = static_cast<unsigned char>(text[offset]);
  if (c == 0) return "a NUL byte";
  if (c == '\n' || c == '\r') return "end of line";
  if (c < 0x20 || c >= 0x7f) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02x", c);
    return buf;
  }
  if (std::isalnum(c) || c == '_') {
    std::size_t end = offset;
    while (end < text.size() && end - offset < 32 &&
           (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) {
      ++end;
    }
    const std::string_view word = text.substr(offset, end - offset);
    const bool is_reserved = g::is_reserved(word);
    return (is_reserved ? "the reserved word '" : "'") + std::string(word) + "'";
  }
  return "'" + std::string(1, static_cast<char>(c)) + "'";
}

// ---- error messages and depth limits ----

template <typename Rule>
constexpr const char* error_message = "unexpected input";

// clang-format off
template <> constexpr const char* error_message<pegtl::one<'"', '\\', 'n', 't', 'r'>> = "unknown escape sequence (use \\\", \\\\, \\n, \\t or \\r)";
template <> constexpr const char* error_message<g::string_body> = "unterminated string literal (strings end with '\"' on the same line)";
template <> constexpr const char* error_message<pegtl::one<'.'>> = "expected '.' after 'event' (event parameters are written event.NAME)";
template <> constexpr const char* error_message<g::ident> = "expected a name";
template <> constexpr const char* error_message<g::expr> = "expected an expression";
template <> constexpr const char* error_message<g::rparen> = "expected ')'";
template <> constexpr const char* error_message<g::unary> = "expected an operand after '-'";
template <> constexpr const char* error_message<g::mul_expr> = "expected an operand after the operator";
template <> constexpr const char* error_message<g::coalesce_expr> = "expected an operand after the operator";
template <> constexpr const char* error_message<g::not_expr> = "expected an operand after 'not' or 'and'";
template <> constexpr const char* error_message<g::and_expr> = "expected an operand after 'or'";
template <> constexpr const char* error_message<g::list_open> = "expected '[' after 'in' (write x in [a, b])";
template <> constexpr const char* error_message<g::list_close> = "expected ',' or ']' in the list";
template <> constexpr const char* error_message<g::no_chain> = "comparisons cannot be chained; join them with 'and' (a < b and b < c)";
template <> constexpr const char* error_message<g::colon> = "expected ':' and a type after the name";
template <> constexpr const char* error_message<g::type_ref> = "expected a type (int, bool, string, time or duration, with '?' if it may be null)";
template <> constexpr const char* error_message<g::lbrace> = "expected '{'";
template <> constexpr const char* error_message<g::data_close> = "expected a field declaration 'name: type' or '}' to close the data block";
template <> constexpr const char* error_message<g::param_decl> = "expected a parameter 'name: type'";
template <> constexpr const char* error_message<g::event_name> = "expected the event's name";
template <> constexpr const char* error_message<g::string_literal> = "expected a string in double quotes";
template <> constexpr const char* error_message<g::assign_eq> = "expected '=' in the assignment 'field = expression' (or '+=' / '-=' for a link)";
template <> constexpr const char* error_message<g::rule_assign_eq> = "expected '=' in the assignment 'field = expression'";
template <> constexpr const char* error_message<g::assign_value> = "expected an expression";
template <> constexpr const char* error_message<g::trans_head_rest> = "expected '->' and a target state after the event (or '{' for a targetless transition)";
template <> constexpr const char* error_message<g::if_then> = "expected 'then' after the condition of 'if'";
template <> constexpr const char* error_message<g::if_else> = "expected 'else' and a value: if COND then A else B";
template <> constexpr const char* error_message<g::link_workflow> = "expected the linked workflow's name after ':'";
template <> constexpr const char* error_message<g::link_inverse> = "expected the name of the other workflow's link after 'inverse'";
template <> constexpr const char* error_message<g::links_close> = "expected a link 'name: Workflow', 'name: Workflow?', 'name: Workflow[]' or '}' to close the links block";
template <> constexpr const char* error_message<g::spawn_workflow> = "expected the workflow to spawn after 'spawn'";
template <> constexpr const char* error_message<g::spawn_open> = "expected '(' and its fields: spawn WORKFLOW(field: value, ...)";
template <> constexpr const char* error_message<g::spawn_arg> = "expected 'field: value' in the spawn";
template <> constexpr const char* error_message<g::send_event> = "expected the event to send after 'send'";
template <> constexpr const char* error_message<g::send_to> = "expected 'to LINK' after the event sent";
template <> constexpr const char* error_message<g::send_link> = "expected the link to send to after 'to'";
template <> constexpr const char* error_message<pegtl::one<']'>> = "expected ']' after '[' in a link's type (Workflow[])";
template <> constexpr const char* error_message<g::assign_close> = "expected an assignment 'field = expression', 'send EVENT to LINK' or '}' to close the block";
template <> constexpr const char* error_message<g::trans_event> = "expected an event name after 'on'";
template <> constexpr const char* error_message<g::arrow> = "expected '->' and a target state";
template <> constexpr const char* error_message<g::trans_target> = "expected the target state after '->'";
template <> constexpr const char* error_message<g::state_mark> = "expected 'state' after 'initial' or 'final'";
template <> constexpr const char* error_message<g::state_name> = "expected the state's name";
template <> constexpr const char* error_message<g::state_close> = "expected a transition 'on EVENT -> TARGET', a timer 'after DELAY -> TARGET', 'done', 'always', 'entry', 'exit', a child state, or '}' to close the state";
template <> constexpr const char* error_message<g::timer_delay> = "expected a delay after 'after', e.g. after 4h -> Escalated";
template <> constexpr const char* error_message<g::workflow_name> = "expected the workflow's name";
template <> constexpr const char* error_message<g::workflow_close> = "expected 'title', 'data', 'links', 'event', 'policy', 'rule', 'state', 'parallel' or '}' to close the workflow";
template <> constexpr const char* error_message<g::policy_name> = "expected the policy's name";
template <> constexpr const char* error_message<g::policy_description> = "expected the policy's description in double quotes";
template <> constexpr const char* error_message<g::policy_close> = "expected a clause 'deny EVENT when CONDITION' or '}' to close the policy";
template <> constexpr const char* error_message<g::deny_event> = "expected an event name after 'deny' or ','";
template <> constexpr const char* error_message<g::deny_when> = "expected 'when CONDITION' after the denied events";
template <> constexpr const char* error_message<g::rule_name> = "expected the rule's name";
template <> constexpr const char* error_message<g::rule_when> = "expected 'when CONDITION' after the rule's name";
template <> constexpr const char* error_message<g::action_block> = "expected '{' and assignments or raises";
template <> constexpr const char* error_message<g::action_close> = "expected an assignment 'field = expression', 'raise EVENT', 'send EVENT to LINK' or '}'";
template <> constexpr const char* error_message<g::history_mark> = "expected 'history' after 'deep'";
template <> constexpr const char* error_message<g::history_name> = "expected the history state's name";
template <> constexpr const char* error_message<g::region_name> = "expected the region's name";
template <> constexpr const char* error_message<g::region_close> = "expected a state, or '}' to close the region";
template <> constexpr const char* error_message<g::parallel_name> = "expected the parallel state's name";
template <> constexpr const char* error_message<g::parallel_close> = "expected a region, a transition, or '}' to close the parallel state";
template <> constexpr const char* error_message<g::rule_close> = "expected an assignment 'field = expression', 'raise EVENT' or '}' to close the rule";
template <> constexpr const char* error_message<g::stream_name> = "expected a value stream name (S2P, R2D, R2F or D2C)";
template <> constexpr const char* error_message<g::end_of_file> = "expected 'workflow NAME { ... }'";
template <> constexpr const char* error_message<g::import_path> = "expected the imported file's path in double quotes";
// clang-format on

// Rules through which expressions recurse; their nesting is counted and bounded.
template <typename Rule>
constexpr bool counts_nesting =
    std::is_same_v<Rule, g::expr> || std::is_same_v<Rule, g::negate> ||
    std::is_same_v<Rule, g::not_app> || std::is_same_v<Rule, g::coalesce_tail> ||
    std::is_same_v<Rule, g::if_expr>;

// Rules through which state declarations nest; bounded separately from expressions.
template <typename Rule>
constexpr bool counts_state_nesting =
    std::is_same_v<Rule, g::state_decl> || std::is_same_v<Rule, g::parallel_decl> ||
    std::is_same_v<Rule, g::region_decl>;

template <typename Rule>
struct control : pegtl::normal<Rule> {
  template <typename Input, typename... States>
  [[noreturn]] static void raise(const Input& in, States&&...) {
    const std::size_t offset = static_cast<std::size_t>(in.current() - in.begin());
    throw pegtl::parse_error(
        std::string(error_message<Rule>) + ", found " +
            describe_found(std::string_view(in.begin(), in.size() + offset), offset),
        in);
  }

  template <pegtl::apply_mode A, pegtl::rewind_mode M, template <typename...> class Action,
            template <typename...> class Control, typename Input>
  static bool match(Input& in, builder& b) {
    if constexpr (counts_nesting<Rule> || counts_state_nesting<Rule>) {
      constexpr bool states = counts_state_nesting<Rule>;
      std::size_t& depth = states ? b.state_nesting : b.nesting;
      if (++depth > b.limits.max_nesting) {
        throw pegtl::parse_error(std::string(states ? "states are" : "expression is") +
                                     " nested too deeply (the limit is " +
                                     std::to_string(b.limits.max_nesting) + " levels)",
                                 in);
      }
      const bool matched = pegtl::normal<Rule>::template match<A, M, Action, Control>(in, b);
      --depth;
      return matched;
    } else {
      return pegtl::normal<Rule>::template match<A, M, Action, Control>(in, b);
    }
  }
};

}  // namespace

parse_result parse(std::string_view text, const std::string& source_name,
                   const parse_limits& limits) {
  parse_result result;
  if (text.size() > limits.max_bytes) {
    diagnostic d;
    d.code = "F0002";
    d.file = source_name;
    d.message = "file is too large (" + std::to_string(text.size()) + " bytes; the limit is " +
                std::to_string(limits.max_bytes) + ")";
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  builder b(text, limits);
  if (const std::size_t bad = engine::invalid_utf8_at(text); bad != std::string_view::npos) {
    diagnostic d;
    d.code = "F0001";
    d.file = source_name;
    d.span = b.span(text.data() + bad, text.data() + bad);
    d.span.end_column = d.span.column + 1;
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(text[bad]));
    d.message = std::string("invalid UTF-8 (byte ") + byte + "): .flow files are UTF-8";
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  b.file.children.reserve(text.size() / 12);  // about one child per 12 bytes of typical source
  b.file.strings.reserve(text.size() / 2);
  pegtl::memory_input<pegtl::tracking_mode::lazy> in(text.data(), text.size(), source_name);
  try {
    pegtl::parse<g::file, action, control>(in, b);
    result.file = std::move(b.file);
  } catch (const pegtl::parse_error& e) {
    diagnostic d;
    d.code = "F0001";
    d.file = source_name;
    const std::size_t offset = e.positions().empty() ? 0 : e.positions().front().byte;
    d.span = b.span(text.data() + offset, text.data() + offset);
    d.span.end_column = d.span.column + 1;
    d.message = std::string(e.message());
    result.diagnostics.push_back(std::move(d));
  }
  return result;
}

}  // namespace vflow::dsl
