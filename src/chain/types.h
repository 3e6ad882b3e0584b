#pragma once
// Basic chain vocabulary.

#include <cstdint>

#include "common/bytes.h"
#include "crypto/ed25519.h"

namespace klyn::chain {

using Amount = uint64_t;
using Height = uint64_t;  // index of a controller (or consensus) block; 0 = genesis
using AccountId = crypto::PublicKey;
using SymbioteId = Hash32;

// Checked arithmetic on amounts: false on overflow/underflow, result untouched.
inline bool add_amount(Amount a, Amount b, Amount& out) {
  return !__builtin_add_overflow(a, b, &out);
}
inline bool sub_amount(Amount a, Amount b, Amount& out) {
  return !__builtin_sub_overflow(a, b, &out);
}

}  // namespace klyn::chain
