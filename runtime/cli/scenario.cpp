// Parsing `.flowtest` scenario files (see scenario.hpp).
#include "runtime/cli/scenario.hpp"

#include <filesystem>

namespace vflow::cli {

namespace {

// Splits a line into words: blanks separate them, `"..."` quotes one (with \" and \\), `#`
// outside quotes ends the line. False with `error` set when a quote is not closed.
bool split(const std::string& line, std::vector<std::string>& words, std::string& error) {
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '#') break;
    if (c == ' ' || c == '\t' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '"') {
      in_word = true;
      for (++i;; ++i) {
        if (i >= line.size()) {
          error = "a quoted word is not closed";
          return false;
        }
        if (line[i] == '"') break;
        if (line[i] == '\\' && i + 1 < line.size()) ++i;
        word += line[i];
      }
    } else {
      in_word = true;
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return true;
}

}  // namespace

std::optional<std::string> parse_scenarios(const std::string& path, const std::string& text,
                                           scenario_file& out) {
  out.path = path;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  scenario* open = nullptr;
  std::uint32_t number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    const auto where = [&](const std::string& what) {
      return path + ":" + std::to_string(number) + ": " + what;
    };
    std::vector<std::string> words;
    std::string error;
    if (!split(line, words, error)) return where(error);
    if (words.empty()) continue;
    const std::string keyword = words.front();
    words.erase(words.begin());
    if (keyword == "use") {
      if (open) return where("`use` goes before the scenarios");
      if (words.size() != 1) return where("`use` takes one file: use \"change.flow\"");
      out.uses.push_back((dir / words.front()).lexically_normal().string());
    } else if (keyword == "scenario") {
      if (open) return where("scenario \"" + open->name + "\" has no `end` before this one");
      if (words.size() != 1) return where("a scenario takes one name: scenario \"what it shows\"");
      out.scenarios.push_back({words.front(), number, {}});
      open = &out.scenarios.back();
    } else if (keyword == "end") {
      if (!open) return where("`end` without a scenario");
      if (open->steps.empty()) return where("scenario \"" + open->name + "\" has no steps");
      open = nullptr;
    } else {
      using k = scenario_step::kind;
      std::optional<k> what;
      if (keyword == "start") what = k::start;
      if (keyword == "fire") what = k::fire;
      if (keyword == "gate") what = k::gate;
      if (keyword == "tick") what = k::tick;
      if (keyword == "expect") what = k::expect;
      if (!what) {
        return where("unknown word '" + keyword +
                     "': expected use, scenario, start, fire, gate, tick, expect or end");
      }
      if (!open) return where("`" + keyword + "` outside a scenario");
      if (*what != k::tick && words.empty()) return where("`" + keyword + "` needs more words");
      open->steps.push_back({*what, number, std::move(words)});
    }
  }
  if (open)
    return path + ":" + std::to_string(open->line) + ": scenario \"" + open->name +
           "\" has no `end`";
  if (out.uses.empty()) return path + ":1: no workflow file: start with use \"WORKFLOW.flow\"";
  return std::nullopt;
}

}  // namespace vflow::cli
