#pragma once
// The `evm` hostchain connector (ARCHITECTURE §4.6): checkpoints are calls of
// commit(symbiote, index, hash) on the Checkpoints contract (contract/Checkpoints.sol) at the
// manifest's address, in transactions signed here with the node's secp256k1 key (legacy
// EIP-155); read-back is the contract's Checkpoint event logs. Works with any Ethereum JSON-RPC
// node (geth, ganache, hardhat, …).
//
// Contract (beyond connector.h)
// * Blocking, not thread-safe, every call bounded by `timeout`.
// * The first call checks eth_chainId == network (Error "wrong_network" otherwise), and commit /
//   read_commits check that the contract address has code (Error "not_found" otherwise).
// * Nonces are tracked here: read once from eth_getTransactionCount(address, "pending"), then
//   incremented per sent transaction, re-read after any failed send. So several quick commits
//   do not reuse a nonce even before the node has mined them.
// * Without private_key_file the connector only reads: commit and balance return
//   "unauthorized". With `stopped = true` commit returns "stopped".
// * read_commits keeps, per symbiote, the logs it has found and how far it scanned; on every
//   call it scans anew the last `reorg_depth` blocks (in windows of `logs_block_range` blocks),
//   so a reorganisation no deeper than that is seen; logs with removed = true are ignored.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hostchains/connector.h"
#include "hostchains/evm/eth_client.h"
#include "hostchains/evm/secp256k1_key.h"
#include "hostchains/evm/tx_sender.h"

namespace klyn::hostchains::evm {

// The node-local table of an evm hostchain, validated (see README.md for the keys).
struct EvmSettings {
  std::string name;  // [hostchains.<name>]
  CommonSettings common;
  uint64_t chain_id = 0;                   // `network` as a number
  Address contract{};                      // the manifest's address
  std::string rpc_url;                     // http://host:port[/path]
  std::filesystem::path private_key_file;  // resolved against the data dir; empty = read only
  FeeSettings fees;
  uint64_t gas_limit = 0;            // fixed gas limit of a commit; 0 = estimate (+25%)
  uint64_t start_block = 0;          // first block read_commits scans (the contract's deploy block)
  uint64_t logs_block_range = 5000;  // blocks per eth_getLogs call
  uint64_t reorg_depth = 128;        // blocks re-scanned on every read_commits
  std::chrono::milliseconds timeout{10000};
};

// Reads and checks the table (every problem goes to cfg.error); nullopt when there was one.
// Reads the key file only to check it (not network I/O).
std::optional<EvmSettings> read_settings(const ConnectorSpec& spec, core::ConfigReader& cfg);

class EvmConnector final : public Connector {
 public:
  // `key` null: read-only (no commits, no balance).
  EvmConnector(EvmSettings settings, std::optional<PrivateKey> key, std::unique_ptr<EthClient> eth,
               std::shared_ptr<spdlog::logger> log);

  std::string_view type() const override { return "evm"; }
  Result<std::string> commit(const Checkpoint& cp) override;
  Result<CommitStatus> check(const std::string& tx) override;
  Result<std::vector<FoundCommit>> read_commits(const chain::SymbioteId& symbiote,
                                                uint64_t from_index) override;
  Result<Balance> balance() override;

  // The committer's address (nullopt when read-only).
  std::optional<Address> committer() const;
  const EvmSettings& settings() const { return settings_; }

 private:
  struct Found {
    Checkpoint checkpoint;
    std::string tx;
    uint64_t block = 0;
  };
  struct Scan {
    uint64_t next_block = 0;   // first block not scanned yet
    std::vector<Found> found;  // in hostchain order
  };

  Status ensure_chain();     // eth_chainId == settings.chain_id, once
  Status ensure_contract();  // code at the contract address, once
  Status require_key() const;

  EvmSettings settings_;
  std::optional<PrivateKey> key_;
  std::unique_ptr<EthClient> eth_;
  std::shared_ptr<spdlog::logger> log_;
  bool chain_checked_ = false;
  bool contract_checked_ = false;
  std::optional<uint64_t> next_nonce_;
  std::map<chain::SymbioteId, Scan> scans_;
};

// The factory registered as type "evm": read_settings + the key file; no network I/O.
ConnectorFactory factory();

}  // namespace klyn::hostchains::evm
