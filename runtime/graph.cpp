// DOT and Mermaid renderings of a machine, in document order so the output is byte-stable.
#include "runtime/graph.hpp"

#include <algorithm>
#include <map>
#include <sstream>

namespace vflow::runtime {

namespace {

// One edge of the picture: a transition (by event) or a timer.
struct edge {
  std::string from, to, label;
  bool timer = false;
};

// Edges in document order: each state's transitions (in source order) and then its timers.
std::vector<edge> edges_of(const engine::machine& m) {
  std::vector<edge> out;
  for (const auto& st : m.states) {
    std::vector<const engine::transition_def*> ts;
    for (std::uint32_t t = st.first_transition; t < st.first_transition + st.transition_count;
         ++t) {
      ts.push_back(&m.transitions[t]);
    }
    std::stable_sort(ts.begin(), ts.end(), [](const auto* a, const auto* b) {
      return a->pos.line != b->pos.line ? a->pos.line < b->pos.line : a->pos.column < b->pos.column;
    });
    for (const auto* t : ts) {
      std::string label = m.event(t->event).name;
      if (!t->guard_text.empty()) label += " [" + t->guard_text + "]";
      out.push_back({st.name, m.state(t->target).name, label, false});
    }
    for (std::uint32_t t = st.first_timer; t < st.first_timer + st.timer_count; ++t) {
      const auto& timer = m.timers[t];
      std::string label = "after " + timer.delay_text;
      if (!timer.guard_text.empty()) label += " [" + timer.guard_text + "]";
      out.push_back({st.name, m.state(timer.target).name, label, true});
    }
  }
  return out;
}

std::string dot_quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

// Mermaid labels end at a line break and treat ':' and quotes specially: keep them plain.
std::string mermaid_label(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == ':')
      out += "#58;";
    else if (c == '"')
      out += "#quot;";
    else if (c == ';')
      out += "#59;";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool was_taken(const graph_marks& marks, const edge& e) {
  return std::find(marks.taken.begin(), marks.taken.end(), std::pair(e.from, e.to)) !=
         marks.taken.end();
}

}  // namespace

std::string render_dot(const engine::machine& m, const graph_marks& marks) {
  std::ostringstream out;
  out << "digraph " << dot_quote(m.name) << " {\n"
      << "  rankdir=LR;\n"
      << "  labelloc=t;\n"
      << "  label=" << dot_quote(m.name + (m.title.empty() ? "" : ": " + m.title)) << ";\n"
      << "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
      << "  edge [fontname=\"Helvetica\", fontsize=10];\n"
      << "  \"__initial\" [shape=point, width=0.15];\n";
  for (const auto& st : m.states) {
    std::string attrs;
    if (st.is_final) attrs += "peripheries=2";
    if (contains(marks.active, st.name)) {
      attrs += std::string(attrs.empty() ? "" : ", ") +
               "style=\"rounded,filled\", fillcolor=\"#ffd966\"";
    }
    out << "  " << dot_quote(st.name);
    if (!attrs.empty()) out << " [" << attrs << "]";
    out << ";\n";
  }
  out << "  \"__initial\" -> " << dot_quote(m.state(m.initial).name) << ";\n";
  for (const edge& e : edges_of(m)) {
    out << "  " << dot_quote(e.from) << " -> " << dot_quote(e.to)
        << " [label=" << dot_quote(e.label);
    if (e.timer) out << ", style=dashed";
    if (was_taken(marks, e)) out << ", color=\"#1f77b4\", penwidth=2";
    out << "];\n";
  }
  out << "}\n";
  return out.str();
}

std::string render_mermaid(const engine::machine& m, const graph_marks& marks) {
  std::ostringstream out;
  out << "stateDiagram-v2\n";
  if (!m.title.empty()) out << "  %% " << m.name << ": " << m.title << "\n";
  out << "  [*] --> " << m.state(m.initial).name << "\n";
  for (const edge& e : edges_of(m)) {
    out << "  " << e.from << " --> " << e.to << " : " << mermaid_label(e.label) << "\n";
  }
  for (const auto& st : m.states) {
    if (st.is_final) out << "  " << st.name << " --> [*]\n";
  }
  if (!marks.active.empty()) {
    out << "  classDef active fill:#ffd966,stroke:#b45f06\n";
    for (const auto& s : marks.active) out << "  class " << s << " active\n";
  }
  if (!marks.taken.empty()) {
    std::map<std::string, bool> visited;
    for (const auto& [from, to] : marks.taken) visited[from] = visited[to] = true;
    out << "  classDef visited stroke-width:3px\n";
    for (const auto& [name, _] : visited) {
      if (!contains(marks.active, name)) out << "  class " << name << " visited\n";
    }
  }
  return out.str();
}

}  // namespace vflow::runtime
