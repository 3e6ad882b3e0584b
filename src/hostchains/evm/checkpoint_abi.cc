#include "hostchains/evm/checkpoint_abi.h"

#include <algorithm>

#include "codec/hex.h"
#include "hostchains/evm/checkpoints_contract.h"
#include "hostchains/evm/keccak.h"

namespace klyn::hostchains::evm {

Hash32 abi_word(uint64_t v) {
  Hash32 w{};
  for (int i = 0; i < 8; ++i) w[31 - i] = static_cast<uint8_t>(v >> (8 * i));
  return w;
}

Bytes encode_commit_call(const Checkpoint& cp) {
  // The selector is generated from the compiled contract; a test checks it against keccak.
  Bytes out = codec::hex_decode(contract::kCommitSelector).value();
  const Hash32 index = abi_word(cp.index);
  out.insert(out.end(), cp.symbiote.begin(), cp.symbiote.end());
  out.insert(out.end(), index.begin(), index.end());
  out.insert(out.end(), cp.hash.begin(), cp.hash.end());
  return out;
}

const Hash32& checkpoint_event_topic() {
  static const Hash32 topic = keccak256(as_bytes(contract::kCheckpointEventSignature));
  return topic;
}

Result<CheckpointLog> decode_checkpoint_log(const std::vector<Hash32>& topics, ByteSpan data) {
  if (topics.size() != 3 || topics[0] != checkpoint_event_topic())
    return Error("bad_log", "not a Checkpoint event");
  if (data.size() != 64) return Error("bad_log", "Checkpoint data is not 64 bytes");
  const Hash32& index_word = topics[2];
  if (!std::all_of(index_word.begin(), index_word.begin() + 24, [](uint8_t b) { return b == 0; }))
    return Error("bad_log", "index does not fit in 64 bits");
  if (!std::all_of(data.begin() + 32, data.begin() + 44, [](uint8_t b) { return b == 0; }))
    return Error("bad_log", "committer is not an address");
  CheckpointLog out;
  out.checkpoint.symbiote = topics[1];
  for (int i = 24; i < 32; ++i) out.checkpoint.index = (out.checkpoint.index << 8) | index_word[i];
  std::copy(data.begin(), data.begin() + 32, out.checkpoint.hash.begin());
  std::copy(data.begin() + 44, data.end(), out.committer.begin());
  return out;
}

}  // namespace klyn::hostchains::evm
