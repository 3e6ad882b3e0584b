#pragma once
// Keccak-256 as Ethereum uses it: the original Keccak padding (0x01), not the FIPS-202 SHA3-256
// padding (0x06). keccak256("") = c5d24601…5d85a470. Thread-safe (no shared state).

#include "common/bytes.h"

namespace klyn::hostchains::evm {

Hash32 keccak256(ByteSpan data);

}  // namespace klyn::hostchains::evm
