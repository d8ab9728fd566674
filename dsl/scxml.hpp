// SCXML (W3C State Chart XML) -> .flow, for documents with the null data model or simple literal
// data: states, parallel, final, initial, history, transitions, onentry/onexit with raise and
// assign, and delayed send as a timer. Everything else is reported, never silently dropped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

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

/// Translates an SCXML document. `stream` is written as the file's value stream.
scxml_import import_scxml(std::string_view xml, const std::string& source_name,
                          const std::string& stream = "R2D");

}  // namespace vflow::dsl
