// The auditor's commands: `verify` (an instance, or the whole journal, optionally against a saved
// digest), `digest`, `query` (read-only SQL over the audit views) and `find`.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "engine/text.hpp"
#include "runtime/chain.hpp"
#include "runtime/cli/cli.hpp"
#include "runtime/cli/output.hpp"

namespace vflow::cli {

namespace {

struct verify_args {
  std::string id;
  bool all = false;
  bool chain_only = false;
  std::string against;
};

json notes_json(const std::vector<runtime::journal_note>& notes) {
  json a = json::array();
  for (const auto& n : notes) {
    a.push_back({{"at", engine::format_time(n.at)},
                 {"kind", n.kind},
                 {"upto_gseq", n.upto_gseq},
                 {"text", n.text}});
  }
  return a;
}

int run_verify(const verify_args& a, const global_options& g) {
  if (a.id.empty() == !(a.all || !a.against.empty())) {
    throw usage_error{"verify takes an instance id, or --all (optionally with --against DIGEST)"};
  }
  if (a.chain_only && !a.id.empty()) throw usage_error{"--chain-only goes with --all"};
  std::optional<runtime::journal_head> against;
  if (!a.against.empty()) {
    against = runtime::parse_digest(a.against);
    if (!against) {
      throw usage_error{
          "--against takes a digest as `vflow digest` prints it (GSEQ:HASH, 64 hex "
          "digits), got '" +
          safe(a.against) + "'"};
    }
  }
  auto rt = open_runtime(g, db_access::read);
  const auto v = a.id.empty() ? rt.verify_all(against, !a.chain_only) : rt.verify(a.id);
  if (v.status == runtime::status::not_found) {
    if (g.json) {
      print_json(json{
          {"format_version", format_version}, {"status", "not_found"}, {"message", v.message}});
    } else {
      std::cerr << "vflow verify: " << safe(v.message) << '\n';
    }
    return exit_no;
  }
  if (g.json) {
    json j{{"format_version", format_version},
           {"consistent", v.consistent},
           {"message", v.message},
           {"records", v.records},
           {"instances", v.instances}};
    if (!a.id.empty()) j["id"] = a.id;
    if (a.id.empty()) {
      j["definitions"] = v.definitions;
      j["links"] = v.links;
      j["head"] = v.consistent ? json(to_string(v.head)) : json();
      j["grown"] = v.grown ? json(*v.grown) : json();
      j["notes"] = notes_json(v.notes);
    }
    j["broken"] = v.consistent ? json()
                               : json{{"instance", v.instance.empty() ? json() : json(v.instance)},
                                      {"seq", v.seq ? json(v.seq) : json()},
                                      {"gseq", v.gseq ? json(v.gseq) : json()}};
    print_json(j);
  } else if (v.consistent) {
    std::cout << (a.id.empty() ? "" : safe(a.id) + ": ") << v.message << '\n';
    if (v.grown) {
      std::cout << "the journal still holds " << a.against << " and has grown by " << *v.grown
                << " records since; head " << to_string(v.head) << '\n';
    }
    for (const auto& n : v.notes) {
      std::cout << "note (" << engine::format_time(n.at) << "): " << safe(n.text) << '\n';
    }
  } else {
    std::cerr << "vflow verify: " << safe(v.message) << '\n';
  }
  return v.consistent ? exit_ok : exit_no;
}

struct query_args {
  std::string sql;
  std::size_t limit = 10000;
  int timeout_ms = 10000;
  std::string format = "table";
};

json cell_json(const runtime::query_cell& c) {
  switch (c.kind) {
    case runtime::query_cell::type::integer: return c.integer;
    case runtime::query_cell::type::real: return c.real;
    case runtime::query_cell::type::text: return c.text;
    case runtime::query_cell::type::null: break;
  }
  return nullptr;
}

std::string cell_text(const runtime::query_cell& c) {
  switch (c.kind) {
    case runtime::query_cell::type::integer: return std::to_string(c.integer);
    case runtime::query_cell::type::real: return json(c.real).dump();
    case runtime::query_cell::type::text: return c.text;
    case runtime::query_cell::type::null: break;
  }
  return {};
}

void print_table(const runtime::query_result& r) {
  std::vector<std::size_t> width(r.columns.size());
  std::vector<std::vector<std::string>> cells;
  for (std::size_t c = 0; c < r.columns.size(); ++c) width[c] = r.columns[c].size();
  for (const auto& row : r.rows) {
    auto& line = cells.emplace_back();
    for (std::size_t c = 0; c < row.size(); ++c) {
      line.push_back(safe(cell_text(row[c])));
      width[c] = std::max(width[c], line.back().size());
    }
  }
  const auto print_line = [&](const std::vector<std::string>& line) {
    std::string out;
    for (std::size_t c = 0; c < line.size(); ++c) {
      out += line[c];
      if (c + 1 < line.size()) out += std::string(width[c] - line[c].size() + 2, ' ');
    }
    std::cout << out << '\n';
  };
  print_line(r.columns);
  for (const auto& line : cells) print_line(line);
}

void print_csv(const runtime::query_result& r) {
  std::string line;
  for (std::size_t c = 0; c < r.columns.size(); ++c)
    line += (c ? "," : "") + csv_field(r.columns[c]);
  std::cout << line << "\r\n";
  for (const auto& row : r.rows) {
    line.clear();
    for (std::size_t c = 0; c < row.size(); ++c)
      line += (c ? "," : "") + csv_field(cell_text(row[c]));
    std::cout << line << "\r\n";
  }
}

int run_query(const query_args& a, const global_options& g) {
  auto rt = open_runtime(g, db_access::read);
  runtime::query_result r;
  try {
    r = rt.query(a.sql, {a.limit == 0 ? static_cast<std::size_t>(-1) : a.limit, a.timeout_ms});
  } catch (const runtime::query_error& e) {
    if (g.json) {
      print_json(
          json{{"format_version", format_version}, {"status", "invalid"}, {"message", e.what()}});
    } else {
      std::cerr << "vflow query: " << safe(e.what()) << '\n';
    }
    return exit_no;
  }
  const auto row_json = [&](const std::vector<runtime::query_cell>& row) {
    json o = json::object();
    for (std::size_t c = 0; c < row.size(); ++c) o[r.columns[c]] = cell_json(row[c]);
    return o;
  };
  if (g.json) {
    json rows = json::array();
    for (const auto& row : r.rows) rows.push_back(row_json(row));
    print_json(json{{"format_version", format_version},
                    {"columns", r.columns},
                    {"rows", rows},
                    {"cut", r.cut}});
  } else if (a.format == "jsonl") {
    for (const auto& row : r.rows)
      std::cout << row_json(row).dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  } else if (a.format == "csv") {
    print_csv(r);
  } else {
    print_table(r);
  }
  if (r.cut) {
    std::cerr << "vflow query: the first " << r.rows.size()
              << " rows are shown; more match (--limit N shows more, --limit 0 all)\n";
  }
  return exit_ok;
}

struct find_args {
  std::string workflow, stream, lifecycle, state, during, actor, event, outcome, kind, since, until,
      where, after, format = "table";
  std::int64_t version = 0;
  bool ever = false, records = false;
  std::size_t limit = 100;
};

runtime::query_cell text_cell(std::string text) {
  runtime::query_cell c;
  c.kind = runtime::query_cell::type::text;
  c.text = std::move(text);
  return c;
}

runtime::query_cell optional_cell(const std::optional<std::string>& text) {
  return text ? text_cell(*text) : runtime::query_cell{};
}

int run_find(const find_args& a, const global_options& g) {
  runtime::find_request req;
  auto& f = req.filter;
  const auto given = [](const std::string& s) {
    return s.empty() ? std::nullopt : std::optional(s);
  };
  f.workflow = given(a.workflow);
  if (a.version > 0) f.version = a.version;
  f.stream = given(a.stream);
  if (!a.lifecycle.empty()) {
    f.lifecycle = runtime::parse_lifecycle(a.lifecycle);
    if (!f.lifecycle)
      throw usage_error{"--lifecycle must be active, suspended, completed or cancelled"};
  }
  if (!a.during.empty()) {
    const auto dots = a.during.find("..");
    if (a.state.empty() || dots == std::string::npos) {
      throw usage_error{"--during takes FROM..TO and needs --state: the state the instance was in"};
    }
    f.during = a.state;
    f.during_from = time_or_date(a.during.substr(0, dots), "--during");
    f.during_to = time_or_date(a.during.substr(dots + 2), "--during");
  } else if (a.ever) {
    if (a.state.empty()) throw usage_error{"--ever needs --state"};
    f.ever = a.state;
  } else {
    f.state = given(a.state);
  }
  f.actor = given(a.actor);
  f.event = given(a.event);
  // CLI11 checked both against their spellings.
  if (!a.outcome.empty()) f.outcome = runtime::parse_record_outcome(a.outcome);
  if (!a.kind.empty()) f.kind = runtime::parse_record_kind(a.kind);
  f.since = time_or_date(a.since, "--since");
  f.until = time_or_date(a.until, "--until");
  f.limit = a.limit;
  req.records = a.records;
  req.where = given(a.where);
  if (!a.after.empty()) {
    if (a.records) {
      try {
        f.after_gseq = std::stoll(a.after);
      } catch (const std::exception&) {
        throw usage_error{"--after with --records takes the global sequence `find` printed"};
      }
    } else {
      f.after_id = a.after;
    }
  }
  auto rt = open_runtime(g, db_access::read);
  const auto out = rt.find(req);
  if (out.status != runtime::status::ok) {
    if (g.json) {
      json diags = json::array();
      for (const auto& d : out.diagnostics) diags.push_back(to_json(d));
      print_json(json{{"format_version", format_version},
                      {"status", runtime::to_string(out.status)},
                      {"message", out.message},
                      {"diagnostics", diags}});
    } else {
      std::cerr << "vflow find: " << safe(out.message) << '\n';
      for (const auto& d : out.diagnostics) {
        std::cerr << "--where:" << d.span.line << ':' << d.span.column << ": error[" << d.code
                  << "]: " << safe(d.message) << '\n';
        if (!d.help.empty()) std::cerr << "   help: " << safe(d.help) << '\n';
      }
    }
    return exit_no;
  }
  const std::string kind = a.records ? "records" : "instances";
  if (g.json || a.format == "jsonl") {
    json items = json::array();
    for (const auto& v : out.instances) items.push_back(to_json(v));
    for (const auto& r : out.records) {
      json j = to_json(r);
      j["instance"] = r.instance;
      items.push_back(std::move(j));
    }
    if (g.json) {
      print_json(json{{"format_version", format_version},
                      {kind, items},
                      {"next", out.next ? json(*out.next) : json()}});
    } else {
      for (const auto& j : items) {
        std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
      }
    }
  } else {
    runtime::query_result table;
    if (a.records) {
      table.columns = {"gseq",  "instance", "seq", "kind",  "event",
                       "actor", "outcome",  "at",  "reason"};
      for (const auto& r : out.records) {
        table.rows.push_back({text_cell(std::to_string(r.gseq)), text_cell(r.instance),
                              text_cell(std::to_string(r.seq)),
                              text_cell(std::string(to_string(r.kind))), optional_cell(r.event),
                              optional_cell(r.actor), text_cell(std::string(to_string(r.outcome))),
                              text_cell(engine::format_time(r.at)), optional_cell(r.reason)});
      }
    } else {
      table.columns = {"id",        "workflow",   "version",   "state",
                       "lifecycle", "created_at", "updated_at"};
      for (const auto& v : out.instances) {
        std::string state;
        for (const auto& s : v.state) state += (state.empty() ? "" : ",") + s;
        table.rows.push_back({text_cell(v.id), text_cell(v.workflow),
                              text_cell(std::to_string(v.version)), text_cell(state),
                              text_cell(std::string(runtime::to_string(v.lifecycle))),
                              text_cell(engine::format_time(v.created_at)),
                              text_cell(engine::format_time(v.updated_at))});
      }
    }
    if (a.format == "csv") {
      print_csv(table);
    } else {
      print_table(table);
    }
  }
  if (out.next) {
    std::cerr << "vflow find: the first " << out.instances.size() + out.records.size() << ' '
              << kind << " are shown; more match (add --after " << safe(*out.next)
              << " for the next page, or --limit 0 for all)\n";
  }
  return exit_ok;
}

int run_digest(const global_options& g) {
  auto rt = open_runtime(g, db_access::read);
  const auto head = rt.digest();
  if (g.json) {
    print_json(json{{"format_version", format_version},
                    {"digest", to_string(head)},
                    {"gseq", head.gseq},
                    {"hash", head.hash}});
  } else {
    std::cout << to_string(head) << '\n';
  }
  return exit_ok;
}

}  // namespace

void add_audit_commands(CLI::App& app, global_options& g, command_runner& run) {
  auto args = std::make_shared<verify_args>();
  CLI::App* verify = app.add_subcommand(
      "verify", "Check the journal's hash chain and that instances equal its replay");
  verify->add_option("id", args->id, "Instance id (or --all)");
  verify->add_flag("--all", args->all,
                   "Verify everything: definitions, the whole chain, every instance");
  verify->add_option("--against", args->against,
                     "A digest saved earlier (`vflow digest`): prove the journal still holds it "
                     "and has only grown since (implies --all)");
  verify->add_flag("--chain-only", args->chain_only,
                   "With --all: definitions and the hash chain only, without replaying every "
                   "instance (several times faster on a large journal)");
  verify->footer(
      "Exit 0 when everything matches; 1 naming the first broken record (instance, seq, global\n"
      "#) or definition. Keep `vflow digest` output somewhere else (a CI log, a signed tag):\n"
      "whoever can write the database can recompute an unanchored chain.\n"
      "Example: vflow verify --all --against \"$(cat journal.digest)\"");
  verify->callback([&run, &g, args] { run = [&g, args] { return run_verify(*args, g); }; });

  auto q = std::make_shared<query_args>();
  CLI::App* query = app.add_subcommand(
      "query", "Run one read-only SQL SELECT over the audit views (docs/audit.md)");
  query->add_option("sql", q->sql, "The SELECT statement")->required();
  query->add_option("--limit", q->limit, "Rows shown at most (default 10000; 0 for all)")
      ->check(CLI::NonNegativeNumber);
  query->add_option("--timeout", q->timeout_ms, "Stop the query after this many ms (default 10000)")
      ->check(CLI::PositiveNumber);
  query->add_option("--format", q->format, "table (default), csv or jsonl; --json for one document")
      ->check(CLI::IsMember({"table", "csv", "jsonl"}));
  query->footer(
      "Views: instances, journal, links, timers, definitions, notes (columns in docs/audit.md).\n"
      "The database is opened read-only; anything but one SELECT over the views is refused.\n"
      "Example: vflow query \"SELECT actor, count(*) FROM journal WHERE outcome = 'rejected'\n"
      "         GROUP BY actor\"");
  query->callback([&run, &g, q] { run = [&g, q] { return run_query(*q, g); }; });

  auto fa = std::make_shared<find_args>();
  CLI::App* find = app.add_subcommand(
      "find", "Find instances, or journal records, by workflow, state, actor, time and data");
  find->add_option("--workflow", fa->workflow, "Of this workflow");
  find->add_option("--version", fa->version, "Running this version of it")
      ->check(CLI::PositiveNumber);
  find->add_option("--stream", fa->stream, "Of this value stream (S2P, R2D, R2F, D2C)");
  find->add_option("--lifecycle", fa->lifecycle, "active, suspended, completed or cancelled");
  find->add_option("--state", fa->state, "In this state now (or --ever, or --during)");
  find->add_flag("--ever", fa->ever, "--state: ever reached, not necessarily now");
  find->add_option("--during", fa->during,
                   "--state: in it at some time in FROM..TO (ISO-8601 UTC times or dates)");
  find->add_option("--actor", fa->actor, "With a record by this actor");
  find->add_option("--event", fa->event, "With a record of this event");
  find->add_option("--outcome", fa->outcome, "With a record of this outcome: taken or rejected")
      ->check(CLI::IsMember({"taken", "rejected"}));
  find->add_option("--kind", fa->kind, "With a record of this kind")
      ->check(CLI::IsMember({"start", "event", "timer", "gate", "lifecycle", "link"}));
  find->add_option("--since", fa->since, "Records at or after this time (instances: created)");
  find->add_option("--until", fa->until, "Records before this time (instances: created)");
  find->add_option("--where", fa->where,
                   "A condition on the instance's data in the .flow expression language (needs "
                   "--workflow)");
  find->add_flag("--records", fa->records, "List the matching journal records, not instances");
  find->add_option("--limit", fa->limit, "At most this many (default 100; 0 for all)")
      ->check(CLI::NonNegativeNumber);
  find->add_option("--after", fa->after, "The next page: what the previous page said");
  find->add_option("--format", fa->format, "table (default), csv or jsonl; --json for one document")
      ->check(CLI::IsMember({"table", "csv", "jsonl"}));
  find->footer(
      "Every criterion given must hold. Record criteria (--actor, --event, --outcome, --kind,\n"
      "--since, --until) select instances with such a record, or with --records the records.\n"
      "Examples:\n"
      "  vflow find --workflow Change --where 'risk == \"high\" and not tests_passed'\n"
      "  vflow find --records --actor alice --outcome rejected --since 2026-11-01\n"
      "  vflow find --workflow Incident --state Escalated --during 2026-11-03..2026-11-04");
  find->callback([&run, &g, fa] { run = [&g, fa] { return run_find(*fa, g); }; });

  CLI::App* digest = app.add_subcommand(
      "digest", "Print the journal's head (GSEQ:HASH) for a CI log or a signature");
  digest->footer("Example: vflow digest > journal.digest");
  digest->callback([&run, &g] { run = [&g] { return run_digest(g); }; });
}

}  // namespace vflow::cli
