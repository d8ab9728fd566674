// The canonical printer. Precedence levels mirror the grammar in grammar.hpp.
#include "dsl/printer.hpp"

#include "engine/value.hpp"

namespace vflow::dsl {

namespace {

// Binding strength, loosest first, as in the grammar.
enum level : int { l_or = 1, l_and, l_not, l_cmp, l_coalesce, l_add, l_mul, l_unary, l_primary };

int level_of(const expr& e, std::string_view text) {
  switch (e.kind) {
    case expr_kind::unary: return e.uop == unary_op::not_ ? l_not : l_unary;
    case expr_kind::in_list: return l_cmp;
    case expr_kind::binary:
      switch (e.bop) {
        case binary_op::or_: return l_or;
        case binary_op::and_: return l_and;
        case binary_op::coalesce: return l_coalesce;
        case binary_op::add:
        case binary_op::sub: return l_add;
        case binary_op::mul:
        case binary_op::div:
        case binary_op::mod: return l_mul;
        default: return l_cmp;
      }
    case expr_kind::conditional: return 0;  // looser than anything: always in parentheses
    case expr_kind::int_literal:
      return (e.overflow ? text.front() == '-' : e.number < 0) ? l_unary : l_primary;
    default: return l_primary;
  }
}

const char* op_text(binary_op op) {
  switch (op) {
    case binary_op::or_: return " or ";
    case binary_op::and_: return " and ";
    case binary_op::eq: return " == ";
    case binary_op::ne: return " != ";
    case binary_op::lt: return " < ";
    case binary_op::le: return " <= ";
    case binary_op::gt: return " > ";
    case binary_op::ge: return " >= ";
    case binary_op::coalesce: return " ?? ";
    case binary_op::add: return " + ";
    case binary_op::sub: return " - ";
    case binary_op::mul: return " * ";
    case binary_op::div: return " / ";
    case binary_op::mod: return " % ";
  }
  return " ? ";
}

class printer {
 public:
  printer(const flow_file& f, const print_options& o) : f_(f), o_(o) {}

  // Prints `e` where the context needs at least binding strength `min`.
  void expression(expr_ref ref, int min, std::string& out) const {
    const expr& e = f_[ref];
    const std::string_view text = f_.text(e);
    const int lvl = level_of(e, text);
    const bool parens = lvl < min || (o_.parenthesize_all && lvl < l_primary);
    if (parens) out += '(';
    switch (e.kind) {
      case expr_kind::int_literal:
        out += e.overflow ? std::string(text) : std::to_string(e.number);
        break;
      case expr_kind::string_literal:
        out += engine::to_literal(engine::value::of_string(std::string(text)));
        break;
      case expr_kind::bool_literal: out += e.number ? "true" : "false"; break;
      case expr_kind::null_literal: out += "null"; break;
      case expr_kind::duration_literal: out += engine::format_duration(e.number); break;
      case expr_kind::name:
      case expr_kind::member: out += text; break;
      case expr_kind::conditional:
        out += "if ";
        expression(f_.child_ref(e, 0), l_or, out);
        out += " then ";
        expression(f_.child_ref(e, 1), l_or, out);
        out += " else ";
        expression(f_.child_ref(e, 2), l_or, out);
        break;
      case expr_kind::event_param:
        out += "event.";
        out += text;
        break;
      case expr_kind::now: out += "now"; break;
      case expr_kind::actor: out += "actor"; break;
      case expr_kind::unary:
        out += e.uop == unary_op::not_ ? "not " : "-";
        expression(f_.child_ref(e, 0), e.uop == unary_op::not_ ? l_not : l_unary, out);
        break;
      case expr_kind::binary: {
        // Left-associative operators take an equal-level left operand; `??` is right-associative;
        // comparisons do not chain, so both sides bind tighter.
        const bool right_assoc = e.bop == binary_op::coalesce;
        const bool chains = lvl != l_cmp;
        expression(f_.child_ref(e, 0), right_assoc || !chains ? lvl + 1 : lvl, out);
        out += op_text(e.bop);
        expression(f_.child_ref(e, 1), right_assoc ? lvl : lvl + 1, out);
        break;
      }
      case expr_kind::in_list:
        expression(f_.child_ref(e, 0), l_coalesce, out);
        out += " in [";
        for (std::uint32_t i = 1; i < e.child_count; ++i) {
          if (i > 1) out += ", ";
          expression(f_.child_ref(e, i), l_or, out);
        }
        out += ']';
        break;
      case expr_kind::call:
        out += text;
        out += '(';
        for (std::uint32_t i = 0; i < e.child_count; ++i) {
          if (i > 0) out += ", ";
          expression(f_.child_ref(e, i), l_or, out);
        }
        out += ')';
        break;
    }
    if (parens) out += ')';
  }

  std::string expression(expr_ref e) const {
    std::string out;
    expression(e, l_or, out);
    return out;
  }

  static std::string type_text(const type_ref& t) {
    return (t.is_ref ? "ref " : "") + t.name + (t.nullable ? "?" : "");
  }

  std::string send_text(const send_decl& s) const {
    std::string out = s.must ? "send! " : "send ";
    out += s.event;
    if (!s.args.empty()) {
      out += '(';
      for (std::size_t i = 0; i < s.args.size(); ++i)
        out += (i > 0 ? ", " : "") + expression(s.args[i]);
      out += ')';
    }
    return out + " to " + s.link;
  }

  std::string assignment_text(const assignment_stmt& a) const {
    std::string out = a.field;
    out += a.op == assign_op::add ? " += " : a.op == assign_op::remove ? " -= " : " = ";
    if (!a.spawn) return out + expression(a.value);
    out += "spawn " + a.spawn->workflow + '(';
    for (std::size_t i = 0; i < a.spawn->args.size(); ++i) {
      out +=
          (i > 0 ? ", " : "") + a.spawn->args[i].name + ": " + expression(a.spawn->args[i].value);
    }
    return out + ')';
  }

  void file(std::string& out) const {
    if (f_.stream) out += "stream " + *f_.stream + "\n";
    if (!f_.imports.empty()) out += '\n';
    for (const import_decl& i : f_.imports) {
      out += "import " + engine::to_literal(engine::value::of_string(i.path)) + "\n";
    }
    for (const workflow_decl& w : f_.workflows) {
      out += '\n';
      workflow(w, out);
    }
  }

  void workflow(const workflow_decl& w, std::string& out) const {
    out += "workflow " + w.name + " {\n";
    for (const title_decl& t : w.titles) {
      out += "  title " + engine::to_literal(engine::value::of_string(t.text)) + "\n";
    }
    if (w.accepts_late_events) out += "  accept late events\n";
    if (!w.fields.empty()) {
      out += "\n  data {\n";
      for (const field_decl& fd : w.fields) {
        out += "    " + fd.name + ": " + type_text(fd.type);
        if (fd.initial) out += " = " + expression(*fd.initial);
        out += '\n';
      }
      out += "  }\n";
    }
    if (!w.links.empty()) {
      out += "\n  links {\n";
      for (const link_decl& l : w.links) {
        out += "    " + l.name + ": " + l.workflow;
        if (l.cardinality == link_cardinality::optional) out += '?';
        if (l.cardinality == link_cardinality::many) out += "[]";
        if (!l.inverse.empty()) out += " inverse " + l.inverse;
        out += '\n';
      }
      out += "  }\n";
    }
    if (!w.events.empty()) out += '\n';
    for (const event_decl& e : w.events) {
      out += "  event " + e.name;
      if (!e.params.empty()) {
        out += '(';
        for (std::size_t i = 0; i < e.params.size(); ++i) {
          if (i > 0) out += ", ";
          out += e.params[i].name + ": " + type_text(e.params[i].type);
        }
        out += ')';
      }
      out += '\n';
    }
    for (const policy_decl& p : w.policies) {
      out += "\n  policy " + p.name + " " +
             engine::to_literal(engine::value::of_string(p.description)) + " {\n";
      for (const deny_clause& c : p.clauses) {
        out += "    deny ";
        for (std::size_t i = 0; i < c.events.size(); ++i) {
          out += (i > 0 ? ", " : "") + c.events[i].first;
        }
        out += " when " + expression(c.condition);
        if (c.because)
          out += " because " + engine::to_literal(engine::value::of_string(*c.because));
        out += '\n';
      }
      out += "  }\n";
    }
    for (const rule_decl& r : w.rules) {
      out += "\n  rule " + r.name + " when " + expression(r.condition) + " {\n";
      actions(r.actions, "    ", out);
      out += "  }\n";
    }
    if (!w.states.empty()) out += '\n';
    for (const state_decl& s : w.states) state(s, "  ", out);
    out += "}\n";
  }

  void actions(const std::vector<rule_action>& list, const std::string& indent,
               std::string& out) const {
    for (const rule_action& a : list) {
      if (a.send) {
        out += indent + send_text(*a.send);
      } else if (a.is_raise) {
        out += indent + "raise " + a.target;
        if (!a.args.empty()) {
          out += '(';
          for (std::size_t i = 0; i < a.args.size(); ++i)
            out += (i > 0 ? ", " : "") + expression(a.args[i]);
          out += ')';
        }
      } else {
        out += indent + a.target + " = " + expression(a.value);
      }
      out += '\n';
    }
  }

  void transition(const transition_decl& t, const std::string& indent, std::string& out) const {
    out += indent;
    if (t.after) {  // after DELAY [when GUARD] -> TARGET
      out += "after " + expression(*t.after);
      if (t.guard) out += " when " + expression(*t.guard);
      out += " -> " + t.target;
    } else {  // on EVENT -> TARGET [when GUARD], done -> ..., always -> ...
      out += t.done ? "done" : t.always ? "always" : "on " + t.event;
      if (!t.targetless) out += " -> " + t.target;
      if (t.guard) out += " when " + expression(*t.guard);
    }
    if (!t.assignments.empty() || !t.sends.empty() || t.targetless) {
      out += " {";
      std::size_t i = 0;
      for (const assignment_stmt& a : t.assignments)
        out += (i++ > 0 ? "; " : " ") + assignment_text(a);
      for (const send_decl& s : t.sends) out += (i++ > 0 ? "; " : " ") + send_text(s);
      out += " }";
    }
    out += '\n';
  }

  void state(const state_decl& s, const std::string& indent, std::string& out) const {
    switch (s.kind) {
      case state_kind::history: out += indent + "history " + s.name + '\n'; return;
      case state_kind::deep_history: out += indent + "deep history " + s.name + '\n'; return;
      case state_kind::parallel:
        out += indent + (s.is_initial ? "initial parallel " : "parallel ") + s.name;
        break;
      case state_kind::region: out += indent + "region " + s.name; break;
      case state_kind::basic:
        out += indent;
        if (s.is_initial) out += "initial ";
        if (s.is_final) out += "final ";
        out += "state " + s.name;
        break;
    }
    const bool empty =
        s.transitions.empty() && s.children.empty() && s.entry.empty() && s.exit.empty();
    if (empty && s.kind == state_kind::basic) {
      out += '\n';
      return;
    }
    out += " {\n";
    const std::string inner = indent + "  ";
    if (!s.entry.empty()) {
      out += inner + "entry {\n";
      actions(s.entry, inner + "  ", out);
      out += inner + "}\n";
    }
    if (!s.exit.empty()) {
      out += inner + "exit {\n";
      actions(s.exit, inner + "  ", out);
      out += inner + "}\n";
    }
    for (const state_decl& c : s.children) state(c, inner, out);
    for (const transition_decl& t : s.transitions) transition(t, inner, out);
    out += indent + "}\n";
  }

 private:
  const flow_file& f_;
  const print_options& o_;
};

}  // namespace

std::string print(const flow_file& f, const print_options& options) {
  std::string out;
  printer(f, options).file(out);
  return out;
}

std::string print_workflow(const flow_file& f, std::size_t index) {
  std::string out;
  if (f.stream) out += "stream " + *f.stream + "\n\n";
  printer(f, print_options{}).workflow(f.workflows.at(index), out);
  return out;
}

std::string print_expr(const flow_file& f, expr_ref e, const print_options& options) {
  return printer(f, options).expression(e);
}

}  // namespace vflow::dsl
