// SCXML (W3C State Chart XML) <-> .flow. Import: documents with the null data model or simple
// expressions over the data (states, transitions, executable content; everything else is reported,
// never silently dropped), and documents vflow exported (datamodel="vflow"). Export: a workflow as
// SCXML, with vflow's own namespace for what SCXML has no element for.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dsl/compiler.hpp"
#include "dsl/diagnostic.hpp"

namespace vflow::dsl {

/// Documents larger than this are refused before they are read.
inline constexpr std::size_t max_scxml_bytes = 64u << 20;
/// Elements nested deeper than this are refused (the .flow language bounds nesting too).
inline constexpr std::size_t max_scxml_depth = 128;

/// The result of an import: the .flow text (empty when the document could not be read at all)
/// and a diagnostic for everything that was not imported as written.
struct scxml_import {
  std::string flow;
  std::vector<diagnostic> diagnostics;
};

/// The namespace of vflow's extensions to SCXML: typed data and events, links, policies, rules,
/// timers, link changes and spawns (see docs/cli.md, `export scxml`).
inline constexpr std::string_view vflow_scxml_namespace = "https://vflow.dev/scxml/1";

/// Translates an SCXML document. With datamodel="vflow" (what `export_scxml` writes), expressions
/// are .flow expressions and vflow's elements are read; the document's `vflow:stream` wins over
/// `stream`. `stream` is written as the file's value stream.
scxml_import import_scxml(std::string_view xml, const std::string& source_name,
                          const std::string& stream = "R2D");

/// Workflow number `index` of a file that compiled (`compiled.ast` is set) as an SCXML document
/// with datamodel="vflow": `import_scxml` of it gives the workflow back.
std::string export_scxml(const compile_result& compiled, std::size_t index,
                         const std::string& source_name);

}  // namespace vflow::dsl
