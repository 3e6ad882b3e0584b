#pragma once
// dev_controller's manifest section (`manifest.dev_controller` in a genesis; a version 1 genesis
// kept these fields at fixed places of the common manifest, chain/genesis.h kV1Keys):
//
//   controller                               address, required: the key that orders blocks
//   instant_producer_stake                   u64, default 0: frozen stake a producer needs
//   max_events_per_instant_block             1..100000, default 5000
//   max_instant_blocks_per_controller_block  1..1024, default 16
//   inclusion_window                         0..1048576, default 50: controller blocks after an
//                                            acknowledgement before an omission is evidence
//
// Unknown keys and values out of range are errors naming their JSON path.

#include <cstdint>

#include "chain/genesis.h"
#include "common/result.h"
#include "crypto/ed25519.h"
#include "workflows/dev_controller/blocks.h"

namespace klyn::dev_controller {

struct Params {
  crypto::PublicKey controller{};
  chain::Amount instant_producer_stake = 0;
  uint32_t max_events_per_instant_block = 5000;
  uint32_t max_instant_blocks_per_controller_block = 16;
  uint32_t inclusion_window = 50;

  BlockLimits block_limits() const {
    return {max_events_per_instant_block, max_instant_blocks_per_controller_block};
  }
  bool operator==(const Params&) const = default;
};

// Errors: bad_genesis, "manifest.dev_controller.inclusion_window: must be at most 1048576".
Result<Params> read_params(const chain::Manifest& m);
// Writes `p` as m's section (every key explicit). Errors: bad_genesis when `p` is out of range
// (the same checks read_params makes), or when a layout-1 manifest cannot hold it.
Status write_params(chain::Manifest& m, const Params& p);

}  // namespace klyn::dev_controller
