#include "crypto/bls12_381/scalar.h"

namespace klyn::bls {
namespace {

using u128 = unsigned __int128;

// a - b over 4 limbs; returns the borrow (1 if a < b).
uint64_t sub4(const ScalarLimbs& a, const ScalarLimbs& b, ScalarLimbs* out) {
  uint64_t borrow = 0;
  for (int i = 0; i < 4; i++) {
    u128 d = u128(a[i]) - b[i] - borrow;
    (*out)[i] = uint64_t(d);
    borrow = uint64_t(d >> 64) & 1;
  }
  return borrow;
}

}  // namespace

ScalarLimbs scalar_from_be32(const uint8_t in[32]) {
  ScalarLimbs s{};
  for (int i = 0; i < 32; i++) s[(31 - i) / 8] |= uint64_t(in[i]) << (8 * ((31 - i) % 8));
  return s;
}

void scalar_to_be32(const ScalarLimbs& s, uint8_t out[32]) {
  for (int i = 0; i < 32; i++) out[i] = uint8_t(s[(31 - i) / 8] >> (8 * ((31 - i) % 8)));
}

uint64_t scalar_is_valid_key(const ScalarLimbs& s) {
  ScalarLimbs tmp;
  uint64_t below_r = sub4(s, kGroupOrder, &tmp);  // 1 iff s < r
  uint64_t any = s[0] | s[1] | s[2] | s[3];
  uint64_t nonzero = (any | (0 - any)) >> 63;
  return below_r & nonzero;
}

ScalarLimbs scalar_reduce_be(std::span<const uint8_t> in) {
  // acc = 2 acc + bit, kept below r by one conditional subtraction per step (acc < r < 2^255,
  // so 2 acc + 1 fits in 256 bits).
  ScalarLimbs acc{};
  for (uint8_t byte : in) {
    for (int b = 7; b >= 0; b--) {
      uint64_t bit = (byte >> b) & 1;
      for (int i = 3; i > 0; i--) acc[i] = (acc[i] << 1) | (acc[i - 1] >> 63);
      acc[0] = (acc[0] << 1) | bit;
      ScalarLimbs t;
      uint64_t borrow = sub4(acc, kGroupOrder, &t);
      uint64_t keep = 0 - borrow;  // keep acc if acc < r
      for (int i = 0; i < 4; i++) acc[i] = (acc[i] & keep) | (t[i] & ~keep);
    }
  }
  return acc;
}

}  // namespace klyn::bls
