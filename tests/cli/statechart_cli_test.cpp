// Persist and restore: a statechart stepped one process per event (state loaded from and saved
// to the store each time) ends exactly where the same steps in one process end.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/step.hpp"
#include "tests/cli/cli_util.hpp"
#include "tests/engine/machine_util.hpp"

namespace {

using nlohmann::json;

class StatechartCli : public vflow::test::cli_fixture {};

// The configuration and data of an in-memory instance, in the CLI's JSON shapes.
std::pair<json, json> in_memory(const std::string& file, const std::vector<std::string>& events) {
  const auto m = vflow::test::compile_machine(vflow::test::read_file(file));
  auto s = vflow::engine::initial_state(m, vflow::engine::initial_data(m));
  vflow::engine::step_result r;
  vflow::engine::start(m, s, vflow::engine::value::null(), 0, r);
  for (const auto& e : events) vflow::engine::step(m, s, vflow::test::call(m, e));
  json configuration = json::array();
  for (const auto id : s.configuration) configuration.push_back(m.state(id).name);
  json data = json::object();
  for (std::size_t i = 0; i < m.fields.size(); ++i) data[m.fields[i].name] = s.data[i].as_int();
  return {configuration, data};
}

TEST_F(StatechartCli, SteppingAcrossProcessesEqualsSteppingInOne) {
  const std::string file = src("tests/flows/valid/release.flow");
  const std::vector<std::vector<std::string>> scripts{
      {"start", "sec_ok", "cab_ok"},
      {"start", "cab_ok", "sec_ok", "fix", "pause", "resume", "ship"},
      {"start", "sec_ok", "cab_ok", "pause", "resume", "fix", "pause", "resume"},
      {"start", "ship", "sec_ok", "fix"},  // some events are not enabled: rejected, no effect
  };
  ASSERT_EQ(vflow("deploy " + file).exit_code, 0);
  for (std::size_t k = 0; k < scripts.size(); ++k) {
    const std::string id = "R-" + std::to_string(k);
    ASSERT_EQ(vflow("start Release --id " + id).exit_code, 0);
    for (const auto& e : scripts[k]) vflow("fire " + id + " " + e);
    const json status = vflow_json("status " + id);
    const auto [configuration, data] = in_memory(file, scripts[k]);
    EXPECT_EQ(status["configuration"], configuration) << id;
    EXPECT_EQ(status["data"], data) << id;
    EXPECT_EQ(vflow("verify " + id).exit_code, 0) << id;
  }
}

TEST_F(StatechartCli, TheReleaseExampleThroughTheCli) {
  ASSERT_EQ(vflow("deploy " + src("tests/flows/valid/release.flow")).exit_code, 0);
  ASSERT_EQ(vflow("start Release --id R --at 2026-11-26T08:00:00Z").exit_code, 0);
  ASSERT_EQ(vflow("fire R start --at 2026-11-26T08:01:00Z").exit_code, 0);
  json s = vflow_json("status R");
  EXPECT_EQ(s["state"], json::array({"SecPending", "CabPending"}));
  vflow("fire R sec_ok --at 2026-11-26T08:02:00Z");
  EXPECT_EQ(vflow_json("status R")["configuration"],
            json::array({"Approvals", "Security", "SecDone", "Cab", "CabPending"}));
  vflow("fire R cab_ok --at 2026-11-26T08:03:00Z");
  s = vflow_json("status R");
  EXPECT_EQ(s["configuration"], json::array({"Building", "Compile"}));
  EXPECT_EQ(s["data"]["entered"], 1);  // the entry action ran once
  vflow("fire R fix --at 2026-11-26T08:04:00Z");
  vflow("fire R pause --at 2026-11-26T09:00:00Z");
  EXPECT_EQ(vflow_json("status R")["history"]["Resume"], json::array({"Test"}));
  // Paused for one hour: nothing happens; resumed through history into Test.
  EXPECT_EQ(vflow("tick --now 2026-11-26T10:00:00Z").out,
            "tick at 2026-11-26T10:00:00Z: 0 timers\n");
  vflow("fire R resume --at 2026-11-26T10:00:00Z");
  EXPECT_EQ(vflow_json("status R")["state"], json::array({"Test"}));
  // Paused again for more than two hours: abandoned by the tick.
  vflow("fire R pause --at 2026-11-26T10:05:00Z");
  EXPECT_NE(vflow("tick --now 2026-11-26T12:06:00Z").out.find("Paused -> Abandoned"),
            std::string::npos);
  s = vflow_json("status R");
  EXPECT_EQ(s["state"], json::array({"Abandoned"}));
  EXPECT_EQ(s["lifecycle"], "completed");
  EXPECT_EQ(vflow("verify R").exit_code, 0);
}

TEST_F(StatechartCli, InitialTargetsAtAnyDepthThroughTheCli) {
  ASSERT_EQ(vflow("deploy " + src("tests/flows/valid/initial_targets.flow")).exit_code, 0);
  ASSERT_EQ(vflow("start Rollout --id R").exit_code, 0);
  EXPECT_EQ(vflow_json("status R")["configuration"], json::array({"Staging", "Smoke"}));
  ASSERT_EQ(vflow("fire R go").exit_code, 0);
  EXPECT_EQ(vflow_json("status R")["configuration"],
            json::array({"Regions", "Waves", "Us", "UsCanary", "Eu", "EuWait"}));
  ASSERT_EQ(vflow("fire R reset").exit_code, 0);  // Staging's own default, not Smoke
  EXPECT_EQ(vflow_json("status R")["configuration"], json::array({"Staging", "Build"}));
  EXPECT_EQ(vflow("verify R").exit_code, 0);
}

// `log EXPR` journals the value with the record of the step that ran it, in entry blocks and
// transitions alike; a field may still be called `log`.
TEST_F(StatechartCli, LogIsJournaledWithTheStep) {
  const auto file = dir / "log.flow";
  std::ofstream(file) << "stream D2C\nworkflow Logged {\n  data {\n    log: int = 0\n  }\n"
                         "  event go\n  state A {\n    entry {\n      log \"entered A\"\n    }\n"
                         "    on go -> B { log = log + 1; log \"left with \" + \"A\" }\n  }\n"
                         "  final state B\n}\n";
  ASSERT_EQ(vflow("deploy " + file.string()).exit_code, 0);
  ASSERT_EQ(vflow("start Logged --id L").exit_code, 0);
  ASSERT_EQ(vflow("fire L go").exit_code, 0);
  EXPECT_EQ(vflow_json("status L")["data"]["log"], 1);
  const json records = vflow_json("history L");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["detail"]["effects"],
            json::parse(R"([{"kind": "log", "line": 9, "value": "entered A"}])"));
  EXPECT_EQ(records[1]["detail"]["effects"],
            json::parse(R"([{"kind": "log", "line": 11, "value": "left with A"}])"));
  const std::string text = vflow("history L").out;
  EXPECT_NE(text.find("      log \"entered A\" (line 9)\n"), std::string::npos) << text;
  EXPECT_EQ(vflow("verify L").exit_code, 0);
}

// `if / elif / else`: the first branch whose condition holds runs, in entry blocks (nested too)
// and in a transition's block, where the statements after the `if` run after it.
TEST_F(StatechartCli, IfElifElseRunsTheFirstBranchThatHolds) {
  ASSERT_EQ(vflow("deploy " + src("tests/flows/valid/branches.flow")).exit_code, 0);
  ASSERT_EQ(vflow("start Branchy --id B").exit_code, 0);
  json s = vflow_json("status B");
  EXPECT_EQ(s["data"], json::parse(R"({"n": 1, "tag": "one"})"));
  ASSERT_EQ(vflow("fire B go k=20").exit_code, 0);  // (1 + 20) * 2, the first branch
  EXPECT_EQ(vflow_json("status B")["data"], json::parse(R"({"n": 42, "tag": "big"})"));
  ASSERT_EQ(vflow("fire B back").exit_code, 0);  // entry: n = 43 > 2 raises back: B again
  s = vflow_json("status B");
  EXPECT_EQ(s["configuration"], json::array({"B"}));
  EXPECT_EQ(s["data"], json::parse(R"({"n": 43, "tag": "many"})"));
  const json records = vflow_json("history B");
  EXPECT_EQ(records[0]["detail"]["effects"][0]["value"], "first");  // the nested if
  EXPECT_EQ(vflow("verify B").exit_code, 0);
}

// `send E after D [as NAME]` is delivered by a tick whatever state the instance is in then;
// `cancel NAME` drops it; status shows what is pending, and verify replays the deliveries.
TEST_F(StatechartCli, DelayedSendsAreDeliveredByTickUnlessCancelled) {
  const auto file = dir / "reminders.flow";
  std::ofstream(file) << "stream R2F\nworkflow Order {\n  data {\n    n: int = 0\n  }\n"
                         "  event remind(k: int)\n  event escalate\n  event paid\n"
                         "  initial state Open {\n    entry {\n      send remind(1) after 1h\n"
                         "      send escalate after 2h as boss\n    }\n"
                         "    on paid -> Paid { cancel boss }\n    on remind -> Open internal\n"
                         "    on escalate -> Escalated\n  }\n"
                         "  state Paid {\n    on remind -> Paid { n = n + event.k }\n  }\n"
                         "  final state Escalated\n}\n";
  ASSERT_EQ(vflow("deploy " + file.string()).exit_code, 0) << vflow("check " + file.string()).out;
  ASSERT_EQ(vflow("start Order --id O --at 2026-12-01T08:00:00Z").exit_code, 0);
  json s = vflow_json("status O");
  ASSERT_EQ(s["sends"].size(), 2u);
  EXPECT_EQ(s["sends"][1], json::parse(R"({"event": "escalate", "name": "boss",
                                          "due": "2026-12-01T10:00:00Z"})"));
  ASSERT_EQ(vflow("fire O paid --at 2026-12-01T08:30:00Z").exit_code, 0);  // cancels boss
  s = vflow_json("status O");
  ASSERT_EQ(s["sends"].size(), 1u);
  EXPECT_EQ(s["sends"][0]["event"], "remind");
  const std::string tick = vflow("tick --now 2026-12-01T12:00:00Z").out;
  EXPECT_NE(tick.find("O: remind, sent with a delay, due 2026-12-01T09:00:00Z, delivered "
                      "2026-12-01T12:00:00Z: Paid -> Paid"),
            std::string::npos)
      << tick;
  s = vflow_json("status O");
  EXPECT_EQ(s["state"], json::array({"Paid"}));  // not Escalated: the send was cancelled
  EXPECT_EQ(s["data"]["n"], 1);                  // delivered to Paid, with its parameter
  EXPECT_TRUE(s["sends"].empty());
  EXPECT_EQ(vflow("verify O").exit_code, 0);
}

// The block of `history H -> T { ... }` runs when the default is taken (the history has no
// memory), after the parent's entry; `initial -> A { ... }` runs when its state is entered by
// default, and not when a history restores it.
TEST_F(StatechartCli, DefaultBlocksRunWhenTheirDefaultIsTaken) {
  ASSERT_EQ(vflow("deploy " + src("tests/flows/valid/default_blocks.flow")).exit_code, 0);
  ASSERT_EQ(vflow("start Review --id V").exit_code, 0);
  for (const char* e : {"resume", "pause", "resume", "pause", "restart"}) {
    ASSERT_EQ(vflow(std::string("fire V ") + e).exit_code, 0) << e;
  }
  const json s = vflow_json("status V");
  EXPECT_EQ(s["configuration"], json::array({"Reviewing", "Reading"}));
  // Entered three times; the history's default taken once (the first resume).
  EXPECT_EQ(s["data"], json::parse(R"({"rounds": 3, "defaults": 1})"));
  const json records = vflow_json("history V");
  ASSERT_EQ(records.size(), 6u);
  EXPECT_FALSE(records[1]["detail"].contains("effects"));  // through the history: no log
  EXPECT_EQ(records[5]["detail"]["effects"][0]["value"], "review round started");  // restart
  EXPECT_EQ(vflow("verify V").exit_code, 0);
}

// A pending send in a database someone altered (its due time gone) is a store error (exit 3)
// naming the cause, and nothing is written; it is never delivered at a guessed time.
TEST_F(StatechartCli, AnAlteredPendingSendIsAStoreError) {
  const auto file = dir / "nudge.flow";
  std::ofstream(file) << "stream R2F\nworkflow Nudge {\n  event ping\n"
                         "  initial state A {\n    entry {\n      send ping after 1h\n    }\n"
                         "    on ping -> B\n  }\n  state B\n}\n";
  ASSERT_EQ(vflow("deploy " + file.string()).exit_code, 0);
  ASSERT_EQ(vflow("start Nudge --id N --at 2026-12-01T08:00:00Z").exit_code, 0);
  vflow::test::shell(
      "sqlite3 '" + db() +
      "' \"UPDATE instances SET memory = json_remove(memory, '$.sends[0].due_ms')\"");
  const std::string before = dump();
  for (const char* command : {"status N", "tick --now 2026-12-01T10:00:00Z", "fire N ping"}) {
    const auto r = vflow(command);
    EXPECT_EQ(r.exit_code, 3) << command << "\n" << r.out;
    EXPECT_NE(r.out.find("the database holds a record this vflow cannot read (malformed JSON)"),
              std::string::npos)
        << command << "\n"
        << r.out;
  }
  EXPECT_EQ(dump(), before);
}

}  // namespace
