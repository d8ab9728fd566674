// The auditor's commands: `verify` (an instance, or the whole journal, optionally against a saved
// digest) and `digest`.
#include <CLI/CLI.hpp>
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

  CLI::App* digest = app.add_subcommand(
      "digest", "Print the journal's head (GSEQ:HASH) for a CI log or a signature");
  digest->footer("Example: vflow digest > journal.digest");
  digest->callback([&run, &g] { run = [&g] { return run_digest(g); }; });
}

}  // namespace vflow::cli
