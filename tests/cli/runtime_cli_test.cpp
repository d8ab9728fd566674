// The runtime commands driven as CI would: the real binary, a temporary database, exit codes,
// JSON shapes, and a store left exactly as it was after every kind of failure.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_util.hpp"

namespace {

using json = nlohmann::json;
using vflow::test::run_vflow;
using vflow::test::shell;

class RuntimeCli : public vflow::test::cli_fixture {
 protected:
  void SetUp() override {
    ASSERT_EQ(vflow("deploy " + src("workflows")).exit_code, 0);
    const auto r = vflow(
        "start Incident --id INC-1 service=mail priority=2 response_time=10000d --actor alice "
        "--at 2026-11-26T08:00:00Z");
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
};

TEST_F(RuntimeCli, FireTakenPrintsTheNewState) {
  const auto r = vflow("fire INC-1 assign user=ada --actor bob");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "fire INC-1: Assigned (active, seq 2)\n");
}

TEST_F(RuntimeCli, StatusJsonHasTheDocumentedShape) {
  const json s = vflow_json("status INC-1");
  EXPECT_EQ(s["format_version"], 1);
  EXPECT_EQ(s["id"], "INC-1");
  EXPECT_EQ(s["workflow"], "Incident");
  EXPECT_EQ(s["version"], 1);
  EXPECT_EQ(s["state"], json::array({"New"}));
  EXPECT_EQ(s["lifecycle"], "active");
  EXPECT_EQ(s["seq"], 1);
  EXPECT_EQ(s["data"]["priority"], 2);
  EXPECT_EQ(s["data"]["service"], "mail");
  EXPECT_TRUE(s["data"]["assignee"].is_null());
}

TEST_F(RuntimeCli, HistoryJsonListsRecordsWithTheDocumentedKeys) {
  vflow("fire INC-1 assign user=ada --actor bob --event-id job-1 --at 2026-11-26T08:05:00Z");
  vflow("fire INC-1 close --actor eve --at 2026-11-26T08:06:00Z");
  const json h = vflow_json("history INC-1");
  ASSERT_TRUE(h.is_array());
  ASSERT_EQ(h.size(), 3u);
  for (const char* key :
       {"seq", "event", "outcome", "reason", "from", "to", "actor", "event_id", "at", "changes"}) {
    EXPECT_TRUE(h[1].contains(key)) << key;
  }
  EXPECT_EQ(h[1]["event"], "assign");
  EXPECT_EQ(h[1]["outcome"], "taken");
  EXPECT_EQ(h[1]["from"], json::array({"New"}));
  EXPECT_EQ(h[1]["to"], json::array({"Assigned"}));
  EXPECT_EQ(h[1]["event_id"], "job-1");
  EXPECT_EQ(h[1]["at"], "2026-11-26T08:05:00Z");
  EXPECT_EQ(h[1]["changes"], json::parse(R"([{"field":"assignee","before":null,"after":"ada"}])"));
  EXPECT_EQ(h[2]["outcome"], "rejected");
  EXPECT_EQ(h[2]["reason"], "event 'close' is not enabled in state Assigned");
  EXPECT_EQ(h[2]["actor"], "eve");
}

TEST_F(RuntimeCli, RejectedEventExitsOneAndIsJournaled) {
  const auto r = vflow("fire INC-1 close --actor eve");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "vflow fire: rejected: event 'close' is not enabled in state New\n");
  EXPECT_EQ(vflow_json("history INC-1").size(), 2u);
}

TEST_F(RuntimeCli, DuplicateEventIdWritesNothing) {
  ASSERT_EQ(vflow("fire INC-1 assign user=ada --event-id ci-42").exit_code, 0);
  const std::string before = dump();
  const auto again = vflow("fire INC-1 assign user=ada --event-id ci-42");
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("duplicate event id"), std::string::npos) << again.out;
  EXPECT_EQ(dump(), before);
  const json j = vflow_json("fire INC-1 assign user=ada --event-id ci-42");
  EXPECT_EQ(j["duplicate"], true);
  EXPECT_EQ(j["record"]["seq"], 2);
}

TEST_F(RuntimeCli, FailuresOfInputExitOneAndWriteNothing) {
  std::string before = dump();
  const struct {
    const char* args;
    const char* message;
  } cases[] = {
      {"fire INC-1 assign user=ada --expect-seq 7",
       "vflow fire: conflict: instance 'INC-1' is at seq 1, not the expected 7\n"},
      {"fire INC-1 assign usr=ada",
       "vflow fire: invalid: event 'assign' has no parameter 'usr'; did you mean 'user'?\n"},
      {"fire INC-1 reprioritize priority=high",
       "vflow fire: invalid: parameter 'priority' of event 'reprioritize' must be int, got "
       "'high'\n"},
      {"fire INC-1 asign user=ada",
       "vflow fire: invalid: unknown event 'asign' of workflow Incident; did you mean 'assign'?\n"},
      {"fire INC-2 assign user=ada", "vflow fire: not_found: unknown instance 'INC-2'\n"},
      {"start Incident --id INC-9 priority=1",
       "vflow start: invalid: missing required field 'service' (string)\n"},
      {"start Incident --id INC-9 service=x priority=one",
       "vflow start: invalid: field 'priority' must be int, got 'one'\n"},
      {"start Incident --id INC-1 service=x",
       "vflow start: conflict: instance 'INC-1' already exists\n"},
      {"start Nope",
       "vflow start: not_found: unknown workflow 'Nope' (deploy it first: vflow deploy FILE)\n"},
      {"status INC-2", "vflow status: unknown instance 'INC-2'\n"},
      {"history INC-2", "vflow history: unknown instance 'INC-2'\n"},
      {"suspend INC-2", "vflow suspend: not_found: unknown instance 'INC-2'\n"},
      {"resume INC-1", "vflow resume: rejected: cannot resume instance 'INC-1': it is active\n"},
      {"verify INC-2", "vflow verify: unknown instance 'INC-2'\n"},
      {"deploy " VFLOW_SOURCE_DIR "/tests/flows/invalid/unknown_state.flow", nullptr},
  };
  for (const auto& c : cases) {
    const auto r = vflow(c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args << "\n" << r.out;
    if (c.message) {
      EXPECT_EQ(r.out, c.message) << c.args;
    }
    // A rejected lifecycle change is journaled; everything else leaves the store untouched.
    if (std::string(c.args).rfind("resume", 0) != 0) {
      EXPECT_EQ(dump(), before) << c.args;
    } else {
      before = dump();
    }
  }
}

TEST_F(RuntimeCli, UsageErrorsExitTwoAndWriteNothing) {
  const std::string before = dump();
  for (const char* args : {"fire INC-1 assign user", "fire INC-1 assign user=ada --at yesterday",
                           "fire INC-1", "start", "fire INC-1 close --expect-seq x",
                           "list --lifecycle paused", "status", "deploy /no/such/dir"}) {
    EXPECT_EQ(vflow(args).exit_code, 2) << args;
  }
  EXPECT_EQ(dump(), before);
}

TEST_F(RuntimeCli, IncidentResumesWhereItWasPutOnHold) {
  for (const char* args : {"fire INC-1 assign user=ada", "fire INC-1 start_work",
                           "fire INC-1 diagnose finding=disk-full"}) {
    ASSERT_EQ(vflow(args).exit_code, 0) << args;
  }
  EXPECT_EQ(vflow_json("status INC-1")["configuration"], json::array({"InProgress", "Fixing"}));
  ASSERT_EQ(vflow("fire INC-1 hold reason=vendor").exit_code, 0);
  EXPECT_EQ(vflow_json("status INC-1")["history"]["Resume"], json::array({"Fixing"}));
  ASSERT_EQ(vflow("fire INC-1 resume").exit_code, 0);
  EXPECT_EQ(vflow_json("status INC-1")["state"], json::array({"Fixing"}));  // not back to diagnosis
  ASSERT_EQ(vflow("fire INC-1 assign user=bob").exit_code, 0);              // reassigned in place
  EXPECT_EQ(vflow_json("status INC-1")["state"], json::array({"Fixing"}));
  EXPECT_EQ(vflow("verify INC-1").exit_code, 0);
}

TEST_F(RuntimeCli, LifecycleCommands) {
  EXPECT_EQ(vflow("suspend INC-1 --reason 'vendor outage' --actor carol").out,
            "suspend INC-1: New (suspended, seq 2)\n");
  EXPECT_EQ(vflow("fire INC-1 assign user=ada").out,
            "vflow fire: rejected: instance 'INC-1' is suspended, not active\n");
  EXPECT_EQ(vflow("resume INC-1").exit_code, 0);
  EXPECT_EQ(vflow("cancel INC-1 --reason duplicate").out, "cancel INC-1: New (cancelled, seq 5)\n");
  EXPECT_EQ(vflow("resume INC-1").exit_code, 1);
  const json h = vflow_json("history INC-1");
  EXPECT_EQ(h[1]["kind"], "lifecycle");
  EXPECT_EQ(h[1]["detail"]["reason"], "vendor outage");
  EXPECT_EQ(h[4]["lifecycle"], "cancelled");
}

TEST_F(RuntimeCli, ListFilters) {
  vflow("start Incident --id INC-2 service=web");
  vflow("fire INC-2 assign user=ada");
  EXPECT_EQ(vflow_json("list").size(), 2u);
  const json assigned = vflow_json("list --state Assigned");
  ASSERT_EQ(assigned.size(), 1u);
  EXPECT_EQ(assigned[0]["id"], "INC-2");
  EXPECT_EQ(vflow_json("list --workflow Incident --lifecycle active").size(), 2u);
  EXPECT_EQ(vflow_json("list --lifecycle completed").size(), 0u);
}

TEST_F(RuntimeCli, DeployTwiceIsANoOpAndAChangeIsANewVersion) {
  EXPECT_NE(vflow("deploy " + src("workflows")).out.find("unchanged  Incident v1"),
            std::string::npos);
  // A copy of the library, so that the changed file's imports resolve next to it.
  shell("cp -r '" + src("workflows") + "' '" + (dir / "wf").string() + "'");
  const std::string file = (dir / "wf" / "d2c" / "incident.flow").string();
  shell("sed -i 's/max_reopens: int = 3/max_reopens: int = 4/' '" + file + "'");
  EXPECT_NE(vflow("deploy " + file).out.find("deployed   Incident v2"), std::string::npos);
  EXPECT_EQ(vflow_json("status INC-1")["version"], 1);
}

TEST_F(RuntimeCli, FailedCommitLeavesNoPartialRecord) {
  // Make the journal append fail inside the transaction, after the instance row was updated.
  shell("sqlite3 '" + db() +
        "' \"CREATE TRIGGER inject BEFORE INSERT ON journal BEGIN SELECT RAISE(ABORT, 'injected "
        "failure'); END;\"");
  const std::string before = dump();
  const auto r = vflow("fire INC-1 assign user=ada");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("injected failure"), std::string::npos) << r.out;
  EXPECT_EQ(dump(), before);
  shell("sqlite3 '" + db() + "' 'DROP TRIGGER inject'");
  EXPECT_EQ(vflow("fire INC-1 assign user=ada").exit_code, 0);
  EXPECT_EQ(vflow_json("status INC-1")["seq"], 2);
  EXPECT_EQ(vflow("verify INC-1").exit_code, 0);
}

TEST_F(RuntimeCli, JournalCannotBeRewritten) {
  const std::string out =
      shell("sqlite3 '" + db() + "' \"UPDATE journal SET actor = 'mallory'\" 2>&1");
  EXPECT_NE(out.find("the journal is append-only"), std::string::npos) << out;
  EXPECT_EQ(vflow_json("history INC-1")[0]["actor"], "alice");
}

TEST_F(RuntimeCli, ReadOnlyDatabaseExitsThreeAndChangesNothing) {
  if (geteuid() == 0) {
    // root ignores file permissions; make the file immutable to the process instead.
    if (system(("chattr +i '" + db() + "' 2>/dev/null").c_str()) != 0)
      GTEST_SKIP() << "cannot make the file read-only as root";
  } else {
    shell("chmod 444 '" + db() + "'");
  }
  const std::string before = dump();
  const auto r = vflow("fire INC-1 assign user=ada");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("store error"), std::string::npos) << r.out;
  shell("chattr -i '" + db() + "' 2>/dev/null; chmod 644 '" + db() + "'");
  EXPECT_EQ(dump(), before);
}

TEST_F(RuntimeCli, LockedDatabaseExitsThreeAfterTheTimeout) {
  // Another process holds the write lock for two seconds.
  const std::string holder =
      "sqlite3 '" + db() +
      "' 'BEGIN EXCLUSIVE;' '.shell sleep 2' 'COMMIT;' >/dev/null 2>&1 & sleep 0.3";
  shell(holder);
  const auto r = vflow("--busy-timeout 100 fire INC-1 assign user=ada");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("locked"), std::string::npos) << r.out;
  shell("sleep 2");
  EXPECT_EQ(vflow_json("status INC-1")["seq"], 1);
  // With the default timeout the same command waits for the lock and succeeds.
  shell(holder);
  EXPECT_EQ(vflow("fire INC-1 assign user=ada").exit_code, 0);
}

TEST_F(RuntimeCli, MissingDatabaseIsAStoreErrorForReads) {
  const auto r = run_vflow("--db '" + (dir / "absent.db").string() + "' status INC-1");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "vflow: store error: no vflow database at " + (dir / "absent.db").string() +
                       "; run `vflow deploy` to create one\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "absent.db"));
}

TEST_F(RuntimeCli, NewerSchemaIsRefusedWithoutTouchingIt) {
  shell("sqlite3 '" + db() + "' 'PRAGMA user_version = 99'");
  const std::string before = dump();
  const auto r = vflow("fire INC-1 assign user=ada");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("has schema version 99, newer than this vflow (9)"), std::string::npos)
      << r.out;
  EXPECT_EQ(dump(), before);
}

TEST_F(RuntimeCli, VerboseLogsGoToStderrOnly) {
  const auto quiet = vflow("-v fire INC-1 assign user=ada", false);
  EXPECT_EQ(quiet.out, "fire INC-1: Assigned (active, seq 2)\n");
  const auto both = vflow("-v fire INC-1 start_work");
  EXPECT_NE(both.out.find("debug: fire INC-1 start_work -> taken (seq 3)"), std::string::npos)
      << both.out;
}

TEST_F(RuntimeCli, ConcurrentFirstUseOfAFreshDatabase) {
  // Six CI jobs deploy at once into a database none of them has created yet: one creates and
  // migrates it, one stores each definition, and everyone succeeds.
  const std::string fresh = (dir / "fresh.db").string();
  const std::string out =
      shell("for i in 1 2 3 4 5 6; do (" + std::string(VFLOW_BINARY) + " --db '" + fresh +
            "' deploy '" + src("workflows") + "'; echo \"exit $?\") & done; wait");
  std::size_t exits = 0, deployed = 0;
  for (std::size_t at = out.find("exit 0"); at != std::string::npos;
       at = out.find("exit 0", at + 1))
    ++exits;
  for (std::size_t at = out.find("deployed   "); at != std::string::npos;
       at = out.find("deployed   ", at + 1)) {
    ++deployed;
  }
  EXPECT_EQ(exits, 6u) << out;
  EXPECT_EQ(deployed, 14u) << out;  // each shipped workflow, once
  EXPECT_EQ(
      shell("sqlite3 '" + fresh + "' 'SELECT count(*) FROM definitions; PRAGMA integrity_check'"),
      "14\nok\n");
}

TEST_F(RuntimeCli, EveryCommandRefusesAnUnknownInstanceAndWritesNothing) {
  const std::string before = dump();
  for (const char* args :
       {"gate NOPE --can close", "gate NOPE --in New", "explain NOPE", "fire NOPE close --dry-run",
        "graph --instance NOPE", "resume NOPE", "cancel NOPE"}) {
    const auto r = vflow(args);
    EXPECT_EQ(r.exit_code, 1) << args << "\n" << r.out;
    EXPECT_NE(r.out.find("unknown instance 'NOPE'"), std::string::npos) << args << "\n" << r.out;
  }
  EXPECT_EQ(dump(), before);
}

TEST_F(RuntimeCli, StoreFailuresExitThreeOnEveryWritingCommand) {
  // The write lock is held by another process until the flag file goes (however slowly the
  // commands run: under sanitizers on a loaded machine, five of them can take seconds).
  const std::string flag = (dir.path() / "hold").string();
  const std::string held = (dir.path() / "held").string();
  shell("touch '" + flag + "'; sqlite3 '" + db() + "' 'BEGIN EXCLUSIVE;' '.shell touch " + held +
        "; while [ -e " + flag + " ]; do sleep 0.05; done' 'COMMIT;' >/dev/null 2>&1 & " +
        "while [ ! -e " + held + " ]; do sleep 0.05; done");
  for (const char* args :
       {"deploy " VFLOW_SOURCE_DIR "/workflows", "start Incident --id X service=s",
        "gate INC-1 --can assign user=a", "tick --now 2100-01-01T00:00:00Z", "suspend INC-1"}) {
    const auto r = vflow(std::string("--busy-timeout 50 ") + args);
    EXPECT_EQ(r.exit_code, 3) << args << "\n" << r.out;
    EXPECT_NE(r.out.find("locked"), std::string::npos) << args << "\n" << r.out;
  }
  shell("rm '" + flag + "'; sleep 0.3");
  EXPECT_EQ(vflow_json("status INC-1")["seq"], 1);
}

TEST_F(RuntimeCli, DatabaseFromTheEnvironment) {
  // Without --db or VFLOW_DB the default is ./vflow.db, which does not exist here.
  const std::string missing = shell("cd '" + dir.path().string() + "' && env -u VFLOW_DB " +
                                    VFLOW_BINARY + " status INC-1 2>&1; echo \"exit $?\"");
  EXPECT_NE(missing.find("no vflow database at vflow.db"), std::string::npos) << missing;
  EXPECT_NE(missing.find("exit 3"), std::string::npos) << missing;
  const auto e = shell("VFLOW_DB='" + db() + "' " + VFLOW_BINARY + " status INC-1");
  EXPECT_NE(e.find("instance   INC-1"), std::string::npos) << e;
}

}  // namespace
