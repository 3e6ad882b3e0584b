#pragma once
// RLP (Recursive Length Prefix), the serialisation of Ethereum transactions: an item is a byte
// string or a list of items. Only encoding is needed here (we sign and send; the node parses).
//
//   Bytes tx = rlp_list({rlp_uint(nonce), rlp_string(to), ...});
//
// Integers are big-endian without leading zeros (0 is the empty string). Pure functions.

#include <cstdint>
#include <vector>

#include "common/bytes.h"

namespace klyn::hostchains::evm {

// A byte string item: a single byte < 0x80 is itself; otherwise a length prefix then the bytes.
Bytes rlp_string(ByteSpan s);
// An unsigned integer item (minimal big-endian bytes; 0 → 0x80).
Bytes rlp_uint(uint64_t v);
// A list item from already-encoded items (their concatenation with a length prefix).
Bytes rlp_list(const std::vector<Bytes>& encoded_items);

// Minimal big-endian bytes of v (empty for 0).
Bytes big_endian_minimal(uint64_t v);

}  // namespace klyn::hostchains::evm
