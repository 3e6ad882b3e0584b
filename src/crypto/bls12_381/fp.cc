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

using Wide = std::array<uint64_t, 6>;

inline bool is_even(const Wide& a) {
  return (a[0] & 1) == 0;
}
inline bool is_one(const Wide& a) {
  return a[0] == 1 && (a[1] | a[2] | a[3] | a[4] | a[5]) == 0;
}
inline void shr1(Wide* a, uint64_t top) {
  for (int i = 0; i < 5; i++) (*a)[i] = ((*a)[i] >> 1) | ((*a)[i + 1] << 63);
  (*a)[5] = ((*a)[5] >> 1) | (top << 63);
}
// a -= b, returns the borrow.
inline uint64_t sub_in_place(Wide* a, const Wide& b) {
  uint64_t borrow = 0;
  for (int i = 0; i < 6; i++) {
    u128 d = u128((*a)[i]) - b[i] - borrow;
    (*a)[i] = uint64_t(d);
    borrow = uint64_t(d >> 64) & 1;
  }
  return borrow;
}
inline uint64_t add_in_place(Wide* a, const Wide& b) {
  uint64_t carry = 0;
  for (int i = 0; i < 6; i++) {
    u128 s = u128((*a)[i]) + b[i] + carry;
    (*a)[i] = uint64_t(s);
    carry = uint64_t(s >> 64);
  }
  return carry;
}
// x / 2 mod p for x < p.
inline void half_mod_p(Wide* x) {
  uint64_t carry = 0;
  if ((*x)[0] & 1) carry = add_in_place(x, Fp::kModulus);
  shr1(x, carry);
}
// x - y mod p for x, y < p.
inline void sub_mod_p(Wide* x, const Wide& y) {
  if (sub_in_place(x, y)) add_in_place(x, Fp::kModulus);
}

// R^3 mod p: turns the integer inverse of a Montgomery representation back into Montgomery form.
constexpr Fp::Limbs kR3 = {0xed48ac6bd94ca1e0, 0x315f831e03a7adf8, 0x9a53352a615e29dd,
                           0x34c04e5e921e1761, 0x2512d43565724728, 0x0aa6346091755d4d};

}  // namespace

Fp Fp::inverse_vartime() const {
  // Binary extended Euclid on the raw representation A = aR: A^-1 * R^3 / R = a^-1 R.
  if (is_zero()) return zero();
  Wide u = l_, v = kModulus, x1 = {1, 0, 0, 0, 0, 0}, x2 = {};
  while (!is_one(u) && !is_one(v)) {
    while (is_even(u)) {
      shr1(&u, 0);
      half_mod_p(&x1);
    }
    while (is_even(v)) {
      shr1(&v, 0);
      half_mod_p(&x2);
    }
    Wide t = u;
    if (!sub_in_place(&t, v)) {  // u >= v
      u = t;
      sub_mod_p(&x1, x2);
    } else {
      sub_in_place(&v, u);
      sub_mod_p(&x2, x1);
    }
  }
  return from_raw(is_one(u) ? x1 : x2) * from_raw(kR3);
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
