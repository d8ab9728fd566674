// The canonical printer. Precedence levels mirror the grammar in grammar.hpp.
#include "dsl/printer.hpp"

#include <algorithm>
#include <limits>

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
    const bool parens =
        lvl < min ||
        ((o_.parenthesize_all || (o_.source_layout && e.parenthesized)) && lvl < l_primary);
    if (parens) out += '(';
    switch (e.kind) {
      case expr_kind::int_literal:
        out += e.overflow ? std::string(text) : std::to_string(e.number);
        break;
      case expr_kind::string_literal: out += quoted(text); break;
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

  // A string literal. The canonical print escapes what a terminal must not see; fmt writes back
  // what the source may hold (the grammar's escapes only), so that its output parses again.
  std::string quoted(std::string_view text) const {
    if (!o_.source_layout) return engine::to_literal(engine::value::of_string(std::string(text)));
    std::string out = "\"";
    for (const char c : text) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default: out += c;
      }
    }
    return out + '"';
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
    if (s.log) return "log " + expression(s.args.front());
    if (s.cancel) return "cancel " + s.label;
    std::string out = s.raise ? "raise " : s.must ? "send! " : "send ";
    out += s.event;
    if (!s.args.empty()) {
      out += '(';
      for (std::size_t i = 0; i < s.args.size(); ++i)
        out += (i > 0 ? ", " : "") + expression(s.args[i]);
      out += ')';
    }
    if (s.delay) out += " after " + expression(*s.delay);
    if (!s.label.empty()) out += " as " + s.label;
    return s.link.empty() ? out : out + " to " + s.link;
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
    if (f_.stream) {
      above(f_.stream_span.line, "", out);
      out += "stream " + *f_.stream;
      line_end(f_.stream_span.line, out);
    }
    if (!f_.imports.empty()) out += '\n';
    for (const import_decl& i : f_.imports) {
      above(i.span.line, "", out);
      out += "import " + quoted(i.path);
      line_end(i.span.line, out);
    }
    for (const workflow_decl& w : f_.workflows) {
      out += '\n';
      workflow(w, out);
    }
    above(std::numeric_limits<std::uint32_t>::max(), "", out);  // after the last declaration
  }

  // The blank line between a workflow's sections; in fmt's layout none right after its `{`.
  void section(std::string& out) const {
    if (!o_.source_layout || out.size() != body_start_) out += '\n';
  }

  // The comments of the source above a declaration that starts on `line`, printed at `indent`:
  // every one not yet printed that comes before that line.
  void above(std::uint32_t line, std::string_view indent, std::string& out) const {
    if (!o_.comments) return;
    const auto& cs = *o_.comments;
    for (; next_ < cs.size() && cs[next_].line < line; ++next_) {
      const bool at_block_start = out.size() >= 2 && out.compare(out.size() - 2, 2, "{\n") == 0;
      const bool after_blank = out.size() >= 2 && out.compare(out.size() - 2, 2, "\n\n") == 0;
      if (cs[next_].blank_before && !out.empty() && !at_block_start && !after_blank) out += '\n';
      out += indent;
      out += cs[next_].text;
      out += '\n';
      if (cs[next_].blank_after) out += '\n';
    }
  }

  // Ends the line of a declaration that starts on `line`: with the comment that ends that line
  // in the source, if any.
  void line_end(std::uint32_t line, std::string& out) const {
    if (o_.comments && next_ < o_.comments->size()) {
      const source_comment& c = (*o_.comments)[next_];
      if (c.line == line && !c.own_line) {
        if (o_.source_layout) trailing_.push_back(out.size());
        out += "  ";
        out += c.text;
        ++next_;
      }
    }
    out += '\n';
  }

  void workflow(const workflow_decl& w, std::string& out) const {
    above(w.name_span.line, "", out);
    out += "workflow " + w.name + " {";
    line_end(w.name_span.line, out);
    body_start_ = out.size();
    for (const title_decl& t : w.titles) {
      above(t.span.line, "  ", out);
      out += "  title " + quoted(t.text);
      line_end(t.span.line, out);
    }
    if (w.accepts_late_events) out += "  accept late events\n";
    if (w.first_match_wins) out += "  first match wins\n";
    if (!w.fields.empty()) {
      section(out);
      const std::uint32_t line = w.data_block.line;
      above(line, "  ", out);
      out += "  data {";
      line_end(line, out);
      for (const field_decl& fd : w.fields) {
        above(fd.name_span.line, "    ", out);
        out += "    " + fd.name + ": " + type_text(fd.type);
        if (fd.initial) out += " = " + expression(*fd.initial);
        line_end(fd.name_span.line, out);
      }
      above(w.data_block.end_line, "    ", out);
      out += "  }\n";
    }
    if (!w.links.empty()) {
      section(out);
      const std::uint32_t line = w.links_block.line;
      above(line, "  ", out);
      out += "  links {";
      line_end(line, out);
      for (const link_decl& l : w.links) {
        above(l.name_span.line, "    ", out);
        out += "    " + l.name + ": " + l.workflow;
        if (l.cardinality == link_cardinality::optional) out += '?';
        if (l.cardinality == link_cardinality::many) out += "[]";
        if (!l.inverse.empty()) out += " inverse " + l.inverse;
        line_end(l.name_span.line, out);
      }
      above(w.links_block.end_line, "    ", out);
      out += "  }\n";
    }
    if (!w.events.empty()) section(out);
    for (const event_decl& e : w.events) {
      above(e.name_span.line, "  ", out);
      out += "  event " + e.name;
      if (!e.params.empty()) {
        out += '(';
        for (std::size_t i = 0; i < e.params.size(); ++i) {
          if (i > 0) out += ", ";
          out += e.params[i].name + ": " + type_text(e.params[i].type);
        }
        out += ')';
      }
      line_end(e.name_span.line, out);
    }
    for (const policy_decl& p : w.policies) {
      section(out);
      above(p.name_span.line, "  ", out);
      out += "  policy " + p.name + " " + quoted(p.description) + " {";
      line_end(p.name_span.line, out);
      for (const deny_clause& c : p.clauses) {
        above(c.span.line, "    ", out);
        out += "    deny ";
        for (std::size_t i = 0; i < c.events.size(); ++i) {
          out += (i > 0 ? ", " : "") + c.events[i].first;
        }
        out += " when " + expression(c.condition);
        if (c.because) out += " because " + quoted(*c.because);
        line_end(c.span.line, out);
      }
      above(p.end_line, "    ", out);
      out += "  }\n";
    }
    for (const rule_decl& r : w.rules) {
      section(out);
      above(r.name_span.line, "  ", out);
      out += "  rule " + r.name + " when " + expression(r.condition) + " {";
      line_end(r.name_span.line, out);
      actions(r.actions, "    ", out);
      above(r.end_line, "    ", out);
      out += "  }\n";
    }
    if (!w.states.empty() || !w.initial_targets.empty()) section(out);
    initial(w.initial_targets, w.initial_span, w.initial_actions, w.initial_block, "  ", out);
    for (const state_decl& s : w.states) state(s, "  ", out);
    above(w.end_line, "  ", out);
    out += "}\n";
  }

  // One statement of a block on one line (an `if` with its branches too).
  std::string action_text(const rule_action& a) const {
    if (a.send) return send_text(*a.send);
    if (!a.branches.empty()) {
      std::string out;
      for (std::size_t b = 0; b < a.branches.size(); ++b) {
        const if_branch& br = a.branches[b];
        out += b == 0 ? "if " : br.condition ? " elif " : " else ";
        if (br.condition) out += expression(*br.condition) + " ";
        out += "{";
        for (std::size_t i = 0; i < br.body.size(); ++i)
          out += (i > 0 ? "; " : " ") + action_text(br.body[i]);
        out += br.body.empty() ? "}" : " }";
      }
      return out;
    }
    if (a.is_raise) {
      std::string out = "raise " + a.target;
      if (!a.args.empty()) {
        out += '(';
        for (std::size_t i = 0; i < a.args.size(); ++i)
          out += (i > 0 ? ", " : "") + expression(a.args[i]);
        out += ')';
      }
      return out;
    }
    return a.target + " = " + expression(a.value);
  }

  void actions(const std::vector<rule_action>& list, const std::string& indent,
               std::string& out) const {
    for (const rule_action& a : list) {
      const std::uint32_t line = a.send ? a.send->event_span.line : a.target_span.line;
      above(line, indent, out);
      if (!a.branches.empty()) {  // one branch a line, its statements below it
        for (std::size_t b = 0; b < a.branches.size(); ++b) {
          const if_branch& br = a.branches[b];
          if (b > 0) above(br.span.line, indent, out);
          out += b == 0 ? indent + "if " : br.condition ? "elif " : "else ";
          if (br.condition) out += expression(*br.condition) + " ";
          out += "{";
          line_end(br.span.line, out);
          actions(br.body, indent + "  ", out);
          above(br.end_line, indent + "  ", out);
          out += indent + "}";
          if (b + 1 < a.branches.size()) out += " ";
        }
        line_end(a.branches.back().end_line, out);
        continue;
      }
      out += indent + action_text(a);
      line_end(line, out);
    }
  }

  void transition(const transition_decl& t, const std::string& indent, std::string& out) const {
    above(t.span.line, indent, out);
    out += indent;
    if (t.after) {  // after DELAY [when GUARD] -> TARGET
      out += "after " + expression(*t.after);
      if (t.guard) out += " when " + expression(*t.guard);
      out += " -> " + t.target;
    } else {  // on EVENT -> TARGET [when GUARD], done -> ..., always -> ...
      out += t.done ? "done" : t.always ? "always" : "on " + t.event;
      for (const auto& [more, span] : t.more_events) out += ", " + more;
      if (!t.targetless) out += " -> " + t.target;
      for (const auto& [more, span] : t.more_targets) out += ", " + more;
      if (t.internal) out += " internal";
      if (t.guard) out += " when " + expression(*t.guard);
    }
    const std::size_t statements = t.assignments.size() + t.sends.size() + t.actions.size();
    if (statements > 0 || t.targetless) {
      const std::size_t line_start = out.rfind('\n', out.size() - 1) + 1;
      const std::size_t head = out.size();
      out += " {";
      std::size_t i = 0;
      for (const assignment_stmt& a : t.assignments)
        out += (i++ > 0 ? "; " : " ") + assignment_text(a);
      for (const send_decl& s : t.sends) out += (i++ > 0 ? "; " : " ") + send_text(s);
      for (const rule_action& a : t.actions) out += (i++ > 0 ? "; " : " ") + action_text(a);
      out += " }";
      const bool long_line = out.size() - line_start > 100;
      if (o_.source_layout && statements > 0 && (t.span.end_line > t.span.line || long_line)) {
        out.resize(head);  // one statement a line, as the source has them
        out += " {";
        line_end(t.span.line, out);
        const std::string inner = indent + "  ";
        for (const assignment_stmt& a : t.assignments) {
          above(a.field_span.line, inner, out);
          out += inner + assignment_text(a);
          line_end(a.field_span.line, out);
        }
        for (const send_decl& s : t.sends) {
          above(s.event_span.line, inner, out);
          out += inner + send_text(s);
          line_end(s.event_span.line, out);
        }
        actions(t.actions, inner, out);
        above(t.span.end_line, inner, out);
        out += indent + "}\n";
        return;
      }
    }
    line_end(t.span.line, out);
  }

  // `entry { ... }` or `exit { ... }` at `indent`.
  void block(const char* keyword, const std::vector<rule_action>& list, const block_lines& lines,
             const std::string& indent, std::string& out) const {
    above(lines.line, indent, out);
    out += indent + keyword + " {";
    line_end(lines.line, out);
    actions(list, indent + "  ", out);
    above(lines.end_line, indent + "  ", out);
    out += indent + "}\n";
  }

  // `initial -> A, B [{ ... }]`, when written.
  void initial(const std::vector<std::pair<std::string, source_span>>& targets,
               const source_span& span, const std::vector<rule_action>& actions_list,
               const block_lines& lines, const std::string& indent, std::string& out) const {
    if (targets.empty()) return;
    above(span.line, indent, out);
    out += indent + "initial ->";
    for (std::size_t i = 0; i < targets.size(); ++i) out += (i > 0 ? ", " : " ") + targets[i].first;
    default_block(actions_list, lines, span.line, indent, out);
  }

  // The ` { ... }` of `initial -> A` or `history H -> T`, or the end of the line without one.
  void default_block(const std::vector<rule_action>& list, const block_lines& lines,
                     std::uint32_t line, const std::string& indent, std::string& out) const {
    if (list.empty()) {
      line_end(line, out);
      return;
    }
    out += " {";
    line_end(line, out);
    actions(list, indent + "  ", out);
    above(lines.end_line, indent + "  ", out);
    out += indent + "}\n";
  }

  void state(const state_decl& s, const std::string& indent, std::string& out) const {
    const std::uint32_t line = s.keyword_span.line;
    above(line, indent, out);
    switch (s.kind) {
      case state_kind::history:
      case state_kind::deep_history:
        out +=
            indent + (s.kind == state_kind::deep_history ? "deep history " : "history ") + s.name;
        if (!s.history_default.empty()) out += " -> " + s.history_default;
        default_block(s.initial_actions, s.initial_block, line, indent, out);
        return;
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
    const bool empty = s.transitions.empty() && s.children.empty() && s.entry.empty() &&
                       s.exit.empty() && s.initial_targets.empty();
    if (empty && (s.kind == state_kind::basic || s.kind == state_kind::region)) {
      line_end(line, out);
      return;
    }
    out += " {";
    line_end(line, out);
    const std::string inner = indent + "  ";
    if (!s.entry.empty()) block("entry", s.entry, s.entry_block, inner, out);
    if (!s.exit.empty()) block("exit", s.exit, s.exit_block, inner, out);
    initial(s.initial_targets, s.initial_span, s.initial_actions, s.initial_block, inner, out);
    for (const state_decl& c : s.children) state(c, inner, out);
    for (const transition_decl& t : s.transitions) transition(t, inner, out);
    above(s.end_line, inner, out);
    out += indent + "}\n";
  }

 private:
  const flow_file& f_;
  const print_options& o_;
  mutable std::size_t next_ = 0;        // the first comment not yet printed
  mutable std::size_t body_start_ = 0;  // where the current workflow's body begins

 public:
  // Where trailing comments were put (offsets of the blanks before them), for `align`.
  mutable std::vector<std::size_t> trailing_;
};

// Aligns the trailing comments of consecutive lines (at `marks`, offsets in `text` of the two
// blanks before each) one column after the longest code among them.
std::string align(const std::string& text, const std::vector<std::size_t>& marks) {
  std::string out;
  std::size_t copied = 0, m = 0;
  while (m < marks.size()) {
    // A run of marked lines that follow each other.
    std::size_t end = m + 1;
    while (end < marks.size()) {
      const std::size_t line_end = text.find('\n', marks[end - 1]);
      const std::size_t next_line_end = text.find('\n', line_end + 1);
      if (!(marks[end] > line_end && marks[end] < next_line_end)) break;
      ++end;
    }
    std::size_t width = 0;
    for (std::size_t k = m; k < end; ++k) {
      const std::size_t start = text.rfind('\n', marks[k] - 1);
      width = std::max(width, marks[k] - (start == std::string::npos ? 0 : start + 1));
    }
    for (std::size_t k = m; k < end; ++k) {
      const std::size_t start = text.rfind('\n', marks[k] - 1);
      const std::size_t code = marks[k] - (start == std::string::npos ? 0 : start + 1);
      out.append(text, copied, marks[k] - copied);
      out.append(width - code, ' ');
      copied = marks[k];
    }
    m = end;
  }
  out.append(text, copied, std::string::npos);
  return out;
}

}  // namespace

std::string print(const flow_file& f, const print_options& options) {
  std::string out;
  printer(f, options).file(out);
  return out;
}

std::vector<source_comment> comments_of(std::string_view text) {
  std::vector<source_comment> out;
  std::uint32_t line = 1;
  bool code_on_line = false;       // something other than blanks before this point of the line
  std::uint32_t last_content = 0;  // the last line with code or a comment
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      // An empty line after an own-line comment: the comment is followed by a blank.
      if (!code_on_line && !out.empty() && out.back().own_line && out.back().line + 1 == line) {
        out.back().blank_after = true;
      }
      ++line;
      code_on_line = false;
    } else if (c == '"') {  // a string literal, on one line, with backslash escapes
      code_on_line = true;
      last_content = line;
      for (++i; i < text.size() && text[i] != '"' && text[i] != '\n'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] != '\n') ++i;
      }
      if (i < text.size() && text[i] == '\n') --i;  // an unterminated string ends at the line
    } else if (c == '#') {
      const std::size_t end = std::min(text.find('\n', i), text.size());
      std::string_view body = text.substr(i, end - i);
      while (!body.empty() && (body.back() == ' ' || body.back() == '\t' || body.back() == '\r'))
        body.remove_suffix(1);
      const bool own_line = !code_on_line;
      out.push_back({line, std::string(body), own_line, false,
                     own_line && last_content > 0 && last_content + 1 < line});
      last_content = line;
      i = end - 1;
      code_on_line = true;  // the rest of the line is the comment
    } else if (c != ' ' && c != '\t' && c != '\r') {
      code_on_line = true;
      last_content = line;
    }
  }
  return out;
}

std::string format(const flow_file& f, std::string_view source) {
  const std::vector<source_comment> comments = comments_of(source);
  print_options options;
  options.comments = &comments;
  options.source_layout = true;
  std::string out;
  printer p(f, options);
  p.file(out);
  return align(out, p.trailing_);
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
