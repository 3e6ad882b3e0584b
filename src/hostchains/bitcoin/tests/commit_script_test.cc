// The bytes of a commit and the OP_RETURN scripts around them (no daemon).
#include "hostchains/bitcoin/commit_script.h"

#include <gtest/gtest.h>

#include "codec/hex.h"

namespace klyn::hostchains::bitcoin {
namespace {

Checkpoint sample() {
  Checkpoint cp;
  for (size_t i = 0; i < cp.symbiote.size(); ++i) cp.symbiote[i] = static_cast<uint8_t>(0x10 + i);
  cp.index = 0x0102030405060708ull;
  for (size_t i = 0; i < cp.hash.size(); ++i) cp.hash[i] = static_cast<uint8_t>(0xa0 + i);
  return cp;
}

TEST(CommitPayload, LayoutIsMagicPrefixBigEndianIndexHash) {
  const Bytes p = encode_commit_payload(sample());
  ASSERT_EQ(p.size(), 52u);
  EXPECT_EQ(codec::hex_encode(p),
            "4b4c594e"                                                            // "KLYN"
            "1011121314151617"                                                    // id prefix
            "0102030405060708"                                                    // index, BE
            "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");  // hash
}

TEST(CommitPayload, RoundTrips) {
  const Checkpoint cp = sample();
  auto d = decode_commit_payload(encode_commit_payload(cp));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->symbiote, symbiote_prefix(cp.symbiote));
  EXPECT_EQ(d->index, cp.index);
  EXPECT_EQ(d->hash, cp.hash);

  Checkpoint zero;
  auto z = decode_commit_payload(encode_commit_payload(zero));
  ASSERT_TRUE(z);
  EXPECT_EQ(z->index, 0u);
}

TEST(CommitPayload, RejectsWrongMagicAndWrongLength) {
  Bytes p = encode_commit_payload(sample());
  for (size_t i = 0; i < 4; ++i) {
    Bytes bad = p;
    bad[i] ^= 0x20;  // "kLYN", "KlYN", ...
    EXPECT_FALSE(decode_commit_payload(bad)) << i;
  }
  Bytes shorter(p.begin(), p.end() - 1);
  EXPECT_FALSE(decode_commit_payload(shorter));
  Bytes longer = p;
  longer.push_back(0);
  EXPECT_FALSE(decode_commit_payload(longer));
  EXPECT_FALSE(decode_commit_payload(Bytes{}));
  EXPECT_FALSE(decode_commit_payload(Bytes(kCommitMagic.begin(), kCommitMagic.end())));
}

TEST(CommitScript, IsOpReturnWithDirectPush) {
  const Bytes s = commit_script(sample());
  ASSERT_EQ(s.size(), 54u);
  EXPECT_EQ(s[0], 0x6a);
  EXPECT_EQ(s[1], 0x34);
  auto d = decode_commit_script(s);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->index, sample().index);
}

TEST(CommitScript, AcceptsEveryPushDataForm) {
  const Bytes p = encode_commit_payload(sample());
  auto with_header = [&](Bytes header) {
    header.insert(header.end(), p.begin(), p.end());
    return header;
  };
  for (const Bytes& script :
       {with_header({0x6a, 0x34}), with_header({0x6a, 0x4c, 0x34}),
        with_header({0x6a, 0x4d, 0x34, 0x00}), with_header({0x6a, 0x4e, 0x34, 0x00, 0x00, 0x00})}) {
    auto data = op_return_data(script);
    ASSERT_TRUE(data) << codec::hex_encode(script);
    EXPECT_EQ(Bytes(data->begin(), data->end()), p);
    EXPECT_TRUE(decode_commit_script(script));
  }
}

TEST(CommitScript, RejectsOtherScripts) {
  const Bytes p = encode_commit_payload(sample());
  auto with_header = [&](Bytes header, size_t payload_bytes = 52) {
    header.insert(header.end(), p.begin(), p.begin() + static_cast<long>(payload_bytes));
    return header;
  };
  EXPECT_FALSE(op_return_data(Bytes{}));
  EXPECT_FALSE(op_return_data(Bytes{0x6a}));                      // OP_RETURN alone
  EXPECT_FALSE(op_return_data(Bytes{0x6a, 0x00}));                // OP_0
  EXPECT_FALSE(op_return_data(Bytes{0x6a, 0x51}));                // OP_1
  EXPECT_FALSE(op_return_data(with_header({0x76, 0x34})));        // OP_DUP, not OP_RETURN
  EXPECT_FALSE(op_return_data(with_header({0x6a, 0x34}, 51)));    // push longer than the script
  EXPECT_FALSE(op_return_data(with_header({0x6a, 0x33})));        // trailing byte
  EXPECT_FALSE(op_return_data(with_header({0x6a, 0x4c})));        // PUSHDATA1 without length...
  EXPECT_FALSE(op_return_data(Bytes{0x6a, 0x4d, 0x34}));          // PUSHDATA2 cut short
  EXPECT_FALSE(op_return_data(with_header({0x6a, 0x4c, 0x35})));  // length one too long
  // Two pushes (the commit and something else) is not a commit.
  Bytes two = with_header({0x6a, 0x34});
  two.push_back(0x01);
  two.push_back(0xff);
  EXPECT_FALSE(decode_commit_script(two));
  // A well-formed OP_RETURN of other data is not a commit either.
  EXPECT_TRUE(op_return_data(Bytes{0x6a, 0x02, 0xbe, 0xef}));
  EXPECT_FALSE(decode_commit_script(Bytes{0x6a, 0x02, 0xbe, 0xef}));
  Bytes wrong_magic = commit_script(sample());
  wrong_magic[2] = 'X';
  EXPECT_FALSE(decode_commit_script(wrong_magic));
}

}  // namespace
}  // namespace klyn::hostchains::bitcoin
