// Sorting and compiler-style text rendering of diagnostics.
#include "dsl/diagnostic.hpp"

#include <algorithm>
#include <tuple>

#include "engine/text.hpp"

namespace vflow::dsl {

std::string_view to_string(severity s) { return s == severity::error ? "error" : "warning"; }

void sort_diagnostics(std::vector<diagnostic>& diags) {
  std::stable_sort(diags.begin(), diags.end(), [](const diagnostic& a, const diagnostic& b) {
    return std::tie(a.file, a.span.line, a.span.column, a.code) <
           std::tie(b.file, b.span.line, b.span.column, b.code);
  });
}

std::size_t count(const std::vector<diagnostic>& diags, severity s) {
  return static_cast<std::size_t>(std::count_if(
      diags.begin(), diags.end(), [s](const diagnostic& d) { return d.severity == s; }));
}

namespace {

// Replaces control characters, bidirectional formatting characters and invalid UTF-8, byte for
// byte, so the caret line stays aligned and the source shown is the source as stored.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      out += (lead < 0x20 || lead == 0x7f) ? ' ' : text[i];
      ++i;
      continue;
    }
    const std::size_t n = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    const std::string_view c = text.substr(i, n);
    if (engine::invalid_utf8_at(c) == 0) {  // not a character: one byte at a time
      out += '?';
      ++i;
      continue;
    }
    if (engine::escape_for_terminal(c) == c) {
      out += c;
    } else {
      out.append(c.size(), '?');
    }
    i += c.size();
  }
  return out;
}

}  // namespace

source_lines::source_lines(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (std::size_t at = text.find('\n'); at != std::string_view::npos; at = text.find('\n', at + 1))
    starts_.push_back(at + 1);
}

std::string_view source_lines::line(std::uint32_t line) const {
  if (line == 0 || line > starts_.size()) return {};
  const std::size_t start = starts_[line - 1];
  std::size_t end = line < starts_.size() ? starts_[line] - 1 : text_.size();
  if (end > start && text_[end - 1] == '\r') --end;
  return text_.substr(start, end - start);
}

std::string render_text(const diagnostic& d, std::string_view source) {
  return render_text(d, source_lines(source));
}

std::string render_text(const diagnostic& d, const source_lines& source) {
  std::string out = d.file + ':' + std::to_string(d.span.line) + ':' +
                    std::to_string(d.span.column) + ": " + std::string(to_string(d.severity)) +
                    '[' + d.code + "]: " + d.message + '\n';
  const std::string_view text = source.line(d.span.line);
  if (!text.empty() || d.span.column == 1) {
    constexpr std::size_t max_shown = 200;  // keep minified or hostile input readable
    const std::string line = printable(text.substr(0, max_shown));
    const std::string number = std::to_string(d.span.line);
    const std::string gutter(number.size(), ' ');
    out += ' ' + number + " | " + line + '\n';
    const std::size_t col = std::min<std::size_t>(d.span.column - 1, line.size());
    std::size_t width = 1;
    if (d.span.end_line == d.span.line && d.span.end_column > d.span.column) {
      width = d.span.end_column - d.span.column;
    }
    width = std::max<std::size_t>(1, std::min(width, line.size() > col ? line.size() - col : 1));
    out += ' ' + gutter + " | " + std::string(col, ' ') + std::string(width, '^') + '\n';
  }
  if (!d.help.empty()) out += "   help: " + d.help + '\n';
  return out;
}

}  // namespace vflow::dsl
