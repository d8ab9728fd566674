// SCXML's values as .flow text.
#include "dsl/scxml_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>

namespace vflow::dsl {

std::string scxml_trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  const auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// A .flow string literal of `s`.
std::string flow_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '\n' || c == '\t' || c == '\r') {
      out += c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r";
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A literal value and its type, or nothing when the expression is not a literal.
std::optional<std::pair<std::string, std::string>> scxml_literal(const std::string& expr) {
  const std::string t = scxml_trim(expr);
  if (t == "true" || t == "false") return std::pair(t, std::string("bool"));
  if (!t.empty() &&
      std::all_of(t.begin() + (t[0] == '-' ? 1 : 0), t.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
      t != "-") {
    return std::pair(t, std::string("int"));
  }
  if (t.size() >= 2 && (t.front() == '\'' || t.front() == '"') && t.back() == t.front()) {
    return std::pair(flow_string(t.substr(1, t.size() - 2)), std::string("string"));
  }
  return std::nullopt;
}

// A condition or value: In('S'), literals, data names, !, &&, ||, ==, !=, <, <=, >, >=,
// + - * / %, parentheses.
std::optional<std::string> scxml_condition(
    const std::string& cond, const std::function<std::string(const std::string&)>& state,
    std::string& problem) {
  std::string out;
  std::size_t i = 0;
  const std::string& c = cond;
  while (i < c.size()) {
    const char ch = c[i];
    if (std::isspace(static_cast<unsigned char>(ch))) {
      out += ' ';
      ++i;
    } else if (c.compare(i, 3, "In(") == 0) {
      const auto close = c.find(')', i);
      if (close == std::string::npos) break;
      std::string arg = scxml_trim(c.substr(i + 3, close - i - 3));
      if (arg.size() >= 2 && (arg.front() == '\'' || arg.front() == '"'))
        arg = arg.substr(1, arg.size() - 2);
      out += "in_state(" + state(arg) + ")";
      i = close + 1;
    } else if (c.compare(i, 2, "&&") == 0) {
      out += " and ";
      i += 2;
    } else if (c.compare(i, 2, "||") == 0) {
      out += " or ";
      i += 2;
    } else if (c.compare(i, 3, "===") == 0 || c.compare(i, 3, "!==") == 0) {
      out += c[i] == '!' ? " != " : " == ";
      i += 3;
    } else if (c.compare(i, 2, "==") == 0 || c.compare(i, 2, "!=") == 0 ||
               c.compare(i, 2, "<=") == 0 || c.compare(i, 2, ">=") == 0) {
      out += " " + c.substr(i, 2) + " ";
      i += 2;
    } else if (ch == '!') {
      out += " not ";
      ++i;
    } else if (ch == '+' || ch == '-' || ch == '*' || ch == '/' || ch == '%') {
      out += std::string(" ") + ch + " ";
      ++i;
    } else if (ch == '<' || ch == '>' || ch == '(' || ch == ')') {
      out += ch;
      ++i;
    } else if (ch == '\'' || ch == '"') {
      const auto end = c.find(ch, i + 1);
      if (end == std::string::npos) break;
      out += "\"" + c.substr(i + 1, end - i - 1) + "\"";
      i = end + 1;
    } else if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_') {
      std::size_t j = i;
      while (j < c.size() && (std::isalnum(static_cast<unsigned char>(c[j])) || c[j] == '_')) ++j;
      out += c.substr(i, j - i);
      i = j;
    } else {
      problem =
          "expression '" + cond + "' uses '" + std::string(1, ch) + "', which is not imported";
      return std::nullopt;
    }
  }
  std::string collapsed;  // one space between tokens
  for (const char ch : scxml_trim(out)) {
    if (ch == ' ' && !collapsed.empty() && collapsed.back() == ' ') continue;
    collapsed += ch;
  }
  return collapsed;
}

// SCXML delays are CSS2 times: "2s", "500ms", "1.5s", "0.1s"; minutes and hours are written
// by some tools too. Converted to a .flow duration (in ms when not whole), or nothing.
std::optional<std::string> css2_duration(const std::string& d) {
  std::size_t i = 0;
  std::int64_t whole = 0, fraction = 0, scale = 1;
  for (; i < d.size() && std::isdigit(static_cast<unsigned char>(d[i])); ++i) {
    if (whole > 1'000'000'000) return std::nullopt;
    whole = whole * 10 + (d[i] - '0');
  }
  const std::size_t digits = i;
  if (i < d.size() && d[i] == '.') {
    for (++i; i < d.size() && std::isdigit(static_cast<unsigned char>(d[i])); ++i) {
      if (scale >= 1'000'000) continue;  // beyond a microsecond: ignored
      fraction = fraction * 10 + (d[i] - '0');
      scale *= 10;
    }
  }
  if (i == 0 || (digits == 0 && scale == 1)) return std::nullopt;
  std::string unit = d.substr(i);
  if (unit == "min") unit = "m";
  static const std::map<std::string, std::int64_t> ms = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  const auto u = ms.find(unit);
  if (u == ms.end()) return std::nullopt;
  if (scale == 1 || fraction == 0) return std::to_string(whole) + u->first;
  return std::to_string(whole * u->second + fraction * u->second / scale) + "ms";
}

std::optional<std::string> vflow_expression(const std::string& text) {
  const std::string t = scxml_trim(text);
  bool quoted = false, bad = t.empty();
  for (std::size_t i = 0; i < t.size() && !bad; ++i) {
    const char c = t[i];
    if (c == '\n' || c == '\r') {
      bad = true;
    } else if (quoted) {
      if (c == '\\') ++i;  // an escape: the next character is part of the string
      quoted = c != '"';
    } else if (c == '"') {
      quoted = true;
    } else {
      bad = c == '{' || c == '}' || c == ';' || c == '#' ||
            (c == '-' && i + 1 < t.size() && t[i + 1] == '>');
    }
  }
  if (bad || quoted) return std::nullopt;
  return t;
}

std::optional<std::string> vflow_type(const std::string& text) {
  const std::string t = scxml_trim(text);
  std::size_t i = t.compare(0, 4, "ref ") == 0 ? 4 : 0;
  const std::size_t name = i;
  while (i < t.size() && (std::isalnum(static_cast<unsigned char>(t[i])) || t[i] == '_')) ++i;
  if (i < t.size() && t[i] == '?') ++i;
  if (i == name || i != t.size()) return std::nullopt;
  return t;
}

}  // namespace vflow::dsl
