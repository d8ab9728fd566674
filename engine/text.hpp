// Text checks and escapes shared by every edge: UTF-8 validity, safe identifiers, and escaping of
// characters that would move a terminal's cursor or reorder what it shows.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vflow::engine {

/// The byte offset of the first byte that does not start a well-formed UTF-8 sequence (overlong
/// forms, surrogates and code points past U+10FFFF included), or `npos` when `text` is valid.
std::size_t invalid_utf8_at(std::string_view text);

/// True when `text` is well-formed UTF-8.
inline bool is_utf8(std::string_view text) {
  return invalid_utf8_at(text) == std::string_view::npos;
}

/// The longest instance id or event id accepted.
inline constexpr std::size_t max_id_length = 128;

/// True for a safe identifier: 1 to `max_id_length` characters from `A-Z a-z 0-9 . _ : @ / + -`,
/// starting with a letter or digit. Instance ids and event ids must be safe identifiers.
bool is_safe_id(std::string_view id);

/// `text` with every control character (C0, DEL, C1), bidirectional formatting character
/// (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) and invalid byte written as an
/// escape (`\x1b`, `\u{202e}`), so that printing it cannot change what else a terminal shows.
std::string escape_for_terminal(std::string_view text);

}  // namespace vflow::engine
