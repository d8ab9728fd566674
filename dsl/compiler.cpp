// The compiler's driver: each workflow of a file goes through the stages in compiler_stages.hpp
// (resolve, check, lower, analyse); the machines are kept only when no error was found.
#include "dsl/compiler.hpp"

#include <algorithm>
#include <unordered_map>

#include "dsl/compiler_stages.hpp"

namespace vflow::dsl {

bool compile_result::ok() const { return count(diagnostics, severity::error) == 0; }

namespace detail {

engine::machine workflow_compiler::run(const std::optional<std::string>& stream) {
  m_.name = w_.name;
  m_.stream = stream.value_or("");
  m_.source_name = file_;
  if (!w_.titles.empty()) m_.title = w_.titles.front().text;
  for (std::size_t i = 1; i < w_.titles.size(); ++i) {
    error("F0117", w_.titles[i].span, "duplicate title in workflow '" + w_.name + "'");
  }
  reserve_tables();
  declare_fields();
  declare_events();
  declare_states();
  define_defaults();
  define_transitions();
  define_policies();
  define_rules();
  check_structure();
  m_.reactive =
      !m_.rules.empty() || !m_.always.empty() || !m_.done.empty() || !m_.children.empty() ||
      std::any_of(m_.states.begin(), m_.states.end(),
                  [](const engine::state_def& st) { return st.entry_count + st.exit_count > 0; });
  return std::move(m_);
}

}  // namespace detail

using detail::known_streams;
using detail::workflow_compiler;

compile_result check_and_lower(const flow_file& file, std::string_view text,
                               const std::string& source_name) {
  compile_result result;
  auto& diags = result.diagnostics;
  if (!file.stream) {
    diags.push_back(
        {"F0118", severity::error, source_name, source_span{}, "missing 'stream' declaration",
         "start the file with the value stream it belongs to: stream S2P, R2D, R2F or D2C"});
  } else if (std::find(known_streams.begin(), known_streams.end(), *file.stream) ==
             known_streams.end()) {
    std::vector<std::string_view> names(known_streams.begin(), known_streams.end());
    std::string help = did_you_mean(*file.stream, names);
    if (help.empty()) help = "the value streams are S2P, R2D, R2F and D2C";
    diags.push_back({"F0116", severity::error, source_name, file.stream_span,
                     "unknown value stream '" + *file.stream + "'", std::move(help)});
  }
  std::unordered_map<std::string_view, const workflow_decl*> seen;
  bool any_error = false;
  for (const workflow_decl& w : file.workflows) {
    if (const auto [it, fresh] = seen.emplace(w.name, &w); !fresh) {
      diags.push_back({"F0101", severity::error, source_name, w.name_span,
                       "duplicate workflow '" + w.name + "'",
                       "the first is at line " + std::to_string(it->second->name_span.line)});
      any_error = true;
      continue;
    }
    workflow_compiler wc(file, w, text, source_name, diags);
    engine::machine m = wc.run(file.stream);
    any_error = any_error || wc.had_error();
    result.machines.push_back(std::move(m));
  }
  if (file.workflows.empty()) {
    diags.push_back(
        {"W0305", severity::warning, source_name, source_span{}, "file declares no workflow", {}});
  }
  sort_diagnostics(diags);
  // A deny clause naming several events is checked once per event: report each problem once.
  diags.erase(std::unique(diags.begin(), diags.end(),
                          [](const diagnostic& a, const diagnostic& b) {
                            return a.code == b.code && a.span.begin == b.span.begin &&
                                   a.span.end == b.span.end && a.message == b.message;
                          }),
              diags.end());
  if (any_error || !result.ok()) result.machines.clear();
  return result;
}

compile_result compile(std::string_view text, const std::string& source_name,
                       const parse_limits& limits) {
  parse_result parsed = parse(text, source_name, limits);
  if (!parsed.file) {
    compile_result r;
    r.diagnostics = std::move(parsed.diagnostics);
    return r;
  }
  compile_result r = check_and_lower(*parsed.file, text, source_name);
  r.ast = std::move(parsed.file);
  return r;
}

}  // namespace vflow::dsl
