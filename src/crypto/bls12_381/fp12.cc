#include "crypto/bls12_381/fp12.h"

namespace klyn::bls {

Fp6 operator*(const Fp6& a, const Fp6& b) {
  Fp2 t0 = a.c0 * b.c0;
  Fp2 t1 = a.c1 * b.c1;
  Fp2 t2 = a.c2 * b.c2;
  Fp2 r0 = ((a.c1 + a.c2) * (b.c1 + b.c2) - t1 - t2).mul_by_xi() + t0;
  Fp2 r1 = (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1 + t2.mul_by_xi();
  Fp2 r2 = (a.c0 + a.c2) * (b.c0 + b.c2) - t0 - t2 + t1;
  return {r0, r1, r2};
}

Fp6 Fp6::square() const {
  // Chung-Hasan SQR2.
  Fp2 s0 = c0.square();
  Fp2 s1 = (c0 * c1).dbl();
  Fp2 s2 = (c0 - c1 + c2).square();
  Fp2 s3 = (c1 * c2).dbl();
  Fp2 s4 = c2.square();
  return {s3.mul_by_xi() + s0, s4.mul_by_xi() + s1, s1 + s2 + s3 - s0 - s4};
}

Fp6 Fp6::inverse_vartime() const {
  Fp2 t0 = c0.square() - (c1 * c2).mul_by_xi();
  Fp2 t1 = c2.square().mul_by_xi() - c0 * c1;
  Fp2 t2 = c1.square() - c0 * c2;
  Fp2 d = c0 * t0 + (c2 * t1 + c1 * t2).mul_by_xi();
  Fp2 inv = d.inverse_vartime();
  return {t0 * inv, t1 * inv, t2 * inv};
}

Fp6 Fp6::mul_by_01(const Fp2& b0, const Fp2& b1) const {
  Fp2 a_a = c0 * b0;
  Fp2 b_b = c1 * b1;
  Fp2 r0 = (c2 * b1).mul_by_xi() + a_a;
  Fp2 r1 = (c0 + c1) * (b0 + b1) - a_a - b_b;
  Fp2 r2 = c2 * b0 + b_b;
  return {r0, r1, r2};
}

Fp12 operator*(const Fp12& a, const Fp12& b) {
  Fp6 t0 = a.c0 * b.c0;
  Fp6 t1 = a.c1 * b.c1;
  Fp6 r1 = (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1;
  return {t0 + t1.mul_by_v(), r1};
}

Fp12 Fp12::square() const {
  Fp6 ab = c0 * c1;
  Fp6 r0 = (c0 + c1) * (c0 + c1.mul_by_v()) - ab - ab.mul_by_v();
  return {r0, ab + ab};
}

Fp12 Fp12::inverse_vartime() const {
  Fp6 t = (c0.square() - c1.square().mul_by_v()).inverse_vartime();
  return {c0 * t, -(c1 * t)};
}

namespace {

// gamma[k] = xi^(k (p - 1) / 6): (w^k)^p = gamma[k] * w^k.
const Fp2 kFrobGamma[6] = {
    Fp2::one(),
    Fp2::from_hex("0x1904d3bf02bb0667c231beb4202c0d1f0fd603fd3cbd5f4f7b2443d784bab9c4f67ea53d63e781"
                  "3d8d0775ed92235fb8",
                  "0x00fc3e2b36c4e03288e9e902231f9fb854a14787b6c7b36fec0c8ec971f63c5f282d5ac14d6c7e"
                  "c22cf78a126ddc4af3"),
    Fp2::from_hex("0x0",
                  "0x1a0111ea397fe699ec02408663d4de85aa0d857d89759ad4897d29650fb85f9b409427eb4f49ff"
                  "fd8bfd00000000aaac"),
    Fp2::from_hex("0x06af0e0437ff400b6831e36d6bd17ffe48395dabc2d3435e77f76e17009241c5ee67992f72ec05"
                  "f4c81084fbede3cc09",
                  "0x06af0e0437ff400b6831e36d6bd17ffe48395dabc2d3435e77f76e17009241c5ee67992f72ec05"
                  "f4c81084fbede3cc09"),
    Fp2::from_hex("0x1a0111ea397fe699ec02408663d4de85aa0d857d89759ad4897d29650fb85f9b409427eb4f49ff"
                  "fd8bfd00000000aaad",
                  "0x0"),
    Fp2::from_hex("0x05b2cfd9013a5fd8df47fa6b48b1e045f39816240c0b8fee8beadf4d8e9c0566c63a3e6e257f87"
                  "329b18fae980078116",
                  "0x144e4211384586c16bd3ad4afa99cc9170df3560e77982d0db45f3536814f0bd5871c1908bd478"
                  "cd1ee605167ff82995"),
};

// (a, b) -> (a + b s)^2 in Fp4 = Fp2[s] / (s^2 - xi).
inline void fp4_square(const Fp2& a, const Fp2& b, Fp2* r0, Fp2* r1) {
  Fp2 t0 = a.square();
  Fp2 t1 = b.square();
  *r0 = t1.mul_by_xi() + t0;
  *r1 = (a + b).square() - t0 - t1;
}

}  // namespace

Fp12 Fp12::frobenius() const {
  // Coefficient of w^k: w^0 = c0.c0, w^1 = c1.c0, w^2 = c0.c1, w^3 = c1.c1, w^4 = c0.c2, w^5 =
  // c1.c2.
  Fp12 r;
  r.c0.c0 = c0.c0.conjugate();
  r.c1.c0 = c1.c0.conjugate() * kFrobGamma[1];
  r.c0.c1 = c0.c1.conjugate() * kFrobGamma[2];
  r.c1.c1 = c1.c1.conjugate() * kFrobGamma[3];
  r.c0.c2 = c0.c2.conjugate() * kFrobGamma[4];
  r.c1.c2 = c1.c2.conjugate() * kFrobGamma[5];
  return r;
}

Fp12 Fp12::mul_by_line(const Fp2& a, const Fp2& b, const Fp2& c) const {
  Fp6 t0 = c0.mul_by_01(a, b);
  Fp6 t1 = c1.mul_by_1(c);
  Fp6 r1 = (c0 + c1).mul_by_01(a, b + c) - t0 - t1;
  return {t0 + t1.mul_by_v(), r1};
}

Fp12 Fp12::cyclotomic_square() const {
  // View f as three Fp4 elements (z0, z1), (z2, z3), (z4, z5) and square each.
  Fp2 z0 = c0.c0, z4 = c0.c1, z3 = c0.c2;
  Fp2 z2 = c1.c0, z1 = c1.c1, z5 = c1.c2;
  Fp2 t0, t1, t2, t3;
  fp4_square(z0, z1, &t0, &t1);
  z0 = t0 - z0;
  z0 = z0.dbl() + t0;
  z1 = t1 + z1;
  z1 = z1.dbl() + t1;
  fp4_square(z2, z3, &t0, &t1);
  fp4_square(z4, z5, &t2, &t3);
  z4 = t0 - z4;
  z4 = z4.dbl() + t0;
  z5 = t1 + z5;
  z5 = z5.dbl() + t1;
  t0 = t3.mul_by_xi();
  z2 = t0 + z2;
  z2 = z2.dbl() + t0;
  z3 = t2 - z3;
  z3 = z3.dbl() + t2;
  return {{z0, z4, z3}, {z2, z1, z5}};
}

std::array<Fp, 12> Fp12::coefficients() const {
  return {c0.c0.c0, c0.c0.c1, c0.c1.c0, c0.c1.c1, c0.c2.c0, c0.c2.c1,
          c1.c0.c0, c1.c0.c1, c1.c1.c0, c1.c1.c1, c1.c2.c0, c1.c2.c1};
}

}  // namespace klyn::bls
