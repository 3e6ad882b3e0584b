#include "workflows/dev_controller/block_range.h"

#include "codec/binary.h"
#include "codec/hex.h"

namespace klyn::dev_controller {

Bytes encode_range(const BlockRange& range) {
  codec::Writer w;
  w.u64(range.peer_stored_height);
  w.varint(range.bundles.size());
  for (const auto& b : range.bundles) {
    w.bytes(b.controller);
    w.varint(b.instants.size());
    for (const auto& i : b.instants) w.bytes(i);
  }
  return std::move(w).take();
}

Result<BlockRange> decode_range(ByteSpan bytes, const BlockLimits& limits) {
  codec::Reader r(bytes);
  BlockRange range;
  r.u64(range.peer_stored_height);
  uint64_t n = 0;
  if (r.varint(n) && n > kMaxRangeBlocks)
    r.fail("range holds more than " + std::to_string(kMaxRangeBlocks) + " blocks");
  for (uint64_t i = 0; r.ok() && i < n; ++i) {
    BlockBundle b;
    r.bytes(b.controller, kMaxRangeBytes);
    uint64_t k = 0;
    if (r.varint(k) && k > limits.max_instant_blocks)
      r.fail("bundle names too many instant blocks");
    for (uint64_t j = 0; r.ok() && j < k; ++j) {
      Bytes ib;
      if (r.bytes(ib, kMaxRangeBytes)) b.instants.push_back(std::move(ib));
    }
    range.bundles.push_back(std::move(b));
  }
  KLYN_TRY(r.finish("block range"));
  return range;
}

ContinuationResult check_continuation(const ChainTip& tip, const SymbioteId& symbiote,
                                      const crypto::PublicKey& controller, const BlockRange& range,
                                      const BlockLimits& limits) {
  ContinuationResult out;
  ChainTip at = tip;
  for (const auto& bundle : range.bundles) {
    auto fail = [&](const std::string& why) {
      out.error = "controller block " + std::to_string(at.index + 1) + ": " + why;
      return out;
    };
    auto cb = decode_controller_block(bundle.controller, limits);
    if (!cb) return fail(cb.error().reason);
    if (cb->symbiote != symbiote) return fail("belongs to another symbiote");
    if (cb->index != at.index + 1)
      return fail("index " + std::to_string(cb->index) + " does not follow");
    if (cb->prev_hash != at.hash) return fail("does not link to the previous block");
    if (!cb->verify_signature(controller)) return fail("not signed by the controller");
    if (bundle.instants.size() != cb->instant_blocks.size())
      return fail("carries " + std::to_string(bundle.instants.size()) + " instant blocks, names " +
                  std::to_string(cb->instant_blocks.size()));
    CheckedBlock checked;
    for (size_t i = 0; i < bundle.instants.size(); ++i) {
      Hash32 h = InstantBlock::hash_of(bundle.instants[i]);
      if (h != cb->instant_blocks[i])
        return fail("instant block " + std::to_string(i) + " does not match its hash");
      checked.instants.emplace_back(h, &bundle.instants[i]);
    }
    checked.hash = ControllerBlock::hash_of(bundle.controller);
    checked.block = std::move(*cb);
    at = {checked.block.index, checked.hash};
    out.blocks.push_back(std::move(checked));
  }
  return out;
}

}  // namespace klyn::dev_controller
