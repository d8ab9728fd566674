// The vflow command: parses the command line, runs one subcommand, maps outcomes to exit codes.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "dsl/suggest.hpp"
#include "runtime/cli/cli.hpp"
#include "runtime/cli/output.hpp"
#include "runtime/store.hpp"

namespace {

// The command word of a command line: its first argument that is neither an option nor an
// option's value (global options come before the command); nothing when there is none.
std::optional<std::string> command_word(int argc, char** argv) {
  static const std::set<std::string> with_value{"--db", "--busy-timeout", "--error-limit",
                                                "--log-level"};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.empty() || a[0] != '-') return a;
    if (with_value.count(a)) ++i;  // `--db FILE`; `--db=FILE` is one argument
  }
  return std::nullopt;
}

// `vflow help [COMMAND]`, and what an unknown command says: help on stdout (exit 0), or the
// unknown name with the nearest command (exit 2).
int help(CLI::App& app, const std::vector<std::string>& topic) {
  if (topic.empty()) {
    std::cout << app.help();
    return 0;
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == topic.front()) {
      std::cout << sub->help();
      return 0;
    }
  }
  std::vector<std::string> names;
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  names.push_back("help");
  const std::vector<std::string_view> candidates(names.begin(), names.end());
  const std::string hint = vflow::dsl::did_you_mean(topic.front(), candidates);
  std::cerr << "vflow: unknown command '" << vflow::cli::safe(topic.front()) << "'"
            << (hint.empty() ? "" : "; " + hint)
            << "\nRun 'vflow help' for the list of commands.\n";
  return vflow::cli::exit_usage;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vflow::cli;
  CLI::App app{"vflow - workflow-and-rules engine for IT value streams", "vflow"};
  app.footer(
      "Exit codes: 0 ok; 1 the answer is no (diagnostics, rejected event, unknown instance,\n"
      "conflict, bad input); 2 usage error; 3 store or environment error.");
  app.set_version_flag("--version", [] {
    return std::string("vflow ") + VFLOW_VERSION + " (SQLite " + vflow::runtime::sqlite_version() +
           ")";
  });
  app.require_subcommand(1);

  global_options global;
  bool verbose = false;
  std::string log_level = "warn";
  app.add_option("--db", global.db_path,
                 "Database file (default ./vflow.db), or a PostgreSQL URI postgresql://...")
      ->envname("VFLOW_DB")
      ->capture_default_str();
  app.add_option("--busy-timeout", global.busy_timeout_ms,
                 "How long to wait for a locked database, in ms (default 10000)")
      ->envname("VFLOW_BUSY_TIMEOUT")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--json", global.json, "Print a versioned JSON document on stdout");
  app.add_option("--error-limit", global.error_limit,
                 "Show at most this many diagnostics (default 20; 0 shows all)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("-v,--verbose", verbose, "Log debug messages to stderr");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  command_runner run;
  add_check_command(app, global, run);
  add_fmt_command(app, global, run);
  add_test_command(app, global, run);
  add_instance_commands(app, global, run);
  add_graph_command(app, global, run);
  add_import_command(app, global, run);
  add_trace_command(app, global, run);
  add_audit_commands(app, global, run);
  add_export_command(app, global, run);
  add_metrics_command(app, global, run);
  add_completion_command(app, global, run);
  // Every command's help shows an example (the commands that have none of their own get one
  // here) and names the global options too, which go before the command.
  const std::map<std::string, std::string> examples{
      {"deploy", "vflow deploy workflows/"},
      {"start", "vflow start Incident --id INC-1 service=mail priority=2 --actor desk"},
      {"fire", "vflow fire INC-1 assign user=ada --actor desk --event-id \"$CI_JOB_ID\""},
      {"gate", "vflow gate REL-7 --can deploy --actor ci"},
      {"tick", "vflow tick                      # from cron or a CI schedule"},
      {"explain", "vflow explain RFC-7 --seq 4"},
      {"status", "vflow status INC-1 --link problem"},
      {"history", "vflow --json history INC-1"},
      {"list", "vflow list --workflow Incident --state Escalated"},
      {"suspend", "vflow suspend INC-1 --reason \"waiting for the vendor\""},
      {"resume", "vflow resume INC-1"},
      {"cancel", "vflow cancel INC-1 --reason duplicate"},
      {"link", "vflow link PRB-1 incidents INC-2 --actor ada"},
      {"unlink", "vflow unlink PRB-1 incidents INC-2"},
      {"graph", "vflow graph workflows/d2c/change.flow | dot -Tsvg > change.svg"},
      {"import", "vflow import scxml chart.scxml > chart.flow"},
      {"trace", "vflow trace INC-1 --to PBI-7"}};
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    sub->fallthrough();
    if (const auto it = examples.find(sub->get_name());
        it != examples.end() && sub->get_footer().find("Example") == std::string::npos) {
      const std::string own = sub->get_footer();
      sub->footer((own.empty() ? "" : own + "\n") + "Example: " + it->second);
    }
    const std::string footer = sub->get_footer();
    sub->footer(
        (footer.empty() ? "" : footer + "\n\n") +
        "Global options (before the command): --db FILE|postgresql://URI (or VFLOW_DB), --json, "
        "--busy-timeout MS,\n"
        "--error-limit N, -v/--verbose, --log-level LEVEL. Secrets are hashed with the key in\n"
        "VFLOW_SECRET_KEY or the file VFLOW_SECRET_KEY_FILE names.");
  }

  // `vflow`, `vflow help [COMMAND]`, and a command vflow does not have.
  const auto word = command_word(argc, argv);
  if (!word) {
    bool asked = false;  // `vflow --help` and `--version` are CLI11's
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      asked = asked || a == "-h" || a == "--help" || a == "--version";
    }
    if (!asked) {  // a command is required: the help, as a usage error (exit 2)
      std::cerr << app.help();
      return exit_usage;
    }
  } else if (*word == "help") {
    std::vector<std::string> topic;
    bool after = false;
    for (int i = 1; i < argc; ++i) {
      if (after) topic.emplace_back(argv[i]);
      after = after || std::string(argv[i]) == "help";
    }
    return help(app, topic);
  } else if (app.get_subcommands([&](CLI::App* sub) { return sub->get_name() == *word; }).empty()) {
    return help(app, {*word});
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_usage;
  }

  auto logger = spdlog::stderr_color_st("vflow");
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::from_str(log_level));
  logger->set_pattern("%^%l%$: %v");
  spdlog::set_default_logger(logger);

  try {
    return run ? run() : exit_usage;
  } catch (const usage_error& e) {
    std::cerr << "vflow: " << e.message << '\n';
    return exit_usage;
  } catch (const vflow::store_error& e) {
    spdlog::debug("store error code {}", e.code());
    std::cerr << "vflow: store error: " << e.what() << '\n';
    return exit_environment;
  } catch (const nlohmann::json::exception& e) {
    spdlog::debug("malformed record: {}", e.what());
    std::cerr << "vflow: store error: the database holds a record this vflow cannot read "
                 "(malformed JSON)\n";
    return exit_environment;
  } catch (const std::exception& e) {
    std::cerr << "vflow: error: " << e.what() << '\n';
    return exit_environment;
  }
}
