// Secret fields and parameters: compared by keyed hash, never stored, journaled or shown in clear.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "runtime/decisions.hpp"
#include "runtime/secret.hpp"
#include "tests/runtime/runtime_util.hpp"

namespace {

using namespace vflow;
using runtime::status;

constexpr const char* key_a = "correct horse battery staple";
constexpr const char* key_b = "another key of sixteen bytes or more";

class SecretTest : public testing::Test {
 protected:
  runtime::engine_runtime open(std::optional<std::string> key = key_a) {
    auto rt = runtime::engine_runtime::open((dir / "t.db").string());
    if (key) rt.set_secret_key(*key);
    return rt;
  }

  void SetUp() override {
    auto rt = open();
    ASSERT_TRUE(rt.deploy({test::source("tests/flows/valid/secrets.flow")}).ok());
    const auto s = rt.start({.workflow = "Handover",
                             .id = "H-1",
                             .fields = {{"version", "2.4"}, {"owner_key", "owner-s3cret"}},
                             .actor = "ada",
                             .at = 1000});
    ASSERT_EQ(s.status, status::ok) << s.message;
  }

  runtime::step_outcome fire(runtime::engine_runtime& rt, const std::string& event,
                             runtime::named_values params, std::int64_t at,
                             std::optional<std::string> event_id = std::nullopt) {
    return rt.fire({"H-1", event, std::move(params), "ada", std::move(event_id), std::nullopt, at});
  }

  // Every byte the database holds on disk (with its write-ahead log).
  std::string database_bytes() {
    std::string all;
    for (const char* suffix : {"", "-wal"}) {
      std::ifstream in((dir / ("t.db" + std::string(suffix))).string(), std::ios::binary);
      std::ostringstream s;
      s << in.rdbuf();
      all += s.str();
    }
    return all;
  }

  test::temp_dir dir;
};

TEST_F(SecretTest, GuardsCompareSecretsThatAreNeverKeptInClear) {
  auto rt = open();
  ASSERT_EQ(fire(rt, "approve", {{"token", "tok-9f2a"}}, 2000).status, status::ok);
  {  // asked in memory first (runtime/decisions.hpp): the token is hashed with the key too
    auto loaded = rt.load("H-1", 2500);
    ASSERT_TRUE(loaded);
    std::string error;
    const auto yes = loaded->ask("deploy", {{"token", "tok-9f2a"}}, "ada", error);
    const auto no = loaded->ask("deploy", {{"token", "tok-guess"}}, "ada", error);
    ASSERT_TRUE(yes && no) << error;
    EXPECT_TRUE(loaded->decide(*yes).allowed);
    EXPECT_EQ(loaded->decide(*no).message,
              "denied by policy token_holder: Only the holder of the deploy token may deploy");
  }
  const auto wrong = fire(rt, "deploy", {{"token", "tok-guess"}}, 3000);
  EXPECT_EQ(wrong.status, status::rejected);
  EXPECT_EQ(wrong.message,
            "denied by policy token_holder: Only the holder of the deploy token may deploy");
  const auto right = fire(rt, "deploy", {{"token", "tok-9f2a"}}, 4000);
  ASSERT_EQ(right.status, status::ok) << right.message;
  EXPECT_EQ(right.instance->state, std::vector<std::string>{"Deployed"});

  // Shown as *** everywhere a caller looks.
  EXPECT_EQ(right.record->params, R"({"token":"***"})");
  const auto v = rt.status("H-1");
  ASSERT_TRUE(v);
  EXPECT_EQ(engine::to_display(v->data.at(1).second), "***");
  EXPECT_EQ(v->data.at(1).second.kind(), engine::base_type::secret_type);
  const auto h = rt.history("H-1");
  ASSERT_EQ(h->size(), 4u);
  EXPECT_EQ(h->at(0).params, R"({"version":"2.4","owner_key":"***"})");
  EXPECT_EQ(h->at(1).params, R"({"token":"***"})");
  EXPECT_NE(h->at(1).changes.find(R"("after":"***")"), std::string::npos) << h->at(1).changes;
  EXPECT_EQ(h->at(2).params, R"({"token":"***"})");
  EXPECT_NE(h->at(2).detail.find(R"("deploy_token":"***")"), std::string::npos);

  // Stored as keyed hashes: no secret's text is anywhere in the database.
  const std::string bytes = database_bytes();
  ASSERT_NE(bytes.find("2.4"), std::string::npos);  // the check can see the file's text
  for (const char* text : {"owner-s3cret", "tok-9f2a", "tok-guess"}) {
    EXPECT_EQ(bytes.find(text), std::string::npos) << text << " is stored in clear";
  }
  EXPECT_NE(bytes.find(runtime::secret_key(key_a).digest("tok-9f2a")), std::string::npos);

  // Replay reaches the same state from the digests.
  EXPECT_TRUE(rt.verify("H-1").consistent) << rt.verify("H-1").message;
  EXPECT_TRUE(rt.verify_all().consistent);
}

TEST_F(SecretTest, AnAssignedSecretMovesAsItsDigest) {
  auto rt = open();
  ASSERT_EQ(fire(rt, "approve", {{"token", "first"}}, 2000).status, status::ok);
  EXPECT_EQ(fire(rt, "rotate", {{"old", "wrong"}, {"new", "second"}}, 3000).status,
            status::rejected);
  const auto rotated = fire(rt, "rotate", {{"old", "first"}, {"new", "second"}}, 4000);
  ASSERT_EQ(rotated.status, status::ok) << rotated.message;
  EXPECT_EQ(rotated.record->params, R"({"old":"***","new":"***"})");
  EXPECT_EQ(fire(rt, "deploy", {{"token", "first"}}, 5000).status, status::rejected);
  EXPECT_EQ(fire(rt, "deploy", {{"token", "second"}}, 6000).status, status::ok);
  // A nullable secret parameter may be null, and null is no secret's equal.
  auto other = open();
  ASSERT_EQ(other
                .start({.workflow = "Handover",
                        .id = "H-2",
                        .fields = {{"version", "1"}, {"owner_key", "k"}}})
                .status,
            status::ok);
  ASSERT_EQ(other.fire({"H-2", "approve", {{"token", "t"}}}).status, status::ok);
  EXPECT_EQ(other.fire({"H-2", "close", {{"key", "null"}}}).status, status::rejected);
  EXPECT_EQ(other.fire({"H-2", "close", {{"key", "k"}}}).status, status::ok);
}

TEST_F(SecretTest, GatesDryRunsAndEventIdsWorkOnDigests) {
  auto rt = open();
  ASSERT_EQ(fire(rt, "approve", {{"token", "tok"}}, 2000, "e-1").status, status::ok);
  // The same delivery again is a duplicate; the same id with another secret is a conflict.
  EXPECT_TRUE(fire(rt, "approve", {{"token", "tok"}}, 2000, "e-1").duplicate);
  const auto reused = fire(rt, "approve", {{"token", "zq-7"}}, 2000, "e-1");
  EXPECT_EQ(reused.status, status::conflict);
  EXPECT_EQ(reused.message,
            "event id 'e-1' was already used for event 'approve' with other parameters (journal "
            "seq 2)");

  const auto yes =
      rt.gate({.id = "H-1", .can = "deploy", .params = {{"token", "tok"}}, .at = 3000});
  EXPECT_EQ(yes.status, status::ok) << yes.message;
  EXPECT_EQ(yes.record->params, R"({"token":"***"})");
  const auto no = rt.gate({.id = "H-1", .can = "deploy", .params = {{"token", "x"}}, .at = 3000});
  EXPECT_EQ(no.status, status::rejected);
  const auto dry =
      rt.fire({"H-1", "deploy", {{"token", "tok"}}, "ada", std::nullopt, std::nullopt, 4000, true});
  EXPECT_EQ(dry.status, status::ok);
  EXPECT_EQ(dry.record->params, R"({"token":"***"})");
  EXPECT_EQ(rt.status("H-1")->state, std::vector<std::string>{"Approved"});
}

TEST_F(SecretTest, WithoutTheKeyOrWithAnotherOneASecretIsRefusedAndNothingWritten) {
  auto rt = open();
  ASSERT_EQ(fire(rt, "approve", {{"token", "tok"}}, 2000).status, status::ok);
  const std::string before = database_bytes();

  auto keyless = open(std::nullopt);
  const auto none = fire(keyless, "deploy", {{"token", "tok"}}, 3000);
  EXPECT_EQ(none.status, status::invalid);
  EXPECT_EQ(none.message,
            "parameter 'token' of event 'deploy' is a secret, and no key to hash secrets with is "
            "set (the vflow command reads it from VFLOW_SECRET_KEY or the file "
            "VFLOW_SECRET_KEY_FILE names)");
  EXPECT_EQ(keyless
                .start({.workflow = "Handover",
                        .id = "H-3",
                        .fields = {{"version", "1"}, {"owner_key", "k"}}})
                .status,
            status::invalid);

  auto other = open(key_b);
  const auto foreign = fire(other, "deploy", {{"token", "tok"}}, 3000);
  EXPECT_EQ(foreign.status, status::invalid);
  EXPECT_EQ(foreign.message, "field 'owner_key' of instance 'H-1' is a secret hashed with key " +
                                 runtime::secret_key(key_a).id() + ", but the key set now is " +
                                 runtime::secret_key(key_b).id() +
                                 ": secrets compare only under the key they were hashed with");
  std::string error;  // a question asked in memory is refused the same way
  auto loaded = other.load("H-1", 3000);
  ASSERT_TRUE(loaded);
  EXPECT_FALSE(loaded->ask("deploy", {{"token", "tok"}}, "ada", error));
  EXPECT_EQ(error, foreign.message);
  EXPECT_EQ(database_bytes(), before);
  EXPECT_EQ(rt.status("H-1")->seq, 2);
  EXPECT_THROW(runtime::secret_key("too short"), std::invalid_argument);
}

TEST(SecretKey, DigestsAreKeyedAndNameTheirKey) {
  const runtime::secret_key a(key_a), b(key_b);
  EXPECT_EQ(a.digest("x"), a.digest("x"));
  EXPECT_NE(a.digest("x"), a.digest("y"));
  EXPECT_NE(a.digest("x"), b.digest("x"));
  EXPECT_EQ(runtime::key_id_of(a.digest("x")), a.id());
  EXPECT_EQ(a.id().size(), 8u);
  EXPECT_EQ(a.digest("x").size(), std::string("hmac-sha256:").size() + 8 + 1 + 64);
  EXPECT_EQ(runtime::key_id_of("tok-9f2a"), "");
  // HMAC-SHA-256 as RFC 4231 defines it (test case 1: a key of 20 bytes 0x0b, "Hi There").
  const std::string digest = runtime::secret_key(std::string(20, '\x0b')).digest("Hi There");
  EXPECT_EQ(digest.substr(digest.size() - 64),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

}  // namespace
