// DOT and Mermaid renderings of a machine, in document order so the output is byte-stable.
// Compound states are drawn as clusters (DOT) or composite states (Mermaid), the regions of a
// parallel state side by side.
#include "runtime/graph.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

namespace vflow::runtime {

namespace {

using engine::state_kind;

// One edge of the picture: a transition (by event), a timer, a done or an always transition.
struct edge {
  std::string from, to;
  std::string trigger, guard;  // the label: Mermaid writes it on one line, DOT on several
  engine::taken_edge id;
  engine::state_id source{}, target{};
  bool timer() const { return id.kind == engine::edge_kind::timer; }
};

std::string guarded(std::string label, const std::string& guard) {
  return guard.empty() ? label : label + " [" + guard + "]";
}

// Edges in document order: each state's transitions (in source order), timers, done and always.
std::vector<edge> edges_of(const engine::machine& m) {
  std::vector<edge> out;
  for (std::uint32_t i = 0; i < m.states.size(); ++i) {
    const auto& st = m.states[i];
    std::vector<std::uint32_t> ts;
    for (std::uint32_t t = st.first_transition; t < st.first_transition + st.transition_count;
         ++t) {
      ts.push_back(t);
    }
    std::stable_sort(ts.begin(), ts.end(), [&](std::uint32_t a, std::uint32_t b) {
      const auto &pa = m.transitions[a].pos, &pb = m.transitions[b].pos;
      return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
    });
    const auto add = [&](engine::state_id target, const std::string& trigger,
                         const std::string& guard, engine::edge_kind k, std::uint32_t index) {
      out.push_back({st.name,
                     m.state(target).name,
                     trigger,
                     guard,
                     {k, index},
                     static_cast<engine::state_id>(i),
                     target});
    };
    for (const auto t : ts) {
      const auto& tr = m.transitions[t];
      // A targetless transition stays where it is: drawn as a loop on its state.
      add(tr.target == engine::no_state ? tr.source : tr.target, m.event(tr.event).name,
          tr.guard_text, engine::edge_kind::event, t);
    }
    for (std::uint32_t t = st.first_timer; t < st.first_timer + st.timer_count; ++t) {
      const auto& timer = m.timers[t];
      add(timer.target, "after " + timer.delay_text, timer.guard_text, engine::edge_kind::timer, t);
    }
    for (std::uint32_t t = st.first_done; t < st.first_done + st.done_count; ++t) {
      add(m.done[t].target, "done", m.done[t].guard_text, engine::edge_kind::done, t);
    }
    for (std::uint32_t t = st.first_always; t < st.first_always + st.always_count; ++t) {
      add(m.always[t].target, "always", m.always[t].guard_text, engine::edge_kind::always, t);
    }
  }
  return out;
}

// A DOT string; a line break becomes DOT's centred `\n`.
std::string dot_quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

// A DOT edge label: the trigger on the first line, its guard below it, broken between words so
// that no line is much longer than `width` characters (long labels are what overlap).
std::string dot_label(const std::string& trigger, const std::string& guard) {
  if (guard.empty()) return trigger;
  constexpr std::size_t width = 32;
  std::string out = trigger + "\n[";
  std::size_t line = 1;
  std::size_t start = 0;
  while (start < guard.size()) {
    std::size_t end = guard.find(' ', start);
    if (end == std::string::npos) end = guard.size();
    const std::string word = guard.substr(start, end - start);
    if (line > 1 && line + 1 + word.size() > width) {
      out += "\n";
      line = 0;
    } else if (line > 1) {
      out += ' ';
      ++line;
    }
    out += word;
    line += word.size();
    start = end + 1;
  }
  return out + "]";
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
  return std::find(marks.taken.begin(), marks.taken.end(), e.id) != marks.taken.end();
}

bool has_children(const engine::state_def& s) {
  return s.kind == state_kind::compound || s.kind == state_kind::parallel;
}

std::vector<engine::state_id> children_of(const engine::machine& m, engine::state_id s) {
  const auto& d = m.state(s);
  return {m.children.begin() + d.first_child, m.children.begin() + d.first_child + d.child_count};
}

std::vector<engine::state_id> top_level(const engine::machine& m) {
  std::vector<engine::state_id> out;
  for (std::uint32_t i = 0; i < m.states.size(); ++i) {
    if (m.states[i].parent == engine::no_state) out.push_back(static_cast<engine::state_id>(i));
  }
  return out;
}

// Whether `s` is `ancestor` or lies inside it.
bool is_within(const engine::machine& m, engine::state_id s, engine::state_id ancestor) {
  for (auto a = s; a != engine::no_state; a = m.state(a).parent) {
    if (a == ancestor) return true;
  }
  return false;
}

// The node an edge attaches to for a state drawn as a cluster: its anchor point.
std::string dot_node(const engine::machine& m, engine::state_id s) {
  const auto& d = m.state(s);
  return has_children(d) ? "__" + d.name : d.name;
}

// A transition declared on a compound state to a state inside it ("from anywhere in here"):
// drawn from a hollow point of its own, not from the dot that marks the initial child.
bool is_inner(const engine::machine& m, const edge& e) {
  return has_children(m.state(e.source)) && e.target != e.source &&
         is_within(m, e.target, e.source);
}

std::string inner_node(const engine::machine& m, engine::state_id s) {
  return "__" + m.state(s).name + "__inner";
}

class dot_writer {
 public:
  dot_writer(const engine::machine& m, const graph_marks& marks, const std::vector<edge>& edges,
             std::ostringstream& out)
      : m_(m), marks_(marks), out_(out) {
    for (const edge& e : edges) {
      if (is_inner(m, e)) add_unique(inner_sources_, e.source);
    }
  }

  void state(engine::state_id id, const std::string& indent) {
    const auto& d = m_.state(id);
    const bool active = contains(marks_.active, d.name);
    if (d.kind == state_kind::history || d.kind == state_kind::deep_history) {
      out_ << indent << dot_quote(d.name) << " [shape=circle, fontsize=10, label="
           << dot_quote(std::string(d.kind == state_kind::history ? "H" : "H*") + "\n" + d.name)
           << "];\n";
      return;
    }
    if (!has_children(d)) {
      std::string attrs;
      if (d.is_final) attrs += "peripheries=2";
      if (active)
        attrs += std::string(attrs.empty() ? "" : ", ") +
                 "style=\"rounded,filled\", fillcolor=\"#ffd966\"";
      out_ << indent << dot_quote(d.name);
      if (!attrs.empty()) out_ << " [" << attrs << "]";
      out_ << ";\n";
      return;
    }
    const bool parallel = d.kind == state_kind::parallel;
    out_ << indent << "subgraph " << dot_quote("cluster_" + d.name) << " {\n"
         << indent << "  label=" << dot_quote(parallel ? d.name + " (parallel)" : d.name) << ";\n"
         << indent << "  style=" << (parallel ? "dashed" : "rounded") << ";\n"
         << indent << "  labeljust=l;\n";
    if (contains(marks_.active, d.name)) out_ << indent << "  bgcolor=\"#fff2cc\";\n";
    // The anchor: where edges to and from this state attach; for a compound state it also
    // points at the initial child.
    out_ << indent << "  " << dot_quote("__" + d.name) << " [shape=point, width=0.12"
         << (parallel ? ", style=invis" : "") << "];\n";
    if (std::find(inner_sources_.begin(), inner_sources_.end(), id) != inner_sources_.end()) {
      out_ << indent << "  " << dot_quote(inner_node(m_, id))
           << " [shape=point, width=0.1, style=filled, fillcolor=white, color=\"#555555\"];\n";
    }
    if (!parallel && d.initial_child != engine::no_state) {
      out_ << indent << "  " << dot_quote("__" + d.name) << " -> "
           << dot_quote(dot_node(m_, d.initial_child)) << ";\n";
    }
    for (const auto c : children_of(m_, id)) state(c, indent + "  ");
    out_ << indent << "}\n";
  }

 private:
  static void add_unique(std::vector<engine::state_id>& v, engine::state_id s) {
    if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
  }

  const engine::machine& m_;
  const graph_marks& marks_;
  std::ostringstream& out_;
  std::vector<engine::state_id> inner_sources_;
};

// Mermaid's state-diagram grammar reads these words as keywords, in any case: a state so named
// is declared under another id (`state "note" as vflow_state_3`), its name kept as the label.
bool mermaid_keyword(std::string_view name) {
  static constexpr std::string_view words[] = {
      "note", "class",    "classdef", "default", "state", "style", "direction",
      "end",  "as",       "click",    "hide",    "left",  "right", "of",
      "over", "acctitle", "accdescr", "tb",      "bt",    "lr",    "rl"};
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::find(std::begin(words), std::end(words), lower) != std::end(words);
}

// The id a state has in Mermaid text.
std::string mermaid_id(const engine::machine& m, engine::state_id s) {
  const std::string& name = m.state(s).name;
  return mermaid_keyword(name) ? "vflow_state_" + std::to_string(engine::index(s)) : name;
}

// `state ID`, or `state "NAME" as ID` for a state whose name is a Mermaid keyword.
std::string mermaid_declaration(const engine::machine& m, engine::state_id s) {
  const std::string id = mermaid_id(m, s);
  return id == m.state(s).name ? "state " + id : "state \"" + m.state(s).name + "\" as " + id;
}

class mermaid_writer {
 public:
  mermaid_writer(const engine::machine& m, const graph_marks& marks, std::ostringstream& out)
      : m_(m), marks_(marks), out_(out) {}

  void state(engine::state_id id, const std::string& indent) {
    const auto& d = m_.state(id);
    if (d.kind == state_kind::history || d.kind == state_kind::deep_history) {
      out_ << indent << mermaid_id(m_, id) << " : " << (d.kind == state_kind::history ? "H" : "H*")
           << '\n';
      return;
    }
    if (!has_children(d)) return;  // plain states appear through their edges and notes
    out_ << indent << mermaid_declaration(m_, id) << " {\n";
    const auto children = children_of(m_, id);
    if (d.kind == state_kind::parallel) {
      for (std::size_t i = 0; i < children.size(); ++i) {
        if (i > 0) out_ << indent << "  --\n";
        state(children[i], indent + "  ");
      }
    } else {
      if (d.initial_child != engine::no_state) {
        out_ << indent << "  [*] --> " << mermaid_id(m_, d.initial_child) << '\n';
      }
      for (const auto c : children) {
        const auto& cd = m_.state(c);
        if (!has_children(cd) && cd.kind != state_kind::history &&
            cd.kind != state_kind::deep_history) {
          out_ << indent << "  " << mermaid_declaration(m_, c) << '\n';
          // Mermaid cannot style a state inside a composite state (mermaid-js/mermaid#3732):
          // an active one says so in its description instead.
          if (contains(marks_.active, cd.name)) {
            out_ << indent << "  " << mermaid_id(m_, c) << " : active\n";
          }
        }
        state(c, indent + "  ");
        if (cd.is_final) out_ << indent << "  " << mermaid_id(m_, c) << " --> [*]\n";
      }
    }
    out_ << indent << "}\n";
  }

 private:
  const engine::machine& m_;
  const graph_marks& marks_;
  std::ostringstream& out_;
};

}  // namespace

std::string render_dot(const engine::machine& m, const graph_marks& marks) {
  std::ostringstream out;
  out << "digraph " << dot_quote(m.name) << " {\n"
      << "  rankdir=LR;\n"
      << "  compound=true;\n"
      << "  labelloc=t;\n"
      << "  nodesep=0.4;\n"
      << "  ranksep=0.6;\n"
      << "  label=" << dot_quote(m.name + (m.title.empty() ? "" : ": " + m.title)) << ";\n"
      << "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
      << "  edge [fontname=\"Helvetica\", fontsize=10];\n"
      << "  \"__initial\" [shape=point, width=0.15];\n";
  const auto all = edges_of(m);
  dot_writer writer(m, marks, all, out);
  for (const auto s : top_level(m)) writer.state(s, "  ");
  out << "  \"__initial\" -> " << dot_quote(dot_node(m, m.initial));
  if (has_children(m.state(m.initial)))
    out << " [lhead=" << dot_quote("cluster_" + m.state(m.initial).name) << "]";
  out << ";\n";
  // Transitions between the same two states drawn alike are one edge with a label line each:
  // stacked self-loops are what made labels overlap.
  struct drawn {
    const edge* first;
    std::string label;
    bool taken;
  };
  std::vector<drawn> lines;
  for (const edge& e : all) {
    const bool taken = was_taken(marks, e);
    const std::string label = dot_label(e.trigger, e.guard);
    const auto same = std::find_if(lines.begin(), lines.end(), [&](const drawn& d) {
      return d.first->source == e.source && d.first->target == e.target &&
             d.first->timer() == e.timer() && d.taken == taken;
    });
    if (same != lines.end()) {
      same->label += ",\n" + label;
    } else {
      lines.push_back({&e, label, taken});
    }
  }
  for (const drawn& d : lines) {
    const edge& e = *d.first;
    const bool inner = is_inner(m, e);
    out << "  " << dot_quote(inner ? inner_node(m, e.source) : dot_node(m, e.source)) << " -> "
        << dot_quote(dot_node(m, e.target)) << " [label=" << dot_quote(d.label);
    // Clip at the cluster border, unless one end lies inside the other's cluster.
    const bool nested = is_within(m, e.target, e.source) || is_within(m, e.source, e.target);
    if (has_children(m.state(e.source)) && !nested)
      out << ", ltail=" << dot_quote("cluster_" + e.from);
    if (has_children(m.state(e.target)) && !nested && e.source != e.target) {
      out << ", lhead=" << dot_quote("cluster_" + e.to);
    }
    if (e.timer()) out << ", style=dashed";
    if (d.taken) out << ", color=\"#1f77b4\", penwidth=2";
    out << "];\n";
  }
  out << "}\n";
  return out.str();
}

std::string render_mermaid(const engine::machine& m, const graph_marks& marks) {
  std::ostringstream out;
  out << "stateDiagram-v2\n";
  if (!m.title.empty()) out << "  %% " << m.name << ": " << m.title << "\n";
  for (const auto s : top_level(m)) {  // top-level plain states named like keywords
    if (!has_children(m.state(s)) && mermaid_id(m, s) != m.state(s).name)
      out << "  " << mermaid_declaration(m, s) << "\n";
  }
  out << "  [*] --> " << mermaid_id(m, m.initial) << "\n";
  mermaid_writer writer(m, marks, out);
  for (const auto s : top_level(m)) writer.state(s, "  ");
  const auto all = edges_of(m);
  for (const edge& e : all) {
    out << "  " << mermaid_id(m, e.source) << " --> " << mermaid_id(m, e.target) << " : "
        << mermaid_label(guarded(e.trigger, e.guard)) << "\n";
  }
  for (const auto s : top_level(m)) {
    if (m.state(s).is_final) out << "  " << mermaid_id(m, s) << " --> [*]\n";
  }
  const auto id_of = [&](const std::string& name) {
    const auto s = m.find_state(name);
    return s ? mermaid_id(m, *s) : name;
  };
  if (!marks.active.empty()) {
    out << "  classDef active fill:#ffd966,stroke:#b45f06\n";
    for (const auto& s : marks.active) out << "  class " << id_of(s) << " active\n";
  }
  if (!marks.taken.empty()) {
    std::map<std::string, bool> visited;
    for (const edge& e : all) {
      if (was_taken(marks, e)) visited[e.from] = visited[e.to] = true;
    }
    out << "  classDef visited stroke-width:3px\n";
    for (const auto& [name, _] : visited) {
      if (!contains(marks.active, name)) out << "  class " << id_of(name) << " visited\n";
    }
  }
  return out.str();
}

}  // namespace vflow::runtime
