#pragma once
// Points of y^2 = x^3 + b over Fp (G1's curve, b = 4) and over Fp2 (G2's curve, the twist with
// b = 4(1 + u)), in homogeneous projective coordinates (x, y) = (X/Z, Y/Z).
//
// Addition and doubling use the complete formulas of Renes-Costello-Batina (a = 0): no special
// cases for equal points, opposite points or the identity (Z = 0), so the same code path runs
// for every input. Plain value type.

#include <cstdint>
#include <span>

#include "crypto/bls12_381/fp2.h"

namespace klyn::bls {

// 3 * b for each curve.
inline Fp mul_by_3b(const Fp& a) {
  Fp t = a + a + a;  // 3a
  t = t + t;         // 6a
  return t + t;      // 12a
}
inline Fp2 mul_by_3b(const Fp2& a) {
  // 12 * (1 + u) * a
  Fp2 t = a.mul_by_xi();
  Fp2 t3 = t + t + t;
  t3 = t3 + t3;
  return t3 + t3;
}
inline Fp curve_b(const Fp*) {
  return Fp::from_u64(4);
}
inline Fp2 curve_b(const Fp2*) {
  return Fp2{Fp::from_u64(4), Fp::from_u64(4)};
}

template <typename F>
struct Affine {
  F x, y;
  bool infinity = true;
};

template <typename F>
struct Projective {
  F x, y, z;

  static Projective identity() { return {F::zero(), F::one(), F::zero()}; }
  static Projective from_affine(const Affine<F>& a) {
    if (a.infinity) return identity();
    return {a.x, a.y, F::one()};
  }
  bool is_identity() const { return z.is_zero(); }

  Affine<F> to_affine() const {
    if (is_identity()) return Affine<F>{F::zero(), F::zero(), true};
    F zi = z.inverse();
    return Affine<F>{x * zi, y * zi, false};
  }

  // Same for points derived from public data only (faster, variable-time inversion).
  Affine<F> to_affine_vartime() const {
    if (is_identity()) return Affine<F>{F::zero(), F::zero(), true};
    F zi = z.inverse_vartime();
    return Affine<F>{x * zi, y * zi, false};
  }

  bool operator==(const Projective& o) const {
    bool a = is_identity(), b = o.is_identity();
    if (a || b) return a == b;
    return x * o.z == o.x * z && y * o.z == o.y * z;
  }

  Projective operator-() const { return {x, -y, z}; }

  bool is_on_curve() const {
    // Y^2 Z = X^3 + b Z^3
    F lhs = y.square() * z;
    F rhs = x.square() * x + curve_b(static_cast<const F*>(nullptr)) * z.square() * z;
    return lhs == rhs;
  }

  Projective dbl() const {
    F t0 = y.square();
    F z3 = t0 + t0;
    z3 = z3 + z3;
    z3 = z3 + z3;
    F t1 = y * z;
    F t2 = z.square();
    t2 = mul_by_3b(t2);
    F x3 = t2 * z3;
    F y3 = t0 + t2;
    z3 = t1 * z3;
    t1 = t2 + t2;
    t2 = t1 + t2;
    t0 = t0 - t2;
    y3 = t0 * y3;
    y3 = x3 + y3;
    t1 = x * y;
    x3 = t0 * t1;
    x3 = x3 + x3;
    return {x3, y3, z3};
  }

  friend Projective operator+(const Projective& p, const Projective& q) {
    F t0 = p.x * q.x;
    F t1 = p.y * q.y;
    F t2 = p.z * q.z;
    F t3 = (p.x + p.y) * (q.x + q.y);
    F t4 = t0 + t1;
    t3 = t3 - t4;
    t4 = (p.y + p.z) * (q.y + q.z);
    F x3 = t1 + t2;
    t4 = t4 - x3;
    x3 = (p.x + p.z) * (q.x + q.z);
    F y3 = t0 + t2;
    y3 = x3 - y3;
    x3 = t0 + t0;
    t0 = x3 + t0;
    t2 = mul_by_3b(t2);
    F z3 = t1 + t2;
    t1 = t1 - t2;
    y3 = mul_by_3b(y3);
    x3 = t4 * y3;
    t2 = t3 * t1;
    x3 = t2 - x3;
    y3 = y3 * t0;
    t1 = t1 * z3;
    y3 = t1 + y3;
    t0 = t0 * t3;
    z3 = z3 * t4;
    z3 = z3 + t0;
    return {x3, y3, z3};
  }

  // p + q for an affine q that is not the identity (mixed addition, still complete in p).
  Projective add_affine(const Affine<F>& q) const {
    if (q.infinity) return *this;
    F t0 = x * q.x;
    F t1 = y * q.y;
    F t3 = (q.x + q.y) * (x + y);
    F t4 = t0 + t1;
    t3 = t3 - t4;
    t4 = q.y * z + y;
    F y3 = q.x * z + x;
    F x3 = t0 + t0;
    t0 = x3 + t0;
    F t2 = mul_by_3b(z);
    F z3 = t1 + t2;
    t1 = t1 - t2;
    y3 = mul_by_3b(y3);
    x3 = t4 * y3;
    t2 = t3 * t1;
    x3 = t2 - x3;
    y3 = y3 * t0;
    t1 = t1 * z3;
    y3 = t1 + y3;
    t0 = t0 * t3;
    z3 = z3 * t4;
    z3 = z3 + t0;
    return {x3, y3, z3};
  }

  static Projective select(const Projective& a, const Projective& b, uint64_t choice) {
    return {F::select(a.x, b.x, choice), F::select(a.y, b.y, choice), F::select(a.z, b.z, choice)};
  }

  // [k] P for a 64-bit public scalar (variable time). Runs in Jacobian coordinates, whose
  // doubling is much cheaper than the complete formula; exceptional cases are handled.
  Projective mul_u64_vartime(uint64_t k) const;

  // [k] P for a secret scalar given as little-endian 64-bit limbs: fixed 4-bit windows with a
  // constant-time table lookup, so timing depends only on the number of limbs.
  Projective mul_ct(const uint64_t* k, int limbs) const {
    Projective table[16];
    table[0] = identity();
    table[1] = *this;
    for (int i = 2; i < 16; i++)
      table[i] = (i % 2 == 0) ? table[i / 2].dbl() : table[i - 1] + *this;
    Projective acc = identity();
    for (int i = limbs - 1; i >= 0; i--) {
      for (int nib = 15; nib >= 0; nib--) {
        acc = acc.dbl().dbl().dbl().dbl();
        unsigned d = unsigned(k[i] >> (4 * nib)) & 15;
        Projective pick = table[0];
        for (unsigned j = 1; j < 16; j++) pick = select(pick, table[j], uint64_t(j == d));
        acc = acc + pick;
      }
    }
    return acc;
  }
};

// 1 if a == 0, else 0, without branches.
inline uint64_t ct_is_zero(const Fp& a) {
  uint64_t acc = 0;
  for (uint64_t limb : a.raw()) acc |= limb;
  return ((acc | (0 - acc)) >> 63) ^ 1;
}
inline uint64_t ct_is_zero(const Fp2& a) {
  return ct_is_zero(a.c0) & ct_is_zero(a.c1);
}

// Jacobian coordinates (x, y) = (X/Z^2, Y/Z^3): cheaper doubling than the complete projective
// formulas. `add_affine_vartime` branches on exceptional cases (public data only); `add_affine_ct`
// is the constant-time mixed addition used for secret scalars.
template <typename F>
struct Jacobian {
  F x, y, z;

  static Jacobian from_projective(const Projective<F>& p) {
    // (X : Y : Z) homogeneous -> (X Z : Y Z^2 : Z) Jacobian.
    F z2 = p.z.square();
    return {p.x * p.z, p.y * z2, p.z};
  }
  Projective<F> to_projective() const {
    // (X : Y : Z) Jacobian -> (X Z : Y : Z^3) homogeneous.
    return {x * z, y, z.square() * z};
  }
  bool is_identity() const { return z.is_zero(); }

  Jacobian dbl() const {
    // dbl-2009-l (a = 0): 1M + 5S.
    F a = x.square();
    F b = y.square();
    F c = b.square();
    F d = (x + b).square() - a - c;
    d = d + d;
    F e = a + a + a;
    F f = e.square();
    F x3 = f - (d + d);
    F c8 = c + c;
    c8 = c8 + c8;
    c8 = c8 + c8;
    F y3 = e * (d - x3) - c8;
    F z3 = y * z;
    return {x3, y3, z3 + z3};
  }

  // this + (x2, y2) for an affine point that is not the identity, in constant time and without
  // exceptions: one formula for the chord (madd) and the tangent (doubling), whose slope
  // numerator / denominator (R / H versus 3 X1^2 / 2 Y1) are selected branch-free, and a final
  // selection when this is the identity. 7M + 5S. Neither the doubling nor this formula uses the
  // curve constant b, so they also work on the isomorphic curve y^2 = x^3 + b w^6 (points with a
  // common Jacobian Z = w, treated as affine).
  Jacobian add_affine_ct(const F& x2, const F& y2) const {
    F z1z1 = z.square();
    F u2 = x2 * z1z1;
    F s2 = y2 * z * z1z1;
    F h = u2 - x;
    F r = s2 - y;
    const uint64_t self_identity = ct_is_zero(z);
    const uint64_t doubling = ct_is_zero(h) & ct_is_zero(r) & (self_identity ^ 1);
    F xx = x.square();
    F hd = F::select(h, y + y, doubling);         // 2 Y1 for the tangent
    F rd = F::select(r, xx + xx + xx, doubling);  // 3 X1^2 for the tangent
    // The madd-2007-bl shape (the result scaled by 2 so that Z3 = 2 Z1 hd comes from a square):
    // X3 = rr^2 - J - 2V, Y3 = rr (V - X3) - 2 Y1 J with rr = 2 rd, I = 4 hd^2, J = hd I,
    // V = X1 I. The tangent has no J term in X3 (there H = 0: the x-coordinates are equal).
    F hh = hd.square();
    F i = hh + hh;
    i = i + i;
    F j = hd * i;
    F rr = rd + rd;
    F v = x * i;
    F x3 = rr.square() - (v + v) - F::select(j, F::zero(), doubling);
    F yj = y * j;
    F y3 = rr * (v - x3) - (yj + yj);
    F z3 = (z + hd).square() - z1z1 - hh;
    Jacobian out{x3, y3, z3};
    Jacobian q{x2, y2, F::one()};
    return select(out, q, self_identity);
  }

  static Jacobian select(const Jacobian& a, const Jacobian& b, uint64_t choice) {
    return {F::select(a.x, b.x, choice), F::select(a.y, b.y, choice), F::select(a.z, b.z, choice)};
  }

  // madd-2007-bl (7M + 4S): this + (x2, y2) for an affine point that is not the identity, with
  // the exceptional cases handled by branches (public data only). Like the doubling it does not
  // use b (see add_affine_ct).
  Jacobian add_affine_vartime(const F& x2, const F& y2) const {
    if (is_identity()) return {x2, y2, F::one()};
    F z1z1 = z.square();
    F u2 = x2 * z1z1;
    F s2 = y2 * z * z1z1;
    F h = u2 - x;
    F rr = s2 - y;
    if (h.is_zero()) {
      if (rr.is_zero()) return dbl();
      return {F::one(), F::one(), F::zero()};
    }
    F hh = h.square();
    F i = hh + hh;
    i = i + i;
    F j = h * i;
    rr = rr + rr;
    F v = x * i;
    F x3 = rr.square() - j - (v + v);
    F yj = y * j;
    F y3 = rr * (v - x3) - (yj + yj);
    F z3 = (z + h).square() - z1z1 - hh;
    return {x3, y3, z3};
  }
};

template <typename F>
Projective<F> Projective<F>::mul_u64_vartime(uint64_t k) const {
  if (k == 0 || is_identity()) return identity();
  // The base in Jacobian coordinates (X, Y, w) is the affine point (X, Y) of the isomorphic curve
  // y^2 = x^3 + b w^6; doubling and mixed addition do not use b, so the chain runs there with
  // the cheaper mixed addition and the result's Z is multiplied by w at the end.
  const Jacobian<F> base = Jacobian<F>::from_projective(*this);
  Jacobian<F> acc{base.x, base.y, F::one()};
  int top = 63 - __builtin_clzll(k);
  for (int i = top - 1; i >= 0; i--) {
    acc = acc.dbl();
    if ((k >> i) & 1) acc = acc.add_affine_vartime(base.x, base.y);
  }
  if (acc.is_identity()) return identity();
  acc.z = acc.z * base.z;
  return acc.to_projective();
}

// sum [k_i] P_i for 64-bit public scalars (Straus interleaving: one shared chain of doublings).
template <typename F>
Projective<F> msm_u64_vartime(std::span<const Affine<F>> points, std::span<const uint64_t> k) {
  Projective<F> acc = Projective<F>::identity();
  for (int b = 63; b >= 0; b--) {
    acc = acc.dbl();
    for (size_t i = 0; i < points.size(); i++) {
      if ((k[i] >> b) & 1) acc = acc.add_affine(points[i]);
    }
  }
  return acc;
}

using G1Affine = Affine<Fp>;
using G2Affine = Affine<Fp2>;
using G1Projective = Projective<Fp>;
using G2Projective = Projective<Fp2>;

}  // namespace klyn::bls
