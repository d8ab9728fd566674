// `vflow fire --batch FILE.jsonl` (or `-`): many events in one transaction (group commit), each
// still journaled as its own record with its own idempotency and outcome.
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/text.hpp"
#include "runtime/cli/cli.hpp"
#include "runtime/cli/files.hpp"
#include "runtime/cli/output.hpp"

namespace vflow::cli {

namespace {

constexpr std::size_t max_batch = 100'000;  // events in one transaction

// A parameter's value as the command line would give it.
std::string text_of(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "null";
  return v.dump();
}

// One line of the batch: {"id", "event", "params", "actor", "event_id", "at", "expect_seq"}.
runtime::fire_request request_of(const json& line, std::size_t number) {
  const auto where = "line " + std::to_string(number) + ": ";
  if (!line.is_object()) throw usage_error{where + "expected a JSON object"};
  static const std::set<std::string> known{"id",       "event", "params",    "actor",
                                           "event_id", "at",    "expect_seq"};
  for (const auto& [key, value] : line.items()) {
    if (!known.count(key)) {
      throw usage_error{where + "unknown key '" + key +
                        "' (id, event, params, actor, event_id, at, expect_seq)"};
    }
  }
  const auto text = [&](const char* key, bool required) -> std::optional<std::string> {
    if (!line.contains(key) || line[key].is_null()) {
      if (required) throw usage_error{where + "'" + key + "' is required"};
      return std::nullopt;
    }
    if (!line[key].is_string()) throw usage_error{where + "'" + key + "' must be a string"};
    return line[key].get<std::string>();
  };
  runtime::fire_request r;
  r.id = *text("id", true);
  r.event = *text("event", true);
  r.actor = text("actor", false);
  r.event_id = text("event_id", false);
  if (const auto at = text("at", false)) {
    r.at = engine::parse_time(*at);
    if (!r.at) throw usage_error{where + "'at' must be an ISO-8601 UTC time, got '" + *at + "'"};
  }
  if (line.contains("expect_seq") && !line["expect_seq"].is_null()) {
    if (!line["expect_seq"].is_number_integer())
      throw usage_error{where + "'expect_seq' must be an integer"};
    r.expect_seq = line["expect_seq"].get<std::int64_t>();
  }
  if (line.contains("params")) {
    if (!line["params"].is_object()) throw usage_error{where + "'params' must be an object"};
    for (const auto& [name, value] : line["params"].items()) {
      if (value.is_object() || value.is_array())
        throw usage_error{where + "parameter '" + name + "' must be a string, number or bool"};
      r.params.emplace_back(name, text_of(value));
    }
  }
  return r;
}

}  // namespace

int run_fire_batch(const std::string& file, bool all_or_nothing, const global_options& g) {
  std::string content;
  if (file == "-") {
    content.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else if (const auto problem = read_file(file, content)) {
    throw usage_error{*problem};
  }
  // Every line is read and checked before anything is applied.
  std::vector<runtime::fire_request> requests;
  std::size_t number = 0, start = 0;
  while (start < content.size()) {
    const std::size_t end = std::min(content.find('\n', start), content.size());
    const std::string_view line(content.data() + start, end - start);
    start = end + 1;
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (requests.size() == max_batch) {
      throw usage_error{"a batch holds at most " + std::to_string(max_batch) +
                        " events; split the file"};
    }
    const json parsed = json::parse(line, nullptr, false);
    if (parsed.is_discarded()) {
      throw usage_error{"line " + std::to_string(number) + ": not valid JSON"};
    }
    requests.push_back(request_of(parsed, number));
  }
  if (requests.empty()) throw usage_error{"the batch holds no event"};

  auto rt = open_runtime(g, db_access::write);
  const runtime::batch_outcome out = rt.fire_batch(requests, all_or_nothing);
  std::size_t taken = 0, rejected = 0, failed = 0;
  for (const auto& o : out.events) {
    ++(o.status == runtime::status::ok         ? taken
       : o.status == runtime::status::rejected ? rejected
                                               : failed);
  }
  if (g.json) {
    json events = json::array();
    for (const auto& o : out.events) events.push_back(to_json(o));
    print_json({{"format_version", format_version},
                {"committed", out.committed},
                {"taken", taken},
                {"rejected", rejected},
                {"failed", failed},
                {"events", events}});
  } else {
    for (std::size_t i = 0; i < out.events.size(); ++i) {
      const auto& o = out.events[i];
      std::cout << i + 1 << ' ' << safe(requests[i].id) << ' ' << safe(requests[i].event) << ": "
                << (o.status == runtime::status::ok ? "taken" : runtime::to_string(o.status));
      if (o.record)
        std::cout << " (seq " << o.record->seq << (o.duplicate ? ", duplicate" : "") << ")";
      if (!o.message.empty()) std::cout << " \u2014 " << safe(o.message);
      std::cout << '\n';
    }
    if (out.committed) {
      std::cout << out.events.size() << " events in one transaction: " << taken << " taken, "
                << rejected << " rejected, " << failed << " failed\n";
    } else {
      std::cout << "rolled back, nothing written: event " << out.events.size()
                << " was not taken (--all-or-nothing)\n";
    }
  }
  return out.committed && taken == out.events.size() ? exit_ok : exit_no;
}

}  // namespace vflow::cli
