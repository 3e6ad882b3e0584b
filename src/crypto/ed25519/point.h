#pragma once
// The Ed25519 curve, −x² + y² = 1 + d·x²·y² over GF(2^255 − 19), for signature verification (see
// ../README.md, "Fast verification"). Only what the table verifier needs: decoding, canonical
// encoding, the complete unified addition of Hisil–Wong–Carter–Dawson in extended coordinates,
// doubling, and fixed-base comb tables.
//
// Every function works for every point of the curve, torsion included (the addition formula is
// complete because d is not a square and −1 is), which is what makes mixed-order keys come out as
// libsodium computes them. Variable time: only for public data.

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "crypto/ed25519/field.h"

namespace klyn::crypto::ed25519 {

// Extended coordinates: x = X/Z, y = Y/Z, x·y = T/Z.
struct Point {
  Fe X, Y, Z, T;
};

// An affine point prepared for mixed addition: (y + x, y − x, 2d·x·y).
struct Niels {
  Fe y_plus_x, y_minus_x, xy2d;
};

struct Constants {
  Fe d, d2, sqrt_m1;
  Point base;  // B: y = 4/5, x even
};
// Computed once from their definitions (d = −121665/121666, sqrt(−1) = 2^((p−1)/4)).
const Constants& constants();

Point identity();
Point add(const Point& p, const Point& q);
Point dbl(const Point& p);
Point negate(const Point& p);
bool equal(const Point& p, const Point& q);

// libsodium's decoding (ge25519_frombytes): y = the low 255 bits (a value >= p is NOT refused
// here: callers check canonicity first), x the root whose parity is bit 255, except that x = 0 is
// kept whatever bit 255 says. nullopt when x² has no root.
std::optional<Point> decode(const uint8_t in[32]);
void encode(uint8_t out[32], const Point& p);
// encode() of every point with one field inversion (Montgomery's trick) instead of one each.
void encode_batch(std::span<const Point> points, std::array<uint8_t, 32>* out);

// 32 × 8 multiples of a point P: entry [j][k] = (k + 1) · 256^j · P, affine.
struct CombTable {
  std::array<std::array<Niels, 8>, 32> rows;
};
void build_comb(CombTable& table, const Point& p);

// Signed radix-16 digits e[0..63] in [−8, 8] with scalar = Σ e[i]·16^i; scalar < 2^255.
void radix16(int8_t e[64], const uint8_t scalar[32]);

// [a]P + [b]B from P's comb table and B's own wider one (radix 64, built once), both scalars
// < 2^255, as an exact group element: at most 64 + 43 mixed additions and 4 doublings.
Point double_comb(const CombTable& p, const uint8_t a[32], const uint8_t b[32]);

// [a]P by plain double-and-add; slow, for tests and table checks only.
Point scalar_mul_slow(const Point& p, const uint8_t a[32]);

}  // namespace klyn::crypto::ed25519
