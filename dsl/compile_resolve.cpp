// Resolve: the names a workflow declares (fields, events, states) become dense ids, with their
// declared types; duplicates, unknown types and missing initial states are reported here.
#include <algorithm>

#include "dsl/compiler_stages.hpp"

namespace vflow::dsl::detail {

namespace {

void collect_states(const std::vector<state_decl>& list, std::vector<std::string>& out) {
  for (const state_decl& s : list) {
    out.push_back(s.name);
    collect_states(s.children, out);
  }
}

// The base type a declared type names, if the language has it.
std::optional<base_type> named_base(const std::string& name) {
  for (const base_type b : engine::declarable_types) {
    if (name == engine::to_string(b)) return b;
  }
  return std::nullopt;
}

type quiet_type(const type_ref& t) {
  if (t.is_ref) return type{base_type::string_type, t.nullable};
  if (const auto b = named_base(t.name)) return type{*b, t.nullable};
  return type{base_type::null_type, true};
}

}  // namespace

// Sizes the machine's tables from the syntax tree, so lowering a large workflow never moves
// them (the expression pool is shared by the file's workflows: an upper bound).
void workflow_compiler::reserve_tables() {
  std::size_t transitions = 0, assignments = 0;
  for (const state_decl& s : w_.states) {
    transitions += s.transitions.size();
    for (const transition_decl& t : s.transitions) assignments += t.assignments.size();
  }
  m_.fields.reserve(w_.fields.size());
  m_.events.reserve(w_.events.size());
  m_.states.reserve(w_.states.size());
  m_.transitions.reserve(transitions);
  m_.assignments.reserve(assignments);
  m_.nodes.reserve(f_.exprs.size());
  m_.operands.reserve(f_.children.size());
  m_.literals.reserve(f_.exprs.size() / 3);
}

std::optional<type> workflow_compiler::resolve_type(const type_ref& t) {
  if (t.is_ref) {  // the id of an instance of a workflow
    if (!find_workflow(t.name, t.span, "type 'ref " + t.name + "'")) return std::nullopt;
    return type{base_type::string_type, t.nullable};
  }
  if (const auto b = named_base(t.name)) return type{*b, t.nullable};
  std::vector<std::string_view> names;
  for (const base_type b : engine::declarable_types) names.push_back(engine::to_string(b));
  error("F0115", t.span, "unknown type '" + t.name + "'", did_you_mean(t.name, names));
  return std::nullopt;
}

void workflow_compiler::declare_fields() {
  for (const field_decl& f : w_.fields) {
    const auto t = resolve_type(f.type);
    if (!field_ids_.insert(f.name, static_cast<std::uint32_t>(m_.fields.size()))) {
      error("F0105", f.name_span, "duplicate field '" + f.name + "'");
      continue;
    }
    engine::field_def def;
    def.name = f.name;
    def.declared = t.value_or(of(base_type::null_type, true));
    if (f.type.is_ref) def.ref = f.type.name;
    def.required = !f.initial && t && !t->nullable;
    m_.fields.push_back(std::move(def));
    field_decls_.push_back(&f);
    field_ok_.push_back(t.has_value());
  }
}

void workflow_compiler::declare_events() {
  for (const event_decl& e : w_.events) {
    if (!event_ids_.insert(e.name, static_cast<std::uint32_t>(m_.events.size()))) {
      error("F0104", e.name_span, "duplicate event '" + e.name + "'");
      continue;
    }
    engine::event_def def;
    def.name = e.name;
    for (const param_decl& p : e.params) {
      const bool dup = std::any_of(def.params.begin(), def.params.end(),
                                   [&](const engine::param_def& q) { return q.name == p.name; });
      if (dup) {
        error("F0106", p.name_span,
              "duplicate parameter '" + p.name + "' of event '" + e.name + "'");
        continue;
      }
      def.params.push_back({p.name, resolve_type(p.type).value_or(of(base_type::null_type, true)),
                            p.type.is_ref ? p.type.name : ""});
    }
    m_.events.push_back(std::move(def));
  }
  // `on *` matches every event, those the workflow never declared too: they arrive as `*`.
  const auto star = [](const auto& self, const std::vector<state_decl>& states) -> bool {
    for (const state_decl& s : states) {
      for (const transition_decl& t : s.transitions) {
        if (t.event == "*") return true;
        for (const auto& [name, span] : t.more_events) {
          if (name == "*") return true;
        }
      }
      if (self(self, s.children)) return true;
    }
    return false;
  };
  if (star(star, w_.states) && event_ids_.insert("*", static_cast<std::uint32_t>(m_.events.size())))
    m_.events.push_back(engine::event_def{"*", {}, 0, 0});
}

void workflow_compiler::declare_states() {
  const auto top = declare_children(w_.states, engine::no_state, 0);
  has_initial_ = top.has_value();
  if (top) m_.initial = *top;
  if (!top && !had_initial_error_ && w_.states.empty()) {
    error("F0111", w_.name_span, "workflow '" + w_.name + "' has no states",
          "declare a state: initial state NAME { ... }");
  }
}

// Declares `list` (in document order, each state before its children) under `parent`; returns
// the initial one among them (for a compound parent or the workflow).
std::optional<engine::state_id> workflow_compiler::declare_children(
    const std::vector<state_decl>& list, engine::state_id parent, std::uint32_t depth) {
  const bool parallel_parent =
      parent != engine::no_state &&
      m_.states[engine::index(parent)].kind == engine::state_kind::parallel;
  const state_decl* initial = nullptr;
  std::optional<engine::state_id> initial_id;
  const auto first_declared = static_cast<std::uint32_t>(m_.states.size());
  for (const state_decl& s : list) {
    const auto id = static_cast<engine::state_id>(m_.states.size());
    if (!state_ids_.insert(s.name, engine::index(id))) {
      error("F0103", s.name_span, "duplicate state '" + s.name + "'");
      continue;
    }
    engine::state_def def;
    def.name = s.name;
    def.is_final = s.is_final;
    def.pos = {s.name_span.line, s.name_span.column};
    def.parent = parent;
    def.depth = depth;
    switch (s.kind) {
      case state_kind::parallel: def.kind = engine::state_kind::parallel; break;
      case state_kind::history: def.kind = engine::state_kind::history; break;
      case state_kind::deep_history: def.kind = engine::state_kind::deep_history; break;
      default:
        def.kind = s.children.empty() ? engine::state_kind::atomic : engine::state_kind::compound;
    }
    const bool history =
        def.kind == engine::state_kind::history || def.kind == engine::state_kind::deep_history;
    if (history && (parent == engine::no_state || parallel_parent)) {
      error("F0127", s.name_span, "history state '" + s.name + "' must be inside a compound state");
    }
    if (s.is_final && !s.children.empty()) {
      error("F0127", s.name_span, "final state '" + s.name + "' cannot have child states");
    }
    if (def.kind == engine::state_kind::parallel && s.children.empty()) {
      error("F0127", s.name_span, "parallel state '" + s.name + "' has no regions");
    }
    m_.states.push_back(std::move(def));
    state_decls_.push_back(&s);
    if (s.is_initial && !parallel_parent) {
      if (initial) {
        ++errors_;
        had_initial_error_ = true;
        diags_.push_back({"F0112", severity::error, file_, s.keyword_span,
                          (parent == engine::no_state
                               ? "workflow '" + w_.name + "'"
                               : "state '" + m_.states[engine::index(parent)].name + "'") +
                              " has more than one initial state: '" + initial->name + "' and '" +
                              s.name + "'",
                          "only one state may be marked 'initial'"});
      } else {
        initial = &s;
        initial_id = id;
      }
    }
    if (!s.children.empty()) {
      const auto child_initial = declare_children(s.children, id, depth + 1);
      engine::state_def& me = m_.states[engine::index(id)];
      if (me.kind == engine::state_kind::compound && child_initial) {
        me.initial_child = *child_initial;
      }
    }
  }
  // None marked: the first state in document order (SCXML's rule), never a history state.
  if (!initial_id && !initial && !parallel_parent) {
    for (std::uint32_t i = first_declared; i < m_.states.size(); ++i) {
      const engine::state_def& d = m_.states[i];
      if (d.parent == parent && d.kind != engine::state_kind::history &&
          d.kind != engine::state_kind::deep_history) {
        initial_id = static_cast<engine::state_id>(i);
        break;
      }
    }
  }
  // The child list of `parent`: its direct children, in document order.
  if (parent != engine::no_state) {
    engine::state_def& p = m_.states[engine::index(parent)];
    p.first_child = static_cast<std::uint32_t>(m_.children.size());
    for (std::uint32_t i = engine::index(parent) + 1; i < m_.states.size(); ++i) {
      if (m_.states[i].parent == parent) m_.children.push_back(static_cast<engine::state_id>(i));
    }
    p.child_count = static_cast<std::uint32_t>(m_.children.size()) - p.first_child;
  }
  return initial_id;
}

bool workflow_compiler::check_entered_together(const std::vector<engine::state_id>& targets,
                                               const std::vector<source_span>& spans) {
  const auto parent = [&](engine::state_id s) { return m_.states[engine::index(s)].parent; };
  const auto depth = [&](engine::state_id s) { return m_.states[engine::index(s)].depth; };
  for (std::size_t j = 1; j < targets.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      // The nearest common ancestor of the two: a parallel state unless one holds the other or
      // they lie in one compound state (or both at the top).
      engine::state_id a = targets[i], b = targets[j];
      while (a != b && depth(a) > depth(b)) a = parent(a);
      while (a != b && depth(b) > depth(a)) b = parent(b);
      const bool nested = a == b;
      while (a != b) {
        a = parent(a);
        b = parent(b);
      }
      if (!nested && a != engine::no_state &&
          m_.states[engine::index(a)].kind == engine::state_kind::parallel)
        continue;
      const std::string& first = m_.states[engine::index(targets[i])].name;
      const std::string& second = m_.states[engine::index(targets[j])].name;
      error("F0143", spans[j],
            "'" + first + "' and '" + second + "' cannot be entered together: " +
                (nested ? "one is inside the other"
                        : "they are not in different regions of a parallel state"),
            "several targets lie in different regions of one parallel state");
      return false;
    }
  }
  return true;
}

bool workflow_compiler::resolve_initial(
    engine::state_id owner, const std::vector<std::pair<std::string, source_span>>& targets,
    std::vector<engine::state_id>& out) {
  std::vector<source_span> spans;
  for (const auto& [name, span] : targets) {
    const auto target = state_ids_.find(name);
    if (!target) {
      error("F0102", span, "unknown state '" + name + "'",
            suggest(name, [&] { return names_of(m_.states); }));
      return false;
    }
    const auto id = static_cast<engine::state_id>(*target);
    bool inside = owner == engine::no_state;
    for (auto p = m_.states[*target].parent; p != engine::no_state && !inside;
         p = m_.states[engine::index(p)].parent) {
      inside = p == owner;
    }
    const auto kind = m_.states[*target].kind;
    if (!inside || kind == engine::state_kind::history ||
        kind == engine::state_kind::deep_history) {
      const std::string where = owner == engine::no_state
                                    ? "workflow '" + w_.name + "'"
                                    : "state '" + m_.states[engine::index(owner)].name + "'";
      error("F0142", span,
            !inside ? "'" + name + "', entered first by " + where + ", is not inside it"
                    : "a history state cannot be entered first",
            "an initial target is a descendant of the state that names it");
      return false;
    }
    out.push_back(id);
    spans.push_back(span);
  }
  return check_entered_together(out, spans);
}

void workflow_compiler::define_initial_targets() {
  // The child of `owner` (or the top-level state) that holds `s`.
  const auto child_holding = [&](engine::state_id owner, engine::state_id s) {
    while (m_.states[engine::index(s)].parent != owner) s = m_.states[engine::index(s)].parent;
    return s;
  };
  // F0112 when a child is marked `initial` as well.
  const auto marked_too = [&](const std::vector<state_decl>& children, const source_span& at) {
    for (const state_decl& c : children) {
      if (!c.is_initial) continue;
      error("F0112", at,
            "'initial ->' and the state '" + c.name +
                "' marked 'initial' both say what is entered first",
            "keep one of them");
      return true;
    }
    return false;
  };
  if (!w_.initial_actions.empty()) {
    error("F0142", w_.initial_span,
          "'initial ->' at the top of workflow '" + w_.name + "' cannot have a block",
          "put the statements in the entry block of the state entered first");
  }
  if (!w_.initial_targets.empty() && !marked_too(w_.states, w_.initial_span) &&
      resolve_initial(engine::no_state, w_.initial_targets, m_.root_initial)) {
    m_.initial = child_holding(engine::no_state, m_.root_initial.front());
  }
  for (std::size_t s = 0; s < state_decls_.size(); ++s) {
    const state_decl& st = *state_decls_[s];
    if (st.initial_targets.empty()) continue;
    const auto owner = static_cast<engine::state_id>(s);
    if (m_.states[s].kind == engine::state_kind::parallel) {
      error("F0142", st.initial_span,
            "parallel state '" + st.name +
                "' enters all its regions; 'initial ->' has no place in it");
      continue;
    }
    if (marked_too(st.children, st.initial_span)) continue;
    std::vector<engine::state_id> targets;
    if (!resolve_initial(owner, st.initial_targets, targets)) continue;
    engine::state_def& def = m_.states[s];
    def.first_initial_target = static_cast<std::uint32_t>(m_.initial_targets.size());
    def.initial_target_count = static_cast<std::uint32_t>(targets.size());
    m_.initial_targets.insert(m_.initial_targets.end(), targets.begin(), targets.end());
    def.initial_child = child_holding(owner, targets.front());
  }
}

workflow_signature signature_from(const workflow_decl& w,
                                  const std::optional<std::string>& stream) {
  workflow_signature s;
  s.name = w.name;
  s.stream = stream.value_or("");
  collect_states(w.states, s.states);
  for (const field_decl& f : w.fields) {
    engine::field_def d;
    d.name = f.name;
    d.declared = quiet_type(f.type);
    d.ref = f.type.is_ref ? f.type.name : "";
    d.required = !f.initial && !f.type.nullable;
    s.fields.push_back(std::move(d));
  }
  for (const event_decl& e : w.events) {
    engine::event_def d;
    d.name = e.name;
    for (const param_decl& p : e.params) {
      d.params.push_back({p.name, quiet_type(p.type), p.type.is_ref ? p.type.name : ""});
    }
    s.events.push_back(std::move(d));
  }
  for (const link_decl& l : w.links) {
    s.links.push_back({l.name,
                       l.workflow,
                       cardinality_of(l.cardinality),
                       l.inverse,
                       {l.name_span.line, l.name_span.column}});
  }
  return s;
}

// ---- links and other workflows ----

const workflow_signature* workflow_compiler::find_workflow(const std::string& name,
                                                           const source_span& span,
                                                           const std::string& what) {
  if (const workflow_signature* s = workflows_.find(name)) return s;
  std::string help = suggest(name, [&] { return workflows_.names(); });
  if (help.empty()) {
    help = "deploy the file that defines it together with this one, or before it";
  }
  error("F0130", span, "unknown workflow '" + name + "' in " + what, std::move(help));
  return nullptr;
}

void workflow_compiler::declare_links() {
  for (const link_decl& l : w_.links) {
    if (field_ids_.find(l.name)) {
      error("F0105", l.name_span, "link '" + l.name + "' has the name of a field",
            "fields and links share one namespace: rename one of them");
      continue;
    }
    if (!link_ids_.insert(l.name, static_cast<std::uint32_t>(m_.links.size()))) {
      error("F0105", l.name_span, "duplicate link '" + l.name + "'");
      continue;
    }
    engine::link_def d{l.name,
                       l.workflow,
                       cardinality_of(l.cardinality),
                       l.inverse,
                       {l.name_span.line, l.name_span.column}};
    const workflow_signature* target =
        find_workflow(l.workflow, l.workflow_span, "link '" + l.name + "'");
    if (target && !l.inverse.empty()) {
      const engine::link_def* other = by_name(target->links, l.inverse);
      if (!other) {
        std::vector<std::string_view> names;
        for (const auto& x : target->links) names.emplace_back(x.name);
        std::string help = suggest(l.inverse, [&] { return names; });
        if (help.empty()) {
          help = "declare it in " + target->name + ": links { " + l.inverse + ": " + w_.name +
                 (l.cardinality == link_cardinality::many ? "? " : "[] ") + "}";
        }
        error("F0131", l.inverse_span,
              "workflow " + target->name + " has no link '" + l.inverse + "'", std::move(help));
      } else if (other->workflow != w_.name) {
        error("F0131", l.inverse_span,
              "link '" + l.inverse + "' of " + target->name + " links to " + other->workflow +
                  ", not " + w_.name + ": it cannot be the inverse of '" + l.name + "'");
      } else if (!other->inverse.empty() && other->inverse != l.name) {
        error("F0131", l.inverse_span,
              "link '" + l.inverse + "' of " + target->name + " names '" + other->inverse +
                  "' as its inverse, not '" + l.name + "'");
      }
    }
    m_.links.push_back(std::move(d));
    link_targets_.push_back(target);
  }
}

std::optional<std::uint32_t> workflow_compiler::find_link(std::string_view name,
                                                          const source_span& span) {
  if (const auto l = link_ids_.find(name)) return *l;
  std::string help = suggest(name, [&] { return names_of(m_.links); });
  if (help.empty()) {
    help = m_.links.empty() ? "declare it: links { " + std::string(name) + ": WORKFLOW }"
                            : "the links are: " + [&] {
                                std::string out;
                                for (const auto& l : m_.links)
                                  out += (out.empty() ? "" : ", ") + l.name;
                                return out;
                              }();
  }
  error("F0132", span, "unknown link '" + std::string(name) + "'", std::move(help));
  return std::nullopt;
}

const workflow_signature* workflow_compiler::link_target(std::uint32_t link) {
  return link < link_targets_.size() ? link_targets_[link] : nullptr;
}

}  // namespace vflow::dsl::detail

namespace vflow::dsl {

workflow_signature signature_of(const engine::machine& m) {
  workflow_signature s;
  s.name = m.name;
  s.stream = m.stream;
  for (const auto& st : m.states) s.states.push_back(st.name);
  for (const auto& f : m.fields) {
    engine::field_def d = f;
    d.initial = engine::value::null();
    s.fields.push_back(std::move(d));
  }
  for (const auto& e : m.events) s.events.push_back({e.name, e.params, 0, 0});
  s.links = m.links;
  return s;
}

}  // namespace vflow::dsl
