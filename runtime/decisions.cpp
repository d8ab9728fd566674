// Decisions in memory on a loaded instance (decisions.hpp): loading reads the store once; asking
// and deciding never do.
#include "runtime/decisions.hpp"

#include "runtime/runtime_impl.hpp"

namespace vflow::runtime {

loaded_instance::loaded_instance(std::string id, std::shared_ptr<const void> keep,
                                 const engine::machine& m, engine::instance_state state,
                                 lifecycle lc, std::int64_t at, engine::link_snapshot links,
                                 asker ask)
    : id_(std::move(id)),
      keep_(std::move(keep)),
      m_(&m),
      state_(std::move(state)),
      lifecycle_(lc),
      at_(at),
      links_(std::move(links)),
      ask_(std::move(ask)),
      scratch_(state_) {}

std::optional<question> loaded_instance::ask(const std::string& event, const named_values& params,
                                             const std::optional<std::string>& actor,
                                             std::string& error,
                                             std::optional<std::int64_t> at) const {
  return ask_(*m_, event, params, actor, at.value_or(at_), error);
}

const answer& loaded_instance::decide(const question& q) {
  answer& a = answer_;
  a.allowed = false;
  a.reason = engine::reject_reason::none;
  a.message.clear();
  a.blockers.clear();
  a.denied_by.reset();
  if (auto inactive = detail::not_active(id_, lifecycle_)) {
    a.message = std::move(*inactive);
    return a;
  }
  // On a scratch copy: the step takes the transition (its assignments, rules and what they set
  // off decide too), and the loaded state stays as it was for the next question.
  scratch_ = state_;  // member by member: the scratch's storage is reused
  const engine::step_options options{false, m_->reads_links ? &links_ : nullptr, true};
  engine::step(*m_, scratch_, q.call, result_, options);
  detail::join_blockers(result_);
  a.allowed = result_.is_taken();
  a.reason = result_.reason;
  if (!a.allowed) {
    a.message = result_.message;
    a.blockers = result_.blockers;
    a.denied_by = result_.denied_by;
  }
  return a;
}

std::optional<loaded_instance> engine_runtime::load(const std::string& id,
                                                    std::optional<std::int64_t> at) {
  std::optional<loaded_instance> out;
  impl_->read([&](store_transaction& t) {
    out.reset();
    auto row = t.instance(id);
    if (!row) return;
    const auto c = impl_->load(t, row->definition);
    const std::int64_t when = at ? *at : std::max(wall_clock_ms(), row->updated_at);
    const instance_row now = impl_->with_due_timers(t, *c, *row, when);
    json reads;
    engine::link_snapshot links = impl_->snapshot(t, *c, id, reads);
    impl* self = impl_.get();
    // A secret asked about is compared with the instance's only under the key they share: as the
    // gate does, such a question is refused when the instance's were hashed under another.
    std::optional<std::string> foreign = impl_->foreign_secrets(*c, *row);
    loaded_instance::asker ask =
        [self, foreign](const engine::machine& m, const std::string& event,
                        const named_values& params, const std::optional<std::string>& actor,
                        std::int64_t time, std::string& error) -> std::optional<question> {
      step_outcome problem;
      json given;
      auto call = self->make_call(m, event, params, time, actor, given, problem);
      if (!call) {
        error = problem.message;
        return std::nullopt;
      }
      if (foreign && has_secret(*call)) {
        error = *foreign;
        return std::nullopt;
      }
      return question{std::move(*call)};
    };
    out.emplace(id, c, c->machine, state_of(c->machine, now), now.lifecycle, when, std::move(links),
                std::move(ask));
  });
  return out;
}

}  // namespace vflow::runtime
