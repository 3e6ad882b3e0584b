#pragma once
// GF(p), p = 2^255 - 19, for Ed25519 verification (see ../README.md, "Fast verification").
//
// An element is five 51-bit limbs, value = sum v[i] * 2^(51 i), not necessarily < p. Bounds the
// functions rely on ("loose" = every limb < 2^52):
//   * mul and sq return limbs < 2^51 + 2^13; carry and sub (of inputs below 2^63) return limbs
//     < 2^51 + 19 * 2^13; the constants are carried: all loose;
//   * add of two loose elements gives limbs < 2^53, and (Z + Z) + C (mixed addition) < 1.5 * 2^53:
//     both fine as input of mul/sq, the first also as subtrahend of sub; nothing adds three
//     operands before feeding sub;
//   * mul/sq accept limbs < 2^54; sub accepts a subtrahend with limb 0 <= 2^53 − 76 and the
//     others <= 2^53 − 4.
// Everything here is variable-time in nothing but the data-independent sense: no branch depends
// on a value. Verification handles only public data, so that is a convenience, not a promise.

#include <cstdint>
#include <cstring>

namespace klyn::crypto::ed25519 {

struct Fe {
  uint64_t v[5];
};

namespace fe_detail {
using u128 = unsigned __int128;
inline constexpr uint64_t kMask = (uint64_t{1} << 51) - 1;
}  // namespace fe_detail

inline Fe fe_zero() {
  return Fe{{0, 0, 0, 0, 0}};
}
inline Fe fe_one() {
  return Fe{{1, 0, 0, 0, 0}};
}
inline Fe fe_small(uint64_t x) {  // x < 2^51
  return Fe{{x, 0, 0, 0, 0}};
}

// One carry pass with the 2^255 = 19 wrap: limbs 1..4 < 2^51, limb 0 < 2^51 + 19 * 2^13.
inline Fe fe_carry(Fe h) {
  using namespace fe_detail;
  uint64_t c;
  c = h.v[0] >> 51;
  h.v[0] &= kMask;
  h.v[1] += c;
  c = h.v[1] >> 51;
  h.v[1] &= kMask;
  h.v[2] += c;
  c = h.v[2] >> 51;
  h.v[2] &= kMask;
  h.v[3] += c;
  c = h.v[3] >> 51;
  h.v[3] &= kMask;
  h.v[4] += c;
  c = h.v[4] >> 51;
  h.v[4] &= kMask;
  h.v[0] += 19 * c;
  return h;
}

inline Fe fe_add(const Fe& f, const Fe& g) {
  return Fe{{f.v[0] + g.v[0], f.v[1] + g.v[1], f.v[2] + g.v[2], f.v[3] + g.v[3], f.v[4] + g.v[4]}};
}

// f - g as f + 4p - g, then one carry pass. g's limbs must be <= 4p's (2^53 - 76 for limb 0,
// 2^53 - 4 for the others).
inline Fe fe_sub(const Fe& f, const Fe& g) {
  constexpr uint64_t k4p0 = (uint64_t{1} << 53) - 76;
  constexpr uint64_t k4pi = (uint64_t{1} << 53) - 4;
  return fe_carry(Fe{{f.v[0] + k4p0 - g.v[0], f.v[1] + k4pi - g.v[1], f.v[2] + k4pi - g.v[2],
                      f.v[3] + k4pi - g.v[3], f.v[4] + k4pi - g.v[4]}});
}

inline Fe fe_neg(const Fe& f) {
  return fe_sub(fe_zero(), f);
}

namespace fe_detail {
// Reduces the five 128-bit column sums of a product to loose limbs.
inline Fe reduce_columns(u128 r0, u128 r1, u128 r2, u128 r3, u128 r4) {
  Fe h;
  r1 += static_cast<uint64_t>(r0 >> 51);
  h.v[0] = static_cast<uint64_t>(r0) & kMask;
  r2 += static_cast<uint64_t>(r1 >> 51);
  h.v[1] = static_cast<uint64_t>(r1) & kMask;
  r3 += static_cast<uint64_t>(r2 >> 51);
  h.v[2] = static_cast<uint64_t>(r2) & kMask;
  r4 += static_cast<uint64_t>(r3 >> 51);
  h.v[3] = static_cast<uint64_t>(r3) & kMask;
  // r4 has no 19-multiplied terms: with limbs < 2^54 it is < 5 * 2^108 + 2^64, so
  // c < 5 * 2^57 + 2^13 and 19 c < 2^63.6 fits in 64 bits.
  const uint64_t c = static_cast<uint64_t>(r4 >> 51);
  h.v[4] = static_cast<uint64_t>(r4) & kMask;
  h.v[0] += 19 * c;
  h.v[1] += h.v[0] >> 51;
  h.v[0] &= kMask;
  return h;
}
}  // namespace fe_detail

inline Fe fe_mul(const Fe& f, const Fe& g) {
  using namespace fe_detail;
  const uint64_t f0 = f.v[0], f1 = f.v[1], f2 = f.v[2], f3 = f.v[3], f4 = f.v[4];
  const uint64_t g0 = g.v[0], g1 = g.v[1], g2 = g.v[2], g3 = g.v[3], g4 = g.v[4];
  const uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;
  const u128 r0 =
      u128(f0) * g0 + u128(f1) * g4_19 + u128(f2) * g3_19 + u128(f3) * g2_19 + u128(f4) * g1_19;
  const u128 r1 =
      u128(f0) * g1 + u128(f1) * g0 + u128(f2) * g4_19 + u128(f3) * g3_19 + u128(f4) * g2_19;
  const u128 r2 =
      u128(f0) * g2 + u128(f1) * g1 + u128(f2) * g0 + u128(f3) * g4_19 + u128(f4) * g3_19;
  const u128 r3 = u128(f0) * g3 + u128(f1) * g2 + u128(f2) * g1 + u128(f3) * g0 + u128(f4) * g4_19;
  const u128 r4 = u128(f0) * g4 + u128(f1) * g3 + u128(f2) * g2 + u128(f3) * g1 + u128(f4) * g0;
  return reduce_columns(r0, r1, r2, r3, r4);
}

inline Fe fe_sq(const Fe& f) {
  using namespace fe_detail;
  const uint64_t f0 = f.v[0], f1 = f.v[1], f2 = f.v[2], f3 = f.v[3], f4 = f.v[4];
  const uint64_t f0_2 = 2 * f0, f1_2 = 2 * f1;
  const uint64_t f1_38 = 38 * f1, f2_38 = 38 * f2, f3_38 = 38 * f3;
  const uint64_t f3_19 = 19 * f3, f4_19 = 19 * f4;
  const u128 r0 = u128(f0) * f0 + u128(f1_38) * f4 + u128(f2_38) * f3;
  const u128 r1 = u128(f0_2) * f1 + u128(f2_38) * f4 + u128(f3_19) * f3;
  const u128 r2 = u128(f0_2) * f2 + u128(f1) * f1 + u128(f3_38) * f4;
  const u128 r3 = u128(f0_2) * f3 + u128(f1_2) * f2 + u128(f4_19) * f4;
  const u128 r4 = u128(f0_2) * f4 + u128(f1_2) * f3 + u128(f2) * f2;
  return reduce_columns(r0, r1, r2, r3, r4);
}

// f^(2^n).
inline Fe fe_sq_n(Fe f, int n) {
  for (int i = 0; i < n; ++i) f = fe_sq(f);
  return f;
}

namespace fe_detail {
// The shared part of the two exponentiation chains: returns z^(2^250 - 1), and z^11 in *z11.
inline Fe pow_2_250_minus_1(const Fe& z, Fe* z11) {
  const Fe z2 = fe_sq(z);
  const Fe z9 = fe_mul(fe_sq_n(z2, 2), z);
  *z11 = fe_mul(z9, z2);
  const Fe z_5_0 = fe_mul(fe_sq(*z11), z9);  // z^(2^5 - 1)
  const Fe z_10_0 = fe_mul(fe_sq_n(z_5_0, 5), z_5_0);
  const Fe z_20_0 = fe_mul(fe_sq_n(z_10_0, 10), z_10_0);
  const Fe z_40_0 = fe_mul(fe_sq_n(z_20_0, 20), z_20_0);
  const Fe z_50_0 = fe_mul(fe_sq_n(z_40_0, 10), z_10_0);
  const Fe z_100_0 = fe_mul(fe_sq_n(z_50_0, 50), z_50_0);
  const Fe z_200_0 = fe_mul(fe_sq_n(z_100_0, 100), z_100_0);
  return fe_mul(fe_sq_n(z_200_0, 50), z_50_0);  // z^(2^250 - 1)
}
}  // namespace fe_detail

// z^(p - 2) = z^(2^255 - 21): the inverse of z (0 for z = 0).
inline Fe fe_invert(const Fe& z) {
  Fe z11;
  const Fe t = fe_detail::pow_2_250_minus_1(z, &z11);
  return fe_mul(fe_sq_n(t, 5), z11);
}

// z^((p - 5) / 8) = z^(2^252 - 3), the core of the square root.
inline Fe fe_pow22523(const Fe& z) {
  Fe z11;
  const Fe t = fe_detail::pow_2_250_minus_1(z, &z11);
  return fe_mul(fe_sq_n(t, 2), z);
}

// The canonical 32-byte little-endian encoding (value mod p, < p; bit 255 clear).
inline void fe_tobytes(uint8_t out[32], const Fe& f) {
  using namespace fe_detail;
  Fe h = fe_carry(fe_carry(f));  // every limb < 2^51 now (value < 2^255 < 2p)
  // q = 1 iff h >= p, computed as the carry out of bit 255 of h + 19.
  uint64_t q = (h.v[0] + 19) >> 51;
  q = (h.v[1] + q) >> 51;
  q = (h.v[2] + q) >> 51;
  q = (h.v[3] + q) >> 51;
  q = (h.v[4] + q) >> 51;
  h.v[0] += 19 * q;
  h.v[1] += h.v[0] >> 51;
  h.v[0] &= kMask;
  h.v[2] += h.v[1] >> 51;
  h.v[1] &= kMask;
  h.v[3] += h.v[2] >> 51;
  h.v[2] &= kMask;
  h.v[4] += h.v[3] >> 51;
  h.v[3] &= kMask;
  h.v[4] &= kMask;  // drops q * 2^255
  const uint64_t w0 = h.v[0] | (h.v[1] << 51);
  const uint64_t w1 = (h.v[1] >> 13) | (h.v[2] << 38);
  const uint64_t w2 = (h.v[2] >> 26) | (h.v[3] << 25);
  const uint64_t w3 = (h.v[3] >> 39) | (h.v[4] << 12);
  const uint64_t w[4] = {w0, w1, w2, w3};
  for (int i = 0; i < 4; ++i)
    for (int b = 0; b < 8; ++b) out[8 * i + b] = static_cast<uint8_t>(w[i] >> (8 * b));
}

// The low 255 bits of 32 little-endian bytes (bit 255 ignored; values >= p are kept as they are,
// they are valid representations of value mod p).
inline Fe fe_frombytes(const uint8_t in[32]) {
  using namespace fe_detail;
  uint64_t w[4];
  for (int i = 0; i < 4; ++i) {
    w[i] = 0;
    for (int b = 0; b < 8; ++b) w[i] |= static_cast<uint64_t>(in[8 * i + b]) << (8 * b);
  }
  return Fe{{w[0] & kMask, ((w[0] >> 51) | (w[1] << 13)) & kMask,
             ((w[1] >> 38) | (w[2] << 26)) & kMask, ((w[2] >> 25) | (w[3] << 39)) & kMask,
             (w[3] >> 12) & kMask}};
}

inline bool fe_is_zero(const Fe& f) {
  uint8_t s[32];
  fe_tobytes(s, f);
  uint8_t acc = 0;
  for (uint8_t b : s) acc |= b;
  return acc == 0;
}

inline bool fe_equal(const Fe& f, const Fe& g) {
  return fe_is_zero(fe_sub(f, g));
}

// The "sign" of x in Ed25519 encodings: the low bit of its canonical form.
inline bool fe_is_negative(const Fe& f) {
  uint8_t s[32];
  fe_tobytes(s, f);
  return (s[0] & 1) != 0;
}

}  // namespace klyn::crypto::ed25519
