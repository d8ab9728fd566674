// The expression evaluator: total (errors are values), bounded (trees are finite and acyclic).
#include "engine/eval.hpp"

#include <algorithm>

namespace vflow::engine {

namespace {

class evaluator {
 public:
  evaluator(const machine& m, const activation& a) : m_(m), a_(a) {}

  value eval(std::uint32_t n) {
    if (a_.budget) {
      if (*a_.budget == 0) return fail(eval_failure::budget, "evaluation budget exceeded");
      --*a_.budget;
    }
    const expr_node& node = m_.nodes[n];
    switch (node.code) {
      case op::literal: return m_.literals[node.index];
      case op::field: return (*a_.data)[node.index];
      case op::param: return (*a_.params)[node.index];
      case op::now: return value::of_time(a_.now);
      case op::actor: return a_.actor ? *a_.actor : value::null();
      case op::in_state: {
        if (!a_.configuration) return value::of_bool(false);
        const auto s = static_cast<state_id>(node.index);
        return value::of_bool(std::find(a_.configuration->begin(), a_.configuration->end(), s) !=
                              a_.configuration->end());
      }
      case op::neg_int: {
        const value v = operand(node, 0);
        if (failed_) return {};
        if (v.as_int() == INT64_MIN)
          return fail(eval_failure::arithmetic, "integer overflow in negation");
        return value::of_int(-v.as_int());
      }
      case op::neg_duration: {
        const value v = operand(node, 0);
        if (failed_) return {};
        if (v.as_duration() == INT64_MIN)
          return fail(eval_failure::arithmetic, "duration overflow in negation");
        return value::of_duration(-v.as_duration());
      }
      case op::not_: {
        const value v = operand(node, 0);
        return failed_ ? value() : value::of_bool(!v.as_bool());
      }
      case op::and_: {
        const value l = operand(node, 0);
        if (failed_ || !l.as_bool()) return value::of_bool(false);
        const value r = operand(node, 1);
        return value::of_bool(!failed_ && r.as_bool());
      }
      case op::or_: {
        const value l = operand(node, 0);
        if (failed_) return {};
        if (l.as_bool()) return value::of_bool(true);
        const value r = operand(node, 1);
        return value::of_bool(!failed_ && r.as_bool());
      }
      case op::coalesce: {
        value l = operand(node, 0);
        if (failed_) return {};
        return l.is_null() ? operand(node, 1) : l;
      }
      case op::in_list: {
        const value needle = operand(node, 0);
        for (std::uint32_t i = 1; i < node.operand_count && !failed_; ++i) {
          if (operand(node, i) == needle) return value::of_bool(true);
        }
        return value::of_bool(false);
      }
      case op::len: {
        const value s = operand(node, 0);
        return value::of_int(static_cast<std::int64_t>(s.as_string().size()));
      }
      case op::lower: {
        std::string s(operand(node, 0).as_string());
        std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
          return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
        });
        return value::of_string(std::move(s));
      }
      case op::contains: {
        const value s = operand(node, 0);
        const value t = operand(node, 1);
        return value::of_bool(s.as_string().find(t.as_string()) != std::string::npos);
      }
      case op::concat: {
        const value l = operand(node, 0);
        const value r = operand(node, 1);
        std::string joined;
        joined.reserve(l.as_string().size() + r.as_string().size());
        joined.append(l.as_string()).append(r.as_string());
        return value::of_string(joined);
      }
      case op::eq:
      case op::ne: {
        const value l = operand(node, 0);
        const value r = operand(node, 1);
        const bool same = l == r;
        return value::of_bool(node.code == op::eq ? same : !same);
      }
      case op::lt:
      case op::le:
      case op::gt:
      case op::ge: return compare(node);
      case op::cond: {
        const value c = operand(node, 0);
        if (failed_) return {};
        return operand(node, c.as_bool() ? 1 : 2);
      }
      case op::link_count: return value::of_int(static_cast<std::int64_t>(linked(node).size()));
      case op::link_id: {
        const auto& targets = linked(node);
        return targets.empty() ? value::null() : value::of_string(targets.front().id);
      }
      case op::link_in_state: {
        const auto& targets = linked(node);
        return value::of_bool(!targets.empty() && in_state_of(targets.front(), name_of(node)));
      }
      case op::link_field: {
        const auto& targets = linked(node);
        if (targets.empty()) return value::null();
        return field_of(targets.front(), node);
      }
      case op::link_all:
      case op::link_any: {
        const bool all = node.code == op::link_all;
        const linked_instance* outer = each_;
        for (const linked_instance& target : linked(node)) {
          each_ = &target;
          const value v = operand(node, 0);
          each_ = outer;
          if (failed_) return {};
          if (v.as_bool() != all) return value::of_bool(!all);
        }
        return value::of_bool(all);
      }
      case op::each_in_state:
        return each_ ? value::of_bool(in_state_of(*each_, name_of(node))) : value::of_bool(false);
      case op::each_field: return each_ ? field_of(*each_, node) : value::null();
      default: return arithmetic(node);
    }
  }

  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }
  eval_failure failure() const { return failure_; }

 private:
  value operand(const expr_node& node, std::uint32_t i) {
    return eval(m_.operands[node.first_operand + i]);
  }

  static const std::vector<linked_instance>& none() {
    static const std::vector<linked_instance> empty;
    return empty;
  }
  const std::vector<linked_instance>& linked(const expr_node& node) const {
    if (!a_.links || node.index >= a_.links->size()) return none();
    return (*a_.links)[node.index];
  }
  std::string_view name_of(const expr_node& node) const {
    return m_.literals[m_.nodes[m_.operands[node.first_operand]].index].as_string();
  }
  static bool in_state_of(const linked_instance& target, std::string_view name) {
    const auto s = target.definition->find_state(name);
    return s && std::find(target.configuration.begin(), target.configuration.end(), *s) !=
                    target.configuration.end();
  }
  // A field of a linked instance. Its workflow may have been redeployed since this one was
  // compiled: a field that is gone or changed type is an evaluation error, never a wrong value.
  // Operand 1 spells the type the expression was checked against.
  value field_of(const linked_instance& target, const expr_node& node) {
    const std::string name(name_of(node));
    const auto f = target.definition->find_field(name);
    if (!f || index(*f) >= target.data.size()) {
      return fail(eval_failure::link, "linked instance '" + target.id + "' (" +
                                          target.definition->name + ") has no field '" + name +
                                          "'");
    }
    const std::string_view expected =
        m_.literals[m_.nodes[m_.operands[node.first_operand + 1]].index].as_string();
    if (to_string(target.definition->field(*f).declared) != expected) {
      return fail(eval_failure::link, "field '" + name + "' of linked instance '" + target.id +
                                          "' is " +
                                          to_string(target.definition->field(*f).declared) +
                                          ", not " + std::string(expected));
    }
    return target.data[index(*f)];
  }

  value fail(eval_failure kind, std::string message) {
    if (!failed_) {
      failed_ = true;
      failure_ = kind;
      error_ = std::move(message);
    }
    return {};
  }

  value compare(const expr_node& node) {
    const value l = operand(node, 0);
    const value r = operand(node, 1);
    if (failed_) return {};
    int c = 0;
    if (l.kind() == base_type::string_type) {
      c = l.as_string().compare(r.as_string());
    } else {
      c = l.as_int() < r.as_int() ? -1 : (l.as_int() > r.as_int() ? 1 : 0);
    }
    switch (node.code) {
      case op::lt: return value::of_bool(c < 0);
      case op::le: return value::of_bool(c <= 0);
      case op::gt: return value::of_bool(c > 0);
      default: return value::of_bool(c >= 0);
    }
  }

  value arithmetic(const expr_node& node) {
    const value l = operand(node, 0);
    const value r = operand(node, 1);
    if (failed_) return {};
    const std::int64_t a = l.as_int();  // every numeric kind keeps its number in the same slot
    const std::int64_t b = r.as_int();
    std::int64_t out = 0;
    switch (node.code) {
      case op::add_int:
        if (__builtin_add_overflow(a, b, &out))
          return fail(eval_failure::arithmetic, "integer overflow in addition");
        return value::of_int(out);
      case op::sub_int:
        if (__builtin_sub_overflow(a, b, &out))
          return fail(eval_failure::arithmetic, "integer overflow in subtraction");
        return value::of_int(out);
      case op::mul_int:
        if (__builtin_mul_overflow(a, b, &out))
          return fail(eval_failure::arithmetic, "integer overflow in multiplication");
        return value::of_int(out);
      case op::div_int:
      case op::mod_int:
        if (b == 0) return fail(eval_failure::arithmetic, "division by zero");
        if (a == INT64_MIN && b == -1)
          return fail(eval_failure::arithmetic, "integer overflow in division");
        return value::of_int(node.code == op::div_int ? a / b : a % b);
      case op::add_duration:
        if (__builtin_add_overflow(a, b, &out))
          return fail(eval_failure::arithmetic, "duration overflow in addition");
        return value::of_duration(out);
      case op::sub_duration:
        if (__builtin_sub_overflow(a, b, &out))
          return fail(eval_failure::arithmetic, "duration overflow in subtraction");
        return value::of_duration(out);
      case op::add_time_duration:
        if (__builtin_add_overflow(a, b, &out))
          return fail(eval_failure::arithmetic, "time overflow in addition");
        return value::of_time(out);
      case op::sub_time_duration:
        if (__builtin_sub_overflow(a, b, &out))
          return fail(eval_failure::arithmetic, "time overflow in subtraction");
        return value::of_time(out);
      case op::sub_time_time:
        if (__builtin_sub_overflow(a, b, &out))
          return fail(eval_failure::arithmetic, "duration overflow in subtraction");
        return value::of_duration(out);
      case op::mul_duration_int:
        if (__builtin_mul_overflow(a, b, &out))
          return fail(eval_failure::arithmetic, "duration overflow in multiplication");
        return value::of_duration(out);
      case op::div_duration_int:
        if (b == 0) return fail(eval_failure::arithmetic, "division by zero");
        if (a == INT64_MIN && b == -1)
          return fail(eval_failure::arithmetic, "duration overflow in division");
        return value::of_duration(a / b);
      default: return fail(eval_failure::arithmetic, "unsupported operation");
    }
  }

  const machine& m_;
  const activation& a_;
  const linked_instance* each_ = a_.each;
  bool failed_ = false;
  std::string error_;
  eval_failure failure_ = eval_failure::none;
};

}  // namespace

std::vector<std::pair<std::string, value>> reads_of(const machine& m, expr_id e,
                                                    const activation& a,
                                                    const std::vector<param_def>* params) {
  std::vector<std::pair<std::string, value>> out;
  const auto add = [&](std::string name, const value& v) {
    for (const auto& r : out) {
      if (r.first == name) return;
    }
    out.emplace_back(std::move(name), v);
  };
  std::vector<std::uint32_t> work{index(e)};
  std::vector<std::uint32_t> order;
  while (!work.empty()) {  // depth-first, left to right
    const std::uint32_t n = work.back();
    work.pop_back();
    order.push_back(n);
    const expr_node& node = m.nodes[n];
    for (std::uint32_t i = node.operand_count; i-- > 0;) {
      work.push_back(m.operands[node.first_operand + i]);
    }
  }
  for (const std::uint32_t n : order) {
    const expr_node& node = m.nodes[n];
    switch (node.code) {
      case op::field: add(m.fields[node.index].name, (*a.data)[node.index]); break;
      case op::param:
        if (params && a.params) add("event." + (*params)[node.index].name, (*a.params)[node.index]);
        break;
      case op::actor: add("actor", a.actor ? *a.actor : value::null()); break;
      case op::now: add("now", value::of_time(a.now)); break;
      case op::link_count:
      case op::link_id:
      case op::link_in_state:
      case op::link_field:
      case op::link_all:
      case op::link_any: {
        // What a guard over links saw: the linked instances' ids, in link order.
        const std::string& link = m.links[node.index].name;
        std::string ids;
        if (a.links && node.index < a.links->size()) {
          for (const auto& target : (*a.links)[node.index])
            ids += (ids.empty() ? "" : ",") + target.id;
        }
        add(link, value::of_string(ids));
        break;
      }
      default: break;
    }
  }
  return out;
}

eval_result evaluate(const machine& m, expr_id e, const activation& a) {
  evaluator ev(m, a);
  value v = ev.eval(index(e));
  if (ev.failed()) return {value(), false, ev.error(), ev.failure()};
  return {std::move(v), true, {}, eval_failure::none};
}

}  // namespace vflow::engine
