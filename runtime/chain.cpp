// The journal's hash chain: canonical encoding, hashing, and the one place a record is appended.
#include "runtime/chain.hpp"

#include <openssl/evp.h>

#include <charconv>
#include <memory>

namespace vflow::runtime {

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                    EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &size) != 1) {
    throw std::runtime_error("SHA-256 is unavailable (OpenSSL libcrypto failed)");
  }
  return to_hex({reinterpret_cast<const char*>(digest), size});
}

std::string to_hex(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  return out;
}

namespace {

// Tagged, length-prefixed fields: `i<decimal>;`, `s<length>:<bytes>`, `n` for none.
class encoder {
 public:
  encoder& integer(std::int64_t v) {
    out_ += 'i';
    out_ += std::to_string(v);
    out_ += ';';
    return *this;
  }
  encoder& text(std::string_view v) {
    out_ += 's';
    out_ += std::to_string(v.size());
    out_ += ':';
    out_ += v;
    return *this;
  }
  encoder& maybe_text(const std::optional<std::string>& v) { return v ? text(*v) : none(); }
  encoder& maybe_integer(const std::optional<std::int64_t>& v) { return v ? integer(*v) : none(); }
  encoder& none() {
    out_ += 'n';
    return *this;
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

std::string canonical_record(const journal_row& r) {
  encoder e;
  e.text("vflow.journal.1")
      .integer(r.gseq)
      .text(r.instance)
      .integer(r.seq)
      .text(r.definition)
      .text(to_string(r.kind))
      .maybe_text(r.event)
      .text(r.params)
      .maybe_text(r.actor)
      .maybe_text(r.event_id)
      .integer(r.at)
      .integer(r.recorded_at)
      .text(r.from_config)
      .text(r.to_config)
      .text(r.changes)
      .text(to_string(r.outcome))
      .maybe_text(r.reason)
      .text(r.detail)
      .text(to_string(r.lifecycle))
      .maybe_integer(r.cause);
  return e.take();
}

std::string chain_hash(const journal_row& r, std::string_view previous_in_instance,
                       std::string_view previous_in_journal) {
  encoder e;
  e.text(canonical_record(r)).text(previous_in_instance).text(previous_in_journal);
  return sha256_hex(e.take());
}

std::string to_string(const journal_head& h) { return std::to_string(h.gseq) + ":" + h.hash; }

std::optional<journal_head> parse_digest(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  journal_head h;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + colon, h.gseq);
  if (ec != std::errc() || end != text.data() + colon || h.gseq < 0) return std::nullopt;
  h.hash = std::string(text.substr(colon + 1));
  if (h.hash.size() != 64) return std::nullopt;
  for (const char c : h.hash) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  return h;
}

void store_transaction::append_journal(journal_row& r) {
  const journal_head head = this->head();
  std::string previous;
  if (r.seq > 1) {
    auto h = record_hash(r.instance, r.seq - 1);
    if (!h) {
      throw store_error(-1, "the journal of " + r.instance + " has no record " +
                                std::to_string(r.seq - 1) + " to chain record " +
                                std::to_string(r.seq) + " to");
    }
    previous = std::move(*h);
  }
  r.gseq = head.gseq + 1;
  r.hash = chain_hash(r, previous, head.hash);
  insert_journal(r);
}

}  // namespace vflow::runtime
