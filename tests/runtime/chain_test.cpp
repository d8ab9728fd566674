// SHA-256 (OpenSSL) against the FIPS 180-4 example vectors; the canonical record encoding and the
// digest format.
#include <gtest/gtest.h>

#include <vector>

#include "runtime/chain.hpp"

using namespace vflow::runtime;

TEST(Sha256, MatchesPublishedVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Chain, TheEncodingTellsEveryFieldApart) {
  journal_row r;
  r.gseq = 7;
  r.instance = "C-1";
  r.seq = 2;
  r.kind = record_kind::event;
  r.event = "approve";
  r.actor = "bob";
  r.outcome = record_outcome::rejected;
  r.lifecycle = lifecycle::suspended;
  EXPECT_EQ(canonical_record(r),
            "s15:vflow.journal.1i7;s3:C-1i2;s0:s5:events7:approves2:{}s3:bobni0;i0;s2:[]s2:[]s2:[]"
            "s8:rejectedns2:{}s9:suspendedn");
  // No actor and an empty actor, a field's text moved into the next: different records.
  journal_row none = r, empty = r, moved = r;
  none.actor.reset();
  empty.actor = "";
  moved.event = "approvebob";
  moved.actor = "";
  EXPECT_NE(canonical_record(none), canonical_record(empty));
  EXPECT_NE(canonical_record(r), canonical_record(moved));
  // The hash covers both predecessors.
  const std::string h = chain_hash(r, "a", "b");
  EXPECT_EQ(h.size(), 64u);
  EXPECT_NE(h, chain_hash(r, "b", "a"));
  EXPECT_NE(h, chain_hash(r, "ab", ""));
  EXPECT_EQ(h, chain_hash(r, "a", "b"));
  // Hashed as it is specified (and as journals already written were): the encoding, and the two
  // predecessors, each as a length-prefixed text.
  const std::string canonical = canonical_record(r);
  EXPECT_EQ(h, sha256_hex("s" + std::to_string(canonical.size()) + ":" + canonical + "s1:as1:b"));
}

TEST(Chain, DigestsParseOnlyInTheirOwnFormat) {
  const std::string hash(64, 'a');
  const auto d = parse_digest("12:" + hash);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->gseq, 12);
  EXPECT_EQ(d->hash, hash);
  EXPECT_EQ(to_string(*d), "12:" + hash);
  for (const std::string& bad :
       std::vector<std::string>{"", "12", ":" + hash, "x:" + hash, "-1:" + hash, "12:" + hash + "0",
                                "12:" + std::string(64, 'A'), "1 2:" + hash}) {
    EXPECT_FALSE(parse_digest(bad)) << bad;
  }
}
