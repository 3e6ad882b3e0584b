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

// 32 × 8 multiples of a point P: entry [j][k] = (k + 1) · 256^j · P, affine (30 KiB).
struct CombTable {
  std::array<std::array<Niels, 8>, 32> rows;
};
void build_comb(CombTable& table, const Point& p);

// Signed radix-2^w digits e[0..count) with scalar = Σ e[i]·2^(w·i), each in [−2^(w−1), 2^(w−1))
// except the top one, which takes the last carry (w <= 8; count·w must cover the scalar).
void signed_digits(int8_t* e, int count, int w, const uint8_t scalar[32]);

// [a]P + [b]B from P's comb table (a as 64 radix-16 digits, odd ones first, 4 doublings, even
// ones) and B's own wider table (b as 43 radix-64 digits, built once), both scalars < 2^254, as
// an exact group element: at most 64 + 43 mixed additions and 4 doublings. (Radix-32 rows for P,
// 49 KiB a key, saved only 8 % of the instructions; not worth 60 % more memory.)
Point double_comb(const CombTable& p, const uint8_t a[32], const uint8_t b[32]);

// [a]P by plain double-and-add; slow, for tests and table checks only.
Point scalar_mul_slow(const Point& p, const uint8_t a[32]);

}  // namespace klyn::crypto::ed25519
