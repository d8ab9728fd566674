// The reserved words of .flow (the expression language's): no name may be one. Shared by the
// grammar and by the SCXML importer, which renames ids that collide; no PEGTL here.
#pragma once

#include <string_view>

namespace vflow::dsl {

inline bool is_reserved(std::string_view word) {
  switch (word.size()) {
    case 2: return word == "or" || word == "in" || word == "if";
    case 3: return word == "and" || word == "not" || word == "now";
    case 4:
      return word == "true" || word == "null" || word == "when" || word == "then" || word == "else";
    case 5: return word == "false" || word == "event" || word == "actor";
    default: return false;
  }
}

}  // namespace vflow::dsl
