// The auditor's commands: `verify` (an instance, or the whole journal, optionally against a saved
// digest), `digest` and `query` (read-only SQL over the audit views).
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
  const auto v = a.id.empty() ? rt.verify_all(against) : rt.verify(a.id);
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

// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
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
  } else {
    print_table(r);
  }
  if (r.cut) {
    std::cerr << "vflow query: the first " << r.rows.size()
              << " rows are shown; more match (--limit N shows more, --limit 0 all)\n";
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

  CLI::App* digest = app.add_subcommand(
      "digest", "Print the journal's head (GSEQ:HASH) for a CI log or a signature");
  digest->footer("Example: vflow digest > journal.digest");
  digest->callback([&run, &g] { run = [&g] { return run_digest(g); }; });
}

}  // namespace vflow::cli
