// `vflow import scxml FILE`: SCXML in, .flow on stdout, every part not imported as written on
// stderr.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "dsl/compiler.hpp"
#include "dsl/scxml.hpp"
#include "runtime/cli/cli.hpp"
#include "runtime/cli/files.hpp"
#include "runtime/cli/output.hpp"

namespace vflow::cli {

namespace {

struct import_args {
  std::string format, file, stream = "R2D";
};

int run_import(const import_args& a, const global_options& g) {
  if (a.format != "scxml") throw usage_error{"only 'scxml' can be imported"};
  std::string text;
  if (const auto problem = read_file(a.file, text)) throw usage_error{*problem};
  const auto r = dsl::import_scxml(text, a.file, a.stream);
  // What is written must compile: check it before handing it over.
  const std::string imported_name = a.file + " (imported)";
  const auto compiled =
      r.flow.empty() ? dsl::compile_result{} : dsl::compile(r.flow, imported_name);
  diagnostic_printer printer(g.error_limit, g.json);
  printer.show(r.diagnostics, text);
  printer.show(compiled.diagnostics, r.flow);
  const json diags = printer.finish();
  const bool ok = !r.flow.empty() && compiled.ok() && r.diagnostics.empty();
  if (g.json) {
    print_json(json{{"format_version", format_version},
                    {"imported", ok},
                    {"flow", r.flow},
                    {"diagnostics", diags},
                    {"diagnostics_not_shown", printer.not_shown()}});
  } else {
    std::cout << r.flow;
  }
  return ok ? exit_ok : exit_no;
}

}  // namespace

void add_import_command(CLI::App& app, global_options& global, command_runner& run) {
  auto args = std::make_shared<import_args>();
  CLI::App* cmd =
      app.add_subcommand("import", "Translate a state chart from another format into .flow");
  cmd->add_option("format", args->format, "scxml")->required();
  cmd->add_option("file", args->file, "The document")->required();
  cmd->add_option("--stream", args->stream, "The value stream of the result (default R2D)")
      ->check(CLI::IsMember({"S2P", "R2D", "R2F", "D2C"}));
  cmd->footer(
      "Imports states, parallel, final, initial, history, transitions (event, cond with In() and\n"
      "literals, target, type), onentry/onexit with raise and assign of literals, and send with a\n"
      "delay as a timer. Anything else is reported on stderr (exit 1); nothing is dropped "
      "silently.");
  cmd->callback(
      [&run, &global, args] { run = [&global, args] { return run_import(*args, global); }; });
}

}  // namespace vflow::cli
