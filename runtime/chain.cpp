// The journal's hash chain: canonical encoding, hashing, and the one place a record is appended.
#include "runtime/chain.hpp"

#include <openssl/evp.h>

#include <charconv>
#include <memory>

namespace vflow::runtime {

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

// Tagged, length-prefixed fields: `i<decimal>;`, `s<length>:<bytes>`, `n` for none, written to a
// sink: a string, a byte count, or a SHA-256 context (so that hashing a record copies nothing).
template <typename Sink>
class encoder {
 public:
  explicit encoder(Sink& sink) : sink_(sink) {}
  encoder& integer(std::int64_t v) {
    char buf[24];
    buf[0] = 'i';
    char* end = std::to_chars(buf + 1, buf + sizeof buf - 1, v).ptr;
    *end++ = ';';
    sink_(std::string_view(buf, static_cast<std::size_t>(end - buf)));
    return *this;
  }
  encoder& text(std::string_view v) {
    char buf[24];
    buf[0] = 's';
    char* end = std::to_chars(buf + 1, buf + sizeof buf - 1, v.size()).ptr;
    *end++ = ':';
    sink_(std::string_view(buf, static_cast<std::size_t>(end - buf)));
    sink_(v);
    return *this;
  }
  encoder& maybe_text(const std::optional<std::string>& v) { return v ? text(*v) : none(); }
  encoder& maybe_integer(const std::optional<std::int64_t>& v) { return v ? integer(*v) : none(); }
  encoder& none() {
    sink_(std::string_view("n"));
    return *this;
  }

 private:
  Sink& sink_;
};

// Every field of `r`, in order: the record's canonical encoding.
template <typename Sink>
void encode_record(Sink& sink, const journal_row& r) {
  encoder<Sink>(sink)
      .text("vflow.journal.1")
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
}

// SHA-256 (fetched from OpenSSL's default provider once: an implicit fetch on every hash costs
// more than hashing a record).
const EVP_MD* sha256_md() {
  static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md(
      EVP_MD_fetch(nullptr, "SHA256", nullptr), EVP_MD_free);
  if (!md) throw std::runtime_error("SHA-256 is unavailable (OpenSSL libcrypto failed)");
  return md.get();
}

// SHA-256 of what is written to it. The pieces (a record's are many and small) are gathered in
// this thread's reused buffer and hashed in one call, in this thread's reused context.
class sha256_sink {
 public:
  sha256_sink() : buffer_(buffer()) { buffer_.clear(); }
  void operator()(std::string_view piece) { buffer_ += piece; }
  std::string hex() const { return of(buffer_); }
  // The digest of `data` itself, in hex.
  static std::string of(std::string_view data) {
    EVP_MD_CTX* ctx = context();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_DigestInit_ex2(ctx, sha256_md(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx, digest, &size) != 1) {
      fail();
    }
    return to_hex({reinterpret_cast<const char*>(digest), size});
  }

 private:
  static std::string& buffer() {
    thread_local std::string b;
    return b;
  }
  static EVP_MD_CTX* context() {
    thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                                   EVP_MD_CTX_free);
    if (!ctx) fail();
    return ctx.get();
  }
  [[noreturn]] static void fail() {
    throw std::runtime_error("SHA-256 is unavailable (OpenSSL libcrypto failed)");
  }
  std::string& buffer_;
};

}  // namespace

std::string sha256_hex(std::string_view data) { return sha256_sink::of(data); }

std::string definition_seal(const definition_row& d) {
  sha256_sink sink;
  encoder<sha256_sink>(sink).text("vflow.definition.1").text(d.hash).text(d.imports);
  return sink.hex();
}

std::string canonical_record(const journal_row& r) {
  std::string out;
  auto append = [&out](std::string_view piece) { out += piece; };
  encode_record(append, r);
  return out;
}

std::string chain_hash(const journal_row& r, std::string_view previous_in_instance,
                       std::string_view previous_in_journal) {
  // The same bytes as hashing text(canonical_record(r)), text(previous...), text(previous...),
  // without building them: the encoding's length first, then its pieces.
  std::size_t length = 0;
  auto count = [&length](std::string_view piece) { length += piece.size(); };
  encode_record(count, r);
  sha256_sink sink;
  char buf[24];
  buf[0] = 's';
  char* end = std::to_chars(buf + 1, buf + sizeof buf - 1, length).ptr;
  *end++ = ':';
  sink(std::string_view(buf, static_cast<std::size_t>(end - buf)));
  encode_record(sink, r);
  encoder<sha256_sink>(sink).text(previous_in_instance).text(previous_in_journal);
  return sink.hex();
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
  auto [head, h] = chain_ends(r.instance, r.seq - 1);
  std::string previous;
  if (r.seq > 1) {
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
