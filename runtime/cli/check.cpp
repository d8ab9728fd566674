// `vflow check FILE|DIR...`: compile .flow files and report every diagnostic.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dsl/compiler.hpp"
#include "runtime/cli/cli.hpp"
#include "runtime/cli/files.hpp"
#include "runtime/cli/output.hpp"
#include "runtime/cli/report.hpp"

namespace vflow::cli {

namespace {

struct check_args {
  std::vector<std::string> paths;
  std::string format = "text";
  bool warnings_as_errors = false;
};

int run_check(const check_args& args, const global_options& global) {
  const auto format = parse_report_format(args.format);
  if (!format) {
    throw usage_error{"--format must be text, json, sarif, junit or github, not '" + args.format +
                      "'"};
  }
  // text and json as before; the CI formats print their report alone on stdout.
  const bool ci = *format == report_format::sarif || *format == report_format::junit ||
                  *format == report_format::github;
  const bool as_json = global.json || *format == report_format::json_document;
  std::vector<std::filesystem::path> files;
  if (const auto problem = collect_flow_files(args.paths, files)) {
    std::cerr << "vflow check: " << *problem << '\n';
    return exit_usage;
  }
  std::vector<dsl::diagnostic> all;
  diagnostic_printer printer(global.error_limit, as_json);
  std::vector<file_report> reports;
  json file_reports = json::array();
  std::map<std::string, std::string> defined_in;  // workflow name -> file, across the whole run
  // The files are compiled together, with the files they import: names resolve across them.
  std::vector<flow_text> texts;
  std::vector<dsl::diagnostic> import_problems;
  if (const auto problem = read_with_imports(files, texts, import_problems)) {
    std::cerr << "vflow check: " << *problem << '\n';
    return exit_usage;
  }
  std::vector<dsl::flow_source> sources;
  for (const auto& f : texts) sources.push_back({f.name, f.text, f.imported});
  auto results = dsl::compile_set(sources);
  for (std::size_t n = 0; n < texts.size(); ++n) {
    if (texts[n].imported) continue;
    const std::string& name = texts[n].name;
    const std::string& text = texts[n].text;
    dsl::compile_result& r = results[n];
    for (const auto& d : import_problems) {
      if (d.file == name) r.diagnostics.push_back(d);
    }
    if (!import_problems.empty()) dsl::sort_diagnostics(r.diagnostics);
    if (r.ast) {
      for (const auto& w : r.ast->workflows) {
        const auto [it, fresh] = defined_in.emplace(w.name, name);
        if (!fresh && it->second != name) {
          r.diagnostics.push_back({"F0101", dsl::severity::error, name, w.name_span,
                                   "duplicate workflow '" + w.name + "'",
                                   "it is also defined in " + it->second});
          r.machines.clear();
        }
      }
    }
    reports.push_back({name, r.diagnostics});
    if (!ci) printer.show(r.diagnostics, text);
    json workflows = json::array();
    for (const auto& m : r.machines) {
      workflows.push_back({{"name", m.name},
                           {"stream", m.stream},
                           {"states", m.states.size()},
                           {"events", m.events.size()},
                           {"transitions", m.transitions.size()}});
    }
    const bool valid = std::none_of(r.diagnostics.begin(), r.diagnostics.end(), [&](const auto& d) {
      return fails(d, args.warnings_as_errors);
    });
    if (!as_json && !ci) {
      std::cout << (valid ? "ok    " : "FAIL  ") << name;
      if (valid) {
        std::cout << "  ";
        for (std::size_t i = 0; i < r.machines.size(); ++i) {
          const auto& m = r.machines[i];
          std::cout << (i ? ", " : "") << m.name << " (" << m.states.size() << " states, "
                    << m.events.size() << " events, " << m.transitions.size() << " transitions)";
        }
      }
      std::cout << '\n';
    }
    file_reports.push_back({{"file", name}, {"valid", valid}, {"workflows", workflows}});
    all.insert(all.end(), r.diagnostics.begin(), r.diagnostics.end());
  }
  const std::size_t errors = count(all, dsl::severity::error);
  const std::size_t warnings = count(all, dsl::severity::warning);
  const bool failed = errors > 0 || (args.warnings_as_errors && warnings > 0);
  if (*format == report_format::sarif) {
    std::cout << sarif_report(reports, VFLOW_VERSION, args.warnings_as_errors);
  } else if (*format == report_format::junit) {
    std::cout << junit_report(reports, "vflow check", args.warnings_as_errors);
  } else if (*format == report_format::github) {
    std::vector<dsl::diagnostic> shown;  // annotations are for people: the error limit holds
    for (const auto& d : all) {
      if (global.error_limit == 0 || shown.size() < global.error_limit) shown.push_back(d);
    }
    std::cout << github_report(shown, args.warnings_as_errors);
    if (shown.size() < all.size()) {
      std::cout << "::notice title=vflow check::" << all.size() - shown.size()
                << " more diagnostics not shown (--error-limit 0 shows all)\n";
    }
  }
  if (ci) return failed ? exit_no : exit_ok;
  const json diags = printer.finish();
  if (as_json) {
    const json report{{"format_version", format_version},
                      {"valid", !failed},
                      {"error_count", errors},
                      {"warning_count", warnings},
                      {"diagnostics", diags},
                      {"diagnostics_not_shown", printer.not_shown()},
                      {"files", file_reports}};
    print_json(report);
  } else {
    std::cout << "checked " << files.size() << (files.size() == 1 ? " file: " : " files: ")
              << errors << (errors == 1 ? " error, " : " errors, ") << warnings
              << (warnings == 1 ? " warning\n" : " warnings\n");
  }
  return failed ? exit_no : exit_ok;
}

}  // namespace

void add_check_command(CLI::App& app, global_options& global, command_runner& run) {
  auto args = std::make_shared<check_args>();
  CLI::App* cmd = app.add_subcommand("check", "Compile .flow files and report every diagnostic");
  cmd->add_option("paths", args->paths, ".flow files, or directories searched for *.flow")
      ->required();
  cmd->add_option("--format", args->format,
                  "text (default), json, sarif (SARIF 2.1.0), junit (JUnit XML) or github\n"
                  "(GitHub Actions annotations)");
  cmd->add_flag("--warnings-as-errors", args->warnings_as_errors,
                "Warnings fail the check too (exit 1; error level in SARIF, failures in JUnit)");
  cmd->footer(
      "Exit: 0 no errors (warnings allowed), 1 errors found, 2 usage error.\n"
      "Examples: vflow check workflows/\n"
      "          vflow check --format sarif workflows/ > vflow.sarif   # code scanning\n"
      "          vflow check --format github --warnings-as-errors workflows/");
  cmd->callback(
      [&run, &global, args] { run = [&global, args] { return run_check(*args, global); }; });
}

}  // namespace vflow::cli
