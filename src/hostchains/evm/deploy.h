#pragma once
// Deploying the Checkpoints contract (for `klyn74r hostchain deploy evm`): one creation
// transaction signed with the given key, then a bounded wait for its receipt.
//
// Contract: blocking; every RPC call bounded by `timeout`, the whole wait for the receipt by
// `wait` (polled, backing off from 50 ms to 2 s). Errors: those of EthClient, plus
// "wrong_network" (eth_chainId is not the expected chain id), "insufficient_funds",
// "failed" (the creation reverted), "timeout" (not mined within `wait`; the reason names the
// transaction and the address the contract will have if it is mined later).

#include <chrono>
#include <optional>
#include <string>

#include "common/result.h"
#include "hostchains/evm/secp256k1_key.h"
#include "hostchains/evm/tx_sender.h"

namespace klyn::hostchains::evm {

struct DeploySettings {
  std::string rpc_url;
  std::optional<uint64_t> chain_id;  // expected eth_chainId; nullopt = whatever the node is
  FeeSettings fees;
  std::chrono::milliseconds timeout{10000};  // per RPC call
  std::chrono::milliseconds wait{180000};    // for the receipt
};

struct Deployment {
  std::string address;    // "0x…": the manifest's hostchain address
  std::string tx;         // the creation transaction
  uint64_t block = 0;     // where it was mined: a good start_block for read-back
  uint64_t chain_id = 0;  // the manifest's network
};

Result<Deployment> deploy_checkpoint_contract(const DeploySettings& settings,
                                              const PrivateKey& key);

}  // namespace klyn::hostchains::evm
