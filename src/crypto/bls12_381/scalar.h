#pragma once
// Scalars modulo the group order r (secret keys). Comparisons and reductions here are
// constant time because they run on secret keys.

#include <array>
#include <cstdint>
#include <span>

namespace klyn::bls {

// r = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001, little-endian limbs.
inline constexpr std::array<uint64_t, 4> kGroupOrder = {0xffffffff00000001, 0x53bda402fffe5bfe,
                                                        0x3339d80809a1d805, 0x73eda753299d7d48};

using ScalarLimbs = std::array<uint64_t, 4>;

// 32 big-endian bytes -> limbs (no range check).
ScalarLimbs scalar_from_be32(const uint8_t in[32]);
void scalar_to_be32(const ScalarLimbs& s, uint8_t out[32]);
// 1 if 1 <= s < r, else 0, without data-dependent branches.
uint64_t scalar_is_valid_key(const ScalarLimbs& s);
// A big-endian integer of any length reduced mod r (bitwise, constant time in the value).
ScalarLimbs scalar_reduce_be(std::span<const uint8_t> in);

}  // namespace klyn::bls
