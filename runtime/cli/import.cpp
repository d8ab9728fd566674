// `vflow import scxml FILE`: SCXML in, .flow on stdout, every part not imported as written on
// stderr. `vflow export scxml FILE.flow`: a workflow out as SCXML, which imports back into it.
#include <CLI/CLI.hpp>
#include <filesystem>
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
  // What is written must compile: check it before handing it over, as if written next to the
  // document (X.scxml as X.flow), where the files it imports (a document vflow wrote) are found.
  const std::string imported_name =
      std::filesystem::path(a.file).replace_extension(".flow").generic_string();
  const auto compiled =
      r.flow.empty() ? dsl::compile_result{} : compile_with_imports(imported_name, r.flow);
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

struct export_scxml_args {
  std::string file, workflow;
};

int run_export_scxml(const export_scxml_args& a, const global_options& g) {
  std::string text;
  if (const auto problem = read_file(a.file, text)) throw usage_error{*problem};
  const auto picked = compile_and_pick(a.file, text, a.workflow, "export", g);
  if (!picked) return exit_no;
  const std::string xml = dsl::export_scxml(picked->compiled, picked->index, a.file);
  if (g.json) {
    print_json(json{{"format_version", format_version},
                    {"workflow", picked->compiled.machines[picked->index].name},
                    {"scxml", xml}});
  } else {
    std::cout << xml;
  }
  return exit_ok;
}

}  // namespace

CLI::App* add_export_scxml_command(CLI::App& export_command, global_options& global,
                                   command_runner& run) {
  auto args = std::make_shared<export_scxml_args>();
  CLI::App* cmd = export_command.add_subcommand(
      "scxml", "Translate a workflow into SCXML (vflow import scxml reads it back)");
  cmd->add_option("file", args->file, "The .flow file")->required();
  cmd->add_option("--workflow", args->workflow, "Which workflow of the file");
  cmd->footer(
      "States, transitions and executable content are SCXML's own elements; typed data and\n"
      "events, links, policies, rules, timers, link changes and spawns are elements and "
      "attributes\n"
      "of vflow's namespace, with datamodel=\"vflow\" (expressions are .flow expressions).\n"
      "Example: vflow export scxml workflows/d2c/change.flow > change.scxml");
  cmd->callback(
      [&run, &global, args] { run = [&global, args] { return run_export_scxml(*args, global); }; });
  return cmd;
}

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
