// `vflow --db postgresql://...`: the commands work unchanged on PostgreSQL; its failures are store
// errors (exit 3) that change nothing and show no password; the journal cannot be rewritten, by
// trigger and by privilege; `query` reads in a READ ONLY transaction with a timeout. Runs on the
// throw-away cluster scripts/test.sh starts (VFLOW_TEST_POSTGRES); skipped without one.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/cli/cli_util.hpp"

namespace {

using nlohmann::json;
using vflow::test::run_vflow;
using vflow::test::shell;

class PostgresCli : public testing::Test {
 protected:
  void SetUp() override {
    url = vflow::test::fresh_database("postgresql", dir);
    if (url.empty()) GTEST_SKIP() << "no PostgreSQL server (set VFLOW_TEST_POSTGRES)";
  }
  static std::string src(const std::string& rel) {
    return std::string(VFLOW_SOURCE_DIR) + "/" + rel;
  }
  vflow::test::run_result vflow(const std::string& args, bool merge = true) {
    return run_vflow("--db '" + url + "' " + args, merge);
  }
  json vflow_json(const std::string& args) {
    return json::parse(vflow("--json " + args, false).out);
  }
  // Runs SQL with psql on this test's database as `role` (the server's own by default); its
  // output with errors.
  std::string psql(const std::string& sql, const std::string& role = "") const {
    std::string u = url;
    if (!role.empty()) u.replace(u.find("://") + 3, u.find('@') - u.find("://") - 3, role);
    return shell("psql '" + u + "' -qAtX -c \"" + sql + "\" 2>&1");
  }
  // The same database as another role (trust authentication on the test cluster).
  std::string as(const std::string& role) const {
    std::string u = url;
    return u.replace(u.find("://") + 3, u.find('@') - u.find("://") - 3, role);
  }

  vflow::test::temp_dir dir;
  std::string url;
};

TEST_F(PostgresCli, TheCommandsWorkUnchanged) {
  ASSERT_EQ(vflow("deploy " + src("workflows")).exit_code, 0);
  ASSERT_EQ(vflow("start Incident --id INC-1 service=mail priority=1 --actor alice "
                  "--at 2026-12-03T08:00:00Z")
                .exit_code,
            0);
  ASSERT_EQ(vflow("start Problem --id PRB-1 title=disks --at 2026-12-03T08:01:00Z").exit_code, 0);
  EXPECT_EQ(vflow("link INC-1 problem PRB-1 --at 2026-12-03T08:02:00Z").exit_code, 0);
  EXPECT_EQ(vflow("tick --now 2026-12-03T08:20:00Z").exit_code, 0);  // the escalation timer
  EXPECT_EQ(vflow_json("status INC-1")["state"], json::array({"Escalated"}));
  EXPECT_EQ(vflow("gate INC-1 --can start_work").exit_code, 1);
  EXPECT_EQ(vflow("fire INC-1 assign user=bob --event-id e-1 --at 2026-12-03T08:30:00Z").exit_code,
            0);
  EXPECT_EQ(vflow("fire INC-1 assign user=bob --event-id e-1 --at 2026-12-03T08:30:00Z").exit_code,
            0);  // the same event id again: the first outcome, nothing written
  EXPECT_EQ(vflow("fire INC-1 start_work --expect-seq 1").exit_code, 1);  // a conflict
  const json status = vflow_json("status INC-1");
  EXPECT_EQ(status["state"], json::array({"Assigned"}));
  EXPECT_EQ(status["data"]["assignee"], "bob");
  EXPECT_EQ(status["links"]["problem"], json::array({"PRB-1"}));
  const auto history = vflow("history INC-1");
  EXPECT_NE(history.out.find("Escalated -> Assigned"), std::string::npos) << history.out;
  EXPECT_EQ(vflow_json("list --state Assigned").size(), 1u);
  const auto found = vflow("find --workflow Incident --state Escalated --ever --format csv", false);
  EXPECT_NE(found.out.find("INC-1"), std::string::npos) << found.out;
  const auto q = vflow("query \"SELECT instance, event FROM journal WHERE event = 'assign'\"");
  EXPECT_EQ(q.exit_code, 0) << q.out;
  EXPECT_NE(q.out.find("INC-1"), std::string::npos) << q.out;
  const auto verified = vflow("verify --all");
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
  const auto digest = vflow("digest", false).out;
  EXPECT_EQ(vflow("verify --all --against " + digest.substr(0, digest.size() - 1)).exit_code, 0);
  EXPECT_EQ(vflow("export --format jsonl").exit_code, 0);
}

TEST_F(PostgresCli, StoreFailuresAreExit3ChangeNothingAndShowNoPassword) {
  const auto unreachable =
      run_vflow("--db 'postgresql://vflow:s3cret@127.0.0.1:1/nothing' status X");
  EXPECT_EQ(unreachable.exit_code, 3);
  EXPECT_NE(unreachable.out.find("cannot connect to PostgreSQL 127.0.0.1:1/nothing"),
            std::string::npos)
      << unreachable.out;
  EXPECT_EQ(unreachable.out.find("s3cret"), std::string::npos) << unreachable.out;
  const auto malformed = run_vflow("--db 'postgresql://vflow:s3cret@db/x?badparam=1' status X");
  EXPECT_EQ(malformed.exit_code, 3);
  EXPECT_NE(malformed.out.find("the connection string is malformed (invalid URI query parameter: "
                               "\"badparam\")"),
            std::string::npos)
      << malformed.out;
  EXPECT_EQ(malformed.out.find("s3cret"), std::string::npos) << malformed.out;
  // A reading command does not create the schema; a database of another application is left
  // alone.
  const auto empty = vflow("status X");
  EXPECT_EQ(empty.exit_code, 3);
  EXPECT_NE(empty.out.find("it holds no vflow schema; run `vflow deploy` to create one"),
            std::string::npos)
      << empty.out;
  psql("CREATE TABLE customers (id int)");
  const auto other = vflow("deploy " + src("tests/flows/valid/counter.flow"));
  EXPECT_EQ(other.exit_code, 3);
  EXPECT_NE(other.out.find("it is not a vflow database"), std::string::npos) << other.out;
  EXPECT_EQ(psql("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"),
            "1\n");
}

TEST_F(PostgresCli, TheJournalCannotBeRewrittenAndQueriesOnlyRead) {
  ASSERT_EQ(vflow("deploy " + src("tests/flows/valid/counter.flow")).exit_code, 0);
  ASSERT_EQ(vflow("start Counter --id C").exit_code, 0);
  ASSERT_EQ(vflow("fire C bump by=2").exit_code, 0);
  for (const char* sql : {"UPDATE journal SET actor = 'mallory'", "DELETE FROM journal",
                          "TRUNCATE journal CASCADE", "DELETE FROM definitions"}) {
    EXPECT_NE(psql(sql).find("is append-only"), std::string::npos) << sql;
  }
  EXPECT_EQ(vflow("verify --all").exit_code, 0);
  const auto slow = vflow("query \"SELECT pg_sleep(5)\" --timeout 200");
  EXPECT_EQ(slow.exit_code, 1);
  EXPECT_NE(slow.out.find("the query ran longer than 200 ms"), std::string::npos) << slow.out;
  const auto write = vflow("query \"SELECT nextval('public.journal_notes_id_seq')\"");
  EXPECT_EQ(write.exit_code, 1);
  EXPECT_NE(write.out.find("read-only transaction"), std::string::npos) << write.out;
  EXPECT_EQ(vflow("query \"DELETE FROM journal\"").exit_code, 1);
  EXPECT_EQ(vflow("query \"SELECT 1; DELETE FROM journal\"").exit_code, 1);
  EXPECT_EQ(psql("SELECT count(*) FROM journal"), "2\n");
}

// Schema 2 indexed the states instances are in (for `list --state`): a database of schema 1 is
// indexed when the first writer migrates it, instances already there included; a reader refuses
// to migrate it and says how.
TEST_F(PostgresCli, InstancesFromBeforeTheStateIndexAreIndexedOnMigration) {
  ASSERT_EQ(vflow("deploy " + src("tests/flows/valid/counter.flow")).exit_code, 0);
  ASSERT_EQ(vflow("start Counter --id A").exit_code, 0);
  ASSERT_EQ(vflow("start Counter --id B").exit_code, 0);
  EXPECT_EQ(psql("DROP TRIGGER instance_states ON instances; DROP TRIGGER instance_states_moved ON "
                 "instances; DROP FUNCTION "
                 "vflow_instance_states(); DROP TABLE instance_states; UPDATE vflow_schema SET "
                 "version = 1"),
            "");
  const auto reader = vflow("list --state Counting");
  EXPECT_EQ(reader.exit_code, 3);
  EXPECT_NE(reader.out.find("it has schema version 1: run a writing vflow command on it once to "
                            "upgrade it"),
            std::string::npos)
      << reader.out;
  ASSERT_EQ(vflow("fire B stop").exit_code, 0);
  EXPECT_EQ(psql("SELECT version FROM vflow_schema"), "2\n");
  const auto ids = [&](const std::string& state) {
    std::vector<std::string> out;
    for (const auto& i : vflow_json("list --state " + state)) out.push_back(i["id"]);
    return out;
  };
  EXPECT_EQ(ids("Counting"), std::vector<std::string>{"A"});  // indexed by the migration
  EXPECT_EQ(ids("Stopped"), std::vector<std::string>{"B"});
  EXPECT_EQ(vflow("verify --all").exit_code, 0);
}

// The grants of docs/postgresql-grants.sql: the application's role appends, never rewrites; the
// auditor's reads the views only.
TEST_F(PostgresCli, TheDocumentedGrantsAllowAppendingAndAuditingOnly) {
  ASSERT_EQ(vflow("deploy " + src("tests/flows/valid/counter.flow")).exit_code, 0);
  const std::string app = "vflow_app_" + std::to_string(getpid());
  const std::string auditor = "vflow_auditor_" + std::to_string(getpid());
  psql("CREATE ROLE " + app + " LOGIN; CREATE ROLE " + auditor + " LOGIN");
  const std::string granted =
      shell("psql '" + url + "' -qAtX -v ON_ERROR_STOP=1 -v app=" + app + " -v auditor=" + auditor +
            " -f " + src("docs/postgresql-grants.sql") + " 2>&1; echo rc=$?");
  ASSERT_NE(granted.find("rc=0"), std::string::npos) << granted;
  const auto run_as = [&](const std::string& role, const std::string& args) {
    return run_vflow("--db '" + as(role) + "' " + args);
  };
  EXPECT_EQ(run_as(app, "start Counter --id C").exit_code, 0);
  EXPECT_EQ(run_as(app, "fire C bump by=1").exit_code, 0);
  EXPECT_EQ(run_as(app, "fire C stop").exit_code, 0);  // the states' index follows, as the app
  EXPECT_EQ(run_as(app, "list --state Stopped").exit_code, 0);
  EXPECT_EQ(psql("SELECT state FROM instance_states WHERE instance = 'C'"), "Stopped\n");
  EXPECT_EQ(run_as(app, "verify C").exit_code, 0);
  EXPECT_NE(psql("UPDATE journal SET actor = 'x'", app).find("permission denied"),
            std::string::npos);
  EXPECT_NE(psql("DELETE FROM journal", app).find("permission denied"), std::string::npos);
  const auto audit = run_as(auditor, "query \"SELECT count(*) AS records FROM journal\"");
  EXPECT_EQ(audit.exit_code, 0) << audit.out;
  EXPECT_NE(audit.out.find("3"), std::string::npos) << audit.out;
  const auto direct = run_as(auditor, "query \"SELECT * FROM public.journal\"");
  EXPECT_EQ(direct.exit_code, 1);
  EXPECT_NE(direct.out.find("permission denied"), std::string::npos) << direct.out;
  EXPECT_EQ(run_as(auditor, "fire C bump by=1").exit_code, 3);  // may not write
  EXPECT_EQ(psql("SELECT count(*) FROM journal"), "3\n");
}

// A write that fails when it reaches the server (here a trigger refuses the journal record; the
// writes of a step travel with its COMMIT) fails the command with exit 3 and leaves the instance
// as it was; the next command works on a clean connection.
TEST_F(PostgresCli, AWriteRefusedAtCommitLeavesNothing) {
  ASSERT_EQ(vflow("deploy " + src("tests/flows/valid/counter.flow")).exit_code, 0);
  ASSERT_EQ(vflow("start Counter --id C").exit_code, 0);
  const std::string sql = (dir / "refuse.sql").string();
  std::ofstream(sql) << "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                        "RAISE EXCEPTION 'refused by the test'; END $$;\n"
                        "CREATE TRIGGER refuse BEFORE INSERT ON journal FOR EACH ROW EXECUTE "
                        "FUNCTION refuse();\n";
  ASSERT_EQ(shell("psql '" + url + "' -qAtX -v ON_ERROR_STOP=1 -f " + sql + " 2>&1; echo rc=$?"),
            "rc=0\n");
  const auto refused = vflow("fire C bump by=5 --event-id e-1");
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_NE(refused.out.find("refused by the test"), std::string::npos) << refused.out;
  const json status = vflow_json("status C");
  EXPECT_EQ(status["seq"], 1);
  EXPECT_EQ(status["data"]["count"], 0);
  psql("DROP TRIGGER refuse ON journal");
  EXPECT_EQ(vflow("fire C bump by=5 --event-id e-1").exit_code, 0);
  EXPECT_EQ(vflow_json("status C")["data"]["count"], 5);
  EXPECT_EQ(vflow("verify --all").exit_code, 0);
}

}  // namespace
