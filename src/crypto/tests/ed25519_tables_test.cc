// The table verifier against libsodium (../README.md, "Fast verification", E1–E5): field and
// group arithmetic against libsodium's own operations, then verification answers on valid,
// mutated, small-order, non-canonical and mixed-order inputs.
#include <gtest/gtest.h>
#include <sodium.h>

#include <random>
#include <thread>

#include "codec/hex.h"
#include "crypto/ed25519.h"
#include "crypto/ed25519/key_tables.h"
#include "crypto/ed25519/testing.h"

using namespace klyn;
using namespace klyn::crypto::ed25519;
using crypto::PublicKey;
using crypto::Signature;

namespace {

using Bytes32 = std::array<uint8_t, 32>;

bool sodium_ok(const PublicKey& pk, const Bytes& m, const Signature& s) {
  return crypto_sign_verify_detached(s.data(), m.data(), m.size(), pk.data()) == 0;
}

Bytes32 random_scalar(std::mt19937_64& rng) {
  uint8_t wide[64];
  for (auto& b : wide) b = static_cast<uint8_t>(rng());
  return test_support::scalar_from_wide(wide);
}

Bytes random_bytes(std::mt19937_64& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

Bytes32 enc(const Point& p) {
  Bytes32 out;
  encode(out.data(), p);
  return out;
}

Fe random_fe(std::mt19937_64& rng) {
  uint8_t b[32];
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return fe_frombytes(b);
}

std::vector<Point> torsion_points() {
  return test_support::torsion_points();
}

Signature sign_with_scalar(const Bytes32& a, const PublicKey& key, const Bytes& m,
                           std::mt19937_64& rng) {
  uint8_t nonce[64];
  for (auto& b : nonce) b = static_cast<uint8_t>(rng());
  return test_support::sign_with_scalar(a, key, m, nonce);
}

// A key with its table and one valid signature of a random message.
struct SignedMessage {
  std::shared_ptr<const KeyTable> table;
  Bytes msg;
  Signature sig;
};

SignedMessage signed_message(uint8_t seed, size_t msg_len, std::mt19937_64& rng) {
  const auto kp = crypto::KeyPair::from_seed(crypto::Seed{seed});
  SignedMessage f{KeyTable::build(kp.public_key()), random_bytes(rng, msg_len), {}};
  EXPECT_NE(f.table, nullptr);
  f.sig = kp.sign(f.msg);
  return f;
}

// Both answers for one input, for a key that has a table.
void expect_same(const KeyTable& t, const Bytes& m, const Signature& s, const std::string& what) {
  EXPECT_EQ(t.verify(m, s), sodium_ok(t.key(), m, s)) << what;
}

}  // namespace

TEST(Ed25519Field, InverseSqrtAndCanonicalBytes) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200; ++i) {
    const Fe a = random_fe(rng);
    if (fe_is_zero(a)) continue;
    EXPECT_TRUE(fe_equal(fe_mul(a, fe_invert(a)), fe_one()));
    const Fe b = random_fe(rng);
    EXPECT_TRUE(fe_equal(fe_sub(fe_add(a, b), b), a));
    EXPECT_TRUE(fe_equal(fe_sq(a), fe_mul(a, a)));
  }
  const Fe& i = constants().sqrt_m1;
  EXPECT_TRUE(fe_equal(fe_sq(i), fe_neg(fe_one())));
  // p + k (k < 19) is the non-canonical form of k: encodes as k.
  for (uint8_t k = 0; k < 19; ++k) {
    uint8_t b[32];
    std::fill(b, b + 32, 0xff);
    b[31] = 0x7f;
    b[0] = static_cast<uint8_t>(0xed + k);
    uint8_t out[32];
    fe_tobytes(out, fe_frombytes(b));
    EXPECT_EQ(out[0], k);
    for (int j = 1; j < 32; ++j) EXPECT_EQ(out[j], 0);
  }
  // 2^255 − 1 (bit 255 ignored by frombytes) round-trips through every bit.
  for (int bit = 0; bit < 255; ++bit) {
    uint8_t b[32] = {};
    b[bit / 8] = static_cast<uint8_t>(1 << (bit % 8));
    uint8_t out[32];
    fe_tobytes(out, fe_frombytes(b));
    EXPECT_EQ(0, std::memcmp(b, out, 32)) << bit;
  }
}

TEST(Ed25519Group, BaseAndScalarMultiplicationsMatchLibsodium) {
  std::mt19937_64 rng(2);
  Bytes32 one{};
  one[0] = 1;
  Bytes32 b_sodium;
  ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(b_sodium.data(), one.data()), 0);
  EXPECT_EQ(enc(constants().base), b_sodium);
  EXPECT_EQ(codec::hex_encode(b_sodium),
            "5866666666666666666666666666666666666666666666666666666666666666");
  const Bytes32 zero{};
  CombTable b_table;
  build_comb(b_table, constants().base);
  // Scalars with every radix-64 digit at an edge (all ones, top bits), besides random ones.
  std::vector<Bytes32> edges;
  Bytes32 e{};
  std::fill(e.begin(), e.end(), 0xff);
  e[31] = 0x0f;
  edges.push_back(e);
  e.fill(0);
  e[31] = 0x0f;
  edges.push_back(e);
  for (int i = 0; i < 32; ++i) e[i] = static_cast<uint8_t>(i % 2 ? 0x20 : 0xdf);
  e[31] = 0x0f;
  edges.push_back(e);
  std::fill(e.begin(), e.end(), 0xff);
  e[31] = 0x3f;  // 2^254 − 1, the largest scalar double_comb takes
  edges.push_back(e);
  for (const auto& k : edges) {
    EXPECT_EQ(enc(double_comb(b_table, zero.data(), k.data())),
              enc(scalar_mul_slow(constants().base, k.data())));
    EXPECT_EQ(enc(double_comb(b_table, k.data(), zero.data())),
              enc(scalar_mul_slow(constants().base, k.data())));
  }
  for (int i = 0; i < 40; ++i) {
    const Bytes32 k = random_scalar(rng);
    Bytes32 want;
    ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(want.data(), k.data()), 0);
    EXPECT_EQ(enc(double_comb(b_table, zero.data(), k.data())), want);
    EXPECT_EQ(enc(double_comb(b_table, k.data(), zero.data())), want);
    EXPECT_EQ(enc(scalar_mul_slow(constants().base, k.data())), want);
    // [k]P for another point P of the prime-order group, with P's own comb.
    Bytes32 p_enc, kp;
    const Bytes32 r = random_scalar(rng);
    ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(p_enc.data(), r.data()), 0);
    ASSERT_EQ(crypto_scalarmult_ed25519_noclamp(kp.data(), k.data(), p_enc.data()), 0);
    auto p = decode(p_enc.data());
    ASSERT_TRUE(p);
    EXPECT_EQ(enc(*p), p_enc);
    CombTable pt;
    build_comb(pt, *p);
    EXPECT_EQ(enc(double_comb(pt, k.data(), zero.data())), kp);
    // [k]P + [r]B against libsodium's point addition.
    Bytes32 rb, sum;
    ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(rb.data(), r.data()), 0);
    ASSERT_EQ(crypto_core_ed25519_add(sum.data(), kp.data(), rb.data()), 0);
    EXPECT_EQ(enc(double_comb(pt, k.data(), r.data())), sum);
  }
}

TEST(Ed25519Group, SignedDigitsStayInTheirTablesRange) {
  std::mt19937_64 rng(9);
  for (int round = 0; round < 2000; ++round) {
    Bytes32 k;
    for (auto& b : k) b = static_cast<uint8_t>(rng());
    k[31] &= round % 2 ? 0x3f : 0x0f;  // < 2^254
    if (round == 0) {
      std::fill(k.begin(), k.end(), 0xff);
      k[31] = 0x3f;
    }
    for (const auto& [w, count] : {std::pair{4, 64}, std::pair{5, 51}, std::pair{6, 43}}) {
      int8_t e[64];
      signed_digits(e, count, w, k.data());
      const int half = 1 << (w - 1);
      for (int i = 0; i + 1 < count; ++i) {
        ASSERT_GE(e[i], -half);
        ASSERT_LT(e[i], half);
      }
      ASSERT_GE(e[count - 1], 0);
      ASSERT_LE(e[count - 1], half) << "the top digit indexes the table too";
      // Σ e[i]·2^(w·i) gives k back (as 64-bit pieces with signed carries).
      Bytes32 back{};
      __int128 carry = 0;
      int digit = 0;
      for (int byte = 0; byte < 32; ++byte) {
        while (digit < count && w * digit < 8 * (byte + 1)) {
          carry += static_cast<__int128>(e[digit]) << (w * digit - 8 * byte);
          ++digit;
        }
        back[byte] = static_cast<uint8_t>(carry & 0xff);
        carry >>= 8;
      }
      ASSERT_EQ(back, k) << "w = " << w;
    }
  }
}

TEST(Ed25519Group, TorsionPointsAreTheBlocklist) {
  const auto t = torsion_points();
  // Order exactly 8: [8]T = O and [4]T != O.
  EXPECT_TRUE(equal(add(t[7], t[1]), identity()));
  EXPECT_FALSE(equal(t[4], identity()));
  for (const auto& p : t) {
    const Bytes32 e = enc(p);
    EXPECT_TRUE(has_small_order_encoding(e.data())) << codec::hex_encode(e);
    Bytes32 flipped = e;
    flipped[31] ^= 0x80;
    EXPECT_TRUE(has_small_order_encoding(flipped.data()));
    // libsodium's point addition accepts it: these are curve points.
    Bytes32 dummy;
    EXPECT_EQ(crypto_core_ed25519_add(dummy.data(), e.data(), e.data()), 0);
  }
}

TEST(Ed25519Checks, ScalarAndPointCanonicity) {
  Bytes32 l = *codec::hex_decode_fixed<32>(
      "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  uint8_t wide[64] = {};
  std::memcpy(wide, l.data(), 32);
  Bytes32 reduced;
  crypto_core_ed25519_scalar_reduce(reduced.data(), wide);
  EXPECT_EQ(reduced, Bytes32{});  // it is L
  EXPECT_FALSE(scalar_is_canonical(l.data()));
  l[0] -= 1;
  EXPECT_TRUE(scalar_is_canonical(l.data()));
  l[0] += 2;
  EXPECT_FALSE(scalar_is_canonical(l.data()));
  Bytes32 p{};
  std::fill(p.begin(), p.end(), 0xff);
  p[31] = 0x7f;
  for (int k = 0; k < 0xed; ++k) {
    p[0] = static_cast<uint8_t>(k);
    EXPECT_TRUE(point_is_canonical(p.data()));
  }
  for (int k = 0xed; k <= 0xff; ++k) {
    p[0] = static_cast<uint8_t>(k);
    EXPECT_FALSE(point_is_canonical(p.data()));
    p[31] = 0xff;  // the sign bit does not matter
    EXPECT_FALSE(point_is_canonical(p.data()));
    p[31] = 0x7f;
  }
}

TEST(Ed25519Tables, Rfc8032Vectors) {
  struct V {
    const char *seed, *pk, *msg, *sig;
  };
  const V vs[] = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701c"
       "f9b46bd25bf5f0595bbe24655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0"
       "f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
      {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
       "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
       "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f76098"
       "4dc6594a7c15e9716ed28dc027beceea1ec40a"},
  };
  for (const auto& v : vs) {
    const auto kp = crypto::KeyPair::from_seed(*codec::hex_decode_fixed<32>(v.seed));
    EXPECT_EQ(codec::hex_encode(kp.public_key()), v.pk);
    const Bytes msg = *codec::hex_decode(v.msg);
    const Signature sig = *codec::hex_decode_fixed<64>(v.sig);
    EXPECT_EQ(kp.sign(msg), sig);
    auto t = KeyTable::build(kp.public_key());
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->verify(msg, sig));
    Bytes other = msg;
    other.push_back(0);
    EXPECT_FALSE(t->verify(other, sig));
  }
}

TEST(Ed25519Tables, DifferentialValidAndMutated) {
  std::mt19937_64 rng(3);
  for (int key = 0; key < 24; ++key) {
    crypto::Seed seed;
    for (auto& b : seed) b = static_cast<uint8_t>(rng());
    const auto kp = crypto::KeyPair::from_seed(seed);
    auto t = KeyTable::build(kp.public_key());
    ASSERT_TRUE(t);
    for (int i = 0; i < 12; ++i) {
      const Bytes msg = random_bytes(rng, rng() % 301);
      const Signature sig = kp.sign(msg);
      ASSERT_TRUE(t->verify(msg, sig));
      // One flipped bit anywhere in R, in S, or in the message.
      for (int bit = 0; bit < 512; bit += 1 + static_cast<int>(rng() % 23)) {
        Signature s = sig;
        s[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
        expect_same(*t, msg, s, "sig bit " + std::to_string(bit));
      }
      if (!msg.empty()) {
        Bytes m = msg;
        m[rng() % m.size()] ^= static_cast<uint8_t>(1 << (rng() % 8));
        expect_same(*t, m, sig, "message bit");
      }
      // A random R, a random S, both.
      Signature s = sig;
      for (int b = 0; b < 32; ++b) s[b] = static_cast<uint8_t>(rng());
      expect_same(*t, msg, s, "random R");
      s = sig;
      for (int b = 32; b < 64; ++b) s[b] = static_cast<uint8_t>(rng());
      expect_same(*t, msg, s, "random S");
    }
  }
}

TEST(Ed25519Tables, NonCanonicalScalars) {
  std::mt19937_64 rng(4);
  const SignedMessage f = signed_message(7, 64, rng);
  const auto& [t, msg, sig] = std::tie(f.table, f.msg, f.sig);
  ASSERT_TRUE(t);
  const Bytes32 l = *codec::hex_decode_fixed<32>(
      "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  // S + L (same value mod L), S = L, L + 1, S with the top bits set.
  Signature s = sig;
  unsigned carry = 0;
  for (int i = 0; i < 32; ++i) {
    const unsigned v = sig[32 + i] + l[i] + carry;
    s[32 + i] = static_cast<uint8_t>(v);
    carry = v >> 8;
  }
  expect_same(*t, msg, s, "S + L");
  EXPECT_FALSE(t->verify(msg, s));
  s = sig;
  std::copy(l.begin(), l.end(), s.begin() + 32);
  expect_same(*t, msg, s, "S = L");
  s[32] += 1;
  expect_same(*t, msg, s, "S = L + 1");
  for (uint8_t top : {0x20, 0x40, 0x80, 0xe0}) {
    s = sig;
    s[63] |= top;
    expect_same(*t, msg, s, "S top bits");
  }
}

TEST(Ed25519Tables, SmallOrderAndNonCanonicalR) {
  std::mt19937_64 rng(5);
  const SignedMessage f = signed_message(9, 40, rng);
  const auto& [t, msg, sig] = std::tie(f.table, f.msg, f.sig);
  ASSERT_TRUE(t);
  std::vector<Bytes32> rs;
  for (const auto& p : torsion_points()) {
    Bytes32 e = enc(p);
    rs.push_back(e);
    e[31] ^= 0x80;
    rs.push_back(e);
  }
  // Every y >= p (p + 0 .. p + 18), both sign bits.
  for (int k = 0; k < 19; ++k) {
    Bytes32 e;
    std::fill(e.begin(), e.end(), 0xff);
    e[31] = 0x7f;
    e[0] = static_cast<uint8_t>(0xed + k);
    rs.push_back(e);
    e[31] = 0xff;
    rs.push_back(e);
  }
  for (const auto& r : rs) {
    for (const Bytes32& s_val : {random_scalar(rng), Bytes32{}}) {
      Signature s;
      std::copy(r.begin(), r.end(), s.begin());
      std::copy(s_val.begin(), s_val.end(), s.begin() + 32);
      expect_same(*t, msg, s, "R = " + codec::hex_encode(r));
    }
  }
  // A valid signature whose R is re-encoded non-canonically (y + p, possible for y < 19 only —
  // not reachable from a real R, so a crafted one) or with x's sign flipped.
  Signature s = sig;
  s[31] ^= 0x80;
  expect_same(*t, msg, s, "R sign flipped");
}

TEST(Ed25519Tables, MixedOrderKeys) {
  std::mt19937_64 rng(6);
  const auto torsion = torsion_points();
  int accepted = 0, rejected = 0;
  for (size_t ti = 1; ti < torsion.size(); ++ti) {
    for (int round = 0; round < 3; ++round) {
      const Bytes32 a = random_scalar(rng);
      const PublicKey mixed = test_support::add_torsion(test_support::public_of(a), torsion[ti]);
      auto t = KeyTable::build(mixed);
      ASSERT_TRUE(t) << "a mixed-order key passes libsodium's key checks";
      // h ≡ 0 mod ord(T) makes [h]T vanish and the signature valid; ~1/8 .. 1/2 of messages.
      for (int i = 0; i < 24; ++i) {
        const Bytes msg = random_bytes(rng, 1 + rng() % 100);
        const Signature sig = sign_with_scalar(a, mixed, msg, rng);
        const bool want = sodium_ok(mixed, msg, sig);
        (want ? accepted : rejected)++;
        EXPECT_EQ(t->verify(msg, sig), want) << "torsion " << ti;
      }
    }
  }
  EXPECT_GT(accepted, 20);  // both outcomes are exercised
  EXPECT_GT(rejected, 20);
}

TEST(Ed25519Tables, KeysLibsodiumRefusesGetNoTable) {
  for (const auto& p : torsion_points()) EXPECT_EQ(KeyTable::build(enc(p)), nullptr);
  PublicKey non_canonical;
  std::fill(non_canonical.begin(), non_canonical.end(), 0xff);
  non_canonical[31] = 0x7f;
  non_canonical[0] = 0xf0;  // y = p + 3
  EXPECT_EQ(KeyTable::build(non_canonical), nullptr);
  // y = 2: x² = 3 / (4d + 1) has no root (libsodium refuses it as a key).
  PublicKey off{};
  off[0] = 2;
  uint8_t dummy[32];
  EXPECT_NE(crypto_core_ed25519_add(dummy, off.data(), off.data()), 0);
  EXPECT_EQ(KeyTable::build(off), nullptr);
}

TEST(Ed25519Verifier, PromotesOnlyAfterValidSignatures) {
  TableVerifier v({.max_tables = 64, .promote_after = 2, .tables = true});
  ASSERT_TRUE(v.stats().tables_enabled);
  const auto kp = crypto::KeyPair::from_seed(crypto::Seed{11});
  const Bytes msg{1, 2, 3};
  const Signature sig = kp.sign(msg);
  Signature bad = sig;
  bad[40] ^= 1;
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(v.verify(kp.public_key(), msg, bad));
  EXPECT_EQ(v.table_of(kp.public_key()), nullptr) << "bad signatures never build a table";
  EXPECT_TRUE(v.verify(kp.public_key(), msg, sig));
  EXPECT_EQ(v.table_of(kp.public_key()), nullptr);
  EXPECT_TRUE(v.verify(kp.public_key(), msg, sig));
  EXPECT_NE(v.table_of(kp.public_key()), nullptr);
  const auto before = v.stats();
  EXPECT_TRUE(v.verify(kp.public_key(), msg, sig));
  EXPECT_FALSE(v.verify(kp.public_key(), msg, bad));
  const auto after = v.stats();
  EXPECT_EQ(after.table_verifications, before.table_verifications + 2);
  EXPECT_EQ(after.libsodium_verifications, before.libsodium_verifications);
  EXPECT_EQ(after.tables_built, 1u);
}

TEST(Ed25519Verifier, BoundedByMaxTables) {
  TableVerifier v({.max_tables = 32, .promote_after = 1, .tables = true});
  const Bytes msg{9};
  for (uint8_t i = 0; i < 200; ++i) {
    const auto kp = crypto::KeyPair::from_seed(crypto::Seed{i, 1});
    const auto sig = kp.sign(msg);
    EXPECT_TRUE(v.verify(kp.public_key(), msg, sig));
    EXPECT_TRUE(v.verify(kp.public_key(), msg, sig));
  }
  const auto s = v.stats();
  EXPECT_LE(s.tables, 32u);
  EXPECT_EQ(s.tables_built, 200u);
  EXPECT_EQ(s.tables_evicted, 200u - s.tables);
}

TEST(Ed25519Verifier, TablesOffGoesToLibsodium) {
  TableVerifier v({.max_tables = 32, .promote_after = 1, .tables = false});
  const auto kp = crypto::KeyPair::from_seed(crypto::Seed{12});
  const Bytes msg{1};
  const auto sig = kp.sign(msg);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(v.verify(kp.public_key(), msg, sig));
  EXPECT_FALSE(v.stats().tables_enabled);
  EXPECT_EQ(v.stats().libsodium_verifications, 5u);
  EXPECT_EQ(v.stats().tables, 0u);
}

TEST(Ed25519Verifier, ConcurrentUseGivesLibsodiumsAnswers) {
  TableVerifier v({.max_tables = 16, .promote_after = 2, .tables = true});
  std::vector<crypto::KeyPair> keys;
  for (uint8_t i = 0; i < 40; ++i) keys.push_back(crypto::KeyPair::from_seed(crypto::Seed{i, 2}));
  std::atomic<int> mismatches{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      std::mt19937_64 rng(100 + t);
      for (int i = 0; i < 400; ++i) {
        const auto& kp = keys[rng() % keys.size()];
        const Bytes msg = random_bytes(rng, rng() % 50);
        Signature sig = kp.sign(msg);
        if (rng() % 3 == 0) sig[rng() % 64] ^= static_cast<uint8_t>(1 << (rng() % 8));
        if (v.verify(kp.public_key(), msg, sig) != sodium_ok(kp.public_key(), msg, sig))
          ++mismatches;
      }
    });
  for (auto& th : ts) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_GT(v.stats().table_verifications, 0u);
  EXPECT_LE(v.stats().tables, 16u);
}

TEST(Ed25519Verifier, CryptoVerifyUsesTheSharedVerifier) {
  const auto kp = crypto::KeyPair::from_seed(crypto::Seed{13, 3});
  const Bytes msg{4, 5};
  const auto sig = kp.sign(msg);
  auto& shared = TableVerifier::shared();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(crypto::verify(kp.public_key(), msg, sig));
  if (shared.stats().tables_enabled) {
    EXPECT_NE(shared.table_of(kp.public_key()), nullptr);
  }
  Signature bad = sig;
  bad[0] ^= 4;
  EXPECT_FALSE(crypto::verify(kp.public_key(), msg, bad));
  EXPECT_TRUE(crypto::verify_with_libsodium(kp.public_key(), msg, sig));
}

TEST(Ed25519Group, EncodeBatchEqualsEncode) {
  std::mt19937_64 rng(7);
  std::vector<Point> pts;
  for (int i = 0; i < 37; ++i) {
    const Bytes32 k = random_scalar(rng);
    pts.push_back(scalar_mul_slow(constants().base, k.data()));
  }
  for (const auto& t : torsion_points()) pts.push_back(add(pts[0], t));
  pts.push_back(identity());
  std::vector<std::array<uint8_t, 32>> out(pts.size());
  encode_batch(pts, out.data());
  for (size_t i = 0; i < pts.size(); ++i) EXPECT_EQ(out[i], enc(pts[i])) << i;
  encode_batch({}, nullptr);  // nothing to do
}

TEST(Ed25519Verifier, BatchGivesLibsodiumsAnswers) {
  TableVerifier v({.max_tables = 64, .promote_after = 2, .tables = true});
  std::mt19937_64 rng(8);
  // Keys with tables (hot), keys without (cold), a mixed-order key with a table; valid and
  // mutated signatures in one batch.
  std::vector<crypto::KeyPair> keys;
  for (uint8_t i = 0; i < 6; ++i) keys.push_back(crypto::KeyPair::from_seed(crypto::Seed{i, 9}));
  const Bytes warm{1};
  for (size_t i = 0; i < 3; ++i)
    for (int k = 0; k < 2; ++k) v.verify(keys[i].public_key(), warm, keys[i].sign(warm));
  struct Item {
    PublicKey pk;
    Bytes msg;
    Signature sig;
  };
  std::vector<Item> items;
  for (int i = 0; i < 120; ++i) {
    const auto& kp = keys[rng() % keys.size()];
    Item it{kp.public_key(), random_bytes(rng, rng() % 200), {}};
    it.sig = kp.sign(it.msg);
    if (rng() % 3 == 0) it.sig[rng() % 64] ^= static_cast<uint8_t>(1 << (rng() % 8));
    items.push_back(std::move(it));
  }
  const Bytes32 a = random_scalar(rng);
  const PublicKey mixed =
      test_support::add_torsion(test_support::public_of(a), torsion_points()[3]);
  for (int i = 0; i < 64; ++i) {
    Item it{mixed, random_bytes(rng, 30), {}};
    it.sig = sign_with_scalar(a, mixed, it.msg, rng);
    items.push_back(std::move(it));
  }
  std::vector<crypto::VerifyRequest> reqs;
  for (const auto& it : items) reqs.push_back({&it.pk, it.msg, &it.sig});
  for (int round = 0; round < 2; ++round) {  // the second round with more tables
    const auto got = v.verify_batch(reqs);
    ASSERT_EQ(got.size(), items.size());
    for (size_t i = 0; i < items.size(); ++i)
      EXPECT_EQ(got[i], sodium_ok(items[i].pk, items[i].msg, items[i].sig)) << round << "/" << i;
    if (round == 0) {
      EXPECT_NE(v.table_of(mixed), nullptr) << "the mixed-order key was promoted";
    }
  }
  EXPECT_GT(v.stats().table_verifications, 100u);
  EXPECT_TRUE(v.verify_batch({}).empty());
}
