// SARIF, JUnit and GitHub renderings of diagnostics (see report.hpp).
#include "runtime/cli/report.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

namespace vflow::cli {

namespace {

using nlohmann::json;

const char* sarif_level(const dsl::diagnostic& d, bool warnings_as_errors) {
  return fails(d, warnings_as_errors) ? "error" : "warning";
}

// A file name as a SARIF artifact URI: relative paths stay relative (to the working directory,
// SARIF's `uriBaseId`), characters a URI reserves are escaped.
std::string artifact_uri(std::string_view file) {
  std::string out;
  for (const char c : file) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '/' || c == '.' || c == '-' || c == '_' || c == '~' || u >= 0x80) {
      out += c;
    } else {
      static constexpr char hex[] = "0123456789ABCDEF";
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0xf];
    }
  }
  return out;
}

// A GitHub workflow command's message (`data`) or property value, escaped as the runner reads it.
std::string github_escape(std::string_view text, bool property) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '%': out += "%25"; break;
      case '\r': out += "%0D"; break;
      case '\n': out += "%0A"; break;
      case ':': out += property ? "%3A" : ":"; break;
      case ',': out += property ? "%2C" : ","; break;
      default: out += c;
    }
  }
  return out;
}

std::string one_line(const dsl::diagnostic& d) {
  return d.file + ':' + std::to_string(d.span.line) + ':' + std::to_string(d.span.column) + ": " +
         std::string(dsl::to_string(d.severity)) + '[' + d.code + "]: " + d.message +
         (d.help.empty() ? "" : " (help: " + d.help + ")");
}

}  // namespace

std::string github_text(std::string_view text, bool property) {
  return github_escape(text, property);
}

std::optional<report_format> parse_report_format(std::string_view name) {
  if (name == "text") return report_format::text;
  if (name == "json") return report_format::json_document;
  if (name == "sarif") return report_format::sarif;
  if (name == "junit") return report_format::junit;
  if (name == "github") return report_format::github;
  return std::nullopt;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 cannot carry most control characters, even escaped.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += "\xEF\xBF\xBD";
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string sarif_report(const std::vector<file_report>& files, const std::string& version,
                         bool warnings_as_errors) {
  std::map<std::string, json> rules;  // by code: the first message of each code describes it
  json results = json::array();
  json artifacts = json::array();
  for (const file_report& f : files) {
    artifacts.push_back({{"location", {{"uri", artifact_uri(f.file)}}}});
    for (const dsl::diagnostic& d : f.diagnostics) {
      if (!rules.count(d.code)) {
        rules[d.code] = {{"id", d.code},
                         {"shortDescription", {{"text", d.message}}},
                         {"defaultConfiguration", {{"level", sarif_level(d, false)}}}};
      }
      json result{
          {"ruleId", d.code},
          {"level", sarif_level(d, warnings_as_errors)},
          {"message", {{"text", d.message + (d.help.empty() ? "" : " (" + d.help + ")")}}},
          {"locations",
           json::array(
               {{{"physicalLocation",
                  {{"artifactLocation",
                    {{"uri", artifact_uri(d.file)}, {"uriBaseId", "%SRCROOT%"}}},
                   {"region",
                    {{"startLine", d.span.line},
                     {"startColumn", d.span.column},
                     {"endLine", std::max(d.span.end_line, d.span.line)},
                     {"endColumn", d.span.end_line > d.span.line
                                       ? d.span.end_column
                                       : std::max(d.span.end_column, d.span.column + 1)}}}}}}})}};
      results.push_back(std::move(result));
    }
  }
  json rule_list = json::array();
  for (auto& [code, rule] : rules) rule_list.push_back(std::move(rule));
  const json log{
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs",
       json::array(
           {{{"tool",
              {{"driver", {{"name", "vflow"}, {"version", version}, {"rules", rule_list}}}}},
             {"artifacts", artifacts},
             {"results", results}}})}};
  return log.dump(2) + '\n';
}

std::string junit_document(const std::string& suite, const std::vector<junit_case>& cases) {
  const auto failures =
      std::count_if(cases.begin(), cases.end(), [](const junit_case& c) { return c.failed; });
  const std::string counts = "tests=\"" + std::to_string(cases.size()) + "\" failures=\"" +
                             std::to_string(failures) + "\" errors=\"0\" skipped=\"0\"";
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"vflow\" " +
                    counts + ">\n  <testsuite name=\"" + xml_escape(suite) + "\" " + counts + ">\n";
  for (const junit_case& c : cases) {
    out += "    <testcase classname=\"" + xml_escape(c.classname) + "\" name=\"" +
           xml_escape(c.name) + "\"";
    if (!c.file.empty()) out += " file=\"" + xml_escape(c.file) + "\"";
    if (c.line) out += " line=\"" + std::to_string(*c.line) + "\"";
    if (c.seconds) out += " time=\"" + std::to_string(*c.seconds) + "\"";
    if (!c.failed && c.system_out.empty()) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    if (c.failed) {
      out += "      <failure message=\"" + xml_escape(c.failure_message) + "\"";
      if (!c.failure_type.empty()) out += " type=\"" + xml_escape(c.failure_type) + "\"";
      out += ">" + xml_escape(c.failure_text) + "</failure>\n";
    }
    if (!c.system_out.empty())
      out += "      <system-out>" + xml_escape(c.system_out) + "</system-out>\n";
    out += "    </testcase>\n";
  }
  return out + "  </testsuite>\n</testsuites>\n";
}

std::string junit_report(const std::vector<file_report>& files, const std::string& suite,
                         bool warnings_as_errors) {
  std::vector<junit_case> cases;
  for (const file_report& f : files) {
    junit_case c{suite, f.file, f.file};
    for (const dsl::diagnostic& d : f.diagnostics) {
      if (fails(d, warnings_as_errors)) {
        if (!c.failed) {
          c.failed = true;
          c.failure_message = d.message;
          c.failure_type = d.code;
        }
        c.failure_text += one_line(d) + '\n';
      } else {
        c.system_out += one_line(d) + '\n';
      }
    }
    cases.push_back(std::move(c));
  }
  return junit_document(suite, cases);
}

std::string github_report(const std::vector<dsl::diagnostic>& diagnostics,
                          bool warnings_as_errors) {
  std::string out;
  for (const dsl::diagnostic& d : diagnostics) {
    out += fails(d, warnings_as_errors) ? "::error " : "::warning ";
    out += "file=" + github_escape(d.file, true) + ",line=" + std::to_string(d.span.line) +
           ",col=" + std::to_string(d.span.column);
    if (d.span.end_line >= d.span.line) {
      out += ",endLine=" + std::to_string(d.span.end_line) +
             ",endColumn=" + std::to_string(d.span.end_column);
    }
    out += ",title=" + github_escape(d.code, true) + "::" +
           github_escape(d.message + (d.help.empty() ? "" : " (help: " + d.help + ")"), false) +
           '\n';
  }
  return out;
}

}  // namespace vflow::cli
