// Scenario files for `vflow test` (`*.flowtest`): which workflows, then scenarios of steps
// (start, fire, gate, tick) and expectations, each with its line for the report.
//
//   use "change.flow"                       # workflow files, relative to this file
//   scenario "the requester cannot approve"
//     start Change summary=patch requester=alice --actor alice
//     fire assess risk=low --actor alice
//     expect state Assessed
//     fire approve user=alice --actor alice
//     expect rejected "four_eyes"
//     expect risk = low
//   end
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vflow::cli {

/// One line of a scenario: a step or an expectation.
struct scenario_step {
  enum class kind { start, fire, gate, tick, expect };
  kind what = kind::fire;
  std::uint32_t line = 0;
  std::vector<std::string> words;  ///< the line's words after its keyword (quotes removed)
};

/// A scenario: a name and its steps, in order.
struct scenario {
  std::string name;
  std::uint32_t line = 0;
  std::vector<scenario_step> steps;
};

/// A parsed `.flowtest` file.
struct scenario_file {
  std::string path;
  std::vector<std::string> uses;  ///< workflow files, as paths relative to the working directory
  std::vector<scenario> scenarios;
};

/// Parses `text` (the file `path`); a message `path:line: what` for the first malformed line.
std::optional<std::string> parse_scenarios(const std::string& path, const std::string& text,
                                           scenario_file& out);

}  // namespace vflow::cli
