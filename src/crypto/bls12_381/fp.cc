#include "crypto/bls12_381/fp.h"

#include <algorithm>

namespace klyn::bls {
namespace {

// Exponents used by inversion, square roots and the Legendre symbol (little-endian limbs).
constexpr Fp::Limbs kPMinus2 = {0xb9feffffffffaaa9, 0x1eabfffeb153ffff, 0x6730d2a0f6b0f624,
                                0x64774b84f38512bf, 0x4b1ba7b6434bacd7, 0x1a0111ea397fe69a};
// (p + 1) / 4
constexpr Fp::Limbs kPPlus1Div4 = {0xee7fbfffffffeaab, 0x07aaffffac54ffff, 0xd9cc34a83dac3d89,
                                   0xd91dd2e13ce144af, 0x92c6e9ed90d2eb35, 0x0680447a8e5ff9a6};
// (p - 1) / 2
constexpr Fp::Limbs kPMinus1Div2 = {0xdcff7fffffffd555, 0x0f55ffff58a9ffff, 0xb39869507b587b12,
                                    0xb23ba5c279c2895f, 0x258dd3db21a5d66b, 0x0d0088f51cbff34d};

bool geq_limbs(const Fp::Limbs& a, const Fp::Limbs& b) {
  for (int i = 5; i >= 0; i--) {
    if (a[i] != b[i]) return a[i] > b[i];
  }
  return true;
}

}  // namespace

bool Fp::from_bytes_be(const uint8_t in[48], Fp* out) {
  Limbs v{};
  for (int i = 0; i < 6; i++) {
    uint64_t w = 0;
    for (int j = 0; j < 8; j++) w = (w << 8) | in[(5 - i) * 8 + j];
    v[i] = w;
  }
  if (geq_limbs(v, kModulus)) return false;
  *out = from_canonical(v);
  return true;
}

Fp::Limbs Fp::to_canonical() const {
  return (*this * from_raw({1, 0, 0, 0, 0, 0})).l_;
}

void Fp::to_bytes_be(uint8_t out[48]) const {
  Limbs v = to_canonical();
  for (int i = 0; i < 6; i++) {
    for (int j = 0; j < 8; j++) out[(5 - i) * 8 + j] = uint8_t(v[i] >> (56 - 8 * j));
  }
}

Fp Fp::pow(const Limbs& e) const {
  // Fixed 4-bit windows: the same sequence of operations for every base.
  Fp table[16];
  table[0] = one();
  for (int i = 1; i < 16; i++) table[i] = table[i - 1] * *this;
  Fp acc = one();
  for (int i = 5; i >= 0; i--) {
    for (int nib = 15; nib >= 0; nib--) {
      acc = acc.square().square().square().square();
      unsigned d = unsigned(e[i] >> (4 * nib)) & 15;
      Fp pick = table[0];
      for (unsigned k = 1; k < 16; k++) pick = select(pick, table[k], uint64_t(k == d));
      acc = acc * pick;
    }
  }
  return acc;
}

Fp Fp::pow_vartime(const Limbs& e) const {
  // Sliding window of up to 5 bits over the odd powers a, a^3, ..., a^31.
  Fp odd[16];
  odd[0] = *this;
  Fp sq = square();
  for (int i = 1; i < 16; i++) odd[i] = odd[i - 1] * sq;
  auto bit = [&](int i) { return int((e[i / 64] >> (i % 64)) & 1); };
  int i = 383;
  while (i >= 0 && !bit(i)) i--;
  Fp acc = one();
  bool started = false;
  while (i >= 0) {
    if (!bit(i)) {
      if (started) acc = acc.square();
      i--;
      continue;
    }
    int j = std::max(i - 4, 0);
    while (!bit(j)) j++;  // the window [j, i] starts and ends with a set bit
    int val = 0;
    for (int k = i; k >= j; k--) {
      val = (val << 1) | bit(k);
      if (started) acc = acc.square();
    }
    acc = started ? acc * odd[val >> 1] : odd[val >> 1];
    started = true;
    i = j - 1;
  }
  return acc;
}

Fp Fp::inverse() const {
  return pow(kPMinus2);
}
namespace {

using Int384 = Fp::Limbs;

inline bool is_even(const Int384& a) {
  return (a[0] & 1) == 0;
}
inline bool is_zero_int(const Int384& a) {
  return (a[0] | a[1] | a[2] | a[3] | a[4] | a[5]) == 0;
}
inline void shr1(Int384* a) {
  for (int i = 0; i < 5; i++) (*a)[i] = ((*a)[i] >> 1) | ((*a)[i + 1] << 63);
  (*a)[5] >>= 1;
}
inline void shl1(Int384* a) {  // the values doubled here stay below 2p < 2^382
  for (int i = 5; i > 0; i--) (*a)[i] = ((*a)[i] << 1) | ((*a)[i - 1] >> 63);
  (*a)[0] <<= 1;
}
inline bool greater(const Int384& a, const Int384& b) {
  for (int i = 5; i >= 0; i--) {
    if (a[i] != b[i]) return a[i] > b[i];
  }
  return false;
}
// a -= b (a >= b).
inline void sub_in_place(Int384* a, const Int384& b) {
  uint64_t borrow = 0;
  for (int i = 0; i < 6; i++) {
    u128 d = u128((*a)[i]) - b[i] - borrow;
    (*a)[i] = uint64_t(d);
    borrow = uint64_t(d >> 64) & 1;
  }
}
inline void add_in_place(Int384* a, const Int384& b) {
  uint64_t carry = 0;
  for (int i = 0; i < 6; i++) {
    u128 s = u128((*a)[i]) + b[i] + carry;
    (*a)[i] = uint64_t(s);
    carry = uint64_t(s >> 64);
  }
}

}  // namespace

Fp Fp::inverse_vartime() const {
  // Kaliski's almost Montgomery inverse on the raw representation A = aR: with u = p, v = A,
  // r = 0, s = 1 the loop halves u or v (doubling s or r instead of halving mod p) and ends with
  // p - r = A^-1 2^k mod p, 381 <= k <= 762. Then x = A^-1 2^k times 2^(768 - k) is
  // A^-1 2^768 = a^-1 R.
  if (is_zero()) return zero();
  Int384 u = kModulus, v = l_, r = {}, s = {1, 0, 0, 0, 0, 0};
  int k = 0;
  while (!is_zero_int(v)) {
    if (is_even(u)) {
      shr1(&u);
      shl1(&s);
    } else if (is_even(v)) {
      shr1(&v);
      shl1(&r);
    } else if (greater(u, v)) {
      sub_in_place(&u, v);
      shr1(&u);
      add_in_place(&r, s);
      shl1(&s);
    } else {
      sub_in_place(&v, u);
      shr1(&v);
      add_in_place(&s, r);
      shl1(&r);
    }
    k++;
  }
  if (!greater(kModulus, r)) sub_in_place(&r, kModulus);  // r < 2p before
  Int384 x = kModulus;
  sub_in_place(&x, r);
  // x 2^e for e = 768 - k <= 387: a Montgomery product with 2^(384 + e) = mont(2^768, 2^e), which
  // needs 2^e < p (e <= 380); the few larger e start with doublings.
  Fp out = from_raw(x);
  int e = 768 - k;
  for (; e > 380; e--) out = out + out;
  Limbs pow2{};
  pow2[e / 64] = uint64_t(1) << (e % 64);
  return out * (from_raw(kR2) * from_raw(pow2));
}

bool Fp::sqrt(Fp* out) const {
  Fp r = pow_vartime(kPPlus1Div4);
  if (r.square() != *this) return false;
  *out = r;
  return true;
}

bool Fp::is_square() const {
  Fp l = pow_vartime(kPMinus1Div2);
  return l.is_zero() || l == one();
}

bool Fp::sgn0() const {
  return to_canonical()[0] & 1;
}

bool Fp::is_lexicographically_largest() const {
  Limbs v = to_canonical();
  // v > (p-1)/2  <=>  v >= (p+1)/2 = (p-1)/2 + 1
  for (int i = 5; i >= 0; i--) {
    if (v[i] != kPMinus1Div2[i]) return v[i] > kPMinus1Div2[i];
  }
  return false;
}

}  // namespace klyn::bls

namespace klyn::bls {
#if KLYN_BLS_ADX_ASM
const bool fp_kernels::cpu_has_adx = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("adx");
}();
#endif
}  // namespace klyn::bls
