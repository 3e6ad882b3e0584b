#include "crypto/bls12_381/signature.h"

#include <sodium.h>

#include <vector>

#include "crypto/bls12_381/groups.h"
#include "crypto/bls12_381/hash_to_curve.h"
#include "crypto/bls12_381/pairing.h"

namespace klyn::bls {
namespace {

G2Affine hash_message(ByteSpan message, std::string_view dst) {
  return hash_to_g2(message, as_span(dst)).to_affine_vartime();
}

const G1Affine& neg_g1_generator() {
  static const G1Affine g = (-g1_generator()).to_affine();
  return g;
}

// e(pk, H(m)) == e(G1, sig)  <=>  e(pk, H(m)) * e(-G1, sig) == 1.
bool core_verify(const G1Affine& pk, const G2Affine& hashed, const Signature& sig) {
  PairingInput pairs[2] = {{pk, hashed}, {neg_g1_generator(), sig.point()}};
  return pairing_product_is_one(pairs);
}

// A uniformly random nonzero field element (blinding factor).
Fp random_nonzero_fp() {
  uint8_t buf[48];
  Fp f;
  do {
    randombytes_buf(buf, sizeof(buf));
    buf[0] &= 0x0f;  // < 2^380 < p
  } while (!Fp::from_bytes_be(buf, &f) || f.is_zero());
  sodium_memzero(buf, sizeof(buf));
  return f;
}

// Affine forms of secret-derived points (k * G, k * H(m)). The inversion runs on Z * beta for a
// fresh random beta, so the fast variable-time inversion reveals nothing about Z.
G1Affine to_affine_blinded(const G1Projective& p) {
  Fp beta = random_nonzero_fp();
  Fp zi = (p.z * beta).inverse_vartime() * beta;
  return {p.x * zi, p.y * zi, p.is_identity()};
}

G2Affine to_affine_blinded(const G2Projective& p) {
  Fp beta = random_nonzero_fp();
  Fp inv_norm = (p.z.norm() * beta).inverse_vartime() * beta;
  Fp2 zi{p.z.c0 * inv_norm, -(p.z.c1 * inv_norm)};
  return {p.x * zi, p.y * zi, p.is_identity()};
}

void hmac_sha256(ByteSpan key, std::initializer_list<ByteSpan> parts, uint8_t out[32]) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  for (ByteSpan p : parts) crypto_auth_hmacsha256_update(&st, p.data(), p.size());
  crypto_auth_hmacsha256_final(&st, out);
  sodium_memzero(&st, sizeof(st));
}

}  // namespace

// ---- Signature ------------------------------------------------------------------------------

Result<Signature> Signature::from_bytes(ByteSpan bytes) {
  if (bytes.size() != kSize) return make_error("bad_length", "a signature is 96 bytes");
  auto p = g2_decompress(bytes);
  if (!p) return make_error("bad_encoding", "not a compressed point of G2");
  return Signature(*p);
}

Signature::Signature(const G2Affine& p) : point_(p), bytes_(g2_compress(p)) {}

Signature Signature::from_subgroup_point(const G2Projective& p) {
  return Signature(p.to_affine_vartime());
}

HashedMessage::HashedMessage(ByteSpan message) : point_(hash_message(message, kSignatureDst)) {}

// ---- PublicKey ------------------------------------------------------------------------------

Result<PublicKey> PublicKey::from_bytes(ByteSpan bytes) {
  if (bytes.size() != kSize) return make_error("bad_length", "a public key is 48 bytes");
  auto p = g1_decompress(bytes);
  if (!p) return make_error("bad_encoding", "not a compressed point of G1");
  if (p->infinity) return make_error("identity", "the identity is not a valid public key");
  return PublicKey(*p);
}

PublicKey::PublicKey(const G1Affine& p) : point_(p), bytes_(g1_compress(p)) {}

Result<PublicKey> PublicKey::from_subgroup_point(const G1Projective& p) {
  if (p.is_identity()) return make_error("identity", "the identity is not a valid public key");
  return PublicKey(p.to_affine_vartime());
}

// ---- SecretKey ------------------------------------------------------------------------------

Result<SecretKey> SecretKey::from_bytes(ByteSpan bytes) {
  if (bytes.size() != kSize) return make_error("bad_length", "a secret key is 32 bytes");
  ScalarLimbs k = scalar_from_be32(bytes.data());
  if (!scalar_is_valid_key(k)) {
    sodium_memzero(k.data(), sizeof(k));
    return make_error("bad_key", "a secret key must satisfy 1 <= sk < r");
  }
  SecretKey sk(k);
  sodium_memzero(k.data(), sizeof(k));
  return sk;
}

Result<SecretKey> SecretKey::key_gen(ByteSpan ikm, ByteSpan key_info) {
  if (ikm.size() < 32) return make_error("bad_length", "KeyGen needs at least 32 bytes of IKM");
  constexpr size_t kL = 48;  // ceil(3 * ceil(log2(r)) / 16)
  uint8_t salt[32];
  crypto_hash_sha256(salt, reinterpret_cast<const uint8_t*>("BLS-SIG-KEYGEN-SALT-"), 20);
  const uint8_t zero = 0;
  const uint8_t l_bytes[2] = {0, kL};
  for (;;) {
    // PRK = HKDF-Extract(salt, IKM || I2OSP(0, 1))
    uint8_t prk[32];
    hmac_sha256(ByteSpan(salt, 32), {ikm, ByteSpan(&zero, 1)}, prk);
    // OKM = HKDF-Expand(PRK, key_info || I2OSP(L, 2), L): two HMAC blocks.
    uint8_t okm[64];
    const uint8_t one = 1, two = 2;
    hmac_sha256(ByteSpan(prk, 32), {key_info, ByteSpan(l_bytes, 2), ByteSpan(&one, 1)}, okm);
    hmac_sha256(ByteSpan(prk, 32),
                {ByteSpan(okm, 32), key_info, ByteSpan(l_bytes, 2), ByteSpan(&two, 1)}, okm + 32);
    ScalarLimbs k = scalar_reduce_be(ByteSpan(okm, kL));
    sodium_memzero(prk, sizeof(prk));
    sodium_memzero(okm, sizeof(okm));
    if (k[0] | k[1] | k[2] | k[3]) {
      SecretKey sk(k);
      sodium_memzero(k.data(), sizeof(k));
      return sk;
    }
    crypto_hash_sha256(salt, salt, 32);  // salt = H(salt) and retry (probability ~2^-255)
  }
}

SecretKey::~SecretKey() {
  sodium_memzero(k_.data(), sizeof(k_));
}

std::array<uint8_t, SecretKey::kSize> SecretKey::to_bytes() const {
  std::array<uint8_t, kSize> out;
  scalar_to_be32(k_, out.data());
  return out;
}

PublicKey SecretKey::public_key() const {
  return PublicKey(to_affine_blinded(g1_generator().mul_ct(k_.data(), 4)));
}

Signature SecretKey::sign(ByteSpan message) const {
  G2Projective h = hash_to_g2(message, as_span(kSignatureDst));
  return Signature(to_affine_blinded(g2_mul_secret(h, k_)));
}

Signature SecretKey::sign(const HashedMessage& message) const {
  return Signature(
      to_affine_blinded(g2_mul_secret(G2Projective::from_affine(message.point()), k_)));
}

Signature SecretKey::prove_possession() const {
  auto pk = public_key().to_bytes();
  G2Projective h = hash_to_g2(pk, as_span(kPopDst));
  return Signature(to_affine_blinded(g2_mul_secret(h, k_)));
}

// ---- Verification and aggregation -----------------------------------------------------------

bool verify(const PublicKey& pk, ByteSpan message, const Signature& sig) {
  return core_verify(pk.point(), hash_message(message, kSignatureDst), sig);
}

bool verify(const PublicKey& pk, const HashedMessage& message, const Signature& sig) {
  return core_verify(pk.point(), message.point(), sig);
}

bool pop_verify(const PublicKey& pk, const Signature& proof) {
  auto bytes = pk.to_bytes();
  return core_verify(pk.point(), hash_message(bytes, kPopDst), proof);
}

Result<Signature> aggregate_signatures(std::span<const Signature> sigs) {
  if (sigs.empty()) return make_error("empty_input", "nothing to aggregate");
  G2Projective acc = G2Projective::identity();
  for (const Signature& s : sigs) acc = acc.add_affine(s.point());
  return Signature::from_subgroup_point(acc);
}

Result<PublicKey> aggregate_public_keys(std::span<const PublicKey> pks) {
  if (pks.empty()) return make_error("empty_input", "nothing to aggregate");
  G1Projective acc = G1Projective::identity();
  for (const PublicKey& pk : pks) acc = acc.add_affine(pk.point());
  return PublicKey::from_subgroup_point(acc);
}

bool fast_aggregate_verify(std::span<const PublicKey> pks, ByteSpan message, const Signature& sig) {
  auto agg = aggregate_public_keys(pks);
  if (!agg) return false;
  return verify(*agg, message, sig);
}

bool aggregate_verify(std::span<const PublicKey> pks, std::span<const ByteSpan> messages,
                      const Signature& sig) {
  if (pks.empty() || pks.size() != messages.size()) return false;
  std::vector<PairingInput> pairs;
  pairs.reserve(pks.size() + 1);
  for (size_t i = 0; i < pks.size(); i++) {
    pairs.push_back({pks[i].point(), hash_message(messages[i], kSignatureDst)});
  }
  pairs.push_back({neg_g1_generator(), sig.point()});
  return pairing_product_is_one(pairs);
}

bool batch_verify(std::span<const PublicKey> pks, std::span<const ByteSpan> messages,
                  std::span<const Signature> sigs) {
  if (pks.empty() || messages.size() != pks.size() || sigs.size() != pks.size()) return false;
  std::vector<HashedMessage> hashed;
  hashed.reserve(messages.size());
  for (ByteSpan m : messages) hashed.emplace_back(m);
  return batch_verify(pks, hashed, sigs);
}

bool batch_verify(std::span<const PublicKey> pks, std::span<const HashedMessage> messages,
                  std::span<const Signature> sigs) {
  const size_t n = pks.size();
  if (n == 0 || messages.size() != n || sigs.size() != n) return false;
  if (n == 1) return verify(pks[0], messages[0], sigs[0]);
  // prod e(c_i pk_i, H(m_i)) * e(-G1, sum c_i sig_i) == 1 with random nonzero 64-bit c_i:
  // a set containing an invalid triple passes with probability about 2^-64.
  std::vector<uint64_t> coeffs(n);
  randombytes_buf(coeffs.data(), n * sizeof(uint64_t));
  for (uint64_t& c : coeffs) {
    while (c == 0) randombytes_buf(&c, sizeof(c));
  }
  std::vector<G2Affine> sig_points(n);
  for (size_t i = 0; i < n; i++) sig_points[i] = sigs[i].point();
  G2Projective sig_sum = msm_u64_vartime<Fp2>(sig_points, coeffs);
  std::vector<PairingInput> pairs;
  pairs.reserve(n + 1);
  for (size_t i = 0; i < n; i++) {
    G1Projective scaled = G1Projective::from_affine(pks[i].point()).mul_u64_vartime(coeffs[i]);
    pairs.push_back({scaled.to_affine_vartime(), messages[i].point()});
  }
  pairs.push_back({neg_g1_generator(), sig_sum.to_affine_vartime()});
  return pairing_product_is_one(pairs);
}

}  // namespace klyn::bls
