// SCXML conformance: each chart in tests/scxml/conformance is imported, deployed, started and
// driven only through the commands a third-party suite uses (`import scxml`, `deploy`, `start`,
// `fire`, `tick --now`, `status --json`). Its .json sibling says, after the start and after each
// event or elapsed delay, which atomic states SCXML (W3C Recommendation, Appendix D) has active.
// The charts and their expectations are written from the specification, one construct each.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/cli/cli_util.hpp"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::vector<std::string> charts() {
  std::vector<std::string> out;
  for (const auto& e :
       fs::directory_iterator(std::string(VFLOW_SOURCE_DIR) + "/tests/scxml/conformance")) {
    if (e.path().extension() == ".scxml") out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::set<std::string> names(const json& list) {
  std::set<std::string> out;
  for (const auto& s : list) out.insert(s.get<std::string>());
  return out;
}

std::string text(const std::set<std::string>& s) {
  std::string out = "{";
  for (const auto& x : s) out += (out.size() > 1 ? ", " : "") + x;
  return out + "}";
}

// An ISO time `ms` milliseconds after the start.
std::string at(std::int64_t ms) {
  const std::int64_t s = ms / 1000;
  char buf[64];
  std::snprintf(buf, sizeof buf, "2026-01-01T%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(s / 3600), static_cast<long long>(s / 60 % 60),
                static_cast<long long>(s % 60), static_cast<long long>(ms % 1000));
  return buf;
}

class ScxmlConformance : public vflow::test::cli_fixture,
                         public testing::WithParamInterface<std::string> {};

TEST_P(ScxmlConformance, ReachesTheSpecifiedConfigurations) {
  const std::string base = src("tests/scxml/conformance/" + GetParam());
  std::ifstream in(base + ".json");
  const json spec = json::parse(in);
  const auto imported = vflow("import scxml " + base + ".scxml", false);
  ASSERT_EQ(imported.exit_code, 0) << vflow("import scxml " + base + ".scxml").out;
  const std::string flow = (dir / "chart.flow").string();
  std::ofstream(flow) << imported.out;
  const auto deployed = vflow("deploy " + flow);
  ASSERT_EQ(deployed.exit_code, 0) << deployed.out << "\n" << imported.out;
  const std::string workflow = vflow_json("check " + flow)["files"][0]["workflows"][0]["name"];
  ASSERT_EQ(vflow("start " + workflow + " --id I --at " + at(0)).exit_code, 0);
  const auto config = [&] { return names(vflow_json("status I")["state"]); };
  EXPECT_EQ(text(config()), text(names(spec["initialConfiguration"]))) << "after the start\n"
                                                                       << imported.out;
  std::int64_t now = 0;
  int step = 0;
  for (const json& e : spec["events"]) {
    ++step;
    std::string what;
    if (e.contains("after")) {
      now += e["after"].get<std::int64_t>();
      vflow("tick --now " + at(now));
      what = "after " + std::to_string(e["after"].get<std::int64_t>()) + " ms";
    } else {
      const std::string name = e["event"]["name"];
      vflow("fire I " + name + " --at " + at(now));
      what = "event '" + name + "'";
    }
    EXPECT_EQ(text(config()), text(names(e["nextConfiguration"])))
        << "step " << step << ", " << what << "\n"
        << imported.out;
  }
}

INSTANTIATE_TEST_SUITE_P(Charts, ScxmlConformance, testing::ValuesIn(charts()),
                         [](const testing::TestParamInfo<std::string>& chart) {
                           return chart.param;
                         });

}  // namespace
