// Compiler diagnostics and their text rendering (JSON is rendered at the CLI edge).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dsl/ast.hpp"

namespace vflow::dsl {

enum class severity : std::uint8_t { error, warning };

/// `error` or `warning`.
std::string_view to_string(severity s);

/// One finding about a .flow file: a stable code (e.g. `F0102`), where it is, what is wrong,
/// and optionally how to fix it.
struct diagnostic {
  std::string code;
  dsl::severity severity = severity::error;
  std::string file;
  source_span span;
  std::string message;
  std::string help;  // empty when there is no suggestion
};

/// Sorts diagnostics by file, position, then code, so reports are stable.
void sort_diagnostics(std::vector<diagnostic>& diags);

/// A text with the start of each of its lines indexed once, so that rendering any number of
/// diagnostics costs time proportional to what is printed, not to the file's length.
class source_lines {
 public:
  explicit source_lines(std::string_view text);
  /// The text of 1-based line `line` without its terminator; empty past the end.
  std::string_view line(std::uint32_t line) const;

 private:
  std::string_view text_;
  std::vector<std::size_t> starts_;
};

/// Renders one diagnostic like a compiler: `file:line:col: error[CODE]: message`, the source
/// line with a caret under the span, and `help:` when present. `source` is the file's text.
std::string render_text(const diagnostic& d, const source_lines& source);

/// `render_text` for a single diagnostic of `source` (indexes the text on each call).
std::string render_text(const diagnostic& d, std::string_view source);

/// Counts diagnostics of a severity.
std::size_t count(const std::vector<diagnostic>& diags, severity s);

}  // namespace vflow::dsl
