// Shared pieces of the vflow command: exit codes, global options, subcommand registration.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace vflow::cli {

/// Process exit codes, as documented in `vflow --help`.
enum exit_code : int {
  exit_ok = 0,           ///< success
  exit_no = 1,           ///< the answer is "no": diagnostics, rejected event, not found, conflict
  exit_usage = 2,        ///< the command line is wrong
  exit_environment = 3,  ///< the store or the environment failed
};

/// Options every subcommand shares.
struct global_options {
  bool json = false;
  std::string db_path = "vflow.db";
  int busy_timeout_ms = 10000;
  std::size_t error_limit = 20;  ///< diagnostics shown per command; 0 shows all
};

/// A usage error found after parsing (a malformed `name=value` or time): exit code 2.
struct usage_error {
  std::string message;
};

/// A registered subcommand stores into `run` what to do once its options are parsed.
using command_runner = std::function<int()>;

/// Registers `check`.
void add_check_command(CLI::App& app, global_options& global, command_runner& run);
/// Registers `completion` (a bash completion script made from `app`'s commands and options).
void add_completion_command(CLI::App& app, global_options& global, command_runner& run);
/// Registers `test` (scenarios of *.flowtest files, with coverage).
void add_test_command(CLI::App& app, global_options& global, command_runner& run);
/// `fire --batch FILE` (`-`: standard input): the events of a JSON Lines file in one transaction.
int run_fire_batch(const std::string& file, bool all_or_nothing, const global_options& g);
/// Registers `fmt`.
void add_fmt_command(CLI::App& app, global_options& global, command_runner& run);
/// Registers `import`.
void add_import_command(CLI::App& app, global_options& global, command_runner& run);
/// Registers `graph`.
void add_graph_command(CLI::App& app, global_options& global, command_runner& run);
/// Registers `trace`.
void add_trace_command(CLI::App& app, global_options& global, command_runner& run);
/// Registers `deploy`, `start`, `fire`, `status`, `history`, `list`, `suspend`, `resume`,
/// `cancel`, `link` and `unlink`.
void add_instance_commands(CLI::App& app, global_options& global, command_runner& run);

/// Registers `metrics`.
void add_metrics_command(CLI::App& app, global_options& global, command_runner& run);
/// Registers `export`.
void add_export_command(CLI::App& app, global_options& global, command_runner& run);
/// Registers `export scxml` under `export`; the subcommand, which export's own callback defers to.
CLI::App* add_export_scxml_command(CLI::App& export_command, global_options& global,
                                   command_runner& run);
/// Registers the auditor's commands: `verify`, `digest`, `query` and `find`.
void add_audit_commands(CLI::App& app, global_options& global, command_runner& run);

}  // namespace vflow::cli
