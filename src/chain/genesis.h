#pragma once
// Genesis = manifest (the rules) + initial state. The symbiote id is the BLAKE2b-256 of the
// canonical binary encoding of the whole genesis (C8), so it does not depend on JSON formatting.
//
// The JSON form (GENESIS/<alias>.json) is parsed strictly: unknown keys, wrong types, duplicate
// or malformed addresses are errors naming the JSON path.

#include <string>
#include <vector>

#include "chain/types.h"
#include "common/result.h"

namespace klyn::chain {

struct HostchainRef {
  std::string type;     // "symbiote", "bitcoin", "evm"
  std::string network;  // e.g. a symbiote id, "litecoin-regtest", an EVM chain id
  std::string address;  // contract / address / empty
  bool operator==(const HostchainRef&) const = default;
};

struct FeePolicy {
  Amount per_event = 0;                   // minimum fee of every event
  uint32_t generator_share_permille = 0;  // share of each fee paid to the block producer
  std::optional<AccountId> rest_to;       // where the rest goes; nullopt = burned
  bool operator==(const FeePolicy&) const = default;
};

struct Limits {
  uint32_t max_event_bytes = 1024;
  uint32_t max_events_per_instant_block = 5000;
  uint32_t max_instant_blocks_per_controller_block = 16;
  uint32_t nonce_window = 4096;    // how far ahead of the account nonce an event may be
  uint32_t inclusion_window = 50;  // controller blocks before an omission is evidence
  bool operator==(const Limits&) const = default;
};

struct Manifest {
  std::string name;                     // human-readable chain name (part of the id)
  std::string workflow;                 // e.g. "dev_controller"
  std::string workflow_version;         // e.g. "0.1.0"; the node must have exactly this
  std::optional<AccountId> controller;  // dev_controller: the ordering key
  FeePolicy fee;
  Amount instant_producer_stake = 0;  // frozen stake needed to produce instant blocks
  Height unstake_delay = 0;           // controller blocks until an UNSTAKE is released
  Height checkpoint_every = 0;        // 0 = no checkpoints
  Limits limits;
  std::vector<HostchainRef> hostchains;
  bool operator==(const Manifest&) const = default;
};

struct GenesisAccount {
  AccountId id{};
  Amount balance = 0;
  Amount stake = 0;
  bool operator==(const GenesisAccount&) const = default;
};

struct Genesis {
  Manifest manifest;
  std::vector<GenesisAccount> accounts;  // sorted by id, unique

  Bytes encode() const;
  SymbioteId id() const;
  bool operator==(const Genesis&) const = default;
};

Result<Genesis> decode_genesis(ByteSpan bytes);
Result<Genesis> genesis_from_json(std::string_view json_text);
std::string genesis_to_json(const Genesis& g);  // pretty, round-trips through genesis_from_json
Result<Genesis> load_genesis_file(const std::string& path);

}  // namespace klyn::chain
