// Property tests (RapidCheck). Pairings cost milliseconds, so each property runs a small number
// of cases (RC_PARAMS below, unless the caller sets RC_PARAMS itself).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdlib>

#include "crypto/bls12_381/groups.h"
#include "crypto/bls12_381/pairing.h"
#include "crypto/bls12_381/signature.h"

namespace klyn::bls {
namespace {

const bool kRapidCheckConfigured = [] {
  setenv("RC_PARAMS", "max_success=25 max_size=40", /*overwrite=*/0);
  return true;
}();

Fp12 gt_pow(const Fp12& f, u128 e) {
  Fp12 acc = Fp12::one();
  for (int i = 127; i >= 0; i--) {
    acc = acc.square();
    if ((e >> i) & 1) acc = acc * f;
  }
  return acc;
}

uint64_t nonzero_u64() {
  return *rc::gen::suchThat(rc::gen::arbitrary<uint64_t>(), [](uint64_t v) { return v != 0; });
}

SecretKey random_key() {
  auto ikm = *rc::gen::container<std::vector<uint8_t>>(32, rc::gen::arbitrary<uint8_t>());
  return *SecretKey::key_gen(ikm);
}

RC_GTEST_PROP(BlsProperties, PairingIsBilinear, ()) {
  const uint64_t a = nonzero_u64();
  const uint64_t b = nonzero_u64();
  G1Projective p = g1_generator();
  G2Projective q = g2_generator();
  Fp12 lhs = pairing(p.mul_u64_vartime(a).to_affine(), q.mul_u64_vartime(b).to_affine());
  Fp12 rhs = gt_pow(pairing(p.to_affine(), q.to_affine()), u128(a) * b);
  RC_ASSERT(lhs == rhs);
}

RC_GTEST_PROP(BlsProperties, AggregateOnOneMessageVerifiesAgainstAggregateKey, ()) {
  const int n = *rc::gen::inRange(1, 5);
  const auto msg = *rc::gen::arbitrary<std::vector<uint8_t>>();
  std::vector<PublicKey> pks;
  std::vector<Signature> sigs;
  for (int i = 0; i < n; i++) {
    SecretKey sk = random_key();
    pks.push_back(sk.public_key());
    sigs.push_back(sk.sign(msg));
  }
  auto agg_sig = aggregate_signatures(sigs);
  auto agg_pk = aggregate_public_keys(pks);
  RC_ASSERT(agg_sig.ok());
  RC_ASSERT(agg_pk.ok());
  RC_ASSERT(verify(*agg_pk, msg, *agg_sig));
  RC_ASSERT(fast_aggregate_verify(pks, msg, *agg_sig));
}

RC_GTEST_PROP(BlsProperties, FlippingAnyBitOfASignatureBreaksIt, ()) {
  static const SecretKey sk = *SecretKey::key_gen(std::vector<uint8_t>(32, 7));
  static const PublicKey pk = sk.public_key();
  const auto msg = *rc::gen::arbitrary<std::vector<uint8_t>>();
  const Signature sig = sk.sign(msg);
  RC_ASSERT(verify(pk, msg, sig));
  const size_t bit = *rc::gen::inRange<size_t>(0, Signature::kSize * 8);
  auto bytes = sig.to_bytes();
  bytes[bit / 8] ^= uint8_t(1u << (bit % 8));
  auto tampered = Signature::from_bytes(bytes);
  RC_ASSERT(!(tampered.ok() && verify(pk, msg, *tampered)));
}

RC_GTEST_PROP(BlsProperties, PointEncodingRoundTrips, ()) {
  const uint64_t k = *rc::gen::arbitrary<uint64_t>();
  G1Projective p = g1_generator().mul_u64_vartime(k);
  G2Projective q = g2_generator().mul_u64_vartime(k);
  auto pe = g1_compress(p);
  auto qe = g2_compress(q);
  auto pd = g1_decompress(pe);
  auto qd = g2_decompress(qe);
  RC_ASSERT(pd.has_value());
  RC_ASSERT(qd.has_value());
  RC_ASSERT(G1Projective::from_affine(*pd) == p);
  RC_ASSERT(G2Projective::from_affine(*qd) == q);
  // The affine forms (no inversion) encode the same bytes.
  RC_ASSERT(g1_compress(*pd) == pe);
  RC_ASSERT(g2_compress(*qd) == qe);
}

RC_GTEST_PROP(BlsProperties, KeyAndSignatureBytesRoundTrip, ()) {
  SecretKey sk = random_key();
  auto sk2 = SecretKey::from_bytes(sk.to_bytes());
  RC_ASSERT(sk2.ok());
  RC_ASSERT(sk2->to_bytes() == sk.to_bytes());
  PublicKey pk = sk.public_key();
  auto pk2 = PublicKey::from_bytes(pk.to_bytes());
  RC_ASSERT(pk2.ok());
  RC_ASSERT(*pk2 == pk);
  Signature sig = sk.prove_possession();
  auto sig2 = Signature::from_bytes(sig.to_bytes());
  RC_ASSERT(sig2.ok());
  RC_ASSERT(*sig2 == sig);
  RC_ASSERT(pop_verify(pk, *sig2));
  // The bytes kept beside each point are its encoding, however the value was made.
  RC_ASSERT(sig.to_bytes() == g2_compress(G2Projective::from_affine(sig.point())));
  RC_ASSERT(pk.to_bytes() == g1_compress(G1Projective::from_affine(pk.point())));
  const Signature parts[] = {sig, sk.sign(sk.to_bytes())};
  auto agg = aggregate_signatures(parts);
  RC_ASSERT(agg.ok());
  RC_ASSERT(agg->to_bytes() == g2_compress(G2Projective::from_affine(agg->point())));
  RC_ASSERT(Signature::from_bytes(agg->to_bytes()).value() == *agg);
}

RC_GTEST_PROP(BlsProperties, ArbitraryBytesDecodeOnlyToCanonicalEncodings, ()) {
  // Whatever decodes must re-encode to exactly the input bytes (no malleable encodings).
  auto g1 = *rc::gen::container<std::vector<uint8_t>>(48, rc::gen::arbitrary<uint8_t>());
  g1[0] |= 0x80;
  if (auto p = g1_decompress(g1)) {
    auto enc = g1_compress(G1Projective::from_affine(*p));
    RC_ASSERT(std::equal(g1.begin(), g1.end(), enc.begin()));
  }
  auto g2 = *rc::gen::container<std::vector<uint8_t>>(96, rc::gen::arbitrary<uint8_t>());
  g2[0] |= 0x80;
  if (auto q = g2_decompress(g2)) {
    auto enc = g2_compress(G2Projective::from_affine(*q));
    RC_ASSERT(std::equal(g2.begin(), g2.end(), enc.begin()));
  }
}

RC_GTEST_PROP(BlsProperties, AHashedMessageSignsAndVerifiesAsItsBytesDo, ()) {
  const SecretKey sk = random_key(), other = random_key();
  const auto m1 = *rc::gen::container<std::vector<uint8_t>>(rc::gen::arbitrary<uint8_t>());
  const auto m2 = *rc::gen::container<std::vector<uint8_t>>(rc::gen::arbitrary<uint8_t>());
  RC_PRE(m1 != m2);
  RC_PRE(!(sk.public_key() == other.public_key()));
  const HashedMessage h1(m1), h2(m2);
  const Signature s1 = sk.sign(h1);
  RC_ASSERT(s1 == sk.sign(m1));  // deterministic: the same signature either way
  RC_ASSERT(verify(sk.public_key(), h1, s1));
  RC_ASSERT(!verify(sk.public_key(), h2, s1));
  RC_ASSERT(!verify(other.public_key(), h1, s1));
  // Batches: the hashed form accepts and refuses exactly as the byte form does.
  const PublicKey pks[] = {sk.public_key(), other.public_key()};
  const HashedMessage hashed[] = {h1, h2};
  const ByteSpan bytes[] = {m1, m2};
  const Signature good[] = {s1, other.sign(m2)};
  const Signature swapped[] = {other.sign(m2), s1};
  RC_ASSERT(batch_verify(pks, hashed, good));
  RC_ASSERT(batch_verify(pks, bytes, good));
  RC_ASSERT(!batch_verify(pks, hashed, swapped));
  RC_ASSERT(!batch_verify(pks, bytes, swapped));
}

TEST(BlsApi, InvalidInputsAreErrorsNotExceptions) {
  EXPECT_EQ(SecretKey::from_bytes(std::vector<uint8_t>(32, 0)).error().code, "bad_key");
  EXPECT_EQ(SecretKey::from_bytes(std::vector<uint8_t>(31, 1)).error().code, "bad_length");
  EXPECT_EQ(SecretKey::key_gen(std::vector<uint8_t>(31, 1)).error().code, "bad_length");
  EXPECT_EQ(PublicKey::from_bytes(std::vector<uint8_t>(47, 0)).error().code, "bad_length");
  std::vector<uint8_t> inf(48, 0);
  inf[0] = 0xc0;
  EXPECT_EQ(PublicKey::from_bytes(inf).error().code, "identity");
  EXPECT_EQ(Signature::from_bytes(std::vector<uint8_t>(96, 0)).error().code, "bad_encoding");
  EXPECT_EQ(aggregate_signatures({}).error().code, "empty_input");
  EXPECT_EQ(aggregate_public_keys({}).error().code, "empty_input");
  EXPECT_FALSE(
      fast_aggregate_verify({}, {}, *Signature::from_bytes(g2_compress(G2Projective::identity()))));
}

TEST(BlsApi, KeyGenIsDeterministicAndDependsOnKeyInfo) {
  std::vector<uint8_t> ikm(32, 42);
  auto a = SecretKey::key_gen(ikm);
  auto b = SecretKey::key_gen(ikm);
  auto c = SecretKey::key_gen(ikm, as_bytes("other purpose"));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->to_bytes(), b->to_bytes());
  EXPECT_NE(a->to_bytes(), c->to_bytes());
}

}  // namespace
}  // namespace klyn::bls
