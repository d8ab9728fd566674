// Shared pieces of the vflow command: exit codes, global options, subcommand registration.
#pragma once

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace vflow::cli {

/// Process exit codes, as documented in `vflow --help`.
enum exit_code : int {
  exit_ok = 0,     ///< success
  exit_no = 1,     ///< the answer is "no": diagnostics, rejected event, closed gate, not found
  exit_usage = 2,  ///< the command line is wrong
  exit_environment = 3,  ///< the store or the environment failed
};

/// Options every subcommand shares.
struct global_options {
  bool json = false;
  std::string db_path;
};

/// A registered subcommand runs this once its options are parsed; it returns the exit code.
using command_runner = std::function<int()>;

/// Registers `check` on `app`; the runner is stored into `run` when the subcommand is chosen.
void add_check_command(CLI::App& app, global_options& global, command_runner& run);

}  // namespace vflow::cli
