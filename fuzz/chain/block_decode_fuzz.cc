// libFuzzer target: dev_controller's decode_instant_block and decode_controller_block (blocks
// arrive from peers).
//
// Oracles:
//  * an accepted block re-encodes to exactly the input bytes, so hash_of(input) is the block's
//    hash, and every event inside decodes alone to the same event;
//  * the limits are enforced exactly: with tight limits a block is accepted iff it is accepted
//    with the default limits and fits in the tight ones;
//  * a controller block never has index 0 (that is the genesis).
#include <cstddef>
#include <cstdint>

#include "fuzz_check.h"
#include "workflows/dev_controller/blocks.h"

using namespace klyn;
using namespace klyn::dev_controller;
using klyn::fuzz::same_bytes;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan in(data, size);
  const BlockLimits wide;
  const BlockLimits tight{2, 2};

  auto ib = decode_instant_block(in, wide);
  auto ib_tight = decode_instant_block(in, tight);
  FUZZ_CHECK(ib_tight.ok() == (ib.ok() && ib->events.size() <= tight.max_events));
  if (ib) {
    FUZZ_CHECK(same_bytes(ib->encode(), in));
    FUZZ_CHECK(InstantBlock::hash_of(ib->encode()) == InstantBlock::hash_of(in));
    for (const auto& e : ib->events) {
      auto alone = chain::decode_event(e.encode());
      FUZZ_CHECK(alone.ok() && alone->hash() == e.hash());
    }
  }

  auto cb = decode_controller_block(in, wide);
  auto cb_tight = decode_controller_block(in, tight);
  FUZZ_CHECK(cb_tight.ok() == (cb.ok() && cb->instant_blocks.size() <= tight.max_instant_blocks));
  if (cb) {
    FUZZ_CHECK(cb->index != 0);
    FUZZ_CHECK(same_bytes(cb->encode(), in));
    FUZZ_CHECK(cb->hash() == ControllerBlock::hash_of(in));
  }
  FUZZ_CHECK(!(ib.ok() && cb.ok()));  // the domains differ
  return 0;
}
