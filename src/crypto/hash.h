#pragma once
// Hash functions (libsodium). BLAKE2b-256 is the node's hash for ids, blocks and events;
// SHA-256 is here for protocols that require it.

#include <string_view>

#include "common/bytes.h"

namespace klyn::crypto {

// Initialises libsodium once; safe to call from any thread, any number of times. Every other
// function here calls it implicitly through a static initialiser.
void init();

Hash32 blake2b256(ByteSpan data);
// BLAKE2b-256 with a domain-separation prefix: blake2b256(domain || data). Every hashed
// structure uses its own domain string so that two kinds of object can never share a hash.
Hash32 blake2b256(std::string_view domain, ByteSpan data);
Hash32 sha256(ByteSpan data);

// Incremental BLAKE2b-256.
class Blake2b256 {
 public:
  Blake2b256();
  void update(ByteSpan data);
  void update(std::string_view s) { update(as_bytes(s)); }
  Hash32 finish();

 private:
  alignas(64) unsigned char state_[384];
};

}  // namespace klyn::crypto
