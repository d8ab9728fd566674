// The instance lifecycle (Boost.MSM) allows exactly the documented changes.
#include <gtest/gtest.h>

#include "runtime/lifecycle.hpp"

using namespace vflow::runtime;

TEST(Lifecycle, AllowsExactlyTheDocumentedChanges) {
  using L = lifecycle;
  using E = lifecycle_event;
  const struct {
    L from;
    E event;
    std::optional<L> to;
  } table[] = {
      {L::active, E::complete, L::completed},   {L::active, E::suspend, L::suspended},
      {L::active, E::cancel, L::cancelled},     {L::active, E::resume, std::nullopt},
      {L::suspended, E::resume, L::active},     {L::suspended, E::cancel, L::cancelled},
      {L::suspended, E::suspend, std::nullopt}, {L::suspended, E::complete, std::nullopt},
      {L::completed, E::resume, std::nullopt},  {L::completed, E::cancel, std::nullopt},
      {L::completed, E::suspend, std::nullopt}, {L::cancelled, E::resume, std::nullopt},
      {L::cancelled, E::cancel, std::nullopt},  {L::cancelled, E::complete, std::nullopt},
  };
  for (const auto& row : table) {
    EXPECT_EQ(next_lifecycle(row.from, row.event), row.to)
        << to_string(row.from) << " + " << to_string(row.event);
  }
}

TEST(Lifecycle, NamesRoundTrip) {
  for (const lifecycle l :
       {lifecycle::active, lifecycle::suspended, lifecycle::completed, lifecycle::cancelled}) {
    EXPECT_EQ(parse_lifecycle(to_string(l)), l);
  }
  EXPECT_FALSE(parse_lifecycle("paused"));
}
