// The compiler's stages, shared by their translation units: one `workflow_compiler` per workflow,
// whose member functions are defined stage by stage:
//   compile_resolve.cpp  names: fields, events, states, links, and workflows across files
//   compile_check.cpp    types: expressions checked against one signature table and lowered
//   compile_lower.cpp    transitions, timers, policies, rules and actions lowered to tables
//   compile_analyse.cpp  determinism, reachability and rule interplay on the lowered tables
// Private to dsl/: not installed, not included from outside this folder.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "dsl/ast.hpp"
#include "dsl/compiler.hpp"
#include "dsl/diagnostic.hpp"
#include "dsl/suggest.hpp"
#include "engine/eval.hpp"
#include "engine/machine.hpp"

namespace vflow::dsl::detail {

using engine::base_type;
using engine::op;
using engine::type;

inline constexpr std::array<std::string_view, 4> known_streams{"S2P", "R2D", "R2F", "D2C"};

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
  std::string ref = {};  // `ref W` values: the workflow W
};

// The workflows a compilation can name: those of the files compiled together, then those the
// caller's lookup finds (deployed ones), each asked for at most once.
class workflow_directory {
 public:
  explicit workflow_directory(const workflow_lookup& lookup) : lookup_(lookup) {}
  // Declares a workflow of the set; the first of a name wins (duplicates are reported).
  void add(workflow_signature s) {
    const std::string name = s.name;
    local_.emplace(name, std::move(s));
  }
  const workflow_signature* find(std::string_view name) {
    if (const auto it = local_.find(name); it != local_.end()) return &it->second;
    if (const auto it = found_.find(name); it != found_.end()) return &it->second;
    if (!lookup_ || missing_.count(name) > 0) return nullptr;
    auto s = lookup_(std::string(name));
    if (!s) {
      missing_.emplace(name);
      return nullptr;
    }
    return &found_.emplace(std::string(name), std::move(*s)).first->second;
  }
  std::vector<std::string_view> names() const {
    std::vector<std::string_view> out;
    for (const auto& [name, s] : local_) out.emplace_back(name);
    for (const auto& [name, s] : found_) out.emplace_back(name);
    return out;
  }

 private:
  const workflow_lookup& lookup_;
  std::map<std::string, workflow_signature, std::less<>> local_, found_;
  std::set<std::string, std::less<>> missing_;
};

// A link's cardinality as the engine keeps it.
inline engine::cardinality cardinality_of(link_cardinality c) {
  switch (c) {
    case link_cardinality::one: return engine::cardinality::one;
    case link_cardinality::optional: return engine::cardinality::optional;
    case link_cardinality::many: return engine::cardinality::many;
  }
  return engine::cardinality::one;
}

// The element of `defs` named `name`, or null.
template <typename Defs>
inline const typename Defs::value_type* by_name(const Defs& defs, std::string_view name) {
  const auto it =
      std::find_if(defs.begin(), defs.end(), [&](const auto& d) { return d.name == name; });
  return it == defs.end() ? nullptr : &*it;
}

// The signature a workflow declaration shows to others, read off its syntax tree (types that do
// not resolve are left null: the workflow's own compilation reports them).
workflow_signature signature_from(const workflow_decl& w, const std::optional<std::string>& stream);

// What names an expression may read where it appears.
struct scope {
  const engine::event_def* event = nullptr;  // the transition's event, for event.PARAM
  bool constant = false;                     // default values: no fields, no event, no now
  bool rule = false;                         // rule conditions and actions: no event.PARAM
  bool timer = false;                        // timer delays, guards and actions: no event.PARAM
  bool eventless = false;                    // entry, exit, done and always: no event.PARAM
  const workflow_signature* each = nullptr;  // inside all(LINK, ...) / any(LINK, ...)
};

class workflow_compiler {
 public:
  workflow_compiler(const flow_file& f, const workflow_decl& w, std::string_view text,
                    const std::string& file, std::vector<diagnostic>& diags,
                    workflow_directory& workflows)
      : f_(f), w_(w), text_(text), file_(file), diags_(diags), workflows_(workflows) {}

  // Checks and lowers the workflow; the machine (complete only when had_error() is false).
  engine::machine run(const std::optional<std::string>& stream);

  bool had_error() const { return errors_ > 0; }

 private:
  // ---- diagnostics ----

  void report(std::string code, severity sev, const source_span& span, std::string message,
              std::string help = {}) {
    if (sev == severity::error) ++errors_;
    // A transition with several descriptors is checked once per event it matches: each of its
    // problems is reported once.
    if (!reported_.insert(code + ':' + std::to_string(span.begin) + ':' + message).second) return;
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

  // ---- resolve: names and declarations (compile_resolve.cpp) ----

  // Sizes the machine's tables from the syntax tree, so lowering a large workflow never moves
  // them (the expression pool is shared by the file's workflows: an upper bound).
  void reserve_tables();

  std::optional<type> resolve_type(const type_ref& t);

  void declare_fields();

  void declare_events();

  void declare_states();

  // Declares `list` (in document order, each state before its children) under `parent`; returns
  // the initial one among them (for a compound parent or the workflow).
  std::optional<engine::state_id> declare_children(const std::vector<state_decl>& list,
                                                   engine::state_id parent, std::uint32_t depth);

  // ---- check: expression types, lowered to engine nodes (compile_check.cpp) ----

  bool check_assignable(type from, type to, const source_span& span, std::string_view what,
                        const std::string& field);

  static std::string default_literal(base_type b);

  // Compiles a condition that must be a bool; nothing when it is not.
  std::optional<std::uint32_t> compile_condition(expr_ref ref, const scope& sc,
                                                 std::string_view what);

  std::optional<typed> compile_in_state(const expr& e, const scope&);

  std::uint32_t emit(op code, std::uint32_t index, std::initializer_list<std::uint32_t> children);

  std::uint32_t emit_literal(engine::value v);

  std::optional<typed> not_constant(const expr& e, std::string_view what);

  std::optional<typed> compile_expr(const expr& e, const scope& sc);

  static std::string join_names(const std::vector<engine::param_def>& params);

  std::optional<typed> operator_error(const expr& e, std::string_view op_text, type l,
                                      std::optional<type> r = std::nullopt);

  std::optional<typed> compile_unary(const expr& e, const scope& sc);

  std::optional<typed> compile_binary(const expr& e, const scope& sc);

  std::optional<typed> compile_in(const expr& e, const scope& sc);

  std::optional<typed> compile_call(const expr& e, const scope& sc);

  // ---- lower: transitions, timers, policies, rules and actions (compile_lower.cpp) ----

  void define_defaults();

  void define_transitions();

  // Checks `field = value` (the field exists, the value's type fits) and lowers the value;
  // nothing when it is wrong (reported).
  std::optional<engine::assignment> compile_assignment(const std::string& field,
                                                       const source_span& field_span,
                                                       expr_ref value, const scope& sc);

  // Checks and lowers the assignments of a transition or timer; their range in the machine.
  std::pair<std::uint32_t, std::uint32_t> define_assignments(
      const std::vector<assignment_stmt>& list, const scope& sc);

  // Checks and lowers one timer; nothing when it cannot be part of the machine.
  std::optional<engine::timer_def> define_timer(engine::state_id source, const transition_decl& t);

  // Checks and lowers one transition; nothing when it cannot be part of the machine.
  std::optional<engine::transition_def> define_transition(engine::state_id source,
                                                          const transition_decl& t,
                                                          std::optional<engine::event_id> event);

  // The events a transition's descriptors match, in declaration order (F0107 for a descriptor
  // that matches none).
  std::vector<engine::event_id> matched_events(const transition_decl& t);

  // `history H -> T`, and the `done.state.NAME` events the workflow declares.
  void define_history_defaults();

  // `initial -> A, B` of the workflow and of its states: F0102 for an unknown state, F0142 for
  // one outside the state, F0143 for two that cannot be active together, F0112 beside a state
  // marked `initial`.
  void define_initial_targets();
  // Resolves `initial -> ...` written in `owner` (the workflow: no_state) into `out`.
  bool resolve_initial(engine::state_id owner,
                       const std::vector<std::pair<std::string, source_span>>& targets,
                       std::vector<engine::state_id>& out);

  // F0143 when two of `targets` (each with where it is written) cannot be active together: one
  // holds the other, or they share a compound state rather than lying in different regions.
  bool check_entered_together(const std::vector<engine::state_id>& targets,
                              const std::vector<source_span>& spans);

  // The conjuncts of a condition (`a and b and c`), paired with their lowered nodes, so an
  // explanation can show each part's value and what it read.
  void parts_of(const expr& e, std::uint32_t node, std::vector<engine::condition_part>& out) const;

  void parts_of(const expr& e, std::uint32_t node, std::uint32_t whole_begin,
                std::vector<engine::condition_part>& out) const;

  std::string source_text(const source_span& s) const;

  void define_policies();

  void define_rules();

  // Checks and lowers assignments and raises (of a rule, or an entry or exit block).
  void define_if(const rule_action& a, const scope& sc, const std::string& owner);
  void define_actions(const std::vector<rule_action>& actions, const scope& sc,
                      const std::string& owner);

  void define_raise(const std::string& owner, const rule_action& a, const scope& sc);

  // ---- analyse: determinism, reachability, rule interplay (compile_analyse.cpp) ----

  // Fields an expression reads (by lowered node).
  void fields_read(std::uint32_t node, std::vector<bool>& out) const;

  // Warnings about rules: raising an event no state handles, and pairs of rules that can
  // re-trigger each other (each assigns a field the other's condition reads).
  void check_rules(const std::vector<bool>& handled);

  void check_structure();

  // ---- links: declarations (resolve), reads (check), link changes, spawns, sends (lower) ----

  void declare_links();
  // The workflow `name` names; reported (at `span`, for `what`) when unknown.
  const workflow_signature* find_workflow(const std::string& name, const source_span& span,
                                          const std::string& what);
  // The link `name`; reported when unknown.
  std::optional<std::uint32_t> find_link(std::string_view name, const source_span& span);
  const workflow_signature* link_target(std::uint32_t link);
  std::optional<typed> compile_link_call(const expr& e, std::string_view fn, const scope& sc);
  std::optional<typed> compile_member(const expr& e, const scope& sc);
  std::optional<typed> compile_each_name(const expr& e, const scope& sc);
  std::uint32_t emit_named(op code, std::uint32_t index, const std::string& name,
                           std::optional<type> t = std::nullopt);
  // The effects of a transition's block: link changes and spawns, then sends.
  std::pair<std::uint32_t, std::uint32_t> define_effects(const transition_decl& t, const scope& sc);
  bool define_link_change(const assignment_stmt& a, std::uint32_t link, const scope& sc);
  bool define_spawn(const assignment_stmt& a, std::uint32_t link, const scope& sc,
                    engine::effect_def& d);
  std::optional<std::uint32_t> define_send(const send_decl& s, const scope& sc);
  // Whether a value of type `from` fits a field or parameter declared `to` (with `ref`).
  bool fits(const typed& from, type to, const std::string& ref) const;

  const flow_file& f_;
  const workflow_decl& w_;
  std::string_view text_;
  const std::string& file_;
  std::vector<diagnostic>& diags_;
  workflow_directory& workflows_;
  engine::machine m_;
  std::size_t errors_ = 0;
  std::size_t suggestions_ = 0;
  bool has_initial_ = false;
  bool had_initial_error_ = false;
  name_table field_ids_, event_ids_, state_ids_, link_ids_;
  std::unordered_set<std::string> reported_;  // code, offset and message of each diagnostic
  // The events by name (views into m_.events), for matching descriptors; see matched_events.
  std::vector<std::pair<std::string_view, engine::event_id>> events_by_name_;
  // (transition, event) pairs the descriptors expanded to so far, each weighed by the length of
  // the transition (it is compiled once per pair); bounded by max_expanded_transitions, so that
  // `on *` over many events cannot blow up.
  static constexpr std::size_t max_expanded_transitions = 100000;
  std::size_t expanded_ = 0;
  bool expansion_refused_ = false;
  std::vector<const workflow_signature*> link_targets_;  // by link; null when unknown
  std::vector<const field_decl*> field_decls_;
  std::vector<bool> field_ok_;
  std::vector<const state_decl*> state_decls_;
  std::vector<const transition_decl*> decls_of_transitions_;
  std::vector<const rule_decl*> rule_decls_;
};

}  // namespace vflow::dsl::detail
