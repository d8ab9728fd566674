// Diagnostics in the formats CI systems render: SARIF 2.1.0 (code scanning), JUnit XML (test
// reports) and GitHub Actions workflow commands (annotations on the pull request).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/diagnostic.hpp"

namespace vflow::cli {

/// How `check` reports: for people (text), for programs (json), for CI systems.
enum class report_format { text, json_document, sarif, junit, github };

/// `text`, `json`, `sarif`, `junit` or `github`; nothing for anything else.
std::optional<report_format> parse_report_format(std::string_view name);

/// The diagnostics of one checked file.
struct file_report {
  std::string file;
  std::vector<dsl::diagnostic> diagnostics;
};

/// Whether a diagnostic fails the check: every error, and warnings when they count as errors.
inline bool fails(const dsl::diagnostic& d, bool warnings_as_errors) {
  return d.severity == dsl::severity::error || warnings_as_errors;
}

/// A SARIF 2.1.0 log: one run of the tool `vflow` `version`, a rule per diagnostic code, a result
/// per diagnostic with its file, line and column range (`level` error, or warning; error for a
/// warning that counts as one).
std::string sarif_report(const std::vector<file_report>& files, const std::string& version,
                         bool warnings_as_errors);

/// One test case of a JUnit XML report.
struct junit_case {
  std::string classname;
  std::string name;
  std::string file;                   ///< empty: no `file` attribute
  std::optional<std::uint32_t> line;  ///< the `line` attribute
  std::optional<double> seconds;      ///< the `time` attribute
  bool failed = false;
  std::string failure_message;  ///< the failure's `message`
  std::string failure_type;     ///< its `type`, when not empty
  std::string failure_text;     ///< its text
  std::string system_out;       ///< empty: none
};

/// A JUnit XML document (the shape CI systems read: testsuites, one testsuite `suite`, its
/// test cases, failures counted at both levels).
std::string junit_document(const std::string& suite, const std::vector<junit_case>& cases);

/// A JUnit XML report: one test suite `suite`, a test case per file, failed by its first failing
/// diagnostic (all of them in the failure's text; the other warnings as system-out).
std::string junit_report(const std::vector<file_report>& files, const std::string& suite,
                         bool warnings_as_errors);

/// GitHub Actions workflow commands, a line per diagnostic:
/// `::error file=F,line=L,col=C,endLine=..,endColumn=..,title=CODE::message`.
std::string github_report(const std::vector<dsl::diagnostic>& diagnostics, bool warnings_as_errors);

/// `text` as a GitHub workflow command's message, or (`property`) a property value, escaped.
std::string github_text(std::string_view text, bool property);

/// `text` escaped for XML character data and attribute values.
std::string xml_escape(std::string_view text);

}  // namespace vflow::cli
