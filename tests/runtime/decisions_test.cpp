// Decisions in memory (runtime/decisions.hpp): a loaded instance answers exactly as `gate --can`
// does — allowed, the first reason, every blocker, the denying policy — without writing, and
// stays as it was loaded however many questions it is asked.
#include "runtime/decisions.hpp"

#include <gtest/gtest.h>

#include "tests/runtime/runtime_util.hpp"

namespace {

using namespace vflow;
using runtime::status;

class Decisions : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(rt.deploy(test::library()).ok());
    ASSERT_EQ(rt.start({.workflow = "Change",
                        .id = "C-1",
                        .fields = {{"summary", "patch"}, {"requester", "alice"}},
                        .actor = "alice",
                        .at = 1000})
                  .status,
              status::ok);
    ASSERT_EQ(fire("submit", {}, "alice").status, status::ok);  // Approval: the peer's turn
  }

  runtime::step_outcome fire(const std::string& event, runtime::named_values params,
                             const std::string& actor) {
    return rt.fire({"C-1", event, std::move(params), actor, std::nullopt, std::nullopt, 2000});
  }

  // The gate's answer and the loaded instance's to the same question are the same.
  void expect_same(runtime::loaded_instance& loaded, const std::string& event,
                   const runtime::named_values& params, const std::string& actor) {
    const auto gate = rt.gate(
        {.id = "C-1", .can = event, .params = params, .actor = actor, .at = loaded.loaded_at()});
    std::string error;
    const auto q = loaded.ask(event, params, actor, error);
    if (gate.status == status::invalid) {
      EXPECT_FALSE(q) << event;
      EXPECT_EQ(error, gate.message) << event;
      return;
    }
    ASSERT_TRUE(q) << error;
    const runtime::answer& a = loaded.decide(*q);
    EXPECT_EQ(a.allowed, gate.status == status::ok) << event;
    EXPECT_EQ(a.message, gate.message) << event;
    EXPECT_EQ(a.blockers, gate.blockers) << event;
  }

  test::temp_dir dir;
  runtime::engine_runtime rt = runtime::engine_runtime::open((dir.path() / "v.db").string());
};

TEST_F(Decisions, AnswerAsTheGateDoesAndWriteNothing) {
  auto loaded = rt.load("C-1", 3000);
  ASSERT_TRUE(loaded);
  const auto before = loaded->state();
  expect_same(*loaded, "approve", {{"user", "bob"}}, "carol");    // allowed
  expect_same(*loaded, "approve", {{"user", "alice"}}, "bob");    // four eyes, one clause
  expect_same(*loaded, "approve", {{"user", "alice"}}, "alice");  // both clauses: 2 blockers
  expect_same(*loaded, "deploy", {}, "bob");                      // no transition in Approval
  expect_same(*loaded, "assess", {{"risk", "high"}}, "bob");      // a policy and the state
  expect_same(*loaded, "nope", {}, "bob");                        // unknown event
  expect_same(*loaded, "approve", {}, "bob");                     // a parameter missing
  expect_same(*loaded, "record_tests", {{"passed", "maybe"}, {"evidence", "x"}}, "bob");

  const auto records = rt.history("C-1")->size();  // with the gates' answers
  std::string error;
  const auto q = loaded->ask("approve", {{"user", "alice"}}, "bob", error);
  ASSERT_TRUE(q);
  for (int i = 0; i < 3; ++i) {  // asked again and again: the same answer, nothing moves
    const auto& a = loaded->decide(*q);
    EXPECT_FALSE(a.allowed);
    EXPECT_EQ(a.reason, engine::reject_reason::policy_denied);
    ASSERT_TRUE(a.denied_by);
    const auto& m = loaded->machine();
    EXPECT_EQ(m.policies[m.denies[*a.denied_by].policy].name, "four_eyes");
  }
  const auto yes = loaded->ask("approve", {{"user", "bob"}}, "carol", error);
  ASSERT_TRUE(yes);
  EXPECT_TRUE(loaded->decide(*yes).allowed);
  EXPECT_TRUE(loaded->decide(*yes).allowed);
  EXPECT_EQ(loaded->state(), before);
  EXPECT_EQ(rt.history("C-1")->size(), records);  // decide journals nothing
}

TEST_F(Decisions, GuardsOverLinksReadTheLinkedInstancesAsLoaded) {
  ASSERT_EQ(rt.start({.workflow = "Release", .id = "R-1", .fields = {{"version", "1.0"}}}).status,
            status::ok);
  const auto linked = rt.link({.id = "C-1", .link = "release", .other = "R-1", .at = 1500});
  ASSERT_EQ(linked.status, status::ok) << linked.message;
  ASSERT_EQ(fire("approve", {{"user", "bob"}}, "bob").status, status::ok);
  ASSERT_EQ(fire("record_tests", {{"passed", "true"}, {"evidence", "ci/1"}}, "bob").status,
            status::ok);
  ASSERT_EQ(fire("deploy", {}, "bob").status, status::ok);
  auto loaded = rt.load("C-1", 3000);
  ASSERT_TRUE(loaded);
  expect_same(*loaded, "complete", {}, "bob");  // the release is not deployed
  std::string error;
  const auto q = loaded->ask("complete", {}, "bob", error);
  ASSERT_TRUE(q);
  const auto& a = loaded->decide(*q);
  EXPECT_FALSE(a.allowed);
  EXPECT_EQ(a.message,
            "denied by policy release_first: A change that ships a release completes only once "
            "the release is deployed");
}

TEST_F(Decisions, ASnapshotDoesNotSeeLaterChangesAndAnInactiveInstanceTakesNothing) {
  auto loaded = rt.load("C-1", 3000);
  ASSERT_TRUE(loaded);
  ASSERT_EQ(rt.change_lifecycle({"C-1", runtime::lifecycle_event::suspend, {}, {}, 3000}).status,
            status::ok);
  std::string error;
  const auto q = loaded->ask("approve", {{"user", "bob"}}, "carol", error);
  ASSERT_TRUE(q);
  EXPECT_TRUE(loaded->decide(*q).allowed);  // as loaded, before the suspension
  auto again = rt.load("C-1", 4000);
  ASSERT_TRUE(again);
  const auto& a = again->decide(*q);
  EXPECT_FALSE(a.allowed);
  EXPECT_EQ(a.message, "instance 'C-1' is suspended, not active");
  expect_same(*again, "approve", {{"user", "bob"}}, "carol");
  EXPECT_FALSE(rt.load("NOPE"));
}

}  // namespace
