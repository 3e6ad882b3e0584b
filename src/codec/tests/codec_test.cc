#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "codec/base58.h"
#include "codec/binary.h"
#include "codec/hex.h"

using namespace klyn;
using namespace klyn::codec;

TEST(Hex, RoundTripAndRejects) {
  Bytes b{0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(hex_encode(b), "0001abff");
  EXPECT_EQ(*hex_decode("0001abff"), b);
  EXPECT_EQ(*hex_decode("0x0001ABFF"), b);
  EXPECT_FALSE(hex_decode("abc").ok());
  EXPECT_FALSE(hex_decode("zz").ok());
  EXPECT_FALSE((hex_decode_fixed<4>("0001ab").ok()));
}

TEST(Base58, KnownVectors) {
  EXPECT_EQ(base58_encode(as_bytes("Hello World!")), "2NEpo7TZRRrLZSi2U");
  Bytes zeros{0, 0, 0x28, 0x7f, 0xb4, 0xcd};
  EXPECT_EQ(base58_encode(zeros), "11233QC4");
  EXPECT_EQ(*base58_decode("11233QC4"), zeros);
  EXPECT_EQ(base58_encode(Bytes{}), "");
  EXPECT_FALSE(base58_decode("0OIl").ok());
}

RC_GTEST_PROP(Base58, RoundTrip, (const std::vector<uint8_t>& b)) {
  RC_ASSERT(*base58_decode(base58_encode(b)) == b);
}

RC_GTEST_PROP(Binary, RoundTrip,
              (uint8_t a, uint16_t b, uint32_t c, uint64_t d, uint64_t v, bool f,
               const std::vector<uint8_t>& bytes, const std::string& s)) {
  Writer w;
  w.u8(a);
  w.u16(b);
  w.u32(c);
  w.u64(d);
  w.varint(v);
  w.boolean(f);
  w.bytes(bytes);
  w.string(s);
  Reader r(w.data());
  uint8_t a2;
  uint16_t b2;
  uint32_t c2;
  uint64_t d2, v2;
  bool f2;
  Bytes bytes2;
  std::string s2;
  RC_ASSERT(r.u8(a2) && r.u16(b2) && r.u32(c2) && r.u64(d2) && r.varint(v2) && r.boolean(f2) &&
            r.bytes(bytes2, 1 << 20) && r.string(s2, 1 << 20));
  RC_ASSERT(r.finish("test").ok());
  RC_ASSERT(a2 == a && b2 == b && c2 == c && d2 == d && v2 == v && f2 == f && bytes2 == bytes &&
            s2 == s);
}

RC_GTEST_PROP(Binary, VarintEncodingIsUniqueAndMinimal, (uint64_t v)) {
  Writer w;
  w.varint(v);
  // Re-encode with a redundant zero group: must be rejected.
  Bytes padded(w.data().begin(), w.data().end());
  RC_ASSERT(!padded.empty());
  padded[padded.size() - 1] = static_cast<uint8_t>(padded[padded.size() - 1] | 0x80);
  padded.push_back(0x00);
  Reader r(padded);
  uint64_t out;
  RC_ASSERT(!r.varint(out) || padded.size() > 10);
}

TEST(Binary, RejectsNonCanonical) {
  uint64_t v;
  {
    Bytes b{0x80, 0x00};  // zero with a redundant group
    Reader r(b);
    EXPECT_FALSE(r.varint(v));
  }
  {
    Bytes b{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};  // > 2^64-1
    Reader r(b);
    EXPECT_FALSE(r.varint(v));
  }
  {
    Bytes b{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};  // exactly 2^64-1
    Reader r(b);
    EXPECT_TRUE(r.varint(v));
    EXPECT_EQ(v, UINT64_MAX);
  }
  {
    Bytes b{0x02};  // bool other than 0/1
    Reader r(b);
    bool f;
    EXPECT_FALSE(r.boolean(f));
  }
  {
    Bytes b{0x05, 0x01};  // length beyond input
    Reader r(b);
    Bytes out;
    EXPECT_FALSE(r.bytes(out, 100));
    EXPECT_NE(r.finish("x").error().reason.find("truncated"), std::string::npos);
  }
  {
    Bytes b{0x7f};  // length above the caller's limit
    Reader r(b);
    Bytes out;
    EXPECT_FALSE(r.bytes(out, 10));
  }
  {
    Bytes b{0x01, 0x02};  // trailing bytes
    Reader r(b);
    uint8_t x;
    EXPECT_TRUE(r.u8(x));
    EXPECT_FALSE(r.finish("x").ok());
  }
}
