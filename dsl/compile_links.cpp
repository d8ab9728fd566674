// Links between workflows, through every stage: declarations and their inverses (resolve),
// guards over linked instances (check), and link changes, spawns and sends (lower). Names of
// other workflows resolve through the workflow directory: the files compiled together first,
// then the deployed ones.
#include <algorithm>

#include "dsl/compiler_stages.hpp"

namespace vflow::dsl::detail {

namespace {

engine::cardinality cardinality_of(link_cardinality c) {
  switch (c) {
    case link_cardinality::one: return engine::cardinality::one;
    case link_cardinality::optional: return engine::cardinality::optional;
    case link_cardinality::many: return engine::cardinality::many;
  }
  return engine::cardinality::one;
}

std::string spelling(engine::cardinality c) {
  switch (c) {
    case engine::cardinality::one: return "exactly one";
    case engine::cardinality::optional: return "zero or one";
    case engine::cardinality::many: return "any number of";
  }
  return "?";
}

void collect_states(const std::vector<state_decl>& list, std::vector<std::string>& out) {
  for (const state_decl& s : list) {
    out.push_back(s.name);
    collect_states(s.children, out);
  }
}

type quiet_type(const type_ref& t) {
  static constexpr std::array<base_type, 5> bases{base_type::int_type, base_type::bool_type,
                                                  base_type::string_type, base_type::time_type,
                                                  base_type::duration_type};
  if (t.is_ref) return type{base_type::string_type, t.nullable};
  for (std::size_t i = 0; i < known_types.size(); ++i) {
    if (t.name == known_types[i]) return type{bases[i], t.nullable};
  }
  return type{base_type::null_type, true};
}

template <typename Defs>
const typename Defs::value_type* by_name(const Defs& defs, std::string_view name) {
  const auto it =
      std::find_if(defs.begin(), defs.end(), [&](const auto& d) { return d.name == name; });
  return it == defs.end() ? nullptr : &*it;
}

}  // namespace

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

namespace vflow::dsl::detail {

// ---- resolve ----

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

// ---- check: reads of linked instances ----

std::uint32_t workflow_compiler::emit_named(op code, std::uint32_t index, const std::string& name,
                                            std::optional<type> t) {
  m_.reads_links = true;
  const std::uint32_t literal = emit_literal(engine::value::of_string(name));
  if (!t) return emit(code, index, {literal});
  const std::uint32_t spelled = emit_literal(engine::value::of_string(engine::to_string(*t)));
  return emit(code, index, {literal, spelled});
}

bool workflow_compiler::fits(const typed& from, type to, const std::string& ref) const {
  if (!engine::is_assignable(from.t, to)) return false;
  if (ref.empty() || from.t.base == base_type::null_type) return true;
  return from.ref == ref;
}

std::optional<typed> workflow_compiler::compile_each_name(const expr& e, const scope& sc) {
  const std::string name(f_.text(e));
  const engine::field_def* f = by_name(sc.each->fields, name);
  if (!f) {
    error("F0108", e.span, "unknown field '" + name + "' of workflow " + sc.each->name,
          suggest(name, [&] { return names_of(sc.each->fields); }));
    return std::nullopt;
  }
  return typed{f->declared, emit_named(op::each_field, 0, name, f->declared), f->ref};
}

std::optional<typed> workflow_compiler::compile_member(const expr& e, const scope& sc) {
  if (sc.constant) return not_constant(e, "a link");
  const std::string_view text = f_.text(e);
  const std::size_t dot = text.find('.');
  const std::string link_name(text.substr(0, dot));
  const std::string field(text.substr(dot + 1));
  source_span link_span = e.span;
  link_span.end = link_span.begin + static_cast<std::uint32_t>(dot);
  link_span.end_column = link_span.column + static_cast<std::uint32_t>(dot);
  const auto link = find_link(link_name, link_span);
  if (!link) return std::nullopt;
  const engine::link_def& l = m_.links[*link];
  if (l.cardinality == engine::cardinality::many) {
    error("F0133", e.span,
          "link '" + l.name + "' holds any number of instances: '" + std::string(text) +
              "' does not name one",
          "ask about all or any of them: any(" + l.name + ", " + field + " == ...)");
    return std::nullopt;
  }
  const workflow_signature* target = link_target(*link);
  if (!target) return std::nullopt;
  const engine::field_def* f = by_name(target->fields, field);
  if (!f) {
    source_span field_span = e.span;
    field_span.begin += static_cast<std::uint32_t>(dot + 1);
    field_span.column += static_cast<std::uint32_t>(dot + 1);
    error("F0108", field_span, "unknown field '" + field + "' of workflow " + target->name,
          suggest(field, [&] { return names_of(target->fields); }));
    return std::nullopt;
  }
  const type t{f->declared.base, f->declared.nullable || l.cardinality != engine::cardinality::one};
  return typed{t, emit_named(op::link_field, *link, field, f->declared), f->ref};
}

// count(LINK), all(LINK, COND), any(LINK, COND), in_state(LINK, STATE); and in_state(STATE)
// inside all/any, about each linked instance.
std::optional<typed> workflow_compiler::compile_link_call(const expr& e, std::string_view fn,
                                                          const scope& sc) {
  if (sc.constant) return not_constant(e, "a link");
  const auto arg_name = [&](std::uint32_t i) -> const expr* {
    if (i >= e.child_count || f_.child(e, i).kind != expr_kind::name) return nullptr;
    return &f_.child(e, i);
  };
  const auto state_in = [&](const workflow_signature& target, const expr& arg) -> bool {
    const std::string name(f_.text(arg));
    if (std::find(target.states.begin(), target.states.end(), name) != target.states.end())
      return true;
    error("F0102", arg.span, "unknown state '" + name + "' of workflow " + target.name,
          suggest(name, [&] {
            std::vector<std::string_view> out(target.states.begin(), target.states.end());
            return out;
          }));
    return false;
  };
  const bool bool_arity = fn == "all" || fn == "any" || fn == "in_state";
  const std::uint32_t arity = fn == "count" ? 1 : 2;
  if (fn == "in_state" && sc.each && e.child_count == 1) {
    const expr* s = arg_name(0);
    if (!s) {
      error("F0120", e.span, "in_state takes one state name, e.g. in_state(Completed)");
      return std::nullopt;
    }
    if (!state_in(*sc.each, *s)) return std::nullopt;
    return typed{of(base_type::bool_type),
                 emit_named(op::each_in_state, 0, std::string(f_.text(*s)))};
  }
  const expr* link_arg = arg_name(0);
  if (e.child_count != arity || !link_arg) {
    error("F0120", e.span,
          fn == "count"      ? "count takes one link, e.g. count(incidents)"
          : fn == "in_state" ? "in_state takes a state, or a link and a state: in_state(release, "
                               "Deployed)"
                             : std::string(fn) +
                                   " takes a link and a condition about each of its "
                                   "instances, e.g. " +
                                   std::string(fn) + "(fixes, in_state(Completed))");
    return std::nullopt;
  }
  if (sc.each) {
    error("F0134", e.span,
          "'" + std::string(fn) + "' over a link cannot be nested inside all() or any()");
    return std::nullopt;
  }
  const auto link = find_link(f_.text(*link_arg), link_arg->span);
  if (!link) return std::nullopt;
  const engine::link_def& l = m_.links[*link];
  const workflow_signature* target = link_target(*link);
  if (fn == "count") {
    m_.reads_links = true;
    return typed{of(base_type::int_type), emit(op::link_count, *link, {})};
  }
  if (!target) return std::nullopt;
  if (fn == "in_state") {
    if (l.cardinality == engine::cardinality::many) {
      error("F0133", e.span, "link '" + l.name + "' holds any number of instances",
            "ask about all or any of them: all(" + l.name + ", in_state(" +
                std::string(arg_name(1) ? f_.text(*arg_name(1)) : "STATE") + "))");
      return std::nullopt;
    }
    const expr* s = arg_name(1);
    if (!s) {
      error("F0120", f_.child(e, 1).span, "expected a state of workflow " + target->name);
      return std::nullopt;
    }
    if (!state_in(*target, *s)) return std::nullopt;
    return typed{of(base_type::bool_type),
                 emit_named(op::link_in_state, *link, std::string(f_.text(*s)))};
  }
  (void)bool_arity;
  scope inner = sc;
  inner.each = target;
  const auto cond = compile_expr(f_.child(e, 1), inner);
  if (!cond) return std::nullopt;
  if (cond->t != of(base_type::bool_type)) {
    error("F0201", f_.child(e, 1).span,
          "the condition of " + std::string(fn) + " must be of type 'bool', not '" +
              engine::to_string(cond->t) + "'");
    return std::nullopt;
  }
  m_.reads_links = true;
  return typed{of(base_type::bool_type),
               emit(fn == "all" ? op::link_all : op::link_any, *link, {cond->node})};
}

// ---- lower: link changes, spawns and sends ----

std::pair<std::uint32_t, std::uint32_t> workflow_compiler::define_effects(const transition_decl& t,
                                                                          const scope& sc) {
  const auto first = static_cast<std::uint32_t>(m_.effects.size());
  for (const assignment_stmt& a : t.assignments) {
    if (const auto link = link_ids_.find(a.field)) define_link_change(a, *link, sc);
  }
  for (const send_decl& s : t.sends) define_send(s, sc);
  return {first, static_cast<std::uint32_t>(m_.effects.size()) - first};
}

bool workflow_compiler::define_link_change(const assignment_stmt& a, std::uint32_t link,
                                           const scope& sc) {
  const engine::link_def& l = m_.links[link];
  const bool many = l.cardinality == engine::cardinality::many;
  if (many && a.op == assign_op::set) {
    error("F0137", a.field_span,
          "link '" + l.name + "' holds any number of instances: add with '+=', remove with '-='");
    return false;
  }
  if (!many && a.op != assign_op::set) {
    error("F0137", a.field_span,
          "link '" + l.name + "' holds " + spelling(l.cardinality) + " instance: set it with '='");
    return false;
  }
  engine::effect_def d;
  d.link = link;
  d.pos = {a.field_span.line, a.field_span.column};
  if (a.spawn) {
    if (a.op == assign_op::remove) {
      error("F0138", a.spawn->workflow_span, "a spawned instance cannot be removed from a link");
      return false;
    }
    d.kind = engine::effect_kind::spawn;
    if (!define_spawn(a, link, sc, d)) return false;
    m_.effects.push_back(std::move(d));
    return true;
  }
  const expr& value = f_[a.value];
  const auto v = compile_expr(value, sc);
  if (!v) return false;
  if (v->t.base == base_type::null_type) {
    if (l.cardinality != engine::cardinality::optional) {
      error("F0139", value.span,
            "link '" + l.name + "' holds " + spelling(l.cardinality) +
                " instance: it cannot be set to null",
            l.cardinality == engine::cardinality::one
                ? "declare it '" + l.workflow + "?' if it may be empty"
                : "remove an instance with '-='");
      return false;
    }
  } else if (v->ref != l.workflow) {
    error("F0138", value.span,
          "link '" + l.name + "' holds " + l.workflow + " instances, but this value is " +
              (v->ref.empty() ? "a '" + engine::to_string(v->t) + "'" : "a 'ref " + v->ref + "'"),
          v->ref.empty() ? "declare the parameter or field 'ref " + l.workflow +
                               "', so the id is checked when it arrives"
                         : std::string());
    return false;
  }
  d.kind = a.op == assign_op::add      ? engine::effect_kind::link_add
           : a.op == assign_op::remove ? engine::effect_kind::link_remove
                                       : engine::effect_kind::link_set;
  d.target = static_cast<engine::expr_id>(v->node);
  m_.effects.push_back(std::move(d));
  return true;
}

bool workflow_compiler::define_spawn(const assignment_stmt& a, std::uint32_t link, const scope& sc,
                                     engine::effect_def& d) {
  const spawn_decl& s = *a.spawn;
  const engine::link_def& l = m_.links[link];
  if (s.workflow != l.workflow) {
    error("F0138", s.workflow_span,
          "link '" + l.name + "' holds " + l.workflow + " instances, not " + s.workflow);
    return false;
  }
  const workflow_signature* target = link_target(link);
  if (!target) return false;
  d.name = s.workflow;
  bool ok = true;
  std::vector<std::string> given;
  for (const spawn_arg& arg : s.args) {
    const auto v = compile_expr(f_[arg.value], sc);
    if (std::find(given.begin(), given.end(), arg.name) != given.end()) {
      error("F0106", arg.name_span, "'" + arg.name + "' is given twice in the spawn");
      ok = false;
      continue;
    }
    given.push_back(arg.name);
    const engine::field_def* f = by_name(target->fields, arg.name);
    const engine::link_def* tl = f ? nullptr : by_name(target->links, arg.name);
    if (!f && !tl) {
      std::vector<std::string_view> names = names_of(target->fields);
      for (const auto& x : target->links) names.emplace_back(x.name);
      error("F0108", arg.name_span,
            "workflow " + target->name + " has no field or link '" + arg.name + "'",
            suggest(arg.name, [&] { return names; }));
      ok = false;
      continue;
    }
    if (!v) {
      ok = false;
      continue;
    }
    const type want = f ? f->declared : type{base_type::string_type, true};
    const std::string& ref = f ? f->ref : tl->workflow;
    if (!fits(*v, want, ref)) {
      error("F0205", f_[arg.value].span,
            "'" + arg.name + "' of " + target->name + " must be '" +
                (ref.empty() ? engine::to_string(want) : "ref " + ref) + "', not '" +
                (v->ref.empty() ? engine::to_string(v->t) : "ref " + v->ref) + "'");
      ok = false;
      continue;
    }
    d.names.push_back(arg.name);
    d.args.push_back(static_cast<engine::expr_id>(v->node));
  }
  for (const engine::field_def& f : target->fields) {
    if (f.required && std::find(given.begin(), given.end(), f.name) == given.end()) {
      error("F0135", s.workflow_span,
            "spawn of " + target->name + " is missing required field '" + f.name + "' (" +
                (f.ref.empty() ? engine::to_string(f.declared) : "ref " + f.ref) + ")");
      ok = false;
    }
  }
  for (const engine::link_def& tl : target->links) {
    if (tl.cardinality != engine::cardinality::one) continue;
    if (std::find(given.begin(), given.end(), tl.name) != given.end()) continue;
    // The spawning link's inverse is set by the spawn itself.
    const bool inverse = tl.workflow == w_.name && (l.inverse == tl.name || tl.inverse == l.name);
    if (!inverse) {
      error("F0135", s.workflow_span,
            "spawn of " + target->name + " is missing required link '" + tl.name + "' (" +
                tl.workflow + ")");
      ok = false;
    }
  }
  return ok;
}

std::optional<std::uint32_t> workflow_compiler::define_send(const send_decl& s, const scope& sc) {
  const auto link = find_link(s.link, s.link_span);
  std::vector<std::optional<typed>> args;
  for (const expr_ref a : s.args) args.push_back(compile_expr(f_[a], sc));
  if (!link) return std::nullopt;
  const workflow_signature* target = link_target(*link);
  if (!target) return std::nullopt;
  const engine::event_def* ev = by_name(target->events, s.event);
  if (!ev) {
    std::string help = suggest(s.event, [&] { return names_of(target->events); });
    error("F0107", s.event_span, "workflow " + target->name + " has no event '" + s.event + "'",
          std::move(help));
    return std::nullopt;
  }
  if (args.size() != ev->params.size()) {
    error("F0124", s.event_span,
          "event '" + ev->name + "' of " + target->name + " takes " +
              std::to_string(ev->params.size()) + " argument(s), but the send gives " +
              std::to_string(args.size()));
    return std::nullopt;
  }
  engine::effect_def d;
  d.kind = engine::effect_kind::send;
  d.link = *link;
  d.name = s.event;
  d.must = s.must;
  d.pos = {s.event_span.line, s.event_span.column};
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!args[i]) return std::nullopt;
    const engine::param_def& p = ev->params[i];
    if (!fits(*args[i], p.declared, p.ref)) {
      error("F0205", f_[s.args[i]].span,
            "argument " + std::to_string(i + 1) + " of '" + ev->name + "' ('" + p.name +
                "') must be '" + (p.ref.empty() ? engine::to_string(p.declared) : "ref " + p.ref) +
                "', not '" +
                (args[i]->ref.empty() ? engine::to_string(args[i]->t) : "ref " + args[i]->ref) +
                "'");
      return std::nullopt;
    }
    d.names.push_back(p.name);
    d.args.push_back(static_cast<engine::expr_id>(args[i]->node));
  }
  m_.effects.push_back(std::move(d));
  return static_cast<std::uint32_t>(m_.effects.size() - 1);
}

}  // namespace vflow::dsl::detail
