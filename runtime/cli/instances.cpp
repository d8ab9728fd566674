// `deploy`, `start`, `fire`, `status`, `history`, `list`, `suspend`, `resume`, `cancel`,
// `verify`: thin wrappers over vflow::runtime::engine_runtime.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>

#include "dsl/suggest.hpp"
#include "runtime/cli/cli.hpp"
#include "runtime/cli/files.hpp"
#include "runtime/cli/output.hpp"
#include "runtime/cli/report.hpp"

namespace vflow::cli {

namespace {

// The value of `name=@FILE` (the file's content) or `name=@-` (standard input, once), without
// one trailing newline, so that secrets need not appear in argv; `@@` stands for a literal '@'.
std::string value_of(const std::string& name, const std::string& written, bool& stdin_used) {
  if (written.empty() || written.front() != '@') return written;
  if (written.rfind("@@", 0) == 0) return written.substr(1);
  std::string content;
  const std::string source = written.substr(1);
  if (source == "-") {
    if (stdin_used) throw usage_error{"only one value can be read from standard input (@-)"};
    stdin_used = true;
    std::ostringstream buf;
    buf << std::cin.rdbuf();
    content = std::move(buf).str();
  } else if (const auto problem = read_file(source, content)) {
    throw usage_error{"the value of '" + name + "': " + *problem};
  }
  if (!content.empty() && content.back() == '\n') content.pop_back();
  if (!content.empty() && content.back() == '\r') content.pop_back();
  return content;
}

// Splits `name=value` arguments (`what` is "field" or "parameter"); a missing '=' or a name
// given twice is a usage error.
runtime::named_values parse_assignments(const std::vector<std::string>& args, const char* what) {
  runtime::named_values out;
  bool stdin_used = false;
  for (const std::string& a : args) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw usage_error{std::string("expected a ") + what + " as name=value, got '" + a + "'"};
    }
    std::string name = a.substr(0, eq);
    for (const auto& [seen, _] : out) {
      if (seen == name) {
        throw usage_error{std::string(what) + " '" + name +
                          "' is given more than once; give each once"};
      }
    }
    std::string value = value_of(name, a.substr(eq + 1), stdin_used);
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

std::optional<std::int64_t> parse_at(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const auto t = engine::parse_time(text);
  if (!t) {
    throw usage_error{"--at expects an ISO-8601 UTC time such as 2026-01-31T12:00:00Z, got '" +
                      text + "'"};
  }
  return t;
}

std::optional<std::string> optional_of(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional(s);
}

// Prints the outcome of a request that changes an instance; returns the exit code.
int report(const runtime::step_outcome& o, const global_options& g, const std::string& verb) {
  if (g.json) {
    print_json(to_json(o));
  } else if (o.status == runtime::status::ok) {
    std::cout << outcome_text(o, verb);
  } else {
    std::cerr << "vflow " << verb << ": " << runtime::to_string(o.status) << ": " << safe(o.message)
              << '\n';
  }
  return exit_code_of(o.status);
}

// Reports that something asked for does not exist: exit 1.
int not_found_message(const global_options& g, const std::string& verb,
                      const std::string& message) {
  if (g.json) {
    print_json(
        json{{"format_version", format_version}, {"status", "not_found"}, {"message", message}});
  } else {
    std::cerr << "vflow " << verb << ": " << safe(message) << '\n';
  }
  return exit_no;
}

int not_found(const global_options& g, const std::string& verb, const std::string& id) {
  return not_found_message(g, verb, "unknown instance '" + id + "'");
}

struct versions_args {
  std::string workflow;
};

int run_versions(const versions_args& a, const global_options& g) {
  auto rt = open_runtime(g, db_access::read);
  const auto versions = rt.versions(a.workflow);
  if (versions.empty() && !a.workflow.empty()) {
    std::vector<std::string> names;
    for (const auto& v : rt.versions()) names.push_back(v.workflow);
    const std::vector<std::string_view> candidates(names.begin(), names.end());
    const std::string hint = dsl::did_you_mean(a.workflow, candidates);
    return not_found_message(
        g, "versions",
        "no workflow '" + a.workflow + "' is deployed" + (hint.empty() ? "" : "; " + hint));
  }
  if (g.json) {
    json list = json::array();
    for (const auto& v : versions) {
      list.push_back({{"workflow", v.workflow},
                      {"version", v.version},
                      {"hash", v.hash},
                      {"stream", v.stream},
                      {"source", v.source_name},
                      {"deployed_at", engine::format_time(v.deployed_at)},
                      {"current", v.current}});
    }
    print_json(json{{"format_version", format_version}, {"versions", list}});
    return exit_ok;
  }
  for (const auto& v : versions) {
    std::cout << safe(v.workflow) << " v" << v.version << "  " << v.hash.substr(0, 12) << "  "
              << engine::format_time(v.deployed_at) << "  " << safe(v.source_name)
              << (v.current ? "  current" : "") << '\n';
  }
  return exit_ok;
}

struct deploy_args {
  std::vector<std::string> paths;
};

int run_deploy(const deploy_args& a, const global_options& g) {
  std::vector<std::filesystem::path> paths;
  if (const auto problem = collect_flow_files(a.paths, paths)) throw usage_error{*problem};
  std::vector<flow_text> texts;
  std::vector<dsl::diagnostic> import_problems;
  if (const auto problem = read_with_imports(paths, texts, import_problems)) {
    throw usage_error{*problem};
  }
  std::vector<runtime::source_file> files;
  for (auto& t : texts) files.push_back({std::move(t.name), std::move(t.text), t.imported});
  auto rt = open_runtime(g, db_access::create);
  auto out = import_problems.empty() ? rt.deploy(files) : runtime::deploy_outcome{};
  out.diagnostics.insert(out.diagnostics.end(), import_problems.begin(), import_problems.end());
  diagnostic_printer printer(g.error_limit, g.json);
  for (const auto& f : files) {
    std::vector<dsl::diagnostic> of_file;
    for (const auto& d : out.diagnostics) {
      if (d.file == f.name) of_file.push_back(d);
    }
    printer.show(of_file, f.text);
  }
  const json diags = printer.finish();
  if (g.json) {
    json workflows = json::array();
    for (const auto& w : out.workflows) {
      workflows.push_back({{"name", w.name},
                           {"version", w.version},
                           {"hash", w.hash},
                           {"created", w.created},
                           {"current", w.made_current},
                           {"file", w.source_name}});
    }
    print_json(json{{"format_version", format_version},
                    {"deployed", out.ok()},
                    {"workflows", workflows},
                    {"diagnostics", diags},
                    {"diagnostics_not_shown", printer.not_shown()}});
  } else {
    if (!out.ok()) std::cerr << "vflow deploy: nothing deployed: fix the errors above\n";
    for (const auto& w : out.workflows) {
      std::cout << (w.created        ? "deployed   "
                    : w.made_current ? "current    "
                                     : "unchanged  ")
                << w.name << " v" << w.version << "  " << w.hash.substr(0, 12) << "  ("
                << w.source_name << ")\n";
    }
  }
  return out.ok() ? exit_ok : exit_no;
}

struct start_args {
  std::string workflow, id, actor, at;
  std::optional<std::int64_t> version;
  std::vector<std::string> fields;
};

int run_start(const start_args& a, const global_options& g) {
  runtime::start_request r{
      a.workflow,           optional_of(a.id), parse_assignments(a.fields, "field"),
      optional_of(a.actor), parse_at(a.at),    a.version};
  auto rt = open_runtime(g, db_access::create);
  const auto o = rt.start(r);
  return report(o, g, "start");
}

struct fire_args {
  std::string id, event, actor, event_id, at, batch;
  std::optional<std::int64_t> expect_seq;
  std::vector<std::string> params;
  bool dry_run = false;
  bool all_or_nothing = false;
};

int run_fire(const fire_args& a, const global_options& g) {
  if (!a.batch.empty()) {
    if (!a.id.empty() || !a.event.empty() || !a.params.empty() || !a.actor.empty() ||
        !a.event_id.empty() || !a.at.empty() || a.expect_seq || a.dry_run) {
      throw usage_error{"--batch takes its events from the file: give no ID, EVENT or options"};
    }
    return run_fire_batch(a.batch, a.all_or_nothing, g);
  }
  if (a.all_or_nothing) throw usage_error{"--all-or-nothing goes with --batch"};
  if (a.id.empty() || a.event.empty()) throw usage_error{"fire needs ID EVENT, or --batch FILE"};
  runtime::fire_request r{a.id,
                          a.event,
                          parse_assignments(a.params, "parameter"),
                          optional_of(a.actor),
                          optional_of(a.event_id),
                          a.expect_seq,
                          parse_at(a.at),
                          a.dry_run};
  auto rt = open_runtime(g, a.dry_run ? db_access::read : db_access::write);
  const auto o = rt.fire(r);
  if (a.dry_run && !g.json && o.record) {
    std::cout << "dry run (nothing written):\n" << explain_text(*o.record);
    return exit_code_of(o.status);
  }
  return report(o, g, "fire");
}

struct gate_args {
  std::string id, can, in, actor, at;
  std::string format = "text";
  std::vector<std::string> params;
};

int run_gate(const gate_args& a, const global_options& g) {
  if (a.can.empty() == a.in.empty()) {
    throw usage_error{"gate needs exactly one of --can EVENT or --in STATE[,STATE...]"};
  }
  if (!a.in.empty() && !a.params.empty()) throw usage_error{"parameters go with --can EVENT"};
  const auto format = parse_report_format(a.format);
  if (!format || *format == report_format::sarif) {
    throw usage_error{"--format must be text, json, junit or github, not '" + a.format + "'"};
  }
  runtime::gate_request r;
  r.id = a.id;
  r.can = optional_of(a.can);
  r.params = parse_assignments(a.params, "parameter");
  std::size_t start = 0;
  while (start < a.in.size()) {
    const std::size_t comma = std::min(a.in.find(',', start), a.in.size());
    if (comma > start) r.in.push_back(a.in.substr(start, comma - start));
    start = comma + 1;
  }
  r.actor = optional_of(a.actor);
  r.at = parse_at(a.at);
  auto rt = open_runtime(g, db_access::write);
  const auto o = rt.gate(r);
  const std::string question = a.id + (a.can.empty() ? " in " + a.in : " can " + a.can);
  std::vector<std::string> blockers = o.blockers;
  if (blockers.empty() && o.status != runtime::status::ok) blockers.push_back(o.message);
  if (o.record && *format == report_format::junit) {
    junit_case c{"vflow gate", question};
    if (!blockers.empty()) {
      c.failed = true;
      c.failure_message =
          std::to_string(blockers.size()) + (blockers.size() == 1 ? " blocker" : " blockers");
      for (const auto& b : blockers) c.failure_text += b + '\n';
    }
    std::cout << junit_document("vflow gate", {c});
  } else if (o.record && *format == report_format::github) {
    if (blockers.empty()) std::cout << "::notice title=vflow gate::" << question << ": yes\n";
    for (const auto& b : blockers) {
      std::cout << "::error title=vflow gate " << github_text(question, true)
                << "::" << github_text(b, false) << '\n';
    }
  } else if (g.json || *format == report_format::json_document) {
    json j = to_json(o);
    j["answer"] = o.status == runtime::status::ok;
    print_json(j);
  } else if (o.record) {
    std::cout << (o.status == runtime::status::ok ? "yes" : "no") << ": "
              << (a.can.empty() ? "in " + a.in : "can " + a.can);
    if (o.blockers.size() > 1) {  // every reason, one per line
      std::cout << " \u2014 " << o.blockers.size() << " blockers:\n";
      for (const auto& b : o.blockers) std::cout << "  - " << safe(b) << '\n';
    } else {
      if (!o.message.empty()) std::cout << " \u2014 " << safe(o.message);
      std::cout << '\n';
    }
    if (!a.can.empty()) std::cout << explain_text(*o.record);
  } else {
    std::cerr << "vflow gate: " << runtime::to_string(o.status) << ": " << safe(o.message) << '\n';
  }
  return exit_code_of(o.status);
}

struct tick_args {
  std::string now;
};

int run_tick(const tick_args& a, const global_options& g) {
  auto rt = open_runtime(g, db_access::write);
  const auto out = rt.tick(parse_at(a.now));
  if (g.json) {
    json fired = json::array();
    for (const auto& r : out.fired) {
      json j = to_json(r);
      j["instance"] = r.instance;
      fired.push_back(std::move(j));
    }
    json failed = json::array();
    for (const auto& [id, why] : out.failed) failed.push_back({{"instance", id}, {"message", why}});
    print_json(json{{"format_version", format_version},
                    {"now", engine::format_time(out.now)},
                    {"fired", fired},
                    {"failed", failed}});
    return out.failed.empty() ? exit_ok : exit_no;
  }
  // A timer whose sends or spawns failed did not fire (nothing written); the next tick retries.
  for (const auto& [id, why] : out.failed) {
    std::cerr << "vflow tick: " << safe(id) << ": a due timer did not fire: " << safe(why) << '\n';
  }
  for (const auto& r : out.fired) {
    const json detail = json::parse(r.detail);
    if (const auto send = detail.find("send"); send != detail.end()) {  // a delayed send
      std::cout << safe(r.instance) << ": " << safe(r.event.value_or("")) << ", sent with a delay"
                << (send->contains("name") ? " as " + safe((*send)["name"].get<std::string>()) : "")
                << ", due " << (*send)["due"].get<std::string>() << ", delivered "
                << engine::format_time(r.at) << ": ";
    } else {
      const json& timer = detail["timer"];
      std::cout << safe(r.instance) << ": " << r.event.value_or("timer") << " in "
                << timer["state"].get<std::string>() << " (line " << timer["line"].get<int>()
                << "), due " << timer["due"].get<std::string>() << ", fired "
                << engine::format_time(r.at) << ": ";
    }
    if (r.outcome == runtime::record_outcome::taken) {
      std::string from, to;
      for (const auto& s : json::parse(r.from_config))
        from += (from.empty() ? "" : ",") + s.get<std::string>();
      for (const auto& s : json::parse(r.to_config))
        to += (to.empty() ? "" : ",") + s.get<std::string>();
      std::cout << from << " -> " << to << '\n';
    } else {
      std::cout << (detail.contains("send") ? "not taken (" : "lapsed (")
                << safe(r.reason.value_or("")) << ")\n";
    }
  }
  std::cout << "tick at " << engine::format_time(out.now) << ": " << out.fired.size()
            << (out.fired.size() == 1 ? " timer\n" : " timers\n");
  return out.failed.empty() ? exit_ok : exit_no;
}

struct explain_args {
  std::string id;
  std::optional<std::int64_t> seq;
};

int run_explain(const explain_args& a, const global_options& g) {
  auto rt = open_runtime(g, db_access::read);
  const auto h = rt.history(a.id);
  if (!h) return not_found(g, "explain", a.id);
  const runtime::journal_row* record = nullptr;
  for (const auto& r : *h) {
    if (a.seq ? r.seq == *a.seq : r.kind != runtime::record_kind::lifecycle) record = &r;
  }
  if (!record) {
    return not_found_message(g, "explain",
                             a.seq
                                 ? "instance '" + a.id + "' has no record " + std::to_string(*a.seq)
                                 : "instance '" + a.id + "' has no decision to explain");
  }
  if (g.json) {
    json j{{"format_version", format_version}, {"id", a.id}};
    j.update(to_json(*record));
    print_json(j);
  } else {
    std::cout << explain_text(*record);
  }
  return exit_ok;
}

struct id_args {
  std::string id;
};

struct status_args {
  std::string id;
  std::string link;
};

int run_status(const status_args& a, const global_options& g) {
  auto rt = open_runtime(g, db_access::read);
  const auto v = rt.status(a.id);
  if (!v) return not_found(g, "status", a.id);
  if (!a.link.empty()) {  // the ids one link holds, one per line: for scripts
    const auto l = std::find_if(v->links.begin(), v->links.end(),
                                [&](const auto& x) { return x.first == a.link; });
    if (l == v->links.end()) {
      return not_found_message(
          g, "status",
          "instance '" + a.id + "' (" + v->workflow + ") has no link '" + a.link + "'");
    }
    if (g.json) {
      print_json(json{{"format_version", format_version}, {"link", a.link}, {"ids", l->second}});
    } else {
      for (const auto& id : l->second) std::cout << safe(id) << '\n';
    }
    return exit_ok;
  }
  if (g.json) {
    json j{{"format_version", format_version}};
    j.update(to_json(*v));
    print_json(j);
  } else {
    std::cout << status_text(*v);
  }
  return exit_ok;
}

int run_history(const id_args& a, const global_options& g) {
  auto rt = open_runtime(g, db_access::read);
  const auto h = rt.history(a.id);
  if (!h) return not_found(g, "history", a.id);
  if (g.json) {
    json records = json::array();
    for (const auto& r : *h) records.push_back(to_json(r));
    print_json(records);
  } else {
    std::cout << history_text(*h);
  }
  return exit_ok;
}

struct list_args {
  std::string workflow, state, lifecycle;
  std::size_t limit = 1000;
};

int run_list(const list_args& a, const global_options& g) {
  const auto lifecycle = runtime::parse_lifecycle(a.lifecycle);
  if (!a.lifecycle.empty() && !lifecycle) {
    throw usage_error{"--lifecycle must be active, suspended, completed or cancelled"};
  }
  auto rt = open_runtime(g, db_access::read);
  // One more than asked for tells whether the list was cut; 0 asks for all.
  const std::size_t wanted = a.limit == 0 ? std::numeric_limits<std::int64_t>::max() : a.limit + 1;
  auto items = rt.list({optional_of(a.workflow), optional_of(a.state), lifecycle, wanted});
  const bool cut = a.limit != 0 && items.size() > a.limit;
  if (cut) {
    items.pop_back();
    std::cerr << "vflow list: only the first " << a.limit
              << " instances are listed; more match (--limit N lists more, --limit 0 all)\n";
  }
  if (g.json) {
    json arr = json::array();
    for (const auto& v : items) {
      json j = to_json(v);
      j.erase("data");
      arr.push_back(std::move(j));
    }
    print_json(arr);
  } else {
    for (const auto& v : items) {
      std::string state;
      for (const auto& s : v.state) state += (state.empty() ? "" : ",") + s;
      std::cout << safe(v.id) << "  " << v.workflow << " v" << v.version << "  " << state << "  "
                << runtime::to_string(v.lifecycle) << "  seq " << v.seq << "  "
                << engine::format_time(v.updated_at) << '\n';
    }
  }
  return exit_ok;
}

struct lifecycle_args {
  std::string id, reason, actor, at;
};

int run_lifecycle(runtime::lifecycle_event action, const lifecycle_args& a,
                  const global_options& g) {
  runtime::lifecycle_request r{a.id, action, optional_of(a.reason), optional_of(a.actor),
                               parse_at(a.at)};
  auto rt = open_runtime(g, db_access::write);
  const auto o = rt.change_lifecycle(r);
  return report(o, g, std::string(runtime::to_string(action)));
}

struct link_args {
  std::string id, link, other, actor, at;
};

int run_link(const link_args& a, const global_options& g, bool unlink) {
  auto rt = open_runtime(g, db_access::write);
  const auto out = rt.link({a.id, a.link, a.other, unlink, optional_of(a.actor), parse_at(a.at)});
  return report(out, g, unlink ? "unlink" : "link");
}

// Registers a subcommand whose arguments live in a shared struct until the runner executes.
template <typename Args, typename Setup, typename Run>
void add(CLI::App& app, global_options& g, command_runner& run, const char* name, const char* help,
         Setup setup, Run body) {
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->fallthrough();
  setup(*cmd, *args);
  cmd->callback([&run, &g, args, body] { run = [&g, args, body] { return body(*args, g); }; });
}

}  // namespace

void add_instance_commands(CLI::App& app, global_options& g, command_runner& run) {
  add<deploy_args>(
      app, g, run, "deploy", "Compile .flow files and store their workflows by content hash",
      [](CLI::App& c, deploy_args& a) {
        c.add_option("paths", a.paths, ".flow files or directories")->required();
        c.footer(
            "Identical source is a no-op; changed source becomes a new version; an older source\n"
            "deployed again becomes current (new instances start on it). Running instances keep\n"
            "the definition they started with.");
      },
      run_deploy);
  add<versions_args>(
      app, g, run, "versions", "List the deployed versions of a workflow and which is current",
      [](CLI::App& c, versions_args& a) {
        c.add_option("workflow", a.workflow, "Workflow name (default: every workflow)");
        c.footer(
            "One line per version, oldest first: name, version, content hash, when it was\n"
            "deployed, the file, and `current` for the one new instances start on.\n"
            "Exit: 0, or 1 when no such workflow is deployed.\n"
            "Example: vflow versions Change");
      },
      run_versions);
  add<start_args>(
      app, g, run, "start", "Start an instance of the current version of a workflow",
      [](CLI::App& c, start_args& a) {
        c.add_option("workflow", a.workflow, "Workflow name")->required();
        c.add_option("fields", a.fields, "Initial data as field=value");
        c.add_option("--id", a.id, "Instance id (generated and printed when absent)");
        c.add_option("--actor", a.actor, "Who starts it (journaled)");
        c.add_option("--at", a.at, "Time of the start, ISO-8601 UTC (default: now)");
        c.add_option("--version", a.version,
                     "Start on this deployed version (default: the one deployed last)")
            ->check(CLI::PositiveNumber);
      },
      run_start);
  add<fire_args>(
      app, g, run, "fire", "Deliver an event to an instance",
      [](CLI::App& c, fire_args& a) {
        c.add_option("id", a.id, "Instance id");
        c.add_option("event", a.event, "Event name");
        c.add_option("params", a.params, "Event parameters as name=value");
        c.add_option(
            "--batch", a.batch,
            "Many events in one transaction: a JSON Lines file (- for standard\n"
            "input), a line {\"id\", \"event\", \"params\", \"actor\", \"event_id\", \"at\",\n"
            "\"expect_seq\"} per event, each journaled as its own record");
        c.add_flag("--all-or-nothing", a.all_or_nothing,
                   "With --batch: an event not taken rolls the whole batch back");
        c.add_option("--actor", a.actor, "Who fires it (journaled)");
        c.add_option("--event-id", a.event_id,
                     "Idempotency key: a repeat returns the first outcome and writes nothing");
        c.add_option("--expect-seq", a.expect_seq,
                     "Fail with a conflict unless the instance is as it was at this seq (only\n"
                     "gate answers since)");
        c.add_option("--at", a.at, "Time of the event, ISO-8601 UTC (default: now)");
        c.add_flag("--dry-run", a.dry_run, "Decide and explain, but write nothing");
        c.footer(
            "Exit: 0 taken, 1 rejected (journaled) / unknown instance / conflict / bad input,\n"
            "2 usage error, 3 store error.");
      },
      run_fire);
  add<gate_args>(
      app, g, run, "gate",
      "Ask whether an event would be taken now, or whether an instance is in a state",
      [](CLI::App& c, gate_args& a) {
        c.add_option("id", a.id, "Instance id")->required();
        c.add_option("params", a.params, "Parameters of the --can event as name=value");
        c.add_option("--can", a.can, "Would this event be taken now?");
        c.add_option("--in", a.in, "Is the instance in one of these states (comma-separated)?");
        c.add_option("--format", a.format,
                     "text (default), json, junit (a test case, failed by every blocker) or\n"
                     "github (an annotation per blocker)");
        c.add_option("--actor", a.actor, "Who asks (journaled; policies may read it)");
        c.add_option("--at", a.at, "Time of the question, ISO-8601 UTC (default: now)");
        c.footer(
            "Exit: 0 yes, 1 no (with the reasons), 2 usage error, 3 store error. The instance\n"
            "does not change; the question and the answer are journaled as a gate record.");
      },
      run_gate);
  add<tick_args>(
      app, g, run, "tick", "Fire every timer that is due, across all instances",
      [](CLI::App& c, tick_args& a) {
        c.add_option("--now", a.now,
                     "The time to fire up to, ISO-8601 UTC (default: the wall clock)");
        c.footer(
            "Each timer fires once, in its own transaction, journaled with its due time and the\n"
            "time it fired. Run it from cron or a CI schedule; running it twice is harmless.");
      },
      run_tick);
  add<explain_args>(
      app, g, run, "explain", "Explain a journaled decision with the values behind it",
      [](CLI::App& c, explain_args& a) {
        c.add_option("id", a.id, "Instance id")->required();
        c.add_option("--seq", a.seq, "The record to explain (default: the latest decision)");
      },
      run_explain);
  add<status_args>(
      app, g, run, "status", "Show an instance's state, lifecycle, links and data",
      [](CLI::App& c, status_args& a) {
        c.add_option("id", a.id, "Instance id")->required();
        c.add_option("--link", a.link, "Print only the ids this link holds, one per line");
      },
      run_status);
  add<id_args>(
      app, g, run, "history", "Show an instance's journal, oldest first",
      [](CLI::App& c, id_args& a) { c.add_option("id", a.id, "Instance id")->required(); },
      run_history);
  add<list_args>(
      app, g, run, "list", "List instances",
      [](CLI::App& c, list_args& a) {
        c.add_option("--workflow", a.workflow, "Only instances of this workflow");
        c.add_option("--state", a.state, "Only instances with this active state");
        c.add_option("--lifecycle", a.lifecycle, "active, suspended, completed or cancelled");
        c.add_option("--limit", a.limit, "At most this many (default 1000; 0 lists all)");
      },
      run_list);
  const auto lifecycle_setup = [](CLI::App& c, lifecycle_args& a) {
    c.add_option("id", a.id, "Instance id")->required();
    c.add_option("--reason", a.reason, "Why (journaled)");
    c.add_option("--actor", a.actor, "Who (journaled)");
    c.add_option("--at", a.at, "Time, ISO-8601 UTC (default: now)");
  };
  add<lifecycle_args>(app, g, run, "suspend", "Suspend an active instance (events are refused)",
                      lifecycle_setup, [](const lifecycle_args& a, const global_options& gg) {
                        return run_lifecycle(runtime::lifecycle_event::suspend, a, gg);
                      });
  add<lifecycle_args>(app, g, run, "resume", "Resume a suspended instance", lifecycle_setup,
                      [](const lifecycle_args& a, const global_options& gg) {
                        return run_lifecycle(runtime::lifecycle_event::resume, a, gg);
                      });
  add<lifecycle_args>(app, g, run, "cancel", "Cancel an active or suspended instance",
                      lifecycle_setup, [](const lifecycle_args& a, const global_options& gg) {
                        return run_lifecycle(runtime::lifecycle_event::cancel, a, gg);
                      });
  const auto link_setup = [](CLI::App& c, link_args& a) {
    c.add_option("id", a.id, "Instance id")->required();
    c.add_option("link", a.link, "A link of its workflow")->required();
    c.add_option("other", a.other, "The other instance's id")->required();
    c.add_option("--actor", a.actor, "Who (journaled)");
    c.add_option("--at", a.at, "Time, ISO-8601 UTC (default: now)");
    c.footer(
        "Checked like any link: the other instance exists and runs the linked workflow, and the\n"
        "cardinality of both sides holds (the inverse link is kept in step). Journaled on both\n"
        "instances. Exit 1, with nothing written, when the link is wrong.");
  };
  add<link_args>(
      app, g, run, "link", "Link an instance to another through one of its links", link_setup,
      [](const link_args& a, const global_options& gg) { return run_link(a, gg, false); });
  add<link_args>(
      app, g, run, "unlink", "Remove another instance from one of an instance's links", link_setup,
      [](const link_args& a, const global_options& gg) { return run_link(a, gg, true); });
}

}  // namespace vflow::cli
