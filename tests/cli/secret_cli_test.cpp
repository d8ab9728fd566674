// Secrets from the command line: the key from VFLOW_SECRET_KEY or VFLOW_SECRET_KEY_FILE, and no
// command printing a secret's text or digest in any format.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "tests/cli/cli_util.hpp"

namespace {

using nlohmann::json;

class SecretCli : public vflow::test::cli_fixture {
 protected:
  void SetUp() override {
    unsetenv("VFLOW_SECRET_KEY_FILE");
    setenv("VFLOW_SECRET_KEY", "a key for the tests, long enough", 1);
    ASSERT_EQ(vflow("deploy " + src("tests/flows/valid/secrets.flow")).exit_code, 0);
    // A start, an approval, a wrong token denied (exit 1), a gate, the deployment.
    for (const auto& [command, exit_code] : std::vector<std::pair<std::string, int>>{
             {"start Handover --id H-1 version=2.4 owner_key=own3r-pw --actor ada "
              "--at 2026-11-02T09:00:00Z",
              0},
             {"fire H-1 approve token=tok-9f2a --actor ada --at 2026-11-02T09:01:00Z", 0},
             {"fire H-1 deploy token=tok-guess --actor eve --at 2026-11-02T09:02:00Z", 1},
             {"gate H-1 --can deploy token=tok-9f2a --actor ci --at 2026-11-02T09:03:00Z", 0},
             {"fire H-1 deploy token=tok-9f2a --actor ada --at 2026-11-02T09:04:00Z", 0}}) {
      ASSERT_EQ(vflow(command).exit_code, exit_code) << command;
    }
  }
  void TearDown() override {
    unsetenv("VFLOW_SECRET_KEY");
    unsetenv("VFLOW_SECRET_KEY_FILE");
  }
};

TEST_F(SecretCli, NoOutputShowsASecret) {
  const std::string status = vflow("status H-1").out;
  EXPECT_NE(status.find("owner_key"), std::string::npos) << status;
  EXPECT_NE(status.find("***"), std::string::npos) << status;
  EXPECT_EQ(vflow_json("status H-1")["data"]["owner_key"], "***");
  const json history = vflow_json("history H-1");
  EXPECT_EQ(history[0]["params"]["owner_key"], "***");
  EXPECT_EQ(history[1]["params"]["token"], "***");
  for (const std::string command :
       {"status H-1", "--json status H-1", "history H-1", "--json history H-1", "find --records",
        "--json find --records --workflow Handover", "export --format jsonl", "export --format csv",
        "export --format ocel2", "metrics"}) {
    const auto r = vflow(command);
    EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.out;
    for (const char* text : {"own3r-pw", "tok-9f2a", "tok-guess", "hmac-sha256"}) {
      EXPECT_EQ(r.out.find(text), std::string::npos) << command << " shows " << text;
    }
  }
  // The database holds digests only; a query shows them, never the text.
  const auto q = vflow("query \"SELECT params FROM journal WHERE instance = 'H-1' AND seq = 2\"");
  EXPECT_NE(q.out.find("hmac-sha256:"), std::string::npos) << q.out;
  EXPECT_EQ(vflow_json("status H-1")["state"], json::array({"Deployed"}));
  EXPECT_EQ(vflow("verify --all").exit_code, 0);
}

TEST_F(SecretCli, TheKeyComesFromTheEnvironmentOrAFile) {
  // The same key from a file (a trailing newline dropped) compares equal.
  const std::string file = (dir / "key").string();
  std::ofstream(file) << "a key for the tests, long enough\n";
  unsetenv("VFLOW_SECRET_KEY");
  setenv("VFLOW_SECRET_KEY_FILE", file.c_str(), 1);
  ASSERT_EQ(vflow("start Handover --id H-2 version=1 owner_key=k").exit_code, 0);
  ASSERT_EQ(vflow("fire H-2 approve token=t").exit_code, 0);
  EXPECT_EQ(vflow("fire H-2 close key=k").exit_code, 0);

  // Without a key a secret is refused (exit 1), and an event without one still goes through.
  unsetenv("VFLOW_SECRET_KEY_FILE");
  const std::string before = dump();
  const auto none = vflow("start Handover --id H-3 version=1 owner_key=k");
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.out.find("field 'owner_key' is a secret, and no key to hash secrets with is set"),
            std::string::npos)
      << none.out;
  EXPECT_EQ(dump(), before);

  // A key too short, both variables at once, or an unreadable file: usage errors (exit 2).
  setenv("VFLOW_SECRET_KEY", "short", 1);
  const auto short_key = vflow("status H-2");
  EXPECT_EQ(short_key.exit_code, 2);
  EXPECT_NE(short_key.out.find("the secret key (VFLOW_SECRET_KEY) is 5 bytes long; it must have "
                               "at least 16"),
            std::string::npos)
      << short_key.out;
  setenv("VFLOW_SECRET_KEY", "a key for the tests, long enough", 1);
  setenv("VFLOW_SECRET_KEY_FILE", file.c_str(), 1);
  EXPECT_EQ(vflow("status H-2").exit_code, 2);
  unsetenv("VFLOW_SECRET_KEY");
  setenv("VFLOW_SECRET_KEY_FILE", (dir / "missing").string().c_str(), 1);
  const auto missing = vflow("status H-2");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.out.find("cannot read the secret key file"), std::string::npos) << missing.out;

  // Another key: refused, naming both keys, nothing written.
  unsetenv("VFLOW_SECRET_KEY_FILE");
  setenv("VFLOW_SECRET_KEY", "some other key of enough length", 1);
  const auto other = vflow("fire H-1 approve token=t");
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.out.find("is a secret hashed with key"), std::string::npos) << other.out;
  EXPECT_EQ(dump(), before);
}

}  // namespace
