#pragma once
// The ABI of the Checkpoints contract (contract/Checkpoints.sol): the calldata of
// commit(bytes32 symbiote, uint64 index, bytes32 hash) and the decoding of its event
//   Checkpoint(bytes32 indexed symbiote, uint64 indexed index, bytes32 hash, address committer)
// whose log has topics [keccak(signature), symbiote, index] and data [hash, committer].
// Pure functions.

#include "common/bytes.h"
#include "common/result.h"
#include "hostchains/connector.h"
#include "hostchains/evm/secp256k1_key.h"

namespace klyn::hostchains::evm {

// selector (4 bytes) + symbiote + index (left-padded to 32 bytes) + hash.
Bytes encode_commit_call(const Checkpoint& cp);

// keccak256("Checkpoint(bytes32,uint64,bytes32,address)"): topic 0 of every checkpoint log.
const Hash32& checkpoint_event_topic();

// A uint64 as an ABI word / indexed topic (big-endian, left-padded with zeros).
Hash32 abi_word(uint64_t v);

struct CheckpointLog {
  Checkpoint checkpoint;
  Address committer{};
};

// Decodes the topics and data of one log; "bad_log" when it is not a Checkpoint event
// (wrong topic 0, wrong counts or sizes, an index topic above 2^64 - 1, a dirty address word).
Result<CheckpointLog> decode_checkpoint_log(const std::vector<Hash32>& topics, ByteSpan data);

}  // namespace klyn::hostchains::evm
