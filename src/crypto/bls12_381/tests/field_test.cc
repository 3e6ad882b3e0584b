// Algebraic sanity checks of the field tower, the curve formulas and the Miller-loop steps.
#include <gtest/gtest.h>

#include "crypto/bls12_381/fp12.h"
#include "crypto/bls12_381/groups.h"
#include "crypto/bls12_381/hash_to_curve.h"
#include "crypto/bls12_381/pairing.h"

namespace klyn::bls {
namespace {

Fp small(uint64_t v) {
  return Fp::from_u64(v);
}

Fp12 sample_fp12(uint64_t seed) {
  Fp12 f;
  auto coeff = [&](int i) { return small(seed * 1000003 + uint64_t(i) * 7919 + 17).square(); };
  f.c0 = {{coeff(0), coeff(1)}, {coeff(2), coeff(3)}, {coeff(4), coeff(5)}};
  f.c1 = {{coeff(6), coeff(7)}, {coeff(8), coeff(9)}, {coeff(10), coeff(11)}};
  return f;
}

TEST(FieldTest, FpInverseAndSqrt) {
  for (uint64_t v = 1; v < 50; v++) {
    Fp a = small(v).square() + small(3);
    EXPECT_EQ(a * a.inverse(), Fp::one());
    Fp s;
    Fp sq = a.square();
    ASSERT_TRUE(sq.sqrt(&s));
    EXPECT_EQ(s.square(), sq);
  }
  EXPECT_FALSE((-Fp::one()).is_square());  // p = 3 mod 4
}

TEST(FieldTest, Fp2SqrtAndInverse) {
  for (uint64_t v = 1; v < 40; v++) {
    Fp2 a{small(v * 3 + 1), small(v * v + 5)};
    EXPECT_EQ(a * a.inverse(), Fp2::one());
    Fp2 s;
    ASSERT_TRUE(a.square().sqrt(&s));
    EXPECT_EQ(s.square(), a.square());
    Fp2 nr = a.square() * Fp2{small(1), small(1)};  // xi is a non-square
    EXPECT_FALSE(nr.is_square());
    EXPECT_FALSE(nr.sqrt(&s));
  }
  Fp2 s;
  ASSERT_TRUE((Fp2{-Fp::one(), Fp::zero()}).sqrt(&s));
  EXPECT_EQ(s.square(), (Fp2{-Fp::one(), Fp::zero()}));
}

TEST(FieldTest, Fp12InverseFrobeniusCyclotomic) {
  Fp12 f = sample_fp12(3);
  EXPECT_TRUE((f * f.inverse_vartime()).is_one());
  // frobenius^12 is the identity; frobenius is multiplicative.
  Fp12 g = f;
  for (int i = 0; i < 12; i++) g = g.frobenius();
  EXPECT_EQ(g, f);
  Fp12 h = sample_fp12(5);
  EXPECT_EQ((f * h).frobenius(), f.frobenius() * h.frobenius());
  // Map into the cyclotomic subgroup and compare squarings.
  Fp12 m = f.conjugate() * f.inverse_vartime();
  m = m.frobenius().frobenius() * m;
  EXPECT_EQ(m.cyclotomic_square(), m.square());
}

TEST(FieldTest, SparseLineMultiplication) {
  Fp12 f = sample_fp12(7);
  Fp2 a{small(3), small(4)}, b{small(5), small(6)}, c{small(7), small(8)};
  Fp12 line;
  line.c0 = {a, b, Fp2::zero()};
  line.c1 = {Fp2::zero(), c, Fp2::zero()};
  EXPECT_EQ(f.mul_by_line(a, b, c), f * line);
}

TEST(GroupTest, GeneratorsAreValid) {
  EXPECT_TRUE(g1_generator().is_on_curve());
  EXPECT_TRUE(g2_generator().is_on_curve());
  EXPECT_TRUE(g1_in_subgroup(g1_generator()));
  EXPECT_TRUE(g2_in_subgroup(g2_generator()));
  G1Projective g = g1_generator();
  EXPECT_EQ(g + g, g.dbl());
  EXPECT_TRUE((g + (-g)).is_identity());
  EXPECT_EQ(g.add_affine(g.to_affine()), g.dbl());
}

TEST(PairingTest, Bilinearity) {
  G1Projective p = g1_generator();
  G2Projective q = g2_generator();
  Fp12 e = pairing(p.to_affine(), q.to_affine());
  Fp12 e2 = pairing(p.dbl().to_affine(), q.to_affine());
  Fp12 e3 = pairing(p.to_affine(), q.dbl().to_affine());
  EXPECT_EQ(e2, e * e);
  EXPECT_EQ(e3, e * e);
  EXPECT_FALSE(e.is_one());
}

}  // namespace
}  // namespace klyn::bls

namespace klyn::bls {
namespace {

TEST(GroupTest, GlsSecretMultiplicationMatchesWindowedMultiplication) {
  G2Projective p = g2_generator().mul_u64_vartime(0x1234567890abcdefULL);
  const std::array<uint64_t, 4> scalars[] = {
      {1, 0, 0, 0},
      {0xd201000000010000, 0, 0, 0},                                                     // z itself
      {0xffffffff00000000, 0x53bda402fffe5bfe, 0x3339d80809a1d805, 0x73eda753299d7d48},  // r - 1
      {0x0123456789abcdef, 0xfedcba9876543210, 0x0f1e2d3c4b5a6978, 0x1122334455667788},
  };
  for (const auto& k : scalars) {
    EXPECT_EQ(g2_mul_secret(p, k), p.mul_ct(k.data(), 4));
  }
  // Even and odd low digits (the even case takes the final correction), small scalars.
  for (uint64_t v = 2; v < 8; v++) {
    const std::array<uint64_t, 4> k = {v, v * 0x9e3779b97f4a7c15ULL, 0, v};
    EXPECT_EQ(g2_mul_secret(p, k), p.mul_ct(k.data(), 4)) << v;
  }
  EXPECT_TRUE(g2_mul_secret(G2Projective::identity(), scalars[3]).is_identity());
}

// The variable-time 64-bit multiplication (mixed additions on the isomorphic curve) agrees with
// the complete projective formulas, also for points outside G2 (as in cofactor clearing).
TEST(GroupTest, VartimeU64MultiplicationMatchesWindowedMultiplication) {
  G2Projective in_g2 = g2_generator().mul_u64_vartime(99);
  G2Projective off_g2 = map_to_curve_g2(Fp2{Fp::from_u64(5), Fp::from_u64(9)});
  ASSERT_TRUE(off_g2.is_on_curve());
  ASSERT_FALSE(g2_in_subgroup(off_g2));
  for (const G2Projective& p : {in_g2, off_g2, off_g2.dbl()}) {
    for (uint64_t k : {uint64_t(1), uint64_t(2), uint64_t(3), uint64_t(0xff), kCurveXAbs,
                       kCurveXAbs + 1, ~uint64_t(0)}) {
      const uint64_t limbs[1] = {k};
      EXPECT_EQ(p.mul_u64_vartime(k), p.mul_ct(limbs, 1)) << k;
    }
  }
}

// The constant-time mixed addition covers the chord, the tangent (equal points), opposite points
// and the identity as the left operand.
TEST(GroupTest, JacobianConstantTimeMixedAdditionIsComplete) {
  using Jac = Jacobian<Fp2>;
  G2Projective p = g2_generator().mul_u64_vartime(77);
  G2Projective q = g2_generator().mul_u64_vartime(1234567);
  G2Affine qa = q.to_affine();
  G2Affine pa = p.to_affine();
  // A Jacobian p with Z != 1: (X, Y, Z) ~ (X k^2, Y k^3, Z k).
  Jac pj = Jac::from_projective(p.dbl().dbl());
  EXPECT_EQ(pj.add_affine_ct(qa.x, qa.y).to_projective(), p.dbl().dbl() + q);
  G2Affine p4 = p.dbl().dbl().to_affine();
  EXPECT_EQ(pj.add_affine_ct(p4.x, p4.y).to_projective(), p.dbl().dbl().dbl());
  EXPECT_TRUE(pj.add_affine_ct(p4.x, -p4.y).to_projective().is_identity());
  Jac id{Fp2::one(), Fp2::one(), Fp2::zero()};
  EXPECT_EQ(id.add_affine_ct(pa.x, pa.y).to_projective(), p);
  EXPECT_TRUE(id.dbl().is_identity());
}

}  // namespace
}  // namespace klyn::bls

namespace klyn::bls {
namespace {

TEST(FieldTest, UnreducedOperandsMultiplyLikeReducedOnes) {
  const Fp big = -Fp::one();  // p - 1: sums close to 2p
  const Fp vals[] = {Fp::zero(), Fp::one(), big, big - Fp::from_u64(5), Fp::from_u64(7).inverse()};
  for (const Fp& a : vals) {
    for (const Fp& b : vals) {
      for (const Fp& c : {big, Fp::from_u64(3), Fp::from_u64(11).square()}) {
        EXPECT_EQ(Fp::sum_for_mul(a, b) * c, (a + b) * c);
        EXPECT_EQ(Fp::diff_for_mul(a, b) * c, (a - b) * c);
        EXPECT_EQ(Fp::sum_for_mul(a, b) * Fp::diff_for_mul(c, a), (a + b) * (c - a));
      }
    }
  }
}

// Fp2 multiplication (Karatsuba, lazy reduction with ADX) against the schoolbook formula, with
// coordinates at the edges (0, 1, p - 1) where the intermediate differences change sign.
TEST(FieldTest, Fp2MultiplicationMatchesSchoolbook) {
  const Fp big = -Fp::one();
  const Fp vals[] = {Fp::zero(),
                     Fp::one(),
                     big,
                     big - Fp::one(),
                     Fp::from_u64(3).inverse(),
                     Fp::from_u64(0xfedcba9876543210ULL).square()};
  for (const Fp& a0 : vals) {
    for (const Fp& a1 : vals) {
      for (const Fp& b0 : vals) {
        for (const Fp& b1 : vals) {
          Fp2 a{a0, a1}, b{b0, b1};
          Fp2 want{a0 * b0 - a1 * b1, a0 * b1 + a1 * b0};
          EXPECT_EQ(a * b, want);
          EXPECT_EQ(a.square(), (Fp2{a0 * a0 - a1 * a1, (a0 * a1).dbl()}));
        }
      }
    }
  }
}

TEST(FieldTest, HalfIsDivisionByTwo) {
  for (uint64_t v = 0; v < 20; v++) {
    Fp a = Fp::from_u64(v * 7919 + 3).square();
    EXPECT_EQ(a.half() + a.half(), a);
    EXPECT_EQ((-a).half().dbl(), -a);
  }
}

}  // namespace
}  // namespace klyn::bls

namespace klyn::bls {
namespace {

TEST(FieldTest, VariableTimeInverseMatchesConstantTime) {
  Fp a = Fp::from_u64(3);
  for (int i = 0; i < 200; i++) {
    a = a.square() + Fp::from_u64(uint64_t(i));
    EXPECT_EQ(a.inverse_vartime(), a.inverse());
  }
  EXPECT_EQ(Fp::one().inverse_vartime(), Fp::one());
  EXPECT_EQ((-Fp::one()).inverse_vartime(), -Fp::one());
  // Raw representations with short and long Euclid runs (small, power-of-two, near p).
  for (const Fp::Limbs& raw :
       {Fp::Limbs{1, 0, 0, 0, 0, 0}, Fp::Limbs{2, 0, 0, 0, 0, 0}, Fp::Limbs{3, 0, 0, 0, 0, 0},
        Fp::Limbs{0, 0, 0, 0, 0, 1}, Fp::Limbs{0, 0, 0, 0, 0, uint64_t(1) << 60},
        Fp::Limbs{Fp::kModulus[0] - 1, Fp::kModulus[1], Fp::kModulus[2], Fp::kModulus[3],
                  Fp::kModulus[4], Fp::kModulus[5]}}) {
    Fp x = Fp::from_raw(raw);
    EXPECT_EQ(x.inverse_vartime(), x.inverse());
  }
  EXPECT_TRUE(Fp::zero().inverse_vartime().is_zero());
}

}  // namespace
}  // namespace klyn::bls
