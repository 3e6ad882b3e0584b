#pragma once
// The groups G1 (order-r points over Fp) and G2 (order-r points on the twist over Fp2):
// generators, the endomorphisms used for fast membership tests and cofactor clearing, and the
// ZCash compressed encodings. All functions are pure.

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "crypto/bls12_381/point.h"

namespace klyn::bls {

// |x| for the curve parameter x = -0xd201000000010000.
inline constexpr uint64_t kCurveXAbs = 0xd201000000010000;

G1Projective g1_generator();
G2Projective g2_generator();

// [x] P with the (negative) curve parameter x.
G1Projective g1_mul_by_x(const G1Projective& p);
G2Projective g2_mul_by_x(const G2Projective& p);

// psi = untwist-Frobenius-twist on the G2 curve; psi2 = psi o psi.
G2Projective g2_psi(const G2Projective& p);
G2Projective g2_psi2(const G2Projective& p);

// Membership in the order-r subgroup for points already on the curve (Scott's endomorphism
// tests: sigma(P) == [-x^2] P on G1, psi(P) == [x] P on G2). The identity is a member.
bool g1_in_subgroup(const G1Projective& p);
bool g2_in_subgroup(const G2Projective& p);

// Cofactor clearing as in RFC 9380: [1 - x] P on G1, Budroni-Pintore psi method on G2.
G1Projective g1_clear_cofactor(const G1Projective& p);
G2Projective g2_clear_cofactor(const G2Projective& p);

// [k] P for a secret scalar k < r and P in G2, in constant time. Uses the GLS decomposition
// k = d0 + d1 z + d2 z^2 + d3 z^3 with z = |x| (64-bit digits) and [z] P = -psi(P), so only 64
// doublings are needed.
G2Projective g2_mul_secret(const G2Projective& p, const std::array<uint64_t, 4>& k);

// ZCash compressed encodings (48 / 96 bytes; flags 0x80 compressed, 0x40 infinity, 0x20 sign).
std::array<uint8_t, 48> g1_compress(const G1Projective& p);
std::array<uint8_t, 96> g2_compress(const G2Projective& p);
// The same from affine points: no inversion (a projective point costs one field inversion).
std::array<uint8_t, 48> g1_compress(const G1Affine& a);
std::array<uint8_t, 96> g2_compress(const G2Affine& a);
// Strict decoding: exact length, compressed flag set, canonical infinity, coordinates < p, on
// the curve, and in the order-r subgroup. nullopt on any failure.
std::optional<G1Affine> g1_decompress(std::span<const uint8_t> in);
std::optional<G2Affine> g2_decompress(std::span<const uint8_t> in);

}  // namespace klyn::bls
