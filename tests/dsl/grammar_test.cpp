// The grammar has no rule that can loop forever without consuming input.
#include <gtest/gtest.h>

#include <tao/pegtl/contrib/analyze.hpp>

#include "dsl/grammar.hpp"

TEST(Grammar, AnalyzeFindsNoProblems) {
  EXPECT_EQ(tao::pegtl::analyze<vflow::dsl::grammar::file>(), 0u);
}
