// `vflow fmt [--check] [--diff] PATH...`: .flow files in canonical layout, comments kept.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dsl/parser.hpp"
#include "dsl/printer.hpp"
#include "runtime/cli/cli.hpp"
#include "runtime/cli/files.hpp"
#include "runtime/cli/output.hpp"

namespace vflow::cli {

namespace {

struct fmt_args {
  std::vector<std::string> paths;
  bool check = false;
  bool diff = false;
};

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::size_t n = nl == std::string_view::npos ? text.size() : nl + 1;
    out.push_back(text.substr(0, n));
    text.remove_prefix(n);
  }
  return out;
}

// A unified diff of `before` and `after` (three lines of context), as `diff -u` prints it. The
// longest common subsequence is found in O(n·m); past a bound the whole file is one hunk.
std::string unified_diff(const std::string& name, std::string_view before, std::string_view after) {
  const auto a = lines_of(before);
  const auto b = lines_of(after);
  // Common prefix and suffix first: formatting changes a few lines of many.
  std::size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  std::size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail])
    ++tail;
  const std::size_t n = a.size() - head - tail, m = b.size() - head - tail;
  // The edit script: ' ' keeps a line of both, '-' removes one of `a`, '+' adds one of `b`.
  std::string ops(head, ' ');
  if (n * m <= 16u << 20) {
    std::vector<std::uint32_t> lcs((n + 1) * (m + 1), 0);
    const auto at = [&](std::size_t i, std::size_t j) -> std::uint32_t& {
      return lcs[i * (m + 1) + j];
    };
    for (std::size_t i = n; i-- > 0;) {
      for (std::size_t j = m; j-- > 0;) {
        at(i, j) = a[head + i] == b[head + j] ? at(i + 1, j + 1) + 1
                                              : std::max(at(i + 1, j), at(i, j + 1));
      }
    }
    std::size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[head + i] == b[head + j]) {
        ops += ' ', ++i, ++j;
      } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
        ops += '-', ++i;  // removals before additions, as diff(1) prints them
      } else {
        ops += '+', ++j;
      }
    }
  } else {
    ops += std::string(n, '-') + std::string(m, '+');
  }
  ops += std::string(tail, ' ');

  std::string out = "--- " + name + "\n+++ " + name + " (formatted)\n";
  constexpr std::size_t context = 3;
  std::size_t k = 0;
  std::size_t ai = 0, bi = 0;  // the lines of `a` and `b` before ops[k]
  while (k < ops.size()) {
    if (ops[k] == ' ') {
      ++k, ++ai, ++bi;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` after the last change that
    // is closer than 2·context to the previous one.
    const std::size_t lead = std::min(context, ai);
    std::size_t start = k - lead, end = k;
    for (std::size_t quiet = 0; end < ops.size(); ++end) {
      quiet = ops[end] == ' ' ? quiet + 1 : 0;
      if (quiet > 2 * context) {
        end -= quiet - context;
        break;
      }
    }
    if (end >= ops.size()) {
      // The end of the script: keep at most `context` trailing equal lines.
      std::size_t quiet = 0;
      while (quiet < end - k && ops[end - 1 - quiet] == ' ') ++quiet;
      end -= quiet > context ? quiet - context : 0;
    }
    std::size_t a0 = ai - lead, b0 = bi - lead, acount = 0, bcount = 0;
    std::string body;
    for (std::size_t x = start, ax = a0, bx = b0; x < end; ++x) {
      if (ops[x] == ' ') {
        body += ' ', body += a[ax++], ++acount, ++bcount, ++bx;
      } else if (ops[x] == '-') {
        body += '-', body += a[ax++], ++acount;
      } else {
        body += '+', body += b[bx++], ++bcount;
      }
      if (body.back() != '\n') body += "\n\\ No newline at end of file\n";
    }
    out += "@@ -" + std::to_string(acount ? a0 + 1 : a0) + ',' + std::to_string(acount) + " +" +
           std::to_string(bcount ? b0 + 1 : b0) + ',' + std::to_string(bcount) + " @@\n" + body;
    for (; k < end; ++k) {
      if (ops[k] != '+') ++ai;
      if (ops[k] != '-') ++bi;
    }
  }
  return out;
}

// Replaces `path` by `text` atomically (a file beside it, renamed over it), keeping its mode.
std::optional<std::string> write_atomically(const std::filesystem::path& path,
                                            const std::string& text) {
  std::error_code ec;
  const auto perms = std::filesystem::status(path, ec).permissions();
  std::filesystem::path temp = path;
  temp += ".vflow-fmt." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::filesystem::remove(temp, ec);
      return "cannot write " + temp.string();
    }
  }
  if (!ec) std::filesystem::permissions(temp, perms, ec);
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    return "cannot replace " + path.string() + ": " + ec.message();
  }
  return std::nullopt;
}

int run_fmt(const fmt_args& args, const global_options& global) {
  diagnostic_printer printer(global.error_limit, global.json);
  std::vector<std::filesystem::path> files;
  bool from_stdin = false;
  std::vector<std::string> paths;
  for (const std::string& p : args.paths) {
    if (p == "-") {
      from_stdin = true;
    } else {
      paths.push_back(p);
    }
  }
  if (from_stdin && args.paths.size() > 1) {
    std::cerr << "vflow fmt: - (standard input) cannot be formatted with other files\n";
    return exit_usage;
  }
  if (!paths.empty()) {
    if (const auto problem = collect_flow_files(paths, files)) {
      std::cerr << "vflow fmt: " << *problem << '\n';
      return exit_usage;
    }
  }
  json reports = json::array();
  std::size_t differ = 0, invalid = 0;
  const auto one = [&](const std::string& name, const std::string& text,
                       const std::filesystem::path* path) -> int {
    const dsl::parse_result parsed = dsl::parse(text, name);
    if (!parsed.file) {
      printer.show(parsed.diagnostics, text);
      ++invalid;
      reports.push_back({{"file", name}, {"valid", false}, {"formatted", false}});
      return exit_ok;
    }
    const std::string formatted = dsl::format(*parsed.file, text);
    // A formatter must never change what a file means nor lose a comment: check both before
    // anything is written (a failure here is a bug of vflow's, reported as such).
    const dsl::parse_result again = dsl::parse(formatted, name);
    if (!again.file || dsl::print(*again.file) != dsl::print(*parsed.file) ||
        dsl::comments_of(formatted).size() != dsl::comments_of(text).size()) {
      std::cerr << "vflow fmt: " << safe(name)
                << ": formatting would change the file's meaning or lose a comment; it was left "
                   "as it is (a bug in vflow: please report it with the file)\n";
      return exit_environment;
    }
    const bool changed = formatted != text;
    reports.push_back({{"file", name}, {"valid", true}, {"formatted", !changed}});
    if (!path) {  // standard input: the formatted text on standard output
      if (!args.check && !args.diff) std::cout << formatted;
    }
    if (!changed) return exit_ok;
    ++differ;
    if (args.diff && !global.json) std::cout << unified_diff(name, text, formatted);
    if (args.check || args.diff) {
      if (!args.diff && !global.json) std::cout << safe(name) << '\n';
      return exit_ok;
    }
    if (path) {
      if (const auto problem = write_atomically(*path, formatted)) {
        std::cerr << "vflow fmt: " << *problem << '\n';
        return exit_environment;
      }
      if (!global.json) std::cout << safe(name) << '\n';
    }
    return exit_ok;
  };
  int worst = exit_ok;
  if (from_stdin) {
    const std::string text{std::istreambuf_iterator<char>(std::cin), {}};
    worst = std::max(worst, one("-", text, nullptr));
  }
  for (const auto& file : files) {
    std::string text;
    if (const auto problem = read_file(file, text)) {
      std::cerr << "vflow fmt: " << *problem << '\n';
      worst = std::max(worst, static_cast<int>(exit_usage));
      continue;
    }
    worst = std::max(worst, one(file.string(), text, &file));
  }
  const json diags = printer.finish();
  if (global.json) {
    print_json({{"format_version", format_version},
                {"formatted", differ == 0 && invalid == 0},
                {"written", !args.check && !args.diff},
                {"differ_count", differ},
                {"invalid_count", invalid},
                {"diagnostics", diags},
                {"files", reports}});
  }
  if (worst != exit_ok) return worst;
  if (invalid > 0) return exit_no;
  return (args.check || args.diff) && differ > 0 ? exit_no : exit_ok;
}

}  // namespace

void add_fmt_command(CLI::App& app, global_options& global, command_runner& run) {
  auto args = std::make_shared<fmt_args>();
  CLI::App* cmd =
      app.add_subcommand("fmt", "Rewrite .flow files in canonical layout, keeping every comment");
  cmd->add_option("paths", args->paths,
                  ".flow files, directories searched for *.flow, or - for standard input")
      ->required();
  cmd->add_flag("--check", args->check,
                "Write nothing; list the files that are not formatted (exit 1 if any)");
  cmd->add_flag("--diff", args->diff,
                "Write nothing; print what would change as a unified diff (exit 1 if any)");
  cmd->footer(
      "Without --check or --diff the files are rewritten in place and their names printed;\n"
      "- reads standard input and prints the formatted text. A file that does not parse is\n"
      "reported with its diagnostic and left as it is.\n"
      "Exit: 0 all formatted, 1 a file differs (--check/--diff) or does not parse, 2 usage\n"
      "error, 3 a file could not be written.\n"
      "Example: vflow fmt --check workflows/");
  cmd->callback(
      [&run, &global, args] { run = [&global, args] { return run_fmt(*args, global); }; });
}

}  // namespace vflow::cli
