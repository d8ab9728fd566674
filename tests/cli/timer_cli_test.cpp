// Durable timers through the CLI: not fired early, fired once, cancelled on exit, fired after a
// gap with both its due and firing times journaled, held while suspended.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/cli/cli_util.hpp"

namespace {

class TimerCli : public vflow::test::cli_fixture {
 protected:
  void SetUp() override {
    ASSERT_EQ(vflow("deploy " + src("workflows")).exit_code, 0);
    ASSERT_EQ(
        vflow("start Incident --id P1 service=mail priority=1 --at 2026-11-26T08:00:00Z").exit_code,
        0);
  }
};

TEST_F(TimerCli, StatusShowsThePendingTimer) {
  const auto j = vflow_json("status P1");
  ASSERT_EQ(j["timers"].size(), 1u);
  EXPECT_EQ(j["timers"][0]["state"], "New");
  EXPECT_EQ(j["timers"][0]["after"], "response_time");
  EXPECT_EQ(j["timers"][0]["due"], "2026-11-26T08:15:00Z");
}

TEST_F(TimerCli, NotFiredEarlyThenFiredOnceAfterAGap) {
  const std::string before = dump();
  auto r = vflow("tick --now 2026-11-26T08:14:59Z");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "tick at 2026-11-26T08:14:59Z: 0 timers\n");
  EXPECT_EQ(dump(), before);
  // Nothing ran between 08:15 and 09:40: the timer fires at the next tick, late, once.
  r = vflow("tick --now 2026-11-26T09:40:00Z");
  EXPECT_EQ(r.out,
            "P1: after response_time in New (line 49), due 2026-11-26T08:15:00Z, fired "
            "2026-11-26T09:40:00Z: New -> Escalated\n"
            "tick at 2026-11-26T09:40:00Z: 1 timer\n");
  EXPECT_EQ(vflow("tick --now 2026-11-26T09:41:00Z").out,
            "tick at 2026-11-26T09:41:00Z: 0 timers\n");
  const auto history = vflow_json("history P1");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[1]["kind"], "timer");
  EXPECT_EQ(history[1]["at"], "2026-11-26T09:40:00Z");
  EXPECT_EQ(history[1]["detail"]["timer"]["due"], "2026-11-26T08:15:00Z");
  EXPECT_EQ(vflow_json("status P1")["data"]["escalated_at"], "2026-11-26T09:40:00Z");
  EXPECT_EQ(vflow("verify P1").exit_code, 0);
}

TEST_F(TimerCli, LeavingTheStateCancelsTheTimer) {
  ASSERT_EQ(vflow("fire P1 assign user=ada --at 2026-11-26T08:05:00Z").exit_code, 0);
  EXPECT_TRUE(vflow_json("status P1")["timers"].empty());
  EXPECT_EQ(vflow("tick --now 2026-11-26T10:00:00Z").out,
            "tick at 2026-11-26T10:00:00Z: 0 timers\n");
  EXPECT_EQ(vflow_json("status P1")["state"], nlohmann::json::array({"Assigned"}));
}

TEST_F(TimerCli, AFalseGuardLapsesOnceAndIsJournaled) {
  ASSERT_EQ(
      vflow("start Incident --id P4 service=web priority=4 --at 2026-11-26T08:00:00Z").exit_code,
      0);
  const auto r = vflow("tick --now 2026-11-26T08:30:00Z");
  EXPECT_NE(r.out.find("P1: after response_time"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("P4: after response_time in New (line 49), due 2026-11-26T08:15:00Z, fired "
                       "2026-11-26T08:30:00Z: lapsed"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(vflow_json("status P4")["state"], nlohmann::json::array({"New"}));
  EXPECT_TRUE(vflow_json("status P4")["timers"].empty());
  EXPECT_NE(vflow("explain P4").out.find("timer after response_time in New"), std::string::npos);
  EXPECT_EQ(vflow("verify P4").exit_code, 0);
}

TEST_F(TimerCli, SuspendedInstancesWaitUntilResumed) {
  ASSERT_EQ(vflow("suspend P1 --at 2026-11-26T08:01:00Z").exit_code, 0);
  EXPECT_EQ(vflow("tick --now 2026-11-26T09:00:00Z").out,
            "tick at 2026-11-26T09:00:00Z: 0 timers\n");
  ASSERT_EQ(vflow("resume P1 --at 2026-11-26T09:30:00Z").exit_code, 0);
  EXPECT_NE(vflow("tick --now 2026-11-26T09:31:00Z").out.find("New -> Escalated"),
            std::string::npos);
}

TEST_F(TimerCli, TickJson) {
  const auto j = vflow_json("tick --now 2026-11-26T08:20:00Z");
  EXPECT_EQ(j["format_version"], 1);
  ASSERT_EQ(j["fired"].size(), 1u);
  EXPECT_EQ(j["fired"][0]["instance"], "P1");
  EXPECT_EQ(j["fired"][0]["outcome"], "taken");
  EXPECT_EQ(vflow("tick --now yesterday").exit_code, 2);
}

}  // namespace

namespace {

// An event after an overdue timer: the timer fires first, at the event's time and journaled with
// its due time, so the breach is not lost for want of a tick; then the event applies to the
// state the timer left.
TEST_F(TimerCli, ATimerDueBeforeAnEventFiresFirst) {
  const auto r = vflow("fire P1 assign user=ada --at 2026-11-26T09:00:00Z");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto h = vflow_json("history P1");
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[1]["kind"], "timer");
  EXPECT_EQ(h[1]["detail"]["timer"]["due"], "2026-11-26T08:15:00Z");
  EXPECT_EQ(h[1]["at"], "2026-11-26T09:00:00Z");
  EXPECT_EQ(h[1]["to"], nlohmann::json::array({"Escalated"}));
  EXPECT_EQ(h[2]["event"], "assign");
  EXPECT_EQ(h[2]["from"], nlohmann::json::array({"Escalated"}));
  EXPECT_EQ(h[2]["to"], nlohmann::json::array({"Assigned"}));
  EXPECT_EQ(vflow("verify P1").exit_code, 0);
  // Not due yet: nothing fires first.
  ASSERT_EQ(
      vflow("start Incident --id P2 service=mail priority=1 --at 2026-11-26T08:00:00Z").exit_code,
      0);
  ASSERT_EQ(vflow("fire P2 assign user=ada --at 2026-11-26T08:10:00Z").exit_code, 0);
  EXPECT_EQ(vflow_json("history P2").size(), 2u);
}

// Events are applied in time order: one dated before the instance's last record is refused with
// the store unchanged, unless the workflow accepts late events.
TEST_F(TimerCli, ALateEventIsRefusedUnlessTheWorkflowAcceptsIt) {
  ASSERT_EQ(vflow("fire P1 assign user=ada --at 2026-11-26T08:10:00Z").exit_code, 0);
  const std::string before = dump();
  const auto r = vflow("fire P1 start_work --at 2026-11-26T08:05:00Z");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("the event's time 2026-11-26T08:05:00Z is before the last record of 'P1' "
                       "(2026-11-26T08:10:00Z): events are applied in time order"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(dump(), before);
  const std::string flow = (dir / "late.flow").string();
  std::ofstream(flow) << "stream D2C\nworkflow Meter {\n  accept late events\n"
                         "  data { n: int = 0 }\n  event reading\n"
                         "  initial state On { on reading { n = n + 1 } }\n}\n";
  ASSERT_EQ(vflow("deploy '" + flow + "'").exit_code, 0);
  ASSERT_EQ(vflow("start Meter --id M1 --at 2026-11-26T08:10:00Z").exit_code, 0);
  EXPECT_EQ(vflow("fire M1 reading --at 2026-11-26T08:05:00Z").exit_code, 0);
  EXPECT_EQ(vflow_json("status M1")["data"]["n"], 1);
}

}  // namespace

namespace {

// A dry run and a gate answer for the instance as it will be when the event comes: the timers
// due by then are fired in memory, and nothing of them is written.
TEST_F(TimerCli, DryRunsAndGatesSeeTheTimersDueByThen) {
  const std::string before = dump();
  const auto dry = vflow_json("fire P1 assign user=ada --at 2026-11-26T09:00:00Z --dry-run");
  EXPECT_EQ(dry["status"], "ok");
  EXPECT_EQ(dry["record"]["from"], nlohmann::json::array({"Escalated"}));
  EXPECT_EQ(dump(), before);
  EXPECT_EQ(vflow("gate P1 --in Escalated --at 2026-11-26T09:00:00Z").exit_code, 0);
  EXPECT_EQ(vflow("gate P1 --in New --at 2026-11-26T08:10:00Z").exit_code, 0);
  const auto h = vflow_json("history P1");
  ASSERT_EQ(h.size(), 3u);  // start and the two gate records: no timer record
  EXPECT_EQ(h[1]["kind"], "gate");
  EXPECT_EQ(vflow_json("status P1")["state"], nlohmann::json::array({"New"}));
  // Lifecycle changes are in time order too.
  const auto r = vflow("suspend P1 --at 2026-11-26T07:00:00Z");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("the time 2026-11-26T07:00:00Z is before the last record of 'P1'"),
            std::string::npos)
      << r.out;
}

}  // namespace
