// Check: expressions are type-checked and emitted as engine nodes. Operators and built-in
// functions are checked against their signatures; a value's fit for a field is decided here.
#include <algorithm>
#include <cctype>

#include "dsl/compiler_stages.hpp"

namespace vflow::dsl::detail {

namespace {

// One signature table for the operators and the built-in functions with fixed operand types:
// the operator's spelling or the function's name, its operands' base types (never nullable),
// the engine operation and the result. Operands are swapped when `swap` is set (the engine
// takes time before duration, duration before int). Equality, ordering, `??`, `in` and the
// functions over links and states are polymorphic and checked by their own code.
struct signature {
  std::string_view name;
  std::uint8_t arity;
  std::array<base_type, 2> params;
  op code;
  base_type result;
  bool swap = false;
};

constexpr base_type int_t = base_type::int_type, bool_t = base_type::bool_type,
                    string_t = base_type::string_type, time_t_ = base_type::time_type,
                    duration_t = base_type::duration_type;

constexpr std::array<signature, 23> signatures{{
    {"not", 1, {bool_t}, op::not_, bool_t},
    {"-", 1, {int_t}, op::neg_int, int_t},
    {"-", 1, {duration_t}, op::neg_duration, duration_t},
    {"and", 2, {bool_t, bool_t}, op::and_, bool_t},
    {"or", 2, {bool_t, bool_t}, op::or_, bool_t},
    {"+", 2, {int_t, int_t}, op::add_int, int_t},
    {"+", 2, {duration_t, duration_t}, op::add_duration, duration_t},
    {"+", 2, {string_t, string_t}, op::concat, string_t},
    {"+", 2, {time_t_, duration_t}, op::add_time_duration, time_t_},
    {"+", 2, {duration_t, time_t_}, op::add_time_duration, time_t_, true},
    {"-", 2, {int_t, int_t}, op::sub_int, int_t},
    {"-", 2, {duration_t, duration_t}, op::sub_duration, duration_t},
    {"-", 2, {time_t_, time_t_}, op::sub_time_time, duration_t},
    {"-", 2, {time_t_, duration_t}, op::sub_time_duration, time_t_},
    {"*", 2, {int_t, int_t}, op::mul_int, int_t},
    {"*", 2, {duration_t, int_t}, op::mul_duration_int, duration_t},
    {"*", 2, {int_t, duration_t}, op::mul_duration_int, duration_t, true},
    {"/", 2, {int_t, int_t}, op::div_int, int_t},
    {"/", 2, {duration_t, int_t}, op::div_duration_int, duration_t},
    {"%", 2, {int_t, int_t}, op::mod_int, int_t},
    {"len", 1, {string_t}, op::len, int_t},
    {"lower", 1, {string_t}, op::lower, string_t},
    {"contains", 2, {string_t, string_t}, op::contains, bool_t},
}};

// The signature of `name` for operands of types `args` (non-nullable, exactly), or null.
const signature* find_signature(std::string_view name, std::initializer_list<type> args) {
  for (const signature& s : signatures) {
    if (s.name != name || s.arity != args.size()) continue;
    std::size_t i = 0;
    bool fits = true;
    for (const type a : args) fits = fits && a == type{s.params[i++], false};
    if (fits) return &s;
  }
  return nullptr;
}

constexpr std::array<std::string_view, 7> builtin_functions{
    "len", "lower", "contains", "in_state", "count", "all", "any"};

std::string_view spelling(binary_op op) {
  switch (op) {
    case binary_op::or_: return "or";
    case binary_op::and_: return "and";
    case binary_op::eq: return "==";
    case binary_op::ne: return "!=";
    case binary_op::lt: return "<";
    case binary_op::le: return "<=";
    case binary_op::gt: return ">";
    case binary_op::ge: return ">=";
    case binary_op::coalesce: return "??";
    case binary_op::add: return "+";
    case binary_op::sub: return "-";
    case binary_op::mul: return "*";
    case binary_op::div: return "/";
    case binary_op::mod: return "%";
  }
  return "?";
}

}  // namespace

bool workflow_compiler::check_assignable(type from, type to, const source_span& span,
                                         std::string_view what, const std::string& field) {
  if (engine::is_assignable(from, to)) return true;
  if (from.base == base_type::null_type) {
    error("F0203", span,
          "cannot assign null to field '" + field + "' of type '" + engine::to_string(to) + "'",
          "declare the field as '" + engine::to_string(type{to.base, true}) + "' to allow null");
  } else if (from.base == to.base && from.nullable && !to.nullable &&
             to.base != base_type::secret_type) {
    error("F0203", span,
          "cannot assign a value of type '" + engine::to_string(from) + "' to field '" + field +
              "' of type '" + engine::to_string(to) + "': the value may be null",
          "supply a default with '?"
          "?', e.g. value ?? " +
              default_literal(to.base));
  } else {
    error("F0202", span,
          std::string(what) + " of type '" + engine::to_string(from) +
              "' cannot be assigned to field '" + field + "' of type '" + engine::to_string(to) +
              "'");
  }
  return false;
}

std::string workflow_compiler::default_literal(base_type b) {
  switch (b) {
    case base_type::int_type: return "0";
    case base_type::bool_type: return "false";
    case base_type::string_type: return "\"\"";
    case base_type::duration_type: return "0s";
    case base_type::time_type: return "now";
    case base_type::null_type:
    case base_type::secret_type: return "null";
  }
  return "null";
}

// Compiles a condition that must be a bool; nothing when it is not.
std::optional<std::uint32_t> workflow_compiler::compile_condition(expr_ref ref, const scope& sc,
                                                                  std::string_view what) {
  const expr& e = f_[ref];
  const auto c = compile_expr(e, sc);
  if (!c) return std::nullopt;
  if (c->t != of(base_type::bool_type)) {
    error("F0201", e.span,
          std::string(what) + " must be of type 'bool', not '" + engine::to_string(c->t) + "'");
    return std::nullopt;
  }
  return c->node;
}

std::optional<typed> workflow_compiler::compile_in_state(const expr& e, const scope&) {
  if (e.child_count != 1 || f_.child(e, 0).kind != expr_kind::name) {
    error("F0120", e.span, "in_state takes one state name, e.g. in_state(Approved)");
    return std::nullopt;
  }
  const expr& arg = f_.child(e, 0);
  const std::string_view name = f_.text(arg);
  const auto s = state_ids_.find(name);
  if (!s) {
    error("F0102", arg.span, "unknown state '" + std::string(name) + "'",
          suggest(name, [&] { return names_of(m_.states); }));
    return std::nullopt;
  }
  return typed{of(base_type::bool_type), emit(op::in_state, *s, {})};
}

std::uint32_t workflow_compiler::emit(op code, std::uint32_t index,
                                      std::initializer_list<std::uint32_t> children) {
  engine::expr_node n;
  n.code = code;
  n.index = index;
  n.first_operand = static_cast<std::uint32_t>(m_.operands.size());
  n.operand_count = static_cast<std::uint32_t>(children.size());
  m_.operands.insert(m_.operands.end(), children.begin(), children.end());
  m_.nodes.push_back(n);
  return static_cast<std::uint32_t>(m_.nodes.size() - 1);
}

std::uint32_t workflow_compiler::emit_literal(engine::value v) {
  m_.literals.push_back(std::move(v));
  return emit(op::literal, static_cast<std::uint32_t>(m_.literals.size() - 1), {});
}

std::optional<typed> workflow_compiler::not_constant(const expr& e, std::string_view what) {
  error("F0207", e.span, "default values must be constant, but this reads " + std::string(what));
  return std::nullopt;
}

std::optional<typed> workflow_compiler::compile_expr(const expr& e, const scope& sc) {
  const std::string_view text = f_.text(e);
  switch (e.kind) {
    case expr_kind::int_literal:
      if (e.overflow) {
        error("F0206", e.span,
              "integer literal '" + std::string(text) + "' does not fit in 64 bits",
              "the range is -9223372036854775808 to 9223372036854775807");
        return std::nullopt;
      }
      return typed{of(base_type::int_type), emit_literal(engine::value::of_int(e.number))};
    case expr_kind::string_literal:
      return typed{of(base_type::string_type),
                   emit_literal(engine::value::of_string(std::string(text)))};
    case expr_kind::bool_literal:
      return typed{of(base_type::bool_type), emit_literal(engine::value::of_bool(e.number != 0))};
    case expr_kind::null_literal:
      return typed{of(base_type::null_type, true), emit_literal(engine::value::null())};
    case expr_kind::duration_literal:
      return typed{of(base_type::duration_type),
                   emit_literal(engine::value::of_duration(e.number))};
    case expr_kind::now:
      if (sc.constant) return not_constant(e, "'now'");
      return typed{of(base_type::time_type), emit(op::now, 0, {})};
    case expr_kind::actor:
      if (sc.constant) return not_constant(e, "'actor'");
      return typed{of(base_type::string_type, true), emit(op::actor, 0, {})};
    case expr_kind::name: {
      if (sc.constant) return not_constant(e, "field '" + std::string(text) + "'");
      if (sc.each) return compile_each_name(e, sc);
      if (const auto link = link_ids_.find(text)) {  // a single link's instance, as a ref
        const engine::link_def& l = m_.links[*link];
        if (l.cardinality == engine::cardinality::many) {
          error("F0133", e.span,
                "link '" + l.name + "' holds any number of instances: it is not one value",
                "ask about them: count(" + l.name + "), all(" + l.name + ", ...), any(" + l.name +
                    ", ...)");
          return std::nullopt;
        }
        m_.reads_links = true;
        return typed{type{base_type::string_type, l.cardinality != engine::cardinality::one},
                     emit(op::link_id, *link, {}), l.workflow};
      }
      const auto f = field_ids_.find(text);
      if (!f) {
        std::string help = suggest(text, [&] { return names_of(m_.fields); });
        if (help.empty() && sc.event) {
          for (const auto& p : sc.event->params) {
            if (p.name == text) help = "event parameters are written 'event." + p.name + "'";
          }
        }
        error("F0108", e.span, "unknown field '" + std::string(text) + "'", std::move(help));
        return std::nullopt;
      }
      if (!field_ok_[*f]) return std::nullopt;
      return typed{m_.fields[*f].declared, emit(op::field, *f, {}), m_.fields[*f].ref};
    }
    case expr_kind::event_param: {
      if (sc.constant) return not_constant(e, "'event." + std::string(text) + "'");
      if (sc.rule) {
        error("F0121", e.span, "rules cannot read event parameters",
              "a rule runs after a step, not for one event: copy the parameter into a field "
              "in the transition, then read the field");
        return std::nullopt;
      }
      if (sc.eventless) {
        error("F0128", e.span, "entry, exit, done and always cannot read event parameters",
              "copy the parameter into a field in the transition, then read the field");
        return std::nullopt;
      }
      if (sc.timer) {
        error("F0125", e.span, "timers cannot read event parameters",
              "a timer fires on its own, not for an event: copy the parameter into a field");
        return std::nullopt;
      }
      if (!sc.event) return std::nullopt;  // the unknown event was reported already
      const auto& params = sc.event->params;
      for (std::size_t i = 0; i < params.size(); ++i) {
        if (params[i].name == text) {
          if (params[i].declared.base == base_type::null_type) return std::nullopt;
          return typed{params[i].declared, emit(op::param, static_cast<std::uint32_t>(i), {}),
                       params[i].ref};
        }
      }
      std::string help = suggest(text, [&] { return names_of(params); });
      if (help.empty()) {
        help = params.empty()
                   ? "event '" + sc.event->name + "' has no parameters"
                   : "event '" + sc.event->name + "' has parameters: " + join_names(params);
      }
      error("F0109", e.span,
            "unknown parameter '" + std::string(text) + "' of event '" + sc.event->name + "'",
            std::move(help));
      return std::nullopt;
    }
    case expr_kind::unary: return compile_unary(e, sc);
    case expr_kind::binary: return compile_binary(e, sc);
    case expr_kind::in_list: return compile_in(e, sc);
    case expr_kind::call: return compile_call(e, sc);
    case expr_kind::member: return compile_member(e, sc);
    case expr_kind::conditional: {
      const auto c = compile_expr(f_.child(e, 0), sc);
      const auto a = compile_expr(f_.child(e, 1), sc);
      const auto b = compile_expr(f_.child(e, 2), sc);
      if (!c || !a || !b) return std::nullopt;
      if (c->t != of(base_type::bool_type)) {
        error(
            "F0201", f_.child(e, 0).span,
            "the condition of 'if' must be of type 'bool', not '" + engine::to_string(c->t) + "'");
        return std::nullopt;
      }
      const bool a_null = a->t.base == base_type::null_type;
      const bool b_null = b->t.base == base_type::null_type;
      if (!a_null && !b_null && a->t.base != b->t.base) {
        error("F0204", e.span,
              "the branches of 'if' have different types: '" + engine::to_string(a->t) + "' and '" +
                  engine::to_string(b->t) + "'");
        return std::nullopt;
      }
      const base_type base = a_null ? b->t.base : a->t.base;
      const bool nullable = a->t.nullable || b->t.nullable;
      return typed{type{base, nullable}, emit(op::cond, 0, {c->node, a->node, b->node}),
                   a->ref.empty() ? b->ref : a->ref};
    }
  }
  return std::nullopt;
}

std::string workflow_compiler::join_names(const std::vector<engine::param_def>& params) {
  std::string out;
  for (const auto& p : params) out += (out.empty() ? "" : ", ") + p.name;
  return out;
}

std::optional<typed> workflow_compiler::operator_error(const expr& e, std::string_view op_text,
                                                       type l, std::optional<type> r) {
  std::string msg =
      "operator '" + std::string(op_text) + "' cannot be applied to '" + engine::to_string(l) + "'";
  if (r) msg += " and '" + engine::to_string(*r) + "'";
  std::string help;
  if (l.base == base_type::secret_type || (r && r->base == base_type::secret_type)) {
    help =
        "a secret is only compared (== or !=) with another secret or null, or stored in a "
        "secret: its text is never kept";
  } else if (l.nullable || (r && r->nullable)) {
    help = "a nullable value needs a default first: x ?? value";
  }
  error("F0204", e.span, std::move(msg), std::move(help));
  return std::nullopt;
}

std::optional<typed> workflow_compiler::compile_unary(const expr& e, const scope& sc) {
  const auto x = compile_expr(f_.child(e, 0), sc);
  if (!x) return std::nullopt;
  const std::string_view name = e.uop == unary_op::not_ ? "not" : "-";
  const signature* s = find_signature(name, {x->t});
  if (!s) return operator_error(e, name, x->t);
  return typed{of(s->result), emit(s->code, 0, {x->node})};
}

std::optional<typed> workflow_compiler::compile_binary(const expr& e, const scope& sc) {
  const auto l = compile_expr(f_.child(e, 0), sc);
  const auto r = compile_expr(f_.child(e, 1), sc);
  if (!l || !r) return std::nullopt;
  const type lt = l->t, rt = r->t;
  const std::string_view sp = spelling(e.bop);
  const auto bin = [&](op code, type result, bool swap = false) {
    return typed{result,
                 swap ? emit(code, 0, {r->node, l->node}) : emit(code, 0, {l->node, r->node})};
  };
  switch (e.bop) {
    case binary_op::eq:
    case binary_op::ne:
      if (lt.base != rt.base && lt.base != base_type::null_type &&
          rt.base != base_type::null_type) {
        return operator_error(e, sp, lt, rt);
      }
      return bin(e.bop == binary_op::eq ? op::eq : op::ne, of(base_type::bool_type));
    case binary_op::lt:
    case binary_op::le:
    case binary_op::gt:
    case binary_op::ge: {
      const bool ordered = lt == rt && !lt.nullable && lt.base != base_type::bool_type &&
                           lt.base != base_type::null_type && lt.base != base_type::secret_type;
      if (!ordered) return operator_error(e, sp, lt, rt);
      const op code = e.bop == binary_op::lt   ? op::lt
                      : e.bop == binary_op::le ? op::le
                      : e.bop == binary_op::gt ? op::gt
                                               : op::ge;
      return bin(code, of(base_type::bool_type));
    }
    case binary_op::coalesce: {
      if (lt.base == base_type::null_type) return typed{rt, r->node};
      if (rt.base != lt.base && rt.base != base_type::null_type) {
        return operator_error(e, sp, lt, rt);
      }
      return bin(op::coalesce, type{lt.base, rt.nullable});
    }
    default: {  // and, or, arithmetic: the signature table
      const signature* s = find_signature(sp, {lt, rt});
      if (!s) return operator_error(e, sp, lt, rt);
      return bin(s->code, of(s->result), s->swap);
    }
  }
  return std::nullopt;
}

std::optional<typed> workflow_compiler::compile_in(const expr& e, const scope& sc) {
  const auto needle = compile_expr(f_.child(e, 0), sc);
  std::vector<std::uint32_t> nodes;
  bool ok = needle.has_value();
  if (needle) nodes.push_back(needle->node);
  for (std::uint32_t i = 1; i < e.child_count; ++i) {
    const auto item = compile_expr(f_.child(e, i), sc);
    if (!item) {
      ok = false;
      continue;
    }
    if (needle && item->t.base != needle->t.base && item->t.base != base_type::null_type) {
      error("F0204", f_.child(e, i).span,
            "list element of type '" + engine::to_string(item->t) + "' cannot be compared with '" +
                engine::to_string(needle->t) + "'");
      ok = false;
    }
    nodes.push_back(item->node);
  }
  if (!ok) return std::nullopt;
  engine::expr_node n;
  n.code = op::in_list;
  n.first_operand = static_cast<std::uint32_t>(m_.operands.size());
  n.operand_count = static_cast<std::uint32_t>(nodes.size());
  m_.operands.insert(m_.operands.end(), nodes.begin(), nodes.end());
  m_.nodes.push_back(n);
  return typed{of(base_type::bool_type), static_cast<std::uint32_t>(m_.nodes.size() - 1)};
}

std::optional<typed> workflow_compiler::compile_call(const expr& e, const scope& sc) {
  const std::string_view text = f_.text(e);
  if (text == "count" || text == "all" || text == "any" ||
      (text == "in_state" && (e.child_count == 2 || sc.each))) {
    return compile_link_call(e, text, sc);
  }
  if (text == "in_state") return compile_in_state(e, sc);
  std::vector<std::optional<typed>> args;
  for (std::uint32_t i = 0; i < e.child_count; ++i) {
    args.push_back(compile_expr(f_.child(e, i), sc));
  }
  const auto fn = std::find_if(signatures.begin(), signatures.end(),
                               [&](const signature& s) { return s.name == text; });
  const source_span name_span{
      e.span.begin, static_cast<std::uint32_t>(e.span.begin + text.size()),
      e.span.line,  e.span.column,
      e.span.line,  static_cast<std::uint32_t>(e.span.column + text.size())};
  if (fn == signatures.end() || !std::isalpha(static_cast<unsigned char>(text.front()))) {
    std::vector<std::string_view> names(builtin_functions.begin(), builtin_functions.end());
    std::string help = did_you_mean(text, names);
    if (help.empty()) {
      help =
          "the built-in functions are len(s), lower(s), contains(s, t), in_state(STATE), and "
          "over links count(LINK), all(LINK, COND), any(LINK, COND), in_state(LINK, STATE)";
    }
    error("F0110", name_span, "unknown function '" + std::string(text) + "'", std::move(help));
    return std::nullopt;
  }
  if (args.size() != fn->arity) {
    error("F0120", e.span,
          "function '" + std::string(text) + "' takes " + std::to_string(fn->arity) +
              " argument(s), not " + std::to_string(args.size()));
    return std::nullopt;
  }
  std::vector<std::uint32_t> nodes;
  bool ok = true;
  for (std::uint32_t i = 0; i < args.size(); ++i) {
    if (!args[i]) {
      ok = false;
      continue;
    }
    if (args[i]->t != of(fn->params[i])) {
      std::string help;
      if (args[i]->t.nullable) help = "a nullable value needs a default first: x ?? \"\"";
      error("F0205", f_.child(e, i).span,
            "argument " + std::to_string(i + 1) + " of '" + std::string(text) + "' must be '" +
                std::string(engine::to_string(fn->params[i])) + "', not '" +
                engine::to_string(args[i]->t) + "'",
            std::move(help));
      ok = false;
      continue;
    }
    nodes.push_back(args[i]->node);
  }
  if (!ok) return std::nullopt;
  engine::expr_node n;
  n.code = fn->code;
  n.first_operand = static_cast<std::uint32_t>(m_.operands.size());
  n.operand_count = static_cast<std::uint32_t>(nodes.size());
  m_.operands.insert(m_.operands.end(), nodes.begin(), nodes.end());
  m_.nodes.push_back(n);
  return typed{of(fn->result), static_cast<std::uint32_t>(m_.nodes.size() - 1)};
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

}  // namespace vflow::dsl::detail
