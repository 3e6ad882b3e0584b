#pragma once
// Genesis = manifest (the rules) + initial state. The symbiote id is the BLAKE2b-256 of the
// canonical binary encoding of the whole genesis (C8), so it does not depend on JSON formatting.
//
// The JSON form (GENESIS/<alias>.json) is parsed strictly: unknown keys, repeated keys, wrong
// types, duplicate or malformed addresses are errors naming the JSON path.
//
// The manifest has a common part chain understands (fees, unstaking, event limits, hostchains,
// checkpoints) and a section the workflow owns (`manifest.<workflow>` in JSON): chain stores it in
// its canonical encoding (chain/section.h) and hashes it into the id without interpreting it; the
// workflow reads and checks it (core::Workflow::check_manifest). A genesis written before
// sections existed (layout 1, "KLY-GENESIS-v1") keeps its bytes and id: its dev_controller fields
// are read into the section and written back where v1 had them (README "Genesis").

#include <nlohmann/json.hpp>
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
  uint32_t nonce_window = 4096;  // how far ahead of the account nonce an event may be
  bool operator==(const Limits&) const = default;
};

// The canonical encoding of the empty object {}: a workflow without parameters.
inline const Bytes kEmptySection = {0x06, 0x00};

struct Manifest {
  std::string name;              // human-readable chain name (part of the id)
  std::string workflow;          // e.g. "dev_controller"
  std::string workflow_version;  // e.g. "0.1.0"; the node must have exactly this
  FeePolicy fee;
  Height unstake_delay = 0;     // blocks until an UNSTAKE is released
  Height checkpoint_every = 0;  // 0 = no checkpoints
  Limits limits;
  std::vector<HostchainRef> hostchains;
  // The workflow's parameters, manifest.<workflow>: the canonical encoding of a JSON object.
  // Read and written with section_of / set_section; the workflow gives the keys their meaning.
  Bytes section = kEmptySection;
  // 2 = "KLY-GENESIS-v2" (the section is its own field); 1 = a genesis written before sections
  // existed, re-encoded exactly as it was read (its section holds only the v1 keys, kV1Keys).
  uint8_t layout = 2;
  bool operator==(const Manifest&) const = default;
};

// The section keys a layout-1 genesis carries, and where v1 kept them:
//   controller                               manifest.controller (optional)
//   instant_producer_stake                   manifest.freezes.instant_producer
//   max_events_per_instant_block             manifest.limits.max_events_per_instant_block
//   max_instant_blocks_per_controller_block manifest.limits.max_instant_blocks_per_controller_block
//   inclusion_window                         manifest.limits.inclusion_window
// All but controller are always present in a layout-1 section.
inline constexpr const char* kV1Keys[] = {
    "controller", "instant_producer_stake", "max_events_per_instant_block",
    "max_instant_blocks_per_controller_block", "inclusion_window"};

// The section as a JSON object. Errors: bad_section (only for a manifest that no decoder gave).
Result<nlohmann::json> section_of(const Manifest& m);
// Replaces the section. Errors: bad_section (not an object, or no canonical form; V2, V3 of
// chain/section.h) naming manifest.<workflow>.<path>.
Status set_section(Manifest& m, const nlohmann::json& object);
// Where a section key is written in this manifest's JSON, for error messages:
// "manifest.dev_controller.inclusion_window" (layout 2), "manifest.limits.inclusion_window" (1).
std::string section_key_path(const Manifest& m, std::string_view key);

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
