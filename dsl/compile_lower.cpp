// Lower: transitions, timers, default values, policies, rules and entry/exit actions become the
// machine's tables, each expression checked and emitted by the check stage (their link changes,
// spawns, sends, logs and cancels: compile_effects.cpp).
#include <algorithm>

#include "dsl/compiler_stages.hpp"

namespace vflow::dsl::detail {

void workflow_compiler::define_defaults() {
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

void workflow_compiler::define_transitions() {
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
        if (auto def = define_transition(static_cast<engine::state_id>(s), t, std::nullopt)) {
          eventless[t.done ? 0 : 1].push_back(std::move(*def));
        }
      } else if (expansion_refused_) {
        continue;
      } else {
        const auto events = matched_events(t);
        // Each pair compiles the transition's guard and block again: weighed by their length.
        expanded_ += events.size() * (1 + (t.span.end - t.span.begin) / 64);
        if (expanded_ > max_expanded_transitions) {
          error("F0145", t.event_span,
                "the event descriptors of workflow '" + w_.name + "' match more than " +
                    std::to_string(max_expanded_transitions) + " (transition, event) pairs",
                "name the events a transition waits for instead of '*' or a short prefix");
          expansion_refused_ = true;
          continue;
        }
        // No event matched (reported): the rest is still checked, so every error shows at once.
        if (events.empty())
          (void)define_transition(static_cast<engine::state_id>(s), t, std::nullopt);
        for (const engine::event_id e : events) {
          if (auto def = define_transition(static_cast<engine::state_id>(s), t, e)) {
            m_.transitions.push_back(std::move(*def));
            decls_of_transitions_.push_back(&t);
          }
        }
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
    // The block of `initial -> A { ... }` or `history H -> T { ... }`.
    m_.states[s].first_default_action = static_cast<std::uint32_t>(m_.rule_actions.size());
    if (!st.initial_actions.empty()) {
      define_actions(st.initial_actions, actions_scope,
                     "the default entry of state '" + st.name + "'");
    }
    m_.states[s].default_action_count =
        static_cast<std::uint32_t>(m_.rule_actions.size()) - m_.states[s].first_default_action;
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
std::optional<engine::assignment> workflow_compiler::compile_assignment(
    const std::string& field, const source_span& field_span, expr_ref value, const scope& sc) {
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
  const std::string& ref = m_.fields[*f].ref;
  if (!fits(*v, m_.fields[*f].declared, ref)) {
    error("F0202", f_[value].span,
          "field '" + field + "' holds a 'ref " + ref + "', but this value is " +
              (v->ref.empty() ? "a '" + engine::to_string(v->t) + "'" : "a 'ref " + v->ref + "'"));
    return std::nullopt;
  }
  return engine::assignment{static_cast<engine::field_id>(*f),
                            static_cast<engine::expr_id>(v->node)};
}

// Checks and lowers the assignments of a transition or timer; their range in the machine.
std::pair<std::uint32_t, std::uint32_t> workflow_compiler::define_assignments(
    const std::vector<assignment_stmt>& list, const scope& sc) {
  const auto first = static_cast<std::uint32_t>(m_.assignments.size());
  for (const assignment_stmt& a : list) {
    if (link_ids_.find(a.field)) continue;  // a link change: an effect (define_effects)
    if (a.spawn || a.op != assign_op::set) {
      error("F0136", a.field_span,
            a.spawn ? "'" + a.field + "' is not a link: a spawned instance is assigned to a link"
                    : "'" + a.field + "' is not a link: '+=' and '-=' add to and remove from links",
            suggest(a.field, [&] { return names_of(m_.links); }));
      continue;
    }
    if (const auto lowered = compile_assignment(a.field, a.field_span, a.value, sc)) {
      m_.assignments.push_back(*lowered);
    }
  }
  return {first, static_cast<std::uint32_t>(m_.assignments.size()) - first};
}

// Checks and lowers one timer; nothing when it cannot be part of the machine.
std::optional<engine::timer_def> workflow_compiler::define_timer(engine::state_id source,
                                                                 const transition_decl& t) {
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
  std::tie(def.first_effect, def.effect_count) = define_effects(t, sc);
  def.first_action = static_cast<std::uint32_t>(m_.rule_actions.size());
  define_actions(t.actions, sc, "the transition at line " + std::to_string(t.span.line));
  def.action_count = static_cast<std::uint32_t>(m_.rule_actions.size()) - def.first_action;
  if (!valid) return std::nullopt;
  return def;
}

// Checks and lowers one transition; nothing when it cannot be part of the machine.
std::vector<engine::event_id> workflow_compiler::matched_events(const transition_decl& t) {
  // The event names in order, once: the events a name is a dotted prefix of are then one range,
  // found by binary search, so a file of many events and transitions compiles in n log n.
  if (events_by_name_.size() != m_.events.size()) {
    events_by_name_.clear();
    for (std::size_t e = 0; e < m_.events.size(); ++e)
      events_by_name_.emplace_back(m_.events[e].name, static_cast<engine::event_id>(e));
    std::sort(events_by_name_.begin(), events_by_name_.end());
  }
  std::vector<engine::event_id> out;
  const auto match = [&](const std::string& raw, const source_span& span) {
    const std::size_t before = out.size();
    if (raw == "*") {
      for (const auto& [name, id] : events_by_name_) out.push_back(id);
    } else {
      const bool dotstar = raw.size() > 2 && raw.compare(raw.size() - 2, 2, ".*") == 0;
      const std::string d = dotstar ? raw.substr(0, raw.size() - 2) : raw;
      if (const auto exact = event_ids_.find(d))
        out.push_back(static_cast<engine::event_id>(*exact));
      const std::string prefix = d + ".";
      for (auto it = std::lower_bound(events_by_name_.begin(), events_by_name_.end(),
                                      std::pair<std::string_view, engine::event_id>(prefix, {}));
           it != events_by_name_.end() && it->first.substr(0, prefix.size()) == prefix; ++it) {
        out.push_back(it->second);
      }
    }
    if (out.size() == before) {
      error("F0107", span, "unknown event '" + raw + "'",
            suggest(raw, [&] { return names_of(m_.events); }));
    }
  };
  match(t.event, t.event_span);
  for (const auto& [raw, span] : t.more_events) match(raw, span);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void workflow_compiler::define_history_defaults() {
  for (std::size_t s = 0; s < state_decls_.size(); ++s) {
    const state_decl& st = *state_decls_[s];
    engine::state_def& def = m_.states[s];
    if (const auto done = event_ids_.find("done.state." + st.name)) def.done_event = *done;
    if (st.history_default.empty()) continue;
    const auto target = state_ids_.find(st.history_default);
    if (!target) {
      error("F0102", st.history_default_span, "unknown state '" + st.history_default + "'",
            suggest(st.history_default, [&] { return names_of(m_.states); }));
      continue;
    }
    bool inside = false;
    for (auto p = m_.states[*target].parent; p != engine::no_state && !inside;
         p = m_.states[engine::index(p)].parent) {
      inside = p == def.parent;
    }
    if (!inside) {
      error("F0141", st.history_default_span,
            "history '" + st.name + "' leads to '" + st.history_default +
                "', which is not inside '" + m_.states[engine::index(def.parent)].name + "'",
            "a history state's default is one of its parent's descendants");
      continue;
    }
    def.history_default = static_cast<engine::state_id>(*target);
  }
}

std::optional<engine::transition_def> workflow_compiler::define_transition(
    engine::state_id source, const transition_decl& t, std::optional<engine::event_id> ev) {
  engine::transition_def def;
  def.source = source;
  def.pos = {t.span.line, t.span.column};
  bool valid = true;
  const bool eventless = t.done || t.always;
  const engine::event_def* event = nullptr;
  if (ev) {
    def.event = *ev;
    event = &m_.events[engine::index(*ev)];
  }
  const auto resolve = [&](const std::string& name, const source_span& span) {
    const auto target = state_ids_.find(name);
    if (!target) {
      error("F0102", span, "unknown state '" + name + "'",
            suggest(name, [&] { return names_of(m_.states); }));
      valid = false;
      return engine::no_state;
    }
    return static_cast<engine::state_id>(*target);
  };
  if (t.targetless) {
    def.target = engine::no_state;
  } else {
    def.target = resolve(t.target, t.target_span);
    def.first_extra_target = static_cast<std::uint32_t>(m_.extra_targets.size());
    std::vector<engine::state_id> all{def.target};
    std::vector<source_span> spans{t.target_span};
    for (const auto& [name, span] : t.more_targets) {
      m_.extra_targets.push_back(resolve(name, span));
      all.push_back(m_.extra_targets.back());
      spans.push_back(span);
    }
    def.extra_target_count =
        static_cast<std::uint32_t>(m_.extra_targets.size()) - def.first_extra_target;
    if (valid && all.size() > 1) valid = check_entered_together(all, spans);
  }
  def.internal = t.internal;
  scope sc{event, false};
  sc.eventless = eventless;
  if (t.guard) {
    const expr& guard = f_[*t.guard];
    def.guard_text = std::string(text_.substr(guard.span.begin, guard.span.end - guard.span.begin));
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
  std::tie(def.first_effect, def.effect_count) = define_effects(t, sc);
  def.first_action = static_cast<std::uint32_t>(m_.rule_actions.size());
  define_actions(t.actions, sc, "the transition at line " + std::to_string(t.span.line));
  def.action_count = static_cast<std::uint32_t>(m_.rule_actions.size()) - def.first_action;
  if (!valid) return std::nullopt;
  return def;
}

// The conjuncts of a condition (`a and b and c`), paired with their lowered nodes, so an
// explanation can show each part's value and what it read.
void workflow_compiler::parts_of(const expr& e, std::uint32_t node,
                                 std::vector<engine::condition_part>& out) const {
  parts_of(e, node, e.span.begin, out);
}

void workflow_compiler::parts_of(const expr& e, std::uint32_t node, std::uint32_t whole_begin,
                                 std::vector<engine::condition_part>& out) const {
  const engine::expr_node& n = m_.nodes[node];
  if (e.kind == expr_kind::binary && e.bop == binary_op::and_ && n.code == op::and_) {
    parts_of(f_.child(e, 0), m_.operands[n.first_operand], whole_begin, out);
    parts_of(f_.child(e, 1), m_.operands[n.first_operand + 1], whole_begin, out);
    return;
  }
  out.push_back(
      {static_cast<engine::expr_id>(node), e.span.begin - whole_begin, e.span.end - e.span.begin});
}

std::string workflow_compiler::source_text(const source_span& s) const {
  return std::string(text_.substr(s.begin, s.end - s.begin));
}

void workflow_compiler::define_policies() {
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

void workflow_compiler::define_rules() {
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
void workflow_compiler::define_actions(const std::vector<rule_action>& actions, const scope& sc,
                                       const std::string& owner) {
  for (const rule_action& a : actions) {
    if (!a.branches.empty()) {
      define_if(a, sc, owner);
      continue;
    }
    if (a.send) {
      if (const auto effect = define_send(*a.send, sc)) {
        engine::rule_action_def d;
        d.kind = engine::action_kind::effect;
        d.first_arg = *effect;
        m_.rule_actions.push_back(d);
      }
      continue;
    }
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

// `if C1 { A } elif C2 { B } else { C }` as jumps within the block: branch_unless C1 (past A
// and its jump), A, jump (to the end), branch_unless C2, B, jump, C.
void workflow_compiler::define_if(const rule_action& a, const scope& sc, const std::string& owner) {
  std::vector<std::size_t> to_end;
  for (std::size_t b = 0; b < a.branches.size(); ++b) {
    const if_branch& br = a.branches[b];
    std::optional<std::size_t> test;
    if (br.condition) {
      if (const auto c = compile_condition(*br.condition, sc, "an 'if' condition")) {
        engine::rule_action_def d;
        d.kind = engine::action_kind::branch_unless;
        d.value = static_cast<engine::expr_id>(*c);
        test = m_.rule_actions.size();
        m_.rule_actions.push_back(d);
      }
    }
    define_actions(br.body, sc, owner);
    if (b + 1 < a.branches.size()) {
      engine::rule_action_def d;
      d.kind = engine::action_kind::jump;
      to_end.push_back(m_.rule_actions.size());
      m_.rule_actions.push_back(d);
    }
    if (test)
      m_.rule_actions[*test].first_arg = static_cast<std::uint32_t>(m_.rule_actions.size() - *test);
  }
  for (const std::size_t j : to_end)
    m_.rule_actions[j].first_arg = static_cast<std::uint32_t>(m_.rule_actions.size() - j);
}

void workflow_compiler::define_raise(const std::string& owner, const rule_action& a,
                                     const scope& sc) {
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
                engine::to_string(event.params[i].declared) + "', not '" + engine::to_string(v->t) +
                "'");
      return;
    }
    m_.rule_args.push_back(static_cast<engine::expr_id>(v->node));
  }
  m_.rule_actions.push_back(d);
}

}  // namespace vflow::dsl::detail
