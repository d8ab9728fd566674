// File discovery and reading for the vflow command.
#include "runtime/cli/files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "dsl/parser.hpp"
#include "runtime/cli/cli.hpp"
#include "runtime/cli/output.hpp"

namespace vflow::cli {

std::optional<std::string> collect_flow_files(const std::vector<std::string>& paths,
                                              std::vector<std::filesystem::path>& out) {
  namespace fs = std::filesystem;
  for (const std::string& p : paths) {
    std::error_code ec;
    const fs::file_status st = fs::status(p, ec);
    if (ec || !fs::exists(st)) return "no such file or directory: " + p;
    if (fs::is_directory(st)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::end(it);
           it.increment(ec)) {
        if (it->is_regular_file() && it->path().extension() == ".flow") found.push_back(it->path());
      }
      if (ec) return "cannot read directory " + p + ": " + ec.message();
      if (found.empty()) return "no .flow files in " + p;
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.emplace_back(p);
    }
  }
  std::vector<std::filesystem::path> unique;
  for (auto& f : out) {
    if (std::find(unique.begin(), unique.end(), f) == unique.end()) unique.push_back(std::move(f));
  }
  out = std::move(unique);
  return std::nullopt;
}

std::optional<std::string> read_file(const std::filesystem::path& path, std::string& out) {
  const std::string name = path.generic_string();
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) return "cannot read " + name + ": no such file";
  // A stream would read a directory as an empty file.
  if (std::filesystem::is_directory(st)) return "cannot read " + name + ": it is a directory";
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read " + name + ": " + std::strerror(errno);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return "cannot read " + name + ": " + std::strerror(errno);
  out = std::move(buf).str();
  return std::nullopt;
}

namespace {

namespace fs = std::filesystem;

// A file once, by its normal absolute path.
std::string key_of(const fs::path& p) {
  std::error_code ec;
  const fs::path k = fs::weakly_canonical(p, ec);
  return (ec ? fs::absolute(p).lexically_normal() : k).generic_string();
}

// Adds to `out` the files its files import, transitively (paths relative to the importing file);
// `keys` holds the files `out` has.
void follow_imports(std::vector<flow_text>& out, std::vector<std::string>& keys,
                    std::vector<dsl::diagnostic>& diags) {
  constexpr std::size_t max_files = 10000;  // a bound on what imports may pull in
  for (std::size_t i = 0; i < out.size() && out.size() < max_files; ++i) {
    const auto parsed = dsl::parse(out[i].text, out[i].name);
    if (!parsed.file) continue;  // its own compilation reports why
    const fs::path dir = fs::path(out[i].name).parent_path();
    for (const auto& imp : parsed.file->imports) {
      const fs::path target = (dir / imp.path).lexically_normal();
      const std::string key = key_of(target);
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
      flow_text f{target.generic_string(), {}, true};
      if (const auto problem = read_file(target, f.text)) {
        diags.push_back({"F0140",
                         dsl::severity::error,
                         out[i].name,
                         imp.span,
                         "cannot import '" + imp.path + "': " + *problem,
                         {}});
        continue;
      }
      keys.push_back(key);
      out.push_back(std::move(f));
    }
  }
}

}  // namespace

std::optional<std::string> read_with_imports(const std::vector<std::filesystem::path>& paths,
                                             std::vector<flow_text>& out,
                                             std::vector<dsl::diagnostic>& diags) {
  std::vector<std::string> keys;
  for (const auto& p : paths) {
    flow_text f{p.generic_string(), {}, false};
    if (const auto problem = read_file(p, f.text)) return problem;
    keys.push_back(key_of(p));
    out.push_back(std::move(f));
  }
  follow_imports(out, keys, diags);
  return std::nullopt;
}

dsl::compile_result compile_with_imports(const std::string& name, std::string_view text) {
  // `name` need not exist: an imported chart's .flow is checked before it is written anywhere.
  std::vector<flow_text> texts{{name, std::string(text), false}};
  std::vector<std::string> keys{key_of(name)};
  std::vector<dsl::diagnostic> import_problems;
  follow_imports(texts, keys, import_problems);
  std::vector<dsl::flow_source> sources{{name, text, false}};
  for (std::size_t i = 1; i < texts.size(); ++i)
    sources.push_back({texts[i].name, texts[i].text, true});
  auto r = std::move(dsl::compile_set(sources).front());
  r.diagnostics.insert(r.diagnostics.end(), import_problems.begin(), import_problems.end());
  return r;
}

std::optional<picked_workflow> compile_and_pick(const std::string& name, std::string_view text,
                                                const std::string& wanted, const char* command,
                                                const global_options& g) {
  picked_workflow out{compile_with_imports(name, text), 0};
  const dsl::compile_result& r = out.compiled;
  if (!r.ok()) {
    diagnostic_printer printer(g.error_limit, false);
    printer.show(r.diagnostics, text);
    printer.finish();
    std::cerr << "vflow " << command << ": " << name << " does not compile\n";
    return std::nullopt;
  }
  if (wanted.empty() && r.machines.size() > 1) {
    std::string names;
    for (const auto& m : r.machines) names += (names.empty() ? "" : ", ") + m.name;
    throw usage_error{name + " defines several workflows (" + names +
                      "): choose one with --workflow"};
  }
  if (!wanted.empty()) {
    while (out.index < r.machines.size() && r.machines[out.index].name != wanted) ++out.index;
    if (out.index == r.machines.size())
      throw usage_error{name + " has no workflow '" + wanted + "'"};
  }
  return out;
}

}  // namespace vflow::cli
