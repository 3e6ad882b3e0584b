#include "crypto/ed25519/testing.h"

#include <sodium.h>

#include <cstdlib>

namespace klyn::crypto::ed25519::test_support {

Scalar scalar_from_wide(const uint8_t wide[64]) {
  Scalar s;
  crypto_core_ed25519_scalar_reduce(s.data(), wide);
  return s;
}

PublicKey public_of(const Scalar& a) {
  PublicKey pk{};
  if (crypto_scalarmult_ed25519_base_noclamp(pk.data(), a.data()) != 0) std::abort();
  return pk;
}

std::vector<Point> torsion_points() {
  // y of an order-8 point (on libsodium's small-order blocklist); x even.
  static const uint8_t kOrder8[32] = {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0,
                                      0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
                                      0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39,
                                      0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};
  auto t8 = decode(kOrder8);
  if (!t8) std::abort();
  std::vector<Point> pts{identity()};
  for (int i = 1; i < 8; ++i) pts.push_back(add(pts.back(), *t8));
  return pts;
}

PublicKey add_torsion(const PublicKey& a, const Point& t) {
  uint8_t t_enc[32];
  encode(t_enc, t);
  PublicKey out{};
  if (crypto_core_ed25519_add(out.data(), a.data(), t_enc) != 0) std::abort();
  return out;
}

Signature sign_with_scalar(const Scalar& a, const PublicKey& key, ByteSpan message,
                           const uint8_t nonce[64]) {
  const Scalar r = scalar_from_wide(nonce);
  Signature sig{};
  if (crypto_scalarmult_ed25519_base_noclamp(sig.data(), r.data()) != 0) std::abort();
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  crypto_hash_sha512_update(&st, sig.data(), 32);
  crypto_hash_sha512_update(&st, key.data(), 32);
  crypto_hash_sha512_update(&st, message.data(), message.size());
  uint8_t wide[64];
  crypto_hash_sha512_final(&st, wide);
  const Scalar h = scalar_from_wide(wide);
  Scalar ha;
  crypto_core_ed25519_scalar_mul(ha.data(), h.data(), a.data());
  crypto_core_ed25519_scalar_add(sig.data() + 32, r.data(), ha.data());
  return sig;
}

}  // namespace klyn::crypto::ed25519::test_support
