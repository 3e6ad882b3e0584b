#pragma once
// The pairing target field: Fp6 = Fp2[v] / (v^3 - xi) with xi = 1 + u, and
// Fp12 = Fp6[w] / (w^2 - v). Plain value types, constant-time arithmetic.

#include "crypto/bls12_381/fp2.h"

namespace klyn::bls {

struct Fp6 {
  Fp2 c0, c1, c2;  // c0 + c1 v + c2 v^2

  static Fp6 zero() { return {Fp2::zero(), Fp2::zero(), Fp2::zero()}; }
  static Fp6 one() { return {Fp2::one(), Fp2::zero(), Fp2::zero()}; }
  bool is_zero() const { return c0.is_zero() && c1.is_zero() && c2.is_zero(); }
  bool operator==(const Fp6& o) const { return c0 == o.c0 && c1 == o.c1 && c2 == o.c2; }

  friend Fp6 operator+(const Fp6& a, const Fp6& b) {
    return {a.c0 + b.c0, a.c1 + b.c1, a.c2 + b.c2};
  }
  friend Fp6 operator-(const Fp6& a, const Fp6& b) {
    return {a.c0 - b.c0, a.c1 - b.c1, a.c2 - b.c2};
  }
  Fp6 operator-() const { return {-c0, -c1, -c2}; }
  friend Fp6 operator*(const Fp6& a, const Fp6& b);
  Fp6 square() const;
  Fp6 inverse_vartime() const;  // variable time: only for public values (pairings)
  // Multiply by v: (c0, c1, c2) -> (xi c2, c0, c1).
  Fp6 mul_by_v() const { return {c2.mul_by_xi(), c0, c1}; }
  // Multiply by the sparse element b0 + b1 v.
  Fp6 mul_by_01(const Fp2& b0, const Fp2& b1) const;
  // Multiply by the sparse element b1 v.
  Fp6 mul_by_1(const Fp2& b1) const { return {(c2 * b1).mul_by_xi(), c0 * b1, c1 * b1}; }
};

struct Fp12 {
  Fp6 c0, c1;  // c0 + c1 w

  static Fp12 one() { return {Fp6::one(), Fp6::zero()}; }
  bool operator==(const Fp12& o) const { return c0 == o.c0 && c1 == o.c1; }
  bool operator!=(const Fp12& o) const { return !(*this == o); }
  bool is_one() const { return *this == one(); }

  friend Fp12 operator*(const Fp12& a, const Fp12& b);
  Fp12 square() const;
  Fp12 inverse_vartime() const;  // variable time: only for public values (pairings)
  // f^(p^6): the inverse for elements of the cyclotomic subgroup.
  Fp12 conjugate() const { return {c0, -c1}; }
  // f^p.
  Fp12 frobenius() const;
  // Multiply by a Miller-loop line a + b w^2 + c w^3 (i.e. c0 = (a, b, 0), c1 = (0, c, 0)).
  Fp12 mul_by_line(const Fp2& a, const Fp2& b, const Fp2& c) const;
  // Squaring for elements of the cyclotomic subgroup (Granger-Scott).
  Fp12 cyclotomic_square() const;

  // The 12 Fp coefficients in the order c0.c0.c0, c0.c0.c1, c0.c1.c0, ..., c1.c2.c1.
  std::array<Fp, 12> coefficients() const;
};

}  // namespace klyn::bls
