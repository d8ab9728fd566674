// SCXML's values as .flow text: conditions and values over the data (the null data model and the
// ECMAScript subset charts use without a script), literals, CSS2 delays, and, for documents vflow
// wrote, .flow expressions and types checked to stay in their place.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>

namespace vflow::dsl {

/// `s` without leading and trailing blanks.
std::string scxml_trim(const std::string& s);

/// A .flow string literal of `s` (quotes, backslashes and line breaks escaped).
std::string flow_string(const std::string& s);

/// A literal (`true`, `-3`, `'text'`) as .flow text and its type (`bool`, `int`, `string`).
std::optional<std::pair<std::string, std::string>> scxml_literal(const std::string& expr);

/// A condition or value: In('S'), literals, data names, !, &&, ||, ==, !=, <, <=, >, >=,
/// + - * / %, parentheses. `state` gives the .flow name of a state In() names. Nothing, with
/// `problem` saying why, for anything else.
std::optional<std::string> scxml_condition(
    const std::string& cond, const std::function<std::string(const std::string&)>& state,
    std::string& problem);

/// A CSS2 time ("2s", "500ms", "1.5s"; also "m", "min", "h", "d") as a .flow duration (in ms when
/// not whole), or nothing.
std::optional<std::string> css2_duration(const std::string& d);

/// A .flow expression as written, or nothing when it would reach out of its place in the .flow
/// text it goes into (braces, `;`, `->`, a comment, a line break, an open string): the result is
/// compiled anyway, and this keeps a hostile attribute from adding declarations of its own.
std::optional<std::string> vflow_expression(const std::string& text);

/// A .flow type as written, `[ref ]NAME[?]`, or nothing.
std::optional<std::string> vflow_type(const std::string& text);

}  // namespace vflow::dsl
