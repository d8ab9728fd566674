// "Did you mean" suggestions.
#include <gtest/gtest.h>

#include "dsl/suggest.hpp"

using namespace vflow::dsl;

TEST(Suggest, EditDistanceCountsSwapsAsOneEdit) {
  EXPECT_EQ(edit_distance("Resolved", "Resloved"), 1u);
  EXPECT_EQ(edit_distance("assign", "asign"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abc", "abc"), 0u);
}

TEST(Suggest, OnlyCloseNamesAreSuggested) {
  const std::vector<std::string_view> states{"New", "Resolved", "Closed"};
  EXPECT_EQ(did_you_mean("Resloved", states), "did you mean 'Resolved'?");
  EXPECT_EQ(did_you_mean("closed", states), "did you mean 'Closed'?");
  EXPECT_EQ(did_you_mean("Escalated", states), "");
  EXPECT_EQ(did_you_mean("X", states), "");
}
