// What only the PostgreSQL store has: a server that can drop the connection. A command on a lost
// connection fails as a store error and writes nothing; the same runtime works again on the next
// one. Runs on the server VFLOW_TEST_POSTGRES names (scripts/test.sh starts one); skipped without.
#include <gtest/gtest.h>

#include "tests/runtime/runtime_util.hpp"

namespace {

using namespace vflow;

TEST(PostgresStore, ALostConnectionFailsOneRequestAndIsReopenedForTheNext) {
  test::temp_dir dir;
  const std::string url = test::fresh_database("postgresql", dir);
  if (url.empty()) GTEST_SKIP() << "no PostgreSQL server (set VFLOW_TEST_POSTGRES)";
  auto rt = runtime::engine_runtime::open(url);
  ASSERT_TRUE(rt.deploy({test::source("tests/flows/valid/counter.flow")}).ok());
  ASSERT_EQ(rt.start({.workflow = "Counter", .id = "C"}).status, runtime::status::ok);
  const auto bump = [&](const std::string& id) {
    return rt.fire({"C", "bump", {{"by", "1"}}, "test", id, std::nullopt, std::nullopt});
  };
  ASSERT_EQ(bump("e-1").status, runtime::status::ok);
  // The server ends every other connection to this database: the runtime's among them.
  const std::string database = url.substr(url.rfind('/') + 1);
  const std::string server = std::getenv("VFLOW_TEST_POSTGRES");
  const std::string kill = "psql '" + server +
                           "' -qAtX -c \"SELECT count(pg_terminate_backend(pid)) FROM "
                           "pg_stat_activity WHERE datname = '" +
                           database + "'\" 2>&1";
  ASSERT_EQ(test::shell(kill), "1\n");
  try {
    bump("e-2");
    ADD_FAILURE() << "a request on a lost connection succeeded";
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write database"), std::string::npos) << e.what();
  }
  EXPECT_EQ(bump("e-2").status, runtime::status::ok);  // on a new connection
  const auto v = rt.status("C");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->seq, 3);
  EXPECT_EQ(v->data[0].second, engine::value::of_int(2));
  EXPECT_TRUE(rt.verify("C").consistent);
}

}  // namespace
