#pragma once
// Test support for the table verifier (its start-up self-test, the tests and the differential fuzz
// target): the eight
// torsion points, and signatures made from a secret scalar with libsodium's scalar operations,
// also under keys with a torsion component (which no real signer produces).

#include <array>
#include <vector>

#include "common/bytes.h"
#include "crypto/ed25519.h"
#include "crypto/ed25519/point.h"

namespace klyn::crypto::ed25519::test_support {

using Scalar = std::array<uint8_t, 32>;

// Reduces 64 bytes mod L (libsodium).
Scalar scalar_from_wide(const uint8_t wide[64]);
// [a]B (libsodium); a must be nonzero mod L.
PublicKey public_of(const Scalar& a);
// The multiples 0..7 of a point of order 8.
std::vector<Point> torsion_points();
// A + T: a key of mixed order (libsodium's point addition).
PublicKey add_torsion(const PublicKey& a, const Point& t);
// S = r + h·a mod L with R = [r]B and h = SHA-512(R ‖ key ‖ M) mod L; `nonce` seeds r.
Signature sign_with_scalar(const Scalar& a, const PublicKey& key, ByteSpan message,
                           const uint8_t nonce[64]);

}  // namespace klyn::crypto::ed25519::test_support
