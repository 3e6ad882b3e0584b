#pragma once
// Instant and controller blocks of dev_controller (encoding in README.md). Value types; the
// decoders accept exactly the canonical encoding and enforce the manifest's limits.

#include <vector>

#include "chain/event.h"
#include "chain/genesis.h"
#include "common/result.h"

namespace klyn::dev_controller {

using chain::Event;
using chain::SymbioteId;

struct InstantBlock {
  SymbioteId symbiote{};
  chain::AccountId producer{};
  uint64_t created_ms = 0;
  std::vector<Event> events;
  crypto::Signature signature{};

  Bytes signing_bytes() const;
  Bytes encode() const;
  static Hash32 hash_of(ByteSpan encoded);
  void sign(const crypto::KeyPair& key);
  bool verify_signature() const;
};

struct ControllerBlock {
  SymbioteId symbiote{};
  uint64_t index = 0;
  Hash32 prev_hash{};
  uint64_t created_ms = 0;
  std::vector<Hash32> instant_blocks;
  crypto::Signature signature{};

  Bytes signing_bytes() const;
  Bytes encode() const;
  static Hash32 hash_of(ByteSpan encoded);
  Hash32 hash() const { return hash_of(encode()); }
  void sign(const crypto::KeyPair& key);
  bool verify_signature(const crypto::PublicKey& controller) const;
};

struct BlockLimits {
  size_t max_events = 100000;
  size_t max_instant_blocks = 1024;
};

Result<InstantBlock> decode_instant_block(ByteSpan bytes, const BlockLimits& limits);
Result<ControllerBlock> decode_controller_block(ByteSpan bytes, const BlockLimits& limits);

}  // namespace klyn::dev_controller
