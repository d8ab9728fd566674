// SHA-256 (FIPS 180-4), for content-addressing deployed definitions.
#pragma once

#include <string>
#include <string_view>

namespace vflow::runtime {

/// The SHA-256 digest of `data` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

}  // namespace vflow::runtime
