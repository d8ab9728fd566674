// `vflow trace ID`: an instance's lineage through its links, as a tree (text), a document (json),
// or a picture (dot, mermaid).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "runtime/cli/cli.hpp"
#include "runtime/cli/output.hpp"

namespace vflow::cli {

namespace {

struct trace_args {
  std::string id;
  bool up = false, down = false, both = false;
  std::optional<std::size_t> depth;
  std::string format = "text";
  std::string to;  // print only the path to this instance
};

std::string state_of(const runtime::trace_node& n) {
  std::string out;
  for (const auto& s : n.state) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string node_text(const runtime::trace_node& n) {
  return safe(n.id) + "  " + n.workflow + " v" + std::to_string(n.version) + " (" + n.stream +
         ")  " + state_of(n) + "  " + std::string(runtime::to_string(n.lifecycle));
}

// The tree the breadth-first walk found: each instance under the one it was reached from.
std::string tree_text(const runtime::trace_graph& g, runtime::trace_direction dir,
                      const std::string& to) {
  std::map<std::string, const runtime::trace_node*> nodes;
  for (const auto& n : g.nodes) nodes[n.id] = &n;
  // Children of each node, in edge order: (label, child).
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> children;
  std::set<std::string> placed{g.nodes.front().id};
  // Breadth first, as the runtime walked: a node's parent is the first node that reached it.
  for (const auto& n : g.nodes) {
    for (const auto& e : g.edges) {
      const bool down = e.from == n.id && dir != runtime::trace_direction::up;
      const bool up = e.to == n.id && dir != runtime::trace_direction::down;
      if (!down && !up) continue;
      const std::string& other = down ? e.to : e.from;
      if (!placed.insert(other).second) continue;
      children[n.id].emplace_back(down ? e.link + " -> " : "<- " + e.link + " of ", other);
    }
  }
  std::ostringstream out;
  if (!to.empty()) {  // only the path from the root to `to`, through the tree
    std::map<std::string, std::pair<std::string, std::string>> parent;  // child -> (parent, label)
    for (const auto& [id, list] : children) {
      for (const auto& [label, child] : list) parent[child] = {id, label};
    }
    std::vector<std::string> lines;
    for (std::string at = to; at != g.nodes.front().id;) {
      const auto& [up, label] = parent.at(at);
      lines.push_back(label + node_text(*nodes[at]));
      at = up;
    }
    out << node_text(g.nodes.front()) << '\n';
    std::string indent;
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
      out << indent << "└─ " << *it << '\n';
      indent += "   ";
    }
    return out.str();
  }
  out << node_text(g.nodes.front()) << '\n';
  // Depth first over the tree, with box-drawing prefixes.
  const auto walk = [&](const auto& self, const std::string& id,
                        const std::string& prefix) -> void {
    const auto& list = children[id];
    for (std::size_t i = 0; i < list.size(); ++i) {
      const bool last = i + 1 == list.size();
      const auto& [label, child] = list[i];
      out << prefix << (last ? "└─ " : "├─ ") << label << node_text(*nodes[child]) << '\n';
      self(self, child, prefix + (last ? "   " : "│  "));
    }
  };
  walk(walk, g.nodes.front().id, "");
  if (g.cut) out << "(cut: more instances are linked than shown)\n";
  return out.str();
}

json trace_json(const runtime::trace_graph& g) {
  json nodes = json::array(), edges = json::array();
  for (const auto& n : g.nodes) {
    nodes.push_back({{"id", n.id},
                     {"workflow", n.workflow},
                     {"version", n.version},
                     {"stream", n.stream},
                     {"state", n.state},
                     {"lifecycle", runtime::to_string(n.lifecycle)},
                     {"depth", n.depth}});
  }
  for (const auto& e : g.edges) edges.push_back({{"from", e.from}, {"link", e.link}, {"to", e.to}});
  return {{"format_version", format_version},
          {"root", g.nodes.front().id},
          {"nodes", nodes},
          {"edges", edges},
          {"cut", g.cut}};
}

std::string dot_quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + '"';
}

std::string trace_dot(const runtime::trace_graph& g) {
  std::ostringstream out;
  out << "digraph trace {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n";
  for (const auto& n : g.nodes) {
    out << "  " << dot_quote(n.id) << " [label="
        << dot_quote(n.id + "\n" + n.workflow + " v" + std::to_string(n.version) + " (" + n.stream +
                     ")\n" + state_of(n) + " · " + std::string(runtime::to_string(n.lifecycle)));
    if (n.depth == 0) out << ", penwidth=2";
    out << "];\n";
  }
  for (const auto& e : g.edges) {
    out << "  " << dot_quote(e.from) << " -> " << dot_quote(e.to) << " [label=" << dot_quote(e.link)
        << "];\n";
  }
  out << "}\n";
  return out.str();
}

// Mermaid flowchart: ids are numbered (instance ids may hold characters Mermaid reserves); labels
// are quoted with '#quot;' for quotes.
std::string trace_mermaid(const runtime::trace_graph& g) {
  const auto label = [](const std::string& s) {
    std::string out;
    for (const char c : s) {
      if (c == '"') {
        out += "#quot;";
      } else if (c == '<') {
        out += "#lt;";
      } else if (c == '>') {
        out += "#gt;";
      } else {
        out += c;
      }
    }
    return out;
  };
  std::map<std::string, std::size_t> number;
  std::ostringstream out;
  out << "flowchart LR\n";
  for (const auto& n : g.nodes) {
    const std::size_t k = number.size();
    number[n.id] = k;
    out << "  n" << k << "[\"" << label(n.id) << "<br/>" << n.workflow << " v" << n.version << " ("
        << n.stream << ")<br/>" << label(state_of(n)) << " · " << runtime::to_string(n.lifecycle)
        << "\"]\n";
  }
  for (const auto& e : g.edges) {
    out << "  n" << number[e.from] << " -->|" << label(e.link) << "| n" << number[e.to] << '\n';
  }
  out << "  style n0 stroke-width:3px\n";
  return out.str();
}

int run_trace(const trace_args& a, const global_options& g) {
  if (static_cast<int>(a.up) + static_cast<int>(a.down) + static_cast<int>(a.both) > 1) {
    throw usage_error{"give one of --up, --down and --both"};
  }
  const std::string format = g.json ? "json" : a.format;
  runtime::trace_request req;
  req.id = a.id;
  req.direction = a.up     ? runtime::trace_direction::up
                  : a.both ? runtime::trace_direction::both
                           : runtime::trace_direction::down;
  req.depth = a.depth;
  auto rt = open_runtime(g, db_access::read);
  const auto graph = rt.trace(req);
  if (!graph) {
    if (format == "json") {
      print_json(json{{"format_version", format_version},
                      {"status", "not_found"},
                      {"message", "unknown instance '" + a.id + "'"}});
    } else {
      std::cerr << "vflow trace: unknown instance '" << safe(a.id) << "'\n";
    }
    return exit_no;
  }
  if (format == "json") {
    print_json(trace_json(*graph));
  } else if (format == "dot") {
    std::cout << trace_dot(*graph);
  } else if (format == "mermaid") {
    std::cout << trace_mermaid(*graph);
  } else {
    if (!a.to.empty() && std::none_of(graph->nodes.begin(), graph->nodes.end(),
                                      [&](const auto& n) { return n.id == a.to; })) {
      std::cerr << "vflow trace: '" << safe(a.to) << "' is not reached from '" << safe(a.id)
                << "' (try --both, or a larger --depth)\n";
      return exit_no;
    }
    std::cout << tree_text(*graph, req.direction, a.to);
  }
  return exit_ok;
}

}  // namespace

void add_trace_command(CLI::App& app, global_options& g, command_runner& run) {
  auto args = std::make_shared<trace_args>();
  CLI::App* cmd = app.add_subcommand("trace", "Show an instance's lineage through its links");
  cmd->fallthrough();
  cmd->add_option("id", args->id, "Instance id")->required();
  cmd->add_flag("--down", args->down,
                "Follow the links the instance holds, and theirs (the default)");
  cmd->add_flag("--up", args->up, "Follow the links other instances hold to it");
  cmd->add_flag("--both", args->both, "Follow links both ways");
  cmd->add_option("--depth", args->depth, "Follow at most this many links from the instance");
  cmd->add_option("--to", args->to, "Show only the path to this instance (text)");
  cmd->add_option("--format", args->format, "text (a tree), json, dot or mermaid")
      ->check(CLI::IsMember({"text", "json", "dot", "mermaid"}));
  cmd->footer(
      "Each instance is shown once, with its workflow, version, stream, state and lifecycle;\n"
      "'link -> ID' is a link the instance above holds, '<- link of ID' one held to it.\n"
      "Inverse links are stored both ways, so --down also walks back along them.");
  cmd->callback([&run, &g, args] { run = [&g, args] { return run_trace(*args, g); }; });
}

}  // namespace vflow::cli
