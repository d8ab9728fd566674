// PEGTL actions for declarations: the file, workflows, data, links, events, states,
// transitions, policies and rules (the statements of blocks are in parser_stmt_actions.hpp).
// Included only by parser.cpp.
#pragma once

#include "dsl/parser_expr_actions.hpp"  // its helpers (unescape, push_marker) too
#include "dsl/parser_state.hpp"
#include "dsl/parser_stmt_actions.hpp"

namespace vflow::dsl {

namespace {  // private to parser.cpp, the one translation unit that includes this

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
struct action<g::late_events_decl> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.workflow().accepts_late_events = true;
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
  static void apply(const Input& in, builder& b) {
    b.state().end_line = b.span(in).end_line;
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
struct action<g::trans_more_event> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.transition().more_events.emplace_back(in.string(), b.span(in));
  }
};
template <>
struct action<g::trans_more_target> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.transition().more_targets.emplace_back(in.string(), b.span(in));
  }
};
template <>
struct action<g::trans_internal> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.transition().internal = true;
  }
};
template <>
struct action<g::history_target> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.state().children.back().history_default = in.string();
    b.state().children.back().history_default_span = b.span(in);
  }
};
// `initial -> A, B`: of the innermost open state, or of the workflow at the top.
template <>
struct action<g::initial_start> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    (b.open_states.empty() ? b.workflow().initial_span : b.state().initial_span) = b.span(in);
  }
};
template <>
struct action<g::initial_target> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    auto& targets =
        b.open_states.empty() ? b.workflow().initial_targets : b.state().initial_targets;
    targets.emplace_back(in.string(), b.span(in));
  }
};
template <>
struct action<g::initial_block_start> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    auto& owner_actions =
        b.open_states.empty() ? b.workflow().initial_actions : b.state().initial_actions;
    auto& lines = b.open_states.empty() ? b.workflow().initial_block : b.state().initial_block;
    lines.line = b.span(in).line;
    b.action_target = &owner_actions;
    b.in_actions = true;
  }
};
template <>
struct action<g::history_block_start> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    state_decl& h = b.state().children.back();
    h.initial_block.line = b.span(in).line;
    b.action_target = &h.initial_actions;
    b.in_actions = true;
  }
};
template <>
struct action<g::initial_block> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    auto& lines = b.open_states.empty() ? b.workflow().initial_block : b.state().initial_block;
    lines.end_line = b.span(in).end_line;
  }
};
template <>
struct action<g::history_block> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.state().children.back().initial_block.end_line = b.span(in).end_line;
  }
};
template <>
struct action<g::first_match_decl> {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.workflow().first_match_wins = true;
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
    b.in_actions = true;  // its raises are actions, not a transition's
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
    if (!b.in_actions) {  // in a transition's block
      send_decl r;
      r.raise = true;
      r.event = in.string();
      r.event_span = b.span(in);
      b.transition().sends.push_back(std::move(r));
      return;
    }
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
    auto& args = !b.in_actions ? b.transition().sends.back().args : b.actions().back().args;
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

// The closing braces of a workflow, a policy and a rule: where `vflow fmt` puts the comments
// that end their bodies.
template <>
struct action<g::workflow_close> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.workflow().end_line = b.span(in).line;
  }
};
template <>
struct action<g::policy_close> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.workflow().policies.back().end_line = b.span(in).line;
  }
};
template <>
struct action<g::rule_close> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.workflow().rules.back().end_line = b.span(in).line;
  }
};

// Where the data, links, entry and exit blocks begin and end, for fmt.
template <block_lines workflow_decl::*Block>
struct workflow_block_lines {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    const source_span s = b.span(in);
    b.workflow().*Block = {s.line, s.end_line};
  }
};
template <block_lines state_decl::*Block>
struct state_block_lines {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    const source_span s = b.span(in);
    b.state().*Block = {s.line, s.end_line};
  }
};
template <>
struct action<g::data_block> : workflow_block_lines<&workflow_decl::data_block> {};
template <>
struct action<g::links_block> : workflow_block_lines<&workflow_decl::links_block> {};
template <>
struct action<g::entry_block> : state_block_lines<&state_decl::entry_block> {};
template <>
struct action<g::exit_block> : state_block_lines<&state_decl::exit_block> {};

}  // namespace

}  // namespace vflow::dsl
