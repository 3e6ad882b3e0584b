#include <gtest/gtest.h>

#include "codec/hex.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"

using namespace klyn;

TEST(Hash, Blake2b256KnownAnswer) {
  // BLAKE2b-256("abc"), from the BLAKE2 reference test vectors.
  EXPECT_EQ(codec::hex_encode(crypto::blake2b256(as_bytes("abc"))),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  EXPECT_EQ(codec::hex_encode(crypto::sha256(as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, IncrementalEqualsOneShotAndDomainsSeparate) {
  crypto::Blake2b256 h;
  h.update("ab");
  h.update("c");
  EXPECT_EQ(h.finish(), crypto::blake2b256(as_bytes("abc")));
  EXPECT_EQ(crypto::blake2b256("a", as_bytes("bc")), crypto::blake2b256(as_bytes("abc")));
  EXPECT_NE(crypto::blake2b256("x", as_bytes("abc")), crypto::blake2b256("y", as_bytes("abc")));
}

TEST(Ed25519, Rfc8032Test1) {
  // RFC 8032 section 7.1, TEST 1 (empty message).
  auto seed = *codec::hex_decode_fixed<32>(
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  auto kp = crypto::KeyPair::from_seed(seed);
  EXPECT_EQ(codec::hex_encode(kp.public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  auto sig = kp.sign({});
  EXPECT_EQ(codec::hex_encode(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(crypto::verify(kp.public_key(), {}, sig));
}

TEST(Ed25519, RejectsTamperingAndWrongKey) {
  auto a = crypto::KeyPair::generate();
  auto b = crypto::KeyPair::generate();
  Bytes msg{1, 2, 3};
  auto sig = a.sign(msg);
  EXPECT_TRUE(crypto::verify(a.public_key(), msg, sig));
  EXPECT_FALSE(crypto::verify(b.public_key(), msg, sig));
  msg[0] ^= 1;
  EXPECT_FALSE(crypto::verify(a.public_key(), msg, sig));
  msg[0] ^= 1;
  sig[10] ^= 0x20;
  EXPECT_FALSE(crypto::verify(a.public_key(), msg, sig));
}

TEST(Ed25519, Addresses) {
  auto kp = crypto::KeyPair::generate();
  auto parsed = crypto::parse_address(kp.address());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, kp.public_key());
  EXPECT_FALSE(crypto::parse_address("").ok());
  EXPECT_FALSE(crypto::parse_address("abc").ok());
  EXPECT_FALSE(crypto::parse_address("0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl").ok());
}
