// Pictures of a compiled workflow: Graphviz DOT and Mermaid stateDiagram-v2, byte-stable.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/machine.hpp"

namespace vflow::runtime {

/// What to mark on the picture of one instance.
struct graph_marks {
  std::vector<std::string> active;        ///< active state names
  std::vector<engine::taken_edge> taken;  ///< transitions taken, as journaled
};

/// Graphviz DOT: states in document order, the initial state from a point, final states with a
/// double border, guards and timers on the edges, active states filled, taken edges bold.
std::string render_dot(const engine::machine& m, const graph_marks& marks = {});

/// Mermaid `stateDiagram-v2`, with the same content and marks as classes.
std::string render_mermaid(const engine::machine& m, const graph_marks& marks = {});

}  // namespace vflow::runtime
