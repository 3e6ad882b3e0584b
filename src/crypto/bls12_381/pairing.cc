#include "crypto/bls12_381/pairing.h"

#include <vector>

#include "crypto/bls12_381/groups.h"

namespace klyn::bls {
namespace {

// Lines are scaled by factors in proper subfields of Fp12 (killed by the final exponentiation):
// for the untwisted line l = yP w^3 - lambda xP w^2 + (lambda x_T - y_T), the Fp12 element is
// a + b w^2 + c w^3 with a in Fp2, b = b' * xP, c = c' * yP.
struct Line {
  Fp2 a, b, c;
};

// T <- 2T, returning the tangent line at T evaluated at P (xp_neg = -xP).
Line doubling_step(G2Projective* t, const Fp& xp_neg, const Fp& yp) {
  const Fp2& x = t->x;
  const Fp2& y = t->y;
  const Fp2& z = t->z;
  Fp2 a = (x * y).half();
  Fp2 b = y.square();
  Fp2 c = z.square();
  Fp2 e = mul_by_3b(c);
  Fp2 f = e + e + e;
  Fp2 g = (b + f).half();
  Fp2 h = (y + z).square() - (b + c);
  Fp2 x_sq = x.square();
  Line l{b - e, (x_sq + x_sq + x_sq) * xp_neg, h * yp};
  Fp2 e_sq = e.square();
  *t = {a * (b - f), g.square() - (e_sq + e_sq + e_sq), b * h};
  return l;
}

// T <- T + Q, returning the line through T and Q evaluated at P.
Line addition_step(G2Projective* t, const G2Affine& q, const Fp& xp_neg, const Fp& yp) {
  Fp2 theta = t->y - q.y * t->z;
  Fp2 lambda = t->x - q.x * t->z;
  Fp2 c = theta.square();
  Fp2 d = lambda.square();
  Fp2 e = lambda * d;
  Fp2 f = t->z * c;
  Fp2 g = t->x * d;
  Fp2 h = e + f - (g + g);
  Line l{theta * q.x - lambda * q.y, theta * xp_neg, lambda * yp};
  *t = {lambda * h, theta * (g - h) - t->y * e, t->z * e};
  return l;
}

Fp12 cyclotomic_pow_vartime(const Fp12& f, uint64_t e) {
  Fp12 acc = Fp12::one();
  bool started = false;
  for (int i = 63; i >= 0; i--) {
    if (started) acc = acc.cyclotomic_square();
    if ((e >> i) & 1) {
      acc = started ? acc * f : f;
      started = true;
    }
  }
  return acc;
}

// f^e with a sliding window over odd powers (for the dense exponent of the final
// exponentiation; f in the cyclotomic subgroup).
Fp12 cyclotomic_pow_window_vartime(const Fp12& f, uint64_t e) {
  Fp12 odd[8];
  odd[0] = f;
  Fp12 f2 = f.cyclotomic_square();
  for (int i = 1; i < 8; i++) odd[i] = odd[i - 1] * f2;
  Fp12 acc = Fp12::one();
  bool started = false;
  int i = 63;
  while (i >= 0) {
    if (!((e >> i) & 1)) {
      if (started) acc = acc.cyclotomic_square();
      i--;
      continue;
    }
    int j = i - 3 < 0 ? 0 : i - 3;
    while (!((e >> j) & 1)) j++;
    unsigned val = unsigned((e >> j) & ((uint64_t(1) << (i - j + 1)) - 1));
    if (started) {
      for (int k = i; k >= j; k--) acc = acc.cyclotomic_square();
      acc = acc * odd[val >> 1];
    } else {
      acc = odd[val >> 1];
      started = true;
    }
    i = j - 1;
  }
  return acc;
}

// f^x for the negative curve parameter x (f in the cyclotomic subgroup).
Fp12 pow_by_x(const Fp12& f) {
  return cyclotomic_pow_vartime(f, kCurveXAbs).conjugate();
}

}  // namespace

Fp12 miller_loop(std::span<const PairingInput> pairs) {
  struct State {
    G2Projective t;
    G2Affine q;
    Fp xp_neg, yp;
  };
  std::vector<State> st;
  st.reserve(pairs.size());
  for (const auto& in : pairs) {
    if (in.p.infinity || in.q.infinity) continue;
    st.push_back({G2Projective::from_affine(in.q), in.q, -in.p.x, in.p.y});
  }
  Fp12 f = Fp12::one();
  if (st.empty()) return f;
  bool first = true;
  for (int i = 62; i >= 0; i--) {
    if (!first) f = f.square();
    first = false;
    for (auto& s : st) {
      Line l = doubling_step(&s.t, s.xp_neg, s.yp);
      f = f.mul_by_line(l.a, l.b, l.c);
    }
    if ((kCurveXAbs >> i) & 1) {
      for (auto& s : st) {
        Line l = addition_step(&s.t, s.q, s.xp_neg, s.yp);
        f = f.mul_by_line(l.a, l.b, l.c);
      }
    }
  }
  // x < 0: f_{x,Q} = 1 / f_{|x|,Q} up to factors the final exponentiation removes.
  return f.conjugate();
}

Fp12 final_exponentiation(const Fp12& f) {
  // Easy part: f^((p^6 - 1)(p^2 + 1)); the result lies in the cyclotomic subgroup.
  Fp12 m = f.conjugate() * f.inverse_vartime();
  m = m.frobenius().frobenius() * m;
  // Hard part: (p^4 - p^2 + 1) / r = ((x - 1)^2 / 3) (x + p) (x^2 + p^2 - 1) + 1,
  // where (x - 1) / 3 = -0x460055555555aaab is an integer.
  Fp12 t = cyclotomic_pow_window_vartime(m, 0x460055555555aaab).conjugate();   // m^((x-1)/3)
  t = pow_by_x(t) * t.conjugate();                                             // ^(x - 1)
  Fp12 u = pow_by_x(t) * t.frobenius();                                        // ^(x + p)
  Fp12 v = pow_by_x(pow_by_x(u)) * u.frobenius().frobenius() * u.conjugate();  // ^(x^2+p^2-1)
  return v * m;
}

Fp12 pairing(const G1Affine& p, const G2Affine& q) {
  PairingInput in{p, q};
  return final_exponentiation(miller_loop(std::span<const PairingInput>(&in, 1)));
}

bool pairing_product_is_one(std::span<const PairingInput> pairs) {
  return final_exponentiation(miller_loop(pairs)).is_one();
}

}  // namespace klyn::bls
