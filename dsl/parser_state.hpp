// The parse state the PEGTL actions build the syntax tree in, and their shared helpers.
// Included only by parser.cpp (the only translation unit that runs PEGTL).
#pragma once

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "dsl/grammar.hpp"
#include "dsl/parser.hpp"
#include "engine/text.hpp"
#include "engine/value.hpp"

namespace vflow::dsl {

namespace {  // private to parser.cpp, the one translation unit that includes this

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
  std::vector<std::vector<rule_action>*> if_parents;  // the list each open `if` is in
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

}  // namespace

}  // namespace vflow::dsl
