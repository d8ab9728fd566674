// Name look-ups on a compiled machine, for the edges of the system (CLI, store, embedding API).
#include "engine/machine.hpp"

namespace vflow::engine {

namespace {

template <typename Id, typename Defs>
std::optional<Id> find_by_name(const Defs& defs, std::string_view name) {
  for (std::size_t i = 0; i < defs.size(); ++i) {
    if (defs[i].name == name) return static_cast<Id>(i);
  }
  return std::nullopt;
}

}  // namespace

std::optional<state_id> machine::find_state(std::string_view n) const {
  return find_by_name<state_id>(states, n);
}
std::optional<event_id> machine::find_event(std::string_view n) const {
  return find_by_name<event_id>(events, n);
}
std::optional<event_id> machine::match_event(std::string_view n) const {
  if (const auto exact = find_event(n)) return exact;
  for (auto dot = n.rfind('.'); dot != std::string_view::npos && dot > 0;
       dot = n.rfind('.', dot - 1)) {
    if (const auto prefix = find_event(n.substr(0, dot))) return prefix;
  }
  return find_event("*");
}

std::optional<field_id> machine::find_field(std::string_view n) const {
  return find_by_name<field_id>(fields, n);
}

std::optional<std::uint32_t> machine::find_link(std::string_view n) const {
  return find_by_name<std::uint32_t>(links, n);
}

std::optional<std::uint32_t> machine::find_rule(std::string_view n) const {
  return find_by_name<std::uint32_t>(rules, n);
}
std::optional<std::uint32_t> machine::find_policy(std::string_view n) const {
  return find_by_name<std::uint32_t>(policies, n);
}

}  // namespace vflow::engine
