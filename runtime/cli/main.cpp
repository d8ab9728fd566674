// The vflow command: parses the command line, runs one subcommand, maps outcomes to exit codes.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "runtime/cli/cli.hpp"
#include "runtime/store.hpp"

int main(int argc, char** argv) {
  using namespace vflow::cli;
  CLI::App app{"vflow - workflow-and-rules engine for IT value streams"};
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
  app.add_option("--db", global.db_path, "Database file (default ./vflow.db)")
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
  add_instance_commands(app, global, run);
  add_graph_command(app, global, run);
  add_import_command(app, global, run);
  add_trace_command(app, global, run);
  add_audit_commands(app, global, run);
  add_export_command(app, global, run);
  add_metrics_command(app, global, run);
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) sub->fallthrough();

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
