// `vflow query`: the auditor's questions of docs/audit.md, run as the page writes them on a
// scenario with answers worked out by hand; and the statements it must refuse.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/cli/cli_util.hpp"

namespace {

using vflow::test::shell;

class QueryCli : public vflow::test::cli_fixture {
 protected:
  void SetUp() override {
    ASSERT_EQ(vflow("deploy " + src("workflows")).exit_code, 0);
    for (const char* command : {
             // Incidents: I-1 (priority 1) is not picked up in 15 minutes and breaches its
             // response timer, resolved after 60 minutes; I-2 (priority 1) in 30; I-3
             // (priority 3) in 240, picked up before its timer.
             "start Incident --id I-1 service=mail priority=1 --at 2026-11-03T08:00:00Z",
             "start Incident --id I-3 service=web priority=3 --at 2026-11-03T08:00:00Z",
             "fire I-3 assign user=bo --at 2026-11-03T08:10:00Z",
             "tick --now 2026-11-03T08:30:00Z",
             "fire I-1 assign user=ada --at 2026-11-03T08:40:00Z",
             "fire I-1 start_work --at 2026-11-03T08:45:00Z",
             "fire I-1 resolve code=restarted --at 2026-11-03T09:00:00Z",
             "fire I-3 start_work --at 2026-11-03T09:00:00Z",
             "start Incident --id I-2 service=mail priority=1 --at 2026-11-03T10:00:00Z",
             "fire I-2 assign user=ada --at 2026-11-03T10:05:00Z",
             "fire I-2 start_work --at 2026-11-03T10:06:00Z",
             "fire I-2 resolve code=patched --at 2026-11-03T10:30:00Z",
             "fire I-3 resolve code=replaced --at 2026-11-03T12:00:00Z",
             // C-1 on the shipped Change: alice tries to approve her own change and to deploy
             // it untested (both refused), then it is deployed with evidence.
             "start Change --id C-1 summary=patch requester=alice --actor alice "
             "--at 2026-11-04T09:00:00Z",
             "fire C-1 assess risk=low --actor alice --at 2026-11-04T09:01:00Z",
             "fire C-1 submit --actor alice --at 2026-11-04T09:02:00Z",
             "fire C-1 approve user=alice --actor alice --at 2026-11-04T09:03:00Z",
             "fire C-1 approve user=bob --actor bob --at 2026-11-04T09:04:00Z",
             "fire C-1 deploy --actor alice --at 2026-11-04T09:05:00Z",
             "fire C-1 record_tests passed=true evidence=ci/1 --actor ci --at "
             "2026-11-04T09:06:00Z",
             "fire C-1 deploy --actor alice --at 2026-11-04T09:07:00Z",
         }) {
      const auto r = vflow(command);
      ASSERT_TRUE(r.exit_code == 0 || r.out.find("rejected") != std::string::npos)
          << command << ": " << r.out;
    }
    // A Change without the test_evidence policy is deployed (version 2): C-2 (November) and C-3
    // (December) are deployed untested.
    const std::string weak = (dir.path() / "weak").string();
    shell("cp -r '" + src("workflows") + "' '" + weak +
          "' && sed -i '/policy test_evidence/,+2d' '" + weak + "/d2c/change.flow'");
    ASSERT_EQ(vflow("deploy " + weak).exit_code, 0);
    for (const char* id : {"C-2", "C-3"}) {
      const std::string day = std::string(id) == "C-2" ? "2026-11-05" : "2026-12-01";
      for (const std::string& command :
           {"start Change --id " + std::string(id) + " summary=hotfix requester=dan --actor dan",
            std::string("fire ") + id + " assess risk=low --actor dan",
            std::string("fire ") + id + " submit --actor dan",
            std::string("fire ") + id + " approve user=bob --actor bob",
            std::string("fire ") + id + " deploy --actor carol"}) {
        ASSERT_EQ(vflow(command + " --at " + day + "T09:00:00Z").exit_code, 0) << command;
      }
    }
  }

  // The `vflow ...` commands of the ```sh blocks of docs/audit.md's questions, in order.
  static std::vector<std::string> documented_commands() {
    std::ifstream in(std::string(VFLOW_SOURCE_DIR) + "/docs/audit.md");
    std::stringstream text;
    text << in.rdbuf();
    const std::string doc = text.str();
    std::vector<std::string> out;
    auto at = doc.find("### The auditor's questions");
    while ((at = doc.find("```sh\n", at)) != std::string::npos) {
      const auto end = doc.find("```\n", at + 6);
      out.push_back(doc.substr(at + 6, end - at - 7));  // without its last newline
      at = end + 4;
    }
    return out;
  }

  // Runs a documented command as a shell would, with this database.
  std::string run_documented(const std::string& command) {
    const std::string bin = VFLOW_BINARY;
    return shell("cd '" + dir.path().string() + "' && PATH='" + bin.substr(0, bin.rfind('/')) +
                 "':\"$PATH\" VFLOW_DB='" + db() + "' " + command + " 2>&1");
  }
};

TEST_F(QueryCli, TheAuditorsQuestionsAreEachOneDocumentedCommand) {
  const auto commands = documented_commands();
  ASSERT_EQ(commands.size(), 4u);
  // Deployed untested last month: C-2 only (C-1 had a passing run first, C-3 is December's).
  EXPECT_EQ(run_documented(commands[0]),
            "instance  version  at                    actor\n"
            "C-2       2        2026-11-05T09:00:00Z  carol\n");
  // Every refused attempt by alice, with the policy that refused it.
  EXPECT_EQ(run_documented(commands[1]),
            "gseq  instance  event    at                    policy         reason\n"
            "17    C-1       approve  2026-11-04T09:03:00Z  four_eyes      denied by policy "
            "four_eyes: The requester may not approve their own change\n"
            "19    C-1       deploy   2026-11-04T09:05:00Z  test_evidence  denied by policy "
            "test_evidence: A change is deployed only with passing, recorded test evidence (no "
            "passing test run is recorded)\n");
  // Priority 1: (60 + 30) / 2 minutes; priority 3: 240.
  EXPECT_EQ(run_documented(commands[2]),
            "priority  incidents  mean_minutes\n"
            "1         2          45.0\n"
            "3         1          240.0\n");
  // Only I-1 breached: I-3's timer was cancelled when it was picked up, I-2 was picked up in time.
  EXPECT_EQ(run_documented(commands[3]),
            "instance  workflow  timer_state  timer_after    timer_due             at\n"
            "I-1       Incident  New          response_time  2026-11-03T08:15:00Z  "
            "2026-11-03T08:30:00Z\n");
}

TEST_F(QueryCli, OnlyOneSelectOverTheViewsIsRun) {
  const std::string before = dump();
  const std::string views =
      "vflow query: refused: a query may only read the views instances, journal, links, timers, "
      "definitions, notes (";
  const std::vector<std::pair<std::string, std::string>> refused{
      {"SELECT * FROM main.journal", views + "it reads table journal directly)\n"},
      {"SELECT name FROM sqlite_master", views + "it reads table sqlite_master directly)\n"},
      {"WITH c AS (SELECT * FROM main.instances) SELECT count(*) FROM c",
       views + "it reads table instances directly)\n"},
      {"PRAGMA user_version", views + "it is not a SELECT)\n"},
      {"ATTACH 'other.db' AS o", views + "it is not a SELECT)\n"},
      {"DELETE FROM journal", "vflow query: cannot modify journal because it is a view\n"},
      {"SELECT 1; DELETE FROM journal",
       "vflow query: give one statement (a second one starts at 'DELETE FROM journal')\n"},
      {"SELEC 1", "vflow query: near \"SELEC\": syntax error\n"},
      {"", "vflow query: the query is empty\n"},
  };
  for (const auto& [sql, message] : refused) {
    const auto r = vflow("query \"" + sql + "\"");
    EXPECT_EQ(r.exit_code, 1) << sql;
    EXPECT_EQ(r.out, message) << sql;
  }
  const auto slow = vflow(
      "query --timeout 200 \"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
      "SELECT count(*) FROM c\"");
  EXPECT_EQ(slow.exit_code, 1);
  EXPECT_EQ(slow.out,
            "vflow query: the query ran longer than 200 ms (raise it with --timeout MS)\n");
  EXPECT_EQ(dump(), before);
}

TEST_F(QueryCli, RowsAreCutAtTheLimitSayingSoAndPrintInEveryFormat) {
  auto r = vflow("query 'SELECT id FROM instances ORDER BY id' --limit 2");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "id\nC-1\nC-2\nvflow query: the first 2 rows are shown; more match (--limit N shows "
            "more, --limit 0 all)\n");
  EXPECT_EQ(
      vflow("query \"SELECT id, 'a,\\\"b\\\"' AS q, NULL AS n FROM instances WHERE id = 'C-1'\" "
            "--format csv")
          .out,
      "id,q,n\r\nC-1,\"a,\"\"b\"\"\",\r\n");
  EXPECT_EQ(vflow("query \"SELECT id, records, NULL AS n FROM instances WHERE id = 'I-1'\" "
                  "--format jsonl")
                .out,
            "{\"id\":\"I-1\",\"records\":5,\"n\":null}\n");
  const auto j = vflow_json(
      "query \"SELECT workflow, version, current FROM definitions WHERE "
      "workflow = 'Change' ORDER BY version\"");
  EXPECT_EQ(j["columns"], nlohmann::json::array({"workflow", "version", "current"}));
  EXPECT_EQ(j["rows"], nlohmann::json::parse(R"([{"workflow": "Change", "version": 1, "current": 0},
                                                 {"workflow": "Change", "version": 2, "current": 1}])"));
  EXPECT_EQ(j["cut"], false);
}

// `vflow find` on the same scenario.
TEST_F(QueryCli, FindSelectsInstancesByStateNowEverAndDuringARange) {
  const auto ids = [&](const std::string& args) {
    std::string out;
    const auto found = vflow_json("find " + args);
    for (const auto& v : found["instances"]) {
      out += (out.empty() ? "" : " ") + v["id"].get<std::string>();
    }
    return out;
  };
  EXPECT_EQ(ids("--workflow Incident --state Resolved"), "I-1 I-3 I-2");
  EXPECT_EQ(ids("--state Escalated --ever"), "I-1");
  // In New at some time from 08:20 to 09:00: I-1 until its timer fired at 08:30; I-3 had left
  // at 08:10 and I-2 came at 10:00.
  EXPECT_EQ(ids("--state New --during 2026-11-03T08:20:00Z..2026-11-03T09:00:00Z"), "I-1");
  EXPECT_EQ(ids("--workflow Change --version 2"), "C-2 C-3");
  EXPECT_EQ(ids("--stream D2C --since 2026-11-04 --until 2026-12-01"), "C-1 C-2");
  EXPECT_EQ(ids("--kind timer"), "I-1");
  EXPECT_EQ(ids("--actor carol --event deploy"), "C-2 C-3");
  EXPECT_EQ(ids("--lifecycle cancelled"), "");
}

TEST_F(QueryCli, FindRecordsAndAConditionOnTheData) {
  auto r = vflow("find --records --actor alice --outcome rejected");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "gseq  instance  seq  kind   event    actor  outcome   at                    reason\n"
            "17    C-1       4    event  approve  alice  rejected  2026-11-04T09:03:00Z  denied by "
            "policy four_eyes: The requester may not approve their own change\n"
            "19    C-1       6    event  deploy   alice  rejected  2026-11-04T09:05:00Z  denied by "
            "policy test_evidence: A change is deployed only with passing, recorded test evidence "
            "(no passing test run is recorded)\n");
  // The issue's example: changes without passing tests, on the .flow expression language.
  r = vflow("find --workflow Change --where 'risk == \"low\" and not tests_passed'");
  EXPECT_EQ(r.out,
            "id   workflow  version  state         lifecycle  created_at            updated_at\n"
            "C-2  Change    2        Implementing  active     2026-11-05T09:00:00Z  "
            "2026-11-05T09:00:00Z\n"
            "C-3  Change    2        Implementing  active     2026-12-01T09:00:00Z  "
            "2026-12-01T09:00:00Z\n");
  const auto j = vflow_json("find --records --kind timer --workflow Incident");
  ASSERT_EQ(j["records"].size(), 1u);
  EXPECT_EQ(j["records"][0]["instance"], "I-1");
  EXPECT_EQ(j["records"][0]["detail"]["timer"]["due"], "2026-11-03T08:15:00Z");
  EXPECT_EQ(j["next"], nullptr);
}

TEST_F(QueryCli, FindPagesAndNeverCutsSilently) {
  auto r = vflow("find --workflow Incident --limit 2 --format csv");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "id,workflow,version,state,lifecycle,created_at,updated_at\r\n"
            "I-1,Incident,1,Resolved,active,2026-11-03T08:00:00Z,2026-11-03T09:00:00Z\r\n"
            "I-3,Incident,1,Resolved,active,2026-11-03T08:00:00Z,2026-11-03T12:00:00Z\r\n"
            "vflow find: the first 2 instances are shown; more match (add --after I-3 for the next "
            "page, or --limit 0 for all)\n");
  EXPECT_EQ(vflow_json("find --workflow Incident --limit 2")["next"], "I-3");
  r = vflow("find --workflow Incident --limit 2 --after I-3 --format csv");
  EXPECT_EQ(r.out,
            "id,workflow,version,state,lifecycle,created_at,updated_at\r\n"
            "I-2,Incident,1,Resolved,active,2026-11-03T10:00:00Z,2026-11-03T10:30:00Z\r\n");
  // Records page by global sequence, also through a condition that drops some.
  const auto page = vflow_json(
      "find --records --workflow Change --where 'requester == \"dan\"' "
      "--limit 3");
  ASSERT_EQ(page["records"].size(), 3u);
  EXPECT_EQ(page["records"][0]["instance"], "C-2");
  const std::string next = page["next"];
  const auto rest = vflow_json(
      "find --records --workflow Change --where 'requester == \"dan\"' "
      "--limit 0 --after " +
      next);
  EXPECT_EQ(rest["records"].size(), 7u);
  EXPECT_EQ(rest["next"], nullptr);
}

TEST_F(QueryCli, FindRefusesWhatItCannotAnswer) {
  auto r = vflow("find --workflow Change --where 'rsik == \"high\"'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            "vflow find: --where does not compile for Change v1\n"
            "--where:1:1: error[F0108]: unknown field 'rsik' (workflow Change)\n"
            "   help: did you mean 'risk'?\n");
  r = vflow("find --where 'risk == \"high\"'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "vflow find: --where needs --workflow: it reads that workflow's fields\n");
  r = vflow("find --since yesterday");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out,
            "vflow: --since expects an ISO-8601 UTC time or date such as 2026-11-01 or "
            "2026-11-01T12:00:00Z, got 'yesterday'\n");
  EXPECT_EQ(vflow("find --during 2026-11-01..2026-11-02").exit_code, 2);
  EXPECT_EQ(vflow("find --outcome maybe").exit_code, 2);
}

// `vflow metrics` on the same scenario, with two releases and two finished changes added; every
// figure below was worked out by hand from the commands' times.
TEST_F(QueryCli, MetricsAreTheHandComputedFigures) {
  for (const char* command : {
           "start PortfolioBacklogItem --id PBI-1 title=mail sponsor=carol budget=500000 "
           "--actor carol --at 2026-11-01T08:00:00Z",
           "fire PBI-1 submit --actor carol --at 2026-11-01T08:01:00Z",
           "fire PBI-1 score value=8 risk=3 --actor pmo --at 2026-11-01T08:02:00Z",
           "fire PBI-1 approve --actor dana --at 2026-11-01T08:03:00Z",
           "fire PBI-1 fund amount=300000 --actor finance --at 2026-11-01T08:04:00Z",
           "start Requirement --id REQ-1 title=self-service portfolio_item=PBI-1 "
           "--at 2026-11-01T09:00:00Z",
           "fire REQ-1 refine acceptance=usable --at 2026-11-01T09:01:00Z",
           "fire REQ-1 approve --at 2026-11-01T09:02:00Z",
           // Lead time for changes: 4h and 2h.
           "start Release --id REL-1 version=1 requirements=REQ-1 --at 2026-11-06T08:00:00Z",
           "fire REL-1 build_passed build=b1 --at 2026-11-06T09:00:00Z",
           "fire REL-1 test_results passed=true coverage=91 --at 2026-11-06T10:00:00Z",
           "fire REL-1 deploy --actor ci --at 2026-11-06T12:00:00Z",
           "start Release --id REL-2 version=2 requirements=REQ-1 --at 2026-11-10T08:00:00Z",
           "fire REL-2 build_passed build=b2 --at 2026-11-10T08:30:00Z",
           "fire REL-2 test_results passed=true coverage=85 --at 2026-11-10T09:00:00Z",
           "fire REL-2 deploy --actor ci --at 2026-11-10T10:00:00Z",
           // One change completes, one fails: 50%; each an hour from start to end.
           "fire C-1 complete --at 2026-11-04T10:00:00Z",
           "fire C-2 fail reason=rollback --at 2026-11-05T10:00:00Z",
       }) {
    ASSERT_EQ(vflow(command).exit_code, 0) << command << vflow(command).out;
  }
  const auto m = vflow_json("metrics --since 2026-11-01 --until 2026-12-01");
  const auto summary = [](const char* count, const char* mean, const char* median,
                          const char* p90) {
    return nlohmann::json{
        {"count", std::stoi(count)}, {"mean", mean}, {"median", median}, {"p90", p90}};
  };
  const auto without_ms = [](nlohmann::json j) {
    for (const char* k : {"mean_ms", "median_ms", "p90_ms"}) j.erase(k);
    return j;
  };
  const auto& dora = m["dora"];
  EXPECT_EQ(dora["deployments"], 2);
  EXPECT_NEAR(dora["deployments_per_week"].get<double>(), 2 / (30 / 7.0), 1e-9);
  EXPECT_EQ(without_ms(dora["lead_time_for_changes"]), summary("2", "3h", "2h", "4h"));
  EXPECT_EQ(dora["changes_finished"], 2);
  EXPECT_EQ(dora["changes_failed"], 1);
  EXPECT_EQ(dora["change_failure_rate"], 0.5);
  // Incidents restored in 60, 240 and 30 minutes.
  EXPECT_EQ(without_ms(dora["time_to_restore"]), summary("3", "1h50m", "1h", "4h"));
  EXPECT_EQ(
      m["sla_breaches"],
      nlohmann::json::parse(
          R"([{"workflow": "Incident", "state": "New", "timer": "response_time", "breaches": 1}])"));
  const auto state = [&](const std::string& workflow, const std::string& name) {
    for (const auto& s : m["time_in_state"]) {
      if (s["workflow"] == workflow && s["state"] == name) return without_ms(s["time"]);
    }
    return nlohmann::json();
  };
  // New: 30, 10 and 5 minutes; Assigned: 5, 50 and 1; Diagnosing: 15, 180 and 24.
  EXPECT_EQ(state("Incident", "New"), summary("3", "15m", "10m", "30m"));
  EXPECT_EQ(state("Incident", "Assigned"), summary("3", "18m40s", "5m", "50m"));
  EXPECT_EQ(state("Incident", "Diagnosing"), summary("3", "1h13m", "24m", "3h"));
  EXPECT_EQ(state("Incident", "Escalated"), summary("1", "10m", "10m", "10m"));
  const auto lead = [&](const std::string& workflow) {
    for (const auto& l : m["lead_time"]) {
      if (l["workflow"] == workflow) return without_ms(l["time"]);
    }
    return nlohmann::json();
  };
  EXPECT_EQ(lead("Change"), summary("2", "1h", "1h", "1h"));
  // The text report says the same.
  const auto text = vflow("metrics --workflow Change --since 2026-11-01 --until 2026-12-01").out;
  EXPECT_NE(text.find("  change failure rate:   50.0% (1 of 2 changes failed)\n"),
            std::string::npos)
      << text;
}

}  // namespace
