// .flow -> SCXML: a workflow's states, transitions and executable content as SCXML elements,
// and what SCXML has no element for (typed data and events, links, policies, rules, timers) as
// elements and attributes of vflow's own namespace, with datamodel="vflow" (expressions are
// .flow expressions). `import_scxml` reads such a document back into the same workflow.
#include <algorithm>

#include "dsl/printer.hpp"
#include "dsl/scxml.hpp"

namespace vflow::dsl {

namespace {

// `text` as the value of an XML attribute in double quotes. Tabs and line breaks as character
// references: a parser would otherwise turn them into spaces.
std::string attr(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\t': out += "&#9;"; break;
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string type_text(const type_ref& t) {
  return (t.is_ref ? "ref " : "") + t.name + (t.nullable ? "?" : "");
}

class exporter {
 public:
  exporter(const compile_result& r, const workflow_decl& w) : r_(r), f_(*r.ast), w_(w) {}

  std::string run(const std::string& source_name) {
    std::string comment = source_name;
    for (std::size_t i = 0; (i = comment.find("--", i)) != std::string::npos;) comment[i] = '_';
    out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- Exported by vflow from " + comment +
           ": workflow " + w_.name + " -->\n";
    out_ += "<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" xmlns:vflow=\"" +
            std::string(vflow_scxml_namespace) + "\" version=\"1.0\" datamodel=\"vflow\" name=\"" +
            attr(w_.name) + "\"";
    const std::string initial = initial_attribute(w_.initial_targets, w_.states);
    if (!initial.empty()) out_ += " initial=\"" + attr(initial) + "\"";
    if (f_.stream) out_ += " vflow:stream=\"" + attr(*f_.stream) + "\"";
    if (w_.first_match_wins) out_ += " vflow:first-match-wins=\"true\"";
    if (w_.accepts_late_events) out_ += " vflow:accept-late-events=\"true\"";
    out_ += ">\n";
    for (const import_decl& i : f_.imports)
      out_ += "  <vflow:import src=\"" + attr(i.path) + "\"/>\n";
    for (const title_decl& t : w_.titles)
      out_ += "  <vflow:title text=\"" + attr(t.text) + "\"/>\n";
    if (!w_.fields.empty()) {
      out_ += "  <datamodel>\n";
      for (const field_decl& d : w_.fields) {
        out_ +=
            "    <data id=\"" + attr(d.name) + "\" vflow:type=\"" + attr(type_text(d.type)) + "\"";
        if (d.initial) out_ += " expr=\"" + expr(*d.initial) + "\"";
        out_ += "/>\n";
      }
      out_ += "  </datamodel>\n";
    }
    for (const link_decl& l : w_.links) {
      out_ += "  <vflow:link name=\"" + attr(l.name) + "\" workflow=\"" + attr(l.workflow) +
              "\" cardinality=\"" +
              (l.cardinality == link_cardinality::one        ? "one"
               : l.cardinality == link_cardinality::optional ? "optional"
                                                             : "many") +
              "\"";
      if (!l.inverse.empty()) out_ += " inverse=\"" + attr(l.inverse) + "\"";
      out_ += "/>\n";
    }
    for (const event_decl& e : w_.events) {
      out_ += "  <vflow:event name=\"" + attr(e.name) + "\"";
      if (e.params.empty()) {
        out_ += "/>\n";
        continue;
      }
      out_ += ">\n";
      for (const param_decl& p : e.params) {
        out_ += "    <vflow:param name=\"" + attr(p.name) + "\" type=\"" + attr(type_text(p.type)) +
                "\"/>\n";
      }
      out_ += "  </vflow:event>\n";
    }
    for (const policy_decl& p : w_.policies) {
      out_ += "  <vflow:policy name=\"" + attr(p.name) + "\" description=\"" + attr(p.description) +
              "\">\n";
      for (const deny_clause& c : p.clauses) {
        std::string events;
        for (const auto& [e, span] : c.events) events += (events.empty() ? "" : " ") + e;
        out_ += "    <vflow:deny event=\"" + attr(events) + "\" cond=\"" + expr(c.condition) + "\"";
        if (c.because) out_ += " because=\"" + attr(*c.because) + "\"";
        out_ += "/>\n";
      }
      out_ += "  </vflow:policy>\n";
    }
    for (const rule_decl& rule : w_.rules) {
      out_ +=
          "  <vflow:rule name=\"" + attr(rule.name) + "\" cond=\"" + expr(rule.condition) + "\">\n";
      actions(rule.actions, "    ");
      out_ += "  </vflow:rule>\n";
    }
    for (const state_decl& s : w_.states) state(s, "  ");
    out_ += "</scxml>\n";
    return std::move(out_);
  }

 private:
  std::string expr(expr_ref e) const { return attr(print_expr(f_, e)); }

  // The `initial` attribute of a state or the document: `initial -> A, B` (without a block), the
  // child marked `initial`, or the first child that is no history state (SCXML's default, written
  // out so that the document says what is entered); empty for an atomic state.
  static std::string initial_attribute(const std::vector<std::pair<std::string, source_span>>& to,
                                       const std::vector<state_decl>& children) {
    std::string out;
    for (const auto& [t, span] : to) out += (out.empty() ? "" : " ") + t;
    if (!out.empty()) return out;
    for (const state_decl& c : children) {
      if (c.is_initial) return c.name;
    }
    for (const state_decl& c : children) {
      if (c.kind != state_kind::history && c.kind != state_kind::deep_history) return c.name;
    }
    return out;
  }

  // The parameters an event takes, for the names of <param>: the workflow's own events, or
  // those of the workflow a link leads to.
  const std::vector<engine::param_def>* params_of(const std::string& event,
                                                  const std::string& link) const {
    std::string workflow = w_.name;
    for (const link_decl& l : w_.links) {
      if (l.name == link) workflow = l.workflow;
    }
    const auto find = [&](const std::vector<engine::event_def>& events) {
      const auto e = std::find_if(events.begin(), events.end(),
                                  [&](const engine::event_def& d) { return d.name == event; });
      return e == events.end() ? nullptr : &e->params;
    };
    for (const auto& m : r_.machines) {
      if (m.name == workflow) return find(m.events);
    }
    for (const auto& s : r_.imports) {
      if (s.name == workflow) return find(s.events);
    }
    return nullptr;
  }

  // `<param name expr/>` of each argument, named after the event's parameters.
  void params(const std::string& event, const std::string& link, const std::vector<expr_ref>& args,
              const std::string& indent) {
    const auto* declared = params_of(event, link);
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string name =
          declared && i < declared->size() ? (*declared)[i].name : "arg" + std::to_string(i + 1);
      out_ += indent + "<param name=\"" + attr(name) + "\" expr=\"" + expr(args[i]) + "\"/>\n";
    }
  }

  // A raise with arguments is a <send> to the internal queue: <raise> takes no <param>.
  void raise(const std::string& event, const std::vector<expr_ref>& args,
             const std::string& indent) {
    if (args.empty()) {
      out_ += indent + "<raise event=\"" + attr(event) + "\"/>\n";
      return;
    }
    out_ += indent + "<send event=\"" + attr(event) + "\" target=\"#_internal\">\n";
    params(event, "", args, indent + "  ");
    out_ += indent + "</send>\n";
  }

  void send(const send_decl& s, const std::string& indent) {
    if (s.log) {
      out_ += indent + "<log expr=\"" + expr(s.args.front()) + "\"/>\n";
      return;
    }
    if (s.cancel) {
      out_ += indent + "<cancel sendid=\"" + attr(s.label) + "\"/>\n";
      return;
    }
    if (s.raise) {
      raise(s.event, s.args, indent);
      return;
    }
    out_ += indent + "<send event=\"" + attr(s.event) + "\"";
    // To a link: like a send to an invoked session (`#_ID`), the link named in vflow's attribute.
    if (!s.link.empty())
      out_ += " target=\"#_" + attr(s.link) + "\" vflow:link=\"" + attr(s.link) + "\"";
    if (s.must) out_ += " vflow:must=\"true\"";
    if (s.delay) out_ += " delayexpr=\"" + expr(*s.delay) + "\"";
    if (!s.label.empty()) out_ += " id=\"" + attr(s.label) + "\"";
    if (s.args.empty()) {
      out_ += "/>\n";
      return;
    }
    out_ += ">\n";
    params(s.event, s.link, s.args, indent + "  ");
    out_ += indent + "</send>\n";
  }

  void assignment(const assignment_stmt& a, const std::string& indent) {
    const char* op = a.op == assign_op::add ? "add" : a.op == assign_op::remove ? "remove" : "";
    if (a.spawn) {
      out_ += indent + "<vflow:spawn location=\"" + attr(a.field) + "\" op=\"" +
              (*op ? op : "set") + "\" workflow=\"" + attr(a.spawn->workflow) + "\"";
      if (a.spawn->args.empty()) {
        out_ += "/>\n";
        return;
      }
      out_ += ">\n";
      for (const spawn_arg& arg : a.spawn->args) {
        out_ += indent + "  <vflow:arg name=\"" + attr(arg.name) + "\" expr=\"" + expr(arg.value) +
                "\"/>\n";
      }
      out_ += indent + "</vflow:spawn>\n";
      return;
    }
    out_ += indent + "<assign location=\"" + attr(a.field) + "\" expr=\"" + expr(a.value) + "\"";
    if (*op) out_ += std::string(" vflow:op=\"") + op + "\"";
    out_ += "/>\n";
  }

  void actions(const std::vector<rule_action>& list, const std::string& indent) {
    for (const rule_action& a : list) {
      if (a.send) {
        send(*a.send, indent);
      } else if (!a.branches.empty()) {
        out_ += indent + "<if cond=\"" + expr(*a.branches.front().condition) + "\">\n";
        for (std::size_t b = 0; b < a.branches.size(); ++b) {
          const if_branch& br = a.branches[b];
          if (b > 0) {
            out_ += indent + "  " +
                    (br.condition ? "<elseif cond=\"" + expr(*br.condition) + "\"/>\n"
                                  : std::string("<else/>\n"));
          }
          actions(br.body, indent + "  ");
        }
        out_ += indent + "</if>\n";
      } else if (a.is_raise) {
        raise(a.target, a.args, indent);
      } else {
        out_ += indent + "<assign location=\"" + attr(a.target) + "\" expr=\"" + expr(a.value) +
                "\"/>\n";
      }
    }
  }

  // A transition's block in the order it runs: assignments and link changes, sends, then the
  // statements from its first `if` on.
  void content(const transition_decl& t, const std::string& indent) {
    for (const assignment_stmt& a : t.assignments) assignment(a, indent);
    for (const send_decl& s : t.sends) send(s, indent);
    actions(t.actions, indent);
  }

  static bool has_content(const transition_decl& t) {
    return !t.assignments.empty() || !t.sends.empty() || !t.actions.empty();
  }

  void transition(const transition_decl& t, const state_decl& source, const std::string& indent) {
    std::string targets = t.target;
    for (const auto& [more, span] : t.more_targets) targets += " " + more;
    std::string head;
    if (t.after) {  // a state's timer: SCXML has none (a delayed send is not cancelled on exit)
      head = "vflow:after delay=\"" + expr(*t.after) + "\"";
    } else {
      head = "transition";
      if (t.done) {
        head += " event=\"done.state." + attr(source.name) + "\" vflow:done=\"true\"";
      } else if (!t.always) {
        std::string events = t.event;
        for (const auto& [more, span] : t.more_events) events += " " + more;
        head += " event=\"" + attr(events) + "\"";
      }
    }
    if (t.guard) head += " cond=\"" + expr(*t.guard) + "\"";
    if (!t.targetless) head += " target=\"" + attr(targets) + "\"";
    if (t.internal) head += " type=\"internal\"";
    const std::string element = t.after ? "vflow:after" : "transition";
    if (!has_content(t)) {
      out_ += indent + "<" + head + "/>\n";
      return;
    }
    out_ += indent + "<" + head + ">\n";
    content(t, indent + "  ");
    out_ += indent + "</" + element + ">\n";
  }

  void state(const state_decl& s, const std::string& indent) {
    if (s.kind == state_kind::history || s.kind == state_kind::deep_history) {
      out_ += indent + "<history id=\"" + attr(s.name) + "\" type=\"" +
              (s.kind == state_kind::deep_history ? "deep" : "shallow") + "\"";
      if (s.history_default.empty()) {
        out_ += "/>\n";
        return;
      }
      out_ += ">\n" + indent + "  <transition target=\"" + attr(s.history_default) + "\"";
      if (s.initial_actions.empty()) {
        out_ += "/>\n";
      } else {
        out_ += ">\n";
        actions(s.initial_actions, indent + "    ");
        out_ += indent + "  </transition>\n";
      }
      out_ += indent + "</history>\n";
      return;
    }
    const std::string element = s.kind == state_kind::parallel ? "parallel"
                                : s.is_final                   ? "final"
                                                               : "state";
    out_ += indent + "<" + element + " id=\"" + attr(s.name) + "\"";
    // With a block, `initial -> A { ... }` is an <initial> element; else an attribute.
    if (s.initial_actions.empty() && s.kind != state_kind::parallel) {
      const std::string initial = initial_attribute(s.initial_targets, s.children);
      if (!initial.empty()) out_ += " initial=\"" + attr(initial) + "\"";
    }
    if (s.children.empty() && s.transitions.empty() && s.entry.empty() && s.exit.empty() &&
        s.initial_targets.empty()) {
      out_ += "/>\n";
      return;
    }
    out_ += ">\n";
    const std::string inner = indent + "  ";
    if (!s.entry.empty()) {
      out_ += inner + "<onentry>\n";
      actions(s.entry, inner + "  ");
      out_ += inner + "</onentry>\n";
    }
    if (!s.exit.empty()) {
      out_ += inner + "<onexit>\n";
      actions(s.exit, inner + "  ");
      out_ += inner + "</onexit>\n";
    }
    if (!s.initial_actions.empty()) {
      std::string targets;
      for (const auto& [t, span] : s.initial_targets) targets += (targets.empty() ? "" : " ") + t;
      out_ += inner + "<initial>\n" + inner + "  <transition target=\"" + attr(targets) + "\">\n";
      actions(s.initial_actions, inner + "    ");
      out_ += inner + "  </transition>\n" + inner + "</initial>\n";
    }
    for (const state_decl& c : s.children)
      state(c, inner);  // a region is a <state> of a <parallel>
    for (const transition_decl& t : s.transitions) transition(t, s, inner);
    out_ += indent + "</" + element + ">\n";
  }

  const compile_result& r_;
  const flow_file& f_;
  const workflow_decl& w_;
  std::string out_;
};

}  // namespace

std::string export_scxml(const compile_result& compiled, std::size_t index,
                         const std::string& source_name) {
  return exporter(compiled, compiled.ast->workflows.at(index)).run(source_name);
}

}  // namespace vflow::dsl
