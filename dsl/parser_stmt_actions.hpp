// PEGTL actions for the statements of blocks: `send`, `log` and `if / elif / else`. Included
// only by parser_decl_actions.hpp.
#pragma once

#include "dsl/parser_expr_actions.hpp"  // its helpers (push_marker) too
#include "dsl/parser_state.hpp"

namespace vflow::dsl {

namespace {  // private to parser.cpp, the one translation unit that includes this

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

// `if C { ... } elif C { ... } else { ... }`: each branch's statements go to its own list; in a
// transition's block, the `if` and everything after it go to the transition's actions.
template <>
struct action<g::if_start> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    if (!b.in_actions) {
      b.action_target = &b.transition().actions;
      b.in_actions = true;
    }
    rule_action a;
    a.target_span = b.span(in);
    a.branches.emplace_back();
    a.branches.back().span = a.target_span;
    b.actions().push_back(std::move(a));
    b.if_parents.push_back(b.action_target);
  }
};
template <typename Input>
if_branch& open_branch(const Input& in, builder& b) {
  auto& branches = b.if_parents.back()->back().branches;
  branches.emplace_back();
  branches.back().span = b.span(in);
  return branches.back();
}
template <>
struct action<g::elif_start> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    open_branch(in, b);
  }
};
template <>
struct action<g::else_start> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.action_target = &open_branch(in, b).body;
  }
};
template <>
struct action<g::if_cond> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    if_branch& branch = b.if_parents.back()->back().branches.back();
    branch.condition = b.pop();
    b.action_target = &branch.body;
  }
};
template <>
struct action<g::branch_close> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.if_parents.back()->back().branches.back().end_line = b.span(in).line;
    b.action_target = b.if_parents.back();
  }
};
template <>
struct action<g::if_stmt> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.action_target = b.if_parents.back();
    b.if_parents.pop_back();
  }
};

template <>
struct action<g::send_delay> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.pending_send.delay = b.pop();
  }
};
template <>
struct action<g::send_label> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.pending_send.label = in.string();
    b.pending_send.label_span = b.span(in);
  }
};

// A statement that is a send_decl of its own (`log`, `cancel`): into the entry or exit block's
// actions, or the transition's sends.
inline void add_statement(send_decl s, builder& b) {
  if (b.in_actions) {
    rule_action a;
    a.target_span = s.event_span;
    a.send = std::move(s);
    b.actions().push_back(std::move(a));
  } else {
    b.transition().sends.push_back(std::move(s));
  }
}

template <>
struct action<g::cancel_label> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    send_decl s;
    s.cancel = true;
    s.label = in.string();
    s.event_span = s.label_span = b.span(in);
    add_statement(std::move(s), b);
  }
};

// `log EXPR`: a send_decl that names no event.
template <>
struct action<g::log_value> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    send_decl s;
    s.log = true;
    s.event_span = b.span(in);
    s.args.push_back(b.pop());
    add_statement(std::move(s), b);
  }
};

}  // namespace

}  // namespace vflow::dsl
