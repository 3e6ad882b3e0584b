#pragma once
// Block ranges exchanged between nodes (catch-up, §4.4 / issue "dev_controller as a network"):
// a compact binary body, never JSON.
//
//   range  := peer_stored_height u64 | varint n | n × bundle
//   bundle := bytes controller_block | varint k | k × bytes instant_block
//
// check_continuation() is the pure rule a follower applies before storing anything a peer sent:
// every controller block must be the next index, link to the previous block's hash, carry the
// controller's signature, and come with exactly the instant blocks it names (by hash). A range
// that breaks the rule at block i yields the blocks before i and the reason.

#include <string>
#include <vector>

#include "workflows/dev_controller/blocks.h"

namespace klyn::dev_controller {

struct BlockBundle {
  Bytes controller;             // canonical encoding of the controller block
  std::vector<Bytes> instants;  // canonical encodings of the instant blocks it names, in order
};

struct BlockRange {
  uint64_t peer_stored_height = 0;
  std::vector<BlockBundle> bundles;
};

inline constexpr size_t kMaxRangeBlocks = 256;
inline constexpr size_t kMaxRangeBytes = 8 << 20;

Bytes encode_range(const BlockRange& range);
Result<BlockRange> decode_range(ByteSpan bytes, const BlockLimits& limits);

struct ChainTip {
  uint64_t index = 0;  // 0 = genesis
  Hash32 hash{};       // hash of block `index` (the symbiote id for 0)
};

struct CheckedBlock {
  ControllerBlock block;
  Hash32 hash{};
  std::vector<std::pair<Hash32, const Bytes*>> instants;  // hash, encoding (points into the range)
};

struct ContinuationResult {
  std::vector<CheckedBlock> blocks;  // the valid prefix
  std::string error;                 // why the rest was refused; empty if everything was valid
};

ContinuationResult check_continuation(const ChainTip& tip, const SymbioteId& symbiote,
                                      const crypto::PublicKey& controller, const BlockRange& range,
                                      const BlockLimits& limits);

}  // namespace klyn::dev_controller
