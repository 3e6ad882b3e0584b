#pragma once
// Basic chain vocabulary.

#include <cstdint>
#include <optional>

#include "codec/binary.h"
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

// An optional account id in the canonical codec: bool present, then the 32 bytes if present.
inline void write_optional_account(codec::Writer& w, const std::optional<AccountId>& id) {
  w.boolean(id.has_value());
  if (id) w.fixed(*id);
}
inline bool read_optional_account(codec::Reader& r, std::optional<AccountId>& id) {
  bool has = false;
  if (!r.boolean(has)) return false;
  id.reset();
  if (!has) return true;
  AccountId v;
  if (!r.fixed(v)) return false;
  id = v;
  return true;
}

}  // namespace klyn::chain
