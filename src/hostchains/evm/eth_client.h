#pragma once
// EthClient: the Ethereum JSON-RPC calls the connector uses, with typed results, on top of
// JsonRpcClient. Every answer is checked before use: a missing member, a wrong type or a
// malformed hex quantity is an Error "bad_response" naming the method, never an exception.
//
// Contract: as JsonRpcClient (one endpoint, one connection, not thread-safe, every call bounded
// by the timeout, errors "unreachable", "unauthorized", "rpc_error", "bad_response").

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "hostchains/evm/secp256k1_key.h"
#include "hostchains/json_rpc.h"

namespace klyn::hostchains::evm {

// ---- hex quantities and data (the JSON-RPC encodings) ----

// "0x1a" → 26. Error "bad_quantity" for anything else (no 0x, empty, non-hex, > 64 bits).
Result<uint64_t> parse_quantity(std::string_view text);
// A quantity of up to 256 bits ("0x" + up to 64 hex digits) as a decimal string.
Result<std::string> quantity_to_decimal(std::string_view text);
// 26 → "0x1a", 0 → "0x0".
std::string to_quantity(uint64_t v);
// Bytes → "0x…" (lowercase).
std::string to_data(ByteSpan bytes);
// A 0x-prefixed 32-byte hash ("0x" + 64 hex digits)? Error "bad_hash" otherwise.
Result<Hash32> parse_hash(std::string_view text);

// ---- typed results ----

struct Receipt {
  uint64_t block_number = 0;
  std::string block_hash;
  bool success = false;            // status 1
  std::optional<Address> created;  // contractAddress of a creation
};

struct Log {
  std::vector<Hash32> topics;
  Bytes data;
  uint64_t block_number = 0;
  std::string block_hash;
  std::string tx_hash;
  uint64_t log_index = 0;
  bool removed = false;
};

class EthClient {
 public:
  static Result<std::unique_ptr<EthClient>> create(std::string url,
                                                   std::chrono::milliseconds timeout);

  Result<uint64_t> chain_id();
  Result<uint64_t> block_number();
  Result<uint64_t> gas_price();
  // eth_getTransactionCount(address, "pending"): the next nonce, counting the mempool.
  Result<uint64_t> pending_nonce(const Address& a);
  Result<uint64_t> estimate_gas(const Address& from, const std::optional<Address>& to,
                                ByteSpan data);
  // eth_getBalance(address, "latest") in wei, as a decimal string.
  Result<std::string> balance(const Address& a);
  // eth_getCode(address, "latest") is not empty.
  Result<bool> has_code(const Address& a);
  // eth_sendRawTransaction; returns the hash the node reports.
  Result<std::string> send_raw_transaction(ByteSpan raw);
  // nullopt: no receipt (not mined, or unknown).
  Result<std::optional<Receipt>> receipt(const std::string& tx);
  // eth_getTransactionByHash: nullopt = unknown; else the block number (nullopt = pending).
  Result<std::optional<std::optional<uint64_t>>> transaction_block(const std::string& tx);
  // eth_getLogs over [from, to] for one contract and topics [topic0, topic1].
  Result<std::vector<Log>> logs(uint64_t from, uint64_t to, const Address& contract,
                                const Hash32& topic0, const Hash32& topic1);

  // Any other call (tests use evm_mine, evm_snapshot, …).
  Result<nlohmann::json> call(const std::string& method,
                              nlohmann::json params = nlohmann::json::array());
  const std::string& url() const { return rpc_->url(); }

 private:
  explicit EthClient(std::unique_ptr<JsonRpcClient> rpc) : rpc_(std::move(rpc)) {}
  Result<uint64_t> quantity_call(const std::string& method, nlohmann::json params);
  std::unique_ptr<JsonRpcClient> rpc_;
};

}  // namespace klyn::hostchains::evm
