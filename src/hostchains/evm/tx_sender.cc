#include "hostchains/evm/tx_sender.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace klyn::hostchains::evm {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

bool is_insufficient_funds(const Error& e) {
  if (e.code != "rpc_error") return false;
  const std::string r = lower(e.reason);
  // geth/ganache/hardhat: "insufficient funds for gas * price + value", "sender doesn't have
  // enough funds to send tx".
  return r.find("insufficient funds") != std::string::npos ||
         r.find("enough funds") != std::string::npos;
}

Result<uint64_t> choose_gas_price(EthClient& eth, const FeeSettings& fees) {
  auto price = eth.gas_price();
  if (!price) return price.error();
  const long double wanted =
      std::ceil(static_cast<long double>(*price) * fees.gas_price_multiplier);
  uint64_t out = wanted >= 1.8e19L ? UINT64_MAX : static_cast<uint64_t>(wanted);
  if (fees.max_gas_price_wei != 0) out = std::min(out, fees.max_gas_price_wei);
  return out;
}

Result<uint64_t> estimate_gas_with_margin(EthClient& eth, const Address& from,
                                          const std::optional<Address>& to, ByteSpan data) {
  auto gas = eth.estimate_gas(from, to, data);
  if (!gas) {
    if (is_insufficient_funds(gas.error()))
      return Error("insufficient_funds", address_hex(from) + ": " + gas.error().reason);
    return gas.error();
  }
  return *gas + (*gas + 3) / 4;
}

Result<std::string> send_transaction(EthClient& eth, const SignedTransaction& tx) {
  const std::string hash = to_data(tx.hash);
  auto sent = eth.send_raw_transaction(tx.raw);
  if (sent) return hash;  // ours: the node's answer is the same hash by construction
  if (is_insufficient_funds(sent.error())) return Error("insufficient_funds", sent.error().reason);
  if (sent.error().code == "rpc_error") {
    auto known = eth.transaction_block(hash);
    if (known && known->has_value()) return hash;
  }
  return sent.error();
}

}  // namespace klyn::hostchains::evm
