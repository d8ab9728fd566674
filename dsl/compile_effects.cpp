// Lower: the effects of blocks (link changes, spawns, sends, delayed sends, logs and cancels)
// become the machine's effect table.
#include <algorithm>

#include "dsl/compiler_stages.hpp"

namespace vflow::dsl::detail {

namespace {

std::string spelling(engine::cardinality c) {
  switch (c) {
    case engine::cardinality::one: return "exactly one";
    case engine::cardinality::optional: return "zero or one";
    case engine::cardinality::many: return "any number of";
  }
  return "?";
}

}  // namespace

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
  if (s.cancel) {
    engine::effect_def d;
    d.kind = engine::effect_kind::cancel;
    d.label = s.label;
    d.pos = {s.label_span.line, s.label_span.column};
    m_.effects.push_back(std::move(d));
    return static_cast<std::uint32_t>(m_.effects.size() - 1);
  }
  if (s.log) {  // any value: the runtime journals it as JSON
    const auto value = compile_expr(f_[s.args.front()], sc);
    if (!value) return std::nullopt;
    engine::effect_def d;
    d.kind = engine::effect_kind::log;
    d.pos = {s.event_span.line, s.event_span.column};
    d.names.push_back("value");
    d.args.push_back(static_cast<engine::expr_id>(value->node));
    m_.effects.push_back(std::move(d));
    return static_cast<std::uint32_t>(m_.effects.size() - 1);
  }
  const bool own = s.link.empty();  // a raise, or a send to the instance itself
  const auto link = own ? std::optional<std::uint32_t>(0) : find_link(s.link, s.link_span);
  std::vector<std::optional<typed>> args;
  for (const expr_ref a : s.args) args.push_back(compile_expr(f_[a], sc));
  if (!link) return std::nullopt;
  const workflow_signature* target = own ? nullptr : link_target(*link);
  if (!own && !target) return std::nullopt;
  const std::string& target_name = own ? w_.name : target->name;
  const engine::event_def* ev = nullptr;
  if (own) {
    if (const auto e = event_ids_.find(s.event)) ev = &m_.events[*e];
  } else {
    ev = by_name(target->events, s.event);
  }
  if (!ev) {
    std::string help = suggest(s.event, [&] { return names_of(own ? m_.events : target->events); });
    error("F0107", s.event_span,
          own ? "unknown event '" + s.event + "'"
              : "workflow " + target_name + " has no event '" + s.event + "'",
          std::move(help));
    return std::nullopt;
  }
  if (args.size() != ev->params.size()) {
    error("F0124", s.event_span,
          "event '" + ev->name + "' of " + target_name + " takes " +
              std::to_string(ev->params.size()) + " argument(s), but the " +
              (s.raise ? "raise" : "send") + " gives " + std::to_string(args.size()));
    return std::nullopt;
  }
  engine::effect_def d;
  d.kind = !own      ? engine::effect_kind::send
           : s.raise ? engine::effect_kind::raise
                     : engine::effect_kind::send_self;
  if (own) d.event = static_cast<engine::event_id>(ev - m_.events.data());
  if (s.delay) {
    if (!own || s.raise) {
      error("F0144", f_[*s.delay].span,
            "only a send to the instance itself can be delayed ('send " + s.event + " after ...')",
            "a delayed send is delivered to this instance by a tick");
      return std::nullopt;
    }
    const auto delay = compile_expr(f_[*s.delay], sc);
    if (!delay) return std::nullopt;
    if (delay->t != of(base_type::duration_type)) {
      error("F0126", f_[*s.delay].span,
            "a send's delay must be a 'duration' (like 15m or 4h), not '" +
                engine::to_string(delay->t) + "'");
      return std::nullopt;
    }
    d.delay = static_cast<engine::expr_id>(delay->node);
    d.label = s.label;
  }
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
