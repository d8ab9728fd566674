// The tamper-evident journal: every edit of a record, a forged or deleted or moved record, edited
// instance data and an edited definition make `verify --all` exit 1 naming the first break; a
// truncated tail, which leaves a valid chain, is caught by `verify --against` a saved digest.
#include <gtest/gtest.h>

#include "tests/cli/cli_util.hpp"

namespace {

using nlohmann::json;
using vflow::test::shell;

class AuditCli : public vflow::test::cli_fixture {
 protected:
  void SetUp() override {
    ASSERT_EQ(vflow("deploy " + src("workflows")).exit_code, 0);
    // Records #1..#6: C-1 seq 1..4 interleaved with I-1 seq 1..2; the last, #6, is a gate.
    for (const char* command :
         {"start Change --id C-1 summary=patch requester=alice --actor alice "
          "--at 2026-11-02T09:00:00Z",
          "fire C-1 assess risk=low --actor alice --at 2026-11-02T09:01:00Z",
          "start Incident --id I-1 service=mail priority=2 --at 2026-11-02T09:02:00Z",
          "fire C-1 submit --actor alice --at 2026-11-02T09:03:00Z",
          "fire I-1 assign user=ada --at 2026-11-02T09:04:00Z"}) {
      ASSERT_EQ(vflow(command).exit_code, 0) << command;
    }
    ASSERT_EQ(vflow("gate C-1 --can approve user=bob --actor ci").exit_code, 0);
    digest = vflow("digest", false).out;
    ASSERT_EQ(digest.substr(0, 2), "6:");
    digest.pop_back();  // the newline
    ASSERT_EQ(vflow("verify --all").exit_code, 0);
  }

  // Runs SQL on the database as an attacker with the sqlite3 shell would.
  void sql(const std::string& statements) {
    shell("sqlite3 '" + db() + "' \"" + statements + "\"");
  }

  // `verify --all --json`: exit 1, naming the broken instance and record, with `message`.
  void expect_broken(const std::string& instance, std::int64_t gseq, const std::string& message) {
    const auto r = vflow("--json verify --all", false);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    const json j = json::parse(r.out);
    EXPECT_FALSE(j["consistent"]);
    EXPECT_EQ(j["broken"]["instance"], instance.empty() ? json() : json(instance)) << r.out;
    EXPECT_EQ(j["broken"]["gseq"], gseq == 0 ? json() : json(gseq)) << r.out;
    EXPECT_EQ(j["message"], message);
  }

  std::string digest;
};

constexpr const char* unlock = "DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete; ";

TEST_F(AuditCli, AnIntactJournalVerifiesAndDigestIsItsHead) {
  const auto r = vflow("verify --all");
  EXPECT_EQ(r.out,
            "14 definitions, 6 journal records, 2 instances and 0 links verified: every hash "
            "matches, and every instance and link equals the replay of the journal\n");
  const auto j = vflow_json("digest");
  EXPECT_EQ(j["digest"], digest);
  EXPECT_EQ(j["gseq"], 6);
  EXPECT_EQ(j["hash"], vflow_json("history C-1")[3]["hash"]);
  // The journal grows: the digest is still in it.
  ASSERT_EQ(vflow("fire C-1 approve user=bob --actor bob").exit_code, 0);
  EXPECT_EQ(vflow("verify --against " + digest).out,
            "14 definitions, 7 journal records, 2 instances and 0 links verified: every hash "
            "matches, and every instance and link equals the replay of the journal\n"
            "the journal still holds " +
                digest + " and has grown by 1 records since; head " + vflow("digest").out);
}

TEST_F(AuditCli, TheChainAloneFindsAnEditedRecord) {
  sql("DROP TRIGGER journal_no_update; UPDATE journal SET actor = 'mallory' WHERE gseq = 2");
  const auto r = vflow("verify --all --chain-only");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            "vflow verify: record #2 (C-1 seq 2) does not match its hash: a field of it was "
            "changed, or it was inserted, moved or rewritten\n");
}

TEST_F(AuditCli, ChangingAnyFieldOfARecordIsFound) {
  // Every column of record #4 (C-1 seq 3), each changed alone in a fresh copy of the database.
  const std::vector<std::pair<std::string, std::string>> edits{
      {"definition", "(SELECT definition FROM journal WHERE instance = 'I-1' LIMIT 1)"},
      {"kind", "'gate'"},
      {"event", "'assess'"},
      {"params", "'{\\\"x\\\":1}'"},
      {"actor", "'mallory'"},
      {"event_id", "'e-1'"},
      {"at", "at + 1"},
      {"recorded_at", "recorded_at - 60000"},
      {"from_config", "'[]'"},
      {"to_config", "to_config || ' '"},
      {"changes", "'[{}]'"},
      {"outcome", "'rejected'"},
      {"reason", "'because'"},
      {"detail", "'{}'"},
      {"lifecycle", "'cancelled'"},
      {"cause", "1"},
      {"hash", "(SELECT hash FROM journal WHERE gseq = 3)"},
  };
  const std::string pristine = (dir.path() / "pristine.db").string();
  shell("sqlite3 '" + db() + "' \".backup '" + pristine + "'\"");
  for (const auto& [column, value] : edits) {
    shell("cp '" + pristine + "' '" + db() + "'; rm -f '" + db() + "-wal' '" + db() + "-shm'");
    sql(std::string(unlock) + "PRAGMA foreign_keys = OFF; UPDATE journal SET " + column + " = " +
        value + " WHERE gseq = 4");
    SCOPED_TRACE(column);
    expect_broken("C-1", 4,
                  "record #4 (C-1 seq 3) does not match its hash: a field of it was changed, or "
                  "it was inserted, moved or rewritten");
    EXPECT_EQ(vflow("verify C-1").exit_code, 1);
    // I-1's records are intact, but the next one (#5) is chained to #4's hash.
    EXPECT_EQ(vflow("verify I-1").exit_code, column == "hash" ? 1 : 0);
  }
}

TEST_F(AuditCli, RenumberingRecordsIsFound) {
  const std::string pristine = (dir.path() / "pristine.db").string();
  shell("sqlite3 '" + db() + "' \".backup '" + pristine + "'\"");
  const auto fresh = [&] {
    shell("cp '" + pristine + "' '" + db() + "'; rm -f '" + db() + "-wal' '" + db() + "-shm'");
  };
  sql(std::string(unlock) + "UPDATE journal SET seq = 9 WHERE gseq = 4");
  expect_broken("C-1", 4,
                "record #4 (C-1 seq 9) is out of order: the instance's previous record "
                "is seq 2");
  fresh();
  sql(std::string(unlock) + "UPDATE journal SET gseq = 40 WHERE gseq = 4");
  expect_broken("I-1", 5,
                "record #5 (I-1 seq 2) follows #3: record #4 is missing from the journal");
  fresh();
  // Two records swapped in global order.
  sql(std::string(unlock) +
      "UPDATE journal SET gseq = -3 WHERE gseq = 3; UPDATE journal SET gseq = 3 WHERE gseq = 4; "
      "UPDATE journal SET gseq = 4 WHERE gseq = -3");
  expect_broken("C-1", 3,
                "record #3 (C-1 seq 3) does not match its hash: a field of it was changed, or it "
                "was inserted, moved or rewritten");
}

TEST_F(AuditCli, AForgedRecordIsFoundWithTheTriggersIntact) {
  // Appended after the gate, copying the approve a real approver would have made, and counted.
  sql("INSERT INTO journal (gseq, instance, seq, definition, kind, event, params, actor, at, "
      "recorded_at, from_config, to_config, changes, outcome, detail, lifecycle, hash) "
      "SELECT 7, instance, 5, definition, 'event', 'approve', '{\\\"user\\\":\\\"bob\\\"}', 'bob', "
      "at + 1000, recorded_at + 1000, to_config, '[\\\"Implementation\\\"]', '[]', 'taken', '{}', "
      "lifecycle, hash FROM journal WHERE gseq = 6; "
      "UPDATE instances SET seq = 5, configuration = '[\\\"Implementation\\\"]' WHERE id = 'C-1'");
  expect_broken("C-1", 7,
                "record #7 (C-1 seq 5) does not match its hash: a field of it was changed, or it "
                "was inserted, moved or rewritten");
}

TEST_F(AuditCli, ADeletedAndRenumberedRecordIsFound) {
  sql(std::string(unlock) +
      "DELETE FROM journal WHERE gseq = 2; UPDATE journal SET seq = seq - 1 WHERE instance = "
      "'C-1' AND seq > 2; UPDATE journal SET gseq = gseq - 1 WHERE gseq > 2; UPDATE instances SET "
      "seq = seq - 1 WHERE id = 'C-1'");
  expect_broken("I-1", 2,
                "record #2 (I-1 seq 1) does not match its hash: a field of it was changed, or it "
                "was inserted, moved or rewritten");
}

TEST_F(AuditCli, EditedInstanceDataIsFound) {
  sql("UPDATE instances SET data = json_set(data, '$.risk', 'high') WHERE id = 'C-1'");
  expect_broken("C-1", 0, "instance C-1: its stored data differs from the replay of its journal");
  EXPECT_EQ(vflow("verify C-1").exit_code, 1);
  // The chain alone does not cover instances: only a replay finds this.
  const auto chain = vflow("verify --all --chain-only");
  EXPECT_EQ(chain.exit_code, 0);
  EXPECT_EQ(chain.out,
            "14 definitions, 6 journal records and 2 instances verified: every hash matches "
            "(instances and links not replayed)\n");
  EXPECT_EQ(vflow("verify C-1 --chain-only").exit_code, 2);
}

TEST_F(AuditCli, AnEditedDefinitionIsRefusedNeverRun) {
  // The four-eyes policy removed from the stored Change definition: a self-approval would pass.
  const std::string hash = vflow_json("status C-1")["definition"];
  sql("DROP TRIGGER definitions_no_update; UPDATE definitions SET source = replace(source, "
      "'deny approve when event.user == requester', '') WHERE name = 'Change'");
  const std::string before = dump();
  const auto r = vflow("fire C-1 approve user=alice --actor alice");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("stored definition Change v1 (" + hash.substr(0, 12) +
                       ") has been altered: its source now hashes to "),
            std::string::npos)
      << r.out;
  EXPECT_EQ(dump(), before);
  EXPECT_EQ(vflow("status C-1").exit_code, 3);
  const auto v = vflow("--json verify --all", false);
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(json::parse(v.out)["message"].get<std::string>().find(
                "stored definition Change v1 (" + hash.substr(0, 12) + ") has been altered"),
            std::string::npos);
}

// What a definition was checked against when deployed (the signatures of the workflows it links
// to) decides what its links and sends mean: it is sealed with the definition's hash.
TEST_F(AuditCli, EditedImportsOfADefinitionAreRefusedNeverRun) {
  sql("DROP TRIGGER definitions_no_update; UPDATE definitions SET imports = '[]' "
      "WHERE name = 'Change'");
  const auto status = vflow("status C-1");
  EXPECT_EQ(status.exit_code, 3);
  EXPECT_NE(status.out.find("has been altered: the signatures it was checked against when "
                            "deployed no longer match its seal; refusing to run it"),
            std::string::npos)
      << status.out;
  EXPECT_EQ(vflow("fire C-1 approve user=bob --actor bob").exit_code, 3);
  const auto v = vflow("verify --all");
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.out.find("no longer match its seal"), std::string::npos) << v.out;
}

TEST_F(AuditCli, ATruncatedTailIsFoundAgainstASavedDigest) {
  // The gate record removed and the count put back: the rest of the chain is still valid.
  sql(std::string(unlock) +
      "DELETE FROM journal WHERE gseq = 6; UPDATE instances SET seq = 3 WHERE id = 'C-1'");
  EXPECT_EQ(vflow("verify --all").exit_code, 0);
  const auto r = vflow("verify --against " + digest);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "vflow verify: the journal ends at #5 but the digest " + digest +
                       " names #6: records were removed from its end\n");
  // A journal rewritten up to the digest's record (here: one record more, then rehashed) is
  // caught too: the digest's record no longer has its hash.
  const std::string other = "5:" + std::string(64, '0');
  EXPECT_EQ(vflow("verify --against " + other).exit_code, 1);
}

TEST_F(AuditCli, BadDigestsAndArgumentsAreUsageErrors) {
  EXPECT_EQ(vflow("verify").exit_code, 2);
  EXPECT_EQ(vflow("verify C-1 --all").exit_code, 2);
  const auto r = vflow("verify --against 6:xyz");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out,
            "vflow: --against takes a digest as `vflow digest` prints it (GSEQ:HASH, 64 hex "
            "digits), got '6:xyz'\n");
  EXPECT_EQ(vflow("verify NOPE").exit_code, 1);
}

TEST_F(AuditCli, AJournalFromBeforeTheChainIsChainedOnMigrationWithANote) {
  // Made into a schema 5 database: no hash column, no notes, no definition triggers.
  sql("ALTER TABLE journal DROP COLUMN hash; DROP TABLE journal_notes; "
      "DROP TRIGGER definitions_no_update; DROP TRIGGER definitions_no_delete; "
      "ALTER TABLE definitions DROP COLUMN seal; PRAGMA user_version = 5");
  // A reader refuses to migrate; the first writer chains the journal.
  EXPECT_EQ(vflow("verify --all").exit_code, 3);
  ASSERT_EQ(vflow("fire I-1 start_work").exit_code, 0);
  const auto j = vflow_json("verify --all");
  EXPECT_EQ(j["consistent"], true);
  EXPECT_EQ(j["records"], 7);
  ASSERT_EQ(j["notes"].size(), 2u);
  EXPECT_EQ(j["notes"][0]["kind"], "chained");
  EXPECT_EQ(j["notes"][1]["kind"], "sealed");
  EXPECT_EQ(j["notes"][1]["text"],
            "14 definitions deployed before definitions were sealed (schema 5) were sealed when "
            "the database was migrated, each with the signatures it was checked against: the "
            "seal proves those have not changed since then, not before");
  EXPECT_EQ(j["notes"][0]["upto_gseq"], 6);
  EXPECT_EQ(j["notes"][0]["text"],
            "records 1 to 6 were written before the journal was hash-chained (schema 5) and "
            "chained when the database was migrated: the chain proves they have not changed "
            "since then, not before");
  EXPECT_EQ(shell("sqlite3 '" + db() + "' 'PRAGMA user_version'"), "9\n");
}

// Schema 9 indexed the states instances are in (for `list --state`): a database from before is
// indexed when the first writer migrates it, instances already there included; a reader refuses
// to migrate it and says how.
TEST_F(AuditCli, InstancesFromBeforeTheStateIndexAreIndexedOnMigration) {
  sql("DROP TRIGGER instance_states_on_insert; DROP TRIGGER instance_states_on_update; "
      "DROP TABLE instance_states; PRAGMA user_version = 8");
  const auto reader = vflow("list --state Assigned");
  EXPECT_EQ(reader.exit_code, 3);
  EXPECT_NE(reader.out.find("it has schema version 8: run a writing vflow command on it once to "
                            "upgrade it"),
            std::string::npos)
      << reader.out;
  ASSERT_EQ(vflow("fire I-1 start_work").exit_code, 0);
  EXPECT_EQ(shell("sqlite3 '" + db() + "' 'PRAGMA user_version'"), "9\n");
  const auto ids = [&](const std::string& state) {
    std::vector<std::string> out;
    for (const auto& i : vflow_json("list --state " + state)) out.push_back(i["id"]);
    return out;
  };
  EXPECT_EQ(ids("InProgress"), std::vector<std::string>{"I-1"});  // moved after the migration
  EXPECT_EQ(ids("Assigned"), std::vector<std::string>{});
  EXPECT_EQ(ids("Approval"), std::vector<std::string>{"C-1"});  // indexed by the migration
  EXPECT_EQ(vflow("verify --all").exit_code, 0);
}

}  // namespace

// A kind, outcome or lifecycle this vflow does not spell is a store error naming it (exit 3),
// never read as something else.
TEST_F(AuditCli, AnUnknownKindOutcomeOrLifecycleIsAStoreError) {
  sql("UPDATE instances SET lifecycle = 'zombie' WHERE id = 'I-1'");
  const auto status = vflow("status I-1");
  EXPECT_EQ(status.exit_code, 3);
  EXPECT_NE(status.out.find("the database holds a record this vflow cannot read (lifecycle "
                            "'zombie'): it was not written by vflow, or has been altered"),
            std::string::npos)
      << status.out;
  sql("DROP TRIGGER journal_no_update; UPDATE journal SET kind = 'vote' WHERE gseq = 2");
  const auto history = vflow("history C-1");
  EXPECT_EQ(history.exit_code, 3);
  EXPECT_NE(history.out.find("(record kind 'vote')"), std::string::npos) << history.out;
}
