// Checking and lowering in one typed pass per workflow: names are resolved, expressions are
// type-checked and emitted as engine nodes, and structural checks (initial state, determinism,
// reachability) run on the resolved tables. The machine is kept only when no error was found.
#include "dsl/compiler.hpp"

#include <algorithm>
#include <array>
#include <tuple>
#include <unordered_map>

#include "dsl/suggest.hpp"
#include "engine/eval.hpp"

namespace vflow::dsl {

bool compile_result::ok() const { return count(diagnostics, severity::error) == 0; }

namespace {

using engine::base_type;
using engine::op;
using engine::type;

constexpr std::array<std::string_view, 4> known_streams{"S2P", "R2D", "R2F", "D2C"};
constexpr std::array<std::string_view, 5> known_types{"int", "bool", "string", "time", "duration"};
constexpr std::array<std::string_view, 4> builtin_functions{"len", "lower", "contains", "in_state"};

template <typename Container>
std::vector<std::string_view> names_of(const Container& c) {
  std::vector<std::string_view> out;
  out.reserve(c.size());
  for (const auto& x : c) {
    if constexpr (std::is_convertible_v<decltype(x), std::string_view>) {
      out.emplace_back(x);
    } else {
      out.emplace_back(x.name);
    }
  }
  return out;
}

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

constexpr type of(base_type b, bool nullable = false) { return type{b, nullable}; }

// Names to dense ids: a linear scan while small (cheaper than hashing a handful of names), an
// open-addressing table once large (workflows may have tens of thousands of states; one flat
// array keeps the look-ups cache-friendly).
class name_table {
 public:
  bool insert(std::string_view name, std::uint32_t id) {
    if (find(name)) return false;
    entries_.push_back({name, id, hash(name)});
    if (entries_.size() > small_limit) {
      if (slots_.size() < entries_.size() * 2) rehash(entries_.size() * 4);
      place(static_cast<std::uint32_t>(entries_.size() - 1));
    }
    return true;
  }

  std::optional<std::uint32_t> find(std::string_view name) const {
    if (slots_.empty()) {
      for (const entry& e : entries_) {
        if (e.name == name) return e.id;
      }
      return std::nullopt;
    }
    const std::size_t h = hash(name);
    for (std::size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      const std::uint32_t slot = slots_[i];
      if (slot == empty) return std::nullopt;
      const entry& e = entries_[slot];
      if (e.hash == h && e.name == name) return e.id;
    }
  }

 private:
  struct entry {
    std::string_view name;
    std::uint32_t id;
    std::size_t hash;
  };
  static constexpr std::size_t small_limit = 16;
  static constexpr std::uint32_t empty = 0xffffffffu;

  static std::size_t hash(std::string_view s) { return std::hash<std::string_view>{}(s); }

  void rehash(std::size_t size) {
    std::size_t n = 64;
    while (n < size) n *= 2;
    slots_.assign(n, empty);
    for (std::uint32_t i = 0; i + 1 < entries_.size(); ++i) place(i);
  }

  void place(std::uint32_t index) {
    for (std::size_t i = entries_[index].hash & (slots_.size() - 1);;
         i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i] == empty) {
        slots_[i] = index;
        return;
      }
    }
  }

  std::vector<entry> entries_;
  std::vector<std::uint32_t> slots_;  // indices into entries_, a power-of-two count
};

// A typed, emitted expression: its static type and the engine node that computes it.
struct typed {
  type t;
  std::uint32_t node;
};

// What names an expression may read where it appears.
struct scope {
  const engine::event_def* event = nullptr;  // the transition's event, for event.PARAM
  bool constant = false;                     // default values: no fields, no event, no now
  bool rule = false;                         // rule conditions and actions: no event.PARAM
  bool timer = false;                        // timer delays, guards and actions: no event.PARAM
  bool eventless = false;                    // entry, exit, done and always: no event.PARAM
};

class workflow_compiler {
 public:
  workflow_compiler(const flow_file& f, const workflow_decl& w, std::string_view text,
                    const std::string& file, std::vector<diagnostic>& diags)
      : f_(f), w_(w), text_(text), file_(file), diags_(diags) {}

  engine::machine run(const std::optional<std::string>& stream) {
    m_.name = w_.name;
    m_.stream = stream.value_or("");
    m_.source_name = file_;
    if (!w_.titles.empty()) m_.title = w_.titles.front().text;
    for (std::size_t i = 1; i < w_.titles.size(); ++i) {
      error("F0117", w_.titles[i].span, "duplicate title in workflow '" + w_.name + "'");
    }
    reserve_tables();
    declare_fields();
    declare_events();
    declare_states();
    define_defaults();
    define_transitions();
    define_policies();
    define_rules();
    check_structure();
    m_.reactive =
        !m_.rules.empty() || !m_.always.empty() || !m_.done.empty() || !m_.children.empty() ||
        std::any_of(m_.states.begin(), m_.states.end(),
                    [](const engine::state_def& st) { return st.entry_count + st.exit_count > 0; });
    return std::move(m_);
  }

  bool had_error() const { return errors_ > 0; }

 private:
  // ---- diagnostics ----

  void report(std::string code, severity sev, const source_span& span, std::string message,
              std::string help = {}) {
    if (sev == severity::error) ++errors_;
    diags_.push_back({std::move(code), sev, file_, span, std::move(message), std::move(help)});
  }
  void error(std::string code, const source_span& span, std::string message,
             std::string help = {}) {
    report(std::move(code), severity::error, span, std::move(message), std::move(help));
  }
  void warning(std::string code, const source_span& span, std::string message,
               std::string help = {}) {
    report(std::move(code), severity::warning, span, std::move(message), std::move(help));
  }

  // "did you mean" for an unknown name. Each costs a pass over the candidates, which hostile
  // input can make both many and long: past the first `max_suggestions` of a workflow, none.
  template <typename Candidates>
  std::string suggest(std::string_view name, Candidates&& candidates) {
    constexpr std::size_t max_suggestions = 100;
    if (++suggestions_ > max_suggestions) return {};
    return did_you_mean(name, candidates());
  }

  // Sizes the machine's tables from the syntax tree, so lowering a large workflow never moves
  // them (the expression pool is shared by the file's workflows: an upper bound).
  void reserve_tables() {
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

  // ---- declarations ----

  std::optional<type> resolve_type(const type_ref& t) {
    static constexpr std::array<base_type, 5> bases{base_type::int_type, base_type::bool_type,
                                                    base_type::string_type, base_type::time_type,
                                                    base_type::duration_type};
    for (std::size_t i = 0; i < known_types.size(); ++i) {
      if (t.name == known_types[i]) return type{bases[i], t.nullable};
    }
    std::vector<std::string_view> names(known_types.begin(), known_types.end());
    error("F0115", t.span, "unknown type '" + t.name + "'", did_you_mean(t.name, names));
    return std::nullopt;
  }

  void declare_fields() {
    for (const field_decl& f : w_.fields) {
      const auto t = resolve_type(f.type);
      if (!field_ids_.insert(f.name, static_cast<std::uint32_t>(m_.fields.size()))) {
        error("F0105", f.name_span, "duplicate field '" + f.name + "'");
        continue;
      }
      engine::field_def def;
      def.name = f.name;
      def.declared = t.value_or(of(base_type::null_type, true));
      def.required = !f.initial && t && !t->nullable;
      m_.fields.push_back(std::move(def));
      field_decls_.push_back(&f);
      field_ok_.push_back(t.has_value());
    }
  }

  void declare_events() {
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
        def.params.push_back(
            {p.name, resolve_type(p.type).value_or(of(base_type::null_type, true))});
      }
      m_.events.push_back(std::move(def));
    }
  }

  void declare_states() {
    const auto top = declare_children(w_.states, engine::no_state, 0);
    has_initial_ = top.has_value();
    if (top) m_.initial = *top;
    if (!top && !had_initial_error_) {
      error("F0111", w_.name_span, "workflow '" + w_.name + "' has no initial state",
            w_.states.empty()
                ? "declare a state: initial state NAME { ... }"
                : "mark the first state 'initial': initial state " + w_.states.front().name);
    }
  }

  // Declares `list` (in document order, each state before its children) under `parent`; returns
  // the initial one among them (for a compound parent or the workflow).
  std::optional<engine::state_id> declare_children(const std::vector<state_decl>& list,
                                                   engine::state_id parent, std::uint32_t depth) {
    const bool parallel_parent =
        parent != engine::no_state &&
        m_.states[engine::index(parent)].kind == engine::state_kind::parallel;
    const state_decl* initial = nullptr;
    std::optional<engine::state_id> initial_id;
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
        error("F0127", s.name_span,
              "history state '" + s.name + "' must be inside a compound state");
      }
      if (s.is_final && !s.children.empty()) {
        error("F0127", s.name_span, "final state '" + s.name + "' cannot have child states");
      }
      if (def.kind == engine::state_kind::parallel && s.children.empty()) {
        error("F0127", s.name_span, "parallel state '" + s.name + "' has no regions");
      }
      if (s.kind == state_kind::region && s.children.empty()) {
        error("F0127", s.name_span, "region '" + s.name + "' has no states");
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
        if (me.kind == engine::state_kind::compound) {
          if (child_initial) {
            me.initial_child = *child_initial;
          } else {
            error("F0111", s.name_span,
                  "state '" + s.name + "' has child states but none is initial",
                  "mark the one entered first: initial state NAME");
          }
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

  void define_defaults() {
    const engine::activation none{nullptr, nullptr, 0};
    for (std::size_t i = 0; i < m_.fields.size(); ++i) {
      const field_decl& f = *field_decls_[i];
      if (!f.initial) continue;
      const auto e = compile_expr(f_[*f.initial], scope{nullptr, true});
      if (!e || !field_ok_[i]) continue;
      if (!check_assignable(e->t, m_.fields[i].declared, f_[*f.initial].span, "default value",
                            f.name)) {
        continue;
      }
      const auto v = engine::evaluate(m_, static_cast<engine::expr_id>(e->node), none);
      if (!v.ok) {
        error("F0209", f_[*f.initial].span,
              "default value of '" + f.name + "' cannot be computed: " + v.error);
        continue;
      }
      m_.fields[i].initial = v.result;
    }
  }

  bool check_assignable(type from, type to, const source_span& span, std::string_view what,
                        const std::string& field) {
    if (engine::is_assignable(from, to)) return true;
    if (from.base == base_type::null_type) {
      error("F0203", span,
            "cannot assign null to field '" + field + "' of type '" + engine::to_string(to) + "'",
            "declare the field as '" + engine::to_string(type{to.base, true}) + "' to allow null");
    } else if (from.base == to.base && from.nullable && !to.nullable) {
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

  static std::string default_literal(base_type b) {
    switch (b) {
      case base_type::int_type: return "0";
      case base_type::bool_type: return "false";
      case base_type::string_type: return "\"\"";
      case base_type::duration_type: return "0s";
      case base_type::time_type: return "now";
      case base_type::null_type: return "null";
    }
    return "null";
  }

  // ---- transitions ----

  void define_transitions() {
    std::array<std::vector<engine::transition_def>, 2> eventless;  // done, always
    std::vector<std::uint32_t> order;
    std::vector<engine::transition_def> slice;
    std::vector<const transition_decl*> slice_decls;
    for (std::size_t s = 0; s < state_decls_.size(); ++s) {
      const state_decl& st = *state_decls_[s];
      if (st.is_final && !st.transitions.empty()) {
        error("F0113", st.transitions.front().span,
              "final state '" + st.name + "' has an outgoing transition",
              "remove 'final' from the state, or remove its transitions");
      }
      const auto first = static_cast<std::uint32_t>(m_.transitions.size());
      m_.states[s].first_timer = static_cast<std::uint32_t>(m_.timers.size());
      for (const transition_decl& t : st.transitions) {
        if (t.after) {
          if (auto timer = define_timer(static_cast<engine::state_id>(s), t)) {
            m_.timers.push_back(std::move(*timer));
          }
        } else if (t.done || t.always) {
          if (auto def = define_transition(static_cast<engine::state_id>(s), t)) {
            eventless[t.done ? 0 : 1].push_back(std::move(*def));
          }
        } else if (auto def = define_transition(static_cast<engine::state_id>(s), t)) {
          m_.transitions.push_back(std::move(*def));
          decls_of_transitions_.push_back(&t);
        }
      }
      m_.states[s].timer_count =
          static_cast<std::uint32_t>(m_.timers.size()) - m_.states[s].first_timer;
      m_.states[s].first_done = static_cast<std::uint32_t>(m_.done.size());
      m_.states[s].done_count = static_cast<std::uint32_t>(eventless[0].size());
      m_.done.insert(m_.done.end(), eventless[0].begin(), eventless[0].end());
      m_.states[s].first_always = static_cast<std::uint32_t>(m_.always.size());
      m_.states[s].always_count = static_cast<std::uint32_t>(eventless[1].size());
      m_.always.insert(m_.always.end(), eventless[1].begin(), eventless[1].end());
      eventless[0].clear();
      eventless[1].clear();
      // Entry and exit actions.
      scope actions_scope;
      actions_scope.eventless = true;
      m_.states[s].first_entry = static_cast<std::uint32_t>(m_.rule_actions.size());
      if (!st.entry.empty())
        define_actions(st.entry, actions_scope, "the entry of state '" + st.name + "'");
      m_.states[s].entry_count =
          static_cast<std::uint32_t>(m_.rule_actions.size()) - m_.states[s].first_entry;
      m_.states[s].first_exit = static_cast<std::uint32_t>(m_.rule_actions.size());
      if (!st.exit.empty())
        define_actions(st.exit, actions_scope, "the exit of state '" + st.name + "'");
      m_.states[s].exit_count =
          static_cast<std::uint32_t>(m_.rule_actions.size()) - m_.states[s].first_exit;
      // Order the state's slice by event, keeping document order among equals.
      const auto count = static_cast<std::uint32_t>(m_.transitions.size()) - first;
      m_.states[s].first_transition = first;
      m_.states[s].transition_count = count;
      const auto begin = m_.transitions.begin() + first;
      const auto by_event = [](const engine::transition_def& x, const engine::transition_def& y) {
        return engine::index(x.event) < engine::index(y.event);
      };
      if (std::is_sorted(begin, m_.transitions.end(), by_event)) continue;
      order.resize(count);
      for (std::uint32_t i = 0; i < count; ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) {
        return by_event(begin[x], begin[y]);
      });
      slice.clear();
      slice_decls.clear();
      for (const std::uint32_t i : order) {
        slice.push_back(std::move(begin[i]));
        slice_decls.push_back(decls_of_transitions_[first + i]);
      }
      std::move(slice.begin(), slice.end(), begin);
      std::copy(slice_decls.begin(), slice_decls.end(), decls_of_transitions_.begin() + first);
    }
  }

  // Checks `field = value` (the field exists, the value's type fits) and lowers the value;
  // nothing when it is wrong (reported).
  std::optional<engine::assignment> compile_assignment(const std::string& field,
                                                       const source_span& field_span,
                                                       expr_ref value, const scope& sc) {
    const auto f = field_ids_.find(field);
    const auto v = compile_expr(f_[value], sc);
    if (!f) {
      error("F0108", field_span, "unknown field '" + field + "'",
            suggest(field, [&] { return names_of(m_.fields); }));
      return std::nullopt;
    }
    if (!v || !field_ok_[*f]) return std::nullopt;
    if (!check_assignable(v->t, m_.fields[*f].declared, f_[value].span, "value", field))
      return std::nullopt;
    return engine::assignment{static_cast<engine::field_id>(*f),
                              static_cast<engine::expr_id>(v->node)};
  }

  // Checks and lowers the assignments of a transition or timer; their range in the machine.
  std::pair<std::uint32_t, std::uint32_t> define_assignments(
      const std::vector<assignment_stmt>& list, const scope& sc) {
    const auto first = static_cast<std::uint32_t>(m_.assignments.size());
    for (const assignment_stmt& a : list) {
      if (const auto lowered = compile_assignment(a.field, a.field_span, a.value, sc)) {
        m_.assignments.push_back(*lowered);
      }
    }
    return {first, static_cast<std::uint32_t>(m_.assignments.size()) - first};
  }

  // Checks and lowers one timer; nothing when it cannot be part of the machine.
  std::optional<engine::timer_def> define_timer(engine::state_id source, const transition_decl& t) {
    engine::timer_def def;
    def.source = source;
    def.pos = {t.span.line, t.span.column};
    bool valid = true;
    if (const auto target = state_ids_.find(t.target)) {
      def.target = static_cast<engine::state_id>(*target);
    } else {
      error("F0102", t.target_span, "unknown state '" + t.target + "'",
            suggest(t.target, [&] { return names_of(m_.states); }));
      valid = false;
    }
    scope sc;
    sc.timer = true;
    const expr& delay = f_[*t.after];
    def.delay_text = source_text(delay.span);
    if (const auto d = compile_expr(delay, sc)) {
      if (d->t != of(base_type::duration_type)) {
        error("F0126", delay.span,
              "a timer's delay must be a 'duration' (like 15m or 4h), not '" +
                  engine::to_string(d->t) + "'");
        valid = false;
      }
      def.delay = static_cast<engine::expr_id>(d->node);
    } else {
      valid = false;
    }
    if (t.guard) {
      const auto g = compile_condition(*t.guard, sc, "a timer's guard");
      valid = valid && g.has_value();
      if (g) {
        def.guard = static_cast<engine::expr_id>(*g);
        def.guard_text = source_text(f_[*t.guard].span);
        parts_of(f_[*t.guard], *g, def.guard_parts);
      }
    }
    std::tie(def.first_assignment, def.assignment_count) = define_assignments(t.assignments, sc);
    if (!valid) return std::nullopt;
    return def;
  }

  // Checks and lowers one transition; nothing when it cannot be part of the machine.
  std::optional<engine::transition_def> define_transition(engine::state_id source,
                                                          const transition_decl& t) {
    engine::transition_def def;
    def.source = source;
    def.pos = {t.span.line, t.span.column};
    bool valid = true;
    const bool eventless = t.done || t.always;
    const auto ev = eventless ? std::nullopt : event_ids_.find(t.event);
    const engine::event_def* event = nullptr;
    if (ev) {
      def.event = static_cast<engine::event_id>(*ev);
      event = &m_.events[*ev];
    } else if (!eventless) {
      error("F0107", t.event_span, "unknown event '" + t.event + "'",
            suggest(t.event, [&] { return names_of(m_.events); }));
      valid = false;
    }
    if (const auto target = state_ids_.find(t.target)) {
      def.target = static_cast<engine::state_id>(*target);
    } else {
      error("F0102", t.target_span, "unknown state '" + t.target + "'",
            suggest(t.target, [&] { return names_of(m_.states); }));
      valid = false;
    }
    scope sc{event, false};
    sc.eventless = eventless;
    if (t.guard) {
      const expr& guard = f_[*t.guard];
      def.guard_text =
          std::string(text_.substr(guard.span.begin, guard.span.end - guard.span.begin));
      // A guard that failed to compile must not count as "no guard" in the determinism check.
      const auto g = compile_expr(guard, sc);
      valid = valid && g.has_value();
      if (g && g->t != of(base_type::bool_type)) {
        error("F0201", guard.span,
              "guard must be of type 'bool', not '" + engine::to_string(g->t) + "'");
      }
      if (g) {
        def.guard = static_cast<engine::expr_id>(g->node);
        parts_of(guard, g->node, def.guard_parts);
      }
    }
    std::tie(def.first_assignment, def.assignment_count) = define_assignments(t.assignments, sc);
    if (!valid) return std::nullopt;
    return def;
  }

  // ---- conditions, policies and rules ----

  // The conjuncts of a condition (`a and b and c`), paired with their lowered nodes, so an
  // explanation can show each part's value and what it read.
  void parts_of(const expr& e, std::uint32_t node, std::vector<engine::condition_part>& out) const {
    parts_of(e, node, e.span.begin, out);
  }

  void parts_of(const expr& e, std::uint32_t node, std::uint32_t whole_begin,
                std::vector<engine::condition_part>& out) const {
    const engine::expr_node& n = m_.nodes[node];
    if (e.kind == expr_kind::binary && e.bop == binary_op::and_ && n.code == op::and_) {
      parts_of(f_.child(e, 0), m_.operands[n.first_operand], whole_begin, out);
      parts_of(f_.child(e, 1), m_.operands[n.first_operand + 1], whole_begin, out);
      return;
    }
    out.push_back({static_cast<engine::expr_id>(node), e.span.begin - whole_begin,
                   e.span.end - e.span.begin});
  }

  std::string source_text(const source_span& s) const {
    return std::string(text_.substr(s.begin, s.end - s.begin));
  }

  // Compiles a condition that must be a bool; nothing when it is not.
  std::optional<std::uint32_t> compile_condition(expr_ref ref, const scope& sc,
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

  std::optional<typed> compile_in_state(const expr& e, const scope&) {
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

  void define_policies() {
    name_table seen;
    std::vector<engine::deny_def> denies;
    for (const policy_decl& p : w_.policies) {
      if (!seen.insert(p.name, static_cast<std::uint32_t>(m_.policies.size()))) {
        error("F0122", p.name_span, "duplicate policy '" + p.name + "'");
        continue;
      }
      const auto policy = static_cast<std::uint32_t>(m_.policies.size());
      m_.policies.push_back({p.name, p.description, {p.name_span.line, p.name_span.column}});
      for (const deny_clause& c : p.clauses) {
        // The condition is checked, and lowered, once for each event it names: `event.X` must
        // exist on every one of them, and may sit at a different position in each.
        for (const auto& [event_name, event_span] : c.events) {
          const auto ev = event_ids_.find(event_name);
          if (!ev) {
            error("F0107", event_span, "unknown event '" + event_name + "'",
                  suggest(event_name, [&] { return names_of(m_.events); }));
            continue;
          }
          const auto cond =
              compile_condition(c.condition, scope{&m_.events[*ev]}, "a deny condition");
          if (!cond) continue;
          engine::deny_def d;
          d.event = static_cast<engine::event_id>(*ev);
          d.policy = policy;
          d.condition = static_cast<engine::expr_id>(*cond);
          parts_of(f_[c.condition], *cond, d.parts);
          d.condition_text = source_text(f_[c.condition].span);
          d.because = c.because.value_or("");
          d.pos = {c.span.line, c.span.column};
          denies.push_back(std::move(d));
        }
      }
    }
    std::stable_sort(denies.begin(), denies.end(), [](const auto& a, const auto& b) {
      return engine::index(a.event) < engine::index(b.event);
    });
    for (std::uint32_t i = 0; i < denies.size(); ++i) {
      engine::event_def& ev = m_.events[engine::index(denies[i].event)];
      if (ev.deny_count == 0) ev.first_deny = i;
      ++ev.deny_count;
    }
    m_.denies = std::move(denies);
  }

  void define_rules() {
    name_table seen;
    const scope sc{nullptr, false, true};
    for (const rule_decl& r : w_.rules) {
      if (!seen.insert(r.name, static_cast<std::uint32_t>(m_.rules.size()))) {
        error("F0123", r.name_span, "duplicate rule '" + r.name + "'");
        continue;
      }
      engine::rule_def def;
      def.name = r.name;
      def.pos = {r.name_span.line, r.name_span.column};
      def.condition_text = source_text(f_[r.condition].span);
      const auto cond = compile_condition(r.condition, sc, "a rule condition");
      if (cond) {
        def.condition = static_cast<engine::expr_id>(*cond);
        parts_of(f_[r.condition], *cond, def.parts);
      }
      def.first_action = static_cast<std::uint32_t>(m_.rule_actions.size());
      define_actions(r.actions, sc, "rule '" + r.name + "'");
      def.action_count = static_cast<std::uint32_t>(m_.rule_actions.size()) - def.first_action;
      m_.rules.push_back(std::move(def));
      rule_decls_.push_back(&r);
    }
  }

  // Checks and lowers assignments and raises (of a rule, or an entry or exit block).
  void define_actions(const std::vector<rule_action>& actions, const scope& sc,
                      const std::string& owner) {
    for (const rule_action& a : actions) {
      if (a.is_raise) {
        define_raise(owner, a, sc);
        continue;
      }
      if (const auto lowered = compile_assignment(a.target, a.target_span, a.value, sc)) {
        engine::rule_action_def d;
        d.kind = engine::action_kind::assign;
        d.field = lowered->field;
        d.value = lowered->value;
        m_.rule_actions.push_back(d);
      }
    }
  }

  void define_raise(const std::string& owner, const rule_action& a, const scope& sc) {
    const auto ev = event_ids_.find(a.target);
    if (!ev) {
      error("F0107", a.target_span, "unknown event '" + a.target + "'",
            suggest(a.target, [&] { return names_of(m_.events); }));
      return;
    }
    const engine::event_def& event = m_.events[*ev];
    if (a.args.size() != event.params.size()) {
      error("F0124", a.target_span,
            "event '" + event.name + "' takes " + std::to_string(event.params.size()) +
                " argument(s), but " + owner + " raises it with " + std::to_string(a.args.size()));
      return;
    }
    engine::rule_action_def d;
    d.kind = engine::action_kind::raise;
    d.event = static_cast<engine::event_id>(*ev);
    d.first_arg = static_cast<std::uint32_t>(m_.rule_args.size());
    d.arg_count = static_cast<std::uint32_t>(a.args.size());
    for (std::size_t i = 0; i < a.args.size(); ++i) {
      const auto v = compile_expr(f_[a.args[i]], sc);
      if (!v) return;
      if (!engine::is_assignable(v->t, event.params[i].declared)) {
        error("F0205", f_[a.args[i]].span,
              "argument " + std::to_string(i + 1) + " of raise '" + event.name + "' must be '" +
                  engine::to_string(event.params[i].declared) + "', not '" +
                  engine::to_string(v->t) + "'");
        return;
      }
      m_.rule_args.push_back(static_cast<engine::expr_id>(v->node));
    }
    m_.rule_actions.push_back(d);
  }

  // Fields an expression reads (by lowered node).
  void fields_read(std::uint32_t node, std::vector<bool>& out) const {
    const engine::expr_node& n = m_.nodes[node];
    if (n.code == op::field) out[n.index] = true;
    for (std::uint32_t i = 0; i < n.operand_count; ++i)
      fields_read(m_.operands[n.first_operand + i], out);
  }

  // Warnings about rules: raising an event no state handles, and pairs of rules that can
  // re-trigger each other (each assigns a field the other's condition reads).
  void check_rules(const std::vector<bool>& handled) {
    const std::size_t n = m_.rules.size();
    std::vector<std::vector<bool>> reads(n, std::vector<bool>(m_.fields.size(), false));
    std::vector<std::vector<bool>> writes(n, std::vector<bool>(m_.fields.size(), false));
    for (std::size_t r = 0; r < n; ++r) {
      const engine::rule_def& rule = m_.rules[r];
      fields_read(engine::index(rule.condition), reads[r]);
      for (std::uint32_t i = 0; i < rule.action_count; ++i) {
        const auto& a = m_.rule_actions[rule.first_action + i];
        if (a.kind == engine::action_kind::assign) {
          writes[r][engine::index(a.field)] = true;
        } else if (!handled[engine::index(a.event)]) {
          warning("W0306", rule_decls_[r]->name_span,
                  "rule '" + rule.name + "' raises event '" + m_.event(a.event).name +
                      "', which no state handles");
        }
      }
    }
    const auto overlap = [&](const std::vector<bool>& w, const std::vector<bool>& rd) {
      for (std::size_t f = 0; f < w.size(); ++f) {
        if (w[f] && rd[f]) return std::optional<std::size_t>(f);
      }
      return std::optional<std::size_t>();
    };
    for (std::size_t a = 0; a < n; ++a) {
      for (std::size_t b = a + 1; b < n; ++b) {
        const auto ab = overlap(writes[a], reads[b]);
        const auto ba = overlap(writes[b], reads[a]);
        if (!ab || !ba) continue;
        warning(
            "W0307", rule_decls_[b]->name_span,
            "rules '" + m_.rules[a].name + "' and '" + m_.rules[b].name +
                "' can re-trigger each other: '" + m_.rules[a].name + "' assigns '" +
                m_.fields[*ab].name + "', which '" + m_.rules[b].name + "' reads, and '" +
                m_.rules[b].name + "' assigns '" + m_.fields[*ba].name + "', which '" +
                m_.rules[a].name + "' reads",
            "a cycle between rules is rolled back at run time; make one condition stop the other");
      }
    }
  }

  // ---- structure: determinism, reachability, dead ends ----

  void check_structure() {
    std::vector<bool> handled(m_.events.size(), false);
    std::vector<bool> raised(m_.events.size(), false);
    for (std::size_t t = 0; t < m_.transitions.size(); ++t) {
      const engine::transition_def& tr = m_.transitions[t];
      handled[engine::index(tr.event)] = true;
      // An earlier unguarded transition on the same state and event makes this one dead.
      for (std::size_t u = m_.states[engine::index(tr.source)].first_transition; u < t; ++u) {
        const engine::transition_def& prev = m_.transitions[u];
        if (prev.event != tr.event || prev.guard != engine::no_expr) continue;
        const transition_decl& here = *decls_of_transitions_[t];
        const transition_decl& there = *decls_of_transitions_[u];
        const std::string where = "state '" + m_.states[engine::index(tr.source)].name +
                                  "' on event '" + m_.events[engine::index(tr.event)].name + "'";
        const std::string first = "at line " + std::to_string(there.span.line);
        if (tr.guard == engine::no_expr) {
          error("F0114", here.span,
                "nondeterministic transitions: " + where + " has two unguarded transitions",
                "add a 'when' guard to one of them (the other is " + first + ")");
        } else {
          warning("W0303", here.span,
                  "transition is never taken: " + where + " already has an unguarded transition " +
                      first,
                  "move the guarded transition above the unguarded one");
        }
        break;
      }
    }
    for (const auto& a : m_.rule_actions) {  // an event a rule, entry or exit raises is used
      if (a.kind == engine::action_kind::raise) raised[engine::index(a.event)] = true;
    }
    if (!had_error()) check_rules(handled);
    for (std::size_t e = 0; e < m_.events.size(); ++e) {
      if (!handled[e] && !raised[e] && !had_error()) {
        warning("W0304", w_.events[e].name_span,
                "event '" + m_.events[e].name + "' is declared but no state handles it");
      }
    }
    if (!has_initial_ || had_error()) return;
    // Reachability from the initial state: a state reached brings its ancestors and the states
    // entered by default below it; every transition, timer, done and always edge leads on.
    std::vector<bool> seen(m_.states.size(), false);
    std::vector<std::uint32_t> work;
    const auto reach = [&](engine::state_id id) {
      for (auto s = id; s != engine::no_state; s = m_.states[engine::index(s)].parent) {
        if (seen[engine::index(s)]) break;
        seen[engine::index(s)] = true;
        work.push_back(engine::index(s));
      }
    };
    reach(m_.initial);
    const auto targets = [&](const engine::state_def& st, auto&& each) {
      for (std::uint32_t t = st.first_transition; t < st.first_transition + st.transition_count;
           ++t)
        each(m_.transitions[t].target);
      for (std::uint32_t t = st.first_timer; t < st.first_timer + st.timer_count; ++t)
        each(m_.timers[t].target);
      for (std::uint32_t t = st.first_done; t < st.first_done + st.done_count; ++t)
        each(m_.done[t].target);
      for (std::uint32_t t = st.first_always; t < st.first_always + st.always_count; ++t)
        each(m_.always[t].target);
    };
    while (!work.empty()) {
      const std::uint32_t s = work.back();
      work.pop_back();
      const engine::state_def& st = m_.states[s];
      if (st.kind == engine::state_kind::compound && st.initial_child != engine::no_state)
        reach(st.initial_child);
      if (st.kind == engine::state_kind::parallel) {
        for (std::uint32_t c = st.first_child; c < st.first_child + st.child_count; ++c)
          reach(m_.children[c]);
      }
      if (st.kind == engine::state_kind::history || st.kind == engine::state_kind::deep_history) {
        const auto& parent = m_.states[engine::index(st.parent)];
        for (std::uint32_t c = parent.first_child; c < parent.first_child + parent.child_count;
             ++c) {
          reach(m_.children[c]);
        }
      }
      targets(st, reach);
    }
    for (std::size_t s = 0; s < m_.states.size(); ++s) {
      const engine::state_def& st = m_.states[s];
      const bool pseudo =
          st.kind == engine::state_kind::history || st.kind == engine::state_kind::deep_history;
      if (!seen[s] && !pseudo) {
        warning("W0301", state_decls_[s]->name_span,
                "state '" + st.name + "' is unreachable from the initial state '" +
                    m_.states[engine::index(m_.initial)].name + "'");
        continue;
      }
      if (st.is_final || st.kind != engine::state_kind::atomic) continue;
      // A way out: an edge to another state from this state or any state enclosing it.
      bool way_out = false;
      for (auto a = static_cast<engine::state_id>(s); a != engine::no_state && !way_out;
           a = m_.states[engine::index(a)].parent) {
        targets(m_.states[engine::index(a)],
                [&](engine::state_id t) { way_out = way_out || engine::index(t) != s; });
      }
      if (!way_out) {
        warning("W0302", state_decls_[s]->name_span,
                "state '" + st.name + "' is not final but has no transition to another state",
                "mark it 'final', or add a transition out of it");
      }
    }
  }

  // ---- expressions ----

  std::uint32_t emit(op code, std::uint32_t index, std::initializer_list<std::uint32_t> children) {
    engine::expr_node n;
    n.code = code;
    n.index = index;
    n.first_operand = static_cast<std::uint32_t>(m_.operands.size());
    n.operand_count = static_cast<std::uint32_t>(children.size());
    m_.operands.insert(m_.operands.end(), children.begin(), children.end());
    m_.nodes.push_back(n);
    return static_cast<std::uint32_t>(m_.nodes.size() - 1);
  }

  std::uint32_t emit_literal(engine::value v) {
    m_.literals.push_back(std::move(v));
    return emit(op::literal, static_cast<std::uint32_t>(m_.literals.size() - 1), {});
  }

  std::optional<typed> not_constant(const expr& e, std::string_view what) {
    error("F0207", e.span, "default values must be constant, but this reads " + std::string(what));
    return std::nullopt;
  }

  std::optional<typed> compile_expr(const expr& e, const scope& sc) {
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
        return typed{m_.fields[*f].declared, emit(op::field, *f, {})};
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
            return typed{params[i].declared, emit(op::param, static_cast<std::uint32_t>(i), {})};
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
    }
    return std::nullopt;
  }

  static std::string join_names(const std::vector<engine::param_def>& params) {
    std::string out;
    for (const auto& p : params) out += (out.empty() ? "" : ", ") + p.name;
    return out;
  }

  std::optional<typed> operator_error(const expr& e, std::string_view op_text, type l,
                                      std::optional<type> r = std::nullopt) {
    std::string msg = "operator '" + std::string(op_text) + "' cannot be applied to '" +
                      engine::to_string(l) + "'";
    if (r) msg += " and '" + engine::to_string(*r) + "'";
    std::string help;
    if (l.nullable || (r && r->nullable))
      help = "a nullable value needs a default first: x ?? value";
    error("F0204", e.span, std::move(msg), std::move(help));
    return std::nullopt;
  }

  std::optional<typed> compile_unary(const expr& e, const scope& sc) {
    const auto x = compile_expr(f_.child(e, 0), sc);
    if (!x) return std::nullopt;
    if (e.uop == unary_op::not_) {
      if (x->t != of(base_type::bool_type)) return operator_error(e, "not", x->t);
      return typed{x->t, emit(op::not_, 0, {x->node})};
    }
    if (x->t == of(base_type::int_type)) return typed{x->t, emit(op::neg_int, 0, {x->node})};
    if (x->t == of(base_type::duration_type)) {
      return typed{x->t, emit(op::neg_duration, 0, {x->node})};
    }
    return operator_error(e, "-", x->t);
  }

  std::optional<typed> compile_binary(const expr& e, const scope& sc) {
    const auto l = compile_expr(f_.child(e, 0), sc);
    const auto r = compile_expr(f_.child(e, 1), sc);
    if (!l || !r) return std::nullopt;
    const type lt = l->t, rt = r->t;
    const std::string_view sp = spelling(e.bop);
    const auto both = [&](base_type b) { return lt == of(b) && rt == of(b); };
    const auto bin = [&](op code, type result, bool swap = false) {
      return typed{result,
                   swap ? emit(code, 0, {r->node, l->node}) : emit(code, 0, {l->node, r->node})};
    };
    switch (e.bop) {
      case binary_op::and_:
      case binary_op::or_:
        if (!both(base_type::bool_type)) return operator_error(e, sp, lt, rt);
        return bin(e.bop == binary_op::and_ ? op::and_ : op::or_, of(base_type::bool_type));
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
                             lt.base != base_type::null_type;
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
      case binary_op::add:
        if (both(base_type::int_type)) return bin(op::add_int, lt);
        if (both(base_type::duration_type)) return bin(op::add_duration, lt);
        if (both(base_type::string_type)) return bin(op::concat, lt);
        if (lt == of(base_type::time_type) && rt == of(base_type::duration_type)) {
          return bin(op::add_time_duration, lt);
        }
        if (lt == of(base_type::duration_type) && rt == of(base_type::time_type)) {
          return bin(op::add_time_duration, rt, true);
        }
        return operator_error(e, sp, lt, rt);
      case binary_op::sub:
        if (both(base_type::int_type)) return bin(op::sub_int, lt);
        if (both(base_type::duration_type)) return bin(op::sub_duration, lt);
        if (both(base_type::time_type)) return bin(op::sub_time_time, of(base_type::duration_type));
        if (lt == of(base_type::time_type) && rt == of(base_type::duration_type)) {
          return bin(op::sub_time_duration, lt);
        }
        return operator_error(e, sp, lt, rt);
      case binary_op::mul:
        if (both(base_type::int_type)) return bin(op::mul_int, lt);
        if (lt == of(base_type::duration_type) && rt == of(base_type::int_type)) {
          return bin(op::mul_duration_int, lt);
        }
        if (lt == of(base_type::int_type) && rt == of(base_type::duration_type)) {
          return bin(op::mul_duration_int, rt, true);
        }
        return operator_error(e, sp, lt, rt);
      case binary_op::div:
        if (both(base_type::int_type)) return bin(op::div_int, lt);
        if (lt == of(base_type::duration_type) && rt == of(base_type::int_type)) {
          return bin(op::div_duration_int, lt);
        }
        return operator_error(e, sp, lt, rt);
      case binary_op::mod:
        if (both(base_type::int_type)) return bin(op::mod_int, lt);
        return operator_error(e, sp, lt, rt);
    }
    return std::nullopt;
  }

  std::optional<typed> compile_in(const expr& e, const scope& sc) {
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
              "list element of type '" + engine::to_string(item->t) +
                  "' cannot be compared with '" + engine::to_string(needle->t) + "'");
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

  std::optional<typed> compile_call(const expr& e, const scope& sc) {
    const std::string_view text = f_.text(e);
    struct signature {
      std::string_view name;
      op code;
      std::vector<base_type> params;
      base_type result;
    };
    static const std::array<signature, 3> functions{{
        {"len", op::len, {base_type::string_type}, base_type::int_type},
        {"lower", op::lower, {base_type::string_type}, base_type::string_type},
        {"contains",
         op::contains,
         {base_type::string_type, base_type::string_type},
         base_type::bool_type},
    }};
    if (text == "in_state") return compile_in_state(e, sc);
    std::vector<std::optional<typed>> args;
    for (std::uint32_t i = 0; i < e.child_count; ++i) {
      args.push_back(compile_expr(f_.child(e, i), sc));
    }
    const auto fn = std::find_if(functions.begin(), functions.end(),
                                 [&](const signature& s) { return s.name == text; });
    const source_span name_span{
        e.span.begin, static_cast<std::uint32_t>(e.span.begin + text.size()),
        e.span.line,  e.span.column,
        e.span.line,  static_cast<std::uint32_t>(e.span.column + text.size())};
    if (fn == functions.end()) {
      std::vector<std::string_view> names(builtin_functions.begin(), builtin_functions.end());
      std::string help = did_you_mean(text, names);
      if (help.empty()) {
        help = "the built-in functions are len(s), lower(s), contains(s, t) and in_state(STATE)";
      }
      error("F0110", name_span, "unknown function '" + std::string(text) + "'", std::move(help));
      return std::nullopt;
    }
    if (args.size() != fn->params.size()) {
      error("F0120", e.span,
            "function '" + std::string(text) + "' takes " + std::to_string(fn->params.size()) +
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

  const flow_file& f_;
  const workflow_decl& w_;
  std::string_view text_;
  const std::string& file_;
  std::vector<diagnostic>& diags_;
  engine::machine m_;
  std::size_t errors_ = 0;
  std::size_t suggestions_ = 0;
  bool has_initial_ = false;
  bool had_initial_error_ = false;
  name_table field_ids_, event_ids_, state_ids_;
  std::vector<const field_decl*> field_decls_;
  std::vector<bool> field_ok_;
  std::vector<const state_decl*> state_decls_;
  std::vector<const transition_decl*> decls_of_transitions_;
  std::vector<const rule_decl*> rule_decls_;
};

}  // namespace

compile_result check_and_lower(const flow_file& file, std::string_view text,
                               const std::string& source_name) {
  compile_result result;
  auto& diags = result.diagnostics;
  if (!file.stream) {
    diags.push_back(
        {"F0118", severity::error, source_name, source_span{}, "missing 'stream' declaration",
         "start the file with the value stream it belongs to: stream S2P, R2D, R2F or D2C"});
  } else if (std::find(known_streams.begin(), known_streams.end(), *file.stream) ==
             known_streams.end()) {
    std::vector<std::string_view> names(known_streams.begin(), known_streams.end());
    std::string help = did_you_mean(*file.stream, names);
    if (help.empty()) help = "the value streams are S2P, R2D, R2F and D2C";
    diags.push_back({"F0116", severity::error, source_name, file.stream_span,
                     "unknown value stream '" + *file.stream + "'", std::move(help)});
  }
  std::unordered_map<std::string_view, const workflow_decl*> seen;
  bool any_error = false;
  for (const workflow_decl& w : file.workflows) {
    if (const auto [it, fresh] = seen.emplace(w.name, &w); !fresh) {
      diags.push_back({"F0101", severity::error, source_name, w.name_span,
                       "duplicate workflow '" + w.name + "'",
                       "the first is at line " + std::to_string(it->second->name_span.line)});
      any_error = true;
      continue;
    }
    workflow_compiler wc(file, w, text, source_name, diags);
    engine::machine m = wc.run(file.stream);
    any_error = any_error || wc.had_error();
    result.machines.push_back(std::move(m));
  }
  if (file.workflows.empty()) {
    diags.push_back(
        {"W0305", severity::warning, source_name, source_span{}, "file declares no workflow", {}});
  }
  sort_diagnostics(diags);
  // A deny clause naming several events is checked once per event: report each problem once.
  diags.erase(std::unique(diags.begin(), diags.end(),
                          [](const diagnostic& a, const diagnostic& b) {
                            return a.code == b.code && a.span.begin == b.span.begin &&
                                   a.span.end == b.span.end && a.message == b.message;
                          }),
              diags.end());
  if (any_error || !result.ok()) result.machines.clear();
  return result;
}

compile_result compile(std::string_view text, const std::string& source_name,
                       const parse_limits& limits) {
  parse_result parsed = parse(text, source_name, limits);
  if (!parsed.file) {
    compile_result r;
    r.diagnostics = std::move(parsed.diagnostics);
    return r;
  }
  compile_result r = check_and_lower(*parsed.file, text, source_name);
  r.ast = std::move(parsed.file);
  return r;
}

}  // namespace vflow::dsl
