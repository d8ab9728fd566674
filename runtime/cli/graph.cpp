// `vflow graph`: a workflow as Graphviz DOT or Mermaid, optionally marked with an instance's
// active states and the transitions it has taken.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "dsl/compiler.hpp"
#include "runtime/cli/cli.hpp"
#include "runtime/cli/files.hpp"
#include "runtime/cli/output.hpp"
#include "runtime/graph.hpp"

namespace vflow::cli {

namespace {

struct graph_args {
  std::string file, workflow, format = "dot", instance;
};

int run_graph(const graph_args& a, const global_options& g) {
  if (a.file.empty() == a.instance.empty())
    throw usage_error{"graph needs a FILE or --instance ID (not both)"};
  engine::machine m;
  runtime::graph_marks marks;
  if (!a.file.empty()) {
    std::string text;
    if (const auto problem = read_file(a.file, text)) throw usage_error{*problem};
    auto picked = compile_and_pick(a.file, text, a.workflow, "graph", g);
    if (!picked) return exit_no;
    m = std::move(picked->compiled.machines[picked->index]);
  } else {
    // The definition the instance runs on, marked with where it is and where it has been.
    auto rt = open_runtime(g, db_access::read);
    auto machine = rt.machine_of(a.instance);
    if (!machine) {
      std::cerr << "vflow graph: unknown instance '" << safe(a.instance) << "'\n";
      return exit_no;
    }
    m = std::move(*machine);
    marks.active = rt.status(a.instance)->state;
    const auto history = rt.history(a.instance);
    // Each record names the transitions it took (records of vflow 0.1 do not, and are not drawn).
    for (const auto& r : *history) {
      if (r.outcome != runtime::record_outcome::taken) continue;
      for (const auto& e : json::parse(r.detail).value("path", json::array())) {
        const std::string kind = e.value("kind", "");
        const auto index = e.value("index", std::uint32_t{0});
        const auto k = kind == "done"     ? engine::edge_kind::done
                       : kind == "always" ? engine::edge_kind::always
                       : kind == "timer"  ? engine::edge_kind::timer
                                          : engine::edge_kind::event;
        marks.taken.push_back({k, index});
      }
    }
  }
  const std::string picture =
      a.format == "mermaid" ? runtime::render_mermaid(m, marks) : runtime::render_dot(m, marks);
  if (g.json) {
    print_json(json{{"format_version", format_version},
                    {"workflow", m.name},
                    {"format", a.format},
                    {"graph", picture}});
  } else {
    std::cout << picture;
  }
  return exit_ok;
}

}  // namespace

void add_graph_command(CLI::App& app, global_options& global, command_runner& run) {
  auto args = std::make_shared<graph_args>();
  CLI::App* cmd = app.add_subcommand("graph", "Draw a workflow as Graphviz DOT or Mermaid");
  cmd->add_option("file", args->file, "A .flow file");
  cmd->add_option("--workflow", args->workflow, "Which workflow of the file");
  cmd->add_option("--format", args->format, "dot (default) or mermaid")
      ->check(CLI::IsMember({"dot", "mermaid"}));
  cmd->add_option("--instance", args->instance,
                  "Draw the definition this instance runs on, with its active states filled and "
                  "the transitions it took in bold");
  cmd->footer("Render with: vflow graph FILE | dot -Tsvg > workflow.svg");
  cmd->callback(
      [&run, &global, args] { run = [&global, args] { return run_graph(*args, global); }; });
}

}  // namespace vflow::cli
