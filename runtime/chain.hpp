// The journal's hash chain: SHA-256 (OpenSSL's libcrypto), the canonical encoding of a journal
// record, and how each record's hash is chained to its instance's previous record and to the
// journal's previous record. Shared by every store and by `verify`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/store.hpp"

namespace vflow::runtime {

/// Bytes as lower-case hex digits, two per byte.
std::string to_hex(std::string_view bytes);

/// A definition's seal: SHA-256 over a tagged encoding of its hash and its imports (the
/// signatures it was checked against when deployed).
std::string definition_seal(const definition_row& d);

/// The SHA-256 digest of `data` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

/// The canonical encoding of every field of `r` but its hash: each field in a fixed order,
/// tagged by type and length-prefixed, so that no two different records encode alike.
std::string canonical_record(const journal_row& r);

/// The hash of `r`: SHA-256 over its canonical encoding, the hash of its instance's previous
/// record and the hash of the journal's previous record (empty for the first of either).
std::string chain_hash(const journal_row& r, std::string_view previous_in_instance,
                       std::string_view previous_in_journal);

/// `GSEQ:HASH`.
std::string to_string(const journal_head& h);

/// Parses `GSEQ:HASH` (a 64-digit lower-case hex hash); nothing when malformed.
std::optional<journal_head> parse_digest(std::string_view text);

}  // namespace vflow::runtime
