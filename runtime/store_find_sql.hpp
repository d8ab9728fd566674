// The WHERE clause `find` composes, shared by the stores: only the criteria given (so that the
// journal's and instances' indexes serve the search), every value bound, in the dialect of the
// store (its placeholders and how a JSON array column is asked for a state). Private to the
// stores.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "runtime/store.hpp"

namespace vflow::runtime {

/// How a store's SQL says what `find` needs.
struct find_dialect {
  /// The placeholder of the n-th bound value (from 1): `?n`, `$n`.
  std::string (*placeholder)(std::size_t n);
  /// A condition: the JSON array of state names in `column` holds the value at `placeholder`.
  std::string (*holds_state)(const std::string& column, const std::string& placeholder);
  /// `+column` keeps SQLite's planner off an index (the one given first should serve).
  bool index_hints = false;
};

/// The conditions on an instance `i` of definition `d` and on its records `r`, with the values
/// they bind, in order.
class find_sql {
 public:
  using value = std::variant<std::int64_t, std::string>;

  explicit find_sql(const find_dialect& d) : d_(d) {}

  /// The placeholder of `v`, bound next.
  std::string bound(value v) {
    values_.push_back(std::move(v));
    return d_.placeholder(values_.size());
  }
  void where(const std::string& clause) { sql_ += (sql_.empty() ? "" : " AND ") + clause; }
  /// Every condition given, joined; `TRUE` (1 = 1) when there is none.
  std::string conditions() const { return sql_.empty() ? "1 = 1" : sql_; }
  const std::vector<value>& values() const { return values_; }

  /// What `find_instances` joins to `instances AS i` (besides definitions): a state asked for
  /// is read from the states' index `s`, which holds its instances in creation order, so that
  /// the first page is read and not every instance.
  static std::string instance_joins(const find_filter& f) {
    return f.state ? " JOIN instance_states AS s ON s.instance = i.id" : "";
  }
  /// The order of `find_instances`: creation, then id (in the states' index when it is read).
  static std::string instance_order(const find_filter& f) {
    return f.state ? "s.created_at, s.instance" : "i.created_at, i.id";
  }

  /// The criteria on instance `i` (and its definition `d`; with `states_joined`, the states'
  /// index `s` of instance_joins()).
  void instance_criteria(const find_filter& f, bool states_joined = false) {
    if (f.workflow) where("i.workflow = " + bound(*f.workflow));
    if (f.version) where("d.version = " + bound(*f.version));
    if (f.stream) where("d.stream = " + bound(*f.stream));
    if (f.lifecycle) where("i.lifecycle = " + bound(std::string(to_string(*f.lifecycle))));
    if (f.state && states_joined) where("s.state = " + bound(*f.state));
    if (f.state && !states_joined) {  // the full key of the states' index: one probe each
      where("EXISTS (SELECT 1 FROM instance_states AS s WHERE s.state = " + bound(*f.state) +
            " AND s.created_at = i.created_at AND s.instance = i.id)");
    }
    if (f.ever) {
      where("EXISTS (SELECT 1 FROM journal AS e WHERE e.instance = i.id AND " +
            d_.holds_state("e.to_config", bound(*f.ever)) + ")");
    }
    if (f.during && f.during_from && f.during_to) {
      // A record put it in the state before the range ends, and it left only when the range had
      // begun, or never.
      const std::string state = bound(*f.during), from = bound(*f.during_from),
                        to = bound(*f.during_to);
      where("EXISTS (SELECT 1 FROM journal AS e WHERE e.instance = i.id AND e.at < " + to +
            " AND " + d_.holds_state("e.to_config", state) +
            " AND coalesce((SELECT min(n.at) FROM journal AS n WHERE n.instance = e.instance AND "
            "n.seq > e.seq AND NOT " +
            d_.holds_state("n.to_config", state) + "), " + from + ") >= " + from + ")");
    }
  }

  /// The criteria on a record `r`, as one clause.
  std::string record_criteria(const find_filter& f) {
    find_sql r(d_);  // its conditions only: the values are bound here
    // One index serves the search, the most selective one given: an actor's records are few, an
    // event's many.
    const char* hint = d_.index_hints ? "+" : "";
    if (f.actor) r.where("r.actor = " + bound(*f.actor));
    if (f.event) r.where(std::string(f.actor ? hint : "") + "r.event = " + bound(*f.event));
    const std::string plain = f.actor || f.event ? hint : "";
    if (f.outcome) r.where(plain + "r.outcome = " + bound(std::string(to_string(*f.outcome))));
    if (f.kind) r.where(plain + "r.kind = " + bound(std::string(to_string(*f.kind))));
    if (f.since) r.where("r.at >= " + bound(*f.since));
    if (f.until) r.where("r.at < " + bound(*f.until));
    return r.conditions();
  }

  /// The conditions of `find_instances`, then its LIMIT's placeholder.
  std::string instances(const find_filter& f) {
    instance_criteria(f, true);
    if (f.has_record_criteria()) {
      where("EXISTS (SELECT 1 FROM journal AS r WHERE r.instance = i.id AND " + record_criteria(f) +
            ")");
    } else {
      if (f.since) where("i.created_at >= " + bound(*f.since));
      if (f.until) where("i.created_at < " + bound(*f.until));
    }
    if (f.after_id) {
      where("(" + instance_order(f) +
            ") > (SELECT created_at, id FROM instances WHERE id = " + bound(*f.after_id) + ")");
    }
    return bound(static_cast<std::int64_t>(f.limit));
  }

  /// The conditions of `find_records`, then its LIMIT's placeholder.
  std::string records(const find_filter& f) {
    instance_criteria(f);
    where(record_criteria(f));
    if (f.after_gseq) where("r.gseq > " + bound(*f.after_gseq));
    return bound(static_cast<std::int64_t>(f.limit));
  }

 private:
  const find_dialect& d_;
  std::vector<value> values_;
  std::string sql_;
};

}  // namespace vflow::runtime
