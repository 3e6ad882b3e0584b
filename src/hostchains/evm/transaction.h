#pragma once
// Ethereum transactions signed locally. We send legacy transactions with EIP-155 replay
// protection (every EVM chain accepts them, London and later included: there the gas price is
// both the fee cap and the tip), which keeps fee logic to one number from eth_gasPrice.
//
//   signing hash = keccak256(rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0]))
//   raw          = rlp([nonce, gasPrice, gas, to, value, data, v, r, s]),
//   v = recovery_id + chainId * 2 + 35, transaction hash = keccak256(raw).
//
// Pure functions; the key is only read.

#include <cstdint>
#include <optional>

#include "common/bytes.h"
#include "hostchains/evm/secp256k1_key.h"

namespace klyn::hostchains::evm {

struct LegacyTransaction {
  uint64_t nonce = 0;
  uint64_t gas_price = 0;     // wei per gas
  uint64_t gas = 0;           // gas limit
  std::optional<Address> to;  // nullopt: contract creation
  uint64_t value = 0;         // wei
  Bytes data;
};

struct SignedTransaction {
  Bytes raw;    // for eth_sendRawTransaction
  Hash32 hash;  // the transaction hash the node will report
};

// The largest chain id for which v = chainId * 2 + 36 fits in 64 bits.
inline constexpr uint64_t kMaxChainId = (UINT64_MAX - 36) / 2;

// Signs `tx` for chain `chain_id` (1..kMaxChainId; the caller checks).
SignedTransaction sign_legacy_eip155(const LegacyTransaction& tx, uint64_t chain_id,
                                     const PrivateKey& key);

// Where a contract created by `sender` with transaction nonce `nonce` lives:
// the last 20 bytes of keccak256(rlp([sender, nonce])).
Address contract_address(const Address& sender, uint64_t nonce);

}  // namespace klyn::hostchains::evm
