#pragma once
// What committing and deploying share: choosing the gas price and gas limit, and sending a
// signed transaction with the node's refusals mapped to connector error codes.
//
// Contract: blocking calls through EthClient (each bounded by its timeout), errors as values.

#include <cstdint>
#include <string>

#include "common/result.h"
#include "hostchains/evm/eth_client.h"
#include "hostchains/evm/transaction.h"

namespace klyn::hostchains::evm {

struct FeeSettings {
  double gas_price_multiplier = 1.25;  // × eth_gasPrice, so the transaction is not outbid at once
  uint64_t max_gas_price_wei = 0;      // cap on the result; 0 = no cap
};

// eth_gasPrice × multiplier (rounded up), capped by max_gas_price_wei.
Result<uint64_t> choose_gas_price(EthClient& eth, const FeeSettings& fees);

// eth_estimateGas plus a 25% margin (state may change between estimate and inclusion).
// "insufficient funds" answers become Error "insufficient_funds"; other refusals (typically a
// revert) stay "rpc_error" with the node's message.
Result<uint64_t> estimate_gas_with_margin(EthClient& eth, const Address& from,
                                          const std::optional<Address>& to, ByteSpan data);

// Sends a signed transaction and returns its hash ("0x…"). A refusal mentioning insufficient
// funds is Error "insufficient_funds". A refusal of a transaction the node nevertheless knows
// afterwards (hardhat reports a reverted transaction as an error although it mined it) counts as
// sent. Other refusals (nonce too low, fee too low, …) are "rpc_error" with the node's message.
Result<std::string> send_transaction(EthClient& eth, const SignedTransaction& tx);

// Whether an error from the node says the account cannot pay.
bool is_insufficient_funds(const Error& e);

}  // namespace klyn::hostchains::evm
