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
  m_.accepts_late_events = w_.accepts_late_events;
  m_.first_match_wins = w_.first_match_wins;
  for (std::size_t i = 1; i < w_.titles.size(); ++i) {
    error("F0117", w_.titles[i].span, "duplicate title in workflow '" + w_.name + "'");
  }
  reserve_tables();
  declare_fields();
  declare_links();
  declare_events();
  declare_states();
  define_defaults();
  define_transitions();
  define_history_defaults();
  define_initial_targets();
  define_policies();
  define_rules();
  check_structure();
  // SCXML's platform event for failed executable content, when the workflow waits for it.
  for (const char* name : {"error.execution", "error"}) {
    const auto e = event_ids_.find(name);
    if (e && m_.events[*e].params.empty()) {
      m_.error_event = *e;
      break;
    }
  }
  m_.reactive =
      m_.error_event != engine::no_error_event || !m_.rules.empty() || !m_.always.empty() ||
      !m_.done.empty() || !m_.children.empty() ||
      std::any_of(m_.states.begin(), m_.states.end(),
                  [](const engine::state_def& st) { return st.entry_count + st.exit_count > 0; }) ||
      std::any_of(m_.effects.begin(), m_.effects.end(),
                  [](const engine::effect_def& e) { return !engine::is_external(e.kind); });
  return std::move(m_);
}

}  // namespace detail

using detail::known_streams;
using detail::workflow_compiler;

namespace {

// Checks and lowers one parsed file, naming other workflows through `workflows`.
compile_result check_file(const flow_file& file, std::string_view text,
                          const std::string& source_name, detail::workflow_directory& workflows) {
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
    workflow_compiler wc(file, w, text, source_name, diags, workflows);
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
  // The workflows the machines name: what the runtime must know to load them again later.
  for (const engine::machine& m : result.machines) {
    std::vector<std::string> names;
    for (const auto& l : m.links) names.push_back(l.workflow);
    for (const auto& f : m.fields) names.push_back(f.ref);
    for (const auto& e : m.events) {
      for (const auto& p : e.params) names.push_back(p.ref);
    }
    for (const auto& name : names) {
      if (name.empty()) continue;
      const workflow_signature* s = workflows.find(name);
      const bool have = std::any_of(result.imports.begin(), result.imports.end(),
                                    [&](const workflow_signature& x) { return x.name == name; });
      if (s && !have) result.imports.push_back(*s);
    }
  }
  if (any_error || !result.ok()) result.machines.clear();
  return result;
}

}  // namespace

compile_result check_and_lower(const flow_file& file, std::string_view text,
                               const std::string& source_name, const workflow_lookup& lookup) {
  detail::workflow_directory workflows(lookup);
  for (const workflow_decl& w : file.workflows)
    workflows.add(detail::signature_from(w, file.stream));
  return check_file(file, text, source_name, workflows);
}

compile_result compile(std::string_view text, const std::string& source_name,
                       const parse_limits& limits, const workflow_lookup& lookup) {
  parse_result parsed = parse(text, source_name, limits);
  if (!parsed.file) {
    compile_result r;
    r.diagnostics = std::move(parsed.diagnostics);
    return r;
  }
  compile_result r = check_and_lower(*parsed.file, text, source_name, lookup);
  r.ast = std::move(parsed.file);
  return r;
}

std::vector<compile_result> compile_set(const std::vector<flow_source>& files,
                                        const workflow_lookup& lookup, const parse_limits& limits) {
  std::vector<compile_result> out(files.size());
  std::vector<parse_result> parsed;
  parsed.reserve(files.size());
  detail::workflow_directory workflows(lookup);
  for (const flow_source& f : files) {
    parsed.push_back(parse(f.text, f.name, limits));
    if (const auto& file = parsed.back().file) {
      for (const workflow_decl& w : file->workflows) {
        workflows.add(detail::signature_from(w, file->stream));
      }
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!parsed[i].file) {
      out[i].diagnostics = std::move(parsed[i].diagnostics);
      continue;
    }
    if (files[i].context) continue;
    out[i] = check_file(*parsed[i].file, files[i].text, files[i].name, workflows);
    out[i].ast = std::move(parsed[i].file);
  }
  return out;
}

}  // namespace vflow::dsl
