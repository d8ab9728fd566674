// `vflow export`: the value-chain example as an OCEL 2.0 log, checked against the OCEL 2.0 JSON
// structure (types declared before use, attribute values of their declared type, every
// relationship to an object in the log), and as CSV and JSON Lines.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "tests/cli/cli_util.hpp"

namespace {

using nlohmann::json;
using vflow::test::shell;

class ExportCli : public vflow::test::cli_fixture {
 protected:
  void SetUp() override {
    ASSERT_EQ(shell("VFLOW_DB='" + db() + "' '" + src("examples/value-chain/run.sh") + "' '" +
                    VFLOW_BINARY + "' >/dev/null 2>&1; echo $?"),
              "0\n");
  }
};

// The attribute types of OCEL 2.0, and whether a JSON value is one of them.
bool of_type(const json& v, const std::string& type) {
  static const std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)");
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer();
  if (type == "float") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "time") return v.is_string() && std::regex_match(v.get<std::string>(), iso);
  return false;
}

// The declared attributes of each type of `types` (objectTypes or eventTypes).
std::map<std::string, std::map<std::string, std::string>> declared(const json& types) {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const auto& t : types) {
    EXPECT_TRUE(t.at("name").is_string());
    auto& attributes = out[t.at("name").get<std::string>()];
    for (const auto& a : t.at("attributes")) {
      const std::string type = a.at("type");
      EXPECT_TRUE(type == "string" || type == "integer" || type == "float" || type == "boolean" ||
                  type == "time")
          << type;
      attributes[a.at("name").get<std::string>()] = type;
    }
  }
  return out;
}

TEST_F(ExportCli, TheValueChainIsAValidOcel2Log) {
  const auto r = vflow("export", false);
  ASSERT_EQ(r.exit_code, 0);
  const json log = json::parse(r.out);
  EXPECT_EQ(log.size(), 4u);
  const auto object_types = declared(log.at("objectTypes"));
  const auto event_types = declared(log.at("eventTypes"));
  std::set<std::string> objects;
  for (const auto& o : log.at("objects")) objects.insert(o.at("id").get<std::string>());
  EXPECT_EQ(objects.size(), log["objects"].size()) << "object ids are unique";
  EXPECT_EQ(objects.size(), 15u);
  for (const auto& o : log["objects"]) {
    const auto& attributes = object_types.at(o.at("type").get<std::string>());
    for (const auto& a : o.at("attributes")) {
      const std::string name = a.at("name");
      ASSERT_TRUE(attributes.count(name)) << o["id"] << " " << name;
      EXPECT_TRUE(of_type(a.at("value"), attributes.at(name))) << o["id"] << " " << a;
      EXPECT_TRUE(of_type(a.at("time"), "time")) << a;
    }
    for (const auto& rel : o.at("relationships")) {
      EXPECT_TRUE(objects.count(rel.at("objectId").get<std::string>())) << rel;
      EXPECT_TRUE(rel.at("qualifier").is_string());
    }
  }
  std::set<std::string> event_ids;
  std::string last_time;
  for (const auto& e : log.at("events")) {
    EXPECT_TRUE(event_ids.insert(e.at("id").get<std::string>()).second) << e["id"];
    EXPECT_TRUE(of_type(e.at("time"), "time"));
    const auto& attributes = event_types.at(e.at("type").get<std::string>());
    for (const auto& a : e.at("attributes")) {
      const std::string name = a.at("name");
      ASSERT_TRUE(attributes.count(name)) << e["id"] << " " << name;
      EXPECT_TRUE(of_type(a.at("value"), attributes.at(name))) << e["id"] << " " << a;
    }
    ASSERT_FALSE(e.at("relationships").empty());
    for (const auto& rel : e["relationships"]) {
      EXPECT_TRUE(objects.count(rel.at("objectId").get<std::string>())) << rel;
    }
  }
  // Every journal record is an event, in journal order.
  EXPECT_EQ(log["events"].size(),
            vflow_json("query 'SELECT count(*) AS n FROM journal'")["rows"][0]["n"]);
  EXPECT_EQ(log["events"][0]["id"], "e1");
  // What a process-mining tool needs of the chain: the incident related to its problem, the
  // problem's refused fix with the policy's reason, the links as object-to-object relations.
  const auto object = [&](const std::string& id) {
    for (const auto& o : log["objects"]) {
      if (o["id"] == id) return o;
    }
    return json();
  };
  const json problem = object("PRB-1");
  EXPECT_EQ(problem["type"], "Problem");
  bool incident_linked = false;
  for (const auto& rel : problem["relationships"]) {
    incident_linked =
        incident_linked || (rel["objectId"] == "INC-2" && rel["qualifier"] == "incidents");
  }
  EXPECT_TRUE(incident_linked) << problem;
  bool refused = false;
  for (const auto& e : log["events"]) {
    if (e["type"] != "Problem accept_fix") continue;
    for (const auto& a : e["attributes"]) {
      refused = refused || (a["name"] == "vflow:outcome" && a["value"] == "rejected");
    }
  }
  EXPECT_TRUE(refused);
}

TEST_F(ExportCli, RecordsAsCsvAndJsonLinesWithFilters) {
  const auto csv = vflow("export --format csv --workflow Problem", false).out;
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "gseq,instance,workflow,seq,kind,activity,actor,outcome,reason,at,recorded_at,params,"
            "changes,hash\r");
  const auto problem_records = vflow_json("history PRB-1").size();
  EXPECT_EQ(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')),
            problem_records + 1);
  const auto lines = vflow("export --format jsonl --workflow Problem", false).out;
  std::size_t n = 0;
  std::int64_t last = 0;
  for (std::size_t at = 0, end; (end = lines.find('\n', at)) != std::string::npos; at = end + 1) {
    const json j = json::parse(lines.substr(at, end - at));
    EXPECT_EQ(j["workflow"], "Problem");
    EXPECT_GT(j["gseq"].get<std::int64_t>(), last);
    last = j["gseq"];
    ++n;
  }
  EXPECT_EQ(n, problem_records);
  EXPECT_EQ(vflow("export --format csv --since 2100-01-01", false).out,
            "gseq,instance,workflow,seq,kind,activity,actor,outcome,reason,at,recorded_at,params,"
            "changes,hash\r\n");
  EXPECT_EQ(vflow("export --since someday").exit_code, 2);
}

}  // namespace
