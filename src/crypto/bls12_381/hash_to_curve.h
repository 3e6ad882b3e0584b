#pragma once
// Hashing to G1 and G2 per RFC 9380 (suites BLS12381G1/G2_XMD:SHA-256_SSWU_RO_ and _NU_):
// expand_message_xmd with SHA-256, hash_to_field, the simplified SWU map to an isogenous curve,
// the 11-isogeny (G1) / 3-isogeny (G2), and cofactor clearing.
//
// Inputs are public (messages and domain tags), so these functions are not constant time.
// Thread-safe (no shared mutable state).

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "crypto/bls12_381/point.h"

namespace klyn::bls {

// RFC 9380 section 5.3.1. Returns an empty vector if len_in_bytes is out of range
// (0 or > 255 * 32). A DST longer than 255 bytes is hashed as the RFC prescribes.
std::vector<uint8_t> expand_message_xmd(std::span<const uint8_t> msg, std::span<const uint8_t> dst,
                                        size_t len_in_bytes);

std::vector<Fp> hash_to_field_fp(std::span<const uint8_t> msg, std::span<const uint8_t> dst,
                                 size_t count);
std::vector<Fp2> hash_to_field_fp2(std::span<const uint8_t> msg, std::span<const uint8_t> dst,
                                   size_t count);

// map_to_curve (simplified SWU + isogeny), before cofactor clearing.
G1Projective map_to_curve_g1(const Fp& u);
G2Projective map_to_curve_g2(const Fp2& u);

// hash_to_curve (random oracle, two field elements) and encode_to_curve (one element).
G1Projective hash_to_g1(std::span<const uint8_t> msg, std::span<const uint8_t> dst);
G1Projective encode_to_g1(std::span<const uint8_t> msg, std::span<const uint8_t> dst);
G2Projective hash_to_g2(std::span<const uint8_t> msg, std::span<const uint8_t> dst);
G2Projective encode_to_g2(std::span<const uint8_t> msg, std::span<const uint8_t> dst);

inline std::span<const uint8_t> as_span(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace klyn::bls
