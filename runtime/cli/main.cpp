// The vflow command: parses the command line, runs one subcommand, maps outcomes to exit codes.
#include <CLI/CLI.hpp>
#include <iostream>

#include "runtime/cli/cli.hpp"

int main(int argc, char** argv) {
  using namespace vflow::cli;
  CLI::App app{"vflow - workflow-and-rules engine for IT value streams"};
  app.footer(
      "Exit codes: 0 ok, 1 the answer is no (diagnostics, rejected event, closed gate, unknown\n"
      "instance), 2 usage error, 3 store or environment error.");
  app.set_version_flag("--version", std::string("vflow ") + VFLOW_VERSION);
  app.require_subcommand(1);

  global_options global;
  command_runner run;
  add_check_command(app, global, run);

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
  return run ? run() : exit_usage;
}
