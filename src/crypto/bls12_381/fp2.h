#pragma once
// Fp2 = Fp[u] / (u^2 + 1): the field of G2's coordinates.
// Plain value type; every operation is constant time except where named *_vartime.

#include "crypto/bls12_381/fp.h"

namespace klyn::bls {

struct Fp2 {
  Fp c0, c1;  // c0 + c1 * u

  static constexpr Fp2 zero() { return {Fp::zero(), Fp::zero()}; }
  static constexpr Fp2 one() { return {Fp::one(), Fp::zero()}; }
  static constexpr Fp2 from_hex(std::string_view c0, std::string_view c1) {
    return {Fp::from_hex(c0), Fp::from_hex(c1)};
  }

  bool is_zero() const { return c0.is_zero() && c1.is_zero(); }
  bool operator==(const Fp2& o) const { return c0 == o.c0 && c1 == o.c1; }
  bool operator!=(const Fp2& o) const { return !(*this == o); }

  friend Fp2 operator+(const Fp2& a, const Fp2& b) { return {a.c0 + b.c0, a.c1 + b.c1}; }
  friend Fp2 operator-(const Fp2& a, const Fp2& b) { return {a.c0 - b.c0, a.c1 - b.c1}; }
  Fp2 operator-() const { return {-c0, -c1}; }
  // Karatsuba; with the ADX kernels also lazy reduction (three 768-bit products, two Montgomery
  // reductions).
  friend Fp2 operator*(const Fp2& a, const Fp2& b);
  friend Fp2 operator*(const Fp2& a, const Fp& b) { return {a.c0 * b, a.c1 * b}; }
  Fp2& operator+=(const Fp2& o) { return *this = *this + o; }
  Fp2& operator-=(const Fp2& o) { return *this = *this - o; }
  Fp2& operator*=(const Fp2& o) { return *this = *this * o; }

  Fp2 square() const {
    return {Fp::sum_for_mul(c0, c1) * Fp::diff_for_mul(c0, c1), (c0 * c1).dbl()};
  }
  Fp2 dbl() const { return {c0.dbl(), c1.dbl()}; }
  Fp2 half() const { return {c0.half(), c1.half()}; }
  Fp2 conjugate() const { return {c0, -c1}; }
  // Multiply by the sextic non-residue xi = 1 + u.
  Fp2 mul_by_xi() const { return {c0 - c1, c0 + c1}; }
  Fp norm() const { return c0.square() + c1.square(); }
  Fp2 inverse() const {  // 0 maps to 0
    Fp t = norm().inverse();
    return {c0 * t, -(c1 * t)};
  }
  Fp2 inverse_vartime() const {  // public values only
    Fp t = norm().inverse_vartime();
    return {c0 * t, -(c1 * t)};
  }
  Fp2 pow_vartime(const uint64_t* e, int limbs) const;

  // A square root if one exists (variable time in the input; only used on public data).
  bool sqrt(Fp2* out) const;
  // Second half of sqrt when a square root s of norm() is already known (s^2 == norm()).
  bool sqrt_given_norm_root(const Fp& s, Fp2* out) const;
  bool is_square() const { return norm().is_square(); }
  // RFC 9380 sgn0 for m = 2.
  bool sgn0() const;
  // ZCash serialization sign: compare c1 first, c0 if c1 == 0.
  bool is_lexicographically_largest() const;

  static Fp2 select(const Fp2& a, const Fp2& b, uint64_t choice) {
    return {Fp::select(a.c0, b.c0, choice), Fp::select(a.c1, b.c1, choice)};
  }
};

}  // namespace klyn::bls
