#include "crypto/bls12_381/fp2.h"

namespace klyn::bls {
namespace {

// (p - 3) / 4, little-endian.
constexpr Fp::Limbs kPMinus3Div4 = {0xee7fbfffffffeaaa, 0x07aaffffac54ffff, 0xd9cc34a83dac3d89,
                                    0xd91dd2e13ce144af, 0x92c6e9ed90d2eb35, 0x0680447a8e5ff9a6};

}  // namespace

Fp2 operator*(const Fp2& a, const Fp2& b) {
#if KLYN_BLS_ADX_ASM
  if (fp_kernels::cpu_has_adx) {
    // As integers: t0 = a0 b0, t1 = a1 b1, t2 = (a0 + a1)(b0 + b1) (operands < 2p). Then
    // c1 = t2 - t0 - t1 = a0 b1 + a1 b0 < 2p^2 and c0 = t0 - t1 (+ p 2^384 if negative)
    // < p 2^384 are valid inputs of the Montgomery reduction.
    fp_kernels::Wide t0, t1, t2;
    fp_kernels::mul_wide_adx(t0, a.c0.raw(), b.c0.raw());
    fp_kernels::mul_wide_adx(t1, a.c1.raw(), b.c1.raw());
    fp_kernels::mul_wide_adx(t2, fp_kernels::add_nr_x86(a.c0.raw(), a.c1.raw()),
                             fp_kernels::add_nr_x86(b.c0.raw(), b.c1.raw()));
    fp_kernels::sub_wide_x86(t2, t0);
    fp_kernels::sub_wide_x86(t2, t1);
    fp_kernels::sub_wide_mod_x86(t0, t1);
    return {Fp::from_raw(fp_kernels::redc_adx(t0)), Fp::from_raw(fp_kernels::redc_adx(t2))};
  }
#endif
  Fp t0 = a.c0 * b.c0;
  Fp t1 = a.c1 * b.c1;
  return {t0 - t1, Fp::sum_for_mul(a.c0, a.c1) * Fp::sum_for_mul(b.c0, b.c1) - (t0 + t1)};
}

Fp2 Fp2::pow_vartime(const uint64_t* e, int limbs) const {
  Fp2 acc = one();
  for (int i = limbs - 1; i >= 0; i--) {
    for (int b = 63; b >= 0; b--) {
      acc = acc.square();
      if ((e[i] >> b) & 1) acc = acc * *this;
    }
  }
  return acc;
}

bool Fp2::sqrt(Fp2* out) const {
  // Work in Fp: with n = c0^2 + c1^2 and s = sqrt(n), one of t = (c0 + s) / 2 and
  // (c0 - s) / 2 is a square. A single exponentiation w = t^((p-3)/4) yields both sqrt(t) = t*w
  // and 1/sqrt(t) = w when t is a square, and sqrt(-1/t) = w otherwise; the second coordinate
  // follows from 2 * x0 * x1 = c1 without another inversion.
  if (c1.is_zero()) {
    Fp r;
    if (c0.sqrt(&r)) {
      *out = {r, Fp::zero()};
      return true;
    }
    if ((-c0).sqrt(&r)) {
      *out = {Fp::zero(), r};
      return true;
    }
    return false;
  }
  Fp s;
  if (!norm().sqrt(&s)) return false;
  return sqrt_given_norm_root(s, out);
}

bool Fp2::sqrt_given_norm_root(const Fp& s, Fp2* out) const {
  if (c1.is_zero()) return sqrt(out);
  static const Fp kHalf = Fp::from_u64(2).inverse();
  Fp t = (c0 + s) * kHalf;
  if (t.is_zero()) t = (c0 - s) * kHalf;
  Fp w = t.pow_vartime(kPMinus3Div4);
  Fp tw = t * w;
  Fp2 cand;
  if (tw * w == Fp::one()) {
    // t is a square: x0 = t*w, x1 = c1 / (2 x0) = c1 * w / 2.
    cand = {tw, c1 * w * kHalf};
  } else {
    // t is not: x0 = c1 * w / 2, x1 = -t * w.
    cand = {c1 * w * kHalf, -tw};
  }
  if (cand.square() != *this) return false;
  *out = cand;
  return true;
}

bool Fp2::sgn0() const {
  bool sign0 = c0.sgn0();
  bool zero0 = c0.is_zero();
  bool sign1 = c1.sgn0();
  return sign0 || (zero0 && sign1);
}

bool Fp2::is_lexicographically_largest() const {
  if (!c1.is_zero()) return c1.is_lexicographically_largest();
  return c0.is_lexicographically_largest();
}

}  // namespace klyn::bls
