// `find`: instances or journal records by the store's criteria, and by a condition on the data
// written in the .flow expression language, a page at a time.
#include <algorithm>
#include <map>

#include "engine/eval.hpp"
#include "runtime/runtime_impl.hpp"

namespace vflow::runtime {

namespace {

// A --where condition compiled against the fields of one definition: a workflow with the same
// fields, in the same order, whose one transition is guarded by the condition.
struct where_condition {
  engine::machine machine;
  engine::expr_id expr = engine::no_expr;
};

// Compiles `where` for the fields of `m`; nothing, with the expression's errors in `diags` (their
// lines and columns in the expression as given), when it does not compile.
std::optional<where_condition> compile_where(const engine::machine& m, const std::string& where,
                                             std::vector<dsl::diagnostic>& diags) {
  std::string text = "stream D2C\nworkflow Find {\n  data {\n";
  for (const auto& f : m.fields) {
    text += "    " + f.name + ": " + engine::to_string(f.declared) + "\n";
  }
  text += "  }\n  event where\n  initial state S {\n    on where -> S when\n";
  const auto first_line =
      static_cast<std::uint32_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  text += where + "\n  }\n}\n";
  auto r = dsl::compile(text, "--where");
  for (auto d : r.diagnostics) {
    if (d.severity != dsl::severity::error) continue;
    if (d.span.line < first_line) {
      d.span = {};  // about the fields, not the expression: say where in words
      d.message += " (in workflow " + m.name + "'s fields)";
    } else {
      d.span.line -= first_line - 1;
      d.span.end_line -= std::min(d.span.end_line, first_line - 1);
    }
    d.message += " (workflow " + m.name + ")";
    diags.push_back(std::move(d));
  }
  if (!r.ok() || r.machines.empty() || r.machines[0].transitions.empty()) return std::nullopt;
  where_condition c{std::move(r.machines[0]), engine::no_expr};
  c.expr = c.machine.transitions[0].guard;
  return c;
}

bool holds(const where_condition& c, const std::vector<engine::value>& data, std::int64_t now) {
  std::uint64_t budget = c.machine.evaluation_budget;
  engine::activation a;
  a.data = &data;
  a.now = now;
  a.budget = &budget;
  const auto r = engine::evaluate(c.machine, c.expr, a);
  return r.ok && !r.result.is_null() && r.result.as_bool();
}

}  // namespace

find_outcome engine_runtime::find(const find_request& req) {
  find_outcome out;
  if (req.where && !req.filter.workflow) {
    out.status = status::invalid;
    out.message = "--where needs --workflow: it reads that workflow's fields";
    return out;
  }
  const std::int64_t now = wall_clock_ms();
  impl_->read([&](store_transaction& t) {
    out = find_outcome{};
    std::map<std::string, std::optional<where_condition>> conditions;  // by definition
    // Whether instance `row` meets --where; false with `out` invalid when it does not compile.
    const auto meets = [&](const instance_row& row) {
      if (!req.where) return true;
      auto it = conditions.find(row.definition);
      if (it == conditions.end()) {
        const auto c = impl_->load(t, row.definition);
        it = conditions
                 .emplace(row.definition, compile_where(c->machine, *req.where, out.diagnostics))
                 .first;
        if (!it->second) {
          out.status = status::invalid;
          out.message = "--where does not compile for " + c->machine.name + " v" +
                        std::to_string(c->row.version);
        }
      }
      if (!it->second) return false;
      const auto c = impl_->load(t, row.definition);
      return holds(*it->second, data_from_json(c->machine, row.data), now);
    };
    find_filter f = req.filter;
    const std::size_t want = req.filter.limit == 0 ? std::size_t{1} << 40 : req.filter.limit;
    // One more than a page tells whether more match; a condition may drop rows, so read more.
    f.limit = req.where ? std::max<std::size_t>(want + 1, 256) : want + 1;
    std::size_t found = 0;
    for (;;) {
      std::size_t fetched = 0;
      if (req.records) {
        for (auto& r : t.find_records(f)) {
          ++fetched;
          f.after_gseq = r.gseq;
          if (req.where && !meets(*t.instance(r.instance))) {
            if (out.status != status::ok) return;
            continue;
          }
          if (found++ == want) {
            out.next = std::to_string(out.records.back().gseq);
            return;
          }
          impl_->load(t, r.definition);  // for redact
          impl_->redact(r);
          out.records.push_back(std::move(r));
        }
      } else {
        for (auto& row : t.find_instances(f)) {
          ++fetched;
          f.after_id = row.id;
          if (!meets(row)) {
            if (out.status != status::ok) return;
            continue;
          }
          if (found++ == want) {
            out.next = out.instances.back().id;
            return;
          }
          out.instances.push_back(impl_->view(*impl_->load(t, row.definition), row));
        }
      }
      if (fetched < f.limit) return;
    }
  });
  return out;
}

}  // namespace vflow::runtime
