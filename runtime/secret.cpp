// Keyed hashes of secrets (see secret.hpp).
#include "runtime/secret.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

#include "runtime/chain.hpp"

namespace vflow::runtime {

namespace {
constexpr std::string_view prefix = "hmac-sha256:";
constexpr std::size_t id_size = 8;
}  // namespace

secret_key::secret_key(std::string key) : key_(std::move(key)) {
  if (key_.size() < min_size) {
    throw std::invalid_argument("the secret key must be at least " + std::to_string(min_size) +
                                " bytes long");
  }
  id_ = sha256_hex("vflow secret key id\n" + key_).substr(0, id_size);
}

std::string secret_key::digest(std::string_view text) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
            reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &size)) {
    throw std::runtime_error("HMAC-SHA-256 is unavailable (OpenSSL libcrypto failed)");
  }
  return std::string(prefix) + id_ + ':' + to_hex({reinterpret_cast<const char*>(mac), size});
}

std::string_view key_id_of(std::string_view digest) {
  if (digest.substr(0, prefix.size()) != prefix || digest.size() < prefix.size() + id_size + 1 ||
      digest[prefix.size() + id_size] != ':') {
    return {};
  }
  return digest.substr(prefix.size(), id_size);
}

}  // namespace vflow::runtime
