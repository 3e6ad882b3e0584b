#pragma once
// dev_symbiland's manifest section (`manifest.dev_symbiland` in a genesis, chain/README.md
// "Genesis"), read when a genesis is loaded for this workflow:
//
//   validators             array, 1..1024 items, in index order (bit i of every bitmap):
//     account              address: the validator's Ed25519 account
//     bls_key              96 hex digits: its BLS12-381 public key (48 bytes, compressed G1)
//     pop                  192 hex digits: the key's proof of possession (PopProve), checked here
//     weight               u64 >= 1
//   epoch                  u64 >= 1, default 1 (part 1: one epoch)
//   base_timeout_ms        50..60000, default 1000: a round's timer before back-off
//   min_block_interval_ms  0..10000, default 10
//   max_events_per_block   1..100000, default 5000
//
// Unknown keys, repeated keys and values out of range are errors naming the JSON path
// ("manifest.dev_symbiland.validators[2].pop: the proof of possession does not verify").

#include <cstdint>

#include "chain/genesis.h"
#include "common/result.h"
#include "workflows/dev_symbiland/consensus/types.h"

namespace klyn::dev_symbiland {

struct ValidatorEntry {
  chain::AccountId account{};
  bls::PublicKey key;
  bls::Signature pop = bls::Signature::from_bytes(identity_signature()).value();
  uint64_t weight = 1;
};

struct Params {
  std::vector<ValidatorEntry> validators;
  ValidatorSet set;  // built from `validators`, every proof of possession checked
  Epoch epoch = 1;
  uint64_t base_timeout_ms = 1000;
  uint64_t min_block_interval_ms = 10;
  uint32_t max_events_per_block = 5000;
};

// Errors: bad_genesis with the JSON path.
Result<Params> read_params(const chain::Manifest& m);
// Writes the section (every key explicit) after the same checks. Errors: bad_genesis.
Status write_params(chain::Manifest& m, const std::vector<ValidatorEntry>& validators,
                    Epoch epoch = 1, uint64_t base_timeout_ms = 1000,
                    uint64_t min_block_interval_ms = 10, uint32_t max_events_per_block = 5000);

}  // namespace klyn::dev_symbiland
