// `vflow test [PATH...]`: the scenarios of `*.flowtest` files (scenario.hpp), each run against a
// throw-away store with a simulated clock; every failure at its file:line; the transitions and
// policy clauses no scenario exercised.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "dsl/compiler.hpp"
#include "engine/text.hpp"
#include "engine/value.hpp"
#include "runtime/cli/cli.hpp"
#include "runtime/cli/files.hpp"
#include "runtime/cli/output.hpp"
#include "runtime/cli/report.hpp"
#include "runtime/cli/scenario.hpp"
#include "runtime/runtime.hpp"

namespace vflow::cli {

namespace {

namespace fs = std::filesystem;

struct test_args {
  std::vector<std::string> paths;
  std::string format = "text";
  std::size_t jobs = 0;  // 0: one per core
};

// Where a scenario failed, and why.
struct failure {
  std::uint32_t line = 0;
  std::string message;
};

struct scenario_result {
  std::string file;
  std::string name;
  std::uint32_t line = 0;
  std::optional<failure> failed;
  double seconds = 0;
};

// What of a workflow the scenarios exercised: its transitions (by kind and index, as the
// journal's `path` names them) and its policies' deny clauses (by line).
struct workflow_coverage {
  std::string file;
  struct item {
    std::uint32_t line = 0;
    std::string label;
    bool covered = false;
  };
  std::map<std::string, item> transitions;  // "event:3", "timer:0", ...
  std::map<std::uint32_t, item> denies;     // by line
};
using coverage_map = std::map<std::string, workflow_coverage>;  // by workflow name

void add_workflow(const engine::machine& m, const std::string& file, coverage_map& cov) {
  workflow_coverage& w = cov[m.name];
  w.file = file;
  const auto name = [&](engine::state_id s) { return m.state(s).name; };
  for (std::size_t i = 0; i < m.transitions.size(); ++i) {
    const auto& t = m.transitions[i];
    const std::string to = t.target == engine::no_state ? "(stays)" : name(t.target);
    w.transitions["event:" + std::to_string(i)] = {
        t.pos.line, name(t.source) + " -> " + to + " on " + m.event(t.event).name, false};
  }
  for (std::size_t i = 0; i < m.done.size(); ++i) {
    const auto& t = m.done[i];
    w.transitions["done:" + std::to_string(i)] = {
        t.pos.line, name(t.source) + " -> " + name(t.target) + " when done", false};
  }
  for (std::size_t i = 0; i < m.always.size(); ++i) {
    const auto& t = m.always[i];
    w.transitions["always:" + std::to_string(i)] = {
        t.pos.line, name(t.source) + " -> " + name(t.target) + " always", false};
  }
  for (std::size_t i = 0; i < m.timers.size(); ++i) {
    const auto& t = m.timers[i];
    w.transitions["timer:" + std::to_string(i)] = {
        t.pos.line, name(t.source) + " -> " + name(t.target) + " after a delay", false};
  }
  for (const auto& d : m.denies) {
    w.denies[d.pos.line] = {d.pos.line, "policy " + m.policies[d.policy].name, false};
  }
}

// Marks what the journal of every instance of `rt` shows was taken or denied.
void mark(runtime::engine_runtime& rt, coverage_map& cov) {
  runtime::instance_filter all;
  all.limit = std::numeric_limits<std::size_t>::max() / 2;
  for (const auto& v : rt.list(all)) {
    const auto it = cov.find(v.workflow);
    if (it == cov.end()) continue;
    for (const auto& r : rt.history(v.id).value_or(std::vector<runtime::journal_row>{})) {
      const json detail = json::parse(r.detail, nullptr, false);
      if (!detail.is_object()) continue;
      if (r.kind != runtime::record_kind::gate && detail.contains("path")) {
        for (const auto& e : detail["path"]) {
          const std::string key =
              e.value("kind", "") + ":" + std::to_string(e.value("index", std::uint32_t{0}));
          if (auto t = it->second.transitions.find(key); t != it->second.transitions.end())
            t->second.covered = true;
        }
      }
      if (detail.contains("trace")) {
        for (const auto& e : detail["trace"]) {
          if (e.value("kind", "") != "deny" || !e.value("result", false)) continue;
          if (auto d = it->second.denies.find(e.value("line", std::uint32_t{0}));
              d != it->second.denies.end())
            d->second.covered = true;
        }
      }
    }
  }
}

// A step's words: `name=value` pairs, `--option value`s, and the other words in order.
struct step_words {
  std::vector<std::string> plain;
  runtime::named_values values;
  std::map<std::string, std::string> options;
};

std::optional<std::string> split_words(const std::vector<std::string>& words, step_words& out) {
  static const std::set<std::string> known{"--actor", "--at", "--id", "--version"};
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w.rfind("--", 0) == 0) {
      if (!known.count(w)) return "unknown option '" + w + "' (--actor, --at, --id, --version)";
      if (i + 1 >= words.size()) return w + " needs a value";
      out.options[w] = words[++i];
    } else if (const auto eq = w.find('='); eq != std::string::npos && eq > 0) {
      out.values.emplace_back(w.substr(0, eq), w.substr(eq + 1));
    } else {
      out.plain.push_back(w);
    }
  }
  return std::nullopt;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

// Runs one scenario in a store of its own; the first failure, if any. Marks coverage.
std::optional<failure> run_scenario(const scenario& s,
                                    const std::vector<runtime::source_file>& sources,
                                    coverage_map& cov, std::mutex& cov_mutex) {
  static std::atomic<int> counter{0};
  const fs::path dir = fs::temp_directory_path() / ("vflow-test-" + std::to_string(::getpid()) +
                                                    "-" + std::to_string(counter++));
  fs::remove_all(dir);
  fs::create_directories(dir);
  struct cleanup {
    fs::path dir;
    ~cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleaner{dir};
  runtime::sqlite_options o;
  o.create = true;
  o.synchronous = "NORMAL";  // a throw-away store: no fsync per step
  auto rt = runtime::engine_runtime::open((dir / "test.db").string(), o);
  rt.set_secret_key("vflow test: a fixed key for scenarios");
  const auto deployed = rt.deploy(sources);
  if (!deployed.ok()) {
    for (const auto& d : deployed.diagnostics) {
      if (d.severity == dsl::severity::error) {
        return failure{s.line, "the workflows do not compile: " + d.file + ":" +
                                   std::to_string(d.span.line) + ": " + d.message};
      }
    }
  }
  std::int64_t clock = *engine::parse_time("2026-01-01T00:00:00Z");
  std::string current;  // the instance started last: the one steps address by default
  std::optional<runtime::step_outcome> last;
  std::optional<failure> result;
  for (std::size_t n = 0; n < s.steps.size() && !result; ++n) {
    const scenario_step& step = s.steps[n];
    step_words w;
    if (auto bad = split_words(step.words, w)) {
      result = failure{step.line, *bad};
      break;
    }
    const auto option = [&](const std::string& name) -> std::optional<std::string> {
      const auto it = w.options.find(name);
      return it == w.options.end() ? std::nullopt : std::optional(it->second);
    };
    // Steps address the instance started or named (--id) last. `--id ID/LINK` names the
    // instance that link of ID holds (one spawned by it, whose id the scenario cannot know).
    if (auto named = option("--id"); named && step.what != scenario_step::kind::start) {
      std::string path = *named;  // ID/LINK/LINK...: followed one link at a time
      std::size_t slash = path.find('/');
      std::string at_id = path.substr(0, slash);
      while (slash != std::string::npos && !result) {
        const std::size_t next = path.find('/', slash + 1);
        const std::string link = path.substr(slash + 1, next - slash - 1);
        const auto holder = rt.status(at_id);
        std::optional<std::string> held;
        if (holder) {
          for (const auto& [name, ids] : holder->links) {
            if (name == link && !ids.empty()) held = ids.front();
          }
        }
        if (!held) result = failure{step.line, "no instance is held by " + *named};
        at_id = held.value_or("");
        slash = next;
      }
      if (result) break;
      current = at_id;
    }
    const std::string id = current;
    // The simulated clock: a minute per step, unless the step says when.
    if (const auto at = option("--at")) {
      const auto t = engine::parse_time(*at);
      if (!t) {
        result = failure{step.line, "--at expects an ISO-8601 UTC time, got '" + *at + "'"};
        break;
      }
      clock = *t;
    } else if (step.what != scenario_step::kind::expect) {
      clock += 60'000;
    }
    using k = scenario_step::kind;
    if (step.what == k::start) {
      runtime::start_request req;
      req.workflow = w.plain.empty() ? "" : w.plain.front();
      req.fields = w.values;
      req.id = option("--id");
      req.actor = option("--actor");
      req.at = clock;
      if (const auto v = option("--version")) req.version = std::stoll(*v);
      last = rt.start(req);
      if (last->status == runtime::status::ok && last->instance) current = last->instance->id;
    } else if (step.what == k::fire || step.what == k::gate) {
      if (w.plain.size() != 1) {
        result = failure{step.line, "name one event: fire EVENT [name=value...] [--id ID]"};
        break;
      }
      if (id.empty()) {
        result = failure{step.line, "no instance yet: start one first, or give --id"};
        break;
      }
      const auto actor = option("--actor");
      last = step.what == k::fire ? rt.fire({.id = id,
                                             .event = w.plain.front(),
                                             .params = w.values,
                                             .actor = actor,
                                             .at = clock})
                                  : rt.gate({.id = id,
                                             .can = w.plain.front(),
                                             .params = w.values,
                                             .actor = actor,
                                             .at = clock});
    } else if (step.what == k::tick) {
      if (!w.plain.empty()) {
        const auto t = engine::parse_time(w.plain.front());
        if (!t) {
          result = failure{step.line, "tick takes an ISO-8601 UTC time, got '" + w.plain[0] + "'"};
          break;
        }
        clock = *t;
      }
      rt.tick(clock);
      last.reset();
    } else {  // expect: its words without the options
      std::vector<std::string> words;
      for (std::size_t i = 0; i < step.words.size(); ++i) {
        if (step.words[i].rfind("--", 0) == 0) {
          ++i;
        } else {
          words.push_back(step.words[i]);
        }
      }
      if (words.empty()) {
        result =
            failure{step.line, "expect what? taken, rejected, state, lifecycle or FIELD = VALUE"};
        break;
      }
      const std::string what = words.front();
      if (what == "taken" || what == "rejected") {
        if (!last) {
          result = failure{step.line, "`expect " + what + "` follows no start, fire or gate"};
        } else if ((last->status == runtime::status::ok) != (what == "taken")) {
          result = failure{step.line, "expected " + what + ", but it was " +
                                          (last->status == runtime::status::ok
                                               ? std::string("taken")
                                               : std::string(runtime::to_string(last->status)) +
                                                     ": " + last->message)};
        } else if (what == "rejected" && words.size() > 1 &&
                   last->message.find(words[1]) == std::string::npos) {
          result = failure{step.line, "expected a refusal saying \"" + words[1] +
                                          "\", but it said: " + last->message};
        }
        continue;
      }
      const auto view = id.empty() ? std::nullopt : rt.status(id);
      if (!view) {
        result = failure{step.line, "no instance '" + id + "' to expect anything of"};
        break;
      }
      if (what == "state") {
        std::vector<std::string> wanted(words.begin() + 1, words.end());
        for (const auto& st : wanted) {
          if (std::find(view->configuration.begin(), view->configuration.end(), st) ==
              view->configuration.end()) {
            result =
                failure{step.line, "expected state " + joined(wanted) + ", but " + view->workflow +
                                       " " + view->id + " is in " + joined(view->state)};
            break;
          }
        }
      } else if (what == "lifecycle") {
        const std::string is(runtime::to_string(view->lifecycle));
        if (words.size() != 2 || words[1] != is) {
          result = failure{step.line, "expected lifecycle " + (words.size() > 1 ? words[1] : "?") +
                                          ", but it is " + is};
        }
      } else if (words.size() == 3 && words[1] == "=") {
        const auto field = std::find_if(view->data.begin(), view->data.end(),
                                        [&](const auto& f) { return f.first == what; });
        if (field == view->data.end()) {
          result = failure{step.line, view->workflow + " has no field '" + what + "'"};
        } else if (const std::string is = engine::to_display(field->second); is != words[2]) {
          result = failure{step.line, "expected " + what + " = " + words[2] + ", but it is " + is};
        }
      } else {
        result = failure{step.line,
                         "expect taken, rejected [\"text\"], state S..., lifecycle L, or "
                         "FIELD = VALUE"};
      }
      continue;
    }
    // A step that was refused fails the scenario, unless the next line expects the refusal.
    const bool refusal_expected = n + 1 < s.steps.size() && s.steps[n + 1].what == k::expect &&
                                  s.steps[n + 1].words.front() == "rejected";
    if (last && last->status != runtime::status::ok && !refusal_expected) {
      result =
          failure{step.line, std::string(runtime::to_string(last->status)) + ": " + last->message +
                                 " (write `expect rejected` after a step "
                                 "that should be refused)"};
    }
  }
  const std::lock_guard<std::mutex> lock(cov_mutex);
  mark(rt, cov);
  return result;
}

int run_test(const test_args& args, const global_options& global) {
  const auto format = parse_report_format(args.format);
  if (!format || *format == report_format::sarif || *format == report_format::github) {
    throw usage_error{"--format must be text, json or junit, not '" + args.format + "'"};
  }
  const bool as_json = global.json || *format == report_format::json_document;
  // The scenario files: those given, and those under the directories given.
  std::vector<fs::path> files;
  for (const std::string& p : args.paths.empty() ? std::vector<std::string>{"."} : args.paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(p, ec)) {
        if (e.path().extension() == ".flowtest") files.push_back(e.path());
      }
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      throw usage_error{"no such file or directory: " + p};
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw usage_error{"no *.flowtest file under " + joined(args.paths)};

  std::vector<scenario_result> results;
  coverage_map coverage;
  struct job {
    std::size_t file;  // into parsed and sources_of
    const scenario* s;
  };
  std::deque<scenario_file> parsed;  // stable addresses for the jobs
  std::vector<std::vector<runtime::source_file>> sources_of;
  std::vector<job> jobs;
  for (const fs::path& path : files) {
    std::string text;
    if (const auto problem = read_file(path, text)) throw usage_error{*problem};
    scenario_file f;
    if (const auto problem = parse_scenarios(path.lexically_normal().string(), text, f)) {
      std::cerr << "vflow test: " << safe(*problem) << '\n';
      return exit_usage;
    }
    std::vector<fs::path> uses(f.uses.begin(), f.uses.end());
    std::vector<flow_text> texts;
    std::vector<dsl::diagnostic> import_problems;
    if (const auto problem = read_with_imports(uses, texts, import_problems)) {
      std::cerr << "vflow test: " << f.path << ": " << safe(*problem) << '\n';
      return exit_usage;
    }
    std::vector<runtime::source_file> sources;
    std::vector<dsl::flow_source> compile;
    for (const auto& t : texts) {
      sources.push_back({t.name, t.text, t.imported});
      compile.push_back({t.name, t.text, t.imported});
    }
    const auto compiled = dsl::compile_set(compile);
    for (std::size_t i = 0; i < texts.size(); ++i) {
      if (texts[i].imported) continue;
      for (const auto& m : compiled[i].machines) {
        if (!coverage.count(m.name)) add_workflow(m, texts[i].name, coverage);
      }
    }
    parsed.push_back(std::move(f));
    sources_of.push_back(std::move(sources));
    for (const scenario& s : parsed.back().scenarios) {
      jobs.push_back({parsed.size() - 1, &s});
      results.push_back({parsed.back().path, s.name, s.line, std::nullopt, 0});
    }
  }
  // The scenarios run in parallel, each in a store of its own; results keep the files' order.
  std::atomic<std::size_t> next{0};
  std::mutex coverage_mutex;
  const auto worker = [&] {
    for (std::size_t i = next++; i < jobs.size(); i = next++) {
      const auto began = std::chrono::steady_clock::now();
      scenario_result& r = results[i];
      try {
        r.failed = run_scenario(*jobs[i].s, sources_of[jobs[i].file], coverage, coverage_mutex);
      } catch (const std::exception& e) {
        r.failed = failure{jobs[i].s->line, std::string("could not run: ") + e.what()};
      }
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    }
  };
  const std::size_t threads = std::min<std::size_t>(
      jobs.size(), args.jobs > 0 ? args.jobs : std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  const std::size_t failed = static_cast<std::size_t>(std::count_if(
      results.begin(), results.end(), [](const auto& r) { return r.failed.has_value(); }));

  if (*format == report_format::junit) {
    std::vector<junit_case> cases;
    for (const auto& r : results) {
      junit_case c{r.file, r.name, r.file, r.line, r.seconds};
      if (r.failed) {
        c.failed = true;
        c.failure_message = r.failed->message;
        c.failure_text = r.file + ":" + std::to_string(r.failed->line) + ": " + r.failed->message;
      }
      cases.push_back(std::move(c));
    }
    std::cout << junit_document("vflow test", cases);
  } else if (as_json) {
    json list = json::array();
    for (const auto& r : results) {
      list.push_back(
          {{"file", r.file},
           {"line", r.line},
           {"name", r.name},
           {"passed", !r.failed},
           {"failure",
            r.failed ? json{{"line", r.failed->line}, {"message", r.failed->message}} : json()}});
    }
    json cov = json::array();
    for (const auto& [name, w] : coverage) {
      const auto part = [](const auto& items) {
        std::vector<std::pair<std::uint32_t, std::string>> missing;
        std::size_t covered = 0;
        for (const auto& [key, item] : items) {
          if (item.covered) {
            ++covered;
          } else {
            missing.emplace_back(item.line, item.label);
          }
        }
        std::sort(missing.begin(), missing.end());
        json missed = json::array();
        for (const auto& [line, what] : missing) missed.push_back({{"line", line}, {"what", what}});
        return json{{"total", items.size()}, {"covered", covered}, {"missed", missed}};
      };
      cov.push_back({{"workflow", name},
                     {"file", w.file},
                     {"transitions", part(w.transitions)},
                     {"policy_clauses", part(w.denies)}});
    }
    print_json({{"format_version", format_version},
                {"passed", results.size() - failed},
                {"failed", failed},
                {"scenarios", list},
                {"coverage", cov}});
  } else {
    for (const auto& r : results) {
      std::cout << (r.failed ? "FAIL  " : "ok    ") << safe(r.file) << ':' << r.line << "  "
                << safe(r.name) << '\n';
      if (r.failed) {
        std::cout << "      " << safe(r.file) << ':' << r.failed->line << ": "
                  << safe(r.failed->message) << '\n';
      }
    }
    std::cout << "coverage (what no scenario exercised):\n";
    for (const auto& [name, w] : coverage) {
      std::size_t t_cov = 0, d_cov = 0;
      std::vector<std::pair<std::uint32_t, std::string>> missed;  // by line
      for (const auto& [key, item] : w.transitions) {
        if (item.covered) {
          ++t_cov;
        } else {
          missed.emplace_back(item.line, item.label);
        }
      }
      for (const auto& [line, item] : w.denies) {
        if (item.covered) {
          ++d_cov;
        } else {
          missed.emplace_back(item.line, item.label + " never denied");
        }
      }
      std::sort(missed.begin(), missed.end());
      std::cout << "  " << name << ": " << t_cov << " of " << w.transitions.size()
                << " transitions, " << d_cov << " of " << w.denies.size() << " policy clauses\n";
      for (const auto& [line, what] : missed) {
        std::cout << "      " << safe(w.file) << ':' << line << "  " << safe(what) << '\n';
      }
    }
    std::cout << results.size() << (results.size() == 1 ? " scenario: " : " scenarios: ")
              << results.size() - failed << " passed, " << failed << " failed\n";
  }
  return failed == 0 ? exit_ok : exit_no;
}

}  // namespace

void add_test_command(CLI::App& app, global_options& global, command_runner& run) {
  auto args = std::make_shared<test_args>();
  CLI::App* cmd =
      app.add_subcommand("test", "Run the scenarios of *.flowtest files, with transition coverage");
  cmd->add_option("paths", args->paths,
                  "*.flowtest files, or directories searched for them (default: .)");
  cmd->add_option("--format", args->format, "text (default), json or junit (JUnit XML)");
  cmd->add_option("-j,--jobs", args->jobs, "Scenarios run at once (default: one per core)")
      ->check(CLI::NonNegativeNumber);
  cmd->footer(
      "Each scenario runs against a store of its own with a simulated clock (2026-01-01, then\n"
      "a minute per step unless --at says when). A step that is refused fails the scenario\n"
      "unless the next line is `expect rejected`. See docs/testing.md.\n"
      "Exit: 0 every scenario passed, 1 one failed (named with its file:line), 2 usage error.\n"
      "Example: vflow test workflows/");
  cmd->callback(
      [&run, &global, args] { run = [&global, args] { return run_test(*args, global); }; });
}

}  // namespace vflow::cli
