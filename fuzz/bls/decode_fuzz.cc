// libFuzzer target: every BLS12-381 decoder of untrusted bytes.
//
// Invariants checked on every input:
//  * decoders never crash and never accept a non-canonical encoding: whatever decodes
//    re-encodes to exactly the input bytes;
//  * PublicKey accepts exactly the G1 decodings that are not the identity;
//  * Signature accepts exactly the G2 decodings;
//  * a decoded point is on the curve and in the subgroup (checked by re-deriving membership).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "crypto/bls12_381/groups.h"
#include "crypto/bls12_381/signature.h"

using namespace klyn::bls;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);

  auto g1 = g1_decompress(in);
  auto pk = PublicKey::from_bytes(in);
  check(pk.ok() == (g1.has_value() && !g1->infinity));
  if (g1) {
    G1Projective p = G1Projective::from_affine(*g1);
    check(p.is_on_curve() && g1_in_subgroup(p));
    auto enc = g1_compress(p);
    check(size == enc.size() && std::memcmp(enc.data(), data, size) == 0);
  }

  auto g2 = g2_decompress(in);
  auto sig = Signature::from_bytes(in);
  check(sig.ok() == g2.has_value());
  if (g2) {
    G2Projective q = G2Projective::from_affine(*g2);
    check(q.is_on_curve() && g2_in_subgroup(q));
    auto enc = g2_compress(q);
    check(size == enc.size() && std::memcmp(enc.data(), data, size) == 0);
  }

  // Secret keys: 32 bytes in [1, r); a valid key round-trips.
  auto sk = SecretKey::from_bytes(in);
  if (sk.ok()) {
    auto bytes = sk->to_bytes();
    check(size == bytes.size() && std::memcmp(bytes.data(), data, size) == 0);
  }
  return 0;
}
