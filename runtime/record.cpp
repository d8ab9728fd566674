// The journal's spellings of a record's kind and outcome (store.hpp): what the store writes, the
// hash chain covers and the CLI prints.
#include <array>

#include "runtime/store.hpp"

namespace vflow::runtime {

namespace {
constexpr std::array<std::string_view, 6> kinds{"start", "event", "lifecycle",
                                                "gate",  "timer", "link"};
constexpr std::array<std::string_view, 2> outcomes{"taken", "rejected"};

template <typename Enum, std::size_t N>
std::optional<Enum> parse(const std::array<std::string_view, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}
}  // namespace

std::string_view to_string(record_kind k) { return kinds.at(static_cast<std::size_t>(k)); }
std::optional<record_kind> parse_record_kind(std::string_view text) {
  return parse<record_kind>(kinds, text);
}
std::string_view to_string(record_outcome o) { return outcomes.at(static_cast<std::size_t>(o)); }
std::optional<record_outcome> parse_record_outcome(std::string_view text) {
  return parse<record_outcome>(outcomes, text);
}

}  // namespace vflow::runtime
