// Decisions in memory: an instance loaded once (`engine_runtime::load`), then asked any number
// of questions — would this event be taken now, and if not, why — without the store, JSON or
// the journal. For an embedder that asks a policy question in a hot path (an admission check, a
// CI gate evaluated for many candidates) and journals only the answers that matter.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/step.hpp"
#include "runtime/runtime.hpp"

namespace vflow::runtime {

/// An event asked about, prepared once (its name resolved, its parameters parsed and checked
/// against their declared types, secrets hashed) and asked any number of times.
struct question {
  engine::event_call call;
};

/// The answer to a question, as `gate --can` and `fire --dry-run` give it: every policy clause
/// and the state's transitions are evaluated, and the transition is taken on a scratch copy (so
/// that an assignment that fails, or rules that loop, refuse the event as they would).
struct answer {
  bool allowed = false;
  engine::reject_reason reason = engine::reject_reason::none;  ///< the first reason, when not
  /// Why not: the one reason, or every reason joined ("2 blockers: ...; ..."); empty when allowed.
  std::string message;
  /// Every reason, in order: each denying policy clause, then the state's (no transition for the
  /// event, or every guard false); empty when allowed.
  std::vector<std::string> blockers;
  /// The denying policy clause (machine::denies), when a policy refused it.
  std::optional<std::uint32_t> denied_by;
};

/// An instance as it was when loaded, with the timers due by then fired (in memory, as `gate`
/// fires them before it answers) and the linked instances its guards read. A snapshot: what
/// happens to the instance in the store later is not seen; load it again to see it. Valid while
/// the runtime that loaded it lives (it shares its compiled workflows); one thread at a time.
class loaded_instance {
 public:
  /// Turns the text of a request into a question; the message when it cannot.
  using asker = std::function<std::optional<question>(
      const engine::machine&, const std::string& event, const named_values& params,
      const std::optional<std::string>& actor, std::int64_t at, std::string& error)>;

  loaded_instance(std::string id, std::shared_ptr<const void> keep, const engine::machine& m,
                  engine::instance_state state, lifecycle lc, std::int64_t at,
                  engine::link_snapshot links, asker ask);

  const std::string& id() const { return id_; }
  const engine::machine& machine() const { return *m_; }
  const engine::instance_state& state() const { return state_; }
  /// The time it was loaded at: questions are asked at this time unless they say otherwise.
  std::int64_t loaded_at() const { return at_; }

  /// The question `event(params)` asked by `actor` at `at` (default: loaded_at()); nothing, with
  /// `error` saying why, when the event is unknown or a parameter is missing, extra or not of
  /// its type. (A `ref` parameter is not checked to name an instance: the store is not read.)
  std::optional<question> ask(const std::string& event, const named_values& params,
                              const std::optional<std::string>& actor, std::string& error,
                              std::optional<std::int64_t> at = std::nullopt) const;

  /// Decides `q` against the instance as loaded; the instance does not change. The answer is
  /// kept inside and overwritten by the next call (a decision that is allowed allocates
  /// nothing once the first has been made).
  const answer& decide(const question& q);

 private:
  std::string id_;
  std::shared_ptr<const void> keep_;  // the compiled workflow `m_` belongs to
  const engine::machine* m_;
  engine::instance_state state_;
  lifecycle lifecycle_;
  std::int64_t at_;
  engine::link_snapshot links_;
  asker ask_;
  // Reused by every decision.
  engine::instance_state scratch_;
  engine::step_result result_;
  answer answer_;
};

}  // namespace vflow::runtime
