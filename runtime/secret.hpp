// Secrets: text the runtime never keeps in clear. A `secret` field or parameter is stored, and
// journaled, as a keyed hash of its text (HMAC-SHA-256, OpenSSL's libcrypto), so that two secrets
// compare equal exactly when their texts do, while the database alone does not reveal them (a
// guess cannot be checked without the key). Output shows `***`.
#pragma once

#include <string>
#include <string_view>

namespace vflow::runtime {

/// The key secrets are hashed with, and its id (the first 8 hex digits of a SHA-256 of the key),
/// which every digest carries so that one made under another key is told apart.
class secret_key {
 public:
  /// The shortest key accepted, in bytes.
  static constexpr std::size_t min_size = 16;
  /// Throws std::invalid_argument when `key` is shorter than min_size.
  explicit secret_key(std::string key);
  const std::string& id() const { return id_; }
  /// `hmac-sha256:ID:HEX`: the keyed hash of `text`.
  std::string digest(std::string_view text) const;

 private:
  std::string key_;
  std::string id_;
};

/// The id of the key a digest was made with; empty when `digest` is not one.
std::string_view key_id_of(std::string_view digest);

}  // namespace vflow::runtime
